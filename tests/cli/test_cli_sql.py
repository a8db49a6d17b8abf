"""The ``leadcore`` command on a SQLite database (the SQL adapter) instead of a file store:
``--data sqlite:///path`` works for every subcommand, and the refusals are one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadcore.cli import leadcore, open_service

pytest.importorskip("sqlalchemy", reason="the SQL adapter needs the 'sql' extra")

COMPANIES = "key,name,category\nacme,Acme,Lead\nglobex,Globex,Customer\n"
PERSONS = (
    "key,first_name,last_name,company_key,status,status_at\n"
    "ann,Ann,Ash,acme,contacting,2025-03-06T10:00:00+01:00\n"
    "bob,Bob,Birch,acme,,\n"
    "cy,Cy,Cole,globex,qualified,2025-03-07T10:00:00+01:00\n"
)


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(leadcore, ["--data", url, *args])


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A new SQLite database holding the two companies and three persons above."""
    (tmp_path / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    address = f"sqlite:///{tmp_path / 'crm.db'}"
    assert run(address, "init").exit_code == 0
    done = run(
        address,
        "import",
        "--companies",
        str(tmp_path / "companies.csv"),
        "--persons",
        str(tmp_path / "persons.csv"),
    )
    assert done.exit_code == 0, done.output
    return address


def test_a_missing_database_is_refused_without_creating_it(tmp_path: Path) -> None:
    address = f"sqlite:///{tmp_path / 'none.db'}"
    result = run(address, "find")
    assert result.exit_code == 1
    assert "DataFileError: no data file at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_init_never_overwrites_a_database(url: str) -> None:
    result = run(url, "init")
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_the_sample_is_refused_in_a_database_with_what_to_do(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 's.db'}", "init", "--sample")
    assert result.exit_code == 1
    assert "export it" in result.stderr


def test_find_board_and_set_status_run_on_the_database(url: str) -> None:
    found = run(url, "find", "--json", "person.lead_status in (contacting, qualified)")
    assert found.exit_code == 0, found.output
    rows = json.loads(found.stdout)["items"]
    # Cy's status is hidden (Globex is a customer) and still found (R4).
    assert [(row["first_name"], row["lead_status_visible"]) for row in rows] == [
        ("Ann", True),
        ("Cy", False),
    ]
    board = run(url, "board")
    assert board.exit_code == 0, board.output
    assert "Contacting" in board.stdout
    changed = run(url, "set-status", str(rows[0]["id"]), "qualified")
    assert changed.exit_code == 0, changed.output
    with open_service(url) as service:
        ann = service.persons.get(rows[0]["id"])
        assert ann.lead_status_id == service.lists().statuses.by_key("qualified").id


def test_an_unreachable_server_is_one_line() -> None:
    result = run("postgresql://nobody@127.0.0.1:1/test", "find")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: DataFileError: cannot reach the database")
    assert len(result.stderr.strip().splitlines()) == 1
