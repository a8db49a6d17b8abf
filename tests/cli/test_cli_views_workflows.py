"""``board``, ``contacts``, ``dashboard``, ``bulk`` and ``distribute`` on a temporary data
file holding the demo's sample, through click's test runner: what they print agrees with
the service, previews write nothing, an apply stopped with Ctrl-C leaves whole batches
and a log that matches the data, and bad input is one line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from leadcore.cli import leadcore, open_service
from leadcore.history import StatusSource
from leadcore.service.bulk import Bulk
from leadcore.workflows import BulkProgress

WIDE = {"COLUMNS": "250"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "crm.json"
    done = CliRunner().invoke(leadcore, ["-d", str(path), "init", "--sample", "--scale", "0.05"])
    assert done.exit_code == 0, done.output
    return path


@pytest.fixture
def data(sample: Path, tmp_path: Path) -> Path:
    """A copy of the sample that a test may change."""
    path = tmp_path / "crm.json"
    shutil.copy(sample, path)
    return path


def run(path: Path, *args: str) -> Result:
    return CliRunner(env=WIDE).invoke(leadcore, ["--data", str(path), *args])


def error_line(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def state(path: Path) -> tuple[object, ...]:
    with open_service(str(path), read_only=True) as service:
        persons = service.persons.find()
        return (
            tuple(persons),
            tuple(service.companies.find()),
            tuple(tuple(service.persons.history(p.id)) for p in persons),
        )


# --- board ---------------------------------------------------------------------------------------


def test_board_json_counts_are_the_grouped_counts(sample: Path) -> None:
    board = json.loads(run(sample, "board", "--json").stdout)
    with open_service(str(sample), read_only=True) as service:
        counts = service.persons.count_by("person.lead_status", visible_only=True)
        labels = [s.name for s in service.lists().statuses]
    assert [c["label"] for c in board["columns"]] == [*labels, "No value"]
    assert {c["value"]: c["count"] for c in board["columns"]} == counts.as_dict()
    assert board["left_out"] == counts.hidden
    assert sum(c["count"] for c in board["columns"]) + board["left_out"] == board["total"]


def test_board_table_shows_the_columns_side_by_side_in_rank_order(sample: Path) -> None:
    shown = run(sample, "board", "--cards", "2")
    assert shown.exit_code == 0, shown.output
    header = next(line for line in shown.stdout.splitlines() if "Open" in line)
    positions = [
        header.index(label)
        for label in ("Open", "Contacting", "Qualified", "Disqualified", "Re-nurture", "No value")
    ]
    assert positions == sorted(positions)
    assert "more" in shown.stdout
    assert "with a hidden status left out" in shown.stdout


def test_board_of_a_selection_by_owner_and_of_companies(sample: Path) -> None:
    board = json.loads(run(sample, "board", "--selection", "1", "--json").stdout)
    in_play = {c["label"]: c["count"] for c in board["columns"] if c["count"]}
    assert set(in_play) <= {"Contacting", "Qualified"}
    owners = json.loads(run(sample, "board", "--by", "owner", "--json").stdout)
    assert owners["group_by"] == "person.owner"
    companies = json.loads(run(sample, "board", "--companies", "--by", "category", "--json").stdout)
    with open_service(str(sample), read_only=True) as service:
        assert companies["total"] == service.companies.count()


def test_board_refuses_criteria_and_a_selection_together(sample: Path) -> None:
    done = run(sample, "board", "person.retired is true", "--selection", "1")
    assert done.exit_code == 2
    assert "not both" in done.stderr


def test_board_by_an_unknown_field_is_one_line(sample: Path) -> None:
    assert error_line(run(sample, "board", "--by", "person.email")).startswith("Error: ")


# --- contacts ------------------------------------------------------------------------------------


def test_contacts_tab_of_a_company_with_groups(sample: Path) -> None:
    with open_service(str(sample), read_only=True) as service:
        members = service.persons.of_company(service.companies.find()[0].id)
        company_id = members[0].company_id
    assert company_id is not None
    tab = json.loads(
        run(
            sample, "contacts", str(company_id), "--group-by", "person.lead_status", "--json"
        ).stdout
    )
    assert tab["total"] == len(members)
    assert sum(g["count"] for g in tab["groups"]) == len(members)
    shown = run(sample, "contacts", str(company_id), "--columns", "person.name,person.email")
    assert f"Contacts: {len(members)} persons" in shown.stdout
    assert members[0].email in shown.stdout


def test_contacts_filter_by_a_list_item(sample: Path) -> None:
    with open_service(str(sample), read_only=True) as service:
        company = service.companies.find()[0]
        wanted = [
            p.full_name
            for p in service.persons.of_company(company.id)
            if p.lead_status_id == service.lists().statuses.by_key("open").id
        ]
    tab = json.loads(
        run(
            sample,
            "contacts",
            str(company.id),
            "--columns",
            "person.name,person.lead_status",
            "--filter",
            "person.lead_status=open",
            "--json",
        ).stdout
    )
    assert sorted(r["cells"][0]["text"] for r in tab["rows"]) == sorted(wanted)


def test_contacts_bad_input(sample: Path) -> None:
    line = error_line(run(sample, "contacts", "999"))
    assert line.startswith("Error: NotFoundError: unknown company id 999")
    done = run(sample, "contacts", "1", "--filter", "no-equals-sign")
    assert done.exit_code == 2
    line = error_line(run(sample, "contacts", "1", "--columns", "person.nothing"))
    assert line.startswith("Error: ")


# --- dashboard -----------------------------------------------------------------------------------


def test_dashboard_json_status_counts_are_the_visible_counts(sample: Path) -> None:
    done = run(sample, "dashboard", "--at", "2026-05-15", "--json")
    assert done.exit_code == 0, done.output
    tiles = json.loads(done.stdout)
    assert set(tiles) == {"status_counts", "funnel", "new_leads", "time_in_status", "ageing"}
    with open_service(str(sample), read_only=True) as service:
        counts = service.persons.count_by("person.lead_status", visible_only=True)
    shown = {c["status_id"]: c["count"] for c in tiles["status_counts"]["counts"]}
    assert shown == {k: v for k, v in counts.as_dict().items() if k is not None}
    assert [s["label"] for s in tiles["funnel"]["stages"]] == ["Open", "Contacting", "Qualified"]


def test_dashboard_prints_the_funnel_as_bars(sample: Path) -> None:
    done = run(sample, "dashboard", "--at", "2026-05-15")
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert "Dashboards for 2026-04-01 - 2026-06-30" in out
    funnel = out[out.index("Qualification funnel") : out.index("New leads")]
    assert "█" in funnel
    assert "Open -> Contacting:" in funnel


def test_dashboard_filters_by_owner(sample: Path) -> None:
    done = run(sample, "dashboard", "--at", "2026-05-15", "--owner", "1", "--json")
    tiles = json.loads(done.stdout)
    with open_service(str(sample), read_only=True) as service:
        mine = service.parse_criteria("person.owner in (1)")
        counts = service.persons.count_by("person.lead_status", mine, visible_only=True)
    shown = {c["status_id"]: c["count"] for c in tiles["status_counts"]["counts"]}
    assert shown == {k: v for k, v in counts.as_dict().items() if k is not None}


def test_dashboard_bad_input_is_one_line(sample: Path) -> None:
    line = error_line(run(sample, "dashboard", "--category", "Nope"))
    assert line.startswith("Error: NotFoundError: unknown category name 'Nope'")
    line = error_line(run(sample, "dashboard", "--where", "person.bogus is true"))
    assert "person.bogus" in line


# --- bulk ----------------------------------------------------------------------------------------


def test_bulk_preview_writes_nothing_and_names_what_apply_then_changes(data: Path) -> None:
    before = state(data)
    preview_log, apply_log = data.parent / "preview.json", data.parent / "apply.json"
    args = ["bulk", "person.lead_status in (Open)", "--set-status", "contacting"]
    preview = run(data, *args, "--log", str(preview_log))
    assert preview.exit_code == 0, preview.output
    assert preview.stdout.startswith("Preview: set lead status to Contacting on ")
    assert "Nothing was written" in preview.stdout
    assert state(data) == before
    applied = run(data, *args, "--apply", "--batch-size", "7", "--log", str(apply_log))
    assert applied.exit_code == 0, applied.output
    assert "batches committed" in applied.stdout
    would = json.loads(preview_log.read_text(encoding="utf-8"))
    did = json.loads(apply_log.read_text(encoding="utf-8"))
    assert {c["id"] for c in would["changed"]} == {c["id"] for c in did["changed"]}
    assert did["changed"]
    contacting = 2
    with open_service(str(data), read_only=True) as service:
        for change in did["changed"]:
            assert service.persons.get(change["id"]).lead_status_id == contacting
            assert service.persons.history(change["id"])[-1].source is StatusSource.BULK


def test_bulk_apply_stopped_by_ctrl_c_keeps_whole_batches_and_prints_the_log(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (a real SIGINT) after the first batch: the command stops there, exits 130,
    and the log matches the data: the first batch changed, the rest untouched."""
    original = Bulk.apply

    def interrupted(self: Bulk, *args: Any, **kwargs: Any) -> Any:
        report = kwargs["progress"]

        def progress(step: BulkProgress) -> None:
            report(step)
            if step.batch == 1:
                os.kill(os.getpid(), signal.SIGINT)

        kwargs["progress"] = progress
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Bulk, "apply", interrupted)
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a background CI job
    with open_service(str(data), read_only=True) as service:
        owners_before = {p.id: p.owner_id for p in service.persons.find()}
    log_file = data.parent / "log.json"
    done = run(
        data, "bulk", "--set-owner", "2", "--apply", "--batch-size", "10", "--log", str(log_file)
    )
    assert done.exit_code == 130, done.output
    assert "Stopped by Ctrl-C after batch 1" in done.stdout
    log = json.loads(log_file.read_text(encoding="utf-8"))
    assert log["stopped"] is True
    assert log["batches_committed"] == 1
    assert {c["batch"] for c in log["changed"]} == {1}
    changed = {c["id"] for c in log["changed"]}
    pending = {int(ref.split()[1]) for ref in log["pending"]}
    assert len(pending) == len(owners_before) - 10
    with open_service(str(data), read_only=True) as service:
        for person in service.persons.find():
            if person.id in changed:
                assert person.owner_id == 2
            else:
                assert person.owner_id == owners_before[person.id]
    assert signal.getsignal(signal.SIGINT) is handler_before  # the command put it back


