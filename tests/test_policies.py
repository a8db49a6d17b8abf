"""Transition policies (R8): permissive by default, stricter ones opt-in and loud."""

from __future__ import annotations

import attrs
import pytest

from leadcore.errors import RuleViolation, TransitionRefused
from leadcore.lists import default_statuses
from leadcore.model import LeadStatus
from leadcore.policies import (
    AllOf,
    ForwardOnly,
    LeadPolicy,
    Permissive,
    ReasonRequired,
    RevealPolicy,
    TransitionTable,
)

STATUSES = default_statuses()
KEYS = [s.key for s in STATUSES]


def status(key: str) -> LeadStatus:
    return STATUSES.by_key(key)


def test_default_policy_is_permissive_and_starts_open() -> None:
    policy = LeadPolicy()
    assert policy.transitions == Permissive()
    assert policy.reveal is RevealPolicy.START_OPEN


@pytest.mark.parametrize("current", [None, *KEYS])
@pytest.mark.parametrize("new", KEYS)
def test_permissive_allows_every_move(current: str | None, new: str) -> None:
    before = None if current is None else status(current)
    Permissive().check(before, status(new), None)


TABLE = TransitionTable(
    {
        "open": frozenset({"contacting", "disqualified"}),
        "contacting": frozenset({"qualified", "disqualified", "renurture"}),
        "renurture": frozenset({"contacting"}),
    }
)


def test_table_allows_listed_moves_and_only_listed_first_statuses() -> None:
    TABLE.check(status("open"), status("contacting"), None)
    TABLE.check(status("renurture"), status("contacting"), None)
    with pytest.raises(TransitionRefused, match="a new lead cannot start at 'Qualified'"):
        TABLE.check(None, status("qualified"), None)
    attrs.evolve(TABLE, first=frozenset({"qualified"})).check(None, status("qualified"), None)


def test_table_refuses_unlisted_moves_naming_the_rule() -> None:
    with pytest.raises(
        TransitionRefused, match=r"^\[transition-table\] moving from 'Open' to "
    ) as info:
        TABLE.check(status("open"), status("qualified"), None)
    err = info.value
    assert isinstance(err, RuleViolation)
    assert err.rule == "transition-table"
    assert err.context["from_status"] == status("open").id
    assert err.context["to_status"] == status("qualified").id
    assert "['contacting', 'disqualified']" in str(err)
    assert "ask an admin to extend the table" in str(err)


def test_table_without_entry_allows_nothing_out_of_that_status() -> None:
    with pytest.raises(TransitionRefused, match="only: nothing"):
        TABLE.check(status("qualified"), status("open"), None)


def test_reason_required_for_disqualified_only_by_default() -> None:
    policy = ReasonRequired()
    policy.check(status("open"), status("contacting"), None)
    policy.check(status("open"), status("disqualified"), "No budget")
    for blank in (None, "", "   "):
        with pytest.raises(TransitionRefused, match=r"\[reason-required\].*Pass reason="):
            policy.check(status("open"), status("disqualified"), blank)


def test_reason_required_for_chosen_statuses() -> None:
    policy = ReasonRequired(frozenset({"qualified", "renurture"}))
    policy.check(status("open"), status("disqualified"), None)
    with pytest.raises(TransitionRefused) as info:
        policy.check(None, status("renurture"), None)
    assert info.value.rule == "reason-required"


def test_forward_only_refuses_equal_or_lower_rank() -> None:
    policy = ForwardOnly()
    policy.check(None, status("open"), None)
    policy.check(status("open"), status("qualified"), None)
    with pytest.raises(TransitionRefused, match=r"\[forward-only\] moving from 'Qualified' back"):
        policy.check(status("qualified"), status("contacting"), None)
    with pytest.raises(TransitionRefused, match="forward-only"):
        policy.check(status("open"), status("open"), None)


def test_all_of_needs_every_policy_and_raises_the_first_refusal() -> None:
    policy = AllOf((ForwardOnly(), ReasonRequired()))
    policy.check(status("open"), status("disqualified"), "Competitor")
    with pytest.raises(TransitionRefused) as info:
        policy.check(status("open"), status("disqualified"), None)
    assert info.value.rule == "reason-required"
    with pytest.raises(TransitionRefused) as info:
        policy.check(status("renurture"), status("disqualified"), None)
    assert info.value.rule == "forward-only"
    AllOf(()).check(status("renurture"), status("open"), None)
