"""The journaled file store: replay, torn tails, damage, compaction, the one-writer lock."""

from __future__ import annotations

import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from leadcore.adapters import _memory_durable, _memory_file, _memory_journal
from leadcore.adapters.memory import (
    FileFormatError,
    FileInUseError,
    InMemoryStore,
    PersistenceError,
)
from leadcore.errors import ValidationError
from leadcore.model import (
    Associate,
    AssociateId,
    Availability,
    Company,
    CompanyId,
    Person,
    PersonId,
)
from leadcore.queries import Query
from leadcore.testing.contract import AT

JOURNALS = ("crm.json.journal.0", "crm.json.journal.1")


def _commit(store: InMemoryStore, n: int) -> None:
    """Commit number ``n``: one company, one person, a setting (so a state names its n)."""
    with store.unit_of_work() as uow:
        uow.companies.add(Company(CompanyId(n), f"Company {n}", None, AT, AT))
        uow.persons.add(Person(PersonId(n), CompanyId(n), "Ann", f"No. {n}", AT, AT))
        uow.settings.set("n", n)
        uow.commit()


def _n(store: InMemoryStore) -> int:
    with store.unit_of_work() as uow:
        n = uow.settings.get("n", 0)
        assert isinstance(n, int)
        ids = [p.id for p in uow.persons.find(Query())]
    assert ids == list(range(1, n + 1)), "the state is not a prefix of the commits"
    store.verify_indexes()
    return n


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix != ".lock"}


def test_commits_are_replayed_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 6):
            _commit(store, n)
        store.load_bulk(
            [Company(CompanyId(100), "Bulk", None, AT, AT)],
            [Person(PersonId(100), CompanyId(100), "Bo", "Bulk", AT, AT)],
        )
        _commit(store, 6)
    snapshot = _memory_file.load(path)
    assert snapshot.seq == 0  # nothing compacted: every commit came back from the journal
    with InMemoryStore.open(path) as store, store.unit_of_work() as uow:
        assert uow.settings.get("n") == 6
        assert uow.persons.get(PersonId(100)).last_name == "Bulk"
        assert uow.persons.get(PersonId(6)).version == 1
        store.verify_indexes()
        assert store.dropped == []


def test_a_torn_tail_is_dropped_reported_and_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            _commit(store, n)
    journal = tmp_path / JOURNALS[0]
    whole = journal.read_bytes()
    end = _memory_journal.scan(journal).good_size  # appends go there, inside the file
    torn = _memory_journal.frame(4, b'{"seq": 4}')[:-3]
    journal.write_bytes(whole[:end] + torn + whole[end + len(torn) :])
    with InMemoryStore.open(path) as store:
        assert _n(store) == 3
        assert len(store.dropped) == 1
        assert "unfinished record" in store.dropped[0]
        assert journal.read_bytes() == whole  # zeroed, so the next append follows a whole record
        _commit(store, 4)
    with InMemoryStore.open(path) as store:
        assert _n(store) == 4
        assert store.dropped == []


def test_damage_before_the_end_is_refused_and_the_files_stay_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            _commit(store, n)
    journal = tmp_path / JOURNALS[0]
    data = bytearray(journal.read_bytes())
    data[_memory_journal.HEADER_SIZE + 40] ^= 0xFF  # inside the first record's payload
    journal.write_bytes(bytes(data))
    before = _files(tmp_path)
    with pytest.raises(_memory_journal.JournalCorrupt, match="damaged at byte") as caught:
        InMemoryStore.open(path)
    assert caught.value.context["offset"] == _memory_journal.HEADER_SIZE
    assert "backup" in str(caught.value)
    assert _files(tmp_path) == before


def test_a_gap_in_the_commits_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
        lineage = store._durable.files.lineage if store._durable.files else b""
    other = _memory_journal.JournalWriter.create(tmp_path / JOURNALS[1], lineage)
    other.append(3, b'{"seq": 3}')
    other.close()
    with pytest.raises(FileFormatError, match="gap") as caught:
        InMemoryStore.open(path)
    assert caught.value.context["missing"] == 2


def test_a_journal_without_its_snapshot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
    path.unlink()
    with pytest.raises(FileFormatError, match="missing while its journal holds commits"):
        InMemoryStore.open(path)


def test_the_journals_of_a_replaced_snapshot_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
        _commit(store, 2)
    stale = (tmp_path / JOURNALS[0]).read_bytes()
    other = InMemoryStore()
    _commit(other, 1)
    other.save(path)  # replaces the file and removes its journals ...
    (tmp_path / JOURNALS[0]).write_bytes(stale)  # ... as if a crash came between the two
    with InMemoryStore.open(path) as store:
        assert _n(store) == 1
        assert "replaced snapshot" in store.dropped[0]
        _commit(store, 2)
    with InMemoryStore.open(path) as store:
        assert _n(store) == 2
        assert store.dropped == []


