"""One writer per file store, even when its lock file is pulled away (issue 23).

Two real processes share a store: the first opens it and commits, the lock file
is deleted, the second tries to open it as a writer, both try to commit, and
after a reopen every acknowledged commit is there. The processes are driven by
one command per line on stdin and answer one line on stdout: every step waits
for the answer of the one before (no sleeps); the timeout on an answer is only
a safety net against a hung child.

Also here: a folder the process may not write to, which must give the typed
:class:`PersistenceError` that says what to do, not a raw ``PermissionError``.
"""

from __future__ import annotations

import errno
import inspect
import os
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import leadcore
from leadcore.adapters.memory import FileInUseError, InMemoryStore, PersistenceError
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.queries import Query
from leadcore.testing.contract import AT

pytestmark = pytest.mark.skipif(
    sys.platform == "win32",
    reason="POSIX file semantics: on Windows an open file cannot be deleted or replaced",
)

SAFETY_NET = 120.0
"""Seconds to wait for a child's answer before failing: never reached unless a child hangs."""


def commit_number(store: InMemoryStore, base: int, n: int) -> None:
    """Commit ``n`` of the writer numbering from ``base``: a company and a person ``base + n``."""
    with store.unit_of_work() as uow:
        uow.companies.add(Company(CompanyId(base + n), f"Company {base + n}", None, AT, AT))
        uow.persons.add(Person(PersonId(base + n), CompanyId(base + n), "Ann", "Ash", AT, AT))
        uow.commit()


_WRITER = (
    """
import sys
from leadcore.adapters.memory import FileInUseError, InMemoryStore, PersistenceError
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.testing.contract import AT

"""
    + inspect.getsource(commit_number)
    + """
path, base = sys.argv[1], int(sys.argv[2])
try:
    store = InMemoryStore.open(path)
except FileInUseError:
    print("refused FileInUseError", flush=True)
    raise SystemExit(0)
print("open", flush=True)
n = 0
for line in sys.stdin:
    command = line.strip()
    if command == "commit":
        try:
            commit_number(store, base, n + 1)
        except PersistenceError as error:
            print("refused", error.committed, " ".join(str(error).split()), flush=True)
        else:
            n += 1
            print("acknowledged", base + n, flush=True)
    elif command == "save":
        store.save()
        print("saved", flush=True)
    elif command == "close":
        store.close()
        print("closed", flush=True)
        break
"""
)


