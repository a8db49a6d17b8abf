"""The SQL adapter's schema: the migrations build exactly ``metadata``, an upgrade keeps
every row, times round-trip in UTC, and bad targets are refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sql_fixtures import postgres_schemas
from sqlalchemy import Engine, insert, inspect, select

from leadcore.adapters.sql import SqlStore, make_engine, metadata, upgrade_schema
from leadcore.adapters.sql._engine import VERSION_TABLE, current_revision, head_revision
from leadcore.adapters.sql._schema import UtcDateTime, history, persons
from leadcore.criteria.build import condition
from leadcore.errors import ValidationError
from leadcore.model import AssociateId
from leadcore.queries import Query
from leadcore.service import LeadService

FIRST = "0001"
"""The first revision of leadcore's schema (0002 adds the casefold function on PostgreSQL)."""


def _diff(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return list(compare_metadata(context, metadata))


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of leadcore's tables that exist (an older revision lacks the newer ones)."""
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return {
            name: sorted(tuple(row) for row in connection.execute(select(table)))
            for name, table in metadata.tables.items()
            if name in present
        }


def _fill(engine: Engine) -> None:
    store = SqlStore(engine)
    service = LeadService(
        store.unit_of_work, clock=store.clock, ids=store.ids(), associate=AssociateId(1)
    )
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    ann = service.persons.add("Ann", "Ash", company_id=acme.id, email="ann@acme.example")
    service.persons.add("Bo", company_id=None)
    service.persons.set_lead_status(ann.id, lists.statuses.by_key("qualified").id)
    service.associates.add("Cy")
    with store.unit_of_work() as uow:
        uow.settings.set("columns", ["name", {"w": 3}])
        uow.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each kind (":memory:" would start at the newest
    schema already)."""
    if request.param == "sqlite":
        engine = make_engine(tmp_path / "empty.db")
        yield engine
        engine.dispose()
        return
    with postgres_schemas() as schemas:
        yield schemas.new_engine()


def test_the_migrations_build_exactly_the_metadata(fresh_engine: Engine) -> None:
    upgrade_schema(fresh_engine, head_revision())  # every migration, not the one-step create
    assert _diff(fresh_engine) == []
    assert current_revision(fresh_engine) == head_revision()


def test_an_empty_database_gets_the_newest_schema_at_once(fresh_engine: Engine) -> None:
    assert current_revision(fresh_engine) is None
    upgrade_schema(fresh_engine)
    assert _diff(fresh_engine) == []
    assert current_revision(fresh_engine) == head_revision()


def test_an_upgrade_from_the_first_revision_keeps_every_row(fresh_engine: Engine) -> None:
    upgrade_schema(fresh_engine, FIRST)
    assert current_revision(fresh_engine) == FIRST
    _fill(fresh_engine)
    before = _dump(fresh_engine)
    assert len(before["persons"]) == 2
    assert len(before["history"]) >= 2
    upgrade_schema(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    after = _dump(fresh_engine)
    assert {name: after[name] for name in before} == before
    assert after["deleted_persons"] == []  # revision 0003's table starts empty
    upgrade_schema(fresh_engine)  # up to date: nothing changes
    assert _dump(fresh_engine) == after
    with SqlStore(fresh_engine).unit_of_work() as uow:  # text criteria need revision 0002
        found = uow.persons.find(Query(condition("person.last_name", "contains", "ASH")))
        assert [p.first_name for p in found] == ["Ann"]


def test_times_are_stored_in_utc_and_come_back_aware(fresh_engine: Engine) -> None:
    upgrade_schema(fresh_engine)
    local = timezone(timedelta(hours=-5))
    at = datetime(2026, 3, 29, 23, 59, 59, 999_999, tzinfo=local)
    row = {"person_id": 1, "kind": "change", "at": at, "source": "user"}
    with fresh_engine.connect() as connection:
        connection.execute(insert(history), [row])
        back = connection.execute(select(history.c.at)).scalar_one()
        connection.rollback()
    assert back == at
    assert back.tzinfo == UTC
    assert back.hour == 4
    assert back.microsecond == 999_999


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 1), make_engine(":memory:").dialect)


@pytest.mark.parametrize(
    "target", ["mysql://user@host/db", "postgresql://user@host:notaport/db", "oracle://x"]
)
def test_unsupported_or_bad_targets_are_refused(target: str) -> None:
    with pytest.raises(ValidationError):
        make_engine(target)


def test_a_sqlite_path_and_url_open_the_same_file(tmp_path: Path) -> None:
    file = tmp_path / "crm.db"
    with LeadService.sqlite(file) as service:
        service.companies.add("Acme")
    for target in (str(file), f"sqlite:///{file}"):
        with LeadService.sql(target) as service:
            assert [c.name for c in service.companies.find()] == ["Acme"]
    assert "persons" in metadata.tables
    assert persons.c.company_id.foreign_keys