def test_leftovers_of_a_crashed_snapshot_write_are_removed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    InMemoryStore.open(path).close()
    leftover = tmp_path / ".crm.json.0123456789ab.tmp"
    leftover.write_bytes(b"half a snapshot")
    with InMemoryStore.open(path) as store:
        assert not leftover.exists()
        assert store.dropped == [".crm.json.0123456789ab.tmp: left by a crashed write, removed"]


def test_compaction_writes_a_snapshot_and_empties_the_old_journal(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path, compact_share=0.0, compact_min_bytes=0)
    for n in range(1, 41):
        _commit(store, n)
    assert store._durable.compactor is not None
    # the last one started; close() would make a waiting one give up
    store._durable.compactor.join()
    store.close()
    assert store.compaction_error is None
    snapshot = _memory_file.load(path)
    assert snapshot.seq > 0, "no compaction ran"
    left = sum(len(_memory_journal.scan(tmp_path / name).records) for name in JOURNALS)
    assert left < 40
    with InMemoryStore.open(path) as reopened:
        assert _n(reopened) == 40


def test_save_compacts_the_own_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            _commit(store, n)
        assert store.save() == path
        assert _memory_file.load(path).seq == 3
        _commit(store, 4)
    with InMemoryStore.open(path) as store:
        assert _n(store) == 4


def test_a_failed_compaction_keeps_every_commit_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path, compact_min_bytes=0)

    def broken(*args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_memory_file, "write_atomic", broken)
    for n in range(1, 6):
        _commit(store, n)
        if store._durable.compactor is not None:
            store._durable.compactor.join()
    assert isinstance(store.compaction_error, OSError)
    assert store._durable.compaction_failures >= 1
    monkeypatch.undo()
    store._durable.compaction_failures = 0
    _commit(store, 6)
    store.close()
    assert store.compaction_error is None
    with InMemoryStore.open(path) as reopened:
        assert _n(reopened) == 6


def test_autosave_off_keeps_commits_in_memory_until_save(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path, autosave=False) as store:
        _commit(store, 1)
        store.save()
        _commit(store, 2)
    with InMemoryStore.open(path) as store:
        assert _n(store) == 1


def test_one_writer_per_file_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    with pytest.raises(FileInUseError, match="in use") as caught:
        InMemoryStore.open(path)
    assert "close" in str(caught.value).lower()
    with pytest.raises(FileInUseError):
        InMemoryStore.open(path, read_only=True)
    with pytest.raises(FileInUseError):
        InMemoryStore.load(path)
    with pytest.raises(FileInUseError):
        InMemoryStore().save(path)
    _commit(store, 1)
    store.close()
    store.close()  # idempotent
    with pytest.raises(PersistenceError, match="closed"):
        _commit(store, 2)
    assert _n(store) == 1  # what is in memory stays readable
    with InMemoryStore.open(path) as again:
        assert _n(again) == 1


