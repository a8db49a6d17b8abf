"""The query planner and the ordering of the in-memory adapter (private).

:func:`plan_persons` answers a criterion over the committed rows from the bitset
indexes where it can, and scans with the compiled predicate only the
candidates the indexed parts leave; rows changed by the unit of work (its
overlay) are checked with the predicate directly.

Evaluation is *restricted*: ``eval(node, within)`` returns the slots of
``within`` matching ``node``. An indexed node is an exact bitset intersected
with ``within``; AND narrows ``within`` child by child (indexed children
first), OR collects matches and only asks later children about the slots not
matched yet, NOT is ``within & ~eval(child, within)`` (exact: a row matches
``~c`` iff it does not match ``c``). A part reading only ``company.*`` fields
is checked once per company when the candidates outnumber twice the companies.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

import attrs

from leadcore.adapters._memory_index import (
    CATEGORY,
    COMPANY_OWNER,
    HAS_COMPANY,
    LEAD_STATUS,
    OWNER,
    RETIRED,
    PersonIndexes,
    bits_of,
    first_bits,
    iter_bits,
)
from leadcore.adapters._memory_state import MemoryState, Pending
from leadcore.criteria.ast import (
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Groups,
    Never,
    Not,
    Operator,
    all_of,
    any_of,
)
from leadcore.criteria.build import expand_groups, referenced_fields, validate
from leadcore.criteria.evaluate import (
    Environment,
    company_predicate,
    company_reader,
    person_predicate,
    person_reader,
)
from leadcore.criteria.fields import Entity, ListKind, ValueType, field
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import AssociateId, Company, CompanyId, Person, PersonId
from leadcore.queries import Order, Page

__all__ = [
    "PersonMatch",
    "PersonSource",
    "QueryContext",
    "count_person_groups",
    "order_and_page",
    "plan_persons",
]

PersonTest = Callable[[Person, Company | None], bool]

_EPOCH = datetime.min.replace(tzinfo=UTC)
_NOBODY = Person(PersonId(2**63 - 1), None, "-", "", _EPOCH, _EPOCH)
"""The person passed to company-only predicates, which never read it (ids are
positive, so it takes the largest 64-bit one rather than 0)."""


@attrs.frozen
class QueryContext:
    """What a query is evaluated against: the unit's lists, the time, the associate."""

    categories: CategoryList
    statuses: LeadStatusList
    now: datetime
    current_associate: AssociateId | None = None

    def environment(self) -> Environment:
        """The criteria evaluation environment."""
        return Environment(
            categories=self.categories, now=self.now, current_associate=self.current_associate
        )

    def person_test(self, criterion: Criterion) -> PersonTest:
        """The compiled person predicate of ``criterion``."""
        return person_predicate(criterion, self.environment())

    def company_test(self, criterion: Criterion) -> Callable[[Company], bool]:
        """The compiled company predicate of ``criterion``."""
        return company_predicate(criterion, self.environment())


@attrs.frozen
class PersonMatch:
    """The persons matching a query: committed slots plus matching overlay rows."""

    bits: int
    extra: tuple[Person, ...]
    slot_person: Sequence[Person]

    def count(self) -> int:
        """How many persons match, without materializing the committed ones."""
        return self.bits.bit_count() + len(self.extra)

    def persons(self) -> list[Person]:
        """Every matching person (committed ones by slot, then the overlay's)."""
        found = list(map(self.slot_person.__getitem__, iter_bits(self.bits)))
        found.extend(self.extra)
        return found

    def id_page(self, page: Page) -> list[Person]:
        """The matching persons ordered by id, paged, when slot order is id order.

        Only the first ``offset + limit`` committed members are read from the
        bitset; the overlay's rows are merged in by id. No row is sorted.
        """
        end = None if page.limit is None else page.offset + page.limit
        slots = iter_bits(self.bits) if end is None else first_bits(self.bits, end)
        committed = map(self.slot_person.__getitem__, slots)
        if self.extra:
            extra = sorted(self.extra, key=_person_id)
            rows = list(islice(heapq.merge(committed, extra, key=_person_id), end))
        else:
            rows = list(committed)
        return rows[page.offset :] if page.offset else rows