@pytest.mark.parametrize(
    ("args", "code", "start"),
    [
        (["--set-status", "nope"], 1, "Error: NotFoundError: unknown lead status name 'nope'"),
        (["--set-owner", "99"], 1, "Error: InactiveOwnerError: associate 99 cannot be an owner"),
        (["--set-category", "Nope"], 1, "Error: NotFoundError: unknown category name 'Nope'"),
        ([], 2, "Error: give exactly one change"),
        (["--clear-owner", "--clear-status"], 2, "Error: give exactly one change"),
        (["--ids", "1,x", "--clear-owner"], 2, "Error: Invalid value for --ids: '1,x'"),
    ],
)
def test_bulk_bad_input_changes_nothing(data: Path, args: list[str], code: int, start: str) -> None:
    before = state(data)
    done = run(data, "bulk", *args, "--apply")
    assert done.exit_code == code, done.output
    assert start in done.stderr
    assert "Traceback" not in done.output
    assert state(data) == before


def test_bulk_on_companies_by_ids(data: Path) -> None:
    done = run(data, "bulk", "--companies", "--ids", "1,2", "--set-category", "Customer", "--apply")
    assert done.exit_code == 0, done.output
    with open_service(str(data), read_only=True) as service:
        customer = service.lists().categories.by_name("Customer").id
        assert [c.category_id for c in service.companies.get_many([1, 2])] == [customer, customer]  # type: ignore[list-item]


