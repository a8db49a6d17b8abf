"""The CLI's output shows a time the same way whatever the store (issue 20): always in
UTC, ``+00:00``. The file store keeps the offset a time was given with, SQLite gives
it back in UTC; the same ``registered`` instant used to print as ``+02:00`` from one
and ``+00:00`` from the other."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadcore.cli import leadcore

pytest.importorskip("sqlalchemy", reason="the SQL adapter needs the 'sql' extra")

COMPANIES = "key,name,category,registered\nacme,Acme,Lead,2025-03-01T09:00:00+02:00\n"
PERSONS = (
    "key,first_name,company_key,registered,status,status_at\n"
    "ann,Ann,acme,2025-03-02T23:30:00-05:00,contacting,2025-03-06T10:00:00+01:00\n"
)


def run(data: str, *args: str) -> Result:
    result = CliRunner().invoke(leadcore, ["--data", data, *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def stores(tmp_path: Path) -> list[str]:
    """A file store and a SQLite database holding the same imported records."""
    (tmp_path / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    made = [str(tmp_path / "crm.json"), f"sqlite:///{tmp_path / 'crm.db'}"]
    for data in made:
        run(data, "init")
        files = ["--companies", str(tmp_path / "companies.csv")]
        run(data, "import", *files, "--persons", str(tmp_path / "persons.csv"))
    return made


def test_find_json_shows_every_time_in_utc_from_every_store(stores: list[str]) -> None:
    persons = [json.loads(run(d, "find", "--json").stdout)["items"] for d in stores]
    companies = [
        json.loads(run(d, "find", "--json", "--companies").stdout)["items"] for d in stores
    ]
    assert persons[0] == persons[1]
    assert companies[0] == companies[1]
    assert persons[0][0]["registered"] == "2025-03-03T04:30:00+00:00"
    assert companies[0][0]["registered"] == "2025-03-01T07:00:00+00:00"


def test_views_json_shows_times_in_utc_from_every_store(stores: list[str]) -> None:
    columns = ["--columns", "person.name,person.registered,person.status_changed"]
    found = [json.loads(run(d, "find", "--json", *columns).stdout)["items"] for d in stores]
    assert found[0] == found[1]
    assert found[0][0]["person.registered"] == "2025-03-03T04:30:00+00:00"
    cards = ["--card-columns", "person.name,person.registered", "--json"]
    boards = [json.loads(run(d, "board", *cards).stdout) for d in stores]
    assert boards[0] == boards[1]
    assert "2025-03-03T04:30:00+00:00" in json.dumps(boards[0])
    assert "-05:00" not in json.dumps(boards[0])
    tabs = [
        json.loads(
            run(d, "contacts", "1", "--columns", "person.name,person.registered", "--json").stdout
        )
        for d in stores
    ]
    assert tabs[0] == tabs[1]
    assert "2025-03-03T04:30:00+00:00" in json.dumps(tabs[0])


def test_export_writes_times_in_utc_from_every_store(stores: list[str], tmp_path: Path) -> None:
    written = []
    for n, data in enumerate(stores):
        out = tmp_path / f"out{n}"
        run(data, "export", str(out))
        written.append(
            {
                name: list(csv.DictReader((out / name).read_text("utf-8").splitlines()))
                for name in ("companies.csv", "persons.csv", "history.csv")
            }
        )
    assert written[0] == written[1]
    assert written[0]["persons.csv"][0]["registered"] == "2025-03-03T04:30:00+00:00"
    assert written[0]["history.csv"][0]["at"] == "2025-03-06T09:00:00+00:00"
