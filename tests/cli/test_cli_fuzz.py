"""Fuzz the ``leadcore`` command's arguments through click's test runner (issue 23).

Arbitrary and hostile values go to every command's arguments: ids (huge, negative,
non-ASCII digits such as ``²``, text), criteria text, orders, column keys, paths
(empty, NUL, links, directories, very long names), periods and days at the
calendar's edges, on a file store and on SQLite. The only failures allowed are
leadcore's typed refusals: exit status 1 (``Error: <ErrorType>: ...``, one line) or
2 (click's usage error), each with its message, never a traceback or another
exception. One sample store of each kind is made per module; the example counts
come from the profiles in tests/conftest.py (``CI=true``: the ``ci`` profile), and
the figures (inputs per command, raw exceptions) are printed at the end of the module
(``pytest -s``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcore.cli import leadcore
from leadcore.testing.strategies import hostile_texts

pytest.importorskip("sqlalchemy", reason="the SQLite store needs the 'sql' extra")

INPUTS: Counter[str] = Counter()
"""Generated inputs per command."""
RAW: Counter[str] = Counter()
"""Inputs per command that ended in a raw exception (the test fails on the first)."""

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], Path]]:
    """The demo's sample as a file store and as a SQLite database, and a sandbox
    directory (the working directory meanwhile) for the paths the tests make."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    runner = CliRunner()
    files = str(root / "crm.json")
    assert (
        runner.invoke(leadcore, ["-d", files, "init", "--sample", "--scale", "0.02"]).exit_code == 0
    )
    out = root / "exported"
    assert runner.invoke(leadcore, ["-d", files, "export", str(out)]).exit_code == 0
    database = f"sqlite:///{root / 'crm.db'}"
    assert runner.invoke(leadcore, ["-d", database, "init"]).exit_code == 0
    for n in range(8):
        runner.invoke(leadcore, ["-d", database, "associate", "add", f"Associate {n + 1}"])
    done = runner.invoke(
        leadcore,
        [
            *["-d", database, "import", "--companies", str(out / "companies.csv")],
            *["--persons", str(out / "persons.csv"), "--history", str(out / "history.csv")],
        ],
    )
    assert done.exit_code == 0, done.output
    sandbox = root / "sandbox"
    sandbox.mkdir()
    (sandbox / "file.txt").write_text("a file", encoding="utf-8")
    (sandbox / "dir").mkdir()
    (sandbox / "link").symlink_to(sandbox / "file.txt")
    (sandbox / "dangling").symlink_to(sandbox / "nowhere")
    before = Path.cwd()
    os.chdir(sandbox)
    try:
        yield [files, database], sandbox
    finally:
        os.chdir(before)
        shown = ", ".join(f"{name} {INPUTS[name]} ({RAW[name]} raw)" for name in sorted(INPUTS))
        print(f"\nCLI fuzz: {sum(INPUTS.values())} inputs, {sum(RAW.values())} raw: {shown}")


def invoke(command: str, args: list[str]) -> Result:
    """Run ``args``; fail on anything but success or a typed refusal with its message."""
    INPUTS[command] += 1
    result = CliRunner().invoke(leadcore, args)
    raw = result.exception is not None and not isinstance(result.exception, SystemExit)
    if raw:
        RAW[command] += 1
    assert not raw, f"{command} {args!r}: raw {result.exception!r}"
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1, 2, 3), (args, result.exit_code, result.output)
    if result.exit_code in (1, 2):
        last = result.stderr.strip().splitlines()[-1:]
        assert last, f"{args!r}: refused without a message"
        assert last[0].startswith("Error: "), result.stderr
        assert len(last[0]) > len("Error: "), result.stderr
    if result.exit_code == 1 and "Usage:" not in result.stderr:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line
    return result


# --- values ----------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
"""Any character: lone surrogates and NUL included."""

IDS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(
        [
            *["0", "-1", "1", "2", "²", "١٢", "１", "+1", " 1", "1 ", "1e3", "0x1f", ""],
            *["9" * 5000, str(2**63 - 1), str(2**63), str(2**64), "1,2", "me", "\x00", "\ud800"],
        ]
    ),
    st.text(st.sampled_from("0123456789²³¹١٢３ -+,"), max_size=25),
    ANY_TEXT,
)
"""What an id argument may be given: numbers at and beyond 64 bits, digits of other
scripts, signs and spaces, text."""

ID_LISTS = st.one_of(IDS, st.lists(IDS, max_size=4).map(",".join))

