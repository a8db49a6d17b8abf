"""SuperOffice values: encoded (``[I:12]``, ``[F:2.5]``, ``[D:MM.DD.YYYY]``,
``[DT:MM/DD/YYYY HH:MM:SS]``, ``[B:1]``) and plain (``2014.3.4``, ``2009-1-1``, ISO),
read the culture-neutral way SuperOffice documents, and written back.

Sources: SuperOfficeDocs/docs ``en/api/archive-providers/encoded-values.md`` (the
markers), ``en/api/search/find-selection/operators.mdx`` (period names and numbers),
SuperOffice/SDK-Doc ``NetServer.Web.Services/Reference/Archive Providers/-Restriction
Types.md`` (period numbers of the 9.2 table).

>>> read_date("[D:09.11.2017]"), read_date("2014.3.4"), read_date("2009-1-1")
(datetime.date(2017, 9, 11), datetime.date(2014, 3, 4), datetime.date(2009, 1, 1))
>>> read_date("[DT:11/09/2017 14:53:18]"), read_number("[F:123.4]"), read_id("[I:3]")
(datetime.date(2017, 11, 9), 123.4, 3)
>>> read_period("wks"), encode_date(read_date("2020-05-28"))
(<Period.WEEK: 'week'>, '[D:05.28.2020]')
"""

from __future__ import annotations

import math
import re
from datetime import date

from leadcore.criteria.ast import Period
from leadcore.criteria.build import MAX_INT_DIGITS, read_int

__all__ = [
    "BadValue",
    "encode_date",
    "encode_number",
    "read_bool",
    "read_count",
    "read_date",
    "read_id",
    "read_number",
    "read_period",
]


class BadValue(ValueError):
    """A value that could not be read; ``args[0]`` says what was expected."""


_ENCODED = re.compile(r"\[\s*([A-Za-z]{1,2})\s*:(.*)\]", re.DOTALL)
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_YMD = re.compile(
    r"([0-9]{4})[-./]([0-9]{1,2})[-./]([0-9]{1,2})"
    r"(?:[T Z]\s*[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_MDY = re.compile(
    r"([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})"
    r"(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?"
)

_PERIODS: dict[str, Period] = {
    **dict.fromkeys(("1", "day", "days"), Period.DAY),
    **dict.fromkeys(("2", "week", "weeks", "wk", "wks"), Period.WEEK),
    **dict.fromkeys(("3", "month", "months", "mon", "mos"), Period.MONTH),
    **dict.fromkeys(("4", "quarter", "quarters", "qtr", "qtrs"), Period.QUARTER),
    **dict.fromkeys(("6", "year", "years", "yr", "yrs"), Period.YEAR),
}
_HALF_YEAR = frozenset({"halfyear", "halfyears", "hyr", "hyrs"})


def _marker(text: str, *markers: str) -> str:
    """The body of an encoded value with one of ``markers``, or the text itself."""
    m = _ENCODED.fullmatch(text.strip())
    if m is None:
        return text.strip()
    if m.group(1).upper() not in markers:
        raise BadValue(f"a value encoded as {' or '.join(f'[{k}:...]' for k in markers)}")
    return m.group(2).strip()


def read_id(text: str) -> int:
    """An id (list item, associate): ``12`` or ``[I:12]``, at most 19 digits.

    >>> read_id("[I:7]"), read_id(" 12 ")
    (7, 12)
    """
    body = _marker(text, "I")
    if not _INT.fullmatch(body):
        raise BadValue(f"an id of at most {MAX_INT_DIGITS} digits")
    try:
        return read_int(body)
    except ValueError:
        raise BadValue(f"an id of at most {MAX_INT_DIGITS} digits") from None


def read_number(text: str) -> int | float:
    """A number: ``5``, ``-2.5``, ``[I:5]``, ``[F:2.5]`` (``.`` as the decimal point, the
    culture-neutral form); integers stay ``int``; finite only.

    >>> read_number("5"), read_number("-2.5"), read_number("[F:1e3]")
    (5, -2.5, 1000.0)
    """
    body = _marker(text, "I", "F", "M")
    if _INT.fullmatch(body):
        try:
            return read_int(body)
        except ValueError:
            raise BadValue(f"an integer of at most {MAX_INT_DIGITS} digits") from None
    if len(body) > 400 or not _FLOAT.fullmatch(body):
        raise BadValue("a finite number with '.' as the decimal point")
    number = float(body)
    if not math.isfinite(number):
        raise BadValue("a finite number")
    return number