def _person_id(person: Person) -> int:
    return person.id


class PersonSource:
    """The committed person rows plus a unit's overlay, as the query planner sees them.

    ``company`` is the unit's lookup of a company (its own changes included).
    Build it under the state's lock and use it before the lock is released.
    """

    def __init__(
        self,
        state: MemoryState,
        pending: Pending,
        company: Callable[[CompanyId], Company | None],
    ) -> None:
        self.slot_person = state.slot_person
        self.id_ordered = state.id_ordered
        self.indexes = state.indexes
        self.companies = state.companies
        """The committed companies (for company-level evaluation)."""
        self.members = state.members
        """The committed slots of each company's persons."""
        self._company = company
        dirty: set[int] = set()
        for company_id in pending.companies:
            dirty.update(state.members.get(company_id, ()))
        self.overlay: list[Person] = []
        for person_id in pending.deleted_persons:
            slot = state.slot_of.get(person_id)
            if slot is not None:
                dirty.add(slot)
        for person in pending.persons.values():
            slot = state.slot_of.get(person.id)
            if slot is not None:
                dirty.add(slot)
            self.overlay.append(person)
        for slot in dirty:
            person = state.slot_person[slot]
            if person.id not in pending.persons and person.id not in pending.deleted_persons:
                self.overlay.append(person)
        self.dirty_slots = dirty

    def company(self, person: Person) -> Company | None:
        """The company of ``person`` as the unit sees it."""
        return None if person.company_id is None else self._company(person.company_id)

    def committed_company(self, person: Person) -> Company | None:
        """The committed company of a committed, clean ``person``."""
        return None if person.company_id is None else self.companies[person.company_id]


def plan_persons(source: PersonSource, criterion: Criterion, context: QueryContext) -> PersonMatch:
    """The persons of ``source`` matching ``criterion`` in ``context``.

    The criterion is validated first, so a bad tree is refused exactly as the
    compiled predicate refuses it, even when the indexes alone could answer.
    """
    validate(criterion, Entity.PERSON)
    indexes = source.indexes
    clean = indexes.all
    if source.dirty_slots:
        clean &= ~bits_of(list(source.dirty_slots))
    planner = _Planner(indexes, source, context)
    bits = planner.eval(criterion, clean)
    extra: tuple[Person, ...] = ()
    if source.overlay:
        test = planner.test(criterion)
        extra = tuple(p for p in source.overlay if test(p, source.company(p)))
    return PersonMatch(bits, extra, source.slot_person)


