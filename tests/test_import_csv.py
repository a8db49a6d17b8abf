"""The CSV reader of the import: a good file read into rows, and each refusal with its line."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.errors import CsvReadError
from leadcore.importing import (
    COMPANY_COLUMNS,
    FORMULA_STARTS,
    HISTORY_COLUMNS,
    PERSON_COLUMNS,
    CsvRows,
    StatusChange,
    escape_formula,
    read_csv,
    unescape_formula,
)
from leadcore.lists import new_database
from leadcore.model import Utm
from leadcore.testing.strategies import hostile_texts

CATEGORIES, STATUSES = new_database()
LEAD = CATEGORIES.by_name("Lead").id

COMPANIES = """key,name,category,owner_id,registered,source_utm.source
acme,Acme,Lead,3,2025-01-02T10:00:00+01:00,fair
"globex","Globex, Inc.",customer,,,
"""
PERSONS = (
    "key,first_name,last_name,company_key,email,retired,registered,first_touch.source,"
    "status,status_at\n"
    """p1,Ann,Ash,acme,ann@acme.example,no,2025-02-01T08:00:00Z,google,qualified,2025-03-01T08:00:00Z
p2,Bo,,globex,,yes,,,,

p3,Cy,Cole,,,,2025-02-01T08:00:00Z,,,
"""
)
HISTORY = """person_key,status,at,reason
p1,Open,2025-02-01T08:00:00Z,
p1,contacting,2025-02-10T08:00:00Z,Called
"""


def read(
    companies: str | bytes | None = None,
    persons: str | bytes | None = None,
    history: str | bytes | None = None,
    **bounds: int,
) -> CsvRows:
    def stream(text: str | bytes | None) -> io.BytesIO | None:
        if text is None:
            return None
        return io.BytesIO(text.encode() if isinstance(text, str) else text)

    return read_csv(
        CATEGORIES,
        STATUSES,
        companies=stream(companies),
        persons=stream(persons),
        history=stream(history),
        **bounds,
    )


def test_a_good_file_gives_the_rows_with_their_lines() -> None:
    rows = read(COMPANIES, PERSONS, HISTORY)
    acme, globex = rows.companies
    assert (acme.key, acme.category_id, acme.owner_id) == ("acme", LEAD, 3)
    assert acme.registered == datetime(2025, 1, 2, 9, tzinfo=UTC)
    assert acme.source_utm == Utm(source="fair")
    assert (globex.name, globex.category_id) == ("Globex, Inc.", CATEGORIES.by_name("Customer").id)
    assert (globex.registered, globex.source_utm) == (None, None)
    ann, bo, cy = rows.persons
    assert (ann.company_key, ann.email, ann.retired) == ("acme", "ann@acme.example", False)
    assert ann.first_touch_utm == Utm(source="google")
    assert ann.history == (
        StatusChange(STATUSES.by_key("open").id, datetime(2025, 2, 1, 8, tzinfo=UTC)),
        StatusChange(
            STATUSES.by_key("contacting").id, datetime(2025, 2, 10, 8, tzinfo=UTC), "Called"
        ),
        StatusChange(STATUSES.by_key("qualified").id, datetime(2025, 3, 1, 8, tzinfo=UTC)),
    )
    assert (bo.retired, bo.history, bo.last_name) == (True, (), "")
    assert (cy.company_key, cy.registered.tzinfo) == (None, UTC)  # type: ignore[union-attr]
    assert rows.company_lines == (2, 3)
    assert rows.person_lines == (2, 3, 5)


def test_a_file_path_a_byte_order_mark_and_crlf_line_ends_are_read(tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_bytes(b"\xef\xbb\xbf" + COMPANIES.replace("\n", "\r\n").encode())
    rows = read_csv(CATEGORIES, STATUSES, companies=path)
    assert [c.name for c in rows.companies] == ["Acme", "Globex, Inc."]


def test_a_quoted_field_may_span_lines_and_the_next_row_keeps_its_line() -> None:
    rows = read(persons='first_name,last_name\n"Ann\nMarie",Ash\nBo,Birch\n')
    assert [p.first_name for p in rows.persons] == ["Ann\nMarie", "Bo"]
    assert rows.person_lines == (2, 4)


@pytest.mark.parametrize(
    ("files", "line", "text"),
    [
        ({"companies": "key,nam\nacme,Acme\n"}, 1, "column 2 (did you mean 'name'?)"),
        ({"companies": "key,key,name\n"}, 1, "column 2 repeats column 1 ('key')"),
        ({"companies": "name\nAcme\n"}, 1, "lacks the column key"),
        ({"persons": "email\nx@y\n"}, 1, "lacks the column first_name or last_name"),
        ({"companies": "key,name\nacme,Acme,extra\n"}, 2, "3 fields where the header has 2"),
        ({"companies": 'key,name\nacme,"Acme\n'}, 2, "not valid CSV"),
        ({"companies": b"key,name\nacme,Acme\nbad,\xff\xfe\n"}, 3, "not valid UTF-8"),
        ({"companies": "key,name,category\nacme,Acme,Nope\n"}, 2, "unknown category 'Nope'"),
        ({"companies": "key,name,owner_id\nacme,Acme,-3\n"}, 2, "owner_id '-3' is not an id"),
        ({"companies": "key,name\nacme,\n"}, 2, "a company row needs a non-empty name"),
        ({"persons": "first_name,registered\nAnn,2025-01-01T08:00\n"}, 2, "with an offset"),
        ({"persons": "first_name,registered\nAnn,yesterday\n"}, 2, "not an ISO 8601 time"),
        ({"persons": "first_name,status\nAnn,Hot\n"}, 2, "unknown lead status 'Hot'"),
        ({"persons": "first_name,status\nAnn,open\n"}, 2, "needs the time it was set"),
        ({"persons": "first_name,retired\nAnn,maybe\n"}, 2, "retired 'maybe' is not yes or no"),
        ({"persons": "key,first_name\np,Ann\np,Bo\n"}, 3, "person key 'p' appears twice"),
        (
            {"persons": "key,first_name\np,Ann\n", "history": "person_key,status,at\nq,open,\n"},
            2,
            "needs a status and a time",
        ),
        (
            {
                "persons": "key,first_name\np,Ann\n",
                "history": "person_key,status,at\np,open,2025-01-01T00:00:00Z\n"
                "q,open,2025-01-01T00:00:00Z\n",
            },
            3,
            "names person key 'q', which the persons file lacks",
        ),
    ],
)
def test_each_refusal_names_its_line(files: dict[str, str | bytes], line: int, text: str) -> None:
    with pytest.raises(CsvReadError) as info:
        read(**files)  # type: ignore[arg-type]
    assert info.value.line == line
    which = "history" if "history" in files else next(iter(files))
    assert str(info.value).startswith(f"the {which} file, line {line}: ")
    assert text in str(info.value)
    assert info.value.fix


def test_the_reader_is_bounded_by_rows_and_field_size() -> None:
    many = "first_name\n" + "Ann\n" * 4
    assert len(read(persons=many, max_rows=4).persons) == 4
    with pytest.raises(CsvReadError, match="more than 3 rows") as rows:
        read(persons=many, max_rows=3)
    assert rows.value.line == 5
    with pytest.raises(CsvReadError, match="'first_name' has 6 characters") as field:
        read(persons="first_name,last_name\nAnn,Ash\nAnnabe,Ash\n", max_field=5)
    assert field.value.line == 3
    with pytest.raises(CsvReadError, match="a line longer than") as long_line:
        read(persons="first_name\n" + "x" * 1000 + "\n", max_field=5)
    assert long_line.value.line == 2


def test_rows_read_import_with_their_history() -> None:
    from leadcore.clock import FixedClock
    from leadcore.service import LeadService

    service = LeadService.in_memory(clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    rows = read(COMPANIES, PERSONS, HISTORY)
    refused = service.import_records(rows.companies, rows.persons).refused
    assert (refused[0].kind, type(refused[0].error).__name__) == (
        "company",
        "InactiveOwnerError",  # owner 3 is no associate yet; its persons then have no company
    )
    service = LeadService.in_memory(clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    for name in ("Ann", "Bo", "Cy"):  # associates 1, 2 and 3
        service.associates.add(name)
    report = service.import_records(rows.companies, rows.persons)
    assert report.refused == ()
    ann = report.persons[0]
    assert ann is not None
    history = service.persons.history(ann)
    assert [(e.to_status, e.at - history[0].at) for e in history] == [
        (STATUSES.by_key("open").id, timedelta(0)),
        (STATUSES.by_key("contacting").id, timedelta(days=9)),
        (STATUSES.by_key("qualified").id, timedelta(days=28)),
    ]


HEADERS = [
    b"first_name,last_name,company_key,status,status_at,registered,retired,owner_id\n",
    b"key,name,category,registered\n",
]


@given(st.sampled_from(HEADERS), st.binary(max_size=200))
def test_any_bytes_give_rows_or_a_csv_read_error_with_a_line(header: bytes, body: bytes) -> None:
    as_companies = header.startswith(b"key,name")
    refused: CsvReadError | None = None
    try:
        rows = read(companies=header + body) if as_companies else read(persons=header + body)
    except CsvReadError as error:
        refused = error
    if refused is not None:
        assert refused.line >= 1
        which = "companies" if as_companies else "persons"
        assert str(refused).startswith(f"the {which} file, line {refused.line}: ")
    else:
        lines = rows.company_lines if as_companies else rows.person_lines
        assert list(lines) == sorted(set(lines))


# --- issue 23: hostile files --------------------------------------------------------------


def test_an_id_of_thousands_of_digits_is_refused_with_its_line() -> None:
    """It raised Python's int-conversion ValueError (more than 4300 digits)."""
    for column in ("owner_id", "company_id"):
        with pytest.raises(
            CsvReadError, match=rf"{column} '9999.*\(5000 characters\) is not an id"
        ):
            read(persons=f"first_name,{column}\nAnn,{'9' * 5000}\n")
    with pytest.raises(CsvReadError, match="at most 18 digits") as info:
        read(companies=f"key,name,owner_id\nacme,Acme,{'1' * 19}\n")
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("files", "line"),
    [
        ({"persons": "first_name,last_name\nAnn,A\x00sh\n"}, 2),
        ({"persons": "first_\x00name\nAnn\n"}, 1),
        ({"companies": 'key,name\nacme,"Ac\nme\x00"\n'}, 3),
        ({"persons": "key,first_name\np,Ann\n", "history": "person_key,status,at,reason\n"
          "p,open,2025-01-01T00:00:00Z,x\x00\n"}, 2),
    ],
)  # fmt: skip
def test_nul_in_a_file_is_refused_with_the_file_its_line_and_the_reason(
    files: dict[str, str], line: int
) -> None:
    with pytest.raises(CsvReadError, match=r"NUL \(U\+0000\)") as info:
        read(**files)  # type: ignore[arg-type]
    assert info.value.line == line
    assert "PostgreSQL" in info.value.why
    assert str(info.value).startswith(f"the {list(files)[-1]} file, line {line}: ")


