"""The text form: grammar examples, names, errors with positions, exact round trips."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Not,
    Operator,
    Period,
)
from leadcore.criteria.build import MAX_INT, MIN_INT, condition
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaParseError,
    OperatorNotAllowed,
    UnknownFieldError,
)
from leadcore.criteria.fields import Entity
from leadcore.criteria.text import MAX_DEPTH, OPERATOR_WORDS, format, parse
from leadcore.errors import DuplicateNameError
from leadcore.lists import CategoryList, LeadStatusList, default_statuses, new_database
from leadcore.model import CategoryGroup
from leadcore.testing.strategies import category_lists, criteria, lead_status_lists

CATEGORIES, STATUSES = new_database()


def leaf(key: str, op: Operator, *values: object) -> Condition:
    return Condition(key, op, tuple(values))  # type: ignore[arg-type]


# --- every operator's syntax ---------------------------------------------------------

OPERATOR_EXAMPLES: list[tuple[str, Condition]] = [
    ("person.lead_status in (#1, #2)", leaf("person.lead_status", Operator.IN, 1, 2)),
    ("person.lead_status not in ()", leaf("person.lead_status", Operator.NOT_IN)),
    ("person.owner is current associate", leaf("person.owner", Operator.CURRENT_ASSOCIATE)),
    (
        "person.owner is not current associate",
        leaf("person.owner", Operator.NOT_CURRENT_ASSOCIATE),
    ),
    ("person.owner in (#7, 8)", leaf("person.owner", Operator.IN, 7, 8)),
    ('person.email equals "a@b.dk"', leaf("person.email", Operator.EQUALS, "a@b.dk")),
    ('person.email not equals ""', leaf("person.email", Operator.NOT_EQUALS, "")),
    ('person.first_name begins "An"', leaf("person.first_name", Operator.BEGINS, "An")),
    ('person.first_name not begins "An"', leaf("person.first_name", Operator.NOT_BEGINS, "An")),
    ('person.last_name contains "%s_"', leaf("person.last_name", Operator.CONTAINS, "%s_")),
    ("person.last_name not contains 'x'", leaf("person.last_name", Operator.NOT_CONTAINS, "x")),
    ('company.name ends "ApS"', leaf("company.name", Operator.ENDS, "ApS")),
    ('company.name not ends "A/S"', leaf("company.name", Operator.NOT_ENDS, "A/S")),
    ("person.id = 5", leaf("person.id", Operator.EQ, 5)),
    ("person.id <> 5", leaf("person.id", Operator.NE, 5)),
    ("person.id != 5", leaf("person.id", Operator.NE, 5)),
    ("person.id > -2.5", leaf("person.id", Operator.GT, -2.5)),
    ("person.id < 1e3", leaf("person.id", Operator.LT, 1000.0)),
    ("person.id >= 0", leaf("person.id", Operator.GE, 0)),
    ("person.id <= inf", leaf("person.id", Operator.LE, float("inf"))),
    ("person.id between 1 and 5", leaf("person.id", Operator.BETWEEN, 1, 5)),
    ("person.id not between 1 and 5", leaf("person.id", Operator.NOT_BETWEEN, 1, 5)),
    ("person.retired is true", leaf("person.retired", Operator.IS_TRUE)),
    ("person.has_company IS FALSE", leaf("person.has_company", Operator.IS_FALSE)),
    (
        "person.registered before 2026-01-01",
        leaf("person.registered", Operator.BEFORE, date(2026, 1, 1)),
    ),
    ("person.updated on 2025-12-31", leaf("person.updated", Operator.ON, date(2025, 12, 31))),
    (
        "company.registered after 2026-03-31",
        leaf("company.registered", Operator.AFTER, date(2026, 3, 31)),
    ),
    (
        "person.registered between 2026-01-01 and 2026-03-31",
        leaf("person.registered", Operator.DATE_BETWEEN, date(2026, 1, 1), date(2026, 3, 31)),
    ),
    ("person.registered before today", leaf("person.registered", Operator.BEFORE_TODAY)),
    ("person.registered is today", leaf("person.registered", Operator.TODAY)),
    ("person.registered after today", leaf("person.registered", Operator.AFTER_TODAY)),
    ("person.registered this week", leaf("person.registered", Operator.THIS, Period.WEEK)),
    ("person.registered next day", leaf("person.registered", Operator.NEXT, Period.DAY)),
    (
        "person.registered previous quarter",
        leaf("person.registered", Operator.PREVIOUS, Period.QUARTER),
    ),
    (
        "person.registered this and next month",
        leaf("person.registered", Operator.THIS_AND_NEXT, Period.MONTH),
    ),
    (
        "person.updated this and previous year",
        leaf("person.updated", Operator.THIS_AND_PREVIOUS, Period.YEAR),
    ),
    (
        "person.updated this and previous 3 months",
        leaf("person.updated", Operator.THIS_AND_PREVIOUS, 3, Period.MONTH),
    ),
    (
        "person.updated this previous and next quarter",
        leaf("person.updated", Operator.THIS_PREVIOUS_AND_NEXT, Period.QUARTER),
    ),
    ("person.updated next 1 week", leaf("person.updated", Operator.NEXT, 1, Period.WEEK)),
    ("person.status_changed last 30 days", leaf("person.status_changed", Operator.LAST, 30,
                                                Period.DAY)),
    ("company.registered older than 2 years", leaf("company.registered", Operator.OLDER_THAN, 2,
                                                   Period.YEAR)),
    ("person.owner has a value", leaf("person.owner", Operator.SET)),
    ("person.email has no value", leaf("person.email", Operator.NOT_SET)),
]  # fmt: skip


def test_every_operator_has_words_and_an_example() -> None:
    assert set(OPERATOR_WORDS) == set(Operator)
    assert {c.operator for _, c in OPERATOR_EXAMPLES} == set(Operator)


@pytest.mark.parametrize(("text", "expected"), OPERATOR_EXAMPLES)
def test_operator_syntax(text: str, expected: Condition) -> None:
    parsed = parse(text)
    assert parsed == expected
    assert [type(v) for v in parsed.values] == [type(v) for v in expected.values]
    assert parse(format(parsed)) == parsed


# --- and / or / not, parentheses, constants, groups -----------------------------------

A = leaf("person.retired", Operator.IS_TRUE)
B = leaf("person.id", Operator.EQ, 1)
C = leaf("person.id", Operator.EQ, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("person.retired is true or person.id = 1 and person.id = 2", AnyOf((A, AllOf((B, C))))),
        ("not person.retired is true and person.id = 1", AllOf((Not(A), B))),
        ("not (person.retired is true and person.id = 1)", Not(AllOf((A, B)))),
        ("(person.retired is true or person.id = 1) and person.id = 2", AllOf((AnyOf((A, B)), C))),
        ("person.retired is true and (person.id = 1 and person.id = 2)",
         AllOf((A, AllOf((B, C))))),
        ("((person.retired is true))", A),
        ("not not person.retired is true", Not(Not(A))),
        ("always or never", AnyOf((ALWAYS, NEVER))),
        ("not always", Not(ALWAYS)),
        ("all()", AllOf(())),
        ("any(person.retired is true)", AnyOf((A,))),
        ("all(person.retired is true, person.id = 1 or person.id = 2)",
         AllOf((A, AnyOf((B, C))))),
        ("groups {}", Groups(())),
        (
            "groups { [person.retired is true and person.first_name begins ()], [], "
            "subtract [person.id = 1] }",
            Groups(
                (
                    Group((A, leaf("person.first_name", Operator.BEGINS))),
                    Group(()),
                    Group((B,), subtract=True),
                )
            ),
        ),
        ("PERSON.RETIRED is true", None),
    ],
)  # fmt: skip
def test_structure(text: str, expected: Criterion | None) -> None:
    if expected is None:  # field keys are case-sensitive
        with pytest.raises(UnknownFieldError):
            parse(text)
        return
    tree = parse(text)
    assert tree == expected
    assert parse(format(tree)) == tree


def test_constants_parse_to_the_singletons() -> None:
    tree = parse("always and never")
    assert isinstance(tree, AllOf)
    assert tree.children[0] is ALWAYS
    assert tree.children[1] is NEVER


def test_formatter_parenthesises_only_where_needed() -> None:
    assert format(AnyOf((A, AllOf((B, C))))) == (
        "person.retired is true or (person.id = 1 and person.id = 2)"
    )
    assert format(Not(AnyOf((A, B)))) == "not (person.retired is true or person.id = 1)"
    assert format(AllOf((A, AllOf((B, C))))) == (
        "person.retired is true and (person.id = 1 and person.id = 2)"
    )
    assert format(AllOf((AllOf((A,)),))) == "all(all(person.retired is true))"


# --- values: names, keys, ids, strings --------------------------------------------------


def test_names_and_keys_resolve_through_the_lists() -> None:
    mql = CATEGORIES.by_name("Marketing qualified lead").id
    tree = parse(
        'person.lead_status in (Open, "contacting", renurture, Re-nurture, #9) and '
        'person.category in (Marketing qualified lead, "Lead") and '
        'company.category_group in (Customer, potential_customer, "Potentiel kunde", 4)',
        categories=CATEGORIES,
        statuses=STATUSES,
    )
    assert isinstance(tree, AllOf)
    assert tree.children[0] == leaf("person.lead_status", Operator.IN, 1, 2, 5, 5, 9)
    assert tree.children[1] == leaf(
        "person.category", Operator.IN, mql, CATEGORIES.by_name("Lead").id
    )
    assert tree.children[2] == leaf("company.category_group", Operator.IN, 1, 2, 2, 4)


def test_a_deleted_item_stays_matchable_by_name() -> None:
    statuses = STATUSES.delete(STATUSES.by_name("Disqualified").id)
    parsed = parse("person.lead_status in (Disqualified)", statuses=statuses)
    assert parsed == leaf("person.lead_status", Operator.IN, 4)
    assert format(parsed, statuses=statuses) == "person.lead_status in (Disqualified)"


def test_format_writes_names_with_lists_and_ids_without() -> None:
    tree = condition("person.lead_status", "in", 1, 99) & condition(
        "company.category_group", "not_in", CategoryGroup.POTENTIAL_CUSTOMER, 3
    )
    assert format(tree, statuses=STATUSES) == (
        'person.lead_status in (Open, #99) and company.category_group not in ("Potential '
        'customer", Partner)'
    )
    assert format(tree) == (
        'person.lead_status in (#1, #99) and company.category_group not in ("Potential '
        'customer", Partner)'
    )


def test_names_that_look_like_syntax_are_quoted() -> None:
    statuses = default_statuses()
    for name in ("and", "true", "Null", "inf", "inf-x", "info", "#3", "12", 'say "hi"', "x)"):
        statuses, item = statuses.add(name)
        tree = leaf("person.lead_status", Operator.IN, item.id)
        text = format(tree, statuses=statuses)
        assert parse(text, statuses=statuses) == tree, text


def test_names_need_their_list() -> None:
    with pytest.raises(CriteriaParseError) as info:
        parse("person.lead_status in (Open)")
    assert info.value.position == 23
    assert "statuses=" in str(info.value)
    with pytest.raises(CriteriaParseError, match="categories="):
        parse("person.category in (Lead)")
    with pytest.raises(CriteriaParseError, match="an associate id"):
        parse("person.owner in (Ann)")


def test_strings_keep_quotes_escapes_and_unicode() -> None:
    text = 'person.first_name equals "a \\"b\\" \\\\ \\n \\t \\u00e6 \\U0001F600 ø"'
    assert parse(text) == leaf("person.first_name", Operator.EQUALS, 'a "b" \\ \n \t æ 😀 ø')


# --- errors: position and what was expected -------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("", 0, "a criterion"),
        ("person.retired", 14, "an operator for person.retired"),
        ("person.retired is true and", 26, "a criterion"),
        ("person.retired is true person.id = 1", 23, "'and', 'or' or the end"),
        ("(person.retired is true", 23, "'and', 'or' or ')'"),
        ("person.lead_status in (#1", 25, "',' or ')'"),
        ("person.lead_status in #1", 22, "'('"),
        ("person.id between 1 or 2", 20, "'and' between the two values"),
        ("person.id = ", 12, "a number"),
        ("person.first_name begins Ann", 25, "a quoted text"),
        ('person.first_name begins "Ann', 29, 'the closing "'),
        ('person.first_name begins "\\q"', 26, "an escape"),
        ("person.registered this fortnight", 23, "a period"),
        ("person.registered before 2026-02-30", 25, "a valid ISO date"),
        ("person.id = 1 ; drop", 14, "a word, value or punctuation"),
        ("groups { [person.id = 1 or person.id = 2] }", 24, "'and' or ']'"),
        ("groups [ ]", 7, "'{' after 'groups'"),
        ("foo", 0, "a criterion"),
        ("person.id = 1e999", 12, "a number within the float range"),
        ("person.id in (1, -1e999)", 17, "a number within the float range"),
        ("person.owner in (#" + "9" * 5000 + ")", 17, "an integer of fewer digits"),
    ],
)
def test_errors_say_where_and_what_was_expected(text: str, position: int, expected: str) -> None:
    with pytest.raises(CriteriaParseError) as info:
        parse(text)
    assert info.value.position == position
    assert expected in info.value.expected
    assert f"at {position}" in str(info.value)


def test_leaves_are_validated_with_typed_errors_at_their_position() -> None:
    with pytest.raises(UnknownFieldError) as unknown:
        parse("person.retired is true and person.shoe_size = 4")
    assert isinstance(unknown.value, CriteriaParseError)
    assert unknown.value.position == 27
    with pytest.raises(OperatorNotAllowed) as wrong_op:
        parse("person.retired begins 'x'")
    assert isinstance(wrong_op.value, CriteriaParseError)
    assert wrong_op.value.position == 15
    assert "is_true" in str(wrong_op.value)
    with pytest.raises(BadValueError) as bad_value:
        parse("person.first_name begins 3")
    assert bad_value.value.position == 25  # type: ignore[attr-defined]
    with pytest.raises(BadValueError):
        parse("person.registered on 2026-01-01T10:00:00")  # dates, not datetimes
    with pytest.raises(BadValueError):
        parse("person.lead_status in (#1, null)")
    with pytest.raises(BadValueError):
        parse("person.first_name begins ()")  # inactive only inside a group


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("person.lead_status in (#1, #2, null)", 31),
        ("person.id between 1 and 'x'", 24),
        ("groups { [person.id between 1 and 'x'] }", 34),
    ],
)
def test_a_bad_value_is_pointed_at_not_its_list(text: str, position: int) -> None:
    with pytest.raises(BadValueError) as info:
        parse(text)
    assert isinstance(info.value, CriteriaParseError)
    assert info.value.position == position


def test_an_explicit_infinity_is_still_read() -> None:
    assert parse("person.id = -inf") == leaf("person.id", Operator.EQ, float("-inf"))


def test_the_entity_decides_the_fields() -> None:
    assert parse('company.name begins "A"', entity=Entity.COMPANY) == leaf(
        "company.name", Operator.BEGINS, "A"
    )
    with pytest.raises(UnknownFieldError):
        parse("person.retired is true", entity=Entity.COMPANY)


# --- round trips -------------------------------------------------------------------------


_NO_NUL = st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")
"""Any character but NUL and lone surrogates, which no stored name and no text criterion
holds (as ``st.text()`` leaves surrogates out)."""


def _hostile_names() -> st.SearchStrategy[str]:
    return st.text(_NO_NUL, min_size=1, max_size=8).filter(lambda s: s.strip() != "")


@st.composite
def hostile_lists(draw: st.DrawFn) -> tuple[CategoryList, LeadStatusList]:
    """Lists whose names are any unicode text: keywords, quotes, digits, spaces."""
    categories = CategoryList()
    statuses = default_statuses()
    for name in draw(st.lists(_hostile_names(), max_size=5)):
        with contextlib.suppress(DuplicateNameError):
            categories, _ = categories.add(name, draw(st.sampled_from(CategoryGroup)))
    for name in draw(st.lists(_hostile_names(), max_size=5)):
        with contextlib.suppress(DuplicateNameError):
            statuses, _ = statuses.add(name)
    if draw(st.booleans()) and len(statuses) > 1:
        statuses = statuses.delete(statuses.items[-1].id)
    return categories, statuses


@given(st.data())
def test_round_trip_of_generated_trees(data: st.DataObject) -> None:
    categories = data.draw(category_lists())
    statuses = data.draw(lead_status_lists())
    tree = data.draw(criteria(categories, statuses))
    assert parse(format(tree)) == tree
    named = format(tree, categories=categories, statuses=statuses)
    assert parse(named, categories=categories, statuses=statuses) == tree


@settings(max_examples=max(20, settings().max_examples // 2))
@given(st.data())
def test_round_trip_with_hostile_names(data: st.DataObject) -> None:
    categories, statuses = data.draw(hostile_lists())
    tree = data.draw(criteria(categories, statuses, max_leaves=4))
    text = format(tree, categories=categories, statuses=statuses)
    assert parse(text, categories=categories, statuses=statuses) == tree


TEXT_OPS = [op for op in Operator if op.value.endswith(("equals", "begins", "contains", "ends"))]


@given(
    st.sampled_from(TEXT_OPS), st.text(_NO_NUL), st.sampled_from(["person.email", "company.name"])
)
def test_round_trip_of_any_text(op: Operator, value: str, key: str) -> None:
    tree = leaf(key, op, value)
    text = format(tree)
    assert "\n" not in text
    assert "\r" not in text
    parsed = parse(text)
    assert parsed == tree
    assert parsed.values[0] == value


@given(st.floats(allow_nan=False) | st.integers(MIN_INT, MAX_INT))
def test_round_trip_of_any_number(value: float) -> None:
    tree = leaf("person.id", Operator.GE, value)
    parsed = parse(format(tree))
    assert parsed == tree
    assert type(parsed.values[0]) is type(value)


@given(st.dates())
def test_round_trip_of_any_date(value: date) -> None:
    tree = leaf("person.updated", Operator.ON, value)
    assert parse(format(tree)) == tree


def test_nesting_is_bounded_with_a_typed_error() -> None:
    tree: Criterion = leaf("person.retired", Operator.IS_TRUE)
    for n in range(MAX_DEPTH):
        tree = Not(tree) if n % 2 else AllOf((tree, B))
    assert parse(format(tree)) == tree
    with pytest.raises(CriteriaParseError, match="levels of nesting"):
        parse("not " * 1000 + "person.retired is true")
    with pytest.raises(CriteriaParseError, match="levels of nesting"):
        parse("(" * 1000 + "person.retired is true" + ")" * 1000)


def test_the_example_of_the_issue() -> None:
    text = 'person.lead_status in (Open, Contacting) and not company.category_group in ("Customer")'
    tree = parse(text, statuses=STATUSES)
    assert tree == condition("person.lead_status", "in", 1, 2) & ~condition(
        "company.category_group", "in", CategoryGroup.CUSTOMER
    )
    assert format(tree, statuses=STATUSES) == text.replace('"Customer"', "Customer")
