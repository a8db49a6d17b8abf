"""Embedding leadcore in an application: one object that owns a LeadService over a file.

A small "lead desk" as a web or desktop application would hold it: it opens the
service over a journaled file (``LeadService.in_memory(path=...)``, which holds the
file's lock), offers the few operations the application needs in its own words, acts
for the user of each request with ``acting_as``, and closes the service when the
application stops, so the lock is released and the file is complete. Reopening the
same file finds everything again.

Run it with ``.venv/bin/python examples/embed_in_app.py``.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from leadcore.clock import FixedClock
from leadcore.criteria.build import condition
from leadcore.model import AssociateId, PersonId
from leadcore.service import LeadService

SALES = AssociateId(1)
MARKETING = AssociateId(2)
USERS = {SALES: "Sam Sales", MARKETING: "Mia Marketing"}


class LeadDesk:
    """The application's own object: it owns the service and says what the app can do."""

    def __init__(self, path: Path, clock: FixedClock) -> None:
        self._service = LeadService.in_memory(path=path, clock=clock)
        if not self._service.associates.all(include_retired=True):  # a new file: its users
            for user, name in sorted(USERS.items()):
                assert self._service.associates.add(name).id == user

    def __enter__(self) -> LeadDesk:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file (its lock, the journal); the app calls it once at shutdown."""
        self._service.close()

    def new_lead(self, user: AssociateId, company: str, first: str, last: str) -> PersonId:
        """A web form's "new lead": a company in category Lead and its first person."""
        service = self._service.acting_as(user)
        lead = service.lists().categories.by_name("Lead").id
        created = service.companies.add(company, category_id=lead, owner_id=user)
        return service.persons.add(first, last, company_id=created.id, owner_id=user).id

    def advance(self, user: AssociateId, person: PersonId, status_key: str) -> str:
        """Move a lead to the status with ``status_key``; returns its new label."""
        service = self._service.acting_as(user)
        service.persons.set_lead_status(person, service.lists().statuses.by_key(status_key).id)
        return service.persons.lead_status_view(person).label or ""

    def column_counts(self) -> dict[str, int]:
        """How many persons hold each lead status (a board's column headers)."""
        statuses = self._service.lists().statuses
        return {
            status.name: self._service.persons.count(
                condition("person.lead_status", "in", status.id)
            )
            for status in statuses.active()
        }

    def history_by(self, person: PersonId) -> list[tuple[str, int | None]]:
        """Who did what to a lead: (kind, associate) per history entry."""
        return [(e.kind.value, e.by) for e in self._service.persons.history(person)]


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "leads.json"
    clock = FixedClock(datetime(2026, 6, 11, 9, 0, tzinfo=UTC))
    with LeadDesk(path, clock) as desk:
        ann = desk.new_lead(MARKETING, "Acme", "Ann", "Ash")
        bob = desk.new_lead(MARKETING, "Bolt", "Bob", "Birch")
        print(f"Ann is now {desk.advance(SALES, ann, 'contacting')}")
        print(f"Bob is now {desk.advance(SALES, bob, 'qualified')}")
        print(f"columns: {desk.column_counts()}")
    print(f"closed; the file is complete: {path.stat().st_size > 0}")
    with LeadDesk(path, clock) as desk:
        print(f"reopened, columns: {desk.column_counts()}")
        print(f"Ann's history (kind, by): {desk.history_by(ann)}")


if __name__ == "__main__":
    main()