FIELDS = [
    "person.id", "person.first_name", "person.last_name", "person.email", "person.owner",
    "person.lead_status", "person.category", "person.registered", "person.retired",
    "company.name", "company.id", "company.category", "person.status_changed", "nofield", "",
]  # fmt: skip
CRITERIA_PIECES = st.one_of(
    st.sampled_from(
        [
            "not ", "(", ")", " and ", " or ", "always", "never", " in (", " not in (", "me",
            " is current associate", " has no value", " has a value", " = ", " between ",
            " and ", " begins ", " contains ", " before ", " after ", " last 3 days",
            " older than 9999 years", " previous quarter", "Open", "Qualified", "#1", "#0",
            '"x"', '"\\ud800"', '"\x00"', "9" * 30, "1e999", "0001-01-01", "9999-12-31",
            "groups { [", "] }", ", ",
        ]
    ),
    st.sampled_from(FIELDS),
    hostile_texts(),
    ANY_TEXT,
)  # fmt: skip
CRITERIA = st.one_of(ANY_TEXT, st.lists(CRITERIA_PIECES, max_size=12).map("".join))

ORDERS = st.one_of(
    st.builds(
        lambda field, sep, direction: f"{field}{sep}{direction}",
        st.sampled_from(FIELDS),
        st.sampled_from(["", ":", "::"]),
        st.one_of(st.sampled_from(["desc", "DESC", "asc", "sideways", ""]), ANY_TEXT),
    ),
    ANY_TEXT,
)
COLUMNS = st.one_of(
    st.lists(st.sampled_from([*FIELDS, "person.name"]), max_size=4).map(",".join), ANY_TEXT
)
NAMES = st.one_of(hostile_texts(), ANY_TEXT, st.sampled_from(["Lead", "Customer", "Open", "north"]))
DAYS = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-25", "0001-01-07", "2026-02-30", ""]),
    ANY_TEXT,
)
COUNTS = st.one_of(
    st.integers(-(2**70), 2**70).map(str), st.sampled_from(["3650000", "3652059", "9" * 5000])
)


def paths(sandbox: Path) -> st.SearchStrategy[str]:
    """Paths inside the sandbox (names of any characters but the separator), and the
    hostile ones: empty, the sandbox itself, a file, a directory, links, NUL, a name
    too long for the file system, a directory that is not there."""
    named = ANY_TEXT.map(lambda name: str(sandbox / name.replace("/", "_").replace("..", "_")))
    return st.one_of(
        named,
        st.sampled_from(
            [
                "", ".", str(sandbox), "file.txt", "dir", "link", "dangling", "a\x00b",
                "x" * 300, "no/such/dir/x", "dir/new", "\ud800", "crm.json",
            ]
        ),
    )  # fmt: skip


# --- the commands -----------------------------------------------------------------------


@FUZZ
@given(
    data=st.data(),
    criteria=CRITERIA,
    order=st.none() | ORDERS,
    columns=st.none() | COLUMNS,
    offset=st.none() | COUNTS,
    companies=st.booleans(),
    associate=st.none() | IDS,
)
def test_find(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    criteria: str,
    order: str | None,
    columns: str | None,
    offset: str | None,
    companies: bool,
    associate: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, *(["--as", associate] if associate is not None else []), "find", criteria]
    args += ["--json", "--limit", "3"]
    args += ["--order", order] if order is not None else []
    args += ["--columns", columns] if columns is not None else []
    args += ["--offset", offset] if offset is not None else []
    args += ["--companies"] if companies else []
    invoke("find", args)


@FUZZ
@given(data=st.data(), person=IDS, status=st.one_of(IDS, NAMES), reason=st.none() | ANY_TEXT)
def test_set_status(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    person: str,
    status: str,
    reason: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "set-status", person, status]
    invoke("set-status", args + (["--reason", reason] if reason is not None else []))


@FUZZ
@given(
    data=st.data(),
    criteria=CRITERIA,
    selection=st.none() | IDS,
    by=st.one_of(st.sampled_from(["status", "owner", "group", "category", *FIELDS]), ANY_TEXT),
    card_columns=st.none() | COLUMNS,
    companies=st.booleans(),
)
def test_board(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    criteria: str,
    selection: str | None,
    by: str,
    card_columns: str | None,
    companies: bool,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "board", criteria, "--by", by, "--json"]
    args += ["--selection", selection] if selection is not None else []
    args += ["--card-columns", card_columns] if card_columns is not None else []
    args += ["--companies"] if companies else []
    invoke("board", args)


@FUZZ
@given(
    data=st.data(),
    company=IDS,
    columns=st.none() | COLUMNS,
    filters=st.lists(
        st.one_of(
            st.builds(
                lambda key, value: f"{key}={value}",
                st.sampled_from([*FIELDS, "person.name"]),
                st.one_of(IDS, NAMES),
            ),
            ANY_TEXT,
        ),
        max_size=2,
    ),
    grouping=st.lists(st.one_of(st.sampled_from(FIELDS), ANY_TEXT), max_size=2),
    offset=st.none() | COUNTS,
)
def test_contacts(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    company: str,
    columns: str | None,
    filters: list[str],
    grouping: list[str],
    offset: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "contacts", company, "--json"]
    args += ["--columns", columns] if columns is not None else []
    for text in filters:
        args += ["--filter", text]
    for key in grouping:
        args += ["--group-by", key]
    args += ["--offset", offset] if offset is not None else []
    invoke("contacts", args)


@FUZZ
@given(
    data=st.data(),
    period=st.one_of(st.sampled_from(["week", "month", "quarter", "year"]), ANY_TEXT),
    day=st.none() | DAYS,
    owners=st.lists(IDS, max_size=2),
    categories=st.lists(NAMES, max_size=2),
    where=st.none() | CRITERIA,
    older_than=st.none() | COUNTS,
)
def test_dashboard(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    period: str,
    day: str | None,
    owners: list[str],
    categories: list[str],
    where: str | None,
    older_than: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "dashboard", "--period", period, "--json"]
    args += ["--at", day] if day is not None else []
    for owner in owners:
        args += ["--owner", owner]
    for name in categories:
        args += ["--category", name]
    args += ["--where", where] if where is not None else []
    args += ["--older-than", older_than] if older_than is not None else []
    invoke("dashboard", args)


@FUZZ
@given(
    data=st.data(),
    criteria=CRITERIA,
    ids=st.none() | ID_LISTS,
    selection=st.none() | IDS,
    change=st.one_of(
        st.tuples(st.just("--set-status"), st.one_of(IDS, NAMES)),
        st.tuples(st.just("--set-owner"), IDS),
        st.tuples(st.just("--set-category"), NAMES),
        st.just(("--clear-status",)),
        st.just(("--clear-owner",)),
    ),
    companies=st.booleans(),
    batch=st.none() | COUNTS,
)
def test_bulk_preview(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    criteria: str,
    ids: str | None,
    selection: str | None,
    change: tuple[str, ...],
    companies: bool,
    batch: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "bulk", criteria, *change, "--show", "2"]
    args += ["--ids", ids] if ids is not None else []
    args += ["--selection", selection] if selection is not None else []
    args += ["--companies"] if companies else []
    args += ["--batch-size", batch] if batch is not None else []
    invoke("bulk", args)


@FUZZ
@given(
    data=st.data(),
    criteria=CRITERIA,
    to=st.none() | ID_LISTS,
    groups=st.lists(NAMES, max_size=2),
    ids=st.none() | ID_LISTS,
)
def test_distribute_preview(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    criteria: str,
    to: str | None,
    groups: list[str],
    ids: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "distribute", criteria]
    args += ["--to", to] if to is not None else []
    for group in groups:
        args += ["--group", group]
    args += ["--ids", ids] if ids is not None else []
    invoke("distribute", args)


@FUZZ
@given(data=st.data(), criteria=st.one_of(st.just(""), CRITERIA), force=st.booleans())
def test_export(
    stores: tuple[list[str], Path], data: st.DataObject, criteria: str, force: bool
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    target = data.draw(paths(stores[1]))
    args = ["-d", store, "export", target, criteria, *(["--force"] if force else [])]
    invoke("export", args)


@FUZZ
@given(data=st.data(), force=st.booleans(), apply=st.booleans())
def test_bulk_log(
    stores: tuple[list[str], Path], data: st.DataObject, force: bool, apply: bool
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    log = data.draw(paths(stores[1]))
    args = ["-d", store, "bulk", "--ids", "1,2", "--set-owner", "1", "--log", log]
    args += ["--force"] if force else []
    args += ["--apply"] if apply else []
    invoke("bulk --log", args)


@FUZZ
@given(
    data=st.data(),
    existing=st.booleans(),
    language=st.one_of(st.sampled_from(["en", "da"]), ANY_TEXT),
)
def test_init(
    stores: tuple[list[str], Path], data: st.DataObject, existing: bool, language: str
) -> None:
    target = data.draw(st.one_of(paths(stores[1]), st.sampled_from(stores[0])))
    args = ["-d", target, "init", "--db-language", language]
    invoke("init", args + (["--existing"] if existing else []))


@FUZZ
@given(
    data=st.data(),
    name=st.one_of(NAMES, st.just("")),
    groups=st.lists(NAMES, max_size=2),
    on_error=st.sampled_from(["collect", "stop"]),
    batch=st.none() | COUNTS,
    to=st.none() | ID_LISTS,
)
def test_import_and_associates(
    stores: tuple[list[str], Path],
    data: st.DataObject,
    name: str,
    groups: list[str],
    on_error: str,
    batch: str | None,
    to: str | None,
) -> None:
    store = data.draw(st.sampled_from(stores[0]))
    args = ["-d", store, "associate", "add", name]
    for group in groups:
        args += ["--group", group]
    invoke("associate add", args)
    persons = data.draw(paths(stores[1]))
    args = ["-d", store, "import", "--persons", persons, "--on-error", on_error]
    args += ["--batch-size", batch] if batch is not None else []
    args += ["--distribute-to", to] if to is not None else []
    invoke("import", args)
