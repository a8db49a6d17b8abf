"""Saving the in-memory store to a file: exact round trip, atomic writes, bad files."""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
    Associate,
    AssociateId,
    Availability,
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
from leadcore.queries import Query
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    Selection,
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
                first_touch_utm=Utm(source="ad", medium="cpc"),
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
    header = json.loads(path.read_text("utf-8").splitlines()[0])
    assert (header["format"], header["version"]) == ("leadcore-memory", 2)


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
    """Temporary files left behind in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


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
    with pytest.raises(PersistenceError, match="disk pulled out"):  # typed, with what to do
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


def test_open_creates_the_file_and_journals_every_commit(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        assert path.exists()  # the first snapshot is written at once
        with store.unit_of_work() as uow:
            uow.companies.add(Company(CompanyId(1), "Acme", None, AT, AT))
            uow.commit()
    with InMemoryStore.open(path) as store, store.unit_of_work() as uow:
        assert uow.companies.get(CompanyId(1)).name == "Acme"


def test_failed_journal_write_commits_nothing_and_later_commits_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    with store.unit_of_work() as uow:
        uow.settings.set("n", 1)
        uow.commit()

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdatasync", full_disk)
    with store.unit_of_work() as uow:
        uow.settings.set("n", 2)
        with pytest.raises(PersistenceError) as caught:
            uow.commit()
    assert caught.value.committed is False
    assert "nothing was committed" in str(caught.value)
    assert "No space left" in str(caught.value)
    with store.unit_of_work() as uow:
        assert uow.settings.get("n") == 1  # not applied in memory either
    monkeypatch.undo()
    with store.unit_of_work() as uow:
        uow.settings.set("n", 3)
        uow.commit()
    store.close()
    with InMemoryStore.open(path) as reopened, reopened.unit_of_work() as uow:
        assert uow.settings.get("n") == 3
    assert _leftovers(tmp_path) == []


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


@attrs.frozen
class _Raw:
    """A line written as it is (JSON too deep for ``json.dumps``)."""

    text: str


def _rewrite_lines(path: Path, change: Callable[[list[Any]], None]) -> None:
    """Change a snapshot's records and write it back with a matching checksum line."""
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()[:-1]]
    change(lines)
    body = "".join(
        (line.text if isinstance(line, _Raw) else json.dumps(line)) + "\n" for line in lines
    ).encode()
    trailer = {"end": "leadcore-memory", "bytes": len(body), "crc32": zlib.crc32(body)}
    path.write_bytes(body + json.dumps(trailer).encode() + b"\n")


def test_a_record_that_breaks_a_rule_is_refused_even_with_a_good_checksum(
    tmp_path: Path,
) -> None:
    path = _filled_store().save(tmp_path / "crm.json")
    _rewrite_lines(path, lambda lines: None)
    InMemoryStore.load(path)  # the rewrite itself is faithful
    last_person = -2  # the last line is the one history entry
    _rewrite_lines(path, lambda lines: lines[last_person].update(first_name="", last_name=""))
    with pytest.raises(FileFormatError, match="record"):
        InMemoryStore.load(path)


def test_company_rows_written_before_the_company_data_points_existed_still_load(
    tmp_path: Path,
) -> None:
    path = _filled_store().save(tmp_path / "crm.json")

    def drop_data_points(lines: list[Any]) -> None:
        companies = [line for line in lines if isinstance(line, dict) and "source_utm" in line]
        assert companies
        for line in companies:
            del line["first_touch_utm"], line["lead_creation_utm"]

    _rewrite_lines(path, drop_data_points)
    with InMemoryStore.load(path).unit_of_work() as uow:
        acme = uow.companies.get(CompanyId(1))
    assert (acme.source_utm, acme.first_touch_utm, acme.lead_creation_utm) == (
        Utm(source="fair", campaign="2026"),
        None,
        None,
    )


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("email", None, 'Pass "" for no email'),
        ("first_name", 5, "must be text"),
        ("retired", 1, "must be True or False"),
        ("id", "2", "must be a positive int"),
        ("id", True, "must be a positive int"),
        ("registered", "2026-01-05T00:00:00", "timezone"),
        ("registered", 20260105, "ISO 8601 text"),
        ("first_touch_utm", [], "JSON object"),
        ("nickname", "Annie", "unexpected keyword"),
        ("last_name", "\ud800", "surrogate"),
    ],
)
def test_a_hand_edited_value_is_refused_not_converted(
    tmp_path: Path, field: str, value: object, why: str
) -> None:
    path = _filled_store().save(tmp_path / "crm.json")
    last_person = -2
    _rewrite_lines(path, lambda lines: lines[last_person].update({field: value}))
    with pytest.raises(FileFormatError, match="record") as caught:
        InMemoryStore.load(path)
    assert why in str(caught.value)


