"""Saved view layouts read from the settings port (issue 23).

A layout whose keys or columns had the wrong type raised ``TypeError``, and a text
where a list is expected was read as a tuple of characters (its columns then all
dropped as unknown). Now every shape problem is a ``ValidationError`` with the JSON
path of the part at fault; what still names something that no longer exists loads,
with the drop reported.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore import LeadService
from leadcore.clock import FixedClock
from leadcore.criteria.fields import Entity
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.licence import Licence
from leadcore.lists import Lists, new_database
from leadcore.model import AssociateId
from leadcore.testing.strategies import hostile_values
from leadcore.views import Layout
from leadcore.views.settings import (
    check_layout,
    settings_key,
    structure_layout,
    unstructure_layout,
)

LISTS = Lists(*new_database())
GOOD: dict[str, Any] = {
    "columns": ["person.name", "person.lead_status"],
    "filters": [{"column": "person.email", "values": ["a"], "operator": None}],
    "grouping": ["person.lead_status"],
    "order": [{"field": "person.name", "descending": False}],
}


DEEP: list[object] = []
for _ in range(40):
    DEEP = [DEEP]
WITH_INT_KEY: dict[Any, Any] = dict(GOOD)
WITH_INT_KEY[1] = "x"


@pytest.mark.parametrize(
    ("data", "path", "problem"),
    [
        ({**GOOD, "columns": "person.name"}, "$.columns", "expected a list, found 'person.name'"),
        ({**GOOD, "grouping": "person.lead_status"}, "$.grouping", "expected a list"),
        ({**GOOD, "order": "person.name"}, "$.order", "expected a list"),
        ({**GOOD, "filters": "person.email"}, "$.filters", "expected a list"),
        (WITH_INT_KEY, "$", "an object key 1 that is not text"),
        ({**GOOD, "columns": ["person.name", ["x"]]}, "$.columns[1]", "expected a text"),
        ({**GOOD, "columns": [{"k": 1}]}, "$.columns[0]", "expected a text, found dict"),
        ({**GOOD, "grouping": [None]}, "$.grouping[0]", "expected a text, found None"),
        ({**GOOD, "order": [{"field": 3, "descending": True}]}, "$.order[0].field", "a text"),
        ({**GOOD, "order": ["person.name"]}, "$.order[0]", "expected an object"),
        ({**GOOD, "filters": [["person.email"]]}, "$.filters[0]", "expected an object"),
        ({**GOOD, "filters": [{"column": ["x"], "values": []}]}, "$.filters[0].column", "text"),
        ({**GOOD, "filters": [{"column": "person.email", "values": "abc"}]},
         "$.filters[0].values", "a list of values"),
        ({**GOOD, "colour": "red"}, "$", "unknown keys ['colour']"),
        ({"filters": []}, "$.columns", "the key 'columns' is missing"),
        ({**GOOD, "columns": DEEP}, "$.columns" + "[0]" * 31, "nest more than 32 deep"),
    ],
)  # fmt: skip
def test_a_saved_layout_of_the_wrong_shape_is_a_typed_error_at_its_path(
    data: dict[Any, Any], path: str, problem: str
) -> None:
    with pytest.raises(ValidationError, match="a saved view layout cannot be read") as info:
        structure_layout(data)
    assert info.value.context["path"] == path
    assert problem in info.value.why


def test_a_text_is_not_read_as_its_characters_through_the_service() -> None:
    service = LeadService.in_memory(associate=AssociateId(1))
    with service.context.uow() as uow:
        uow.settings.set(settings_key("contacts_tab", AssociateId(1)), {**GOOD, "columns": "ab"})
        uow.commit()
    with pytest.raises(ValidationError, match=r"expected a list, found 'ab' \(at \$.columns\)"):
        service.views.layout("contacts_tab")


def test_a_layout_made_in_code_refuses_one_text_or_keys_that_are_not_text() -> None:
    with pytest.raises(ValidationError, match="would be read as its characters"):
        Layout("person.name")  # a str is a Sequence[str]: mypy lets it through
    with pytest.raises(ValidationError, match="item 1 is a list") as info:
        Layout(("person.name", ["x"]))  # type: ignore[arg-type]
    assert info.value.context["index"] == 1
    with pytest.raises(ValidationError, match="item 0 is a int"):
        Layout(("person.name",), grouping=(3,))  # type: ignore[arg-type]


def test_a_good_layout_still_round_trips() -> None:
    layout = structure_layout(GOOD)
    assert unstructure_layout(layout) == GOOD
    loaded = check_layout(layout, Entity.PERSON, Licence.full(), LISTS, strict=False)
    assert loaded.layout == layout


# --- fuzz: saved data of any shape ------------------------------------------------------

_KEYS = st.sampled_from(["columns", "filters", "grouping", "order", "column", "values",
                         "operator", "field", "descending"]) | hostile_values(3)  # fmt: skip
_LEAVES = st.one_of(
    hostile_values(4),
    st.sampled_from(["person.name", "person.email", "person.lead_status", "person.registered",
                     "company.name", "in", "begins", "date_between", "last", "week"]),
    st.floats(),
    st.sampled_from([{"date": "2026-01-01"}, {"date": "x"}, {"datetime": "2026-01-01T00:00Z"},
                     {"period": "week"}, {"float": "inf"}, 10**30, -1, 0, 2]),
)  # fmt: skip
_DATA = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(_KEYS, children, max_size=4)
        | st.tuples(children)
    ),
    max_leaves=16,
)


@st.composite
def _near_layouts(draw: st.DrawFn) -> object:
    """A good layout with one part swapped for anything, or anything at all."""
    if draw(st.booleans()):
        return draw(_DATA)
    data: dict[Any, Any] = {k: list(v) for k, v in GOOD.items()}
    part = draw(st.sampled_from(sorted(GOOD)))
    if draw(st.booleans()) and data[part]:
        index = draw(st.integers(0, len(data[part]) - 1))
        item = data[part][index]
        if isinstance(item, dict) and draw(st.booleans()):
            data[part][index] = {**item, draw(st.sampled_from(sorted(item))): draw(_DATA)}
        else:
            data[part][index] = draw(_DATA)
    else:
        data[part] = draw(_DATA)
    return data


@given(_near_layouts())
def test_any_saved_data_loads_or_is_a_typed_error(data: object) -> None:
    """The saved layouts' fuzz test (issue 23): only leadcore's typed errors escape,
    reading (structure) and checking it against columns, licence and lists."""
    try:
        layout = structure_layout(data)
    except ValidationError as error:
        refused: ValidationError | None = error
    else:
        refused = None
    if refused is not None:
        assert refused.context["path"].startswith("$")
        return
    assert all(type(k) is str for k in (*layout.columns, *layout.grouping))
    loaded = check_layout(layout, Entity.PERSON, Licence.full(), LISTS, strict=False)
    for strict_entity in (Entity.PERSON, Entity.COMPANY):
        with contextlib.suppress(LeadcoreError):
            check_layout(layout, strict_entity, Licence.full(), LISTS, strict=True)
    assert set(loaded.layout.columns) <= set(layout.columns)


SERVICE_EXAMPLES = settings(max_examples=min(settings().max_examples, 100))


@SERVICE_EXAMPLES
@given(_near_layouts())
def test_any_saved_setting_reads_as_a_layout_or_a_typed_error_through_the_service(
    data: object,
) -> None:
    """The same through the settings port and the service (what a hand-edited file holds)."""
    service = LeadService.in_memory(
        clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)), associate=AssociateId(1)
    )
    with service.context.uow() as uow:
        try:
            uow.settings.set(settings_key("find_results", AssociateId(1)), data)
        except ValidationError:
            return  # not storable in the first place (the adapter's own check)
        uow.commit()
    try:
        loaded = service.views.layout("find_results")
    except ValidationError as error:
        refused: ValidationError | None = error
    else:
        refused = None
    if refused is None:
        service.views.find_results(layout=loaded.layout)
    else:
        assert refused.context["path"].startswith("$")