def test_a_time_beyond_the_utc_calendar_is_refused_in_every_time_column() -> None:
    early = "0001-01-01T00:30:00+01:00"
    for files in (
        {"persons": f"first_name,registered\nAnn,{early}\n"},
        {"persons": f"first_name,status,status_at\nAnn,open,{early}\n"},
        {"companies": f"key,name,registered\nacme,Acme,{early}\n"},
        {
            "persons": "key,first_name\np,Ann\n",
            "history": f"person_key,status,at\np,open,{early}\n",
        },
    ):
        with pytest.raises(CsvReadError, match="not within the years 1 to 9999 in UTC") as info:
            read(**files)  # type: ignore[arg-type]
        assert info.value.line == 2
    late = read(persons="first_name,registered\nAnn,9999-12-31T23:59:59-00:00\n")
    assert late.persons[0].registered == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


SECRETS = [
    b"root:x:0:0:root:/root:/bin/bash\n",
    b"hunter2\n",
    b"sk_live_4eC39HqLyjWDarjtT1zdp7dc\n",
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
    b"password,token\nx,y\n",
    b"first_name,first_name\n",
]


@pytest.mark.parametrize("content", SECRETS)
def test_an_import_error_names_the_file_and_the_problem_never_its_first_line(
    tmp_path: Path, content: bytes
) -> None:
    """Any file the user can read (as root, any file at all) may be given as a CSV file."""
    path = tmp_path / "secret.txt"
    path.write_bytes(content)
    with pytest.raises(CsvReadError) as info:
        read_csv(CATEGORIES, STATUSES, persons=path)
    message = str(info.value)
    assert message.startswith(f"{path}, line 1: ")
    first_line = content.decode().splitlines()[0]
    parts = {first_line, *first_line.replace(":", ",").split(",")}
    for part in {p for p in parts if len(p) >= 5} - {"first_name"}:
        assert part not in message, part
    assert info.value.context["file"] == str(path)


