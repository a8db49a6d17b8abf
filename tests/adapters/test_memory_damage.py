"""Damaged store files never cost more than the one commit in flight, silently (issue 23).

A torn append can only ever lose the commit being appended. Whatever else
damage would drop (a journal cut short, whole commits after unreadable bytes, a
header cut short) refuses the open with a typed error and leaves the files as
they were, unless the caller asks to recover; whatever is dropped is reported
and logged. The property test corrupts random valid stores at random; each
outcome is counted with ``hypothesis.event`` (``--hypothesis-show-statistics``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

import leadcore
from leadcore.adapters import _memory_journal
from leadcore.adapters.memory import FileFormatError, InMemoryStore
from leadcore.cli import leadcore as leadcore_command
from leadcore.errors import ValidationError
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.queries import Query
from leadcore.testing.contract import AT

FILES = ("crm.json", "crm.json.journal.0", "crm.json.journal.1")


def commit_number(store: InMemoryStore, n: int) -> None:
    """Commit number ``n``: a company, a person and a setting naming n."""
    with store.unit_of_work() as uow:
        uow.companies.add(Company(CompanyId(n), f"Company {n}", None, AT, AT))
        uow.persons.add(Person(PersonId(n), CompanyId(n), "Ann", f"No. {n}", AT, AT))
        uow.settings.set("n", n)
        uow.commit()


def committed_prefix(store: InMemoryStore) -> int:
    """The n of the state, after checking that the state is exactly commits 1..n."""
    with store.unit_of_work() as uow:
        n = uow.settings.get("n", 0)
        assert isinstance(n, int)
        assert [p.id for p in uow.persons.find(Query())] == list(range(1, n + 1))
        assert [c.id for c in uow.companies.find(Query())] == list(range(1, n + 1))
    store.verify_indexes()
    return n


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix != ".lock"}


Plan = tuple[int, bool, bool, int]
"""Commits before a compaction, whether it runs, whether it empties the old journal,
commits after it."""


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Plan], Path]:
    """Valid stores by plan, each built once: commits, a compaction (or not; one
    whose old journal could not be emptied leaves commits in both journals), commits."""
    built: dict[Plan, Path] = {}

    def build(plan: Plan) -> Path:
        if plan not in built:
            before, compact, empties, after = plan
            folder = tmp_path_factory.mktemp("pristine")
            with InMemoryStore.open(folder / "crm.json") as store:
                for n in range(1, before + 1):
                    commit_number(store, n)
                if compact:
                    reset = _memory_journal.JournalWriter.reset
                    if not empties:
                        _memory_journal.JournalWriter.reset = _refuse  # type: ignore[method-assign]
                    try:
                        store.save()
                    except leadcore.PersistenceError:
                        assert not empties
                    finally:
                        _memory_journal.JournalWriter.reset = reset  # type: ignore[method-assign]
                for n in range(before + 1, before + after + 1):
                    commit_number(store, n)
            built[plan] = folder
        return built[plan]

    return build


def _refuse(self: _memory_journal.JournalWriter) -> None:
    raise OSError(5, "EIO (simulated: the old journal could not be emptied)")


plans = st.tuples(st.integers(0, 6), st.booleans(), st.booleans(), st.integers(0, 10))
Corruption = tuple[str, str, float, bool, int, bytes]
corruptions = st.tuples(
    st.sampled_from(FILES),
    st.sampled_from(["flip", "truncate", "insert", "delete"]),
    st.floats(0, 1, exclude_max=True),
    st.booleans(),
    st.integers(1, 255),
    st.binary(min_size=1, max_size=64),
)


def corrupt(folder: Path, corruption: Corruption) -> None:
    """Flip a byte, cut the file, insert bytes or delete some (up to 64) at a spot of a
    file: mostly among the bytes written (a journal is mostly the zeros it is
    allocated ahead with), else anywhere."""
    name, kind, where, anywhere, mask, inserted = corruption
    victim = folder / name
    data = bytearray(victim.read_bytes())
    written = len(data.rstrip(b"\0")) + _memory_journal.RESERVE + 16
    spot = int(where * (len(data) if anywhere else min(len(data), written)))
    if kind == "flip":
        data[spot] ^= mask
    elif kind == "truncate":
        del data[spot:]
    elif kind == "insert":
        data[spot:spot] = inserted
    else:
        del data[spot : spot + len(inserted)]
    victim.write_bytes(bytes(data))


@settings(deadline=None)
@given(plan=plans, corruption=corruptions)
def test_damage_opens_the_acknowledged_prefix_less_at_most_the_last_commit_or_is_refused(
    pristine: Callable[[Plan], Path], plan: Plan, corruption: Corruption
) -> None:
    acknowledged = plan[0] + plan[3]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "store"
        shutil.copytree(pristine(plan), folder)
        if not (folder / corruption[0]).exists():
            return
        corrupt(folder, corruption)
        before = files_of(folder)
        try:
            store = InMemoryStore.open(folder / "crm.json")
        except FileFormatError:
            assert files_of(folder) == before, "a refused open changed the files"
            event("refused")
            _recovers_a_prefix(folder, is_snapshot=corruption[0] == "crm.json")
            return
        with store:
            n = committed_prefix(store)
            dropped = list(store.dropped)
        assert acknowledged - 1 <= n <= acknowledged, "acknowledged commits were dropped"
        assert (n < acknowledged) <= any("unfinished record" in line for line in dropped)
        event("opened with every commit" if n == acknowledged else "opened less the torn last")


def _recovers_a_prefix(folder: Path, *, is_snapshot: bool) -> None:
    """``recover=True`` opens a committed prefix (a damaged snapshot stays refused), and
    the files it leaves open cleanly, taking new commits after that prefix."""
    try:
        store = InMemoryStore.open(folder / "crm.json", recover=True)
    except FileFormatError:
        assert is_snapshot, "recover=True refused damage in a journal"
        event("refused, and with recover=True too (the snapshot is damaged)")
        return
    with store:
        n = committed_prefix(store)
        commit_number(store, n + 1)
    event("refused, and recover=True opened a committed prefix")
    with InMemoryStore.open(folder / "crm.json") as again:
        assert committed_prefix(again) == n + 1
        assert again.dropped == []


def test_a_journal_cut_short_is_refused_untouched_and_recovered_on_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 6):
            commit_number(store, n)
    journal = tmp_path / "crm.json.journal.0"
    records = _memory_journal.scan(journal).records
    cut = _memory_journal.HEADER_SIZE + sum(
        _memory_journal.RECORD_SIZE + len(p) for _, p in records[:2]
    )
    journal.write_bytes(journal.read_bytes()[: cut + 10])  # commits 4 and 5 are gone
    before = files_of(tmp_path)
    with pytest.raises(_memory_journal.JournalCorrupt, match="cut short") as caught:
        InMemoryStore.open(path)
    assert caught.value.context["offset"] == cut
    assert "recover=True" in str(caught.value)
    assert files_of(tmp_path) == before
    with pytest.raises(_memory_journal.JournalCorrupt):
        InMemoryStore.open(path, read_only=True)
    with InMemoryStore.open(path, read_only=True, recover=True) as reader:
        assert committed_prefix(reader) == 2
    assert files_of(tmp_path) == before  # a reader writes nothing, not even when recovering
    with (
        caplog.at_level(logging.WARNING, logger="leadcore"),
        InMemoryStore.open(path, recover=True) as store,
    ):
        assert committed_prefix(store) == 2
        assert any("cut short" in line for line in store.dropped)
        copies = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
        assert [p.read_bytes() for p in copies] == [before["crm.json.journal.0"]]
        commit_number(store, 3)
    assert any("cut short" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    with InMemoryStore.open(path) as store:
        assert committed_prefix(store) == 3
        assert store.dropped == []


def test_whole_commits_after_unreadable_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 5):
            commit_number(store, n)
    journal = tmp_path / "crm.json.journal.0"
    data = bytearray(journal.read_bytes())
    second = (
        _memory_journal.HEADER_SIZE
        + _memory_journal.RECORD_SIZE
        + len(_memory_journal.scan(journal).records[0][1])
    )
    data[second + 4] ^= 0x01  # the seq of commit 2: its frame fails, 3 and 4 are whole
    journal.write_bytes(bytes(data))
    with pytest.raises(_memory_journal.JournalCorrupt, match="records after them") as caught:
        InMemoryStore.open(path)
    assert caught.value.context["offset"] == second
    with InMemoryStore.open(path, recover=True) as store:
        assert committed_prefix(store) == 1


def test_a_torn_append_drops_only_the_commit_in_flight_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            commit_number(store, n)
    journal = tmp_path / "crm.json.journal.0"
    data = bytearray(journal.read_bytes())
    end = _memory_journal.scan(journal).good_size
    torn = _memory_journal.frame(4, b'{"seq": 4, "settings": {"n": 4}}')[:-5]
    data[end : end + len(torn)] = torn  # where a crash mid-append leaves it
    journal.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="leadcore"), InMemoryStore.open(path) as store:
        assert committed_prefix(store) == 3
        assert store.dropped == [
            f"crm.json.journal.0: the unfinished record of commit 4 at byte {end}"
        ]
    (warning,) = [r for r in caplog.records if r.name == "leadcore"]
    assert warning.levelname == "WARNING"
    assert "unfinished record of commit 4" in warning.getMessage()


def test_a_gap_in_the_commits_is_refused_and_recovered_up_to_it(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        commit_number(store, 1)
    lineage = _memory_journal.scan(tmp_path / "crm.json.journal.0").lineage
    assert lineage is not None
    other = _memory_journal.JournalWriter.create(tmp_path / "crm.json.journal.1", lineage)
    other.append(3, b'{"seq": 3}')  # commit 2 is in no journal
    other.close()
    with pytest.raises(_memory_journal.JournalCorrupt, match="gap"):
        InMemoryStore.open(path)
    with InMemoryStore.open(path, recover=True) as store:
        assert committed_prefix(store) == 1
        assert any("commit 2 is in no journal" in line for line in store.dropped)
        assert any("crm.json.journal.1: kept as" in line for line in store.dropped)
        commit_number(store, 2)
    with InMemoryStore.open(path) as store:
        assert committed_prefix(store) == 2
        assert store.dropped == []


def test_recover_is_for_file_stores() -> None:
    with pytest.raises(ValidationError, match="file store"):
        leadcore.open(":memory:", recover=True)


def test_the_command_refuses_a_damaged_store_and_recovers_with_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        for n in range(1, 4):
            commit_number(store, n)
    journal = tmp_path / "crm.json.journal.0"
    journal.write_bytes(journal.read_bytes()[: _memory_journal.HEADER_SIZE + 40])
    refused = CliRunner().invoke(leadcore_command, ["--data", str(path), "find"])
    assert refused.exit_code == 1
    assert "JournalCorrupt" in refused.output
    assert "--recover" in refused.output
    recovered = CliRunner().invoke(leadcore_command, ["--data", str(path), "--recover", "find"])
    assert recovered.exit_code == 0, recovered.output
