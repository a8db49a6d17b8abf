"""The query planner of the in-memory adapter: indexes where it can, predicate for the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore.adapters import _memory_query
from leadcore.adapters._memory_index import bits_of, iter_bits
from leadcore.adapters.memory import InMemoryStore
from leadcore.criteria.ast import ALWAYS, NEVER, Criterion, Group, Groups
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.lists import new_database
from leadcore.model import (
    AssociateId,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.queries import Query

AT = datetime(2026, 1, 5, tzinfo=UTC)
ME = AssociateId(1)
CATEGORIES, STATUSES = new_database()
CATEGORY_IDS = [c.id for c in CATEGORIES.items]
STATUS_IDS = [s.id for s in STATUSES.items]


@st.composite
def worlds(draw: st.DrawFn, max_companies: int = 8, max_persons: int = 40) -> InMemoryStore:
    """A store with generated companies and persons (some without company)."""
    companies = [
        Company(
            CompanyId(n),
            f"C{n}",
            draw(st.none() | st.sampled_from(CATEGORY_IDS)),
            AT,
            AT,
            owner_id=draw(st.none() | st.sampled_from([AssociateId(1), AssociateId(2)])),
        )
        for n in range(1, draw(st.integers(0, max_companies)) + 1)
    ]
    persons = []
    for n in range(1, draw(st.integers(0, max_persons)) + 1):
        company = (
            draw(st.none() | st.sampled_from([c.id for c in companies])) if companies else None
        )
        persons.append(
            Person(
                PersonId(n),
                company,
                draw(st.sampled_from(["Ann", "bo", "Åse"])),
                "X",
                AT,
                AT,
                owner_id=draw(st.none() | st.sampled_from([AssociateId(1), AssociateId(2)])),
                lead_status_id=draw(st.none() | st.sampled_from(STATUS_IDS)),
                own_category_id=(
                    draw(st.none() | st.sampled_from(CATEGORY_IDS)) if company is None else None
                ),
                retired=draw(st.booleans()),
            )
        )
    store = InMemoryStore()
    store.load_bulk(companies, persons)
    return store


def _ids(pool: Sequence[int]) -> st.SearchStrategy[list[int]]:
    return st.lists(st.sampled_from(pool), max_size=3)


PRESENCE_FIELDS = (
    "person.lead_status",
    "person.category",
    "person.category_group",
    "person.owner",
    "company.category",
    "company.category_group",
    "company.owner",
)
"""The list fields whose 'has a value' the indexes answer."""


def indexed_leaves() -> st.SearchStrategy[Criterion]:
    """Leaves the indexes answer alone."""
    ops = st.sampled_from(["in", "not_in"])
    lists = st.one_of(
        st.tuples(st.just("person.lead_status"), ops, _ids(STATUS_IDS)),
        st.tuples(
            st.sampled_from(["person.category", "company.category"]), ops, _ids(CATEGORY_IDS)
        ),
        st.tuples(
            st.sampled_from(["person.category_group", "company.category_group"]),
            ops,
            _ids([int(g) for g in CategoryGroup]),
        ),
        st.tuples(st.sampled_from(["person.owner", "company.owner"]), ops, _ids([1, 2, 3])),
    ).map(lambda t: condition(t[0], t[1], *t[2]))
    flags = st.tuples(
        st.sampled_from(["person.retired", "person.has_company"]),
        st.sampled_from(["is_true", "is_false"]),
    ).map(lambda t: condition(t[0], t[1]))
    me = st.tuples(
        st.sampled_from(["person.owner", "company.owner"]),
        st.sampled_from(["current_associate", "not_current_associate"]),
    ).map(lambda t: condition(t[0], t[1]))
    presence = st.tuples(st.sampled_from(PRESENCE_FIELDS), st.sampled_from(["set", "not_set"])).map(
        lambda t: condition(t[0], t[1])
    )
    return st.one_of(lists, flags, me, presence, st.sampled_from([ALWAYS, NEVER]))


def trees(leaves: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    def extend(inner: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        return st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda cs: _fold(cs, "and")),
            st.lists(inner, min_size=2, max_size=3).map(lambda cs: _fold(cs, "or")),
            inner.map(lambda c: ~c),
        )

    return st.recursive(leaves, extend, max_leaves=7)


def _fold(children: list[Criterion], how: str) -> Criterion:
    result = children[0]
    for child in children[1:]:
        result = result & child if how == "and" else result | child
    return result


def _scan(store: InMemoryStore, criterion: Criterion, me: AssociateId | None) -> list[PersonId]:
    with store.unit_of_work() as uow:
        persons = uow.persons.find(Query())
        test = person_predicate(
            criterion, Environment(uow.lists.load().categories, AT, current_associate=me)
        )
        return [
            p.id
            for p in persons
            if test(p, None if p.company_id is None else uow.companies.get(p.company_id))
        ]


def _query(criterion: Criterion, me: AssociateId | None = ME) -> Query:
    return Query(criterion, now=AT, current_associate=me)


def _refuse(self: object, criterion: Criterion) -> Callable[..., bool]:
    raise AssertionError(f"the planner scanned for {criterion!r}")


@pytest.fixture
def no_predicate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any use of the compiled predicate inside the planner fail loudly."""

    monkeypatch.setattr(_memory_query.QueryContext, "person_test", _refuse)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=100)