def test_deep_nesting_and_malformed_selections_are_file_format_errors(tmp_path: Path) -> None:
    path = _filled_store().save(tmp_path / "crm.json")
    original = path.read_bytes()
    settings_line = 2
    deep = _Raw('{"deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _rewrite_lines(path, lambda lines: lines.__setitem__(settings_line, deep))
    with pytest.raises(FileFormatError, match="nested too deeply"):
        InMemoryStore.load(path)
    first_selection = 3
    broken: list[Any] = [
        {"kind": "static"},
        {"kind": "nope"},
        [],
        {"kind": "dynamic", "criteria": 5},
    ]
    for selection in broken:

        def replace(lines: list[Any], selection: Any = selection) -> None:
            lines[first_selection] = selection

        path.write_bytes(original)
        _rewrite_lines(path, replace)
        with pytest.raises(FileFormatError, match="record"):
            InMemoryStore.load(path)


def test_duplicate_ids_and_unknown_companies_are_file_format_errors(tmp_path: Path) -> None:
    path = _filled_store().save(tmp_path / "crm.json")
    original = path.read_bytes()
    persons = slice(-3, -1)  # two persons, then one history entry

    def duplicate(lines: list[Any]) -> None:
        lines[persons][1]["id"] = lines[persons][0]["id"]

    _rewrite_lines(path, duplicate)
    with pytest.raises(FileFormatError, match="appears twice"):
        InMemoryStore.load(path)
    path.write_bytes(original)

    def orphan(lines: list[Any]) -> None:
        lines[persons][0]["company_id"] = 99

    _rewrite_lines(path, orphan)
    with pytest.raises(FileFormatError, match="company 99"):
        InMemoryStore.load(path)


def test_a_changed_byte_is_caught_by_the_checksum(tmp_path: Path) -> None:
    path = _filled_store().save(tmp_path / "crm.json")
    data = bytearray(path.read_bytes())
    spot = data.index(b"ann@acme.dk")
    data[spot] = ord("b")  # still valid JSON and a valid record: only the checksum can tell
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="damaged"):
        InMemoryStore.load(path)


def test_version_1_files_are_read_and_rewritten_as_version_2(tmp_path: Path) -> None:
    store = _filled_store()
    snapshot = store._state.snapshot(bytes(16))
    unstructure = _memory_file.converter.unstructure
    document = {
        "format": "leadcore-memory",
        "version": 1,
        "lists": unstructure(snapshot.lists),
        "settings": snapshot.settings,
        "selections": [unstructure(s, Selection) for s in snapshot.selections],
        "companies": [unstructure(c) for c in snapshot.companies],
        "persons": [unstructure(p) for p in snapshot.persons],
        "history": [unstructure(h) for h in snapshot.history],
    }
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(document), "utf-8")
    assert _state(InMemoryStore.load(path)) == _state(store)
    with InMemoryStore.open(path) as opened:
        assert _state(opened) == _state(store)
    assert json.loads(path.read_text("utf-8").splitlines()[0])["version"] == 2
    assert _state(InMemoryStore.load(path)) == _state(store)


def test_missing_file_and_no_path(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError):
        InMemoryStore.load(tmp_path / "absent.json")
    with pytest.raises(ValidationError):
        InMemoryStore().save()


def test_concurrent_commits_are_all_journaled(tmp_path: Path) -> None:
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
    store.close()
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


def _with_associates_and_deletions() -> InMemoryStore:
    store = _filled_store()
    with store.unit_of_work() as uow:
        uow.associates.add(Associate(AssociateId(2), "Ann", Availability.AWAY, frozenset({"n"})))
        uow.associates.add(Associate(AssociateId(1), "Bo", retired=True))
        last = max(p.id for p in uow.persons.find(Query()))
        uow.persons.delete(uow.persons.get(last))
        uow.commit()
    return store


def test_associates_and_the_deleted_ids_round_trip(tmp_path: Path) -> None:
    store = _with_associates_and_deletions()
    path = store.save(tmp_path / "crm.json")
    loaded = InMemoryStore.load(path)
    with store.unit_of_work() as before, loaded.unit_of_work() as after:
        assert after.associates.all() == before.associates.all()
        assert after.persons.find(Query()) == before.persons.find(Query())
    assert loaded.max_id("person") == store.max_id("person")
    assert loaded.max_id("associate") == 2
    loaded.verify_indexes()


def test_a_snapshot_written_before_associates_and_deletions_still_loads(tmp_path: Path) -> None:
    store = _filled_store()
    path = store.save(tmp_path / "crm.json")

    def older(lines: list[Any]) -> None:
        header = lines[0]
        del header["deleted_max"]
        del header["counts"]["associates"]

    _rewrite_lines(path, older)
    loaded = InMemoryStore.load(path)
    with loaded.unit_of_work() as uow:
        assert uow.associates.all() == []
        assert len(uow.persons.find(Query())) == len(store)
    assert loaded.max_id("person") == store.max_id("person")


def test_the_time_of_the_latest_status_change_round_trips(tmp_path: Path) -> None:
    changed = Person(
        PersonId(1), None, "Ann", "Lee", AT, AT, lead_status_id=LeadStatusId(1), status_changed=AT
    )
    store = InMemoryStore()
    store.load_bulk([], [changed, Person(PersonId(2), None, "Bo", "Ray", AT, AT)])
    loaded = InMemoryStore.load(store.save(tmp_path / "crm.json"))
    with loaded.unit_of_work() as uow:
        assert uow.persons.get(PersonId(1)).status_changed == AT
        assert uow.persons.get(PersonId(2)).status_changed is None
        found = uow.persons.find(Query(condition("person.status_changed", "set")))
        assert [p.id for p in found] == [PersonId(1)]


def test_a_person_row_written_before_status_changed_existed_loads_without_it() -> None:
    row = _memory_file.converter.unstructure(Person(PersonId(1), None, "Ann", "Lee", AT, AT))
    del row["status_changed"]
    assert _memory_file.converter.structure(row, Person).status_changed is None


def test_the_journal_replays_the_time_of_the_latest_status_change(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store, store.unit_of_work() as uow:
        uow.persons.add(Person(PersonId(1), None, "Ann", "Lee", AT, AT, status_changed=AT))
        uow.commit()
    assert _memory_file.load(path).persons == []  # the person lives in the journal only
    with InMemoryStore.open(path) as store, store.unit_of_work() as uow:
        assert uow.persons.get(PersonId(1)).status_changed == AT