# --- distribute ----------------------------------------------------------------------------------


def test_distribute_spreads_evenly_over_the_pool(data: Path) -> None:
    preview = run(data, "distribute", "person.lead_status in (Open)", "--to", "1,2,3")
    assert preview.exit_code == 0, preview.output
    assert preview.stdout.startswith("Pool, in turn order: Ann Able, Ben Brandt, Cora Dahl")
    log_file = data.parent / "log.json"
    done = run(
        data, "distribute", "person.lead_status in (Open)", "--to", "1,2,3", "--apply",
        "--log", str(log_file),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    log = json.loads(log_file.read_text(encoding="utf-8"))
    handed = Counter(c["after"] for c in log["changed"])
    assert set(handed) <= {1, 2, 3}
    with open_service(str(data), read_only=True) as service:
        found = service.persons.find(service.parse_criteria("person.lead_status in (Open)"))
        owners = Counter(p.owner_id for p in found if not p.retired)
    assert set(owners) <= {1, 2, 3}
    assert max(owners.values()) - min(owners.values()) <= 1


def test_distribute_to_a_group(data: Path) -> None:
    done = run(data, "distribute", "--ids", "1,2,3,4", "--group", "south", "--apply")
    assert done.exit_code == 0, done.output
    with open_service(str(data), read_only=True) as service:
        south = {a.id for a in service.associates.all() if "south" in a.groups}
        assert {p.owner_id for p in service.persons.get_many([1, 2, 3, 4])} <= south  # type: ignore[list-item]


def test_distribute_bad_input_is_one_line(data: Path) -> None:
    assert error_line(run(data, "distribute", "--to", "99")).startswith(
        "Error: NotFoundError: unknown associate id 99"
    )
    assert error_line(run(data, "distribute")).startswith(
        "Error: ValidationError: a distribution names no associate and no group"
    )
    assert run(data, "distribute", "--to", "a,b").exit_code == 2
