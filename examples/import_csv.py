"""Importing contacts from CSV files through the rules, in one unit of work.

Reads ``examples/contacts/companies.csv``, ``persons.csv`` and ``status_history.csv``
(the column layout is in docs/import.md) with :func:`leadcore.importing.read_csv`,
imports them with :meth:`leadcore.LeadService.import_records` collecting refused rows,
and shows what came in: the refused row by its line, each person's status and
history with the original times, and a replay check.

Run it with ``.venv/bin/python examples/import_csv.py``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from leadcore.clock import FixedClock
from leadcore.history import replay
from leadcore.importing import read_csv
from leadcore.model import AssociateId
from leadcore.service import LeadService

FILES = Path(__file__).resolve().parent / "contacts"


def main() -> int:
    clock = FixedClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    service = LeadService.in_memory(clock=clock, associate=AssociateId(1))
    for name in ("Sam Sales", "Mia Marketing"):  # the owners the files name: associates 1 and 2
        service.associates.add(name)
    lists = service.lists()
    rows = read_csv(
        lists.categories,
        lists.statuses,
        companies=FILES / "companies.csv",
        persons=FILES / "persons.csv",
        history=FILES / "status_history.csv",
    )
    print(f"read {len(rows.companies)} companies and {len(rows.persons)} persons")
    report = service.import_records(rows.companies, rows.persons, on_error="collect")
    print(f"imported {report.imported_companies} companies, {report.imported_persons} persons")
    for refused in report.refused:
        lines = rows.company_lines if refused.kind == "company" else rows.person_lines
        print(f"refused: {refused.kind} row at line {lines[refused.index]}: {refused.error.what}")
    print()
    for person_id in report.persons:
        if person_id is None:
            continue
        person = service.persons.get(person_id)
        view = service.persons.lead_status_view(person_id)
        shown = "hidden, kept" if not view.visible else "visible"
        print(
            f"{person.full_name} (registered {person.registered:%Y-%m-%d}): {view.label} ({shown})"
        )
        for entry in service.persons.history(person_id):
            to = "-" if entry.to_status is None else lists.statuses.get(entry.to_status).name
            why = f" ({entry.reason})" if entry.reason else ""
            when = f"{entry.at:%Y-%m-%d %H:%M}"
            print(f"    {when} {entry.kind.value} -> {to} [{entry.source.value}]{why}")
    acme_id = report.companies[0]
    assert acme_id is not None
    acme = service.companies.get(acme_id)
    print()
    print(f"Acme's source UTM stays its own: {acme.source_utm}")
    history = [e for p in report.persons if p is not None for e in service.persons.history(p)]
    stored = {p: service.persons.get(p).lead_status_id for p in report.persons if p is not None}
    replayed = replay(history)
    agrees = all(replayed.get(p) == s for p, s in stored.items())
    print(f"replaying the history gives every stored status: {agrees}")
    return 0 if agrees else 1


if __name__ == "__main__":
    sys.exit(main())