class _Planner:
    """Restricted evaluation of one criterion over the committed, clean slots."""

    def __init__(self, indexes: PersonIndexes, source: PersonSource, context: QueryContext):
        self.indexes = indexes
        self.source = source
        self.context = context
        # Keyed by id(); each entry keeps its node alive so an id is never reused meanwhile.
        self._exact: dict[int, tuple[Criterion, int | None]] = {}
        self._tests: dict[int, tuple[Criterion, PersonTest]] = {}
        self._groups: dict[int, tuple[Groups, Criterion]] = {}
        self._company_only: dict[int, tuple[Criterion, bool]] = {}

    def test(self, criterion: Criterion) -> PersonTest:
        key = id(criterion)
        found = self._tests.get(key)
        if found is None:
            found = (criterion, self.context.person_test(criterion))
            self._tests[key] = found
        return found[1]

    # --- exact bitsets from the indexes ---------------------------------------------------

    def exact(self, node: Criterion) -> int | None:
        """The bitset of every slot matching ``node``, or None when not indexable."""
        key = id(node)
        found = self._exact.get(key)
        if found is None:
            found = (node, self._exact_uncached(node))
            self._exact[key] = found
        return found[1]

    def _exact_uncached(self, node: Criterion) -> int | None:
        if isinstance(node, Always):
            return self.indexes.all
        if isinstance(node, Never):
            return 0
        if isinstance(node, Condition):
            return self._leaf(node)
        if isinstance(node, Not):
            inner = self.exact(node.child)
            return None if inner is None else self.indexes.all & ~inner
        if isinstance(node, AllOf):
            bits = self.indexes.all
            for child in node.children:
                part = self.exact(child)
                if part is None:
                    return None
                bits &= part
            return bits
        if isinstance(node, AnyOf):
            bits = 0
            for child in node.children:
                part = self.exact(child)
                if part is None:
                    return None
                bits |= part
            return bits
        return self.exact(self._expanded(node))

    def _expanded(self, node: Groups) -> Criterion:
        key = id(node)
        found = self._groups.get(key)
        if found is None:
            found = (node, expand_groups(node))
            self._groups[key] = found
        return found[1]

    def _leaf(self, leaf: Condition) -> int | None:
        op = leaf.operator
        if op is Operator.SET or op is Operator.NOT_SET:
            present = self._present(leaf.field)
            if present is None or op is Operator.SET:
                return present
            return self.indexes.all & ~present
        negative = op in (Operator.NOT_IN, Operator.NOT_CURRENT_ASSOCIATE, Operator.IS_FALSE)
        positive = self._positive_leaf(leaf)
        if positive is None:
            return None
        return self.indexes.all & ~positive if negative else positive

    def _positive_leaf(self, leaf: Condition) -> int | None:
        """The bitset of the leaf's positive form (IN for NOT_IN, IS_TRUE for IS_FALSE ...)."""
        idx = self.indexes
        op = leaf.operator
        name = leaf.field
        values = leaf.values
        if op in (Operator.IN, Operator.NOT_IN):
            if name == "person.lead_status":
                return idx.union(LEAD_STATUS, values)
            if name == "person.category":
                return idx.union(CATEGORY, values)
            if name == "person.category_group":
                return idx.union(CATEGORY, self._categories_in_groups(values))
            if name == "company.category":
                return idx.union(CATEGORY, values) & idx.get(HAS_COMPANY, True)
            if name == "company.category_group":
                cats = self._categories_in_groups(values)
                return idx.union(CATEGORY, cats) & idx.get(HAS_COMPANY, True)
            if name == "person.owner":
                return idx.union(OWNER, values)
            if name == "company.owner":
                return idx.union(COMPANY_OWNER, values)
            return None
        if op in (Operator.CURRENT_ASSOCIATE, Operator.NOT_CURRENT_ASSOCIATE):
            current = self.context.current_associate
            if name == "person.owner":
                return 0 if current is None else idx.get(OWNER, current)
            if name == "company.owner":
                return 0 if current is None else idx.get(COMPANY_OWNER, current)
            return None
        if op in (Operator.IS_TRUE, Operator.IS_FALSE):
            if name == "person.retired":
                return idx.get(RETIRED, True)
            if name == "person.has_company":
                return idx.get(HAS_COMPANY, True)
        return None

    def _present(self, name: str) -> int | None:
        """The slots where list field ``name`` has a value (``set``), from the indexes; ``None``
        for a field they do not hold. A group is present when the category list knows the
        category (docs/criteria.md §1)."""
        idx = self.indexes
        with_company = idx.get(HAS_COMPANY, True)
        known = [c.id for c in self.context.categories.items]
        present = {
            "person.lead_status": lambda: idx.all & ~idx.get(LEAD_STATUS, None),
            "person.category": lambda: idx.all & ~idx.get(CATEGORY, None),
            "person.category_group": lambda: idx.union(CATEGORY, known),
            "person.owner": lambda: idx.all & ~idx.get(OWNER, None),
            "company.category": lambda: with_company & ~idx.get(CATEGORY, None),
            "company.category_group": lambda: with_company & idx.union(CATEGORY, known),
            "company.owner": lambda: idx.all & ~idx.get(COMPANY_OWNER, None),
        }.get(name)
        return None if present is None else present()

    def _categories_in_groups(self, codes: tuple[Any, ...]) -> list[Any]:
        wanted = set(codes)
        return [c.id for c in self.context.categories.items if int(c.group) in wanted]

    # --- restricted evaluation -------------------------------------------------------------

    def eval(self, node: Criterion, within: int) -> int:
        """The slots of ``within`` matching ``node``."""
        if not within:
            return 0
        exact = self.exact(node)
        if exact is not None:
            return exact & within
        if self.company_only(node) and self._worth_by_company(within):
            return self.by_company(node) & within
        if isinstance(node, AllOf):
            return self._eval_all(node.children, within)
        if isinstance(node, AnyOf):
            return self._eval_any(node.children, within)
        if isinstance(node, Not):
            return within & ~self.eval(node.child, within)
        if isinstance(node, Groups):
            return self.eval(self._expanded(node), within)
        return self.scan(node, within)

    def _split(
        self, children: Sequence[Criterion]
    ) -> tuple[list[int], list[Criterion], list[Criterion], list[Criterion]]:
        """Children as exact bitsets, company-only leaves, other leaves, other subtrees."""
        exact: list[int] = []
        company: list[Criterion] = []
        leaves: list[Criterion] = []
        mixed: list[Criterion] = []
        for child in children:
            part = self.exact(child)
            if part is not None:
                exact.append(part)
            elif not isinstance(child, Condition):
                mixed.append(child)
            elif self.company_only(child):
                company.append(child)
            else:
                leaves.append(child)
        return exact, company, leaves, mixed

    def _eval_all(self, children: Sequence[Criterion], within: int) -> int:
        exact, company, leaves, mixed = self._split(children)
        for part in exact:
            within &= part
        if company and self._worth_by_company(within):
            within &= self.by_company(all_of(company))
        elif company:
            leaves = company + leaves
        for child in mixed:
            within = self.eval(child, within)
        return self.scan(all_of(leaves), within) if leaves else within

    def _eval_any(self, children: Sequence[Criterion], within: int) -> int:
        exact, company, leaves, mixed = self._split(children)
        found = 0
        for part in exact:
            found |= part & within
        remaining = within & ~found
        if company and self._worth_by_company(remaining):
            more = self.by_company(any_of(company)) & remaining
            found |= more
            remaining &= ~more
        elif company:
            leaves = company + leaves
        for child in mixed:
            more = self.eval(child, remaining)
            found |= more
            remaining &= ~more
        if leaves:
            found |= self.scan(any_of(leaves), remaining)
        return found

    # --- company-level evaluation --------------------------------------------------------------

    def company_only(self, node: Criterion) -> bool:
        """True when every field ``node`` reads is a ``company.*`` field."""
        key = id(node)
        found = self._company_only.get(key)
        if found is None:
            fields = referenced_fields(node)
            only = bool(fields) and all(f.startswith("company.") for f in fields)
            found = (node, only)
            self._company_only[key] = found
        return found[1]

    def _worth_by_company(self, within: int) -> bool:
        """Checking each company once beats checking the candidates one by one."""
        return within.bit_count() > 2 * len(self.source.companies)

    def by_company(self, node: Criterion) -> int:
        """Exact bitset of a company-only ``node``: checked once per company.

        Persons with a company match iff their company does; persons without
        one all see the same missing values, so one check decides for all of them.
        """
        test = self.test(node)
        members = self.source.members
        slots = [
            slot
            for company in self.source.companies.values()
            if test(_NOBODY, company)
            for slot in members[company.id]
        ]
        bits = bits_of(slots)
        if test(_NOBODY, None):
            bits |= self.indexes.get(HAS_COMPANY, False)
        return bits

    def scan(self, node: Criterion, within: int) -> int:
        """The slots of ``within`` whose row passes the compiled predicate of ``node``."""
        if not within:
            return 0
        test = self.test(node)
        slot_person = self.source.slot_person
        company_of = self.source.committed_company
        matched = [
            slot
            for slot in iter_bits(within)
            if test(person := slot_person[slot], company_of(person))
        ]
        return bits_of(matched)


