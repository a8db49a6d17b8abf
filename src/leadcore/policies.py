"""Pluggable policies of the rules engine: transitions (R8) and reveal (R5).

The default is permissive, as in SuperOffice: any active status may follow any
other. Stricter policies are opt-in and refuse with :class:`TransitionRefused`
naming the policy.

>>> from leadcore.lists import default_statuses
>>> statuses = default_statuses()
>>> open_, disq = statuses.by_key("open"), statuses.by_key("disqualified")
>>> ReasonRequired().check(open_, disq, None)
Traceback (most recent call last):
...
leadcore.errors.TransitionRefused: [reason-required] moving to 'Disqualified' needs a reason: ...
>>> ReasonRequired().check(open_, disq, "Student, no budget")
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Protocol

import attrs

from leadcore.errors import TransitionRefused
from leadcore.model import LeadStatus

__all__ = [
    "AllOf",
    "ForwardOnly",
    "LeadPolicy",
    "Permissive",
    "ReasonRequired",
    "RevealPolicy",
    "TransitionPolicy",
    "TransitionTable",
]


class TransitionPolicy(Protocol):
    """Decides whether a user may move a lead from ``current`` to ``new``."""

    def check(self, current: LeadStatus | None, new: LeadStatus, reason: str | None) -> None:
        """Return to allow; raise :class:`TransitionRefused` to refuse."""


@attrs.frozen
class Permissive:
    """Any status may follow any other (the default, as in SuperOffice).

    >>> from leadcore.lists import default_statuses
    >>> s = default_statuses()
    >>> Permissive().check(s.by_key("renurture"), s.by_key("open"), None)
    """

    def check(self, current: LeadStatus | None, new: LeadStatus, reason: str | None) -> None:
        """Allow everything."""


@attrs.frozen
class TransitionTable:
    """Only the listed moves, by status key: ``{"open": {"contacting", ...}, ...}``.

    A key missing from the table allows no move out of it. A first status chosen
    at creation is judged as a move from "no status": ``first`` lists the keys a
    new lead may be given (none by default; a person created without a status
    still gets the default status, which no policy judges).

    >>> from leadcore.lists import default_statuses
    >>> s = default_statuses()
    >>> table = TransitionTable({"open": frozenset({"contacting"})})
    >>> table.check(s.by_key("open"), s.by_key("contacting"), None)
    >>> table.check(s.by_key("open"), s.by_key("qualified"), None)
    Traceback (most recent call last):
    ...
    leadcore.errors.TransitionRefused: [transition-table] moving from 'Open' to 'Qualified' ...
    >>> table.check(None, s.by_key("qualified"), None)
    Traceback (most recent call last):
    ...
    leadcore.errors.TransitionRefused: [transition-table] a new lead cannot start at ...
    >>> TransitionTable({}, first=frozenset({"qualified"})).check(None, s.by_key("qualified"), None)
    """

    allowed: Mapping[str, frozenset[str]]
    first: frozenset[str] = frozenset()

    def check(self, current: LeadStatus | None, new: LeadStatus, reason: str | None) -> None:
        """Refuse moves the table does not list, a first status included."""
        if current is None:
            if new.key not in self.first:
                raise TransitionRefused(
                    "transition-table",
                    f"a new lead cannot start at {new.name!r}",
                    why="the transition table allows as a first status only: "
                    f"{sorted(self.first) or 'nothing'}",
                    fix="Create the person without status_id (it starts at the default "
                    "status) and move it from there, or list the status in the table's first=",
                    to_status=new.id,
                )
            return
        targets = self.allowed.get(current.key, frozenset())
        if new.key not in targets:
            raise TransitionRefused(
                "transition-table",
                f"moving from {current.name!r} to {new.name!r} is not allowed",
                why=f"the transition table allows from {current.name!r} only: "
                f"{sorted(targets) or 'nothing'}",
                fix="Pick one of the allowed statuses, or ask an admin to extend the table",
                from_status=current.id,
                to_status=new.id,
            )


@attrs.frozen
class ReasonRequired:
    """Moving into one of ``keys`` (Disqualified by default) needs a non-empty reason.

    >>> ReasonRequired().keys
    frozenset({'disqualified'})
    """

    keys: frozenset[str] = frozenset({"disqualified"})

    def check(self, current: LeadStatus | None, new: LeadStatus, reason: str | None) -> None:
        """Refuse a move into a listed status without a reason."""
        if new.key in self.keys and not (reason and reason.strip()):
            raise TransitionRefused(
                "reason-required",
                f"moving to {new.name!r} needs a reason",
                why="this installation records why leads reach this status",
                fix="Pass reason='...' with the change",
                to_status=new.id,
            )


@attrs.frozen
class ForwardOnly:
    """A lead may only move to a status of higher rank.

    >>> from leadcore.lists import default_statuses
    >>> s = default_statuses()
    >>> ForwardOnly().check(s.by_key("qualified"), s.by_key("open"), None)
    Traceback (most recent call last):
    ...
    leadcore.errors.TransitionRefused: [forward-only] moving from 'Qualified' back to 'Open' ...
    """

    def check(self, current: LeadStatus | None, new: LeadStatus, reason: str | None) -> None:
        """Refuse moves to a status of equal or lower rank."""
        if current is not None and new.rank <= current.rank:
            raise TransitionRefused(
                "forward-only",
                f"moving from {current.name!r} back to {new.name!r} is not allowed",
                why="this installation only lets leads move forward in rank order",
                fix="Pick a status ranked after the current one",
                from_status=current.id,
                to_status=new.id,
            )


@attrs.frozen
class AllOf:
    """Every policy must allow the move; the first refusal is raised.

    >>> from leadcore.lists import default_statuses
    >>> s = default_statuses()
    >>> AllOf((ForwardOnly(), ReasonRequired())).check(s.by_key("open"),
    ...                                                 s.by_key("disqualified"), None)
    Traceback (most recent call last):
    ...
    leadcore.errors.TransitionRefused: [reason-required] moving to 'Disqualified' needs ...
    """

    policies: tuple[TransitionPolicy, ...]

    def check(self, current: LeadStatus | None, new: LeadStatus, reason: str | None) -> None:
        """Ask each policy in turn."""
        for policy in self.policies:
            policy.check(current, new, reason)


class RevealPolicy(enum.Enum):
    """What a person's status becomes when it turns visible again (R5)."""

    START_OPEN = "start-open"
    """The default status (Open); the value held before stays in the history."""
    RESTORE_PREVIOUS = "restore-previous"
    """Opt-in: the kept value comes back, unless it is missing or deleted."""


@attrs.frozen
class LeadPolicy:
    """The policies one installation runs the rules with.

    >>> LeadPolicy().reveal is RevealPolicy.START_OPEN
    True
    """

    transitions: TransitionPolicy = Permissive()
    reveal: RevealPolicy = RevealPolicy.START_OPEN
