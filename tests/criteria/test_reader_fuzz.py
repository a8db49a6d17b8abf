"""Fuzz every public criteria reader: any input gives a criterion or a typed LeadcoreError.

Never another exception (no RecursionError, TypeError, ValueError, UnicodeError) and
no hang: hostile text with lone surrogates, NUL and huge numbers, bytes, deep nesting,
and plain data with cycles and keys that are not text. One test per reader of outside
input: criteria text, criteria JSON (text and plain data), criteria groups as JSON (the
``groups`` node and SuperOffice's ``ArchiveRestrictionGroup[]``), restriction rows (the
neutral pair and every provider), restriction strings and ``$filter``. Example counts
come from the profiles in tests/conftest.py (``CI=true``: the ``ci`` profile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from leadcore.criteria.ast import Criterion
from leadcore.criteria.errors import CriteriaError
from leadcore.criteria.json import from_json, structure
from leadcore.criteria.restrictions import (
    Link,
    Restriction,
    from_archive_infos,
    import_restrictions,
)
from leadcore.criteria.superoffice import (
    PROVIDERS,
    Imported,
    read_filter,
    read_groups,
    read_rows,
    read_string,
)
from leadcore.criteria.text import parse
from leadcore.errors import LeadcoreError
from leadcore.lists import new_database
from leadcore.testing.strategies import hostile_texts

CATEGORIES, STATUSES = new_database()

# Any character, lone surrogates and NUL included (st.text leaves surrogates out).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
HUGE = st.sampled_from(["9" * 30, "9" * 5000, "1e999", "-1e999", "NaN", "inf", str(2**63)])
TEXT_PIECES = st.one_of(
    st.sampled_from(
        [
            "not ", "(", ")", "all(", "any(", ", ", " and ", " or ", "always", "never",
            "person.retired is true", "person.id = ", "person.id between ", "person.owner in (",
            "person.first_name begins ", "person.lead_status in (", "groups { [", "] }",
            '"\\ud800"', '"\\udfff\\u0000"', '"\x00"', "\ud800", "#", "Open", "#1",
        ]
    ),
    HUGE,
    hostile_texts(),
    ANY_TEXT,
)  # fmt: skip
JSON_PIECES = st.one_of(
    st.sampled_from(
        [
            "{", "}", "[", "]", ",", ":", '"version": 1', '"criteria": ', '"type": "not"',
            '"type": "all_of"', '"children": ', '"child": ', '"type": "condition"',
            '"field": "person.id"', '"field": "person.first_name"', '"operator": "eq"',
            '"operator": "begins"', '"values": ', '"\\ud800"', '"\\u0000"', "null", "true",
            '{"float": "inf"}', '{"date": "2026-01-31"}',
        ]
    ),
    HUGE,
    ANY_TEXT,
)  # fmt: skip


def _typed_or_criterion(read: Callable[[], Criterion | Imported]) -> None:
    try:
        result = read()
    except LeadcoreError:
        return
    if isinstance(result, Imported):
        result = result.criterion
    assert isinstance(result, Criterion)  # type: ignore[arg-type]


@given(st.one_of(ANY_TEXT, st.lists(TEXT_PIECES, max_size=30).map("".join)), st.integers(0, 300))
def test_the_text_reader_never_fails_untyped(text: str, depth: int) -> None:
    _typed_or_criterion(lambda: parse(text, categories=CATEGORIES, statuses=STATUSES))
    _typed_or_criterion(lambda: parse("not " * depth + text))
    _typed_or_criterion(lambda: parse("(" * depth + text + ")" * depth))


@given(
    st.one_of(
        st.binary(max_size=60),
        ANY_TEXT,
        st.lists(JSON_PIECES, max_size=40).map("".join),
        st.lists(JSON_PIECES, max_size=40).map(lambda p: "".join(p).encode("utf-8", "replace")),
    ),
    st.integers(0, 300),
)
def test_the_json_text_reader_never_fails_untyped(text: str | bytes, depth: int) -> None:
    _typed_or_criterion(lambda: from_json(text))
    if isinstance(text, str):
        wrapped = '{"version": 1, "criteria": ' + '{"type": "not", "child": ' * depth + text
        _typed_or_criterion(lambda: from_json(wrapped + "}" * (depth + 1)))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.integers(0, 0).map(lambda _: 10**5000),
    st.floats(),
    ANY_TEXT,
    st.sampled_from(["all_of", "any_of", "not", "condition", "always", "groups", "type"]),
    st.sampled_from(["person.id", "person.first_name", "eq", "begins", "in", "version"]),
)
_KEYS = st.one_of(
    st.sampled_from(["type", "children", "child", "field", "operator", "values", "groups",
                     "criteria", "subtract", "version", "date", "float", "period"]),
    ANY_TEXT,
    st.integers(),
    st.sampled_from([None, True, False, 1.5, (1,), 2**70]),  # keys JSON text never has
)  # fmt: skip
PLAIN_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=4),
    ),
    max_leaves=30,
)


def _with_cycle(data: Any) -> Any:
    """``data`` with the first list found made to contain itself (a cycle), if it has one."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            item.append(item)
            return data
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, tuple):
            stack.extend(item)
    return data


