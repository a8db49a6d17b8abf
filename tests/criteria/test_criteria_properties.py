"""The laws of the criteria algebra, over generated (hostile) rows and criteria.

The compiled predicate is checked against :func:`reference`, a deliberately
plain interpreter of the semantics in docs/criteria.md written without the code
generator (regex wildcards instead of piece matching, calendar arithmetic on
dates instead of ordinals), so both must agree on every generated row.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from leadcore.criteria.ast import (
    AllOf,
    Always,
    AnyOf,
    Condition,
    Criterion,
    Groups,
    Never,
    Not,
    Operator,
    Period,
    all_of,
    any_of,
)
from leadcore.criteria.build import expand_groups
from leadcore.criteria.evaluate import (
    Environment,
    company_predicate,
    explain,
    person_predicate,
)
from leadcore.criteria.fields import Entity, Reach, field
from leadcore.criteria.normalize import normalize
from leadcore.model import Company, Person
from leadcore.testing.strategies import (
    Scenario,
    category_lists,
    companies,
    criteria,
    environments,
    groups,
    lead_status_lists,
    scenarios,
)

# --- the reference interpreter ------------------------------------------------------------


def _read(
    key: str, entity: Entity, env: Environment, person: Person | None, company: Company | None
) -> object:
    spec = field(key, entity)
    if spec.reach is Reach.HAS_COMPANY:
        return company is not None
    if spec.reach in (Reach.EFFECTIVE_CATEGORY, Reach.EFFECTIVE_GROUP):
        assert person is not None
        category = person.own_category_id if company is None else company.category_id
    elif spec.reach is Reach.COMPANY_GROUP:
        category = None if company is None else company.category_id
    else:
        row: object = person if spec.reach is Reach.PERSON_ATTR else company
        assert spec.attr is not None
        for part in spec.attr.split("."):
            if row is None:
                return None
            row = getattr(row, part)
        return row
    if spec.reach is Reach.EFFECTIVE_CATEGORY:
        return category
    if category is None or category not in env.categories:
        return None
    return int(env.categories.get(category).group)


def _day(value: object, env: Environment) -> date:
    assert isinstance(value, datetime)
    if env.now.tzinfo is not None and value.tzinfo is not None:
        return value.astimezone(env.now.tzinfo).date()
    return value.date()


def _add_months(day: date, months: int) -> date | None:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    return date(year, month + 1, 1)


def _period(today: date, period: Period, shift: int) -> tuple[date | None, date | None]:
    """First day and last day (inclusive) of the period ``shift`` periods from today's."""
    if period is Period.DAY:
        start: date | None = today
        end: date | None = today
        try:
            start = end = today + timedelta(days=shift)
        except OverflowError:
            return None, None
        return start, end
    if period is Period.WEEK:
        try:
            monday = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        except OverflowError:
            return None, None
        try:
            return monday, monday + timedelta(days=6)
        except OverflowError:
            return monday, date.max
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    first = date(today.year, 1 if period is Period.YEAR else today.month, 1)
    if period is Period.QUARTER:
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    start = _add_months(first, shift * months)
    following = _add_months(first, (shift + 1) * months)
    if start is None:
        return None, None
    return start, (date.max if following is None else following - timedelta(days=1))


def _in_periods(day: date, today: date, period: Period, shifts: tuple[int, ...]) -> bool:
    for shift in shifts:
        start, end = _period(today, period, shift)
        if start is not None and end is not None and start <= day <= end:
            return True
    return False


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in pattern.split("%")), re.DOTALL)


