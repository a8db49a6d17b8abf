"""What every SuperOffice writer does first: validate, normalize where needed, and refuse
what no SuperOffice form can say, naming the part (private).

>>> from leadcore.criteria.build import condition
>>> from leadcore.criteria.superoffice.columns import PERSON
>>> from leadcore.criteria.fields import Entity
>>> exportable(~condition("person.retired", "is_true"), PERSON, Entity.PERSON, "rows")
Condition(field='person.retired', operator=<Operator.IS_FALSE: 'is_false'>, values=())
"""

from __future__ import annotations

from leadcore.criteria.ast import ALWAYS, NEVER, AllOf, AnyOf, Condition, Criterion, Not
from leadcore.criteria.build import is_inactive, iter_conditions, validate
from leadcore.criteria.fields import Entity
from leadcore.criteria.normalize import normalize
from leadcore.criteria.superoffice._common import SuperOfficeExportError
from leadcore.criteria.superoffice.columns import Provider
from leadcore.criteria.superoffice.operators import write_leaf
from leadcore.criteria.text import format as format_text

__all__ = ["exportable", "refuse"]


def refuse(
    part: Criterion, entity: Entity, why: str, provider: Provider, form: str
) -> SuperOfficeExportError:
    """The error for a part with no SuperOffice form, naming it in leadcore's text form."""
    return SuperOfficeExportError(
        format_text(part, entity=entity),
        why,
        "Rewrite the criterion with what docs/criteria-formats.md lists as exported, "
        "or keep it in leadcore's JSON or text form",
        provider=provider.name,
        form=form,
    )


def _plain(c: Criterion) -> bool:
    """An and/or tree of active leaves, as a reader builds it (written as it is)."""
    stack = [c]
    while stack:
        node = stack.pop()
        if isinstance(node, Condition):
            if is_inactive(node):
                return False
        elif isinstance(node, AllOf | AnyOf):
            if len(node.children) < 2:
                return False
            for child in node.children:
                if type(child) is type(node):
                    return False  # a reader flattens and-in-and; keep the round trip exact
            stack.extend(node.children)
        else:
            return False
    return True


def exportable(criterion: Criterion, provider: Provider, entity: Entity, form: str) -> Criterion:
    """``criterion`` validated, as an and/or tree of leaves SuperOffice can say (the tree
    itself when it is one, else its normal form), or ALWAYS/NEVER."""
    validate(criterion, entity)
    tree = criterion if _plain(criterion) else normalize(criterion, entity)
    if tree is ALWAYS or tree is NEVER:
        return tree
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Not):
            raise refuse(
                node,
                entity,
                "SuperOffice restrictions have no NOT, and this negation has no exact positive "
                "form (its negation also matches rows without a value)",
                provider,
                form,
            )
        if isinstance(node, AllOf | AnyOf):
            stack.extend(node.children)
    for leaf in iter_conditions(tree):
        _, why = write_leaf(leaf, provider, entity, "rows" if form == "groups" else form)
        if why is not None:
            raise refuse(leaf, entity, why, provider, form)
    return tree
