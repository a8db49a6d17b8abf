"""leadcore.codec: the JSON form of the model round-trips exactly, reads strictly, and is
the form the store file, the SQL adapter's selection documents, the views and the
workflows' stored settings are written in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore import codec, views
from leadcore.adapters import _memory_file
from leadcore.adapters.sql import _rows
from leadcore.codec import CodecError, from_json, to_json
from leadcore.criteria import json as criteria_json
from leadcore.criteria.ast import Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.history import (
    CompanyCategoryChanged,
    CompanyDeleted,
    DomainEvent,
    HistoryEntry,
    HistoryKind,
    PersonCategoryChanged,
    PersonDeleted,
    PersonMoved,
    StatusSource,
)
from leadcore.lists import CategoryList, LeadStatusList, new_database
from leadcore.model import (
    Associate,
    AssociateId,
    Category,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
    Utm,
)
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    Selection,
    StaticSelection,
    Target,
    default_entity,
)
from leadcore.testing import strategies as ls
from leadcore.workflows import stored

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
CATEGORIES, STATUSES = new_database()

ids = st.integers(1, 2**40)
optional_ids = st.none() | ids
moments = ls.stored_datetimes()


@st.composite
def model_values(draw: st.DrawFn) -> tuple[Any, object]:
    """A value of any model type the codec covers, and the type to read it back as."""
    categories = draw(ls.category_lists())
    statuses = draw(ls.lead_status_lists())
    company = draw(ls.companies(categories))
    choices: list[tuple[Any, object]] = [
        (draw(ls.persons(categories, statuses)), Person),
        (draw(ls.persons(categories, statuses, company_id=company.id)), Person),
        (company, Company),
        (draw(ls.associates()), Associate),
        (categories, CategoryList),
        (statuses, LeadStatusList),
        (draw(st.sampled_from(categories.items)), Category),
        (draw(st.sampled_from(statuses.items)), LeadStatus),
        (company.source_utm or Utm("x"), Utm),
    ]
    chosen: tuple[Any, object] = draw(st.sampled_from(choices))
    return chosen


@st.composite
def selections(draw: st.DrawFn) -> Selection:
    """A selection of any kind, with hostile names and generated criteria."""
    name = draw(ls.hostile_texts()).strip() or "S"
    target = draw(st.sampled_from(Target))
    common = {
        "company_persons": draw(st.sampled_from(CompanyPersons)),
        "owner_id": draw(st.none() | st.sampled_from(ls.ASSOCIATE_IDS)),
        "version": draw(st.integers(0, 5)),
    }
    kind = draw(st.sampled_from(("static", "dynamic", "combined")))
    selection_id = SelectionId(draw(st.integers(3, 50)))
    if kind == "static":
        companies = frozenset() if target is Target.PERSONS else draw(st.frozensets(ids))
        persons = frozenset() if target is Target.COMPANIES else draw(st.frozensets(ids))
        return StaticSelection(
            selection_id, name, target, Members(companies, persons), **common
        )  # fmt: skip
    if kind == "dynamic":
        entity = draw(st.sampled_from((default_entity(target), *Entity)))
        criterion = draw(ls.criteria(CATEGORIES, STATUSES, entity, max_leaves=4))
        return DynamicSelection(selection_id, name, target, criterion, entity=entity, **common)
    operation = draw(st.sampled_from(Operation))
    return CombinedSelection(
        selection_id, name, target, SelectionId(1), SelectionId(2), operation, **common
    )


def history_entries() -> st.SearchStrategy[HistoryEntry]:
    """A history entry of any kind and source, optional ids and reason."""
    return st.builds(
        HistoryEntry,
        person_id=ids.map(PersonId),
        kind=st.sampled_from(HistoryKind),
        from_status=optional_ids,
        to_status=optional_ids,
        at=moments,
        by=st.none() | st.sampled_from(ls.ASSOCIATE_IDS),
        source=st.sampled_from(StatusSource),
        reason=st.none() | ls.hostile_texts(),
    )


def domain_events() -> st.SearchStrategy[Any]:
    """Any domain event, history entries included."""
    by = st.none() | st.sampled_from(ls.ASSOCIATE_IDS)
    selection_ids = st.frozensets(ids, max_size=4)
    return st.one_of(
        history_entries(),
        st.builds(CompanyCategoryChanged, ids, optional_ids, optional_ids, moments, by),
        st.builds(PersonCategoryChanged, ids, optional_ids, optional_ids, moments, by),
        st.builds(PersonMoved, ids, optional_ids, optional_ids, moments, by),
        st.builds(PersonDeleted, ids, optional_ids, moments, by, selection_ids),
        st.builds(CompanyDeleted, ids, moments, by, selection_ids),
    )


# --- round trips ------------------------------------------------------------------------------


@given(model_values())
def test_every_model_value_round_trips_exactly(value_and_type: tuple[Any, object]) -> None:
    value, cls = value_and_type
    text = to_json(value)
    back = from_json(text, cls)
    assert back == value
    assert type(back) is type(value)
    assert to_json(back) == text


@given(selections())
def test_every_selection_round_trips_as_the_tagged_union(selection: Selection) -> None:
    text = to_json(selection)
    assert json.loads(text)["kind"] == codec.selection_kind(selection)
    assert from_json(text, Selection) == selection
    assert from_json(text, type(selection)) == selection


@given(st.lists(history_entries(), max_size=4))
def test_history_entries_round_trip(entries: list[HistoryEntry]) -> None:
    assert from_json(to_json(entries), list[HistoryEntry]) == entries


@given(domain_events())
def test_domain_events_round_trip_alone_and_as_the_tagged_union(event: Any) -> None:
    assert from_json(to_json(event), type(event)) == event
    tagged = to_json(event, DomainEvent)
    assert json.loads(tagged)["event"] in codec.EVENT_KINDS
    assert from_json(tagged, DomainEvent) == event


def test_sets_are_written_sorted_so_equal_values_are_equal_text() -> None:
    deleted = PersonDeleted(
        PersonId(1),
        None,
        AT,
        selections=frozenset({SelectionId(9), SelectionId(2), SelectionId(40)}),
    )
    assert json.loads(to_json(deleted))["selections"] == [2, 9, 40]
    team = Associate(AssociateId(1), "Ann", groups=frozenset({"sales", "marketing"}))
    assert json.loads(to_json(team))["groups"] == ["marketing", "sales"]


# --- one form for the model, the file and the SQL documents -----------------------------------


@given(model_values())
def test_the_store_file_writes_records_in_the_codec_form(
    value_and_type: tuple[Any, object],
) -> None:
    value, _ = value_and_type
    assert _memory_file.converter.unstructure(value) == codec.converter.unstructure(value)


@given(selections())
def test_sql_selection_documents_are_the_codec_form(selection: Selection) -> None:
    document = _rows.selection_document(selection)
    assert json.loads(document) == json.loads(to_json(selection))
    assert _rows.selection_from_document(document) == selection


@given(model_values())
def test_the_views_and_workflows_converters_are_the_codec_extended(
    value_and_type: tuple[Any, object],
) -> None:
    value, _ = value_and_type
    written = codec.converter.unstructure(value)
    assert views.converter.unstructure(value) == written
    assert stored.converter.unstructure(value) == written


def test_the_codec_writes_and_reads_criteria_as_their_json_form_does() -> None:
    tree = condition("person.registered", "last", 3, "day") & ~condition(
        "person.lead_status", "in", 1, 2
    )
    node = codec.converter.unstructure(tree)
    assert node == criteria_json.converter.unstructure(tree)
    assert node == criteria_json.unstructure(tree)["criteria"]
    assert codec.structure(json.loads(json.dumps(node)), Criterion) == tree


def test_a_bad_criteria_node_is_a_codec_error_at_its_path() -> None:
    with pytest.raises(CodecError, match=r"Criterion from JSON at \$\.child\.type") as caught:
        codec.structure({"type": "not", "child": {"type": "bogus"}}, Criterion)
    assert caught.value.context["path"] == "$.child.type"
    assert caught.value.why.startswith("expected a node type (all_of, any_of")


def test_configure_converter_teaches_a_converter_of_ones_own() -> None:
    mine = cattrs.Converter()
    codec.configure_converter(mine)
    person = Person(PersonId(3), None, "Ann", "Ash", AT, AT, first_touch_utm=Utm("ad"))
    assert mine.structure(mine.unstructure(person), Person) == person
    assert codec.make_converter().unstructure(person) == codec.converter.unstructure(person)


# --- strict reading ---------------------------------------------------------------------------

_PERSON = json.loads(to_json(Person(PersonId(1), CompanyId(2), "Ann", "Ash", AT, AT)))
_STATIC = json.loads(
    to_json(StaticSelection(SelectionId(1), "Fair", Target.PERSONS, Members(persons={4, 5})))
)


def _with(data: dict[str, Any], **changes: Any) -> str:
    return json.dumps({**data, **changes})


@pytest.mark.parametrize(
    ("text", "cls", "path", "why"),
    [
        (_with(_PERSON, first_name=5), Person, "$.first_name", "must be text"),
        (_with(_PERSON, id="1"), Person, "$.id", "must be a positive int"),
        (_with(_PERSON, updated="2026-01-05T09:00:00"), Person, "$.updated", "timezone"),
        (_with(_PERSON, shoe_size=44), Person, "$", "unexpected keyword argument 'shoe_size'"),
        (json.dumps([_PERSON, {**_PERSON, "retired": 1}]), list[Person], "$[1].retired",
         "True or False"),
        (_with(_STATIC, members={"companies": [], "persons": [4, "5"]}), Selection,
         "$.members.persons[1]", "expected int"),
        (_with(_STATIC, kind="frozen"), Selection, "$", "unknown selection kind 'frozen'"),
        (_with(_STATIC, name=""), Selection, "$.name", "non-empty name"),
        ('{"event": "person_teleported", "person_id": 1}', DomainEvent, "$", "unknown event"),
        ('{"kind": "static", "id": 1,', Selection, "$", "it is not JSON"),
        ("[" * 50_000, Person, "$", "it is not JSON"),
        ('"Ann"', Person, "$", "a Person is a JSON object"),
    ],
)  # fmt: skip
def test_a_bad_document_is_a_codec_error_naming_the_path(
    text: str, cls: Any, path: str, why: str
) -> None:
    with pytest.raises(CodecError) as caught:
        from_json(text, cls)
    assert caught.value.context["path"] == path
    assert why in caught.value.why
    assert f"at {path}" in str(caught.value)
    assert caught.value.fix


def test_a_bad_criterion_inside_a_selection_is_named_by_its_full_path() -> None:
    criteria = {"version": 1, "criteria": {"type": "condition", "field": "person.shoe_size",
                                           "operator": "in", "values": [1]}}  # fmt: skip
    document = {"kind": "dynamic", "id": 2, "name": "Big feet", "target": "persons",
                "criteria": criteria, "entity": "person"}  # fmt: skip
    with pytest.raises(CodecError) as caught:
        from_json(json.dumps(document), Selection)
    assert caught.value.context["path"] == "$.criteria.criteria.field"


def test_reading_leaves_the_callers_data_as_it_was() -> None:
    data = dict(_PERSON)
    assert codec.structure(data, Person).registered == AT
    assert data == _PERSON


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ls.hostile_texts(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(ls.hostile_texts(), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.sampled_from(
        [Person, Company, Associate, Selection, HistoryEntry, DomainEvent, CategoryList, Utm]
    ),
    st.sampled_from(sorted({*_PERSON, *_STATIC, "kind", "event", "items", "default_id"})),
    json_values,
)
def test_any_document_reads_as_a_value_or_a_codec_error(cls: Any, key: str, value: Any) -> None:
    base = _STATIC if cls is Selection else _PERSON
    for document in (value, {**base, key: value}):
        read = _read_or_refusal(json.dumps(document), cls)
        if isinstance(read, CodecError):
            assert read.context["path"].startswith("$")
            assert read.context["type"]
        else:
            assert from_json(to_json(read, cls), cls) == read


def _read_or_refusal(text: str, cls: Any) -> Any:
    """What ``from_json`` reads, or the :class:`CodecError` it raises (nothing else)."""
    try:
        return from_json(text, cls)
    except CodecError as error:
        return error


def test_enums_and_lists_keep_their_stable_codes() -> None:
    lists = json.loads(to_json(CATEGORIES))
    assert lists["items"][0]["group"] == int(CATEGORIES.items[0].group)
    statuses = json.loads(to_json(STATUSES))
    assert statuses["default_id"] == STATUSES.default_id
    entry = HistoryEntry(PersonId(1), HistoryKind.HIDE, LeadStatusId(2), LeadStatusId(2), AT)
    assert json.loads(to_json(entry))["kind"] == "hide"
    assert from_json(to_json(CATEGORIES), CategoryList) == CATEGORIES
    assert from_json(to_json(STATUSES), LeadStatusList).default_id == STATUSES.default_id
    assert CategoryId(1) in from_json(to_json(CATEGORIES), CategoryList)
