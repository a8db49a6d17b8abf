"""Laws of the SuperOffice forms.

* Round trip: for every criterion a provider's columns and SuperOffice's operators can
  express, writing it as rows, criteria groups, a restriction string or a ``$filter`` and
  reading it back gives the same criterion, for each provider and each search it stands for.
* Hostile input to the string and ``$filter`` readers (unbalanced quotes and parentheses,
  escapes, deep nesting, huge numbers, control characters, random text) gives a criterion
  or a :class:`SuperOfficeReadError` with a position inside the text, never another error.
"""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore.criteria.ast import (
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Operator,
    Period,
    all_of,
    any_of,
)
from leadcore.criteria.build import validate
from leadcore.criteria.fields import Entity, ValueType, field, fields_for
from leadcore.criteria.superoffice import (
    PROVIDERS,
    SIBLINGS,
    Provider,
    SuperOfficeExportError,
    SuperOfficeReadError,
    read_filter,
    read_groups,
    read_rows,
    read_string,
    write_filter,
    write_groups,
    write_rows,
    write_string,
)
from leadcore.criteria.superoffice.operators import integer_bounds

TEXT_OPS = (
    Operator.EQUALS,
    Operator.NOT_EQUALS,
    Operator.BEGINS,
    Operator.NOT_BEGINS,
    Operator.CONTAINS,
    Operator.NOT_CONTAINS,
    Operator.ENDS,
)  # not_ends has no SuperOffice spelling (refused: test_what_superoffice_cannot_say...)
NUMBER_OPS = (Operator.EQ, Operator.NE, Operator.GT, Operator.LT, Operator.GE, Operator.LE)
PERIODS = st.sampled_from(list(Period))
# printable, with the characters the string forms must quote or escape: ' " \\ ( ) , % [ ]
TEXTS = st.text(
    alphabet=st.sampled_from(
        list(string.ascii_letters + string.digits + " '\"\\(),%[]=<>!æøåÉ_-.")
    ),
    min_size=1,
    max_size=12,
)
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
NUMBERS = st.integers(-(10**12), 10**12)  # ids; floats: test_every_exported_number_...


def _leaf(key: str, entity: Entity, p: Provider) -> st.SearchStrategy[Criterion]:
    spec = field(key, entity)
    vt = spec.value_type
    options: list[st.SearchStrategy[Criterion]] = []
    if vt is ValueType.LIST:
        ids = st.lists(st.integers(0, 5), min_size=1, max_size=3).map(tuple)
        ops = st.sampled_from((Operator.IN, Operator.NOT_IN))
        options.append(st.builds(Condition, st.just(key), ops, ids))
    elif vt is ValueType.ASSOCIATE:
        ids = st.lists(st.integers(1, 10**6), min_size=1, max_size=3).map(tuple)
        ops = st.sampled_from((Operator.IN, Operator.NOT_IN))
        options.append(st.builds(Condition, st.just(key), ops, ids))
        if not p.database:  # Dynamic's associate_id is a plain id: no currentAssociate
            options.append(st.just(Condition(key, Operator.CURRENT_ASSOCIATE)))
    elif vt is ValueType.TEXT:
        ops = st.sampled_from(TEXT_OPS)
        options.append(st.builds(Condition, st.just(key), ops, TEXTS.map(lambda t: (t,))))
    elif vt is ValueType.NUMBER:
        ops = st.sampled_from(NUMBER_OPS)
        options.append(st.builds(Condition, st.just(key), ops, NUMBERS.map(lambda n: (n,))))
        pair = st.tuples(NUMBERS, NUMBERS)
        options.append(st.builds(Condition, st.just(key), st.just(Operator.BETWEEN), pair))
    elif vt is ValueType.BOOL:
        ops = st.sampled_from((Operator.IS_TRUE, Operator.IS_FALSE))
        options.append(st.builds(Condition, st.just(key), ops))
    else:
        one = st.sampled_from((Operator.BEFORE, Operator.ON, Operator.AFTER))
        options.append(st.builds(Condition, st.just(key), one, DATES.map(lambda d: (d,))))
        pair = st.tuples(DATES, DATES)
        options.append(st.builds(Condition, st.just(key), st.just(Operator.DATE_BETWEEN), pair))
        bare = (Operator.BEFORE_TODAY, Operator.TODAY, Operator.AFTER_TODAY)
        options.append(st.sampled_from(bare).map(lambda op: Condition(key, op)))
        plain = st.sampled_from((Operator.THIS, Operator.THIS_PREVIOUS_AND_NEXT))
        options.append(st.builds(Condition, st.just(key), plain, PERIODS.map(lambda p: (p,))))
        counted = st.sampled_from(
            (Operator.NEXT, Operator.PREVIOUS, Operator.THIS_AND_NEXT, Operator.THIS_AND_PREVIOUS)
        )
        count = st.one_of(
            PERIODS.map(lambda p: (p,)), st.tuples(st.integers(2, 99), PERIODS)
        )  # a count of 1 is the operator without one
        options.append(st.builds(Condition, st.just(key), counted, count))
    if spec.nullable:
        ops = st.sampled_from((Operator.SET, Operator.NOT_SET))
        options.append(ops.map(lambda op: Condition(key, op)))
    return st.one_of(options)