# --- ordering and paging -------------------------------------------------------------------

R = TypeVar("R")


def order_and_page(
    rows: list[R],
    order: Sequence[Order],
    page: Page,
    context: QueryContext,
    entity: Entity,
    row_of: Callable[[R], tuple[Person | None, Company | None]],
    id_of: Callable[[R], int],
) -> list[R]:
    """Sort ``rows`` by ``order`` (id as the last key; missing values last), then page."""
    end = None if page.limit is None else page.offset + page.limit
    if not order and end is not None:
        return heapq.nsmallest(end, rows, key=id_of)[page.offset :]
    rows.sort(key=id_of)
    for item in reversed(order):
        getter = _sort_value(item.field, entity, context)
        keyed = [(getter(*row_of(row)), row) for row in rows]
        present = [pair for pair in keyed if pair[0] is not None]
        present.sort(key=lambda pair: pair[0], reverse=item.descending)
        rows = [row for _, row in present]
        rows.extend(row for value, row in keyed if value is None)
    return rows[page.offset : end]


# --- grouped counts ----------------------------------------------------------------------

_GROUP_INDEX = {
    "person.lead_status": (LEAD_STATUS, False),
    "person.category": (CATEGORY, False),
    "person.category_group": (CATEGORY, False),
    "person.owner": (OWNER, False),
    "company.category": (CATEGORY, True),
    "company.category_group": (CATEGORY, True),
    "company.owner": (COMPANY_OWNER, False),
}
"""Per groupable person field: the index it is read from, and whether only persons
with a company hold a value (the others go to the ``None`` bucket)."""


