"""The in-memory adapter's reads from the bitsets: grouped counts over the unit's
overlay, id-ordered pages when slot order is not id order, and ``first_bits``."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from hypothesis import given
from hypothesis import strategies as st

from leadcore.adapters._memory_index import bits_of, first_bits
from leadcore.adapters.memory import InMemoryStore
from leadcore.model import Company, CompanyId, LeadStatusId, Person, PersonId
from leadcore.queries import Page, Query

AT = datetime(2026, 1, 5, tzinfo=UTC)


@given(st.sets(st.integers(0, 5000), max_size=40), st.integers(0, 50))
def test_first_bits_are_the_lowest_members(slots: set[int], count: int) -> None:
    assert first_bits(bits_of(sorted(slots)), count) == sorted(slots)[:count]


def _store() -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        lists = uow.lists.load()
    lead = lists.categories.by_name("Lead").id
    open_ = lists.statuses.by_key("open").id
    acme = Company(CompanyId(1), "Acme", lead, AT, AT)
    persons = [
        Person(PersonId(n), acme.id, f"P{n}", "", AT, AT, lead_status_id=LeadStatusId(open_))
        for n in (5, 3, 9, 1)
    ]
    store.load_bulk([acme], persons)
    return store


def test_hidden_statuses_in_the_units_overlay_are_counted_as_hidden() -> None:
    store = _store()
    with store.unit_of_work() as uow:
        customer = uow.lists.load().categories.by_name("Customer").id
        before = uow.persons.count_by(Query(now=AT), "person.lead_status", visible_only=True)
        assert (before.hidden, before.total) == (0, 4)
        acme = uow.companies.get(CompanyId(1))
        uow.companies.save(attrs.evolve(acme, category_id=customer))
        added = Person(PersonId(20), acme.id, "New", "", AT, AT, lead_status_id=LeadStatusId(2))
        uow.persons.add(added)
        after = uow.persons.count_by(Query(now=AT), "person.lead_status", visible_only=True)
        assert (after.hidden, after.total, after[None]) == (5, 5, 0)
        uow.commit()
    with store.unit_of_work() as uow:
        committed = uow.persons.count_by(Query(now=AT), "person.lead_status", visible_only=True)
        assert committed == after


def test_pages_by_id_when_slots_are_not_in_id_order() -> None:
    store = _store()
    assert not store._state.id_ordered
    with store.unit_of_work() as uow:
        assert [p.id for p in uow.persons.find(Query(now=AT))] == [1, 3, 5, 9]
        page = uow.persons.find_page(Query(now=AT, page=Page(1, 2)))
        assert ([p.id for p in page], page.total) == ([3, 5], 4)


def test_a_lower_id_added_later_switches_to_sorting() -> None:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        uow.persons.add(Person(PersonId(2), None, "B", "", AT, AT))
        uow.commit()
    assert store._state.id_ordered
    with store.unit_of_work() as uow:
        uow.persons.add(Person(PersonId(1), None, "A", "", AT, AT))
        assert [p.id for p in uow.persons.find(Query(now=AT, page=Page(0, 5)))] == [1, 2]
        uow.commit()
    assert not store._state.id_ordered
    with store.unit_of_work() as uow:
        assert [p.id for p in uow.persons.find(Query(now=AT, page=Page(0, 1)))] == [1]


@given(st.data())
def test_the_version_copy_equals_a_checked_construction(data: st.DataObject) -> None:
    from leadcore.adapters._versions import bump, bump_person
    from leadcore.lists import new_database
    from leadcore.testing import strategies

    categories, statuses = new_database()
    person = data.draw(strategies.persons(categories, statuses))
    company = data.draw(strategies.companies(categories))
    version = data.draw(st.integers(1, 2**31))
    assert bump_person(person, version) == attrs.evolve(person, version=version)
    assert bump(company, version) == attrs.evolve(company, version=version)
    assert type(bump(company, version)) is Company


def test_collection_is_paused_only_during_a_bulk_load() -> None:
    import gc

    assert gc.isenabled()
    _store()
    assert gc.isenabled()


def test_verify_indexes_catches_slots_out_of_id_order() -> None:
    import pytest

    from leadcore.adapters.memory import IndexMismatch

    store = InMemoryStore()
    store.load_bulk([], [Person(PersonId(n), None, "P", "", AT, AT) for n in (1, 2)])
    store.verify_indexes()
    store._state.slot_person.reverse()
    store._state.slot_of = {p.id: slot for slot, p in enumerate(store._state.slot_person)}
    with pytest.raises(IndexMismatch, match="id order"):
        store.verify_indexes()