def read_bool(text: str) -> bool:
    """A yes/no value: ``1``/``0``, ``true``/``false``, ``[B:1]``, ``[I:0]``.

    >>> read_bool("[B:1]"), read_bool("false")
    (True, False)
    """
    body = _marker(text, "B", "I").casefold()
    if body in ("1", "true"):
        return True
    if body in ("0", "false"):
        return False
    raise BadValue("1, 0, true or false")


def read_date(text: str) -> date:
    """A date: ``[D:MM.DD.YYYY]``, ``[DT:MM/DD/YYYY HH:MM:SS]`` (the date part), or a
    plain year-first date ``2014.3.4``, ``2009-1-1``, ``2020-05-28``, with an optional
    time (``2020-05-28T15:00:00``, whose date part is used)."""
    m = _ENCODED.fullmatch(text.strip())
    if m is not None:
        marker, body = m.group(1).upper(), m.group(2).strip()
        if marker not in ("D", "DT"):
            raise BadValue("a date encoded as [D:MM.DD.YYYY] or [DT:MM/DD/YYYY HH:MM:SS]")
        parts = _MDY.fullmatch(body)
        if parts is None:
            raise BadValue("an encoded date as MM.DD.YYYY (month first)")
        month, day, year = (int(g) for g in parts.groups())
    else:
        parts = _YMD.fullmatch(text.strip())
        if parts is None:
            raise BadValue(
                "a year-first date (2020-05-28, 2014.3.4) or [D:MM.DD.YYYY]; "
                "a culture-dependent date is not read"
            )
        year, month, day = (int(g) for g in parts.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue("a date that exists in the calendar") from None


def read_count(text: str) -> int:
    """A count of periods, ``1`` or more: ``2`` or ``[I:2]``.

    >>> read_count("[I:2]")
    2
    """
    try:
        count = read_id(text)
    except BadValue:
        raise BadValue("a count of periods (1 or more)") from None
    if count < 1:
        raise BadValue("a count of periods (1 or more)")
    return count


def read_period(text: str) -> Period:
    """A period by name or number: day/week/month/quarter/year (and ``days``, ``wk``,
    ``mos``, ``qtr``, ``yrs``, ...) or 1, 2, 3, 4, 6 (operators.mdx).

    ``5`` is refused: operators.mdx says half-year, the older Restriction Types page
    says year. A half-year is refused: leadcore has no such period.

    >>> read_period("3"), read_period("yrs")
    (<Period.MONTH: 'month'>, <Period.YEAR: 'year'>)
    >>> read_period("5")
    Traceback (most recent call last):
    ...
    leadcore.criteria.superoffice.values.BadValue: a period other than 5, ...
    """
    body = _marker(text, "I").casefold()
    if body == "5":
        raise BadValue(
            "a period other than 5, which SuperOffice's pages define two ways (half-year in "
            "operators.mdx, year in the older Restriction Types page): write year or 6"
        )
    if body in _HALF_YEAR:
        raise BadValue("a period leadcore has (day, week, month, quarter, year), not half-year")
    found = _PERIODS.get(body)
    if found is None:
        raise BadValue("a period (day, week, month, quarter, year or 1, 2, 3, 4, 6)")
    return found


def encode_date(value: date) -> str:
    """``[D:MM.DD.YYYY]``, the encoded date of encoded-values.md.

    >>> encode_date(read_date("2014.3.4"))
    '[D:03.04.2014]'
    """
    return f"[D:{value.month:02d}.{value.day:02d}.{value.year:04d}]"


def encode_number(value: int | float) -> str:
    """A number as SuperOffice reads it: an int as digits, a float with ``.``.

    >>> encode_number(12), encode_number(2.5)
    ('12', '2.5')
    """
    if isinstance(value, bool):
        raise TypeError("not a number")
    return str(value) if isinstance(value, int) else repr(float(value))