def count_person_groups(
    source: PersonSource,
    match: PersonMatch,
    field_key: str,
    context: QueryContext,
    *,
    visible_only: bool = False,
) -> tuple[dict[int | None, int], int]:
    """Counts of ``match`` per value of ``field_key``, and how many hold a hidden status.

    Committed rows: one ``(matches & bits).bit_count()`` per key of the field's
    index, keys mapped to values (a category to its group for group fields).
    The overlay's rows are read one by one.
    """
    indexes = source.indexes
    index, company_only = _GROUP_INDEX[field_key]
    categories = context.categories
    grouped = field_key.endswith("category_group")
    counts: dict[int | None, int] = {}
    hidden = 0
    within = match.bits
    enabled = [c.id for c in categories.items if c.lead_enabled]
    if visible_only:
        no_status = indexes.get(LEAD_STATUS, None)
        visible = indexes.union(CATEGORY, enabled)
        counts[None] = (within & no_status).bit_count()
        hidden = (within & ~visible & ~no_status).bit_count()
        within &= visible & ~no_status
    elif company_only:
        has_company = indexes.get(HAS_COMPANY, True)
        counts[None] = (within & ~has_company).bit_count()
        within &= has_company
    for key, bits in indexes.maps[index].items():
        count = (within & bits).bit_count()
        if count:
            value = _group_code(key, categories) if grouped else key
            counts[value] = counts.get(value, 0) + count
    if match.extra:
        read = person_reader(field_key, categories)
        category_of = person_reader("person.category", categories)
        lead_enabled = set(enabled)
        for person in match.extra:
            company = source.company(person)
            value = read(person, company)
            if (
                visible_only
                and value is not None
                and category_of(person, company) not in (lead_enabled)
            ):
                hidden += 1
                continue
            key = value if isinstance(value, int) else None
            counts[key] = counts.get(key, 0) + 1
    return counts, hidden


def _group_code(category_id: Any, categories: CategoryList) -> int | None:
    if category_id is None or category_id not in categories:
        return None
    return int(categories.get(category_id).group)


SortGetter = Callable[[Person | None, Company | None], Any]


def _sort_value(key: str, entity: Entity, context: QueryContext) -> SortGetter:
    """Reads a field's sort value: text casefolded, list items by rank, None when missing."""
    spec = field(key, entity)
    raw = _reader(key, entity, context.categories)
    if spec.value_type is ValueType.TEXT:
        return lambda p, c: None if (v := raw(p, c)) is None else str(v).casefold()
    if spec.list_kind is ListKind.LEAD_STATUS:
        statuses = context.statuses
        return lambda p, c: None if (v := raw(p, c)) is None else _rank(statuses, v)
    if spec.list_kind is ListKind.CATEGORY:
        categories = context.categories
        return lambda p, c: None if (v := raw(p, c)) is None else _rank(categories, v)
    return raw


def _reader(key: str, entity: Entity, categories: CategoryList) -> SortGetter:
    if entity is Entity.COMPANY:
        read_company = company_reader(key, categories)
        return lambda p, c: None if c is None else read_company(c)
    read_person = person_reader(key, categories)
    return lambda p, c: None if p is None else read_person(p, c)


def _rank(items: CategoryList | LeadStatusList, item_id: Any) -> tuple[int, int]:
    if item_id in items:
        return items.get(item_id).rank, item_id
    return (1 << 62), item_id
