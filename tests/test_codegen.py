"""Generated code shows its source: the field checks, the service's argument checks and the
compiled criteria register it in linecache (leadcore._codegen), as attrs does, so that a
traceback or pdb shows the generated line instead of nothing."""

from __future__ import annotations

import linecache
import traceback
from datetime import UTC, datetime

import pytest

from leadcore import LeadService, ValidationError, _codegen
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.lists import new_database
from leadcore.model import Person, PersonId

AT = datetime(2026, 1, 5, tzinfo=UTC)


def _generated_frames(error: BaseException, label: str) -> list[traceback.FrameSummary]:
    """The frames of ``error``'s traceback that run code generated under ``label``."""
    frames = traceback.extract_tb(error.__traceback__)
    return [f for f in frames if f.filename.startswith(f"<leadcore {label} ")]


def test_a_traceback_through_a_field_check_shows_the_generated_line() -> None:
    with pytest.raises(ValidationError) as refused:
        Person(PersonId(1), None, 5, "Ash", AT, AT)  # type: ignore[arg-type]
    (frame,) = _generated_frames(refused.value, "field checks of person")
    assert frame.line == "explain(self)"
    assert frame.name == "check_person"
    text = "".join(traceback.format_exception(refused.value))
    assert "    explain(self)\n" in text


def test_a_traceback_through_an_argument_check_shows_the_generated_line() -> None:
    service = LeadService.in_memory()
    with pytest.raises(ValidationError) as refused:
        service.persons.add("Ann", company_id="1")  # type: ignore[arg-type]
    (frame,) = _generated_frames(refused.value, "argument checks of persons.add")
    assert frame.name == "add"
    assert frame.line is not None
    assert frame.line.startswith("_lc_explain({'first_name': ")


def test_a_traceback_through_a_compiled_criterion_shows_the_generated_line() -> None:
    predicate = person_predicate(
        condition("person.first_name", "begins", "An"), Environment(new_database()[0], AT)
    )
    with pytest.raises(AttributeError) as failed:
        predicate(object(), None)  # type: ignore[arg-type]  # not a person: no first_name
    (frame,) = _generated_frames(failed.value, "criteria")
    assert frame.line is not None
    assert frame.line.startswith("return ")
    assert "first_name" in frame.line


def test_equal_sources_share_one_entry() -> None:
    source = "def twice(x):\n    return 2 * x\n"
    first = _codegen.compile_function(source, "twice", {}, label="test twice")
    again = _codegen.compile_function(source, "twice", {}, label="test twice")
    assert first.__code__.co_filename == again.__code__.co_filename
    assert linecache.getline(first.__code__.co_filename, 2) == "    return 2 * x\n"


def test_only_the_most_recent_transient_sources_keep_their_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_codegen, "TRANSIENT_KEPT", 3)
    made = [
        _codegen.compile_function(
            f"def f{n}():\n    return {n}\n", f"f{n}", {}, label="test transient", transient=True
        )
        for n in range(5)
    ]
    kept = [linecache.getline(f.__code__.co_filename, 2).strip() for f in made]
    assert kept == ["", "", "return 2", "return 3", "return 4"]
    assert [f() for f in made] == [0, 1, 2, 3, 4]  # a dropped entry only loses its text
