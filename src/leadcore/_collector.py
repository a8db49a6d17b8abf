"""Pausing CPython's cyclic garbage collector around bulk work (private).

A bulk load or import builds many objects that all stay alive (frozen, acyclic
records the collector can never free); each collection it would trigger walks
an ever larger heap for nothing. Pausing is process-wide and lasts only for the
block: the collector's previous state is restored however the block ends
(reference counting never stops).

>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block, then restore its state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
