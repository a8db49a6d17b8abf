"""The import behind :meth:`leadcore.service.LeadService.import_records`: many
companies and persons through the rules in one unit of work.

Not public API. The rows and the report are in :mod:`leadcore.importing`;
docs/import.md describes the whole import. Imported records are handed to
owners (R11) through the ``distribution`` resource the import is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from leadcore import _collector, rules
from leadcore.errors import ImportStopped, LeadcoreError, ValidationError
from leadcore.history import HistoryEntry
from leadcore.importing.rows import (
    CompanyRow,
    ImportReport,
    OnError,
    PersonRow,
    RefusedRow,
    plan_person,
)
from leadcore.lists import Lists
from leadcore.model import Company, CompanyId, PersonId
from leadcore.ports import UnitOfWork
from leadcore.service._context import Context
from leadcore.service._records import copy_utm_to_company
from leadcore.workflows.distribution import Distribute

if TYPE_CHECKING:
    from leadcore.service.distribution import Distribution

__all__ = ["Imports"]


class Imports:
    """Bulk import of companies and persons through the rules."""

    __slots__ = ("_context", "_distribution")

    def __init__(self, context: Context, distribution: Distribution) -> None:
        self._context = context
        self._distribution = distribution

    def run(
        self,
        companies: Iterable[CompanyRow],
        persons: Iterable[PersonRow],
        on_error: OnError,
        distribute: Distribute | None,
    ) -> ImportReport:
        """Import companies, then persons (see ``LeadService.import_records``)."""
        if on_error not in ("collect", "stop"):
            raise ValidationError(
                f"unknown on_error {on_error!r}",
                why="an import either collects refused rows or stops at the first",
                fix="Pass on_error='collect' or on_error='stop'",
            )
        company_rows = list(companies)
        person_rows = list(persons)
        if any(row.history for row in person_rows):
            self._context.require_lead_status("importing earlier lead-status changes")
        now = self._context.clock.now()
        with _collector.collector_paused():
            return self._import(company_rows, person_rows, on_error, now, distribute)

    def _import(
        self,
        company_rows: list[CompanyRow],
        person_rows: list[PersonRow],
        on_error: OnError,
        now: datetime,
        distribute: Distribute | None = None,
    ) -> ImportReport:
        refused: list[RefusedRow] = []

        def refuse(kind: Literal["company", "person"], index: int, error: LeadcoreError) -> None:
            row = RefusedRow(kind, index, error)
            if on_error == "stop":
                raise ImportStopped(row) from error
            refused.append(row)

        with self._context.command() as command:
            uow = command.uow
            lists = self._context.lists(uow)
            by_key: dict[str, Company] = {}
            key_rows: dict[str, int] = {}
            company_ids: list[CompanyId | None] = []
            for index, crow in enumerate(company_rows):
                try:
                    self._context.check_owner(uow, crow.owner_id)
                    new_company = self._import_company(crow, key_rows, index, lists, now)
                except LeadcoreError as error:
                    refuse("company", index, error)
                    company_ids.append(None)
                    continue
                key_rows[crow.key] = index
                by_key[crow.key] = uow.companies.add(new_company)
                company_ids.append(new_company.id)
            person_ids: list[PersonId | None] = []
            history: list[HistoryEntry] = []
            for index, prow in enumerate(person_rows):
                try:
                    self._context.check_owner(uow, prow.owner_id)
                    company = self._company_for(uow, prow, by_key)
                    outcome = plan_person(
                        prow,
                        PersonId(self._context.ids.next_id("person")),
                        company,
                        lists,
                        now,
                        self._context.associate,
                    )
                except LeadcoreError as error:
                    refuse("person", index, error)
                    person_ids.append(None)
                    continue
                person = uow.persons.add(outcome.persons[0])
                history.extend(outcome.history)
                command.events.extend(outcome.events)
                person_ids.append(person.id)
                changed = copy_utm_to_company(uow, company, person, now)
                if changed is not None and prow.company_key is not None:
                    by_key[prow.company_key] = changed
            if history:
                uow.history.append(history)
            if distribute is not None:
                self._distribute(uow, company_ids, person_ids, distribute, now)
        return ImportReport(tuple(company_ids), tuple(person_ids), tuple(refused))

    def _import_company(
        self,
        row: CompanyRow,
        key_rows: dict[str, int],
        index: int,
        lists: Lists,
        now: datetime,
    ) -> Company:
        if row.key in key_rows:
            raise ValidationError(
                f"company key {row.key!r} is used by rows {key_rows[row.key]} and {index}",
                why="person rows name their company by its key, so keys are unique in a batch",
                fix="Give each company row its own key",
                entity="company row",
                field="key",
            )
        registered = now if row.registered is None else row.registered
        if registered > now:
            raise ValidationError(
                f"company row {row.key!r} registered at {registered.isoformat()}, "
                "after the import time",
                why="a record cannot have been registered in the future",
                fix="Correct the registration time, or leave it empty for the import time",
                entity="company row",
                field="registered",
            )
        company = Company(
            CompanyId(self._context.ids.next_id("company")),
            row.name,
            row.category_id,
            registered=registered,
            updated=now,
            owner_id=row.owner_id,
            source_utm=row.source_utm,
        )
        return rules.create_company(company, lists.categories).companies[0]

    @staticmethod
    def _company_for(uow: UnitOfWork, row: PersonRow, by_key: dict[str, Company]) -> Company | None:
        if row.company_key is not None:
            found = by_key.get(row.company_key)
            if found is None:
                raise ValidationError(
                    f"the person row names company key {row.company_key!r}",
                    why="no company row of this import has that key, or its row was refused",
                    fix="Add a company row with that key, or correct the key",
                    entity="person row",
                    field="company_key",
                )
            return found
        if row.company_id is not None:
            return uow.companies.get(row.company_id)
        return None

    def _distribute(
        self,
        uow: UnitOfWork,
        company_ids: list[CompanyId | None],
        person_ids: list[PersonId | None],
        to: Distribute,
        now: datetime,
    ) -> None:
        """R11 on import: the new records without owner, companies then persons by id."""
        companies = [
            c for c in uow.companies.get_many(i for i in company_ids if i) if not c.owner_id
        ]
        persons = [p for p in uow.persons.get_many(i for i in person_ids if i) if not p.owner_id]
        self._distribution.assign_new(uow, sorted(companies, key=lambda c: c.id), to, now)
        self._distribution.assign_new(uow, sorted(persons, key=lambda p: p.id), to, now)