@given(PLAIN_DATA, st.booleans(), st.booleans(), st.integers(0, 300))
def test_the_plain_data_reader_never_fails_untyped(
    criteria: Any, enveloped: bool, cyclic: bool, depth: int
) -> None:
    data: Any = {"version": 1, "criteria": criteria} if enveloped else criteria
    if cyclic:
        data = _with_cycle(data)
    _typed_or_criterion(lambda: structure(data))
    nested: Any = criteria
    for _ in range(depth):
        nested = {"type": "not", "child": nested}
    _typed_or_criterion(lambda: structure({"version": 1, "criteria": nested}))


ROW_VALUES = st.one_of(st.lists(st.one_of(ANY_TEXT, HUGE, hostile_texts()), max_size=3), _SCALARS)
ARCHIVE_INFO = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "Name": st.one_of(
                st.sampled_from(["retired", "personId", "firstName", "leadStatus",
                                 "personRegisteredDate", "getAllRows", "getNoRows"]),
                _SCALARS,
            ),
            "Operator": st.one_of(
                st.sampled_from(["set", "=", "between", "begins", "oneOf", "nextPeriod",
                                 "thisPeriod"]),
                _SCALARS,
            ),
            "Values": ROW_VALUES,
            "IsActive": st.one_of(st.booleans(), _SCALARS),
            "InterOperator": st.one_of(st.sampled_from(["And", "Or", "or"]), _SCALARS),
            "InterParenthesis": st.one_of(st.integers(-70, 70), _SCALARS),
        },
    ),
    PLAIN_DATA,
)  # fmt: skip


@given(st.one_of(st.lists(ARCHIVE_INFO, max_size=8), PLAIN_DATA))
def test_the_restriction_readers_never_fail_untyped(infos: Any) -> None:
    try:
        rows = from_archive_infos(infos)
    except LeadcoreError:
        return
    _typed_or_criterion(lambda: import_restrictions(rows))


@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["retired", "personId", "firstName"]), _SCALARS),
            st.one_of(st.sampled_from(["set", "=", "begins"]), _SCALARS),
            ROW_VALUES,
            st.one_of(st.sampled_from(Link), _SCALARS),
            st.one_of(st.integers(0, 70), _SCALARS),
            st.one_of(st.integers(0, 70), _SCALARS),
        ),
        max_size=8,
    )
)
def test_restriction_rows_are_built_or_refused_typed(fields: list[tuple[Any, ...]]) -> None:
    rows: list[Restriction] = []
    for name, operator, values, link, opened, closed in fields:
        try:
            rows.append(Restriction(name, operator, values, link, opened, closed))
        except CriteriaError:
            continue
    _typed_or_criterion(lambda: import_restrictions(rows))


def test_with_cycle_makes_a_cycle() -> None:
    """A guard that the cyclic fuzz case above really holds a cycle."""
    data = _with_cycle({"a": (1, [2])})
    assert data["a"][1][1] is data["a"][1]


NOT_TEXT_KEYS = st.sampled_from([None, True, False, 1.5, (1,), 2**70, -1])
GROUP_DATA = st.one_of(
    st.lists(
        st.one_of(
            st.dictionaries(_KEYS, PLAIN_DATA, max_size=4),
            st.builds(  # a group object with a key that is not text, among text keys
                lambda key, value, kept: {**kept, key: value},
                NOT_TEXT_KEYS,
                PLAIN_DATA,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "criteria": st.lists(PLAIN_DATA, max_size=2),
                        "subtract": _SCALARS,
                        "zz": _SCALARS,
                    },
                ),
            ),
            st.fixed_dictionaries(
                {"criteria": st.lists(PLAIN_DATA, max_size=3)},
                optional={"subtract": _SCALARS, "type": _SCALARS},
            ),
            PLAIN_DATA,
        ),
        max_size=4,
    ),
    PLAIN_DATA,
)


@given(GROUP_DATA)
def test_the_groups_json_reader_never_fails_untyped(groups: Any) -> None:
    """Issue 23: a group whose object has a key that is not text (None) raised TypeError."""
    _typed_or_criterion(
        lambda: structure({"version": 1, "criteria": {"type": "groups", "groups": groups}})
    )


