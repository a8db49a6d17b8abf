"""Times over hypothesis' whole datetime range (issue 23).

The model refuses, where a time enters, exactly the aware datetimes whose UTC time no
``datetime`` holds (``0001-01-01T00:00+01:00`` is the year 0 in UTC): the SQL adapter
stores times in UTC and raised a raw ``OverflowError`` from inside SQLAlchemy for them.
Every other time, years 1 and 9999 and offsets that cross a day included, is stored by
the in-memory store (and its file), SQLite and PostgreSQL, and reads back as the same
instant.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sql_fixtures import postgres_schemas

from leadcore import LeadService
from leadcore._checks import MAX_MOMENT, MIN_MOMENT
from leadcore.adapters.memory import InMemoryStore
from leadcore.adapters.sql import SqlStore
from leadcore.clock import FixedClock
from leadcore.errors import CsvReadError, ValidationError
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.importing import read_csv
from leadcore.lists import Lists, new_database
from leadcore.model import LeadStatusId, Person, PersonId
from leadcore.ports import UnitOfWork

_ZONES = st.one_of(
    st.just(UTC),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))),
    st.timezones(),
)
_ANY_TIME = st.one_of(
    st.datetimes(timezones=_ZONES),  # hypothesis' full range, unfiltered
    st.datetimes(max_value=datetime(1, 1, 2), timezones=_ZONES),
    st.datetimes(min_value=datetime(9999, 12, 30), timezones=_ZONES),
)
_IDS = itertools.count(1)


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest) -> Iterator[Callable[[], UnitOfWork]]:
    lists = Lists(*new_database())
    if request.param == "memory":
        yield InMemoryStore(lists).unit_of_work
        return
    if request.param == "sqlite":
        store = SqlStore.open(":memory:", lists=lists)
        yield store.unit_of_work
        store.close()
        return
    with postgres_schemas() as schemas:
        store = SqlStore.open(schemas.new_engine(), lists=lists)
        yield store.unit_of_work
        store.close()


def _utc_is_a_datetime(at: datetime) -> bool:
    return MIN_MOMENT <= at <= MAX_MOMENT


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(at=_ANY_TIME)
def test_a_time_is_refused_where_it_enters_or_stored_and_read_back(
    factory: Callable[[], UnitOfWork], at: datetime
) -> None:
    person_id = PersonId(next(_IDS))
    if not _utc_is_a_datetime(at):
        with pytest.raises(ValidationError, match="in UTC") as refused:
            Person(person_id, None, "A", "B", at, at, status_changed=at)
        assert refused.value.context["field"] == "registered"
        with pytest.raises(ValidationError, match="in UTC"):
            HistoryEntry(person_id, HistoryKind.CHANGE, None, LeadStatusId(1), at)
        return
    person = Person(person_id, None, "A", "B", at, at, status_changed=at)
    entry = HistoryEntry(person_id, HistoryKind.CHANGE, None, LeadStatusId(1), at)
    with factory() as uow:
        uow.persons.add(person)
        uow.history.append([entry])
        uow.commit()
    with factory() as uow:
        back = uow.persons.get(person_id)
        [entry_back] = uow.history.for_person(person_id)
    instant = at.astimezone(UTC)  # == is False across zones for an ambiguous local time
    assert back.status_changed is not None
    for value in (back.registered, back.updated, back.status_changed, entry_back.at):
        assert value.astimezone(UTC) == instant


_EDGES = (
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, 23, 59, tzinfo=timezone(timedelta(hours=23, minutes=59))),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=-14))),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=14))),
    datetime(9999, 12, 31, 0, 0, tzinfo=timezone(timedelta(hours=-23, minutes=-59))),
)


def test_the_calendars_edges_survive_the_file_store(tmp_path: Path) -> None:
    lists = Lists(*new_database())
    persons = [
        Person(PersonId(n), None, "A", "B", at, at, status_changed=at)
        for n, at in enumerate(_EDGES, start=1)
    ]
    with (
        InMemoryStore.open(tmp_path / "crm.json", lists=lists) as store,
        store.unit_of_work() as uow,
    ):
        for person in persons:
            uow.persons.add(person)
        uow.commit()
    with (
        InMemoryStore.open(tmp_path / "crm.json", read_only=True) as store,
        store.unit_of_work() as uow,
    ):
        assert [uow.persons.get(p.id).registered for p in persons] == list(_EDGES)


def test_a_csv_time_beyond_utc_is_refused_with_its_line_and_the_edges_import_into_sql() -> None:
    """The path that raised OverflowError: a CSV row through import_records into SQLite."""
    cats, statuses = new_database()
    beyond = b"first_name,registered\nAnn,2025-01-01T00:00:00Z\nBo,0001-01-01T00:00:00+01:00\n"
    with pytest.raises(CsvReadError, match=r"registered .* in UTC") as refused:
        read_csv(cats, statuses, persons=io.BytesIO(beyond))
    assert refused.value.line == 3
    edges = b"first_name,registered\nAnn,0001-01-01T00:00:00Z\nBo,9999-12-31T23:00:00+14:00\n"
    rows = read_csv(cats, statuses, persons=io.BytesIO(edges))
    last_moment = FixedClock(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    with LeadService.sql(":memory:", clock=last_moment) as service:
        report = service.import_records(rows.companies, rows.persons)
        assert report.refused == ()
        times = [service.persons.get(p).registered for p in report.persons if p is not None]
    assert times == [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 9, tzinfo=UTC)]


def test_edge_times_read_back_whatever_the_postgresql_servers_time_zone() -> None:
    with postgres_schemas() as schemas:
        _, url = schemas.new_url()
        store = SqlStore.open(url + "%20-cTimeZone%3DPacific/Kiritimati", lists=None)
        try:
            at = datetime(9999, 12, 31, 23, tzinfo=UTC)
            with store.unit_of_work() as uow:
                uow.persons.add(Person(PersonId(1), None, "A", "B", at, at))
                uow.commit()
            with store.unit_of_work() as uow:
                assert uow.persons.get(PersonId(1)).registered == at
        finally:
            store.close()
