"""The status history: append order, per person, and the time-range read
(:class:`HistoryContract`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import ALWAYS
from leadcore.criteria.build import condition
from leadcore.history import HistoryEntry
from leadcore.model import AssociateId, PersonId
from leadcore.testing.contract._records import _STATUS_IDS, _entry, _entry_at, _person, _query
from leadcore.testing.contract.base import AT, AdapterBase

__all__ = ["HistoryContract"]


class HistoryContract(AdapterBase):
    """The status history is append-only and kept in order."""

    def test_append_order_and_per_person(self) -> None:
        factory = self.factory()
        with factory() as uow:
            uow.history.append([_entry(1, 1), _entry(2, 1)])
            uow.history.append([_entry(1, 2, reason="called")])
            assert [e.to_status for e in uow.history.for_person(PersonId(1))] == [1, 2]
            uow.commit()
        with factory() as uow:
            uow.history.append([_entry(1, 3)])
            assert [e.to_status for e in uow.history.for_person(PersonId(1))] == [1, 2, 3]
            uow.commit()
        with factory() as uow:
            assert [(e.person_id, e.to_status) for e in uow.history] == [
                (1, 1),
                (2, 1),
                (1, 2),
                (1, 3),
            ]
            assert uow.history.for_person(PersonId(1))[1].reason == "called"
            assert uow.history.for_person(PersonId(9)) == []

    def test_between_reads_a_time_range_of_the_matching_persons_per_person(self) -> None:
        factory = self.seeded(persons=[_person(1, owner_id=AssociateId(1)), _person(2), _person(3)])
        hour = timedelta(hours=1)
        with factory() as uow:
            uow.history.append([_entry(1, 1), _entry(2, 1)])
            uow.history.append([_entry_at(3, 2, AT - hour), _entry_at(1, 2, AT + 2 * hour)])
            uow.history.append([_entry_at(1, 3, AT + hour), _entry_at(9, 1, AT)])
            uow.commit()

        def statuses(
            found: Mapping[PersonId, Sequence[HistoryEntry]],
        ) -> dict[int, list[int | None]]:
            assert all(found.values()), "a person without entries in the range is left out"
            assert all(e.person_id == p for p, es in found.items() for e in es)
            return {p: [e.to_status for e in es] for p, es in found.items()}

        with factory() as uow:
            uow.history.append([_entry_at(2, 4, AT + 3 * hour)])  # the unit's own, uncommitted
            every = uow.history.between(None, None)
            assert statuses(every) == {1: [1, 3, 2], 2: [1, 4], 3: [2], 9: [1]}
            ranged = uow.history.between(AT, AT + 2 * hour)
            assert statuses(ranged) == {1: [1, 3], 2: [1], 9: [1]}
            mine = uow.history.between(None, None, _query(condition("person.owner", "in", 1)))
            assert statuses(mine) == {1: [1, 3, 2]}
            stored = uow.history.between(AT, None, _query(ALWAYS))  # person 9 does not exist
            assert statuses(stored) == {1: [1, 3, 2], 2: [1, 4]}
            assert uow.history.between(AT + 9 * hour, None) == {}
            assert statuses(uow.history.between(None, AT + hour)) == {
                1: [1],
                2: [1],
                3: [2],
                9: [1],
            }

    @given(data=st.data())
    @settings(max_examples=25)
    def test_between_agrees_with_filtering_every_entry(self, data: st.DataObject) -> None:
        moments = [AT + timedelta(hours=h) for h in range(4)]
        entry = st.tuples(st.integers(1, 4), st.sampled_from(_STATUS_IDS), st.sampled_from(moments))
        committed = [_entry_at(*t) for t in data.draw(st.lists(entry, max_size=10))]
        own = [_entry_at(*t) for t in data.draw(st.lists(entry, max_size=4))]
        start = data.draw(st.none() | st.sampled_from(moments))
        end = data.draw(st.none() | st.sampled_from(moments))
        owners = data.draw(st.none() | st.lists(st.sampled_from((1, 2)), max_size=2))
        factory = self.seeded(
            persons=[_person(n, owner_id=AssociateId(1 + n % 2)) for n in (1, 2, 3)]
        )
        with factory() as uow:
            uow.history.append(committed)
            uow.commit()
        persons = None if owners is None else _query(condition("person.owner", "in", *owners))
        wanted = {1, 2, 3, 4} if owners is None else {n for n in (1, 2, 3) if 1 + n % 2 in owners}
        expected: dict[int, list[HistoryEntry]] = {}
        for e in sorted(committed + own, key=lambda e: e.at):  # stable: append order on ties
            in_range = (start is None or e.at >= start) and (end is None or e.at < end)
            if e.person_id in wanted and in_range:
                expected.setdefault(e.person_id, []).append(e)
        with factory() as uow:
            uow.history.append(own)
            assert uow.history.between(start, end, persons) == expected
