"""``leadcore import`` names a refused row by its file and line in both modes (issue 20):
``--on-error stop`` used to name "person row 1", the row's 0-based index among the
rows read, where collect mode named the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadcore.cli import leadcore

COMPANIES = "key,name,category\nacme,Acme,Lead\n"
TWICE = COMPANIES + "acme,Acme again,Lead\n"  # line 3: a key used twice, refused by the import
PERSONS = (
    "key,first_name,last_name,email,company_key\n"
    'ann,Ann,"Ash\nof two lines",,acme\n'  # one row on lines 2 and 3
    "bob,Bob,Birch,,nowhere\n"  # line 4: an unknown company key
)


def run(path: Path, *args: str) -> Result:
    return CliRunner().invoke(leadcore, ["--data", str(path), *args])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "crm.json"
    assert run(path, "init").exit_code == 0
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    (tmp_path / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    return path


def _error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "mode", [["--on-error", "stop"], ["--batch-size", "0", "--on-error", "stop"]]
)
def test_stop_mode_names_the_file_and_line_of_the_refused_person_row(
    data: Path, mode: list[str]
) -> None:
    folder = data.parent
    persons = str(folder / "persons.csv")
    companies = str(folder / "companies.csv")
    line = _error(run(data, "import", "--companies", companies, "--persons", persons, *mode))
    assert line.startswith(f"Error: ImportStopped: the import stopped at {persons}, line 4: ")
    assert "nowhere" in line
    assert "person row 1" not in line  # the 0-based index it used to name
    assert run(data, "find", "--json").stdout.startswith('{"total": 0,')  # nothing imported


def test_stop_mode_names_the_file_and_line_of_a_refused_company_row(data: Path) -> None:
    folder = data.parent
    companies = folder / "companies.csv"
    companies.write_text(TWICE, encoding="utf-8")
    line = _error(run(data, "import", "--companies", str(companies), "--on-error", "stop"))
    assert line.startswith(f"Error: ImportStopped: the import stopped at {companies}, line 3: ")
    assert "company key 'acme' is used by rows 0 and 1" in line


def test_collect_mode_names_the_same_file_and_line(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(data.parent)  # short names, so that the table does not fold them
    done = run(data, "import", "--companies", "companies.csv", "--persons", "persons.csv")
    assert done.exit_code == 3, done.output
    assert "imported 1 companies and 1 persons; 1 rows refused" in done.output
    assert "│ persons.csv │ 4 " in done.output