SO_COLUMNS = st.sampled_from(
    [
        "name",
        "contactId",
        "category",
        "categoryGroup",
        "associateId",
        "registeredDate",
        "firstName",
        "personId",
        "leadStatus",
        "retired",
        "personEmail/emailAddress",
        "email/emailAddress",
        "personContact/name",
        "contact/name",
        "getAllRows",
        "getNoRows",
        "person.firstname",
        "contact.name",
        "person.(email->person_id).email_address",
        "person.contact_id",
        "selectionId",
    ]
)
SO_OPERATORS = st.sampled_from(
    [
        "=",
        "eq",
        ">=",
        "ge",
        "le",
        "between",
        "begins",
        "notEnds",
        "oneOf",
        "notOneOf",
        "associateIsOneOf",
        "currentAssociate",
        "set",
        "dateBetween",
        "afterTime",
        "lastWeek",
        "thisAndPrevious",
        "nextPeriod",
        "isNull",
        "in",
        "intArrayOneOf",
        "thisHalf",
    ]
)
SO_ROW = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "Name": st.one_of(SO_COLUMNS, _SCALARS),
            "Operator": st.one_of(SO_OPERATORS, _SCALARS),
            "Values": ROW_VALUES,
            "IsActive": st.one_of(st.booleans(), _SCALARS),
            "InterOperator": st.one_of(st.sampled_from(["And", "Or", "None", None]), _SCALARS),
            "InterParenthesis": st.one_of(st.integers(-70, 70), _SCALARS),
            "SubRestrictions": st.one_of(st.lists(PLAIN_DATA, max_size=2), _SCALARS),
        },
    ),
    st.dictionaries(_KEYS, PLAIN_DATA, max_size=3),
    PLAIN_DATA,
)
SO_PROVIDERS = st.sampled_from(sorted(p.name for p in PROVIDERS.values()))


@given(st.one_of(st.lists(SO_ROW, max_size=8), PLAIN_DATA), SO_PROVIDERS, st.booleans())
def test_the_superoffice_rows_reader_never_fails_untyped(
    rows: Any, provider: str, company: bool
) -> None:
    entity = PROVIDERS[provider.casefold()].entities[-1 if company else 0]
    _typed_or_criterion(lambda: read_rows(rows, provider, entity=entity))


@given(
    st.one_of(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {}, optional={"Name": _SCALARS, "Rank": _SCALARS,
                                  "Restrictions": st.one_of(st.lists(SO_ROW, max_size=4),
                                                            PLAIN_DATA)}
                ),
                st.dictionaries(_KEYS, PLAIN_DATA, max_size=3),
                PLAIN_DATA,
            ),
            max_size=4,
        ),
        PLAIN_DATA,
    ),
    SO_PROVIDERS,
)  # fmt: skip
@example([{"Name": 10**5000}], "Contact")  # an inactive group's name printed in its note
def test_the_superoffice_groups_reader_never_fails_untyped(groups: Any, provider: str) -> None:
    _typed_or_criterion(lambda: read_groups(groups, provider))


SO_SYNTAX = st.one_of(
    st.sampled_from(
        ["(", ")", "'", "''", "\\'", "\\\\", "\\", '"', ",", " ", "and", "or", "not",
         "eq", "=", "<>", ">=", "between", "oneOf", "notOneOf", "lastWeek", "thisAndPrevious",
         "1", "-5", "2.5", "1e29", "1e999", "9" * 30, "[I:3]", "[D:01.02.2020]", "[F:1e5]",
         "'2020-05-28'", "'x'", "'a\\'b'", "startswith(", "endswith(", "this(", "next(",
         "eq true", "(email->person_id)", "person.", "contact.", "[contact]", "->", "\x00",
         "\u2028", "é", "\ud800"]
    ),
    SO_COLUMNS,
    SO_OPERATORS,
    hostile_texts(),
    ANY_TEXT,
)  # fmt: skip


@given(st.lists(SO_SYNTAX, max_size=30).map(" ".join) | ANY_TEXT, SO_PROVIDERS)
def test_the_restriction_string_reader_never_fails_untyped(text: str, provider: str) -> None:
    _typed_or_criterion(lambda: read_string(text, provider))


@given(st.lists(SO_SYNTAX, max_size=30).map(" ".join) | ANY_TEXT, SO_PROVIDERS)
def test_the_filter_reader_never_fails_untyped(text: str, provider: str) -> None:
    _typed_or_criterion(lambda: read_filter(text, provider))
