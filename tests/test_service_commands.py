"""The everyday record commands: edit, retire, delete persons and companies; associates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, RecordingPublisher
from leadcore.criteria.build import condition
from leadcore.errors import (
    CompanyHasPersons,
    ConflictError,
    InactiveOwnerError,
    NotFoundError,
    ValidationError,
)
from leadcore.history import CompanyDeleted, HistoryKind, PersonDeleted, PersonMoved
from leadcore.model import AssociateId, Availability, Company, CompanyId, PersonId
from leadcore.queries import Query
from leadcore.selections import Members, StaticSelection, Target
from leadcore.service import LeadService

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.define
class World:
    service: LeadService
    clock: FixedClock
    published: RecordingPublisher


@pytest.fixture
def w() -> World:
    clock = FixedClock(START)
    published = RecordingPublisher()
    service = LeadService.in_memory(clock=clock, events=published, associate=AssociateId(1))
    return World(service, clock, published)


def _store(service: LeadService) -> InMemoryStore:
    with service.context.uow() as uow:
        store = getattr(uow, "store")  # noqa: B009 - the in-memory unit's store
    assert isinstance(store, InMemoryStore)
    return store


# --- associates -----------------------------------------------------------------------------


def test_a_new_database_has_no_associates(w: World) -> None:
    assert w.service.associates.all(include_retired=True) == []


def test_associates_are_added_renamed_made_away_and_retired(w: World) -> None:
    ann = w.service.associates.add("Ann", groups=frozenset({"sales"}))
    assert (ann.id, ann.version, ann.availability) == (1, 1, Availability.NORMAL)
    assert w.service.associates.rename(ann.id, "Ann Able").version == 2
    away = w.service.associates.set_availability(ann.id, Availability.AWAY)
    assert (away.name, away.availability, away.version) == ("Ann Able", Availability.AWAY, 3)
    retired = w.service.associates.retire(ann.id)
    assert retired.retired
    assert retired.version == 4
    assert w.service.associates.retire(ann.id).version == 4  # nothing to change
    assert w.service.associates.all() == []
    assert w.service.associates.get(ann.id) == retired


def test_associate_refusals_change_nothing(w: World) -> None:
    ann = w.service.associates.add("Ann")
    with pytest.raises(ValidationError):
        w.service.associates.rename(ann.id, "  ")
    with pytest.raises(NotFoundError):
        w.service.associates.rename(AssociateId(99), "Bo")
    with pytest.raises(ValidationError):
        w.service.associates.set_availability(ann.id, "away")  # type: ignore[arg-type]
    assert w.service.associates.get(ann.id) == ann


@pytest.mark.parametrize("state", ["unknown", "retired"])
def test_an_owner_must_be_a_known_active_associate(w: World, state: str) -> None:
    ann = w.service.associates.add("Ann")
    if state == "retired":
        w.service.associates.retire(ann.id)
    owner = ann.id if state == "retired" else AssociateId(42)
    acme = w.service.companies.add("Acme")
    bo = w.service.persons.add("Bo")
    commands: list[Callable[[], object]] = [
        lambda: w.service.companies.add("Bolt", owner_id=owner),
        lambda: w.service.persons.add("Cy", owner_id=owner),
        lambda: w.service.companies.edit(acme.id, owner_id=owner),
        lambda: w.service.persons.edit(bo.id, owner_id=owner),
    ]
    for command in commands:
        with pytest.raises(InactiveOwnerError) as raised:
            command()
        assert raised.value.context == {"associate_id": owner, "state": state}
        assert "owner_id=None" in str(raised.value)
    assert w.service.companies.count() == 1
    assert w.service.persons.count() == 1
    assert w.service.companies.get(acme.id) == acme
    assert w.service.persons.get(bo.id) == bo


def test_records_keep_an_owner_that_was_retired_or_never_known(w: World) -> None:
    store = _store(w.service)
    store.load_bulk([Company(CompanyId(5), "Old", None, START, START, owner_id=AssociateId(9))], [])
    w.service.context.ids.skip_past("company", 5)  # type: ignore[attr-defined]
    assert w.service.companies.edit(CompanyId(5), name="Old Ltd").owner_id == 9  # unchanged: kept
    assert w.service.companies.edit(CompanyId(5), owner_id=None).owner_id is None


# --- editing and retiring -----------------------------------------------------------------


def test_edit_person_changes_only_what_is_given(w: World) -> None:
    ann = w.service.associates.add("Ann")
    bo = w.service.persons.add("Bo", "Berg", email="bo@example.com", owner_id=ann.id)
    w.clock.advance(timedelta(hours=1))
    edited = w.service.persons.edit(bo.id, first_name="Bob", email="")
    assert (edited.first_name, edited.last_name, edited.email) == ("Bob", "Berg", "")
    assert (edited.owner_id, edited.version, edited.updated) == (
        ann.id,
        2,
        START + timedelta(hours=1),
    )
    assert w.service.persons.edit(bo.id) == edited  # nothing given: nothing stored
    assert w.service.persons.edit(bo.id, first_name="Bob") == edited  # same value: nothing stored
    cleared = w.service.persons.edit(bo.id, owner_id=None)
    assert cleared.owner_id is None
    assert cleared.version == 3
    assert w.service.persons.count(condition("person.owner", "in", ann.id)) == 0
    assert w.published.events == []


def test_edit_person_refusals_change_nothing(w: World) -> None:
    bo = w.service.persons.add("Bo", "Berg")
    with pytest.raises(ValidationError):
        w.service.persons.edit(bo.id, first_name="", last_name=" ")
    with pytest.raises(ValidationError):
        w.service.persons.edit(bo.id, email=5)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        w.service.persons.edit(PersonId(99), first_name="X")
    assert w.service.persons.get(bo.id) == bo


def test_edit_company_renames_and_reowns_and_reindexes_its_persons(w: World) -> None:
    ann = w.service.associates.add("Ann")
    acme = w.service.companies.add("Acme")
    w.service.persons.add("Bo", company_id=acme.id)
    renamed = w.service.companies.edit(acme.id, name="Acme Ltd")
    assert (renamed.name, renamed.version) == ("Acme Ltd", 2)
    owned = w.service.companies.edit(acme.id, owner_id=ann.id)
    assert owned.owner_id == ann.id
    assert w.service.persons.count(condition("company.owner", "in", ann.id)) == 1
    with pytest.raises(ValidationError):
        w.service.companies.edit(acme.id, name="")
    assert w.service.companies.get(acme.id) == owned
    _store(w.service).verify_indexes()


def test_retire_and_unretire_a_person_keep_the_lead_status(w: World) -> None:
    lead = w.service.lists().categories.by_name("Lead").id
    acme = w.service.companies.add("Acme", category_id=lead)
    bo = w.service.persons.add("Bo", company_id=acme.id)
    retired = w.service.persons.retire(bo.id)
    assert retired.retired
    assert retired.lead_status_id == bo.lead_status_id
    assert w.service.persons.retire(bo.id) == retired
    assert w.service.persons.count(condition("person.retired", "is_true")) == 1
    back = w.service.persons.unretire(bo.id)
    assert not back.retired
    assert back.version == 3
    assert w.service.persons.count(condition("person.retired", "is_true")) == 0
    _store(w.service).verify_indexes()


# --- deleting -------------------------------------------------------------------------------


def test_delete_person_keeps_history_and_drops_it_from_static_selections(w: World) -> None:
    lead = w.service.lists().categories.by_name("Lead").id
    acme = w.service.companies.add("Acme", category_id=lead)
    bo = w.service.persons.add("Bo", company_id=acme.id)
    cy = w.service.persons.add("Cy", company_id=acme.id)
    chosen = w.service.selections.create_static(
        "Chosen", Target.COMPANIES_AND_PERSONS, companies=[acme.id], persons=[bo.id, cy.id]
    )
    other = w.service.selections.create_static("Other", Target.PERSONS, persons=[cy.id])
    w.published.events.clear()
    done = w.service.persons.delete(bo.id)
    assert done.persons == (bo.id,)
    assert done.selections == (chosen.id,)
    assert w.published.events == [
        PersonDeleted(bo.id, acme.id, START, AssociateId(1), frozenset({chosen.id}))
    ]
    after = w.service.selections.get(chosen.id)
    assert isinstance(after, StaticSelection)
    assert after.version == chosen.version + 1
    assert after.members == Members({acme.id}, {cy.id})
    assert w.service.selections.get(other.id) == other
    with pytest.raises(NotFoundError):
        w.service.persons.get(bo.id)
    with _store(w.service).unit_of_work() as uow:  # kept; persons.history asks for the person
        assert [e.kind for e in uow.history.for_person(bo.id)] == [HistoryKind.CHANGE]
    assert [p.id for p in w.service.persons.of_company(acme.id)] == [cy.id]
    assert w.service.persons.count() == 1
    assert w.service.persons.count(condition("person.retired", "is_false")) == 1
    _store(w.service).verify_indexes()
    with pytest.raises(NotFoundError):
        w.service.persons.delete(bo.id)


def test_a_deleted_id_is_never_handed_out_again(w: World) -> None:
    bo = w.service.persons.add("Bo")
    w.service.persons.delete(bo.id)
    assert w.service.persons.add("Cy").id == bo.id + 1


def test_a_deleted_highest_id_stays_used_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with LeadService.in_memory(path=path) as service:
        acme = service.companies.add("Acme")
        bo = service.persons.add("Bo", company_id=acme.id)
        chosen = service.selections.create_static("Chosen", Target.PERSONS)
        service.companies.delete(acme.id, persons="delete")
        service.selections.delete(chosen.id)
    with LeadService.in_memory(path=path) as service:
        assert service.companies.add("Bolt").id == acme.id + 1
        assert service.persons.add("Cy").id == bo.id + 1
        assert service.selections.create_static("Next", Target.PERSONS).id == chosen.id + 1
    store = InMemoryStore.load(path)
    store.save()  # compacted into a snapshot: the high-water marks go with it
    reloaded = InMemoryStore.load(path)
    assert (reloaded.max_id("company"), reloaded.max_id("person")) == (acme.id + 1, bo.id + 1)
    reloaded.verify_indexes()


def test_a_company_with_persons_is_refused_and_nothing_changes(w: World) -> None:
    acme = w.service.companies.add("Acme")
    w.service.persons.add("Bo", company_id=acme.id)
    w.service.persons.add("Cy", company_id=acme.id)
    with pytest.raises(CompanyHasPersons) as raised:
        w.service.companies.delete(acme.id)
    assert raised.value.context == {"company_id": acme.id, "count": 2}
    with pytest.raises(ValidationError):
        w.service.companies.delete(acme.id, persons="drop")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        w.service.companies.delete(acme.id, move_to=CompanyId(3))
    with pytest.raises(ValidationError):
        w.service.companies.delete(acme.id, persons="move", move_to=acme.id)
    with pytest.raises(NotFoundError):
        w.service.companies.delete(acme.id, persons="move", move_to=CompanyId(99))
    assert w.service.companies.get(acme.id) == acme
    assert w.service.persons.count(condition("person.has_company", "is_true")) == 2


def test_delete_company_moving_its_persons_to_no_company_keeps_their_category(w: World) -> None:
    lead = w.service.lists().categories.by_name("Lead").id
    acme = w.service.companies.add("Acme", category_id=lead)
    bo = w.service.persons.add("Bo", company_id=acme.id)
    w.published.events.clear()
    done = w.service.companies.delete(acme.id, persons="move")
    assert (done.moved, done.persons, done.company) == ((bo.id,), (), acme.id)
    moved = w.service.persons.get(bo.id)
    assert (moved.company_id, moved.own_category_id) == (None, lead)
    assert moved.lead_status_id == bo.lead_status_id
    assert w.published.events == [
        PersonMoved(bo.id, acme.id, None, START, AssociateId(1)),
        CompanyDeleted(acme.id, START, AssociateId(1)),
    ]
    assert w.service.companies.count() == 0
    _store(w.service).verify_indexes()


def test_delete_company_deleting_its_persons(w: World) -> None:
    acme = w.service.companies.add("Acme")
    bo = w.service.persons.add("Bo", company_id=acme.id)
    chosen = w.service.selections.create_static(
        "Chosen", Target.COMPANIES_AND_PERSONS, companies=[acme.id], persons=[bo.id]
    )
    done = w.service.companies.delete(acme.id, persons="delete")
    assert (done.persons, done.selections) == ((bo.id,), (chosen.id,))
    emptied = w.service.selections.get(chosen.id)
    assert isinstance(emptied, StaticSelection)
    assert emptied.members == Members()
    assert w.service.selections.get(chosen.id).version == chosen.version + 1  # saved once
    assert w.published.events[-2:] == [
        PersonDeleted(bo.id, acme.id, START, AssociateId(1), frozenset({chosen.id})),
        CompanyDeleted(acme.id, START, AssociateId(1), frozenset({chosen.id})),
    ]
    assert w.service.persons.count() == 0
    assert w.service.persons.count(condition("person.has_company", "is_false")) == 0
    _store(w.service).verify_indexes()


# --- the store underneath ---------------------------------------------------------------------


def test_a_deletion_is_read_your_writes_and_rolls_back(w: World) -> None:
    acme = w.service.companies.add("Acme")
    bo = w.service.persons.add("Bo", company_id=acme.id)
    store = _store(w.service)
    with store.unit_of_work() as uow:
        uow.persons.delete(uow.persons.get(bo.id))
        with pytest.raises(NotFoundError):
            uow.persons.get(bo.id)
        assert uow.persons.of_company(acme.id) == []
        assert uow.persons.count(Query()) == 0
        uow.companies.delete(uow.companies.get(acme.id))
        assert uow.companies.find(Query()) == []
    assert w.service.persons.get(bo.id) == bo  # left without commit: rolled back
    assert w.service.companies.get(acme.id) == acme
    store.verify_indexes()


def test_a_stale_deletion_is_a_conflict(w: World) -> None:
    bo = w.service.persons.add("Bo")
    w.service.persons.edit(bo.id, first_name="Bob")
    store = _store(w.service)
    with store.unit_of_work() as uow, pytest.raises(ConflictError):
        uow.persons.delete(bo)
    first, second = store.unit_of_work(), store.unit_of_work()
    first.persons.delete(first.persons.get(bo.id))
    second.persons.save(attrs.evolve(second.persons.get(bo.id), last_name="Berg"))
    second.commit()
    with pytest.raises(ConflictError):
        first.commit()
    assert w.service.persons.get(bo.id).last_name == "Berg"


def test_a_company_cannot_be_deleted_under_a_person_added_meanwhile(w: World) -> None:
    acme = w.service.companies.add("Acme")
    store = _store(w.service)
    first, second = store.unit_of_work(), store.unit_of_work()
    first.companies.delete(first.companies.get(acme.id))
    second.persons.add(
        attrs.evolve(w.service.persons.add("Tmp"), id=PersonId(50), company_id=acme.id, version=0)
    )
    second.commit()
    with pytest.raises(CompanyHasPersons):
        first.commit()
    assert w.service.companies.get(acme.id) == acme
    store.verify_indexes()


def _state(store: InMemoryStore) -> tuple[object, ...]:
    with store.unit_of_work() as uow:
        return (
            uow.associates.all(),
            uow.companies.find(Query()),
            uow.persons.find(Query()),
            list(uow.history),
            uow.selections.all(),
            store.max_id("person"),
            store.max_id("company"),
        )


def test_associates_and_deletions_replay_from_the_journal_and_the_snapshot(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.json"
    lead = LeadService.in_memory().lists().categories.by_name("Lead").id
    with LeadService.in_memory(path=path) as service:
        ann = service.associates.add("Ann", groups=frozenset({"north", "sales"}))
        service.associates.set_availability(ann.id, Availability.AWAY)
        acme = service.companies.add("Acme", category_id=lead, owner_id=ann.id)
        bolt = service.companies.add("Bolt")
        for name in ("Bo", "Cy", "Di"):
            service.persons.add(name, company_id=acme.id, owner_id=ann.id)
        service.selections.create_static("Chosen", Target.PERSONS, persons=[PersonId(2)])
        service.persons.delete(PersonId(2))
        service.companies.delete(acme.id, persons="move", move_to=bolt.id)
        service.associates.retire(ann.id)
        expected = _state(_store(service))
        _store(service).verify_indexes()
    journaled = InMemoryStore.load(path)  # the snapshot is empty: every commit is replayed
    assert _state(journaled) == expected
    journaled.verify_indexes()
    journaled.save()
    assert _state(InMemoryStore.load(path)) == expected