def test_a_named_stream_is_named_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_bytes(b"first_name,retired\nAnn,maybe\n")
    with path.open("rb") as stream, pytest.raises(CsvReadError) as info:
        read_csv(CATEGORIES, STATUSES, persons=stream)
    assert str(info.value).startswith(f"{path}, line 2: retired 'maybe' is not yes or no")


def test_a_cell_beginning_a_formula_is_escaped_and_read_back_unchanged() -> None:
    for value in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                  "'=1", "''", "'", "'s-Hertogenbosch", "Ann", ""]:  # fmt: skip
        cell = escape_formula(value)
        assert not cell.startswith(FORMULA_STARTS)
        assert unescape_formula(cell) == value
    rows = read(persons="first_name,last_name\n'=1+1,'''quoted\n's-Hertogenbosch,''\n")
    assert [(p.first_name, p.last_name) for p in rows.persons] == [
        ("=1+1", "''quoted"),
        ("'s-Hertogenbosch", "'"),
    ]


_EXPORTED_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12
).filter(lambda v: v.strip() == v or escape_formula(v) != v) | st.sampled_from(
    ["=cmd|' /C calc'!A0", "@x", "+x", "-x", "'=x", "''", "'", "\t", "= ", "'@ \r\n"]
)


@given(st.lists(st.tuples(_EXPORTED_TEXT, _EXPORTED_TEXT), min_size=1, max_size=4))
def test_every_escaped_export_reads_back_as_it_was_written(names: list[tuple[str, str]]) -> None:
    """What an export writes with escape_formula (the csv module's quoting) reads back
    unchanged; no written cell begins a formula. (The reader strips the spaces around a
    field it did not escape, so such values are drawn without them.)"""
    names = [(first, last) for first, last in names if (first + last).strip()]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["first_name", "last_name"])
    for first, last in names:
        writer.writerow([escape_formula(first), escape_formula(last)])
    written = list(csv.reader(io.StringIO(text.getvalue())))
    assert not any(cell.startswith(FORMULA_STARTS) for row in written for cell in row)
    rows = read(persons=text.getvalue().encode())
    assert [(p.first_name, p.last_name) for p in rows.persons] == names