def _criteria(p: Provider, entity: Entity) -> st.SearchStrategy[Criterion]:
    keys = [k for k in fields_for(entity) if p.column(k, entity) is not None]
    leaves = st.sampled_from(keys).flatmap(lambda k: _leaf(k, entity, p))

    def extend(inner: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        kids = st.lists(inner, min_size=2, max_size=3)
        return st.one_of(kids.map(all_of), kids.map(any_of))

    return st.recursive(leaves, extend, max_leaves=6)


def as_written(c: Criterion) -> Criterion:
    """``c`` as SuperOffice's int columns take it: ``>=``/``<=`` as ``> N-1``/``< N+1``."""
    if isinstance(c, Condition):
        written, _ = integer_bounds(c) if c.field.endswith(".id") else (c, None)
        assert written is not None
        return written
    if isinstance(c, AllOf | AnyOf):
        return type(c)(tuple(as_written(child) for child in c.children))
    return c


TARGETS = [(p, e) for p in PROVIDERS.values() if not p.parent for e in p.entities]
"""Every provider with a map of its own (a sibling shares its parent's: see below)."""


@pytest.mark.parametrize(("p", "entity"), TARGETS, ids=lambda x: getattr(x, "name", str(x)))
@settings(max_examples=max(10, settings().max_examples // 8))  # x 11 targets
@given(data=st.data())
def test_export_then_import_gives_the_same_criterion(
    p: Provider, entity: Entity, data: st.DataObject
) -> None:
    c = data.draw(_criteria(p, entity))
    validate(c, entity)
    expected = as_written(c)
    assert read_rows(write_rows(c, p, entity=entity), p, entity=entity).criterion == expected
    assert read_groups(write_groups(c, p, entity=entity), p, entity=entity).criterion == expected
    text = write_string(c, p, entity=entity)
    assert read_string(text, p, entity=entity).criterion == expected, text
    odata = write_filter(c, p, entity=entity)
    assert read_filter(odata, p, entity=entity).criterion == expected, odata


def test_a_sibling_provider_reads_and_writes_with_its_parents_map() -> None:
    for name, parent in SIBLINGS.items():
        sibling, original = PROVIDERS[name.casefold()], PROVIDERS[parent.casefold()]
        assert sibling.parent == parent
        assert sibling.columns == original.columns
        assert sibling.aliases == original.aliases
        assert sibling.entities == original.entities
        assert sibling.source.endswith(f"reference/{name.lower()}.md")
        text = "name begins 'A' or contactId between (1,9)"
        if original.name in ("Person", "SimplePerson"):
            text = "firstName begins 'A' or personId between (1,9)"
        got = read_string(text, name)
        assert got.criterion == read_string(text, parent).criterion
        assert got.report.provider == name
        assert write_filter(got.criterion, name) == write_filter(got.criterion, parent)


def test_what_superoffice_cannot_say_is_refused_naming_it() -> None:
    from leadcore.criteria.build import condition

    every = (write_rows, write_string, write_filter, write_groups)
    strings = (write_string, write_filter)  # a control character is fine in rows
    cases = [
        (condition("person.status_changed", "last", 30, "day"), "Person", "status_changed", every),
        (condition("person.first_name", "begins", ""), "Person", "first_name", every),
        (condition("company.name", "equals", "a") & ~condition("person.registered", "today"),
         "FindContact", "registered", every),
        (condition("person.owner", "not_current_associate"), "Person", "owner", every),
        (condition("person.id", "not_between", 1, 5), "SimplePerson", "person.id", every),
        (condition("company.source.medium", "equals", "x"), "Contact", "source", every),
        (condition("company.name", "contains", "a\nb"), "Contact", "name", strings),
    ]  # fmt: skip
    for criterion, name, part, writers in cases:
        entity = Entity.COMPANY if name == "Contact" else Entity.PERSON
        for writer in writers:
            with pytest.raises(SuperOfficeExportError, match=part):
                writer(criterion, name, entity=entity)
    assert write_rows(cases[-1][0], "Contact")[0]["Values"] == ["a\nb"]


def test_group_form_empty_text_is_inactive_but_the_algebra_keeps_it() -> None:
    from leadcore.criteria.ast import Group, Groups
    from leadcore.criteria.build import condition, expand_groups

    empty = condition("person.email", "equals", "")
    status = condition("person.lead_status", "in", 1)
    assert expand_groups(Groups((Group((status, empty)),))) == status
    assert expand_groups(Groups((Group((empty,)),))) == all_of([])
    both = empty & status
    assert isinstance(both, AllOf)
    assert both.children == (empty, status)  # the algebra keeps the leaf


HOSTILE = [
    ("name begins 'abc", 12),
    ("name is 'a\\'", 8),  # the backslash escapes the quote: the text is never closed
    ("((name begins 'a'", 1),
    ("name begins 'a')", 15),
    ("name begins 'a' and", 19),
    ("contactId = " + "9" * 5000, 10),
    ("contactId = 1e999", 10),
    ("contactId = [I:" + "9" * 100 + "]", 10),
    ("name is 'a\x00b'", 8),
    ("\x07name is 'a'", 0),
    ("name\x1bis 'a'", 4),
    ("name is [I:3", 8),
    ("not name is 'a'", 0),
    ("(" * 100_000 + "name is 'a'" + ")" * 100_000, 64),
    ("name is 'a' or " * 3 + ")", 45),
    ("registeredDate before '31.12.2020'", 15),
    ("category oneOf (1,2", 15),
]


@pytest.mark.parametrize(("text", "position"), HOSTILE)
@pytest.mark.parametrize("reader", [read_string, read_filter])
def test_hostile_text_is_a_typed_error_at_its_position(
    reader: object, text: str, position: int
) -> None:
    assert callable(reader)
    with pytest.raises(SuperOfficeReadError) as caught:
        reader(text, "Contact")
    assert caught.value.position == position


SYNTAX = st.sampled_from(
    [
        "(", ")", "'", "''", '"', ",", " ", "and", "or", "not", "name", "category", "contactId",
        "registeredDate", "begins", "oneOf", "=", "<>", "between", "lastWeek", "thisAndPrevious",
        "1", "2", "-5", "1e999", "[I:3]", "[D:01.02.2020]", "'2020-05-28'", "'x'", "\x00",
        "\\", "startswith(", "this(", "9" * 30, "\u2028", "é",
    ]
)  # fmt: skip


@given(st.lists(SYNTAX, max_size=30).map(" ".join) | st.text(max_size=60))
def test_any_text_reads_or_is_refused_with_a_position(text: str) -> None:
    for reader in (read_string, read_filter):
        position: object = None
        try:
            reader(text, "Contact")
        except SuperOfficeReadError as err:
            position = err.position
        if position is not None:
            assert isinstance(position, int)
            assert 0 <= position <= len(text)


def _row(**fields: object) -> dict[str, object]:
    return {"Name": "name", "Operator": "begins", "Values": ["S"], **fields}


HOSTILE_ROWS = [
    ([_row(InterParenthesis=10**6)], "rows[0].InterParenthesis"),
    ([_row(InterParenthesis=1)], "rows[0].InterParenthesis"),
    ([_row(InterParenthesis=-1)], "rows[0].InterParenthesis"),
    ([_row(InterParenthesis=64), _row(InterParenthesis=1)], "rows[1].InterParenthesis"),
    ([_row(Values=[10**5000])], "rows[0].Values"),
    ([_row(Name=10**5000)], "rows[0].Name"),
    ([_row(IsActive="yes")], "rows[0].IsActive"),
    ([_row(InterOperator="Xor")], "rows[0].InterOperator"),
    ([_row(Operator="\x00")], "rows[0].Operator"),
    ([_row(Values=["[I:" + "9" * 50 + "]"], Name="contactId", Operator="=")], "rows[0].Values"),
    ([_row(SubRestrictions=[_row(SubRestrictions=[_row()])])],
     "rows[0].SubRestrictions[0].SubRestrictions"),
    (["name begins S"], "rows[0]"),
    ("name begins 'S'", "rows"),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "position"), HOSTILE_ROWS)
def test_hostile_rows_are_a_typed_error_at_their_path(rows: object, position: str) -> None:
    with pytest.raises(SuperOfficeReadError) as caught:
        read_rows(rows, "Contact")  # type: ignore[arg-type]
    assert caught.value.position == position


def test_a_mixed_provider_read_as_a_company_search_refuses_person_columns() -> None:
    text = "name begins 'S' and leadStatus oneOf (1)"
    got = read_string(text, "FindContact")  # a person search by default: both entities
    assert {c.field for c in got.criterion.children} == {  # type: ignore[union-attr]
        "company.name",
        "person.lead_status",
    }
    with pytest.raises(SuperOfficeReadError, match="company search has no person fields") as e:
        read_string(text, "FindContact", entity=Entity.COMPANY)
    assert e.value.position == text.index("leadStatus")
    with pytest.raises(SuperOfficeReadError, match="lists person rows"):
        read_string(text, "Person", entity=Entity.COMPANY)
