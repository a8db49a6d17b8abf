"""Every criteria reader is bounded: each finding of issue 8 as an example.

Each refusal is a typed criteria error that says where: a character offset in
text, a JSON path, or a row path of restriction rows.
"""

from __future__ import annotations

import pytest

from leadcore.criteria.ast import Condition, Operator
from leadcore.criteria.build import MAX_INT, MAX_INT_DIGITS, MIN_INT, condition, read_int, validate
from leadcore.criteria.errors import BadValueError

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
