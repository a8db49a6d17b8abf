"""Running a command again when a concurrent change refused it: :func:`retry`.

A command that meets a change committed by another unit of work at the same
time (another thread, another process on the same database) writes nothing and
raises a :class:`leadcore.errors.ConflictError` whose ``retryable`` is true; run
again, it reloads what it needs and decides on the new data. A conflict with a
stale ``expected_version`` the caller gave is not retryable: the same request
can never succeed, so it is raised at once.

>>> import leadcore
>>> service = leadcore.open(":memory:")
>>> acme = service.companies.add("Acme")
>>> leadcore.retry(lambda: service.companies.edit(acme.id, name="Acme Ltd")).name
'Acme Ltd'
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import TypeVar

from leadcore.errors import ConflictError, ValidationError

__all__ = ["retry"]

T = TypeVar("T")


def retry(
    command: Callable[[], T],
    *,
    attempts: int = 3,
    backoff: float = 0.05,
    max_backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``command()`` and return what it returns; when it raises a retryable
    :class:`~leadcore.errors.ConflictError`, wait and call it again, ``attempts``
    calls at most.

    The waits start at ``backoff`` seconds and double after each conflict, up to
    ``max_backoff``; each is a random share (half to all) of that, so that two
    processes that collided do not collide again. A conflict that is not
    retryable (a stale ``expected_version``) and every other error are raised at
    once; when every attempt met a conflict, the last one is raised. ``sleep``
    is what waits (``time.sleep``; a test passes its own). Wrap one command per
    call: a command is one unit of work, so a retried one never leaves half of
    itself behind.

    >>> from leadcore.errors import ConcurrentChangeError, ConflictError
    >>> calls = []
    >>> def save() -> str:
    ...     calls.append(1)
    ...     if len(calls) < 3:
    ...         raise ConcurrentChangeError("could not serialize access")
    ...     return "saved"
    >>> retry(save, sleep=lambda seconds: None), len(calls)
    ('saved', 3)
    >>> def stale() -> str:
    ...     raise ConflictError("person", 7, 2, 3, retryable=False)
    >>> retry(stale, sleep=lambda seconds: None)
    Traceback (most recent call last):
    ...
    leadcore.errors.ConflictError: person 7 is at version 3, not the expected version 2: ...
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValidationError(
            f"attempts must be an int of 1 or more: got {attempts!r}",
            why="it is how many times the command is called at most",
            fix="Pass attempts=3, say",
        )
    for name, value in (("backoff", backoff), ("max_backoff", max_backoff)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValidationError(
                f"{name} must be a finite number of seconds: got {value!r}",
                why="it is how long to wait before calling the command again",
                fix=f"Pass {name}=0.05, say",
            )
        if value < 0:
            raise ValidationError(
                f"{name} must not be negative: got {value!r}",
                why="it is how long to wait before calling the command again",
                fix=f"Pass {name}=0 to call again at once",
            )
    wait = min(float(backoff), float(max_backoff))
    for attempt in range(1, attempts + 1):
        try:
            return command()
        except ConflictError as conflict:
            if not conflict.retryable or attempt == attempts:
                raise
        sleep(wait * random.uniform(0.5, 1.0))  # jitter, not a secret
        wait = min(wait * 2, float(max_backoff))
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover
