"""The ``leadcore`` command never writes over a file unless told to, never through a
link, and refuses hostile argument values with a message (issue 23): ``export`` and
``--log`` refuse an existing target without ``--force`` and replace (not follow) a
link with it; ``init`` on a path no file can have, a status id beyond 64 bits, a
non-ASCII digit as an id and an unknown ``--order`` direction are each a refusal
with its message, not a raw ``ValueError`` (or an accepted typo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from leadcore.cli import leadcore, open_service

EXPORTED = ("companies.csv", "persons.csv", "history.csv")


def run(data: Path | str, *args: str) -> Result:
    return CliRunner().invoke(leadcore, ["--data", str(data), *args])


def refusal(result: Result, code: int = 1) -> str:
    """The one error line of a refused command (exit status 1), or click's usage error's
    last line (exit status 2); never a traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    if code == 1:
        assert len(lines) == 1, result.stderr
    return lines[-1]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "crm.json"
    assert run(path, "init", "--sample", "--scale", "0.02").exit_code == 0
    return path


# --- export and --log -------------------------------------------------------------------


def test_export_refuses_an_existing_file_and_writes_nothing(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "history.csv").write_text("mine", encoding="utf-8")
    line = refusal(run(data, "export", str(out)))
    assert line.startswith(
        f"Error: DataFileError: a file already exists at '{out / 'history.csv'}'"
    )
    assert "--force" in line
    assert sorted(p.name for p in out.iterdir()) == ["history.csv"]  # nothing else written
    assert (out / "history.csv").read_text(encoding="utf-8") == "mine"


def test_export_with_force_replaces_the_files(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(data, "export", str(out)).exit_code == 0
    first = {name: (out / name).read_text(encoding="utf-8") for name in EXPORTED}
    (out / "persons.csv").write_text("stale", encoding="utf-8")
    assert run(data, "export", str(out), "--force").exit_code == 0
    assert {name: (out / name).read_text(encoding="utf-8") for name in EXPORTED} == first
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPORTED)  # no temporary left


@pytest.mark.parametrize("dangling", [False, True])
def test_export_never_writes_through_a_link(data: Path, tmp_path: Path, dangling: bool) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    if not dangling:
        victim.write_text("precious", encoding="utf-8")
    (out / "persons.csv").symlink_to(victim)
    line = refusal(run(data, "export", str(out)))
    assert "DataFileError: a file already exists at" in line
    assert run(data, "export", str(out), "--force").exit_code == 0
    assert not (out / "persons.csv").is_symlink()  # the link was replaced by the file
    assert (out / "persons.csv").read_text(encoding="utf-8").startswith("key,first_name")
    if dangling:
        assert not victim.exists()
    else:
        assert victim.read_text(encoding="utf-8") == "precious"


def test_bulk_log_refuses_an_existing_file_before_applying(data: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.json"
    log.write_text("mine", encoding="utf-8")
    with open_service(str(data), read_only=True) as service:
        before = [p.owner_id for p in service.persons.find()]
    args = ["bulk", "--ids", "1,2", "--clear-owner", "--apply", "--log", str(log)]
    line = refusal(run(data, *args))
    assert line.startswith(f"Error: DataFileError: a file already exists at '{log}'")
    assert log.read_text(encoding="utf-8") == "mine"
    with open_service(str(data), read_only=True) as service:
        assert [p.owner_id for p in service.persons.find()] == before  # nothing applied
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    log.unlink()
    log.symlink_to(victim)
    done = run(data, *args, "--force")
    assert done.exit_code == 0, done.output
    assert not log.is_symlink()
    assert '"applied": true' in log.read_text(encoding="utf-8")
    assert victim.read_text(encoding="utf-8") == "precious"


def test_a_distribute_log_is_written_once_and_then_refused(data: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.json"
    args = ["distribute", "--ids", "1,2", "--to", "1,2", "--log", str(log)]
    assert run(data, *args).exit_code == 0
    assert '"applied": false' in log.read_text(encoding="utf-8")
    assert "already exists" in refusal(run(data, *args))


# --- argument values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("a\x00b.json", "it holds a NUL character"),
        ("", "it is empty"),
        ("\ud800.json", "cannot encode"),
    ],
)
def test_init_on_a_path_no_file_can_have_is_one_line(
    tmp_path: Path, path: str, why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = refusal(run(path, "init"))
    assert line.startswith("Error: DataFileError: the path ")
    assert why in line
    assert list(tmp_path.iterdir()) == []


def test_init_on_a_directory_is_one_line(tmp_path: Path) -> None:
    line = refusal(run(tmp_path, "init"))
    assert line.startswith(f"Error: DataFileError: the path {str(tmp_path)!r} cannot name")
    assert "it is a directory" in line


@pytest.mark.parametrize("status", ["9" * 5000, "9" * 30, str(2**64), "0"])
def test_a_status_id_beyond_64_bits_is_one_line(data: Path, status: str) -> None:
    line = refusal(run(data, "set-status", "1", status))
    assert line.startswith("Error: ValidationError: '")
    assert "is not a lead status" in line
    assert len(line) < 400  # a 5,000-digit value is not echoed whole


@pytest.mark.parametrize("status", ["²", "١", "３"])
def test_a_non_ascii_digit_is_not_a_status_id(data: Path, status: str) -> None:
    line = refusal(run(data, "set-status", "1", status))
    assert line.startswith(f"Error: NotFoundError: unknown lead status name {status!r}")


@pytest.mark.parametrize(
    "args",
    [
        ["set-status", "²", "open"],
        ["set-status", "١٢", "open"],
        ["set-status", str(2**64), "open"],
        ["contacts", "²"],
        ["board", "--selection", "9" * 5000],
        ["bulk", "--ids", "1,²", "--clear-owner"],
        ["distribute", "--ids", "1", "--to", "１"],
        ["--as", str(2**64), "find", "person.owner is current associate"],
    ],
)
def test_an_id_that_is_not_one_is_a_usage_error(data: Path, args: list[str]) -> None:
    line = refusal(run(data, *args), code=2)
    assert line.startswith("Error: Invalid value for ")
    assert "is not an id" in line or "is not a list of ids" in line


def test_an_id_beyond_64_bits_on_sqlite_is_refused_not_an_overflow(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy", reason="the SQL adapter needs the 'sql' extra")
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert run(url, "init").exit_code == 0
    line = refusal(run(url, "--as", str(2**64), "find", "person.owner is current associate"), 2)
    assert "is not an id" in line


def test_an_unknown_order_direction_is_refused(data: Path) -> None:
    line = refusal(run(data, "find", "--order", "person.last_name:sideways"))
    assert line.startswith("Error: ValidationError: unknown order direction 'sideways'")
    for order in ("person.last_name", "person.last_name:asc", "person.last_name:DESC"):
        assert run(data, "find", "--order", order, "--json").exit_code == 0
    ascending = run(data, "find", "--order", "person.id:asc", "--json", "--limit", "2")
    descending = run(data, "find", "--order", "person.id:desc", "--json", "--limit", "2")
    assert ascending.stdout != descending.stdout
