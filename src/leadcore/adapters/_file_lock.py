"""An exclusive or shared OS lock on one file, held until released (private).

POSIX uses :func:`fcntl.flock`: the lock belongs to the open file, so a second
opener in the same process is refused too, and the lock goes away with the
process (a crash never leaves a stale lock). Windows uses :func:`msvcrt.locking`
on the file's first byte (shared locks are exclusive there).

A lock is on a file, not on its name: if the file is removed or replaced, the
name leads to another file that nobody has locked. :meth:`FileLock.acquire`
therefore checks, once it holds the lock, that the name still leads to the file
it locked (else it locks what is there now), and :meth:`FileLock.still_at_path`
tells a holder whether that is still so.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.json.lock"
>>> held = FileLock.acquire(path, exclusive=True)
>>> FileLock.acquire(path, exclusive=True)
Traceback (most recent call last):
...
BlockingIOError: ...
>>> path.unlink()                     # pulled away while held
>>> held.still_at_path()
False
>>> held.release()
>>> FileLock.acquire(path, exclusive=False).release()
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["FileLock"]

_ATTEMPTS = 20
"""How often :meth:`FileLock.acquire` locks again when the name was re-pointed meanwhile."""

_BINARY = getattr(os, "O_BINARY", 0)
"""Windows opens files in text mode unless told otherwise."""


class FileLock:
    """A held lock on the file at ``path``; :meth:`release` it (idempotent).

    ``fd`` is the open file the lock belongs to (read-write for an exclusive
    lock); a journal writes through it, so that its lock and its data are one file.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        found = os.fstat(fd)
        self._identity = (found.st_dev, found.st_ino)

    @classmethod
    def acquire(cls, path: Path, *, exclusive: bool, create: bool = True) -> FileLock:
        """Take the lock without waiting; :class:`BlockingIOError` when someone holds it.

        ``create=False`` locks only a file that exists (:class:`FileNotFoundError`
        otherwise). Once locked, the file must still be the one at ``path``: a file
        removed or replaced between opening and locking is let go, and what is at
        ``path`` now is locked instead.
        """
        flags = os.O_RDWR if exclusive or sys.platform == "win32" else os.O_RDONLY
        flags |= _BINARY | (os.O_CREAT if create else 0)
        for _ in range(_ATTEMPTS):
            fd = os.open(path, flags, 0o666)
            try:
                lock_file(fd, exclusive=exclusive)
            except OSError as error:
                os.close(fd)
                raise BlockingIOError(error.errno, f"{path} is locked by another opener") from None
            held = cls(path, fd)
            if held.still_at_path():
                return held
            held.release()
        raise BlockingIOError(0, f"{path} kept being replaced while it was locked")

    @property
    def held(self) -> bool:
        """True until :meth:`release`."""
        return self._fd is not None

    @property
    def fd(self) -> int:
        """The open file that carries the lock (``ValueError`` once released)."""
        if self._fd is None:
            raise ValueError(f"the lock on {self.path} was released")
        return self._fd

    def still_at_path(self) -> bool:
        """True while ``path`` leads to the locked file (not removed, not replaced)."""
        try:
            found = os.stat(self.path)
        except OSError:
            return False
        return (found.st_dev, found.st_ino) == self._identity

    def moved_to(self, path: Path) -> None:
        """Record that the locked file was renamed to ``path`` (by its holder)."""
        self.path = path

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def lock_file(fd: int, *, exclusive: bool) -> None:
        """Lock the open file ``fd`` without waiting (``OSError`` when it is held)."""
        del exclusive  # msvcrt has exclusive byte-range locks only
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def lock_file(fd: int, *, exclusive: bool) -> None:
        """Lock the open file ``fd`` without waiting (``OSError`` when it is held)."""
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
