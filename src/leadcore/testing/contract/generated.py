"""The hypothesis strategies the kit draws stored data and criteria from.

They aim at what adapters index: list, owner and yes/no fields, text with
``%`` and case traps, relative dates and the group form.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hypothesis import strategies as st

from leadcore.criteria.ast import Criterion, Group, Groups
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.testing.contract._records import _ASSOCIATES, _CATEGORY_IDS, _NAMES, _NOW, _STATUS_IDS
from leadcore.testing.contract.base import AT

__all__ = ["company_rows", "contract_criteria", "person_rows"]


@st.composite
def company_rows(draw: st.DrawFn, max_size: int = 6) -> list[Company]:
    """Companies with ids 1..n, random categories and owners (some missing)."""
    count = draw(st.integers(0, max_size))
    return [
        Company(
            CompanyId(n),
            draw(st.sampled_from(("Acme", "acme ltd", "Beta", "Øst A/S"))),
            draw(st.none() | st.sampled_from(_CATEGORY_IDS)),
            draw(st.sampled_from((AT - timedelta(days=3), AT, _NOW))),
            AT,
            owner_id=draw(st.none() | st.sampled_from(_ASSOCIATES)),
        )
        for n in range(1, count + 1)
    ]


@st.composite
def person_rows(draw: st.DrawFn, companies: Sequence[Company], max_size: int = 14) -> list[Person]:
    """Persons with ids 1..n over ``companies``; some without company (with a category)."""
    count = draw(st.integers(0, max_size))
    company_ids = [c.id for c in companies]
    persons = []
    for n in range(1, count + 1):
        company = draw(st.none() | st.sampled_from(company_ids)) if company_ids else None
        persons.append(
            Person(
                PersonId(n),
                company,
                draw(st.sampled_from(_NAMES)),
                draw(st.sampled_from(_NAMES)),
                draw(st.sampled_from((AT - timedelta(days=40), AT, _NOW))),
                AT,
                email=draw(st.sampled_from(("", "a@x.dk", "B@Y.com"))),
                owner_id=draw(st.none() | st.sampled_from(_ASSOCIATES)),
                lead_status_id=draw(st.none() | st.sampled_from(_STATUS_IDS)),
                own_category_id=(
                    draw(st.none() | st.sampled_from(_CATEGORY_IDS)) if company is None else None
                ),
                retired=draw(st.booleans()),
                status_changed=draw(st.none() | st.sampled_from((AT - timedelta(days=40), AT))),
            )
        )
    return persons


def _ids(pool: Sequence[int]) -> st.SearchStrategy[list[int]]:
    return st.lists(st.sampled_from(pool), max_size=3)


def _person_leaves() -> st.SearchStrategy[Criterion]:
    groups = tuple(range(6))
    in_ops = st.sampled_from(("in", "not_in"))
    list_leaf = st.one_of(
        st.tuples(st.just("person.lead_status"), in_ops, _ids(_STATUS_IDS)),
        st.tuples(st.just("person.category"), in_ops, _ids(_CATEGORY_IDS)),
        st.tuples(st.just("company.category"), in_ops, _ids(_CATEGORY_IDS)),
        st.tuples(st.just("person.category_group"), in_ops, _ids(groups)),
        st.tuples(st.just("company.category_group"), in_ops, _ids(groups)),
        st.tuples(st.sampled_from(("person.owner", "company.owner")), in_ops, _ids(_ASSOCIATES)),
    ).map(lambda t: condition(t[0], t[1], *t[2]))
    flag_leaf = st.tuples(
        st.sampled_from(("person.retired", "person.has_company")),
        st.sampled_from(("is_true", "is_false")),
    ).map(lambda t: condition(t[0], t[1]))
    me_leaf = st.tuples(
        st.sampled_from(("person.owner", "company.owner")),
        st.sampled_from(("current_associate", "not_current_associate")),
    ).map(lambda t: condition(t[0], t[1]))
    text_leaf = st.tuples(
        st.sampled_from(("person.first_name", "person.email", "company.name")),
        st.sampled_from(("begins", "contains", "not_begins", "equals")),
        st.sampled_from(("a", "A%", "b", "ø", "x.dk")),
    ).map(lambda t: condition(t[0], t[1], t[2]))
    other_leaf = st.one_of(
        st.integers(0, 12).map(lambda n: condition("person.id", "gt", n)),
        st.sampled_from(("before_today", "today")).map(
            lambda op: condition("person.registered", op)
        ),
    )
    presence_leaf = st.tuples(
        st.sampled_from(("person.lead_status", "company.owner", "person.status_changed")),
        st.sampled_from(("set", "not_set")),
    ).map(lambda t: condition(t[0], t[1]))
    relative_leaf = st.tuples(
        st.sampled_from(("last", "older_than", "this_and_previous")), st.integers(1, 60)
    ).map(lambda t: condition("person.status_changed", t[0], t[1], "day"))
    return st.one_of(
        list_leaf, flag_leaf, me_leaf, text_leaf, other_leaf, presence_leaf, relative_leaf
    )


def _tree(leaves: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    def extend(inner: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: t[0] & t[1]),
            st.tuples(inner, inner).map(lambda t: t[0] | t[1]),
            inner.map(lambda c: ~c),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def _groups(leaves: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    group = st.builds(
        lambda items, subtract: Group(tuple(items), subtract=subtract),
        st.lists(leaves, min_size=0, max_size=3),
        st.booleans(),
    )
    return st.lists(group, max_size=3).map(lambda gs: Groups(tuple(gs)))


def contract_criteria() -> st.SearchStrategy[Criterion]:
    """Person criteria the kit checks adapters with: and/or/not trees and group forms.

    Leaves cover list, associate ("me" included), yes/no, text, number and date
    fields, on persons and through their company, "has a value" and the relative
    operators on the time of the latest status change.
    """
    leaves = _person_leaves()
    return st.one_of(_tree(leaves), _groups(leaves))


def _company_criteria() -> st.SearchStrategy[Criterion]:
    in_ops = st.sampled_from(("in", "not_in"))
    leaf = st.one_of(
        st.tuples(st.just("company.category"), in_ops, _ids(_CATEGORY_IDS)),
        st.tuples(st.just("company.category_group"), in_ops, _ids(tuple(range(6)))),
        st.tuples(st.just("company.owner"), in_ops, _ids(_ASSOCIATES)),
    ).map(lambda t: condition(t[0], t[1], *t[2], entity=Entity.COMPANY))
    text = st.sampled_from(("a", "A%", "b")).map(
        lambda v: condition("company.name", "begins", v, entity=Entity.COMPANY)
    )
    return _tree(st.one_of(leaf, text))
