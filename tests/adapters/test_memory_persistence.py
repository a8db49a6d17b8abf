"""Saving the in-memory store to a file: exact round trip, atomic writes, bad files."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore.adapters import _memory_file
from leadcore.adapters.memory import (
    FileFormatError,
    InMemoryStore,
    PersistenceError,
)
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.history import HistoryEntry, HistoryKind, StatusSource
from leadcore.model import (
    AssociateId,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
    Utm,
)
from leadcore.ports import Query
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    StaticSelection,
    Target,
)
from leadcore.testing.contract import AT, company_rows, person_rows


def _filled_store() -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work() as uow:
        lists = uow.lists.load()
        categories, _ = lists.categories.add("Fair leads", CategoryGroup.POTENTIAL_CUSTOMER)
        statuses, _ = lists.statuses.add("Nurturing", tooltip="Slow track")
        uow.lists.save(attrs.evolve(lists, categories=categories, statuses=statuses))
        acme = uow.companies.add(
            Company(
                CompanyId(1),
                "Acme Øst",
                CategoryId(1),
                AT,
                AT,
                owner_id=AssociateId(3),
                source_utm=Utm(source="fair", campaign="2026"),
            )
        )
        uow.persons.add(
            Person(
                PersonId(1),
                acme.id,
                "Ann",
                "Ash",
                AT,
                AT,
                email="ann@acme.dk",
                lead_status_id=LeadStatusId(2),
                first_touch_utm=Utm(source="ad", medium="cpc"),
                retired=True,
            )
        )
        uow.persons.add(Person(PersonId(2), None, "Bo", "", AT, AT, own_category_id=CategoryId(5)))
        uow.history.append(
            [
                HistoryEntry(
                    PersonId(1),
                    HistoryKind.CHANGE,
                    None,
                    LeadStatusId(2),
                    AT,
                    AssociateId(3),
                    StatusSource.IMPORT,
                    "from the fair",
                )
            ]
        )
        uow.selections.add(
            StaticSelection(
                SelectionId(1),
                "Hand picked",
                Target.PERSONS,
                Members(persons=frozenset({PersonId(1), PersonId(2)})),
            )
        )
        uow.selections.add(
            DynamicSelection(
                SelectionId(2),
                "Customers",
                Target.COMPANIES,
                condition("company.category_group", "in", 1, entity=Entity.COMPANY)
                & ~condition("company.name", "begins", "x%", entity=Entity.COMPANY),
                company_persons=CompanyPersons.FIRST,
            )
        )
        uow.selections.add(
            CombinedSelection(
                SelectionId(3),
                "Both",
                Target.PERSONS,
                SelectionId(1),
                SelectionId(2),
                Operation.COMMON,
                owner_id=AssociateId(3),
            )
        )
        uow.settings.set("columns", {"person": ["name", "status"], "zoom": 1.5})
        uow.commit()
    with store.unit_of_work() as uow:
        ann = uow.persons.get(PersonId(1))
        uow.persons.save(attrs.evolve(ann, first_name="Anne"))
        uow.commit()
    return store


def _state(store: InMemoryStore) -> dict[str, object]:
    with store.unit_of_work() as uow:
        return {
            "lists": uow.lists.load(),
            "companies": uow.companies.find(Query()),
            "persons": uow.persons.find(Query()),
            "history": list(uow.history),
            "selections": uow.selections.all(),
            "settings": uow.settings.get("columns"),
        }


def test_round_trip_keeps_everything_exactly(tmp_path: Path) -> None:
    store = _filled_store()
    path = store.save(tmp_path / "crm.json")
    loaded = InMemoryStore.load(path)
    assert _state(loaded) == _state(store)
    loaded.verify_indexes()
    with loaded.unit_of_work() as uow:
        assert uow.persons.get(PersonId(1)).version == 2
        assert uow.persons.count(Query(condition("person.lead_status", "in", 2))) == 1
    assert json.loads(path.read_text("utf-8"))["format"] == "leadcore-memory"


@settings(max_examples=60)
@given(data=st.data())
def test_round_trip_of_generated_data(data: st.DataObject) -> None:
    companies = data.draw(company_rows())
    persons = data.draw(person_rows(companies))
    store = InMemoryStore()
    store.load_bulk(companies, persons)
    with tempfile.TemporaryDirectory() as folder:
        loaded = InMemoryStore.load(store.save(Path(folder) / "s.json"))
    assert _state(loaded) == _state(store)
    loaded.verify_indexes()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "crm.json")


def test_failed_rename_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _filled_store()
    path = store.save(tmp_path / "crm.json")
    before = path.read_bytes()
    with store.unit_of_work() as uow:
        uow.settings.set("columns", None)
        uow.commit()

    def broken_replace(source: object, target: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk pulled out"):
        store.save(path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_crash_in_the_middle_of_writing_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _filled_store()
    path = store.save(tmp_path / "crm.json")
    before = path.read_bytes()
    real_dump = _memory_file.dump

    def dump_then_fail(snapshot: _memory_file.Snapshot) -> Iterator[bytes]:
        for n, chunk in enumerate(real_dump(snapshot)):
            if n == 3:
                raise MemoryError("killed while writing")
            yield chunk

    monkeypatch.setattr(_memory_file, "dump", dump_then_fail)
    with pytest.raises(MemoryError):
        store.save(path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    InMemoryStore.load(path).verify_indexes()


def test_open_autosaves_every_commit(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    assert not path.exists()
    with store.unit_of_work() as uow:
        uow.companies.add(Company(CompanyId(1), "Acme", None, AT, AT))
        uow.commit()
    with InMemoryStore.open(path).unit_of_work() as uow:
        assert uow.companies.get(CompanyId(1)).name == "Acme"


def test_failed_autosave_says_so_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    with store.unit_of_work() as uow:
        uow.settings.set("n", 1)
        uow.commit()
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with store.unit_of_work() as uow:
        uow.settings.set("n", 2)
        with pytest.raises(PersistenceError) as caught:
            uow.commit()
    assert "not saved" in str(caught.value)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    store.save()
    with InMemoryStore.load(path).unit_of_work() as uow:
        assert uow.settings.get("n") == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read"),
        ('{"format": "other"}', "not a leadcore store file"),
        ('{"format": "leadcore-memory", "version": 9}', "version 9"),
        ('{"format": "leadcore-memory", "version": 1, "lists": 3}', "cannot read"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    with pytest.raises(FileFormatError, match=message):
        InMemoryStore.load(path)


def test_a_record_that_breaks_a_rule_is_refused(tmp_path: Path) -> None:
    path = _filled_store().save(tmp_path / "crm.json")
    data = json.loads(path.read_text("utf-8"))
    data["persons"][1]["first_name"] = ""
    data["persons"][1]["last_name"] = ""
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(FileFormatError, match="record"):
        InMemoryStore.load(path)


def test_missing_file_and_no_path(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError):
        InMemoryStore.load(tmp_path / "absent.json")
    with pytest.raises(ValidationError):
        InMemoryStore().save()


def test_concurrent_autosaves_leave_the_newest_state(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)

    def commit_keys(worker: int) -> None:
        for n in range(5):
            with store.unit_of_work() as uow:
                uow.settings.set(f"w{worker}-{n}", n)
                uow.commit()

    workers = [threading.Thread(target=commit_keys, args=(w,)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with InMemoryStore.load(path).unit_of_work() as uow:
        assert all(uow.settings.get(f"w{w}-{n}") == n for w in range(4) for n in range(5))
    assert _leftovers(tmp_path) == []


def test_the_store_file_gets_normal_permissions_and_keeps_changed_ones(tmp_path: Path) -> None:
    import os
    import stat

    path = tmp_path / "leads.json"
    store = InMemoryStore()
    store.save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    store.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
