"""The CSV reader of the import: a good file read into rows, and each refusal with its line."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.errors import CsvReadError
from leadcore.importing import CsvRows, StatusChange, read_csv
from leadcore.lists import new_database
from leadcore.model import Utm

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
        ({"companies": "key,nam\nacme,Acme\n"}, 1, "unknown or repeated columns ['nam']"),
        ({"companies": "key,key,name\n"}, 1, "unknown or repeated columns"),
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
    assert str(info.value).startswith(f"line {line}: ")
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
        assert str(refused).startswith(f"line {refused.line}: ")
    else:
        lines = rows.company_lines if as_companies else rows.person_lines
        assert list(lines) == sorted(set(lines))
