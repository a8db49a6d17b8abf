"""The ``leadcore`` command: every subcommand on a temporary data file through click's
test runner, bad input included (a malformed CSV row, unknown criteria text, a missing
file). Each user error is one line on standard error, exit status 1, no traceback,
and changes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import leadcore as leadcore_package
from leadcore.cli import leadcore, open_service
from leadcore.history import replay
from leadcore.model import PersonId

COMPANIES = (
    "key,name,category,registered\n"
    "acme,Acme,Lead,2025-03-01T09:00:00+01:00\n"
    "globex,Globex,Customer,2025-03-01T09:00:00+01:00\n"
)
PERSONS = (
    "key,first_name,last_name,company_key,status,status_at\n"
    "ann,Ann,Ash,acme,contacting,2025-03-06T10:00:00+01:00\n"
    "bob,Bob,Birch,acme,,\n"
    "cy,Cy,Cole,globex,qualified,2025-03-07T10:00:00+01:00\n"
    "di,Di,Dahl,nowhere,,\n"
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data file with the two companies and three persons of the CSV files above."""
    path = tmp_path / "crm.json"
    assert run(path, "init").exit_code == 0
    (tmp_path / "companies.csv").write_text(COMPANIES, encoding="utf-8")
    (tmp_path / "persons.csv").write_text(PERSONS, encoding="utf-8")
    return path


def run(path: Path, *args: str) -> Result:
    return CliRunner().invoke(leadcore, ["--data", str(path), *args])


