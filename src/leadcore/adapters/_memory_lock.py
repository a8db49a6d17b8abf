"""The locks of a file store, and what its file errors say to do (private).

A store at ``crm.json`` is locked through ``crm.json.lock``, which every opener
asks for first, and through its journals, the files a writer's commits are
written to (:class:`StoreLock`). A lock belongs to a file, not to its name, so a
lock file removed while a writer holds it would let a second opener make a new
one and lock that; the journals' locks still keep it out, and the writer refuses
its next commit (:func:`lock_lost`). The system's refusals to open, make or
write the files become :class:`~leadcore.errors.PersistenceError` saying what
to do (:func:`os_error`).

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.json"
>>> held = lock(path, exclusive=True)
>>> lock(path, exclusive=False)
Traceback (most recent call last):
...
leadcore.adapters._memory_lock.FileInUseError: the store file '...crm.json' is in use: ...
>>> held.release()
"""

from __future__ import annotations

import contextlib
import errno
from pathlib import Path

from leadcore.adapters._file_lock import FileLock
from leadcore.errors import LeadcoreError, PersistenceError

__all__ = [
    "FileInUseError",
    "StoreLock",
    "in_use",
    "journal_paths",
    "lock",
    "lock_lost",
    "os_error",
]


class FileInUseError(LeadcoreError):
    """Another store (in this process or another) has the file open for writing."""


def journal_paths(path: Path) -> tuple[Path, Path]:
    """The two journals of the store file ``path``."""
    return path.with_name(path.name + ".journal.0"), path.with_name(path.name + ".journal.1")


def _lock_path(path: Path) -> Path:
    """The lock file of the store file ``path``."""
    return path.with_name(path.name + ".lock")


def in_use(path: Path, *, exclusive: bool) -> FileInUseError:
    """The error of an opener refused because another store has ``path`` open."""
    return FileInUseError(
        f"the store file {str(path)!r} is in use",
        why="another store has it open for writing"
        if not exclusive
        else "another store (in this or another process) has it open",
        fix="Close the other store first (store.close()), or open this one with "
        "read_only=True once no writer has it; one file has one writer at a time",
        path=str(path),
    )


class StoreLock:
    """The OS locks an open store holds: on its lock file and on each journal that exists.

    Every opener asks for the lock file first. A writer's exclusive locks on the
    journals, the files its commits are written to, are what keeps a second
    writer out when the lock file was removed meanwhile: that opener makes a new
    lock file and gets its lock, but not the journals'. Each lock is checked to
    be on the file at its name once taken (:meth:`FileLock.acquire`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_file: FileLock | None = None
        """The lock file's lock (``None`` for a reader where it cannot be made)."""
        self.journals: list[FileLock | None] = [None, None]
        """The journals' locks (``None`` for a journal that does not exist yet, or once
        handed to a :class:`JournalWriter`)."""

    @classmethod
    def acquire(cls, path: Path, *, exclusive: bool) -> StoreLock:
        """Lock the store file ``path``; :class:`FileInUseError` when another store holds it."""
        held = cls(path)
        try:
            held.lock_file = _lock_file(_lock_path(path), exclusive=exclusive)
            for index, journal in enumerate(journal_paths(path)):
                with contextlib.suppress(FileNotFoundError):
                    held.journals[index] = FileLock.acquire(
                        journal, exclusive=exclusive, create=False
                    )
        except BlockingIOError:
            held.release()
            raise in_use(path, exclusive=exclusive) from None
        except BaseException:
            held.release()
            raise
        return held

    def check_lock_file(self) -> None:
        """Refuse (:func:`lock_lost`) once the held lock file is no longer the file at its name."""
        lock_file = self.lock_file
        if lock_file is not None and not lock_file.still_at_path():
            raise lock_lost(self.path, f"its lock file {lock_file.path.name!r}", journal=False)

    def release(self) -> None:
        """Give up every lock still held here (idempotent)."""
        for held in (self.lock_file, *self.journals):
            if held is not None:
                held.release()


def _lock_file(path: Path, *, exclusive: bool) -> FileLock | None:
    """Lock the lock file ``path``, made when missing; a reader in a folder it may not
    write to, where no lock file is, goes without (no writer can be there either:
    the journals it would hold are locked too)."""
    try:
        return FileLock.acquire(path, exclusive=exclusive)
    except PermissionError:
        if exclusive or path.exists():
            raise
        return None
    except OSError as error:
        if exclusive or error.errno != errno.EROFS or path.exists():
            raise
        return None


def lock(path: Path, *, exclusive: bool) -> StoreLock:
    """Take the locks of the store file ``path``; :class:`FileInUseError` when it is held."""
    return StoreLock.acquire(path, exclusive=exclusive)


def lock_lost(path: Path, what: str, *, journal: bool) -> PersistenceError:
    """The refusal of a commit by the store of ``path`` whose lock file, or ``journal``,
    (``what``: "its lock file 'crm.json.lock'") is no longer the file at its name."""
    if journal:
        why = "so the commits written to it would not be in the store's file"
        fix = (
            "Call store.save() now: it writes everything this store holds (the commits "
            "of the removed journal too) to a new snapshot; then close the store and open "
            "the file again"
        )
    else:
        why = "so it no longer tells other openers that the store is in use"
        fix = (
            "Close this store and open the file again (every commit acknowledged so far is "
            "in the file); leave a store's .lock file alone while the store is open"
        )
    return PersistenceError(
        f"the store kept in {str(path)!r} no longer holds its files: nothing was committed",
        committed=False,
        why=f"{what} was removed or replaced while the store was open (a clean-up script, "
        f"someone tidying the folder?), {why}",
        fix=fix,
        path=str(path),
    )


def os_error(
    path: Path, error: OSError, *, doing: str, read_only: bool = False
) -> PersistenceError:
    """``error`` met while ``doing`` (e.g. "open") the store file ``path``, as the typed
    error that says what to do (nothing was committed)."""
    code = error.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = (
            "Make the files readable by this user"
            if read_only
            else "Use a folder this user may write to (a store keeps its journals and its "
            "lock file beside the file), or open the store with read_only=True to read it"
        )
    elif code in (errno.ENOENT, errno.ENOTDIR):
        fix = "Check the path: the folder it names must exist (and be a folder)"
    elif code == errno.ENOSPC:
        fix = "Free space on the disk, then try again"
    else:
        fix = "Check the path, the disk and the permissions, then try again"
    where = f" ({error.filename})" if error.filename else ""
    return PersistenceError(
        f"cannot {doing} the store file {str(path)!r}: nothing was committed",
        committed=False,
        why=f"{error.strerror or error}{where}",
        fix=fix,
        path=str(path),
    )
