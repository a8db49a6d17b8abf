"""SuperOffice interoperability benchmarks: the readers are linear and cost about what
leadcore's own text parser costs.

``superoffice.read_string_vs_text``: a restriction string of 20,000 restrictions (fixed
seed; texts, lists, numbers, dates, 9.2 periods, 8.x words; ``and``/``or`` with
parentheses) read by :func:`read_string`, against :func:`leadcore.criteria.text.parse`
of the same criterion's text form, medians in the same run. Target: <= 3x.

``superoffice.read_rows_linear``: the time per row of :func:`read_rows` at 20,000 rows
against the time per row at 2,000 rows. Target: <= 1.5x (linear).

``superoffice.refuse_deep_nesting``: refusing a ``$filter`` of 1,000,000 ``(`` against
reading a ``$filter`` of the same length made of one long quoted text. Target: <= 1x
(the refusal stops at the 65th parenthesis).
"""

from __future__ import annotations

import random

from benchmarks import Result, Run, benchmark, median_time
from leadcore.criteria.fields import Entity
from leadcore.criteria.superoffice import (
    SuperOfficeReadError,
    read_filter,
    read_rows,
    read_string,
    write_rows,
)
from leadcore.criteria.text import format as format_text
from leadcore.criteria.text import parse

_RESTRICTIONS = (
    "name begins 'Sup{n}'",
    "category oneOf ({n},{m})",
    "contactId gt {n}",
    "registeredDate dateBetween ('2014.11.29', '2015.{mo}.25')",
    "updatedDate thisAndPrevious {m} 3",
    "updatedDate lastWeek",
    "associateId associateIsNotOneOf ({n})",
    "name contains 'O''B{m}'",
)


def _string(count: int, seed: int) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    for i in range(count):
        text = rng.choice(_RESTRICTIONS).format(
            n=rng.randint(1, 999), m=rng.randint(2, 9), mo=rng.randint(1, 12)
        )
        if i % 3 == 0:
            text = f"({text} or contactId = {i})"
        parts.append(text)
        if i < count - 1:
            parts.append(" and " if rng.random() < 0.7 else " or ")
    return "".join(parts)


@benchmark("superoffice.read_string_vs_text")
def read_string_vs_text(run: Run) -> list[Result]:
    """A long restriction string against leadcore's own text form of the same criterion."""
    count = run.size(20_000)
    text = _string(count, run.seed)
    criterion = read_string(text, "Contact").criterion
    own = format_text(criterion, entity=Entity.COMPANY)
    ours = median_time(lambda: read_string(text, "Contact"), run.repeats)
    base = median_time(lambda: parse(own, entity=Entity.COMPANY), run.repeats)
    ratio = ours / base
    return [
        Result(
            "superoffice.read_string_vs_text",
            count,
            ours,
            "s",
            base,
            ratio,
            "<= 3x leadcore's text parser",
            ratio <= 3.0,
            {"chars": len(text), "text_chars": len(own)},
        )
    ]


@benchmark("superoffice.read_rows_linear")
def read_rows_linear(run: Run) -> list[Result]:
    """Time per row at ten times the rows against time per row at the smaller size."""
    big = run.size(20_000)
    small = max(1, big // 10)
    rows = write_rows(read_string(_string(big, run.seed), "Contact").criterion, "Contact")
    few = write_rows(read_string(_string(small, run.seed), "Contact").criterion, "Contact")
    per_big = median_time(lambda: read_rows(rows, "Contact"), run.repeats) / len(rows)
    per_small = median_time(lambda: read_rows(few, "Contact"), run.repeats) / len(few)
    ratio = per_big / per_small
    return [
        Result(
            "superoffice.read_rows_linear",
            len(rows),
            per_big * 1e6,
            "us/row",
            per_small * 1e6,
            ratio,
            "<= 1.5x the time per row at a tenth of the rows",
            ratio <= 1.5,
            {"small_rows": len(few)},
        )
    ]


@benchmark("superoffice.refuse_deep_nesting")
def refuse_deep_nesting(run: Run) -> list[Result]:
    """Refusing a million open parentheses costs no more than reading as long a text."""
    length = run.size(1_000_000)
    deep = "(" * length
    flat = "name is '" + "x" * max(1, length - 10) + "'"

    def refuse() -> None:
        try:
            read_filter(deep, "Contact")
        except SuperOfficeReadError:
            return
        raise AssertionError("a million open parentheses were read")

    ours = median_time(refuse, run.repeats)
    base = median_time(lambda: read_filter(flat, "Contact"), run.repeats)
    ratio = ours / base
    return [
        Result(
            "superoffice.refuse_deep_nesting",
            length,
            ours,
            "s",
            base,
            ratio,
            "<= 1x reading a text of the same length",
            ratio <= 1.0,
        )
    ]
