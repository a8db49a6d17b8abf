"""Small implementations of the outside-world ports: clocks, ids, an event recorder.

:class:`SystemClock` and :class:`FixedClock` implement :class:`leadcore.ports.Clock`,
:class:`SequentialIds` implements :class:`leadcore.ports.IdGenerator` and
:class:`RecordingPublisher` implements :class:`leadcore.ports.EventPublisher`.

>>> from datetime import datetime, timedelta, timezone
>>> clock = FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
>>> clock.advance(timedelta(hours=2)).now().hour
11
>>> ids = SequentialIds()
>>> ids.next_id("person"), ids.next_id("person"), ids.next_id("company")
(1, 2, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from leadcore._checks import MOMENT, require
from leadcore.history import DomainEvent

__all__ = ["FixedClock", "RecordingPublisher", "SequentialIds", "SystemClock"]


def _require_aware(moment: datetime) -> datetime:
    require(moment, MOMENT, entity="clock", field="moment")
    return moment


class SystemClock:
    """The real time, in UTC.

    >>> SystemClock().now().tzinfo is not None
    True
    """

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and replays.

    >>> from datetime import datetime, timezone
    >>> clock = FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
    >>> clock.set(datetime(2026, 3, 2, tzinfo=timezone.utc)).now().day
    2
    >>> FixedClock(datetime(2026, 3, 1))
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a clock's moment must be a timezone-aware datetime: ...
    """

    def __init__(self, moment: datetime) -> None:
        self._moment = _require_aware(moment)

    def now(self) -> datetime:
        """The time the clock was set to."""
        return self._moment

    def set(self, moment: datetime) -> FixedClock:
        """Jump to ``moment`` (timezone-aware); returns the clock."""
        self._moment = _require_aware(moment)
        return self

    def advance(self, delta: timedelta) -> FixedClock:
        """Move forward (or back, with a negative delta) by ``delta``; returns the clock."""
        self._moment = self._moment + delta
        return self


class SequentialIds:
    """Ids 1, 2, 3, ... counted separately per kind ("company", "person", ...).

    ``start`` gives the last id already used per kind, e.g. after loading data:

    >>> ids = SequentialIds({"person": 41})
    >>> ids.next_id("person"), ids.next_id("selection")
    (42, 1)
    """

    def __init__(self, start: Mapping[str, int] | None = None) -> None:
        self._last: dict[str, int] = dict(start or {})

    def next_id(self, kind: str) -> int:
        """A fresh id for ``kind``, one more than the last one handed out."""
        value = self._last.get(kind, 0) + 1
        self._last[kind] = value
        return value

    def last(self, kind: str) -> int:
        """The last id handed out for ``kind`` (0 when none).

        >>> SequentialIds({"company": 5}).last("company")
        5
        """
        return self._last.get(kind, 0)

    def skip_past(self, kind: str, used: int) -> None:
        """Make sure ids of ``kind`` are handed out after ``used`` (an id already taken).

        >>> ids = SequentialIds()
        >>> ids.skip_past("company", 10)
        >>> ids.next_id("company")
        11
        """
        if used > self._last.get(kind, 0):
            self._last[kind] = used


class RecordingPublisher:
    """Keeps every published event in order, for tests and simple embedding.

    >>> from datetime import datetime, timezone
    >>> from leadcore.history import PersonMoved
    >>> from leadcore.model import PersonId
    >>> publisher = RecordingPublisher()
    >>> publisher.publish([PersonMoved(PersonId(1), None, None, datetime.now(timezone.utc))])
    >>> len(publisher.events), len(publisher.batches)
    (1, 1)
    """

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.batches: list[tuple[DomainEvent, ...]] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Record ``events`` (one batch per committed command)."""
        batch = tuple(events)
        self.batches.append(batch)
        self.events.extend(batch)

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self.events.clear()
        self.batches.clear()