def _leaf(
    leaf: Condition,
    entity: Entity,
    env: Environment,
    person: Person | None,
    company: Company | None,
) -> bool:
    negative = {
        Operator.NOT_IN: Operator.IN,
        Operator.NOT_CURRENT_ASSOCIATE: Operator.CURRENT_ASSOCIATE,
        Operator.NOT_EQUALS: Operator.EQUALS,
        Operator.NOT_BEGINS: Operator.BEGINS,
        Operator.NOT_CONTAINS: Operator.CONTAINS,
        Operator.NOT_ENDS: Operator.ENDS,
        Operator.NE: Operator.EQ,
        Operator.NOT_BETWEEN: Operator.BETWEEN,
        Operator.NOT_SET: Operator.SET,
    }
    if leaf.operator in negative:
        positive = Condition(leaf.field, negative[leaf.operator], leaf.values)
        return not _leaf(positive, entity, env, person, company)
    value = _read(leaf.field, entity, env, person, company)
    if leaf.operator is Operator.SET:
        return value is not None
    if value is None:
        return False
    op, vs = leaf.operator, leaf.values
    if op is Operator.IN:
        return value in vs
    if op is Operator.CURRENT_ASSOCIATE:
        return env.current_associate is not None and value == env.current_associate
    if op is Operator.IS_TRUE:
        return value is True
    if op is Operator.IS_FALSE:
        return value is False
    if op in (Operator.EQUALS, Operator.BEGINS, Operator.CONTAINS, Operator.ENDS):
        assert isinstance(value, str)
        assert isinstance(vs[0], str)
        text, pattern = value.casefold(), _wildcard(vs[0].casefold())
        if op is Operator.EQUALS:
            return pattern.fullmatch(text) is not None
        if op is Operator.BEGINS:
            return pattern.match(text) is not None
        if op is Operator.CONTAINS:
            return pattern.search(text) is not None
        return any(pattern.fullmatch(text, i) for i in range(len(text) + 1))
    if op is Operator.EQ:
        return value == vs[0]
    compare = {
        Operator.GT: lambda a, b: a > b,
        Operator.LT: lambda a, b: a < b,
        Operator.GE: lambda a, b: a >= b,
        Operator.LE: lambda a, b: a <= b,
    }
    if op in compare:
        return bool(compare[op](value, vs[0]))
    if op is Operator.BETWEEN:
        return vs[0] <= value <= vs[1]  # type: ignore[operator]
    day, today = _day(value, env), env.now.date()
    if op is Operator.BEFORE:
        return day < vs[0]  # type: ignore[operator]
    if op is Operator.ON:
        return day == vs[0]
    if op is Operator.AFTER:
        return day > vs[0]  # type: ignore[operator]
    if op is Operator.DATE_BETWEEN:
        return vs[0] <= day <= vs[1]  # type: ignore[operator]
    if op is Operator.BEFORE_TODAY:
        return day < today
    if op is Operator.TODAY:
        return day == today
    if op is Operator.AFTER_TODAY:
        return day > today
    period = vs[-1]
    assert isinstance(period, Period)
    n = vs[0] if len(vs) == 2 else 1
    assert isinstance(n, int)
    if op in (Operator.LAST, Operator.OLDER_THAN):
        back = _back(today, period, n)
        if op is Operator.LAST:
            return day <= today and (back is None or back < day)
        return back is not None and day <= back
    if n == 1:
        shifts = {
            Operator.THIS: (0,),
            Operator.NEXT: (1,),
            Operator.PREVIOUS: (-1,),
            Operator.THIS_AND_NEXT: (0, 1),
            Operator.THIS_AND_PREVIOUS: (-1, 0),
            Operator.THIS_PREVIOUS_AND_NEXT: (-1, 0, 1),
        }[op]
        return _in_periods(day, today, period, shifts)
    first, last = {
        Operator.NEXT: (1, n),
        Operator.PREVIOUS: (-n, -1),
        Operator.THIS_AND_NEXT: (0, n),
        Operator.THIS_AND_PREVIOUS: (-n, 0),
    }[op]
    return _in_span(day, today, period, first, last)


def _back(today: date, period: Period, n: int) -> date | None:
    """The day ``n`` periods before ``today``; ``None`` before the calendar's start."""
    try:
        if period is Period.DAY:
            return today - timedelta(days=n)
        if period is Period.WEEK:
            return today - timedelta(weeks=n)
    except OverflowError:
        return None
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period] * n
    first = _add_months(today, -months)
    if first is None:
        return None
    following = _add_months(first, 1)
    last_day = date.max.day if following is None else (following - timedelta(days=1)).day
    return first.replace(day=min(today.day, last_day))


def _in_span(day: date, today: date, period: Period, first: int, last: int) -> bool:
    """``day`` lies from the start of period ``first`` to the end of period ``last``."""
    start = _period(today, period, first)[0]
    if start is None:
        if first > 0:
            return False
        start = date.min
    end = _period(today, period, last)[1]
    if end is None:
        if last < 0:
            return False
        end = date.max
    return start <= day <= end


def reference(
    node: Criterion,
    env: Environment,
    person: Person | None,
    company: Company | None,
    entity: Entity = Entity.PERSON,
) -> bool:
    """The semantics, interpreted plainly."""
    if isinstance(node, Always | Never):
        return isinstance(node, Always)
    if isinstance(node, Condition):
        return _leaf(node, entity, env, person, company)
    if isinstance(node, Not):
        return not reference(node.child, env, person, company, entity)
    if isinstance(node, AllOf):
        return all(reference(ch, env, person, company, entity) for ch in node.children)
    if isinstance(node, AnyOf):
        return any(reference(ch, env, person, company, entity) for ch in node.children)
    assert isinstance(node, Groups)

    # The group form read directly from its definition, not through expand_groups.
    # domain.md §3: no items, or an empty text for a text operator, is inactive.
    def active(group_criteria: tuple[Condition, ...]) -> list[Condition]:
        return [
            c
            for c in group_criteria
            if (c.values or c.operator in _NO_VALUE)
            and not (c.operator in _TEXT_OPERATORS and c.values == ("",))
        ]

    normal = [active(g.criteria) for g in node.groups if not g.subtract]
    subtract = [active(g.criteria) for g in node.groups if g.subtract]
    normal = [g for g in normal if g]
    subtract = [g for g in subtract if g]

    def holds(group: list[Condition]) -> bool:
        return all(_leaf(c, entity, env, person, company) for c in group)

    base = any(holds(g) for g in normal) if normal else True
    return base and not any(holds(g) for g in subtract)


