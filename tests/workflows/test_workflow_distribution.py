"""Lead distribution (R11): fairness and determinism as properties, continuation from the
stored last assignment, distribution on import and on a bulk set-owner, and refusals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore import Availability, LeadService, NotFoundError, ValidationError
from leadcore.clock import FixedClock
from leadcore.errors import NoAvailableAssociates
from leadcore.importing import CompanyRow, PersonRow
from leadcore.model import AssociateId, PersonId
from leadcore.workflows import BulkScope, Distribute
from leadcore.workflows.distribution import round_robin

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
GROUPS = ("north", "south")


def team(s: LeadService, size: int) -> list[AssociateId]:
    """``size`` associates; the even ones in group north, every third one in south too."""
    ids = []
    for k in range(size):
        groups = frozenset({"north"} if k % 2 == 0 else set()) | (
            {"south"} if k % 3 == 0 else set()
        )
        ids.append(s.associates.add(f"A{k}", groups=groups).id)
    return ids


@st.composite
def runs(draw: st.DrawFn, size: int) -> list[tuple[dict[int, bool], Distribute, int]]:
    """A sequence of distributions: who is away, whom to distribute to, how many records."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        away = {k: draw(st.booleans()) and draw(st.booleans()) for k in range(size)}
        chosen = draw(st.lists(st.integers(0, size - 1), max_size=size, unique=True))
        groups = draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))
        if not chosen and not groups:
            chosen = [0]
        spec = Distribute(associates=tuple(k + 1 for k in chosen), groups=tuple(groups))
        out.append((away, spec, draw(st.integers(0, 12))))
    return out


def play(
    plan: list[tuple[dict[int, bool], Distribute, int]], size: int
) -> tuple[list[dict[AssociateId, int] | None], list[tuple[AssociateId, ...]], LeadService]:
    """Run ``plan`` on a fresh service; per run the counts handed to each pool member
    (None when the pool was empty and the run refused) and the pools."""
    s = LeadService.in_memory(clock=FixedClock(AT))
    ids = team(s, size)
    results: list[dict[AssociateId, int] | None] = []
    pools: list[tuple[AssociateId, ...]] = []
    for away, spec, count in plan:
        for k, is_away in away.items():
            s.associates.set_availability(
                ids[k], Availability.AWAY if is_away else Availability.NORMAL
            )
        persons = [s.persons.add(f"N{k}").id for k in range(count)]
        try:
            pool = s.distribution.pool(spec)
        except NoAvailableAssociates:
            with pytest.raises(NoAvailableAssociates):
                s.distribution.distribute(BulkScope.of_ids(persons=persons), spec)
            results.append(None)
            pools.append(())
            continue
        log = s.distribution.distribute(BulkScope.of_ids(persons=persons), spec)
        handed = Counter(AssociateId(c.after) for c in log.changed if c.after is not None)
        assert len(log.changed) == count
        assert set(handed) <= set(pool)
        results.append({a: handed.get(a, 0) for a in pool})
        pools.append(pool)
    return results, pools, s


@given(plan=runs(6))
def test_each_run_hands_the_available_associates_counts_that_differ_by_at_most_one(
    plan: list[tuple[dict[int, bool], Distribute, int]],
) -> None:
    results, pools, _ = play(plan, 6)
    totals: Counter[AssociateId] = Counter()
    for counts in results:
        if counts is None:
            continue
        assert max(counts.values()) - min(counts.values()) <= 1
        totals.update(counts)
    made = [set(pool) for pool in pools if pool]
    always = set.intersection(*made) if made else set()
    if always:  # those available in every run: at most one apart per run
        spread = max(totals[a] for a in always) - min(totals[a] for a in always)
        assert spread <= len(made)


@given(count=st.lists(st.integers(0, 9), min_size=1, max_size=6), size=st.integers(1, 5))
def test_with_the_same_pool_the_totals_differ_by_at_most_one_over_all_runs(
    count: list[int], size: int
) -> None:
    spec = Distribute(associates=tuple(range(1, size + 1)))
    plan: list[tuple[dict[int, bool], Distribute, int]] = [({}, spec, n) for n in count]
    results, _, _ = play(plan, size)
    totals: Counter[AssociateId] = Counter()
    for counts in results:
        assert counts is not None
        totals.update(counts)
    assert max(totals.values()) - min(totals.values()) <= 1


@given(plan=runs(5))
def test_the_same_input_and_state_give_the_same_owners(
    plan: list[tuple[dict[int, bool], Distribute, int]],
) -> None:
    first, _, one = play(plan, 5)
    second, _, other = play(plan, 5)
    assert first == second
    owners = [p.owner_id for p in one.persons.find()]
    assert owners == [p.owner_id for p in other.persons.find()]
    assert one.distribution.last_distributed_to() == other.distribution.last_distributed_to()


