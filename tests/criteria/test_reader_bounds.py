"""Every criteria reader is bounded: each finding of issue 8 as an example.

Each refusal is a typed criteria error that says where: a character offset in
text, a JSON path, or a row path of restriction rows.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest

from leadcore.criteria.ast import AllOf, AnyOf, Condition, Operator
from leadcore.criteria.build import (
    MAX_INT,
    MAX_INT_DIGITS,
    MAX_NESTING,
    MIN_INT,
    condition,
    read_int,
    validate,
)
from leadcore.criteria.errors import (
    BadValueError,
    CriteriaError,
    CriteriaParseError,
    CriteriaTooDeep,
)
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.criteria.json import MAX_CONTAINERS, from_json, structure, to_json
from leadcore.criteria.restrictions import (
    MAX_PARENTHESES,
    Link,
    Restriction,
    from_archive_infos,
    import_restrictions,
)
from leadcore.criteria.superoffice import SuperOfficeBadValue
from leadcore.criteria.text import BadValueAt, TooDeepAt, parse
from leadcore.lists import new_database

# --- values that could never be stored -----------------------------------------------


@pytest.mark.parametrize(
    "value", [MAX_INT + 1, MIN_INT - 1, 10**5000], ids=["max+1", "min-1", "huge"]
)
def test_an_integer_beyond_64_bits_is_a_bad_value(value: int) -> None:
    with pytest.raises(BadValueError, match="64-bit range") as info:
        validate(Condition("person.owner", Operator.IN, (1, value)))
    assert info.value.context["index"] == 1
    assert condition("person.id", "eq", MAX_INT).values == (MAX_INT,)


def test_a_lone_surrogate_in_a_text_value_is_a_bad_value() -> None:
    with pytest.raises(BadValueError, match="character 1 is a lone surrogate") as info:
        condition("person.first_name", "begins", "a\ud800")
    assert info.value.context["index"] == 0
    assert condition("person.first_name", "begins", "\U0001f600").values == ("\U0001f600",)


def test_read_int_refuses_long_literals_before_converting() -> None:
    assert read_int("0" * 5000 + "7") == 7
    assert read_int("-" + "9" * MAX_INT_DIGITS) == -int("9" * MAX_INT_DIGITS)
    with pytest.raises(ValueError, match="more than 19 digits"):
        read_int("1" * (MAX_INT_DIGITS + 1))


# --- the text form ---------------------------------------------------------------------

LEAF_TEXT = "person.retired is true"


def test_text_a_tree_too_deep_is_refused_where_its_first_too_deep_node_starts() -> None:
    text = "not " * (MAX_NESTING + 1) + LEAF_TEXT
    with pytest.raises(TooDeepAt) as info:
        parse(text)
    assert isinstance(info.value, CriteriaTooDeep)
    assert isinstance(info.value, CriteriaParseError)
    assert info.value.position == 4 * (MAX_NESTING + 1)  # the leaf at depth 65
    assert info.value.context["depth"] == MAX_NESTING + 1
    assert f"(at {info.value.position})" in str(info.value)
    calls = "all(" * (MAX_NESTING + 1) + "always" + ")" * (MAX_NESTING + 1)
    with pytest.raises(TooDeepAt) as info:
        parse(calls)
    assert info.value.position == 4 * MAX_NESTING  # the 65th all(


def test_text_nesting_far_too_deep_is_refused_at_the_token_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100)  # the parser must not need the stack to refuse deep input
    try:
        for text in ("(" * 10_000 + LEAF_TEXT, "not " * 10_000 + LEAF_TEXT):
            with pytest.raises(CriteriaParseError, match="levels of nesting") as info:
                parse(text)
            assert isinstance(info.value.position, int)
            assert 0 < info.value.position < 600
        assert parse("not " * MAX_NESTING + LEAF_TEXT)
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("person.id = " + "9" * 5000, 12),
        ("person.owner in (#1, #" + "9" * (MAX_INT_DIGITS + 1) + ")", 21),
        ("person.id = -" + "1" * (MAX_INT_DIGITS + 1), 12),
    ],
    ids=["5000 digits", "20-digit id", "20-digit negative"],
)
def test_text_an_integer_of_too_many_digits_is_refused_at_its_offset(
    text: str, position: int
) -> None:
    with pytest.raises(CriteriaParseError, match="fewer digits") as info:
        parse(text)
    assert info.value.position == position


def test_text_an_integer_beyond_64_bits_is_a_bad_value_at_its_offset() -> None:
    with pytest.raises(BadValueAt, match="64-bit range") as info:
        parse(f"person.id between 1 and {MAX_INT + 1}")
    assert info.value.position == 24
    assert parse(f"person.id between {MIN_INT} and {MAX_INT}")


@pytest.mark.parametrize(
    "text",
    [
        'person.first_name begins "ab\\ud800"',
        'person.first_name begins "ab\ud800"',
        'groups { [person.first_name begins "ab\\udfff"] }',
    ],
    ids=["escape", "raw", "in a group"],
)
def test_text_a_lone_surrogate_in_a_value_is_refused_at_the_value(text: str) -> None:
    with pytest.raises(BadValueAt, match="lone surrogate") as info:
        parse(text)
    assert info.value.position == text.index('"ab')
    assert "character 2" in str(info.value)


def test_text_an_escaped_surrogate_pair_is_one_character() -> None:
    smiley = condition("person.first_name", "begins", "\U0001f600")
    assert parse('person.first_name begins "\\U0001F600"') == smiley


def test_text_that_is_not_a_str_is_refused_at_offset_zero() -> None:
    for text in (b"person.retired is true", None, 42):
        with pytest.raises(CriteriaParseError, match="as a str") as info:
            parse(text)  # type: ignore[arg-type]
        assert info.value.position == 0


def test_text_a_nul_character_in_a_value_is_a_bad_value_at_the_value() -> None:
    for text in ('person.first_name begins "a\x00b"', 'person.first_name begins "a\\u0000b"'):
        with pytest.raises(BadValueAt, match="character 1 is NUL") as refused:
            parse(text)
        assert refused.value.position == text.index('"a')
    with pytest.raises(CriteriaParseError) as info:
        parse("person.retired is true\x00")
    assert info.value.position == len(LEAF_TEXT)


def test_text_long_input_is_read() -> None:
    many = " or ".join([LEAF_TEXT] * 5000)
    assert parse(many) == AnyOf((condition("person.retired", "is_true"),) * 5000)
    long_value = "x" * 1_000_000
    assert parse(f'person.first_name contains "{long_value}"') == condition(
        "person.first_name", "contains", long_value
    )


# --- the JSON form ---------------------------------------------------------------------


def _document(values: str) -> str:
    return (
        '{"version": 1, "criteria": {"type": "condition", "field": "person.id", '
        f'"operator": "eq", "values": [{values}]}}}}'
    )


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        (b'{"version": 1, \xff}', 15, "UTF-8"),
        ('{"version": 1}'.encode("utf-16"), 0, "UTF-8"),
        ("[" * 100_000, 136, "levels of nesting"),
        (_document("9" * 5000), "$.criteria.values[0]", "at most 19 digits"),
        (_document("1" + "0" * 19), "$.criteria.values[0]", "at most 19 digits"),
        (_document("-1e999"), "$.criteria.values[0]", "float range"),
        (_document("Infinity"), "$.criteria.values[0]", "float range"),
    ],
    ids=["bad UTF-8", "UTF-16", "deep", "5000 digits", "20 digits", "overflow", "Infinity"],
)
def test_json_bad_text_is_refused_where_it_is(
    text: str | bytes, position: int | str, expected: str
) -> None:
    with pytest.raises(CriteriaParseError) as info:
        from_json(text)
    assert info.value.position == position
    assert expected in info.value.expected
    assert f"at {position}" in str(info.value)


def test_json_of_a_type_other_than_text_is_refused() -> None:
    with pytest.raises(CriteriaParseError, match="str, or UTF-8 bytes") as info:
        from_json(42)  # type: ignore[arg-type]
    assert info.value.position == 0


def test_json_a_value_beyond_64_bits_or_with_a_lone_surrogate_is_a_bad_value_at_its_path() -> None:
    with pytest.raises(BadValueAt, match="64-bit range") as info:
        from_json(_document(str(MAX_INT + 1)))
    assert info.value.position == "$.criteria.values[0]"
    with pytest.raises(BadValueAt, match="lone surrogate") as info:
        from_json(
            _document('"\\udc00"')
            .replace("person.id", "person.first_name")
            .replace('"eq"', '"begins"')
        )
    assert info.value.position == "$.criteria.values[0]"


def test_json_a_tree_too_deep_is_refused_at_the_path_of_its_first_too_deep_node() -> None:
    node: dict[str, object] = {"type": "always"}
    for _ in range(MAX_NESTING + 1):
        node = {"type": "not", "child": node}
    with pytest.raises(TooDeepAt) as info:
        structure({"version": 1, "criteria": node})
    assert isinstance(info.value, CriteriaTooDeep)
    assert info.value.position == "$.criteria" + ".child" * (MAX_NESTING + 1)  # the leaf


def test_json_data_with_a_cycle_is_refused_at_the_path_where_it_closes() -> None:
    cyclic: list[object] = []
    cyclic.append(cyclic)
    node: dict[str, object] = {"type": "not"}
    node["child"] = node
    cases = [
        (cyclic, "$[0]", "$"),
        ({"version": 1, "criteria": {"type": "all_of", "children": cyclic}}, None, None),
        ({"version": 1, "criteria": node}, "$.criteria.child", "$.criteria"),
    ]
    for data, position, back_to in cases:
        with pytest.raises(CriteriaParseError, match="cycle") as info:
            structure(data)
        if position is not None:
            assert info.value.position == position
            assert info.value.context["found"] == f"a cycle back to {back_to}"


def test_json_shared_parts_are_read_as_copies_but_their_work_is_bounded() -> None:
    leaf = {"type": "condition", "field": "person.retired", "operator": "is_true"}
    shared = {"version": 1, "criteria": {"type": "any_of", "children": [leaf, leaf]}}
    assert structure(shared) == AnyOf((condition("person.retired", "is_true"),) * 2)
    node: dict[str, object] = {"type": "always"}
    for _ in range(40):  # 2**40 nodes once unfolded
        node = {"type": "all_of", "children": [node, node]}
    with pytest.raises(CriteriaParseError, match=f"at most {MAX_CONTAINERS}"):
        structure({"version": 1, "criteria": node})


def test_json_plain_data_of_the_wrong_shape_is_refused_without_raw_errors() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    for data, position in [
        (deep, "$" + "[0]" * 68),
        ({"version": 10**5000, "criteria": {"type": "always"}}, "$.version"),
        ({"version": 1, "criteria": {"type": "always"}, 1: 2, "a": 3}, "$"),
        ("text", "$"),
    ]:
        with pytest.raises(CriteriaParseError) as info:
            structure(data)
        assert info.value.position == position


@pytest.mark.parametrize(
    "key", [None, True, 1.5, (1,), 10**5000], ids=["None", "bool", "float", "tuple", "huge int"]
)
def test_json_groups_with_a_key_that_is_not_text_are_refused_at_their_path(key: object) -> None:
    """Issue 23: a ``None`` key was taken for "no bad key" and reached cattrs, whose
    message sorted the mixed keys and raised TypeError; a huge int key raised ValueError."""
    group = {"criteria": [], key: 1, "subtract": False}
    data = {"version": 1, "criteria": {"type": "groups", "groups": [{"criteria": []}, group]}}
    with pytest.raises(CriteriaParseError, match="object keys that are text") as info:
        structure(data)
    assert info.value.position == "$.criteria.groups[1]"
    with pytest.raises(CriteriaParseError) as info:
        structure({"version": 1, "criteria": {"type": "always", key: None, True: None}})
    assert info.value.position == "$.criteria"


def test_json_unknown_keys_are_named_in_order() -> None:
    data = {"version": 1, "criteria": {"type": "always", "zeta": 1, "alpha": 2}}
    with pytest.raises(CriteriaParseError, match="found alpha, zeta"):
        structure(data)


# --- SuperOffice restriction rows -------------------------------------------------------


def _row(link: Link = Link.AND, open_parens: int = 0, close_parens: int = 0) -> Restriction:
    return Restriction("retired", "set", ("1",), link, open_parens, close_parens)


def test_restrictions_deep_parentheses_are_refused_at_the_row_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(120)
    try:
        nested = [_row(open_parens=MAX_PARENTHESES), _row(close_parens=MAX_PARENTHESES)]
        leaf = condition("person.retired", "is_true")
        assert import_restrictions(nested) == AllOf((leaf, leaf))
        many = [_row(open_parens=2, link=Link.OR) for _ in range(40)]
        with pytest.raises(CriteriaParseError, match="parentheses would be open") as info:
            import_restrictions(many)
        assert info.value.position == f"rows[{MAX_PARENTHESES // 2}].InterParenthesis"
    finally:
        sys.setrecursionlimit(limit)


def test_restrictions_a_tree_too_deep_is_refused_at_its_row() -> None:
    rows = [_row(link=Link.AND)]
    for i in range(1, MAX_PARENTHESES + 1):  # a and (b or (a and (b or ...
        rows.append(_row(open_parens=1, link=Link.OR if i % 2 else Link.AND))
    rows.append(_row(close_parens=MAX_PARENTHESES))
    with pytest.raises(CriteriaTooDeep) as info:
        import_restrictions(rows)
    assert isinstance(info.value, CriteriaParseError)
    assert str(info.value.position).startswith("rows[")


@pytest.mark.parametrize(
    "count", [MAX_PARENTHESES + 1, 10**8, -(10**8), 10**5000], ids=["65", "1e8", "-1e8", "huge"]
)
def test_restrictions_a_parenthesis_count_beyond_the_limit_is_refused_before_allocating(
    count: int,
) -> None:
    info = {"Name": "retired", "Operator": "set", "Values": ["1"], "InterParenthesis": count}
    with pytest.raises(CriteriaParseError, match="an int from -64 to 64") as caught:
        from_archive_infos([info, info])
    assert caught.value.position == "rows[0].InterParenthesis"
    with pytest.raises(CriteriaError, match="count of parentheses"):
        Restriction("retired", "set", ("1",), open_parens=abs(count))


@pytest.mark.parametrize("data", [5, None, "rows", {"Name": "retired"}, b"[]"])
def test_restrictions_a_top_level_that_is_not_a_list_is_refused_at_rows(data: object) -> None:
    with pytest.raises(CriteriaParseError) as info:
        from_archive_infos(data)  # type: ignore[arg-type]
    assert info.value.position == "rows"
    with pytest.raises(CriteriaParseError) as info:
        import_restrictions(data)  # type: ignore[arg-type]
    assert info.value.position == "rows"
    with pytest.raises(CriteriaParseError) as info:
        import_restrictions([_row(), data])  # type: ignore[list-item]
    assert info.value.position == "rows[1]"


def test_restrictions_a_text_as_values_is_refused_not_split_into_characters() -> None:
    with pytest.raises(CriteriaError, match="sequence of texts") as info:
        Restriction("personId", "=", "12")
    assert info.value.context["key"] == "values"
    with pytest.raises(CriteriaError, match="must be a text") as info:
        Restriction("personId", "=", [12])  # type: ignore[list-item]
    assert info.value.context["key"] == "values[0]"
    assert Restriction("personId", "=", ["12"]).values == ("12",)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("leadStatus", "9" * 5000, "at most 19 digits"),
        ("personId", "1" * 20, "at most 19 digits"),
        ("personId", "1e999", "finite number"),
        ("personId", "inf", "finite number"),
    ],
)
def test_restrictions_values_beyond_the_number_limits_are_refused_at_the_value(
    name: str, text: str, expected: str
) -> None:
    operator = "oneOf" if name == "leadStatus" else "="
    with pytest.raises(CriteriaParseError) as info:
        import_restrictions([_row(), Restriction(name, operator, (text,))])
    assert info.value.position == "rows[1].Values"
    assert expected in info.value.expected


def test_restrictions_a_lone_surrogate_or_an_int_beyond_64_bits_is_a_bad_value_at_the_row() -> None:
    too_big = Restriction("personId", "=", (str(MAX_INT + 1),))
    for row in (Restriction("firstName", "begins", ("\udfff",)), too_big):
        with pytest.raises(BadValueError) as info:
            import_restrictions([_row(), row])
        assert isinstance(info.value, CriteriaParseError)
        assert info.value.position == "rows[1].Values"


# --- NUL characters ----------------------------------------------------------------------


def test_nul_in_a_text_value_is_refused_by_every_form_with_the_reason() -> None:
    """docs/criteria.md, "NUL characters": no stored text holds NUL, so a text value with
    NUL is refused by validate (so by memory and SQL alike) and by every reader at the value."""
    now = datetime(2026, 4, 1, tzinfo=UTC)
    environment = Environment(new_database()[0], now)
    leaf = Condition("person.first_name", Operator.CONTAINS, ("a\x00",))
    with pytest.raises(BadValueError, match=r"character 1 is NUL .*PostgreSQL") as info:
        validate(leaf)
    assert info.value.context["index"] == 0
    with pytest.raises(BadValueError, match="NUL"):
        person_predicate(leaf, environment)
    with pytest.raises(BadValueError, match="NUL"):
        condition("person.first_name", "equals", "\x00")
    json_text = to_json(condition("person.first_name", "contains", "a"))
    with pytest.raises(BadValueAt, match="NUL") as at:
        from_json(json_text.replace('"a"', '"a\\u0000"'))
    assert at.value.position == "$.criteria.values[0]"
    with pytest.raises(SuperOfficeBadValue, match="NUL") as row:  # also a BadValueError
        import_restrictions([_row(), Restriction("firstName", "contains", ("a\x00",))])
    assert row.value.position == "rows[1].Values"
    inactive = condition("person.first_name", "contains", "")  # empty text holds no NUL
    assert validate(inactive) is inactive
