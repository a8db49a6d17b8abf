"""In-memory evaluation: a criterion compiles once to a fast predicate.

The predicate is generated Python code (see :mod:`leadcore.criteria._compile`):
user values are bound as closure constants, never pasted into source text.
Compiling validates the tree and checks the licence; the semantics are those
of ``docs/criteria.md``.

>>> from datetime import datetime, timezone
>>> from leadcore.criteria.build import condition
>>> from leadcore.lists import new_database
>>> from leadcore.model import Person, PersonId
>>> categories, statuses = new_database()
>>> env = Environment(categories, now=datetime(2026, 11, 27, tzinfo=timezone.utc))
>>> open_or_contacting = condition("person.lead_status", "in", 1, 2)
>>> match = person_predicate(open_or_contacting, env)
>>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> ann = Person(PersonId(1), None, "Ann", "Lee", at, at, lead_status_id=1)
>>> bob = Person(PersonId(2), None, "Bob", "Ray", at, at)
>>> match(ann, None), match(bob, None)
(True, False)
>>> person_predicate(~open_or_contacting, env)(bob, None)
True
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from leadcore.criteria._compile import compile_tree, reader_source
from leadcore.criteria.ast import (
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Groups,
    Never,
    Not,
)
from leadcore.criteria.build import expand_groups, require_licence, validate
from leadcore.criteria.fields import Entity
from leadcore.licence import Licence
from leadcore.lists import CategoryList
from leadcore.model import AssociateId, Company, Person

__all__ = [
    "Environment",
    "Explanation",
    "LeafOutcome",
    "company_predicate",
    "company_reader",
    "explain",
    "person_predicate",
    "person_reader",
]

PersonPredicate = Callable[[Person, Company | None], bool]
CompanyPredicate = Callable[[Company], bool]


@attrs.frozen
class Environment:
    """What a criterion is evaluated against besides the row.

    ``categories`` maps a category to its group (deleted categories included),
    ``now`` is the injected clock's reading (relative dates, "today"; its
    timezone decides which calendar day a stored datetime falls on),
    ``current_associate`` is "me" for the current-associate operators, and
    ``licence`` gates UTM fields.

    >>> from datetime import datetime, timezone
    >>> from leadcore.lists import new_database
    >>> env = Environment(new_database()[0], datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> env.current_associate is None, env.licence == Licence.full()
    (True, True)
    """

    categories: CategoryList
    now: datetime
    current_associate: AssociateId | None = None
    licence: Licence = attrs.field(factory=Licence.full)


def person_predicate(criterion: Criterion, env: Environment) -> PersonPredicate:
    """Compile ``criterion`` (a person search) to ``predicate(person, company) -> bool``.

    Pass the person's own company, or ``None`` for a person without company.
    Raises the :mod:`~leadcore.criteria.errors` of :func:`validate` for a bad
    tree, and :class:`~leadcore.errors.FeatureNotLicensed` for UTM fields
    without the marketing-premium feature.

    >>> from datetime import datetime, timezone
    >>> from leadcore.criteria.build import condition
    >>> from leadcore.lists import new_database
    >>> from leadcore.licence import Feature
    >>> env = Environment(new_database()[0], datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...                   licence=Licence.of(Feature.LEAD_STATUS))
    >>> person_predicate(condition("person.first_touch.source", "equals", "ad"), env)
    Traceback (most recent call last):
    ...
    leadcore.errors.FeatureNotLicensed: searching on 'person.first_touch.source' needs ...
    """
    validate(criterion, Entity.PERSON)
    require_licence(criterion, env.licence, Entity.PERSON)
    return compile_tree(criterion, Entity.PERSON, env.categories, env.now, env.current_associate)


def company_predicate(criterion: Criterion, env: Environment) -> CompanyPredicate:
    """Compile ``criterion`` (a company search, ``company.*`` fields) to ``predicate(company)``.

    >>> from datetime import datetime, timezone
    >>> from leadcore.criteria.build import condition
    >>> from leadcore.criteria.fields import Entity
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import Company, CompanyId, CategoryId
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> env = Environment(new_database()[0], at)
    >>> acme = Company(CompanyId(1), "Acme", CategoryId(1), at, at)
    >>> customer = condition("company.category_group", "in", 1, entity=Entity.COMPANY)
    >>> company_predicate(customer, env)(acme), company_predicate(~customer, env)(acme)
    (False, True)
    """
    validate(criterion, Entity.COMPANY)
    require_licence(criterion, env.licence, Entity.COMPANY)
    return compile_tree(criterion, Entity.COMPANY, env.categories, env.now, env.current_associate)


def person_reader(key: str, categories: CategoryList) -> Callable[[Person, Company | None], object]:
    """A function reading field ``key`` of a person row; ``None`` when the value is missing.

    Group fields read the :class:`~leadcore.model.CategoryGroup` code (int).

    >>> from datetime import datetime, timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import Person, PersonId, CategoryId
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> b2c = Person(PersonId(1), None, "Ann", "Lee", at, at, own_category_id=CategoryId(5))
    >>> read = person_reader("person.category_group", new_database()[0])
    >>> read(b2c, None), person_reader("company.name", new_database()[0])(b2c, None)
    (1, None)
    """
    reader: Callable[[Person, Company | None], object] = reader_source(
        key, Entity.PERSON, categories
    )
    return reader


def company_reader(key: str, categories: CategoryList) -> Callable[[Company], object]:
    """A function reading field ``key`` of a company; ``None`` when the value is missing.

    >>> from datetime import datetime, timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import Company, CompanyId
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> company_reader("company.name", new_database()[0])(Company(CompanyId(1), "Acme", None,
    ...                                                            at, at))
    'Acme'
    """
    reader: Callable[[Company], object] = reader_source(key, Entity.COMPANY, categories)
    return reader


@attrs.frozen
class LeafOutcome:
    """One leaf evaluated on one row: the value it read (``None`` if missing) and its result."""

    condition: Condition
    value: object
    matched: bool

    def __str__(self) -> str:
        values = ", ".join(repr(v) for v in self.condition.values)
        verdict = "true" if self.matched else "false"
        return (
            f"{self.condition.field} {self.condition.operator.value} ({values}): "
            f"value {self.value!r} -> {verdict}"
        )


@attrs.frozen
class Explanation:
    """Why a row matched or not.

    ``leaves`` lists every leaf evaluated, in tree order (group criteria after
    expansion); ``deciding`` the leaves that decided the result: for an *and*
    that held and an *or* that failed, the deciding leaves of every part; for an
    *and* that failed and an *or* that held, those of each part that alone
    decided it. Under a *not* the same leaves decide with the verdict flipped.
    """

    matched: bool
    deciding: tuple[LeafOutcome, ...]
    leaves: tuple[LeafOutcome, ...]

    def __str__(self) -> str:
        head = "matches" if self.matched else "does not match"
        lines = [head, *(f"  because {leaf}" for leaf in self.deciding)]
        return "\n".join(lines)


def explain(
    criterion: Criterion, env: Environment, person: Person, company: Company | None
) -> Explanation:
    """Evaluate ``criterion`` on one person row and say which leaves decided the result.

    >>> from datetime import datetime, timezone
    >>> from leadcore.criteria.build import condition
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import Person, PersonId
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> env = Environment(new_database()[0], at)
    >>> ann = Person(PersonId(1), None, "Ann", "Lee", at, at, lead_status_id=3)
    >>> why = explain(condition("person.lead_status", "in", 1, 2)
    ...               & condition("person.retired", "is_false"), env, ann, None)
    >>> print(why)
    does not match
      because person.lead_status in (1, 2): value 3 -> false
    >>> why.matched, len(why.leaves)
    (False, 2)
    """
    validate(criterion, Entity.PERSON)
    require_licence(criterion, env.licence, Entity.PERSON)
    outcomes: list[LeafOutcome] = []

    def visit(node: Criterion) -> tuple[bool, list[LeafOutcome]]:
        if isinstance(node, Condition):
            matched = compile_tree(
                node, Entity.PERSON, env.categories, env.now, env.current_associate
            )(person, company)
            value = reader_source(node.field, Entity.PERSON, env.categories)(person, company)
            outcome = LeafOutcome(node, value, bool(matched))
            outcomes.append(outcome)
            return outcome.matched, [outcome]
        if isinstance(node, Always | Never):
            return isinstance(node, Always), []
        if isinstance(node, Not):
            matched, deciding = visit(node.child)
            return not matched, deciding
        if isinstance(node, Groups):
            return visit(expand_groups(node))
        if isinstance(node, AllOf | AnyOf):
            results = [visit(child) for child in node.children]
            if isinstance(node, AllOf):
                matched = all(r for r, _ in results)
            else:
                matched = any(r for r, _ in results)
            decisive = (
                [d for r, d in results if r == matched]
                if (isinstance(node, AllOf) != matched)
                else [d for _, d in results]
            )
            return matched, [leaf for part in decisive for leaf in part]
        raise TypeError(f"not a criteria node: {node!r}")

    matched, deciding = visit(criterion)
    return Explanation(matched, tuple(deciding), tuple(outcomes))