def one_line_error(result: Result, code: int = 1) -> str:
    """The error line of a refused command; it is the only output, with no traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def imported(data: Path) -> Result:
    folder = data.parent
    return run(
        data,
        "import",
        "--companies",
        str(folder / "companies.csv"),
        "--persons",
        str(folder / "persons.csv"),
    )


def snapshot(path: Path) -> tuple[object, ...]:
    with open_service(str(path), read_only=True) as service:
        persons = service.persons.find()
        return (
            tuple(service.companies.find()),
            tuple(persons),
            tuple(tuple(service.persons.history(p.id)) for p in persons),
            tuple(service.associates.all(include_retired=True)),
        )


# --- init --------------------------------------------------------------------------------------


def test_init_creates_a_new_database_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    done = run(path, "init")
    assert done.exit_code == 0
    assert "a new database with 10 categories and 5 lead statuses" in done.output
    line = one_line_error(run(path, "init", "--existing"))
    assert line.startswith("Error: DataFileError: a data file already exists at")
    assert "never overwrites" in line
    with open_service(str(path), read_only=True) as service:
        assert service.lists().categories.by_name("Lead").lead_enabled


def test_init_of_an_existing_database_in_danish(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    done = run(path, "init", "--existing", "--db-language", "da")
    assert "an existing database with 6 categories" in done.output
    with open_service(str(path), read_only=True) as service:
        assert service.lists().statuses.by_key("open").name == "Åben"


def test_init_sample_fills_the_file_with_the_demo_sample(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    done = run(path, "init", "--sample", "--scale", "0.05")
    assert done.exit_code == 0, done.output
    assert "15 companies, 150 persons, 8 associates" in done.output
    with open_service(str(path), read_only=True) as service:
        persons = service.persons.find()
        assert len(persons) == 150
        for person in persons:
            assert replay(service.persons.history(person.id)).get(person.id) == (
                person.lead_status_id
            )


# --- missing data file and usage ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["find"],
        ["set-status", "1", "open"],
        ["export", "out"],
        ["import", "--persons", __file__],
        ["associate", "list"],
    ],
)
def test_a_missing_data_file_is_one_line_that_says_to_init(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "nothing.json"
    line = one_line_error(run(path, *args))
    assert line == (
        f"Error: DataFileError: no data file at {str(path)!r}: the command reads and changes an "
        f"existing data file. Check the path, or create the file first with: leadcore --data "
        f"{path} init"
    )
    assert not path.exists()


def test_a_data_file_held_by_a_writer_is_one_line(data: Path) -> None:
    with open_service(str(data)):
        line = one_line_error(run(data, "set-status", "1", "open"))
    assert line.startswith("Error: FileInUseError: ")


def test_a_file_that_is_not_a_data_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("not a store", encoding="utf-8")
    line = one_line_error(run(path, "find"))
    assert line.startswith("Error: ")
    assert path.read_text(encoding="utf-8") == "not a store"


def test_every_subcommand_has_help_with_examples() -> None:
    runner = CliRunner()
    names = sorted(leadcore.commands)
    assert {"demo", "export", "find", "import", "init", "set-status", "associate"} <= set(names)
    for name in names:
        shown = runner.invoke(leadcore, [name, "--help"])
        assert shown.exit_code == 0, name
        assert "Examples:" in shown.output, name


# --- import --------------------------------------------------------------------------------------


def test_import_reports_refused_rows_by_line_and_exits_3(data: Path) -> None:
    done = imported(data)
    assert done.exit_code == 3, done.output
    assert "imported 2 companies and 3 persons; 1 rows refused" in done.output
    assert "nowhere" in done.output
    assert "│ 5 " in done.output  # the line of Di's row
    with open_service(str(data), read_only=True) as service:
        names = {p.first_name: p for p in service.persons.find()}
        assert sorted(names) == ["Ann", "Bob", "Cy"]
        assert service.persons.lead_status_view(names["Ann"].id).label == "Contacting"
        assert not service.persons.lead_status_view(names["Cy"].id).visible  # hidden, kept


def test_import_in_batches_gives_what_one_batch_gives(data: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    run(other, "init")
    assert imported(data).exit_code == 3
    args = ["--companies", str(tmp_path / "companies.csv"), "--persons"]
    done = run(other, "import", *args, str(tmp_path / "persons.csv"), "--batch-size", "1")
    assert done.exit_code == 3
    with open_service(str(data), read_only=True) as a, open_service(str(other)) as b:
        left = [(p.full_name, p.company_id, p.lead_status_id) for p in a.persons.find()]
        right = [(p.full_name, p.company_id, p.lead_status_id) for p in b.persons.find()]
    assert left == right


def test_import_distributes_new_records_the_same_in_batches_or_not(
    data: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    run(other, "init")
    for path in (data, other):
        for name in ("Ann Able", "Bo Berg", "Cy Away"):
            run(path, "associate", "add", name, *(["--away"] if name == "Cy Away" else []))
    files = ["--companies", str(tmp_path / "companies.csv"), "--persons"]
    persons = str(tmp_path / "persons.csv")
    assert run(data, "import", *files, persons, "--distribute-to", "1,2,3").exit_code == 3
    done = run(other, "import", *files, persons, "--distribute-to", "1,2,3", "--batch-size", "1")
    assert done.exit_code == 3
    with open_service(str(data), read_only=True) as a, open_service(str(other)) as b:
        left = [p.owner_id for p in a.persons.find()] + [c.owner_id for c in a.companies.find()]
        right = [p.owner_id for p in b.persons.find()] + [c.owner_id for c in b.companies.find()]
    assert left == right
    assert set(left) == {1, 2}  # Cy is away
    before = snapshot(data)
    bad = one_line_error(run(data, "import", *files, persons, "--distribute-to", "99"))
    assert bad.startswith("Error: NotFoundError: unknown associate id 99")
    bad = one_line_error(run(data, "import", *files, persons, "--distribute-to", "3"))
    assert bad.startswith("Error: NoAvailableAssociates: ")
    assert snapshot(data) == before


def test_import_on_error_stop_imports_nothing(data: Path) -> None:
    folder = data.parent
    before = snapshot(data)
    line = one_line_error(
        run(data, "import", "--persons", str(folder / "persons.csv"), "--on-error", "stop")
    )
    assert line.startswith(
        f"Error: ImportStopped: the import stopped at {folder / 'persons.csv'}, line 2"
    )
    assert snapshot(data) == before


def test_a_malformed_csv_row_is_refused_with_its_line_and_nothing_is_imported(
    data: Path,
) -> None:
    bad = data.parent / "bad.csv"
    bad.write_text(
        "first_name,registered\nAnn,2025-03-01T09:00:00+01:00\nBob,yesterday\n", encoding="utf-8"
    )
    before = snapshot(data)
    line = one_line_error(run(data, "import", "--persons", str(bad)))
    assert line.startswith(f"Error: CsvReadError: {bad}, line 3: registered 'yesterday' is not")
    assert snapshot(data) == before


def test_broken_quoting_is_refused(data: Path) -> None:
    bad = data.parent / "bad.csv"
    bad.write_text('first_name,last_name\n"Ann,Ash\n', encoding="utf-8")
    line = one_line_error(run(data, "import", "--persons", str(bad)))
    assert line.startswith(f"Error: CsvReadError: {bad}, line ")


def test_a_missing_csv_file_is_a_usage_error(data: Path) -> None:
    done = run(data, "import", "--persons", str(data.parent / "absent.csv"))
    assert done.exit_code == 2
    assert "absent.csv' does not exist" in done.stderr
    assert "Traceback" not in done.output


def test_import_needs_a_file(data: Path) -> None:
    done = run(data, "import")
    assert done.exit_code == 2
    assert "name at least one file" in done.stderr


# --- find ----------------------------------------------------------------------------------------


def test_find_prints_a_table_of_the_matches(data: Path) -> None:
    imported(data)
    done = run(data, "find", "person.lead_status in (Contacting, Qualified)")
    assert done.exit_code == 0, done.output
    assert "2 persons found, 1-2" in done.output
    assert "Ann Ash" in done.output
    assert "Contacting" in done.output
    assert "(Qualified)" in done.output  # Cy's status is hidden: shown in brackets
    assert "Bob" not in done.output


def test_find_json_gives_every_field_and_the_total(data: Path) -> None:
    imported(data)
    done = run(data, "find", "--json", "--limit", "2", "--order", "person.first_name:desc")
    assert done.exit_code == 0
    found = json.loads(done.stdout)
    assert found["total"] == 3
    assert [p["first_name"] for p in found["items"]] == ["Cy", "Bob"]
    cy = found["items"][0]
    assert (cy["company"], cy["category"], cy["category_group"]) == (
        "Globex",
        "Customer",
        "Customer",
    )
    assert (cy["lead_status"], cy["lead_status_visible"]) == ("Qualified", False)


def test_find_companies_and_danish_labels(data: Path) -> None:
    imported(data)
    done = CliRunner().invoke(
        leadcore,
        ["--data", str(data), "--language", "da", "find", "--companies", "--json", ""],
    )
    found = json.loads(done.stdout)
    assert [(c["name"], c["category_group"]) for c in found["items"]] == [
        ("Acme", "Potentiel kunde"),
        ("Globex", "Kunde"),
    ]
    table = run(data, "find", "--companies", 'company.name begins "ac"')
    assert "1 companies found" in table.output
    assert "Acme" in table.output


def test_find_in_chosen_columns(data: Path) -> None:
    imported(data)
    columns = "person.name,company.name,person.lead_status"
    done = run(data, "find", "--columns", columns, "--json", "--order", "person.name:desc")
    found = json.loads(done.stdout)
    assert found["total"] == 3
    assert found["items"][0] == {
        "id": 3,
        "person.name": "Cy Cole",
        "company.name": "Globex",
        "person.lead_status": "Qualified",
    }
    table = run(data, "find", "--columns", columns, 'person.first_name equals "Cy"').output
    assert "(Qualified)" in table  # hidden: in brackets
    line = one_line_error(run(data, "find", "--columns", "person.nope"))
    assert line.startswith("Error: UnknownColumnError: unknown column 'person.nope'")


@pytest.mark.parametrize(
    ("criteria", "start"),
    [
        ("person.bogus in (1)", "Error: UnknownFieldAt: unknown field 'person.bogus'"),
        ("person.lead_status in (Nope)", "Error: "),
        ("person.first_name begins", "Error: CriteriaParseError: "),
    ],
)
def test_unknown_criteria_text_is_one_line(data: Path, criteria: str, start: str) -> None:
    line = one_line_error(run(data, "find", criteria))
    assert line.startswith(start)


# --- set-status ----------------------------------------------------------------------------------


def test_set_status_by_key_or_name_with_a_reason(data: Path) -> None:
    imported(data)
    done = run(data, "--as", "4", "set-status", "2", "Qualified", "--reason", "Budget")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "person 2 (Bob Birch) is now Qualified"
    assert run(data, "set-status", "2", "renurture").exit_code == 0
    with open_service(str(data), read_only=True) as service:
        history = service.persons.history(PersonId(2))
    assert [(e.by, e.reason) for e in history[-2:]] == [(4, "Budget"), (None, None)]


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["3", "contacting"], "Error: LeadStatusNotEditable: [R4] the lead status of person 3"),
        (["1", "nope"], "Error: NotFoundError: unknown lead status name 'nope'"),
        (["99", "open"], "Error: NotFoundError: unknown person id 99"),
        (["1", "42"], "Error: NotFoundError: unknown lead status id 42"),
    ],
)
def test_a_refused_status_change_is_one_line_and_changes_nothing(
    data: Path, args: list[str], start: str
) -> None:
    imported(data)
    before = snapshot(data)
    assert one_line_error(run(data, "set-status", *args)).startswith(start)
    assert snapshot(data) == before


# --- export --------------------------------------------------------------------------------------


def test_export_then_import_gives_the_same_records_and_statuses(tmp_path: Path) -> None:
    source, target, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "out"
    assert run(source, "init", "--sample", "--scale", "0.05").exit_code == 0
    done = run(source, "export", str(out))
    assert done.exit_code == 0
    assert done.output.startswith("wrote 15 companies, 150 persons and ")
    run(target, "init")
    for index in range(8):  # the owners, with the same ids
        run(target, "associate", "add", f"Associate {index + 1}")
    files = ["--companies", str(out / "companies.csv"), "--persons", str(out / "persons.csv")]
    loaded = run(target, "import", *files, "--history", str(out / "history.csv"))
    assert loaded.exit_code == 0, loaded.output

    def essence(path: Path) -> list[tuple[object, ...]]:
        with open_service(str(path), read_only=True) as service:
            companies = {c.id: c for c in service.companies.find()}
            return [
                (
                    p.full_name,
                    p.email,
                    p.owner_id,
                    p.lead_status_id,
                    p.retired,
                    p.registered,
                    p.first_touch_utm,
                    None if p.company_id is None else companies[p.company_id].name,
                    None if p.company_id is None else companies[p.company_id].category_id,
                    [e.to_status for e in service.persons.history(p.id) if e.kind.value != "hide"],
                )
                for p in service.persons.find()
            ]

    assert essence(source) == essence(target)


def test_export_of_criteria_writes_the_matches_and_their_companies(data: Path) -> None:
    imported(data)
    out = data.parent / "out"
    done = run(data, "export", str(out), 'person.first_name equals "Ann"')
    assert done.output.strip() == f"wrote 1 companies, 1 persons and 1 status changes to {out}"
    persons = (out / "persons.csv").read_text(encoding="utf-8").splitlines()
    assert len(persons) == 2
    assert persons[1].startswith("p1,Ann,Ash,c1,")
    history = (out / "history.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in history[1:]] == ["contacting"]


def test_export_into_a_file_path_is_one_line(data: Path) -> None:
    blocker = data.parent / "blocker"
    blocker.write_text("", encoding="utf-8")
    done = run(data, "export", str(blocker))
    assert done.exit_code == 2  # click checks the directory argument


# --- associates ----------------------------------------------------------------------------------


def test_associates_are_added_and_listed(data: Path) -> None:
    assert run(data, "associate", "add", "Ann Able", "--group", "north").output == (
        "associate 1: Ann Able\n"
    )
    run(data, "associate", "add", "Bo Berg", "--away")
    listed = run(data, "associate", "list").output
    assert "2 associates" in listed
    assert "north" in listed
    assert "away" in listed
    line = one_line_error(run(data, "associate", "add", " "))
    assert line.startswith("Error: ValidationError: ")


# --- demo and entry points -----------------------------------------------------------------------


def test_demo_walks_through_the_story_in_order_and_is_deterministic() -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    first = runner.invoke(leadcore, ["demo", "--scale", "0.05"])
    assert first.exit_code == 0, first.output
    titles = [
        "A sample on the embedded in-memory default: 15 companies, 150 persons, 8 associates",
        "Step 1: See lead information on a person",
        "Lead status: Open / Leadstatus: Åben  (editable)",
        "Step 2: Update the lead status",
        "Budget confirmed",
        "Step 3: Show leads on the Contacts tab",
        "Acme - Contacts: 3 persons",
        "Step 4: Find leads, save a selection, see it as a board",
        "saved as dynamic selection #2 'My leads'",
        "Board by Lead status",
        "Tip: the Lead status field disappeared",
        "stored value 'Qualified' kept",
        "refused with LeadStatusNotEditable",
        "Dashboards for 2026-04-01 - 2026-06-30",
        "Persons per lead status",
        "Qualification funnel",
        "Open -> Contacting:",
        "New leads by first touch source",
        "Time in status",
        "Ageing: leads in a status for more than 30 days",
    ]
    position = 0
    for title in titles:
        found = first.output.find(title, position)
        assert found != -1, title
        position = found
    assert runner.invoke(leadcore, ["demo", "--scale", "0.05"]).output == first.output


def test_python_dash_m_leadcore_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "leadcore", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: " in done.stdout
    assert "demo" in done.stdout


def test_the_core_imports_neither_click_nor_rich() -> None:
    """Every module outside leadcore.cli loads without the cli extra's libraries."""
    root = Path(leadcore_package.__file__).parent
    names = sorted(
        ".".join(("leadcore", *path.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in root.rglob("*.py")
        if path.relative_to(root).parts[0] not in ("cli", "__main__.py")
    )
    assert "leadcore.service.persons" in names
    code = (
        "import sys, importlib\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('click', 'rich')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