_TEXT_OPERATORS = frozenset(
    {
        Operator.EQUALS,
        Operator.NOT_EQUALS,
        Operator.BEGINS,
        Operator.NOT_BEGINS,
        Operator.CONTAINS,
        Operator.NOT_CONTAINS,
        Operator.ENDS,
        Operator.NOT_ENDS,
    }
)
_NO_VALUE = frozenset(
    {
        Operator.CURRENT_ASSOCIATE,
        Operator.NOT_CURRENT_ASSOCIATE,
        Operator.IS_TRUE,
        Operator.IS_FALSE,
        Operator.BEFORE_TODAY,
        Operator.TODAY,
        Operator.AFTER_TODAY,
        Operator.SET,
        Operator.NOT_SET,
    }
)


def _matches(criterion: Criterion, s: Scenario) -> list[bool]:
    predicate = person_predicate(criterion, s.environment)
    return [predicate(p, c) for p, c in s.rows]


# --- the laws ---------------------------------------------------------------------------


@given(scenarios(max_rows=6))
def test_compiled_predicate_agrees_with_the_reference_and_explain(s: Scenario) -> None:
    matches = _matches(s.criterion, s)
    assert matches == [reference(s.criterion, s.environment, p, c) for p, c in s.rows]
    for (person, company), matched in zip(s.rows, matches, strict=True):
        why = explain(s.criterion, s.environment, person, company)
        assert why.matched == matched
        assert all(leaf in why.leaves for leaf in why.deciding)


@given(st.data())
def test_negation_laws(data: st.DataObject) -> None:
    s = data.draw(scenarios(max_rows=6, max_leaves=5))
    a, b = s.criterion, data.draw(criteria(s.categories, s.statuses, max_leaves=4))
    matches = _matches(a, s)
    # ~c is the exact complement, missing values included; double negation cancels.
    assert _matches(~a, s) == [not m for m in matches]
    assert _matches(Not(a), s) == [not m for m in matches]
    assert _matches(Not(Not(a)), s) == matches
    # De Morgan.
    assert _matches(Not(AllOf((a, b))), s) == _matches(AnyOf((Not(a), Not(b))), s)
    assert _matches(Not(AnyOf((a, b))), s) == _matches(AllOf((Not(a), Not(b))), s)


def _shape_is_normal(node: Criterion, parent: type | None = None) -> bool:
    if isinstance(node, Always | Never):
        return parent is None
    if isinstance(node, Condition):
        return True
    if isinstance(node, Not):
        return isinstance(node.child, Condition)
    if isinstance(node, AllOf | AnyOf):
        return (
            len(node.children) >= 2
            and type(node) is not parent
            and all(_shape_is_normal(ch, type(node)) for ch in node.children)
        )
    return False  # Groups never survive normalization


@given(st.data())
def test_normal_form_laws(data: st.DataObject) -> None:
    s = data.draw(scenarios(max_rows=6, max_leaves=6))
    a, b = s.criterion, data.draw(criteria(s.categories, s.statuses, max_leaves=3))
    once = normalize(a)
    # Same meaning (also under negation), idempotent, canonical shape.
    assert _matches(once, s) == _matches(a, s)
    assert _matches(normalize(~a), s) == _matches(~a, s)
    assert normalize(once) == once
    assert _shape_is_normal(once)
    # Child order and duplicates do not matter.
    assert normalize(all_of([a, b])) == normalize(all_of([b, a, b]))
    assert normalize(any_of([a, b])) == normalize(any_of([b, a, a]))


@given(st.data())
def test_group_form_equals_its_expansion(data: st.DataObject) -> None:
    s = data.draw(scenarios(max_rows=6, max_leaves=1))
    form = data.draw(groups(s.categories, s.statuses))
    expected = [reference(form, s.environment, p, c) for p, c in s.rows]
    assert _matches(form, s) == expected
    assert _matches(expand_groups(form), s) == expected
    assert _matches(normalize(form), s) == expected


@given(st.data())
def test_company_predicate_agrees_with_the_reference(data: st.DataObject) -> None:
    cats = data.draw(category_lists())
    sts = data.draw(lead_status_lists())
    env = data.draw(environments(cats))
    tree = data.draw(criteria(cats, sts, Entity.COMPANY))
    rows = data.draw(st.lists(companies(cats), max_size=5))
    predicate = company_predicate(tree, env)
    negated = company_predicate(~tree, env)
    normal = company_predicate(normalize(tree, Entity.COMPANY), env)
    for company in rows:
        expected = reference(tree, env, None, company, Entity.COMPANY)
        assert predicate(company) is expected
        assert negated(company) is not expected
        assert normal(company) is expected