@given(store=worlds(), criterion=trees(indexed_leaves()), me=st.none() | st.just(ME))
def test_indexed_criteria_are_answered_without_the_predicate(
    store: InMemoryStore, criterion: Criterion, me: AssociateId | None
) -> None:
    expected = _scan(store, criterion, me)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_memory_query.QueryContext, "person_test", _refuse)
        with store.unit_of_work() as uow:
            assert uow.persons.count(_query(criterion, me)) == len(expected)
            assert [p.id for p in uow.persons.find(_query(criterion, me))] == expected


@pytest.mark.parametrize("key", PRESENCE_FIELDS)
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=30)
@given(store=worlds())
def test_has_a_value_is_answered_from_the_indexes(store: InMemoryStore, key: str) -> None:
    for operator in ("set", "not_set"):
        leaf = condition(key, operator)
        expected = _scan(store, leaf, ME)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_memory_query.QueryContext, "person_test", _refuse)
            with store.unit_of_work() as uow:
                assert [p.id for p in uow.persons.find(_query(leaf))] == expected


def text_leaves() -> st.SearchStrategy[Criterion]:
    """Leaves only the predicate answers."""
    return st.one_of(
        st.sampled_from(["a", "B", "å%"]).map(
            lambda v: condition("person.first_name", "begins", v)
        ),
        st.integers(0, 30).map(lambda n: condition("person.id", "gt", n)),
        st.sampled_from(["c1", "C2"]).map(lambda v: condition("company.name", "equals", v)),
    )


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=100)
@given(
    store=worlds(),
    criterion=trees(st.one_of(indexed_leaves(), text_leaves())),
    me=st.none() | st.just(ME),
)
def test_mixed_criteria_agree_with_a_plain_scan(
    store: InMemoryStore, criterion: Criterion, me: AssociateId | None
) -> None:
    expected = _scan(store, criterion, me)
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(criterion, me)) == len(expected)
        assert [p.id for p in uow.persons.find(_query(criterion, me))] == expected


def test_residual_predicate_runs_only_on_the_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    persons = [
        Person(PersonId(n), None, "Ann" if n % 2 else "Bo", "X", AT, AT,
               owner_id=AssociateId(1 + n % 5))
        for n in range(1, 101)
    ]  # fmt: skip
    store = InMemoryStore()
    store.load_bulk([], persons)
    seen: list[PersonId] = []
    real = _memory_query.QueryContext.person_test

    def counting(self: _memory_query.QueryContext, criterion: Criterion) -> Callable[..., bool]:
        test = real(self, criterion)

        def wrapped(person: Person, company: Company | None) -> bool:
            seen.append(person.id)
            return test(person, company)

        return wrapped

    monkeypatch.setattr(_memory_query.QueryContext, "person_test", counting)
    criterion = condition("person.owner", "in", 2) & condition("person.first_name", "begins", "a")
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(criterion)) == 10
    assert sorted(seen) == [p.id for p in persons if p.owner_id == 2]
    seen.clear()
    either = condition("person.owner", "in", 2) | condition("person.first_name", "begins", "a")
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(either)) == 60
    assert len(seen) == 80  # only the persons the indexed part did not match yet


def test_not_includes_rows_without_a_value(no_predicate: None) -> None:
    store = InMemoryStore()
    customer = CATEGORIES.by_name("Customer").id
    store.load_bulk(
        [Company(CompanyId(1), "Acme", customer, AT, AT), Company(CompanyId(2), "B", None, AT, AT)],
        [
            Person(PersonId(1), CompanyId(1), "A", "X", AT, AT),
            Person(PersonId(2), CompanyId(2), "B", "X", AT, AT),
            Person(PersonId(3), None, "C", "X", AT, AT, own_category_id=customer),
        ],
    )
    customers = condition("company.category_group", "in", int(CategoryGroup.CUSTOMER))
    with store.unit_of_work() as uow:
        assert [p.id for p in uow.persons.find(_query(customers))] == [1]
        assert [p.id for p in uow.persons.find(_query(~customers))] == [2, 3]
        not_in = condition("company.category_group", "not_in", int(CategoryGroup.CUSTOMER))
        assert [p.id for p in uow.persons.find(_query(not_in))] == [2, 3]
        own = condition("person.category_group", "in", int(CategoryGroup.CUSTOMER))
        assert [p.id for p in uow.persons.find(_query(own))] == [1, 3]
        groups = Groups((Group((own,)), Group((customers,), subtract=True)))
        assert [p.id for p in uow.persons.find(_query(groups))] == [3]