def test_read_only_opens_share_the_file_and_refuse_commits(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
    first = InMemoryStore.open(path, read_only=True)
    second = InMemoryStore.open(path, read_only=True)
    assert first.read_only
    assert second.read_only
    with pytest.raises(FileInUseError, match="in use"):
        InMemoryStore.open(path)
    with pytest.raises(PersistenceError, match="read-only") as caught:
        _commit(first, 2)
    assert not caught.value.committed
    assert _n(first) == 1
    first.close()
    second.close()
    InMemoryStore.open(path).close()


def test_a_dropped_store_releases_its_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    InMemoryStore.open(path)  # not kept: collected at once, its finalizer frees the lock
    InMemoryStore.open(path).close()


_HOLD = """
import sys
from leadcore.adapters.memory import InMemoryStore
store = InMemoryStore.open(sys.argv[1])
print("open", flush=True)
sys.stdin.read()  # holds the store until the test ends it (not for a fixed time)
"""


def test_a_second_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    command = [sys.executable, "-c", _HOLD, str(path)]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "open"
            with pytest.raises(FileInUseError):
                InMemoryStore.open(path)
            with pytest.raises(FileInUseError):
                InMemoryStore.open(path, read_only=True)
        finally:
            holder.kill()
    # the block waited for the killed process: its locks went with it
    InMemoryStore.open(path).close()


def test_a_value_that_cannot_be_encoded_refuses_only_its_own_commit(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
        with store.unit_of_work() as uow:
            uow.settings.set("n", 2)
            uow.history.append([object()])  # type: ignore[list-item]
            with pytest.raises(PersistenceError) as caught:
                uow.commit()
        assert not caught.value.committed
        assert _n(store) == 1
        _commit(store, 2)
    with InMemoryStore.open(path) as store:
        assert _n(store) == 2


def test_compaction_thresholds(tmp_path: Path) -> None:
    with InMemoryStore.open(tmp_path / "crm.json") as store:
        files = store._durable.files
        assert files is not None
        assert (files.compact_share, files.compact_min_bytes) == (
            _memory_durable.COMPACT_SHARE,
            _memory_durable.COMPACT_MIN_BYTES,
        )
        assert not files.compaction_due()
        files.compact_min_bytes = 0
        _commit(store, 1)
        files.compact_share = 1e9
        assert not files.compaction_due()
        files.compact_share = 0.0
        journaled = files._journals[files._active].size - _memory_journal.HEADER_SIZE
        files.compact_min_bytes = journaled - 1
        assert files.compaction_due()
        assert not files.compaction_due(failures=1)  # each failure doubles the threshold


def test_closing_inside_a_unit_of_work_while_a_compaction_waits_does_not_hang(
    tmp_path: Path,
) -> None:
    store = InMemoryStore.open(tmp_path / "crm.json", compact_share=0.0, compact_min_bytes=0)
    with store.unit_of_work() as uow:
        uow.settings.set("n", 1)
        uow.commit()  # starts a compaction, which waits for this unit's lock
        store.close()  # joins it: it must give up instead of waiting forever
    assert store._durable.compactor is not None
    assert not store._durable.compactor.is_alive()


# --- regressions found in review --------------------------------------------------------


def test_save_inside_a_unit_of_work_while_a_compaction_waits_does_not_hang(
    tmp_path: Path,
) -> None:
    store = InMemoryStore.open(tmp_path / "crm.json", compact_share=0.0, compact_min_bytes=0)
    with store.unit_of_work() as uow:
        uow.settings.set("n", 1)
        uow.commit()  # starts a compaction, which waits for this unit's lock
        time.sleep(0.1)  # let it take the compaction lock
        store.save()  # must make the waiting compaction yield, not wait for it
    store.close()
    assert _memory_file.load(tmp_path / "crm.json").settings["n"] == 1


def test_close_waits_for_a_commit_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import threading

    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    _commit(store, 1)
    closer = threading.Thread(target=store.close)
    real = os.fdatasync

    def close_meanwhile(fd: int) -> None:
        closer.start()  # another thread closes the store between write and fdatasync
        closer.join(timeout=0.2)
        assert closer.is_alive(), "close() did not wait for the commit"
        real(fd)

    monkeypatch.setattr(os, "fdatasync", close_meanwhile)
    _commit(store, 2)  # acknowledged
    monkeypatch.undo()
    closer.join()
    with InMemoryStore.open(path) as reopened:
        assert _n(reopened) == 2


def test_journals_holding_only_snapshot_commits_are_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    for n in range(1, 11):
        _commit(store, n)

    def failing_reset(self: _memory_journal.JournalWriter) -> None:
        raise OSError(5, "EIO (simulated)")

    monkeypatch.setattr(_memory_journal.JournalWriter, "reset", failing_reset)
    with pytest.raises(PersistenceError, match="EIO"):
        store.save()  # the snapshot is in place; the old journal could not be emptied
    monkeypatch.undo()
    _commit(store, 11)
    store.close()
    with InMemoryStore.open(path, autosave=False) as store:
        _commit(store, 12)
        store.save()  # snapshot at 12: both journals hold only commits it has
    with InMemoryStore.open(path) as store:
        _commit(store, 13)
    with InMemoryStore.open(path) as store:
        assert _n(store) == 13


def test_a_commit_failing_in_memory_after_its_record_was_written_breaks_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadcore.adapters._memory_index import PersonIndexes

    path = tmp_path / "crm.json"
    store = InMemoryStore.open(path)
    _commit(store, 1)

    def interrupted(self: PersonIndexes, changes: object) -> None:
        raise KeyboardInterrupt("Ctrl-C while the commit is applied in memory")

    monkeypatch.setattr(PersonIndexes, "apply", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _commit(store, 2)
    monkeypatch.undo()
    with pytest.raises(PersistenceError, match="must be reopened") as caught:
        _commit(store, 3)
    assert not caught.value.committed
    store.close()
    with InMemoryStore.open(path) as reopened:
        assert _n(reopened) == 2  # the journal held commit 2: it is there after reopening
        _commit(reopened, 3)


def test_a_journal_header_of_zeros_is_a_header_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
    (tmp_path / JOURNALS[1]).write_bytes(bytes(_memory_journal.HEADER_SIZE))
    before = _files(tmp_path)
    # a journal is created whole, so a zeroed header is damage: it may have held commits
    with pytest.raises(_memory_journal.JournalCorrupt, match="cut short"):
        InMemoryStore.open(path)
    assert _files(tmp_path) == before
    with InMemoryStore.open(path, recover=True) as store:
        assert _n(store) == 1
        assert "cut short" in store.dropped[0]
    with InMemoryStore.open(path) as store:
        assert _n(store) == 1
        assert store.dropped == []


def test_opening_leaves_the_temporary_files_of_other_stores_alone(tmp_path: Path) -> None:
    other = tmp_path / ".crm.json.bak.0a1b2c3d4e5f.tmp"
    other.write_bytes(b"being written by a save of crm.json.bak")
    InMemoryStore.open(tmp_path / "crm.json").close()
    assert other.exists()


def test_an_append_out_of_sequence_is_refused(tmp_path: Path) -> None:
    writer = _memory_journal.JournalWriter.create(tmp_path / "j", bytes(16))
    writer.append(1, b"{}")
    with pytest.raises(ValueError, match="cannot follow"):
        writer.append(3, b"{}")
    writer.close()
    with pytest.raises(OSError, match="cannot be appended"):
        writer.append(2, b"{}")


def test_change_records_carry_associates_and_deletions() -> None:
    change = _memory_file.Change(
        7,
        associates=[Associate(AssociateId(3), "Ann", Availability.AWAY, frozenset({"x"}))],
        deleted_persons=[PersonId(4), PersonId(2)],
        deleted_companies=[CompanyId(9)],
    )
    assert _memory_file.decode_change(_memory_file.encode_change(change)) == change
    older = _memory_file.decode_change(b'{"seq": 3}')  # written before these existed
    assert (older.associates, older.deleted_persons, older.deleted_companies) == ([], [], [])


def test_deletions_are_replayed_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            _commit(store, n)
        with store.unit_of_work() as uow:
            uow.persons.delete(uow.persons.get(PersonId(3)))
            uow.companies.delete(uow.companies.get(CompanyId(3)))
            uow.persons.delete(uow.persons.get(PersonId(1)))
            uow.commit()
    with InMemoryStore.open(path) as store:
        with store.unit_of_work() as uow:
            assert [p.id for p in uow.persons.find(Query())] == [2]
            assert [c.id for c in uow.companies.find(Query())] == [1, 2]
        assert (store.max_id("person"), store.max_id("company")) == (3, 3)
        store.verify_indexes()


def test_a_journal_record_deleting_a_company_that_has_persons_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        _commit(store, 1)
        seq = store._state.generation + 1
        store._durable.journal(_memory_file.Change(seq, deleted_companies=[CompanyId(1)]))
    with pytest.raises(FileFormatError, match="does not fit"):
        InMemoryStore.open(path)


@pytest.mark.parametrize(
    ("share", "min_bytes"), [(-0.1, 0), (float("inf"), 0), (0.5, -1), ("0.5", 0), (0.5, 1.5)]
)
def test_bad_compaction_thresholds_are_refused_before_the_file_is_touched(
    tmp_path: Path, share: object, min_bytes: object
) -> None:
    with pytest.raises(ValidationError, match="compaction thresholds"):
        InMemoryStore.open(
            tmp_path / "crm.json",
            compact_share=share,  # type: ignore[arg-type]
            compact_min_bytes=min_bytes,  # type: ignore[arg-type]
        )
    assert list(tmp_path.iterdir()) == []


def _legacy_journal(path: Path) -> bytes:
    """The journal at ``path`` as the format before the preallocation wrote it."""
    found = _memory_journal.scan(path)
    assert found.lineage is not None
    magic = b"LCJRNL01"
    header = magic + found.lineage + zlib.crc32(magic + found.lineage).to_bytes(4, "little")
    return header + b"".join(_memory_journal.frame(s, p) for s, p in found.records)


def test_journals_of_the_format_before_are_read_and_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            _commit(store, n)
    journal = tmp_path / JOURNALS[0]
    legacy = _legacy_journal(journal)
    journal.write_bytes(legacy + _memory_journal.frame(4, b'{"seq": 4}')[:-2])  # torn, at the end
    with InMemoryStore.open(path, read_only=True) as reader:
        assert _n(reader) == 3
        assert "unfinished record" in reader.dropped[0]
    assert journal.read_bytes().startswith(b"LCJRNL01")  # a reader writes nothing
    with InMemoryStore.open(path) as store:
        assert _n(store) == 3
        _commit(store, 4)
    assert _memory_journal.scan(journal).legacy is False
    assert _memory_file.load(path).seq == 3  # rewritten as a snapshot and new journals
    with InMemoryStore.open(path) as store:
        assert _n(store) == 4
        assert store.dropped == []
