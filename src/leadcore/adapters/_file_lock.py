"""An exclusive or shared OS lock on a lock file, held until released (private).

POSIX uses :func:`fcntl.flock`: the lock belongs to the open file, so a second
opener in the same process is refused too, and the lock goes away with the
process (a crash never leaves a stale lock). Windows uses :func:`msvcrt.locking`
on the file's first byte (shared locks are exclusive there).

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.json.lock"
>>> held = FileLock.acquire(path, exclusive=True)
>>> FileLock.acquire(path, exclusive=True)
Traceback (most recent call last):
...
BlockingIOError: ...
>>> held.release()
>>> FileLock.acquire(path, exclusive=False).release()
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["FileLock"]


class FileLock:
    """A held lock on ``path``; :meth:`release` it (idempotent)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path, *, exclusive: bool) -> FileLock:
        """Take the lock without waiting; :class:`BlockingIOError` when someone holds it."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _lock(fd, exclusive=exclusive)
        except OSError as error:
            os.close(fd)
            raise BlockingIOError(error.errno, f"{path} is locked by another opener") from None
        return cls(path, fd)

    @property
    def held(self) -> bool:
        """True until :meth:`release`."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int, *, exclusive: bool) -> None:
        del exclusive  # msvcrt has exclusive byte-range locks only
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fd: int, *, exclusive: bool) -> None:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