def test_admin_changing_a_group_is_seen_at_once(no_predicate: None) -> None:
    store = InMemoryStore()
    prospect = CATEGORIES.by_name("Prospect").id
    store.load_bulk(
        [Company(CompanyId(1), "Acme", prospect, AT, AT)],
        [Person(PersonId(n), CompanyId(1), "A", "X", AT, AT) for n in range(1, 4)],
    )
    partner = condition("person.category_group", "in", int(CategoryGroup.PARTNER))
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(partner)) == 0
        lists = uow.lists.load()
        uow.lists.save(
            attrs.evolve(
                lists, categories=lists.categories.set_group(prospect, CategoryGroup.PARTNER)
            )
        )
        assert uow.persons.count(_query(partner)) == 3  # the unit's own lists
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(partner)) == 0  # rolled back
        lists = uow.lists.load()
        uow.lists.save(
            attrs.evolve(
                lists, categories=lists.categories.set_group(prospect, CategoryGroup.PARTNER)
            )
        )
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(partner)) == 3
    store.verify_indexes()


def test_company_category_change_moves_every_person() -> None:
    store = InMemoryStore()
    customer, lead = CATEGORIES.by_name("Customer").id, CATEGORIES.by_name("Lead").id
    store.load_bulk(
        [Company(CompanyId(1), "Acme", customer, AT, AT), Company(CompanyId(2), "B", lead, AT, AT)],
        [Person(PersonId(n), CompanyId(1 + n % 2), "A", "X", AT, AT) for n in range(1, 201)],
    )
    in_lead = condition("person.category", "in", lead)
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(in_lead)) == 100
        acme = uow.companies.get(CompanyId(1))
        uow.companies.save(attrs.evolve(acme, category_id=lead))
        assert uow.persons.count(_query(in_lead)) == 200  # overlay rows via the predicate
        uow.commit()
    store.verify_indexes()
    with store.unit_of_work() as uow, pytest.MonkeyPatch.context() as patch:
        patch.setattr(_memory_query.QueryContext, "person_test", _refuse)
        assert uow.persons.count(_query(in_lead)) == 200
        assert uow.persons.count(_query(condition("person.category", "in", customer))) == 0


def test_bad_criteria_are_refused_even_when_indexes_could_answer() -> None:
    from leadcore.criteria.ast import Condition, Operator
    from leadcore.errors import ValidationError

    store = InMemoryStore()
    with store.unit_of_work() as uow, pytest.raises(ValidationError):
        uow.persons.count(_query(Condition("person.lead_status", Operator.IN, ("open",))))


@given(st.lists(st.integers(0, 3000), max_size=400))
def test_bits_round_trip(slots: list[int]) -> None:
    bits = bits_of(slots)
    assert list(iter_bits(bits)) == sorted(set(slots))
    assert bits.bit_count() == len(set(slots))


def test_dense_and_sparse_bit_iteration() -> None:
    dense = (1 << 5000) - 1
    assert list(iter_bits(dense)) == list(range(5000))
    sparse = (1 << 4999) | 1
    assert list(iter_bits(sparse)) == [0, 4999]
    assert list(iter_bits(0)) == []


def test_lead_status_index_tracks_saves(no_predicate: None) -> None:
    store = InMemoryStore()
    store.load_bulk([], [Person(PersonId(1), None, "A", "X", AT, AT)])
    open_ = condition("person.lead_status", "in", 1)
    with store.unit_of_work() as uow:
        ann = uow.persons.get(PersonId(1))
        uow.persons.save(attrs.evolve(ann, lead_status_id=LeadStatusId(1)))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(open_)) == 1
        assert uow.persons.count(_query(condition("person.category", "in", CategoryId(1)))) == 0
    store.verify_indexes()


def test_company_fields_are_checked_once_per_company(monkeypatch: pytest.MonkeyPatch) -> None:
    companies = [Company(CompanyId(n), "Acme" if n == 1 else f"B{n}", None, AT, AT)
                 for n in range(1, 4)]  # fmt: skip
    persons = [Person(PersonId(n), CompanyId(1 + n % 3), "A", "X", AT, AT) for n in range(1, 31)]
    persons += [Person(PersonId(n), None, "A", "X", AT, AT) for n in range(31, 36)]
    store = InMemoryStore()
    store.load_bulk(companies, persons)
    calls: list[Company | None] = []
    real = _memory_query.QueryContext.person_test

    def counting(self: _memory_query.QueryContext, criterion: Criterion) -> Callable[..., bool]:
        test = real(self, criterion)

        def wrapped(person: Person, company: Company | None) -> bool:
            calls.append(company)
            return test(person, company)

        return wrapped

    monkeypatch.setattr(_memory_query.QueryContext, "person_test", counting)
    acme = condition("company.name", "begins", "ac")
    with store.unit_of_work() as uow:
        assert uow.persons.count(_query(acme)) == 10
        assert uow.persons.count(_query(~acme)) == 25
        assert uow.persons.count(_query(acme | condition("person.first_name", "equals", "x"))) == 10
    assert len(calls) == 3 * (3 + 1) + 25  # once per company and once for "no company"
    calls.clear()
    with store.unit_of_work() as uow:  # few candidates: the persons are checked instead
        narrow = condition("person.has_company", "is_false") & ~acme
        assert [p.id for p in uow.persons.find(_query(narrow))] == [31, 32, 33, 34, 35]
    assert calls == [None] * 5