# hostile files: random headers of known, unknown and hostile columns, hostile cells

_CELLS = st.one_of(
    hostile_texts(6),
    st.text(max_size=8),
    st.sampled_from(
        [
            "9" * 5000,
            "0",
            "-1",
            "1" * 19,
            "²",
            "٣",
            "Lead",
            "open",
            "Qualified",
            "yes",
            "maybe",
            "2025-05-01T09:00:00+02:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-23:59",
            "2025-05-01T09:00:00",
            "=HYPERLINK(1)",
            "'=x",
            "\x00",
            "a\x00b",
            '"',
            "\ud800",
        ]
    ),
)
_HEADER_CELLS = st.sampled_from([*PERSON_COLUMNS, *COMPANY_COLUMNS, *HISTORY_COLUMNS]) | _CELLS


@st.composite
def _hostile_file(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(_HEADER_CELLS, min_size=1, max_size=6))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for _ in range(draw(st.integers(0, 4))):
        width = len(header) if draw(st.integers(0, 9)) else draw(st.integers(0, 8))
        writer.writerow([draw(_CELLS) for _ in range(width)])
    return text.getvalue().encode("utf-8", errors="surrogatepass")


@given(companies=st.none() | _hostile_file(), persons=st.none() | _hostile_file(),
       history=st.none() | _hostile_file())  # fmt: skip
def test_hostile_files_give_rows_or_a_typed_error_naming_file_and_line(
    companies: bytes | None, persons: bytes | None, history: bytes | None
) -> None:
    """The reader's fuzz test (issue 23): only leadcore's typed errors may escape."""
    refused: CsvReadError | None = None
    try:
        rows = read(companies, persons, history)
    except CsvReadError as error:
        refused = error
    if refused is None:
        for row in (*rows.companies, *rows.persons):  # what was read is storable
            assert "\x00" not in repr(row)
        return
    assert refused.line >= 1
    assert re.fullmatch(r"the (companies|persons|history) file", refused.file)
    assert str(refused).startswith(f"{refused.file}, line {refused.line}: ")


def test_a_file_open_in_text_mode_is_a_typed_error() -> None:
    with pytest.raises(CsvReadError, match="gives str, not bytes") as info:
        read_csv(CATEGORIES, STATUSES, persons=io.StringIO("first_name\nAnn\n"))  # type: ignore[arg-type]
    assert "'rb'" in info.value.fix


def test_rows_made_in_code_refuse_nul_and_times_beyond_utc_where_they_enter() -> None:
    from leadcore.errors import ValidationError
    from leadcore.importing import CompanyRow, PersonRow
    from leadcore.model import LeadStatusId

    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    may = datetime(2025, 5, 1, tzinfo=UTC)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: PersonRow("A\x00nn"), "first_name"),
        (lambda: PersonRow("Ann", email="a\x00@b"), "email"),
        (lambda: CompanyRow("k\x00", "Acme"), "key"),
        (lambda: StatusChange(LeadStatusId(1), may, "x\x00"), "reason"),
        (lambda: PersonRow("Ann", registered=early), "registered"),
        (lambda: StatusChange(LeadStatusId(1), early), "at"),
    ]
    for build, field in cases:
        with pytest.raises(ValidationError) as info:
            build()
        assert info.value.context["field"] == field
        assert ("NUL" in str(info.value)) != ("UTC" in str(info.value))
