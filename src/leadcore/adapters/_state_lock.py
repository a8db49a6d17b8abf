"""The in-memory store's state lock (private; see :mod:`leadcore.adapters.memory`).

:class:`StateLock` guards the committed state:

- **shared** (:meth:`StateLock.shared`): held by a unit of work for the length
  of one repository call (a get, a find, a count). Any number of threads hold
  it at once, so reads never wait for one another.
- **exclusive** (:meth:`StateLock.acquire`, ``with lock:``): held to change the
  state (a commit applying its overlay, a bulk load) or to copy it whole (a
  compaction's snapshot). It waits for the read calls in progress; read calls
  that start while it waits go after it, so a stream of reads never starves a
  commit (Go's ``sync.RWMutex`` does the same). Re-entrant for its holder.
- **writer** (:attr:`StateLock.writer`): one unit of work that changes data at a
  time, held from the moment the unit becomes a writer until it ends. Only the
  writer commits, so what it read to decide still holds at its commit.

>>> lock = StateLock()
>>> with lock.shared(), lock.shared():   # readers share it, re-entrantly
...     lock.readers
1
>>> with lock:                          # exclusive, re-entrant
...     with lock:
...         lock.readers
0
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from threading import get_ident
from types import TracebackType

__all__ = ["StateLock"]


class StateLock:
    """Many readers or one exclusive holder, writer-preferring; and the writer units' lock."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._changed = threading.Condition(self._mutex)
        self._owner: int | None = None
        """The thread holding the exclusive side."""
        self._depth = 0
        """How often the owner entered the exclusive side."""
        self._readers: dict[int, int] = {}
        """Threads holding the shared side, with their depth."""
        self._waiting = 0
        """Threads waiting for the exclusive side (new readers let them go first)."""
        self._held_back = 0
        """Readers waiting for the exclusive side's holder or waiters."""
        self.writer = threading.RLock()
        """Held by the unit of work that changes data (one at a time), from its first change
        (or from ``expect_writes``) until it ends."""

    @property
    def readers(self) -> int:
        """How many threads hold the shared side now."""
        return len(self._readers)

    @property
    def waiting(self) -> tuple[int, int]:
        """How many threads wait now: for the exclusive side, and readers held back."""
        return self._waiting, self._held_back

    # --- the shared side ---------------------------------------------------------------------

    def acquire_shared(self) -> None:
        """Take the shared side (re-entrant; also for the exclusive side's holder)."""
        me = get_ident()
        mutex = self._mutex
        mutex.acquire()
        try:
            readers = self._readers
            held = readers.get(me)
            if held is not None:
                readers[me] = held + 1
                return
            while self._owner != me and (self._owner is not None or self._waiting):
                self._held_back += 1
                try:
                    self._changed.wait()
                finally:
                    self._held_back -= 1
            readers[me] = 1
        finally:
            mutex.release()

    def release_shared(self) -> None:
        """Leave the shared side (once per :meth:`acquire_shared`)."""
        me = get_ident()
        mutex = self._mutex
        mutex.acquire()
        try:
            readers = self._readers
            depth = readers[me] - 1
            if depth:
                readers[me] = depth
            else:
                del readers[me]
                if not readers and self._waiting:
                    self._changed.notify_all()
        finally:
            mutex.release()

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the shared side for the block."""
        self.acquire_shared()
        try:
            yield
        finally:
            self.release_shared()

    # --- the exclusive side (the interface of threading.RLock) --------------------------------

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the exclusive side; ``False`` when not ``blocking`` or after ``timeout``
        seconds without it. A thread holding only the shared side must not ask for it
        (it would wait for itself): that is refused with ``RuntimeError``."""
        me = get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if me in self._readers:
                raise RuntimeError("a reader of the in-memory store asked for its exclusive lock")
            if not self._free():
                if not blocking:
                    return False
                deadline = None if timeout < 0 else time.monotonic() + timeout
                self._waiting += 1
                try:
                    while not self._free():
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            return False
                        self._changed.wait(left)
                finally:
                    self._waiting -= 1
                    if not self._waiting:
                        self._changed.notify_all()  # readers held back by this waiter go on
            self._owner = me
            self._depth = 1
            return True

    def _free(self) -> bool:
        return self._owner is None and not self._readers

    def release(self) -> None:
        """Leave the exclusive side (once per :meth:`acquire`)."""
        with self._mutex:
            if self._owner != get_ident():
                raise RuntimeError("release of an in-memory store lock this thread does not hold")
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._changed.notify_all()

    def __enter__(self) -> bool:
        """Take the exclusive side for the block."""
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Leave the exclusive side."""
        self.release()