class Writer:
    """A child process holding a store as a writer, answering one line per command."""

    def __init__(self, path: Path, base: int) -> None:
        command = [sys.executable, "-c", _WRITER, str(path), str(base)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.opened = self.answer()

    def answer(self) -> str:
        """The child's next line (its answer to the last command)."""
        stdout = self.process.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as waiting:
            waiting.register(stdout, selectors.EVENT_READ)
            assert waiting.select(SAFETY_NET), "the child did not answer"
        line = stdout.readline()
        assert line, f"the child ended without answering (exit {self.process.wait()})"
        return line.strip()

    def ask(self, command: str) -> str:
        """Send ``command`` and wait for its answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.answer()

    def finish(self) -> None:
        """Close the store (if the child has one) and wait for the child to end."""
        if self.opened == "open":
            assert self.ask("close") == "closed"
        assert self.process.wait(SAFETY_NET) == 0


@pytest.fixture
def writers() -> Iterator[list[Writer]]:
    """The children a test starts; any left running when it fails are killed."""
    started: list[Writer] = []
    yield started
    for writer in started:
        if writer.process.poll() is None:
            writer.process.kill()
        writer.process.wait()
        for stream in (writer.process.stdin, writer.process.stdout):
            if stream is not None:
                stream.close()


def stored_ids(path: Path) -> list[int]:
    """The persons a fresh open of ``path`` holds (its indexes checked)."""
    with InMemoryStore.open(path) as store:
        store.verify_indexes()
        with store.unit_of_work() as uow:
            return [p.id for p in uow.persons.find(Query())]


def test_a_second_writer_is_refused_when_the_lock_file_was_deleted_and_nothing_is_lost(
    tmp_path: Path, writers: list[Writer]
) -> None:
    path = tmp_path / "crm.json"
    first = Writer(path, 0)
    writers.append(first)
    assert first.opened == "open"
    acknowledged = [first.ask("commit"), first.ask("commit")]
    assert acknowledged == ["acknowledged 1", "acknowledged 2"]
    (tmp_path / "crm.json.lock").unlink()  # a clean-up script, someone tidying the folder

    second = Writer(path, 1000)  # makes a new lock file and locks it, but not the journals
    writers.append(second)
    assert second.opened == "refused FileInUseError"
    with pytest.raises(FileInUseError):
        InMemoryStore.open(path, read_only=True)  # a reader is kept out as well

    # both try to commit: the second has no store; the first sees its lock file replaced
    answer = first.ask("commit")
    assert answer.startswith("refused False "), answer
    assert "lock file 'crm.json.lock' was removed or replaced" in answer
    assert "open the file again" in answer
    if second.opened == "open":  # (not reached: kept for the invariant checked below)
        acknowledged.append(second.ask("commit"))
    first.finish()
    second.finish()

    wanted = [int(line.split()[1]) for line in acknowledged if line.startswith("acknowledged")]
    assert stored_ids(path) == wanted == [1, 2]


def test_a_lock_file_deleted_and_not_replaced_also_refuses_the_writers_commits(
    tmp_path: Path, writers: list[Writer]
) -> None:
    path = tmp_path / "crm.json"
    first = Writer(path, 0)
    writers.append(first)
    assert first.ask("commit") == "acknowledged 1"
    (tmp_path / "crm.json.lock").unlink()
    answer = first.ask("commit")
    assert answer.startswith("refused False "), answer
    assert "removed or replaced" in answer
    first.finish()
    assert stored_ids(path) == [1]
    assert (tmp_path / "crm.json.lock").exists()  # the reopen made a new one


def test_a_journal_deleted_under_a_writer_refuses_its_commits_and_save_keeps_them(
    tmp_path: Path, writers: list[Writer]
) -> None:
    path = tmp_path / "crm.json"
    first = Writer(path, 0)
    writers.append(first)
    assert [first.ask("commit"), first.ask("commit")] == ["acknowledged 1", "acknowledged 2"]
    for journal in ("crm.json.journal.0", "crm.json.journal.1"):
        (tmp_path / journal).unlink()  # commits 1 and 2 live only in the writer's memory now
    answer = first.ask("commit")
    assert answer.startswith("refused False "), answer
    assert "journal 'crm.json.journal.0' was removed or replaced" in answer
    assert "store.save()" in answer
    assert first.ask("save") == "saved"  # the advice: a new snapshot of everything it holds
    first.finish()
    assert stored_ids(path) == [1, 2]


def test_a_second_writer_in_one_process_is_refused_after_the_lock_file_is_deleted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.json"
    with InMemoryStore.open(path) as store:
        commit_number(store, 0, 1)
        (tmp_path / "crm.json.lock").unlink()
        with pytest.raises(FileInUseError):
            InMemoryStore.open(path)
        with pytest.raises(PersistenceError, match="removed or replaced") as caught:
            commit_number(store, 0, 2)
        assert caught.value.committed is False
    assert stored_ids(path) == [1]


# --- a folder the process may not write to ----------------------------------------------


@pytest.fixture
def read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder where no file can be made, holding a store (commit 1) without its lock file.

    Not running as root, the folder is chmod'ed. Root ignores permissions (chmod
    would change nothing there, and these tests run as root in CI's container), so
    for root ``os.open`` is patched to refuse making a file in the folder with the
    ``PermissionError`` the system gives everyone else.
    """
    folder = tmp_path / "locked"
    folder.mkdir()
    with InMemoryStore.open(folder / "crm.json") as store:
        commit_number(store, 0, 1)
    (folder / "crm.json.lock").unlink()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        target = Path(path)
        if target.parent == folder and flags & os.O_CREAT and not target.exists():
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refusing_open)
    yield folder


def test_a_new_store_in_a_folder_it_may_not_write_to_is_a_typed_error(
    read_only_folder: Path,
) -> None:
    with pytest.raises(PersistenceError, match="cannot open the store file") as caught:
        InMemoryStore.open(read_only_folder / "new.json")
    assert "Permission denied" in str(caught.value)
    assert "read_only=True" in caught.value.fix
    assert caught.value.committed is False
    with pytest.raises(PersistenceError, match="Permission denied"):
        leadcore.open(read_only_folder / "new.json")
    assert sorted(p.name for p in read_only_folder.iterdir()) == [
        "crm.json",
        "crm.json.journal.0",
        "crm.json.journal.1",
    ]


def test_a_store_there_is_read_read_only_and_a_writer_gets_a_typed_error(
    read_only_folder: Path,
) -> None:
    path = read_only_folder / "crm.json"
    with pytest.raises(PersistenceError, match="cannot open"):
        InMemoryStore.open(path)  # its lock file cannot be made
    with InMemoryStore.open(path, read_only=True) as reader, reader.unit_of_work() as uow:
        assert [p.id for p in uow.persons.find(Query())] == [1]
    with leadcore.open(path, read_only=True) as service:
        assert service.persons.count() == 1
    assert InMemoryStore.load(path).path == path


def test_saving_into_a_folder_it_may_not_write_to_is_a_typed_error(read_only_folder: Path) -> None:
    store = InMemoryStore()
    commit_number(store, 0, 1)
    with pytest.raises(PersistenceError, match="cannot save the store file") as caught:
        store.save(read_only_folder / "copy.json")
    assert "Permission denied" in str(caught.value)
    assert not (read_only_folder / "copy.json").exists()


def test_a_path_below_a_file_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "a file").write_text("")
    path = tmp_path / "a file" / "crm.json"
    with pytest.raises(PersistenceError, match="folder it names must exist") as caught:
        InMemoryStore.open(path)
    assert caught.value.context["path"] == str(path)
    with pytest.raises(PersistenceError, match="cannot save"):
        InMemoryStore().save(path)
    with pytest.raises(PersistenceError, match="cannot read"):
        InMemoryStore.load(path)