@given(
    pool=st.lists(st.integers(1, 30), min_size=1, max_size=6, unique=True).map(sorted),
    count=st.integers(0, 40),
    last=st.none() | st.integers(1, 30),
)
def test_round_robin_continues_after_the_last_and_cycles_the_pool(
    pool: list[int], count: int, last: int | None
) -> None:
    ids = tuple(AssociateId(a) for a in pool)
    owners = round_robin(count, ids, None if last is None else AssociateId(last))
    if owners:
        higher = [a for a in ids if last is None or a > last]
        assert owners[0] == (higher[0] if higher else ids[0])
    for k in range(len(owners) - 1):  # each next owner is the next one of the pool
        assert ids.index(owners[k + 1]) == (ids.index(owners[k]) + 1) % len(ids)


def test_the_next_distribution_continues_after_the_stored_last_even_after_a_reopen(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.json"
    with LeadService.in_memory(path=path, clock=FixedClock(AT)) as s:
        ids = team(s, 3)
        first = [s.persons.add(f"P{k}").id for k in range(2)]
        s.distribution.distribute(BulkScope.of_ids(persons=first), Distribute(associates=ids))
        assert s.distribution.last_distributed_to() == ids[1]
    with LeadService.in_memory(path=path, clock=FixedClock(AT)) as s:
        more = [s.persons.add(f"Q{k}").id for k in range(2)]
        log = s.distribution.distribute(BulkScope.of_ids(persons=more), Distribute(associates=ids))
        assert [c.after for c in log.changed] == [ids[2], ids[0]]


def test_groups_away_and_retired_associates() -> None:
    s = LeadService.in_memory(clock=FixedClock(AT))
    ids = team(s, 6)  # north: 1, 3, 5; south: 1, 4
    s.associates.set_availability(ids[2], Availability.BUSY)
    s.associates.retire(ids[3])
    assert s.distribution.pool(Distribute(groups=("north", "south"))) == (ids[0], ids[4])
    with pytest.raises(NotFoundError):
        s.distribution.pool(Distribute(groups=("west",)))
    with pytest.raises(NotFoundError):
        s.distribution.pool(Distribute(associates=(99,)))
    with pytest.raises(NoAvailableAssociates):
        s.distribution.pool(Distribute(associates=(ids[2], ids[3])))
    with pytest.raises(ValidationError):
        Distribute()
    with pytest.raises(ValidationError):
        Distribute(associates=(0,))


def test_distribution_on_import_hands_out_only_the_records_without_an_owner() -> None:
    s = LeadService.in_memory(clock=FixedClock(AT))
    ann, bo, cy = team(s, 3)
    lead = s.lists().categories.by_name("Lead").id
    report = s.import_records(
        [CompanyRow("a", "Acme", category_id=lead), CompanyRow("b", "Bolt", owner_id=cy)],
        [PersonRow("P1", company_key="a"), PersonRow("P2", owner_id=cy), PersonRow("P3")],
        distribute=Distribute(associates=(ann, bo)),
    )
    companies = s.companies.get_many([c for c in report.companies if c is not None])
    persons = s.persons.get_many([p for p in report.persons if p is not None])
    assert [c.owner_id for c in companies] == [ann, cy]
    assert [p.owner_id for p in persons] == [bo, cy, ann]
    assert s.distribution.last_distributed_to() == ann
    assert s.persons.lead_status_view(persons[0].id).label == "Open"


def test_an_import_with_no_available_associate_imports_nothing() -> None:
    s = LeadService.in_memory(clock=FixedClock(AT))
    ann = s.associates.add("Ann", availability=Availability.AWAY).id
    with pytest.raises(NoAvailableAssociates):
        s.import_records([], [PersonRow("P1")], distribute=Distribute(associates=(ann,)))
    assert s.persons.count() == 0


def test_a_bulk_set_owner_by_distribution_over_a_selection() -> None:
    s = LeadService.in_memory(clock=FixedClock(AT))
    ids = team(s, 2)
    persons = [s.persons.add(f"P{k}").id for k in range(4)]
    selection = s.selections.create_static("new", persons=persons[:3])
    log = s.distribution.distribute(
        BulkScope.of_selection(selection.id), Distribute(associates=ids)
    )
    assert [(c.record.id, c.after) for c in log.changed] == [
        (persons[0], ids[0]),
        (persons[1], ids[1]),
        (persons[2], ids[0]),
    ]
    assert s.persons.get(PersonId(persons[3])).owner_id is None
