"""LeadService.import_records: rows through the rules in one unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.errors import (
    DeletedItemError,
    FeatureNotLicensed,
    ImportStopped,
    InheritedCategoryError,
    NotFoundError,
    ValidationError,
)
from leadcore.history import HistoryEntry, HistoryKind, StatusSource, replay
from leadcore.importing import CompanyRow, PersonRow, StatusChange
from leadcore.licence import Licence
from leadcore.model import AssociateId, CategoryId, CompanyId, LeadStatusId, Utm
from leadcore.service import LeadService

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EARLIER = datetime(2025, 5, 1, 8, 30, tzinfo=UTC)


def service(**kwargs: object) -> LeadService:
    from leadcore.clock import FixedClock

    return LeadService.in_memory(clock=FixedClock(NOW), **kwargs)  # type: ignore[arg-type]


def ids(svc: LeadService) -> tuple[CategoryId, CategoryId, dict[str, LeadStatusId]]:
    lists = svc.lists()
    statuses = {s.key: s.id for s in lists.statuses}
    return (
        lists.categories.by_name("Lead").id,
        lists.categories.by_name("Customer").id,
        statuses,
    )


def all_history(svc: LeadService) -> list[HistoryEntry]:
    with svc.context.uow() as uow:
        return list(uow.history)


def counts(svc: LeadService) -> tuple[int, int, int]:
    return svc.companies.count(), svc.persons.count(), len(list(all_history(svc)))


def test_rows_keep_their_registration_time_and_new_leads_start_open() -> None:
    svc = service()
    lead, _, st_ = ids(svc)
    report = svc.import_records(
        [CompanyRow("acme", "Acme", category_id=lead, registered=EARLIER)],
        [PersonRow("Ann", "Ash", company_key="acme", registered=EARLIER), PersonRow("Bo")],
    )
    assert report.refused == ()
    company = svc.companies.get(report.companies[0])  # type: ignore[arg-type]
    ann = svc.persons.get(report.persons[0])  # type: ignore[arg-type]
    bo = svc.persons.get(report.persons[1])  # type: ignore[arg-type]
    assert (company.registered, company.updated) == (EARLIER, NOW)
    assert (ann.registered, ann.company_id, ann.lead_status_id) == (
        EARLIER,
        company.id,
        st_["open"],
    )
    [entry] = svc.persons.history(ann.id)
    assert (entry.at, entry.source, entry.from_status) == (EARLIER, StatusSource.DEFAULT, None)
    assert (bo.registered, bo.lead_status_id, svc.persons.history(bo.id)) == (NOW, None, [])


def test_earlier_changes_become_import_entries_with_their_own_times() -> None:
    svc = service()
    lead, _, st_ = ids(svc)
    changes = (
        StatusChange(st_["open"], EARLIER),
        StatusChange(st_["contacting"], EARLIER + timedelta(days=3)),
        StatusChange(st_["disqualified"], EARLIER + timedelta(days=9), reason="No budget"),
    )
    report = svc.import_records(
        [CompanyRow("acme", "Acme", category_id=lead)],
        [PersonRow("Ann", company_key="acme", registered=EARLIER, history=changes)],
    )
    person_id = report.persons[0]
    assert person_id is not None
    entries = svc.persons.history(person_id)
    assert [(e.from_status, e.to_status, e.at, e.reason) for e in entries] == [
        (None, st_["open"], EARLIER, None),
        (st_["open"], st_["contacting"], EARLIER + timedelta(days=3), None),
        (st_["contacting"], st_["disqualified"], EARLIER + timedelta(days=9), "No budget"),
    ]
    assert {e.source for e in entries} == {StatusSource.IMPORT}
    assert svc.persons.get(person_id).lead_status_id == st_["disqualified"]


def test_a_hidden_person_keeps_its_imported_status_and_a_hide_entry_says_so() -> None:
    svc = service()
    _, customer, st_ = ids(svc)
    report = svc.import_records(
        [CompanyRow("globex", "Globex", category_id=customer)],
        [
            PersonRow(
                "Cy",
                company_key="globex",
                registered=EARLIER,
                history=(StatusChange(st_["qualified"], EARLIER),),
            )
        ],
    )
    person_id = report.persons[0]
    assert person_id is not None
    entries = svc.persons.history(person_id)
    assert [(e.kind, e.to_status, e.at) for e in entries] == [
        (HistoryKind.CHANGE, st_["qualified"], EARLIER),
        (HistoryKind.HIDE, st_["qualified"], NOW),
    ]
    view = svc.persons.lead_status_view(person_id)
    assert (view.status_id, view.visible, view.editable) == (st_["qualified"], False, False)


def test_collect_reports_each_refused_row_and_imports_the_rest() -> None:
    svc = service()
    lead, _, _ = ids(svc)
    report = svc.import_records(
        [
            CompanyRow("acme", "Acme", category_id=lead),
            CompanyRow("acme", "Acme again"),
            CompanyRow("gone", "Gone", category_id=CategoryId(999)),
        ],
        [
            PersonRow("Ann", company_key="acme"),
            PersonRow("Bo", company_key="acme", category_id=lead),
            PersonRow("Cy", company_key="gone"),
            PersonRow("Di", company_id=CompanyId(404)),
            PersonRow("Ed", company_key="acme", registered=NOW + timedelta(days=1)),
        ],
    )
    assert report.companies[0] is not None
    assert report.companies[1:] == (None, None)
    assert report.persons[0] is not None
    assert report.persons[1:] == (None,) * 4
    refusals = {(r.kind, r.index): r.error for r in report.refused}
    assert list(refusals) == [("company", 1), ("company", 2), *[("person", n) for n in range(1, 5)]]
    assert "used by rows 0 and 1" in str(refusals["company", 1])
    assert isinstance(refusals["company", 2], NotFoundError)
    assert isinstance(refusals["person", 1], InheritedCategoryError)
    assert "company key 'gone'" in refusals["person", 2].what
    assert isinstance(refusals["person", 3], NotFoundError)
    assert "after the import time" in str(refusals["person", 4])
    assert (report.imported_companies, report.imported_persons) == (1, 1)
    assert counts(svc) == (1, 1, 1)


def test_stop_imports_nothing_and_names_the_row() -> None:
    svc = service()
    lead, _, _ = ids(svc)
    with pytest.raises(ImportStopped, match="person row 1") as info:
        svc.import_records(
            [CompanyRow("acme", "Acme", category_id=lead)],
            [PersonRow("Ann", company_key="acme"), PersonRow("Bo", company_key="nope")],
            on_error="stop",
        )
    assert (info.value.row.kind, info.value.row.index) == ("person", 1)
    assert isinstance(info.value.row.error, ValidationError)
    assert counts(svc) == (0, 0, 0)
    assert svc.import_records([CompanyRow("acme", "Acme")], on_error="stop").refused == ()


@pytest.mark.parametrize(
    ("history", "error", "text"),
    [
        ("out of order", ValidationError, "in time order"),
        ("before registered", ValidationError, "not before the person was registered"),
        ("after the import", ValidationError, "not after the import"),
        ("unknown status", NotFoundError, "unknown lead status id 99"),
        ("deleted last", DeletedItemError, "is deleted"),
    ],
)
def test_bad_earlier_changes_are_refused(history: str, error: type[Exception], text: str) -> None:
    svc = service()
    lead, _, st_ = ids(svc)
    svc.statuses.delete(st_["renurture"])
    at = EARLIER + timedelta(days=1)
    changes = {
        "out of order": (StatusChange(st_["contacting"], at), StatusChange(st_["open"], EARLIER)),
        "before registered": (StatusChange(st_["open"], EARLIER - timedelta(days=1)),),
        "after the import": (StatusChange(st_["open"], NOW + timedelta(seconds=1)),),
        "unknown status": (StatusChange(LeadStatusId(99), at),),
        "deleted last": (StatusChange(st_["open"], at), StatusChange(st_["renurture"], at)),
    }[history]
    row = PersonRow("Ann", category_id=lead, registered=EARLIER, history=changes)
    [refused] = svc.import_records(persons=[row]).refused
    assert isinstance(refused.error, error)
    assert text in refused.reason
    assert counts(svc) == (0, 0, 0)


def test_a_deleted_status_earlier_in_the_history_is_kept() -> None:
    svc = service()
    lead, _, st_ = ids(svc)
    svc.statuses.delete(st_["renurture"])
    changes = (StatusChange(st_["renurture"], EARLIER), StatusChange(st_["open"], EARLIER))
    report = svc.import_records(
        persons=[PersonRow("Ann", category_id=lead, registered=EARLIER, history=changes)]
    )
    assert report.refused == ()
    assert report.persons[0] is not None
    assert svc.persons.get(report.persons[0]).lead_status_id == st_["open"]


def test_importing_history_needs_the_lead_status_feature() -> None:
    svc = service(licence=Licence.of())
    lead, _, st_ = ids(svc)
    row = PersonRow("Ann", category_id=lead, history=(StatusChange(st_["open"], EARLIER),))
    with pytest.raises(FeatureNotLicensed):
        svc.import_records(persons=[row])
    assert svc.import_records(persons=[PersonRow("Ann")]).imported_persons == 1


def test_a_persons_utm_reaches_its_company_as_add_person_does() -> None:
    svc = service()
    lead, _, _ = ids(svc)
    report = svc.import_records(
        [CompanyRow("acme", "Acme", category_id=lead)],
        [
            PersonRow("Ann", company_key="acme", first_touch_utm=Utm(source="google")),
            PersonRow("Bo", company_key="acme", first_touch_utm=Utm(source="fair")),
        ],
    )
    assert report.refused == ()
    company = svc.companies.get(report.companies[0])  # type: ignore[arg-type]
    assert (company.first_touch_utm, company.source_utm) == (Utm(source="google"), None)


def test_persons_may_join_a_stored_company_and_an_unknown_on_error_is_refused() -> None:
    svc = service()
    acme = svc.companies.add("Acme")
    report = svc.import_records(persons=[PersonRow("Ann", company_id=acme.id)])
    assert svc.persons.get(report.persons[0]).company_id == acme.id  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="on_error must be"):
        svc.import_records(on_error="skip")  # type: ignore[arg-type]


def test_the_import_survives_saving_and_reopening(tmp_path: object) -> None:
    from pathlib import Path

    from leadcore.clock import FixedClock

    path = Path(str(tmp_path)) / "crm.json"
    with LeadService.in_memory(path=path, clock=FixedClock(NOW)) as svc:
        lead, _, st_ = ids(svc)
        changes = (StatusChange(st_["contacting"], EARLIER),)
        svc.import_records(
            [CompanyRow("acme", "Acme", category_id=lead, registered=EARLIER)],
            [PersonRow("Ann", company_key="acme", registered=EARLIER, history=changes)],
        )
        before = (svc.persons.find(), list(all_history(svc)))
    with LeadService.in_memory(path=path, clock=FixedClock(NOW)) as svc:
        assert (svc.persons.find(), list(all_history(svc))) == before


# --- the property: an import followed by a history replay gives the stored statuses ----------

CATEGORY_NAMES = ["Lead", "Marketing qualified lead", "Customer", "Opportunity", None]
STATUS_KEYS = ["open", "contacting", "qualified", "disqualified", "renurture"]


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[tuple[str | None]], list[tuple[object, ...]]]:
    companies = draw(st.lists(st.sampled_from(CATEGORY_NAMES), max_size=4))
    persons = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, 5)),  # company row (5 may not exist)
                st.sampled_from(CATEGORY_NAMES),  # own category when without company
                st.lists(st.tuples(st.sampled_from(STATUS_KEYS), st.integers(0, 400)), max_size=4),
            ),
            max_size=8,
        )
    )
    return [(c,) for c in companies], list(persons)


@given(batches())
def test_an_import_then_a_history_replay_gives_the_stored_statuses(
    batch: tuple[list[tuple[str | None]], list[tuple[object, ...]]],
) -> None:
    svc = service()
    lists = svc.lists()

    def category(name: object) -> CategoryId | None:
        return None if name is None else lists.categories.by_name(str(name)).id

    company_rows = [
        CompanyRow(f"c{n}", f"Company {n}", category_id=category(name))
        for n, (name,) in enumerate(batch[0])
    ]
    person_rows = []
    for company, own, changes in batch[1]:
        minutes = sorted(m for _, m in changes)  # type: ignore[attr-defined]
        history = tuple(
            StatusChange(lists.statuses.by_key(key).id, EARLIER + timedelta(minutes=m))
            for (key, _), m in zip(changes, minutes, strict=True)  # type: ignore[call-overload]
        )
        person_rows.append(
            PersonRow(
                "P",
                company_key=None if company is None else f"c{company}",
                category_id=category(own) if company is None else None,
                registered=EARLIER,
                history=history,
            )
        )
    report = svc.import_records(company_rows, person_rows)
    imported = [p for p in report.persons if p is not None]
    stored = {pid: svc.persons.get(pid).lead_status_id for pid in imported}
    entries = all_history(svc)
    replayed = replay(entries)
    assert {pid: replayed.get(pid) for pid in stored} == stored
    assert len(imported) + len(report.refused) == len(person_rows)
    for pid in imported:  # status_changed is the time of the history's latest entry
        times = [e.at for e in entries if e.person_id == pid]
        assert svc.persons.get(pid).status_changed == (max(times) if times else None)


def test_a_person_without_registration_time_was_registered_at_its_first_change() -> None:
    svc = service()
    lead, _, st_ = ids(svc)
    row = PersonRow("Ann", category_id=lead, history=(StatusChange(st_["open"], EARLIER),))
    report = svc.import_records(persons=[row])
    assert svc.persons.get(report.persons[0]).registered == EARLIER  # type: ignore[arg-type]


def test_the_collector_is_paused_only_during_the_import() -> None:
    import gc

    svc = service()
    seen: list[bool] = []

    rows = [PersonRow("Ann"), PersonRow("", company_key="nope")]
    original = svc.context.ids.next_id

    def watch(kind: str) -> int:
        seen.append(gc.isenabled())
        return original(kind)

    object.__setattr__(svc.context, "ids", type("Ids", (), {"next_id": staticmethod(watch)})())
    assert gc.isenabled()
    svc.import_records(persons=rows)
    with pytest.raises(ImportStopped):
        svc.import_records(persons=rows, on_error="stop")
    assert len(seen) == 2
    assert not any(seen)
    assert gc.isenabled()
    gc.disable()
    try:
        svc.import_records(persons=rows[:1])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_owner_must_be_a_known_active_associate() -> None:
    from leadcore.errors import InactiveOwnerError
    from leadcore.importing import CompanyRow, PersonRow
    from leadcore.service import LeadService

    service = LeadService.in_memory()
    known = service.associates.add("Ann").id
    report = service.import_records(
        [CompanyRow("a", "Acme", owner_id=known), CompanyRow("b", "Bolt", owner_id=AssociateId(9))],
        [PersonRow("Bo", owner_id=AssociateId(9)), PersonRow("Cy", owner_id=known)],
    )
    assert [(r.kind, r.index, type(r.error)) for r in report.refused] == [
        ("company", 1, InactiveOwnerError),
        ("person", 0, InactiveOwnerError),
    ]
    assert (report.imported_companies, report.imported_persons) == (1, 1)
