"""Functions made from generated source that tracebacks and debuggers can show.

Not public API. leadcore writes Python source at run time in three places: the
field checks of the stored classes (:mod:`leadcore._checks`), the argument
checks of the service (:mod:`leadcore.service._arguments`) and the compiled
criteria (:mod:`leadcore.criteria._compile`). Each compiles its source with
:func:`compile_function`, which registers the source in :mod:`linecache` under
the file name the code is compiled with (``<leadcore field checks of person
3f9c2a1b>``), as attrs does for the methods it writes (``_linecache_and_compile``
in ``attr/_make.py``): a traceback through a generated function then shows its
line, and pdb can list and step through it.

The file name says what the code is and ends with a digest of the source, so the
same source compiled twice shares one entry. The checks are made once per class
and their entries are kept, as attrs keeps its own. Criteria are compiled per
query, so their entries are *transient*: equal criteria share one, and only the
:data:`TRANSIENT_KEPT` most recent distinct ones are kept (the oldest is dropped
when a new one comes, never while a traceback is being read); a function whose
entry was dropped still runs, and its frames show no line, as ``<string>`` code
does.

>>> add = compile_function("def add(a, b):\\n    return a + b\\n", "add", {}, label="example")
>>> add(2, 3), add.__code__.co_filename.startswith("<leadcore example ")
(5, True)
>>> import linecache
>>> linecache.getline(add.__code__.co_filename, 2)
'    return a + b\\n'
"""

from __future__ import annotations

import hashlib
import linecache
import threading
from typing import Any

__all__ = ["TRANSIENT_KEPT", "compile_function"]

TRANSIENT_KEPT = 1_000
"""How many distinct transient sources (compiled criteria) keep their linecache entry."""

_transient: dict[str, None] = {}
"""The file names of the transient entries, oldest first (a dict as an ordered set)."""
_lock = threading.Lock()


def compile_function(
    source: str, name: str, namespace: dict[str, Any], *, label: str, transient: bool = False
) -> Any:
    """Run ``source`` with ``namespace`` as its globals and return what it defines as ``name``.

    The source is compiled under the file name ``<leadcore {label} {digest}>`` and
    registered in :mod:`linecache` under it first; ``transient`` sources (made per
    call, not once) keep their entry only while they are among the
    :data:`TRANSIENT_KEPT` most recent.
    """
    filename = _register(source, label, transient)
    exec(compile(source, filename, "exec"), namespace)  # leadcore's own generated source
    return namespace[name]


def _register(source: str, label: str, transient: bool) -> str:
    """The file name ``source`` is in :mod:`linecache` under (registered now if needed)."""
    digest = hashlib.sha1(source.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    base = f"<leadcore {label} {digest.hexdigest()[:8]}"
    lines = source.splitlines(True)
    with _lock:
        count = 0
        while True:  # another source with the same digest (almost never): number it
            filename = f"{base}>" if count == 0 else f"{base}-{count}>"
            entry = (len(source), None, lines, filename)  # no mtime: checkcache leaves it
            if linecache.cache.setdefault(filename, entry) == entry:
                break
            count += 1
        if transient:
            _transient.pop(filename, None)
            _transient[filename] = None  # the most recent last
            while len(_transient) > TRANSIENT_KEPT:
                oldest = next(iter(_transient))
                del _transient[oldest]
                linecache.cache.pop(oldest, None)
    return filename
