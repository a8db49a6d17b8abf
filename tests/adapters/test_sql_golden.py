"""Golden SQL: the statements of representative criteria, per dialect, pinned in files.

A change to the compiler that changes the SQL shows up as a diff of
``tests/adapters/sql/golden/<name>.<dialect>.sql``. After checking the diff,
regenerate with ``LEADCORE_REGENERATE_GOLDEN=1 pytest tests/adapters/test_sql_golden.py``.
Every user value is a bound parameter: the files list the parameters apart
from the SQL, and no value ever appears in the SQL text itself.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Dialect
from sqlalchemy.dialects import postgresql, sqlite

from leadcore.adapters.sql._query import (
    count_companies_by,
    count_persons,
    count_persons_by,
    select_companies,
    select_persons,
)
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment
from leadcore.criteria.fields import Entity
from leadcore.lists import new_database
from leadcore.model import AssociateId
from leadcore.queries import Order, Page, Query

GOLDEN = Path(__file__).parent / "sql" / "golden"
REGENERATE = os.environ.get("LEADCORE_REGENERATE_GOLDEN") == "1"
_NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
_ENV = Environment(new_database()[0], _NOW, current_associate=AssociateId(3))
_BENCH = (
    condition("person.lead_status", "in", 1, 2)
    & condition("company.category_group", "not_in", 1)
    & condition("person.owner", "current_associate")
)
_COMPANY = Entity.COMPANY


def _statements() -> dict[str, Any]:
    return {
        "benchmark_criterion_count": count_persons(Query(_BENCH), _ENV),
        "benchmark_criterion_page": select_persons(
            Query(_BENCH, (Order("person.last_name"),), Page(100, 50)), _ENV
        ),
        "not_in_includes_missing": select_persons(
            Query(condition("person.owner", "not_in", 1, 2)), _ENV
        ),
        "text_operators": select_persons(
            Query(
                condition("person.first_name", "begins", "An%n_a\\")
                | condition("person.email", "not_contains", "O'Brien")
                | condition("company.name", "ends", "A/S")
                | condition("person.last_name", "equals", "Straße")
            ),
            _ENV,
        ),
        "dates_relative_and_fixed": count_persons(
            Query(
                condition("person.registered", "this", "quarter")
                & condition("person.status_changed", "older_than", 30, "day")
                & condition(
                    "company.registered", "date_between", date(2026, 1, 1), date(2026, 6, 30)
                )
            ),
            _ENV,
        ),
        "numbers_flags_presence": count_persons(
            Query(
                condition("person.id", "between", 2.5, 10)
                & condition("person.retired", "is_false")
                & condition("person.has_company", "is_true")
                & condition("person.category_group", "set")
                & condition("person.first_touch.source", "not_set")
            ),
            _ENV,
        ),
        "order_by_lists_descending": select_persons(
            Query(
                order=(
                    Order("person.lead_status", descending=True),
                    Order("person.category"),
                    Order("company.category_group"),
                )
            ),
            _ENV,
        ),
        "count_by_visible_status": count_persons_by(
            Query(condition("person.retired", "is_false")), _ENV, "person.lead_status", True
        ),
        "count_by_category_group": count_persons_by(
            Query(condition("company.owner", "not_current_associate")),
            _ENV,
            "person.category_group",
        ),
        "company_search": select_companies(
            Query(
                condition("company.category", "in", 3, 4, entity=_COMPANY)
                & ~condition("company.name", "contains", "%test%", entity=_COMPANY),
                (Order("company.name", descending=True),),
                Page(0, 25),
            ),
            _ENV,
        ),
        "company_count_by_owner": count_companies_by(
            Query(condition("company.registered", "last", 12, "month", entity=_COMPANY)),
            _ENV,
            "company.owner",
        ),
    }


def _render(statement: Any, dialect: Dialect) -> str:
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = "\n".join(f"-- {name} = {value!r}" for name, value in sorted(compiled.params.items()))
    return f"{compiled}\n\n-- parameters:\n{params}\n"


_DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
}


@pytest.mark.parametrize("dialect", sorted(_DIALECTS))
@pytest.mark.parametrize("name", sorted(_statements()))
def test_golden_sql(name: str, dialect: str) -> None:
    rendered = _render(_statements()[name], _DIALECTS[dialect])
    path = GOLDEN / f"{name}.{dialect}.sql"
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with LEADCORE_REGENERATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


def test_no_user_value_is_pasted_into_the_sql() -> None:
    for statement in _statements().values():
        for dialect in _DIALECTS.values():
            sql = str(statement.compile(dialect=dialect))
            for value in ("O'Brien", "Straße", "A/S", "%test%", "An%n"):
                assert value.casefold() not in sql
                assert value not in sql
