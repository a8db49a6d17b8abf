"""Human descriptions of criteria, in English and Danish.

``describe`` writes a criterion the way the Find screen would read it aloud:
field labels (:meth:`Field.label`), operator phrases, and list values by their
display names (lead statuses through :meth:`LeadStatus.label`, category groups
through :meth:`CategoryGroup.label`, categories by name). A list value whose
item is not in the given list is written ``#id``.

>>> from leadcore.criteria.build import condition
>>> from leadcore.lists import new_database
>>> categories, statuses = new_database()
>>> c = condition("person.lead_status", "in", 1, 2)
>>> describe(c, statuses=statuses)
'Lead status is one of Open, Contacting'
>>> describe(c, "da", statuses=statuses)
'Leadstatus er en af Åben, Kontakter'
>>> describe(~condition("company.category_group", "in", 1) & condition("person.registered",
...          "this_and_next", "quarter"), "da")
'ikke (Firmakategorigruppe er en af Kunde) og Registreret er i dette eller næste kvartal'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType

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
    Value,
)
from leadcore.criteria.build import PERIOD_OPERATORS, is_inactive
from leadcore.criteria.errors import UnknownFieldError
from leadcore.criteria.fields import Entity, Field, ListKind, ValueType, field
from leadcore.errors import ValidationError
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import CategoryGroup, Language

__all__ = ["OPERATOR_PHRASES", "describe"]


def _is_periods(values: tuple[Value, ...]) -> bool:
    """Whether ``values`` are a period, or a count and a period (as the phrases need)."""
    if not values or len(values) > 2 or not isinstance(values[-1], Period):
        return False
    return len(values) == 1 or type(values[0]) is int


OPERATOR_PHRASES: Mapping[str, Mapping[Operator, str]] = MappingProxyType(
    {
        "en": {
            Operator.IN: "is one of {list}",
            Operator.NOT_IN: "is not one of {list}",
            Operator.CURRENT_ASSOCIATE: "is the current associate",
            Operator.NOT_CURRENT_ASSOCIATE: "is not the current associate",
            Operator.EQUALS: "is {0}",
            Operator.NOT_EQUALS: "is not {0}",
            Operator.BEGINS: "begins with {0}",
            Operator.NOT_BEGINS: "does not begin with {0}",
            Operator.CONTAINS: "contains {0}",
            Operator.NOT_CONTAINS: "does not contain {0}",
            Operator.ENDS: "ends with {0}",
            Operator.NOT_ENDS: "does not end with {0}",
            Operator.EQ: "= {0}",
            Operator.NE: "≠ {0}",
            Operator.GT: "> {0}",
            Operator.LT: "< {0}",
            Operator.GE: "≥ {0}",
            Operator.LE: "≤ {0}",
            Operator.BETWEEN: "is between {0} and {1}",
            Operator.NOT_BETWEEN: "is not between {0} and {1}",
            Operator.IS_TRUE: "is yes",
            Operator.IS_FALSE: "is no",
            Operator.BEFORE: "is before {0}",
            Operator.ON: "is on {0}",
            Operator.AFTER: "is after {0}",
            Operator.DATE_BETWEEN: "is between {0} and {1}",
            Operator.BEFORE_TODAY: "is before today",
            Operator.TODAY: "is today",
            Operator.AFTER_TODAY: "is after today",
            Operator.THIS: "is in this {period}",
            Operator.NEXT: "is in the next {period}",
            Operator.PREVIOUS: "is in the previous {period}",
            Operator.THIS_AND_NEXT: "is in this or the next {period}",
            Operator.THIS_AND_PREVIOUS: "is in this or the previous {period}",
            Operator.THIS_PREVIOUS_AND_NEXT: "is in this, the previous or the next {period}",
            Operator.LAST: "is in the last {n} {periods}",
            Operator.OLDER_THAN: "is more than {n} {periods} ago",
            Operator.SET: "has a value",
            Operator.NOT_SET: "has no value",
        },
        "da": {
            Operator.IN: "er en af {list}",
            Operator.NOT_IN: "er ikke en af {list}",
            Operator.CURRENT_ASSOCIATE: "er den aktuelle medarbejder",
            Operator.NOT_CURRENT_ASSOCIATE: "er ikke den aktuelle medarbejder",
            Operator.EQUALS: "er {0}",
            Operator.NOT_EQUALS: "er ikke {0}",
            Operator.BEGINS: "begynder med {0}",
            Operator.NOT_BEGINS: "begynder ikke med {0}",
            Operator.CONTAINS: "indeholder {0}",
            Operator.NOT_CONTAINS: "indeholder ikke {0}",
            Operator.ENDS: "slutter med {0}",
            Operator.NOT_ENDS: "slutter ikke med {0}",
            Operator.EQ: "= {0}",
            Operator.NE: "≠ {0}",
            Operator.GT: "> {0}",
            Operator.LT: "< {0}",
            Operator.GE: "≥ {0}",
            Operator.LE: "≤ {0}",
            Operator.BETWEEN: "er mellem {0} og {1}",
            Operator.NOT_BETWEEN: "er ikke mellem {0} og {1}",
            Operator.IS_TRUE: "er ja",
            Operator.IS_FALSE: "er nej",
            Operator.BEFORE: "er før {0}",
            Operator.ON: "er den {0}",
            Operator.AFTER: "er efter {0}",
            Operator.DATE_BETWEEN: "er mellem {0} og {1}",
            Operator.BEFORE_TODAY: "er før i dag",
            Operator.TODAY: "er i dag",
            Operator.AFTER_TODAY: "er efter i dag",
            Operator.THIS: "er i {this} {period}",
            Operator.NEXT: "er i næste {period}",
            Operator.PREVIOUS: "er i forrige {period}",
            Operator.THIS_AND_NEXT: "er i {this} eller næste {period}",
            Operator.THIS_AND_PREVIOUS: "er i {this} eller forrige {period}",
            Operator.THIS_PREVIOUS_AND_NEXT: "er i {this}, forrige eller næste {period}",
            Operator.LAST: "er i de seneste {n} {periods}",
            Operator.OLDER_THAN: "er mere end {n} {periods} siden",
            Operator.SET: "har en værdi",
            Operator.NOT_SET: "har ingen værdi",
        },
    }
)
"""Operator phrases per language; ``{0}``/``{1}`` are values, ``{list}`` all of them,
``{n} {periods}`` a count of periods."""

_COUNTED_PHRASES: Mapping[str, Mapping[Operator, str]] = {
    "en": {
        Operator.NEXT: "is in the next {n} {periods}",
        Operator.PREVIOUS: "is in the previous {n} {periods}",
        Operator.THIS_AND_NEXT: "is in this or the next {n} {periods}",
        Operator.THIS_AND_PREVIOUS: "is in this or the previous {n} {periods}",
    },
    "da": {
        Operator.NEXT: "er i de næste {n} {periods}",
        Operator.PREVIOUS: "er i de forrige {n} {periods}",
        Operator.THIS_AND_NEXT: "er i {this} eller de næste {n} {periods}",
        Operator.THIS_AND_PREVIOUS: "er i {this} eller de forrige {n} {periods}",
    },
}
"""The phrases of the period operators given a count of periods (``this_and_previous 3 week``)."""

_PLURALS: Mapping[str, Mapping[Period, str]] = {
    "en": {p: f"{p.value}s" for p in Period},
    "da": {
        Period.DAY: "dage",
        Period.WEEK: "uger",
        Period.MONTH: "måneder",
        Period.QUARTER: "kvartaler",
        Period.YEAR: "år",
    },
}

_PERIODS: Mapping[str, Mapping[Period, tuple[str, str]]] = {
    "en": {p: (p.value, "this") for p in Period},
    "da": {
        Period.DAY: ("dag", "denne"),
        Period.WEEK: ("uge", "denne"),
        Period.MONTH: ("måned", "denne"),
        Period.QUARTER: ("kvartal", "dette"),
        Period.YEAR: ("år", "dette"),
    },
}

_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "and": "and",
        "or": "or",
        "not": "not",
        "always": "always",
        "never": "never",
        "except": "except",
        "none": "(none)",
    },
    "da": {
        "and": "og",
        "or": "eller",
        "not": "ikke",
        "always": "altid",
        "never": "aldrig",
        "except": "undtagen",
        "none": "(ingen)",
    },
}


class _Describer:
    def __init__(
        self,
        language: Language,
        categories: CategoryList | None,
        statuses: LeadStatusList | None,
        entity: Entity,
    ) -> None:
        self.lang: Language = language
        self.words = _WORDS[language]
        self.categories = categories
        self.statuses = statuses
        self.entity = entity

    def field(self, key: str) -> Field | None:
        try:
            return field(key, self.entity)
        except UnknownFieldError:
            return None

    def value(self, f: Field | None, value: Value) -> str:
        if isinstance(value, bool) or value is None:
            return {True: "true", False: "false", None: "null"}[value]
        if isinstance(value, int) and f is not None:
            kind = f.list_kind
            if kind is ListKind.CATEGORY_GROUP and value in CategoryGroup._value2member_map_:
                return CategoryGroup(value).label(self.lang)
            if kind is ListKind.LEAD_STATUS and self.statuses and value in self.statuses:
                return self.statuses.get(value).label(self.lang)
            if kind is ListKind.CATEGORY and self.categories and value in self.categories:
                return self.categories.get(value).name
            if kind is not None or f.value_type is ValueType.ASSOCIATE:
                return f"#{int(value)}"
        if isinstance(value, Period):
            return _PERIODS[self.lang][value][0]
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, str):
            return f'"{value}"'
        return str(value)

    def condition(self, c: Condition) -> str:
        f = self.field(c.field)
        label = f.label(self.lang) if f is not None else c.field
        phrase = OPERATOR_PHRASES[self.lang][c.operator]
        if c.operator in PERIOD_OPERATORS and _is_periods(c.values):
            return f"{label} {self._periods(c)}"
        shown = [self.value(f, v) for v in c.values]
        period, this = ("", "")
        if c.values and isinstance(c.values[0], Period):
            period, this = _PERIODS[self.lang][c.values[0]]
        needed = sum(phrase.count(p) for p in ("{0}", "{1}", "{period}", "{n}", "{periods}"))
        if "{list}" not in phrase and needed != len(shown):
            # a value count the phrase does not fit (an inactive criterion): list them
            text = phrase.split(" {")[0]
            return f"{label} {text} {', '.join(shown) or self.words['none']}"
        return f"{label} " + phrase.format(
            *shown, list=", ".join(shown) or self.words["none"], period=period, this=this
        )

    def _periods(self, c: Condition) -> str:
        """The phrase of a relative date leaf: ``is in the last 30 days``."""
        period = c.values[-1]
        assert isinstance(period, Period)
        count = c.values[0] if len(c.values) == 2 else 1
        name, this = _PERIODS[self.lang][period]
        phrase = OPERATOR_PHRASES[self.lang][c.operator]
        if len(c.values) == 2:
            phrase = _COUNTED_PHRASES[self.lang].get(c.operator, phrase)
        periods = name if count == 1 else _PLURALS[self.lang][period]
        return phrase.format(period=name, this=this, n=count, periods=periods)

    def node(self, c: Criterion) -> str:
        if isinstance(c, Always):
            return self.words["always"]
        if isinstance(c, Never):
            return self.words["never"]
        if isinstance(c, Condition):
            return self.condition(c)
        if isinstance(c, Not):
            return f"{self.words['not']} ({self.node(c.child)})"
        if isinstance(c, AllOf | AnyOf):
            if not c.children:
                return self.words["always" if isinstance(c, AllOf) else "never"]
            joiner = f" {self.words['and' if isinstance(c, AllOf) else 'or']} "
            return joiner.join(self.child(x) for x in c.children)
        if isinstance(c, Groups):
            return self.groups(c)
        raise TypeError(f"not a criterion: {c!r}")

    def child(self, c: Criterion) -> str:
        text = self.node(c)
        compound = isinstance(c, AllOf | AnyOf) and len(c.children) >= 2
        return f"({text})" if compound or isinstance(c, Groups) else text

    def groups(self, c: Groups) -> str:
        normal: list[str] = []
        subtract: list[str] = []
        for group in c.groups:
            active = [self.condition(x) for x in group.criteria if not is_inactive(x)]
            if active:
                (subtract if group.subtract else normal).append(
                    f" {self.words['and']} ".join(active)
                )
        several = len(normal) + len(subtract) > 1
        wrap = (lambda t: f"({t})") if several else (lambda t: t)
        text = f" {self.words['or']} ".join(wrap(t) for t in normal) or self.words["always"]
        for t in subtract:
            text += f" {self.words['except']} {wrap(t)}"
        return text


def describe(
    criterion: Criterion,
    language: Language = "en",
    *,
    categories: CategoryList | None = None,
    statuses: LeadStatusList | None = None,
    entity: Entity = Entity.PERSON,
) -> str:
    """``criterion`` in words, in ``language`` ("en" or "da").

    Inactive criteria of the group form are left out, as the Find screen
    ignores them.

    >>> from leadcore.criteria.build import condition
    >>> describe(condition("person.first_name", "begins", "An") | condition("person.retired",
    ...          "is_true"))
    'First name begins with "An" or Retired is yes'
    """
    if language not in _WORDS:
        raise ValidationError(
            f"unknown language {language!r}",
            why="descriptions are written in English and Danish",
            fix='Pass language="en" or language="da"',
        )
    return _Describer(language, categories, statuses, entity).node(criterion)
