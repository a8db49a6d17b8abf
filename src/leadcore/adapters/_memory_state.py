"""The committed state of an in-memory store and its indexes (private; see
:mod:`leadcore.adapters.memory`).

:class:`MemoryState` holds every committed record, the bitset indexes over the
persons (:mod:`._memory_index`), the members of each company and the history
per person. A unit of work changes none of it: it keeps its changes in a
:class:`Pending` overlay, which :meth:`MemoryState.apply` applies once its
versions were checked (:meth:`MemoryState.check_versions`). Everything here is
read and changed under :attr:`MemoryState.lock`; the durable file
(:mod:`._memory_durable`) journals a change before it is applied here.

Persons live in *slots*: ``slot_person[slot]`` is the person, ``slot_of[id]``
its slot; a deleted person's slot stays as a tombstone (out of every index and
member list), so slots never move.
"""

from __future__ import annotations

import copy
import itertools
import operator
from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from leadcore.adapters import _memory_file
from leadcore.adapters._memory_file import Change
from leadcore.adapters._memory_index import IndexChange, PersonIndexes, bits_of, iter_bits
from leadcore.adapters._state_lock import StateLock
from leadcore.adapters._versions import ABSENT, check_bases
from leadcore.errors import (
    CompanyHasPersons,
    ConflictError,
    LeadcoreError,
    NotFoundError,
    ValidationError,
)
from leadcore.history import HistoryEntry
from leadcore.lists import Lists, new_database
from leadcore.model import (
    Associate,
    AssociateId,
    Company,
    CompanyId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.selections import Selection

__all__ = ["IndexMismatch", "MemoryState", "Pending"]

_ID = operator.attrgetter("id")


class IndexMismatch(LeadcoreError):
    """The incremental indexes differ from indexes rebuilt from the data (a defect)."""


@attrs.define
class Pending:
    """The overlay of one unit of work: what it changed, not yet in the store."""

    companies: dict[CompanyId, Company] = attrs.Factory(dict)
    company_base: dict[CompanyId, int] = attrs.Factory(dict)
    persons: dict[PersonId, Person] = attrs.Factory(dict)
    person_base: dict[PersonId, int] = attrs.Factory(dict)
    lists: Lists | None = None
    lists_base: int = 0
    selections: dict[SelectionId, Selection | None] = attrs.Factory(dict)
    """Changed selections; ``None`` marks a deleted one."""
    selection_base: dict[SelectionId, int] = attrs.Factory(dict)
    history: list[HistoryEntry] = attrs.Factory(list)
    settings: dict[str, object] = attrs.Factory(dict)
    associates: dict[AssociateId, Associate] = attrs.Factory(dict)
    associate_base: dict[AssociateId, int] = attrs.Factory(dict)
    deleted_persons: dict[PersonId, None] = attrs.Factory(dict)
    """Persons this unit deleted, in the order it deleted them (absent from ``persons``)."""
    deleted_companies: dict[CompanyId, None] = attrs.Factory(dict)
    """Companies this unit deleted (absent from ``companies``)."""

    def is_empty(self) -> bool:
        """True when the unit changed nothing."""
        return not (
            self.companies
            or self.persons
            or self.lists is not None
            or self.selections
            or self.history
            or self.settings
            or self.associates
            or self.deleted_persons
            or self.deleted_companies
        )


class MemoryState:
    """The committed records of a store, their indexes, and the lock that guards them.

    ``lists`` are the category and lead-status lists to start with (a new
    database's lists by default).
    """

    def __init__(self, lists: Lists | None = None) -> None:
        if lists is None:
            categories, statuses = new_database()
            lists = Lists(categories, statuses)
        self.lists = lists if lists.version > 0 else attrs.evolve(lists, version=1)
        self.lock = StateLock()
        """Held shared to read anything here (a unit of work, per repository call),
        exclusive to change it (a commit, a bulk load) or copy it whole (a snapshot)."""
        self.companies: dict[CompanyId, Company] = {}
        self.members: dict[CompanyId, list[int]] = {}
        """The slots of each company's persons."""
        self.slot_person: list[Person] = []
        self.slot_of: dict[PersonId, int] = {}
        self.id_ordered = True
        """True while slot order is id order: id-ordered finds and pages then read the
        bitsets in slot order and sort nothing."""
        self.selections: dict[SelectionId, Selection] = {}
        self.history: list[HistoryEntry] = []
        self.history_of: dict[PersonId, list[HistoryEntry]] = {}
        self.history_unordered: set[PersonId] = set()
        """Persons whose entries were appended out of time order (a clock set back, an
        import of older changes): ``HistoryRepository.between`` sorts only their entries."""
        self.history_span: tuple[datetime, datetime] | None = None
        """The earliest and the latest ``at`` of the history (``None`` while it is empty)."""
        self.settings: dict[str, object] = {}
        self.associates: dict[AssociateId, Associate] = {}
        self.deleted_max: dict[str, int] = {}
        """The highest deleted id of each kind, so that :meth:`max_id` never hands one out again."""
        self.deleted_persons: set[PersonId] = set()
        """The ids of every deleted person (``PersonRepository.was_deleted``)."""
        self.indexes = PersonIndexes()
        self.generation = 0
        """Counts the changes of the committed state (commits and bulk loads): the journal's seq."""

    def load_snapshot(self, snapshot: _memory_file.Snapshot) -> None:
        """Take the records of ``snapshot`` (into a new state; indexes built once)."""
        self.import_records(snapshot.companies, snapshot.persons, snapshot.history)
        self.selections = {s.id: s for s in snapshot.selections}
        self.associates = {a.id: a for a in snapshot.associates}
        self.deleted_max = dict(snapshot.deleted_max)
        self.deleted_persons = set(snapshot.deleted_persons)
        self.settings = snapshot.settings
        self.generation = snapshot.seq

    def max_id(self, kind: str) -> int:
        """The highest id of ``kind`` ever stored, deleted ones included; 0 if none
        (see ``InMemoryStore.max_id``)."""
        with self.lock:
            stored: Iterable[int]
            if kind == "company":
                stored = self.companies
            elif kind == "person":
                stored = self.slot_of
            elif kind == "selection":
                stored = self.selections
            elif kind == "associate":
                stored = self.associates
            else:
                raise ValidationError(
                    f"unknown id kind {kind!r}",
                    fix="Use 'company', 'person', 'selection' or 'associate'",
                    kind=kind,
                )
            return max(max(stored, default=0), self.deleted_max.get(kind, 0))

    def check_import(self, new_companies: list[Company], new_persons: list[Person]) -> None:
        """Refuse an import of taken or repeated ids, or of persons of unknown companies."""
        company_ids: set[CompanyId] = set()
        for company in new_companies:
            if company.id in self.companies or company.id in company_ids:
                raise ConflictError("company", company.id, ABSENT, 1)
            company_ids.add(company.id)
        ids = [p.id for p in new_persons]
        unique = set(ids)
        if len(unique) != len(ids) or not unique.isdisjoint(self.slot_of):
            seen: set[PersonId] = set()
            for person_id in ids:
                if person_id in seen or person_id in self.slot_of:
                    raise ConflictError("person", person_id, ABSENT, 1)
                seen.add(person_id)
        referenced = {p.company_id for p in new_persons}
        referenced.discard(None)
        unknown = referenced - company_ids - self.companies.keys()
        if unknown:
            raise NotFoundError("company", min(c for c in unknown if c is not None))

    def import_records(
        self,
        new_companies: list[Company],
        new_persons: list[Person],
        entries: list[HistoryEntry],
    ) -> None:
        """Store checked new records, building their index entries in one pass."""
        with self.lock:
            for company in new_companies:
                self.companies[company.id] = company
                self.members[company.id] = []
            start = len(self.slot_person)
            if self.id_ordered and new_persons:
                ids = [p.id for p in new_persons]
                last = self.slot_person[-1].id if self.slot_person else 0
                self.id_ordered = last < ids[0] and all(map(operator.lt, ids, ids[1:]))
            self.slot_person.extend(new_persons)
            self.slot_of.update(zip((p.id for p in new_persons), itertools.count(start)))
            members = self.members
            for slot, person in enumerate(new_persons, start):
                if person.company_id is not None:
                    members[person.company_id].append(slot)
            self._append_history(entries)
            self.indexes.add_bulk(start, [(p, self._company_of(p)) for p in new_persons])
            self.generation += 1

    def replay(self, change: Change) -> None:
        """Apply a commit read back from the journal (as it was applied when made)."""
        if change.bulk:
            self.check_import(change.companies, change.persons)
            self.import_records(change.companies, change.persons, change.history)
        else:
            pending = Pending(
                companies={c.id: c for c in change.companies},
                persons={p.id: p for p in change.persons},
                lists=change.lists,
                history=change.history,
                settings=change.settings,
                associates={a.id: a for a in change.associates},
                deleted_persons=dict.fromkeys(change.deleted_persons),
                deleted_companies=dict.fromkeys(change.deleted_companies),
            )
            pending.selections.update((s.id, s) for s in change.selections)
            pending.selections.update((k, None) for k in change.deleted_selections)
            self._check_deleted_companies(pending)
            self.apply(pending)
        self.generation = change.seq

    def apply(self, pending: Pending) -> None:
        """Apply a checked overlay to the committed state and its indexes."""
        with self.lock:
            before = self.rows_touched_by(pending)
            for company in pending.companies.values():
                self.members.setdefault(company.id, [])
                self.companies[company.id] = company
            changes: list[IndexChange] = []
            for slot, row in before.items():
                old = row[0]
                person = pending.persons.get(old.id, old)
                self.slot_person[slot] = person
                if old.company_id != person.company_id:
                    if old.company_id is not None:
                        self.members[old.company_id].remove(slot)
                    if person.company_id is not None:
                        self.members[person.company_id].append(slot)
                changes.append((slot, row, (person, self._company_of(person))))
            for person in pending.persons.values():
                if person.id not in self.slot_of:
                    slot = len(self.slot_person)
                    if slot and self.slot_person[-1].id > person.id:
                        self.id_ordered = False
                    self.slot_person.append(person)
                    self.slot_of[person.id] = slot
                    if person.company_id is not None:
                        self.members[person.company_id].append(slot)
                    changes.append((slot, None, (person, self._company_of(person))))
            self.indexes.apply(changes)
            self._delete_persons(pending.deleted_persons)
            for company_id in pending.deleted_companies:
                self.companies.pop(company_id, None)
                self.members.pop(company_id, None)
                self._note_deleted("company", company_id)
            if pending.lists is not None:
                self.lists = pending.lists
            for selection_id, selection in pending.selections.items():
                if selection is None:
                    self.selections.pop(selection_id, None)
                    self._note_deleted("selection", selection_id)
                else:
                    self.selections[selection_id] = selection
            self.associates.update(pending.associates)
            self._append_history(pending.history)
            self.settings.update(pending.settings)
            self.generation += 1

    def _delete_persons(self, person_ids: Iterable[PersonId]) -> None:
        """Make the slots of deleted persons tombstones: out of every index and member list."""
        removed: list[tuple[int, tuple[Person, Company | None]]] = []
        left: dict[CompanyId, set[int]] = {}
        for person_id in person_ids:
            self._note_deleted("person", person_id)
            self.deleted_persons.add(person_id)
            slot = self.slot_of.pop(person_id, None)
            if slot is None:  # added and deleted by the same unit
                continue
            person = self.slot_person[slot]
            if person.company_id is not None:
                left.setdefault(person.company_id, set()).add(slot)
            removed.append((slot, (person, self._company_of(person))))
        for company_id, slots in left.items():  # one pass per company, not one per person
            members = self.members[company_id]
            members[:] = [slot for slot in members if slot not in slots]
        self.indexes.remove(removed)

    def _note_deleted(self, kind: str, record_id: int) -> None:
        if record_id > self.deleted_max.get(kind, 0):
            self.deleted_max[kind] = record_id

    def rows_touched_by(self, pending: Pending) -> dict[int, tuple[Person, Company | None]]:
        """Committed rows whose index keys a commit may change, by slot.

        The changed persons, and every member of a company whose category or
        owner changed (the only company fields the person indexes key on): a
        rename or a UTM copy does not re-key a company's 10,000 persons.
        """
        rows: dict[int, tuple[Person, Company | None]] = {}
        for company_id, company in pending.companies.items():
            committed = self.companies.get(company_id)
            if committed is not None and (committed.category_id, committed.owner_id) == (
                company.category_id,
                company.owner_id,
            ):
                continue
            for slot in self.members.get(company_id, ()):
                person = self.slot_person[slot]
                rows[slot] = (person, self._company_of(person))
        for person_id in pending.persons:
            slot_or_none = self.slot_of.get(person_id)
            if slot_or_none is not None and slot_or_none not in rows:
                person = self.slot_person[slot_or_none]
                rows[slot_or_none] = (person, self._company_of(person))
        return rows

    def check_versions(self, pending: Pending) -> None:
        """Refuse ``pending`` (:class:`ConflictError`) when a record it changed was committed
        by another unit since it was read, or a company it deletes would keep persons."""
        check_bases("company", pending.company_base, self.companies.get)
        check_bases("person", pending.person_base, self.person)
        if pending.lists is not None and self.lists.version != pending.lists_base:
            raise ConflictError("lists", "lists", pending.lists_base, self.lists.version)
        check_bases("selection", pending.selection_base, self.selections.get)
        check_bases("associate", pending.associate_base, self.associates.get)
        self._check_deleted_companies(pending)

    def _check_deleted_companies(self, pending: Pending) -> None:
        """Refuse deleting a company that would keep persons once ``pending`` is applied."""
        for company_id in pending.deleted_companies:
            left = [
                slot
                for slot in self.members.get(company_id, ())
                if (person := self.slot_person[slot]).id not in pending.deleted_persons
                and pending.persons.get(person.id, person).company_id == company_id
            ]
            if left:
                raise CompanyHasPersons(company_id, len(left))

    def verify_indexes(self) -> None:
        """Rebuild every index from the data and compare; :class:`IndexMismatch` if different."""
        with self.lock:
            live = self._live_slots()
            rebuilt = PersonIndexes()
            rebuilt.size = len(self.slot_person)
            rebuilt.dead = ((1 << rebuilt.size) - 1) & ~bits_of(sorted(live))
            rebuilt.apply(
                (slot, None, (p, self._company_of(p)))
                for slot, p in enumerate(self.slot_person)
                if slot in live
            )
            differences = self.indexes.differences(rebuilt)
            if len(live) != len(self.slot_of):
                differences.append("slots of persons")
            members: dict[CompanyId, list[int]] = {c: [] for c in self.companies}
            for slot, person in enumerate(self.slot_person):
                if slot not in live:
                    continue
                if person.company_id is not None:
                    members[person.company_id].append(slot)
            if {c: sorted(s) for c, s in self.members.items()} != members:
                differences.append("company members")
            ids = [p.id for p in self.slot_person]
            if self.id_ordered and any(map(operator.ge, ids, ids[1:])):
                differences.append("slots marked in id order are not")
            history: dict[PersonId, list[HistoryEntry]] = {}
            for entry in self.history:
                history.setdefault(entry.person_id, []).append(entry)
            if history != self.history_of:
                differences.append("history per person")
            if differences:
                raise IndexMismatch(
                    "the in-memory indexes do not match the data",
                    why=f"these differ from a rebuild: {', '.join(differences)}",
                    fix="Report this as a leadcore defect with the operations that led here",
                    differences=differences,
                )

    # --- committed reads (callers hold the lock) -------------------------------------------

    def _company_of(self, person: Person) -> Company | None:
        return None if person.company_id is None else self.companies[person.company_id]

    def _live_slots(self) -> set[int]:
        """The slots of stored persons (a deleted person's slot is a tombstone)."""
        slot_person = self.slot_person
        return {
            slot for person_id, slot in self.slot_of.items() if slot_person[slot].id == person_id
        }

    def _live_persons(self) -> list[Person]:
        """The stored persons, by slot (a plain copy while nothing was deleted: it runs
        under the store lock when a compaction takes its snapshot)."""
        if not self.indexes.dead:
            return list(self.slot_person)
        return [self.slot_person[slot] for slot in iter_bits(self.indexes.all)]

    def person(self, person_id: PersonId) -> Person | None:
        """The committed person ``person_id``, or ``None``."""
        slot = self.slot_of.get(person_id)
        return None if slot is None else self.slot_person[slot]

    def _append_history(self, entries: Sequence[HistoryEntry]) -> None:
        self.history.extend(entries)
        of = self.history_of
        added: dict[PersonId, list[HistoryEntry]] = {}
        for entry in entries:
            mine = added.get(entry.person_id)
            if mine is None:
                added[entry.person_id] = [entry]
            else:
                if mine[-1].at > entry.at:
                    self.history_unordered.add(entry.person_id)
                mine.append(entry)
        for person_id, new in added.items():
            found = of.get(person_id)
            if found is None:
                of[person_id] = new
            else:
                if found[-1].at > new[0].at:
                    self.history_unordered.add(person_id)
                # a new list, not an append: readers may hold the old one (``between``
                # hands the lists out, and reads run beside commits)
                of[person_id] = found + new
        if entries:
            moments = [e.at for e in entries]
            low, high = min(moments), max(moments)
            if self.history_span is not None:
                low, high = min(low, self.history_span[0]), max(high, self.history_span[1])
            self.history_span = (low, high)

    def snapshot(self, lineage: bytes) -> _memory_file.Snapshot:
        """The committed state as a snapshot (records are immutable: containers are copied)."""
        with self.lock:
            return _memory_file.Snapshot(
                lists=self.lists,
                companies=sorted(self.companies.values(), key=_ID),
                persons=self._live_persons(),
                history=list(self.history),
                selections=[self.selections[k] for k in sorted(self.selections)],
                settings=copy.deepcopy(self.settings),
                associates=[self.associates[k] for k in sorted(self.associates)],
                deleted_max=dict(self.deleted_max),
                deleted_persons=sorted(self.deleted_persons),
                seq=self.generation,
                lineage=lineage,
            )
