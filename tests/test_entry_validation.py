"""Values are checked where they enter (issue 8).

Every stored frozen class checks its fields when it is built, so a command
given a value that could not be stored is refused with a typed error naming
the entity and the field, and commits nothing; a value that is accepted can be
saved to a file and read back unchanged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import SequentialIds
from leadcore.criteria.ast import ALWAYS, Condition, Operator
from leadcore.criteria.build import condition
from leadcore.errors import LeadcoreError, ValidationError
from leadcore.history import (
    CompanyCategoryChanged,
    HistoryEntry,
    HistoryKind,
    PersonMoved,
)
from leadcore.lists import CategoryList, LeadStatusList, Lists, new_database
from leadcore.model import (
    Associate,
    AssociateId,
    CategoryGroup,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
    Utm,
)
from leadcore.queries import Query
from leadcore.selections import (
    CombinedSelection,
    DynamicSelection,
    Members,
    Operation,
    StaticSelection,
    Target,
)
from leadcore.service import LeadService
from leadcore.testing.strategies import hostile_values

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAIVE = datetime(2026, 3, 2, 9, 0)
CONTACTING = LeadStatusId(2)


def bad(value: object) -> Any:
    """A value of the wrong type, passed on purpose."""
    return value


class StillClock:
    """A clock of one's own, which may return any datetime (the service trusts its clock)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@attrs.frozen
class World:
    """Acme (Lead) with Ann (Open), Bolt (Customer, no source UTM), one static selection."""

    service: LeadService
    store: InMemoryStore
    acme: CompanyId
    bolt: CompanyId
    ann: PersonId
    selection: SelectionId


def build_world(clock: StillClock | None = None) -> World:
    chosen = StillClock(START) if clock is None else clock
    store = InMemoryStore(Lists(*new_database()), clock=chosen)
    service = LeadService(
        store.unit_of_work, clock=chosen, ids=SequentialIds(), associate=AssociateId(7)
    )
    categories = service.lists().categories
    acme = service.companies.add("Acme", category_id=categories.by_name("Lead").id)
    bolt = service.companies.add("Bolt", category_id=categories.by_name("Customer").id)
    ann = service.persons.add("Ann", "Ash", company_id=acme.id)
    selection = service.selections.create_static("Fair", persons=[ann.id])
    return World(service, store, acme.id, bolt.id, ann.id, selection.id)


def committed(store: InMemoryStore) -> tuple[object, ...]:
    """The committed domain values, read back through a unit of work."""
    with store.unit_of_work() as uow:
        return (
            uow.lists.load(),
            uow.companies.find(Query()),
            uow.persons.find(Query()),
            list(uow.history),
            uow.selections.all(),
        )


def reloaded(store: InMemoryStore) -> tuple[object, ...]:
    """The committed values of ``store`` after a save to a file and a load from it."""
    with tempfile.TemporaryDirectory() as folder:
        path = store.save(Path(folder) / "crm.json")
        return committed(InMemoryStore.load(path))


# --- each finding of the hostile tester, through the service ---------------------------------

Command = Callable[[World], object]

REFUSED: dict[str, tuple[Command, str, str]] = {
    "a lone surrogate in a first name": (
        lambda w: w.service.persons.add("\ud800", company_id=w.acme),
        "person",
        "first_name",
    ),
    "bytes as a last name": (
        lambda w: w.service.persons.add("Bo", bad(b"Berg")),
        "person",
        "last_name",
    ),
    "bytes as a company name": (lambda w: w.service.companies.add(bad(b"Acme")), "company", "name"),
    "a lone surrogate in an e-mail": (
        lambda w: w.service.persons.add("Bo", email="bo@\udcff.dk"),
        "person",
        "email",
    ),
    "an int as e-mail": (lambda w: w.service.persons.add("Bo", email=bad(5)), "person", "email"),
    "None as e-mail": (lambda w: w.service.persons.add("Bo", email=bad(None)), "person", "email"),
    "a lone surrogate in the reason of a new lead": (
        lambda w: w.service.persons.add("Bo", company_id=w.acme, reason="\ud800"),
        "history entry",
        "reason",
    ),
    "bytes as the reason of a status change": (
        lambda w: w.service.persons.set_lead_status(w.ann, CONTACTING, reason=bad(b"called")),
        "history entry",
        "reason",
    ),
    "an int as the reason of a status change": (
        lambda w: w.service.persons.set_lead_status(w.ann, CONTACTING, reason=bad(5)),
        "history entry",
        "reason",
    ),
    "text as a company owner": (
        lambda w: w.service.companies.add("Acme 2", owner_id=bad("x")),
        "company",
        "owner_id",
    ),
    "a bool as a company owner": (
        lambda w: w.service.companies.add("Acme 2", owner_id=bad(True)),
        "company",
        "owner_id",
    ),
    "1 as retired": (lambda w: w.service.persons.add("Bo", retired=bad(1)), "person", "retired"),
    "a lone surrogate in a category tooltip": (
        lambda w: w.service.categories.add("Fair", CategoryGroup.OTHER, tooltip="\ud800"),
        "category",
        "tooltip",
    ),
    "a bool as a category rank": (
        lambda w: w.service.categories.add("Fair", CategoryGroup.OTHER, rank=True),
        "category",
        "rank",
    ),
    "a bool as a category group": (
        lambda w: w.service.categories.add("Fair", bad(True)),
        "category",
        "group",
    ),
    "a lone surrogate in a lead status name": (
        lambda w: w.service.statuses.add("Later \udfff"),
        "lead status",
        "name",
    ),
    "an int as a lead status key": (
        lambda w: w.service.statuses.add("Later", key=bad(5)),
        "lead status",
        "key",
    ),
    "an int as a selection name": (
        lambda w: w.service.selections.create_static(bad(5)),
        "static selection",
        "name",
    ),
    "a lone surrogate in a selection's new name": (
        lambda w: w.service.selections.rename(w.selection, "\ud800"),
        "static selection",
        "name",
    ),
    "a bool among a selection's persons": (  # refused at the boundary: Iterable items checked
        lambda w: w.service.selections.create_static("S", persons=[bad(True)]),
        "static selection",
        "persons",
    ),
    "a lone surrogate in saved criteria": (
        lambda w: w.service.selections.create_dynamic(
            "B", Condition("person.last_name", Operator.BEGINS, ("\ud800",))
        ),
        "dynamic selection",
        "criteria",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_value_that_cannot_be_stored_is_refused_and_nothing_is_committed(case: str) -> None:
    command, entity, field = REFUSED[case]
    world = build_world()
    before = committed(world.store)
    with pytest.raises(ValidationError) as refused:
        command(world)
    context = refused.value.context
    if "argument" in context:  # refused at the service's boundary, by the argument's name
        assert context["argument"] in {field, f"new_{field}"}, context
    else:  # refused where the record is built
        assert (context["entity"], context["field"]) == (entity, field)
    assert refused.value.fix
    assert committed(world.store) == before
    assert reloaded(world.store) == before


def test_none_as_email_is_told_to_pass_an_empty_string() -> None:
    world = build_world()
    with pytest.raises(ValidationError, match='Pass "" for no email'):
        world.service.persons.add("Bo", email=bad(None))
    assert world.service.persons.add("Bo", email="").email == ""


def test_a_store_file_still_opens_after_a_refused_owner(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with LeadService.in_memory(path=path) as service:
        service.companies.add("Acme")
        with pytest.raises(ValidationError):
            service.companies.add("Bolt", owner_id=bad("x"))
    with LeadService.in_memory(path=path) as reopened:
        assert [c.name for c in reopened.companies.find()] == ["Acme"]


def test_retired_is_a_bool_so_the_index_and_the_predicate_agree() -> None:
    world = build_world()
    with pytest.raises(ValidationError):
        world.service.persons.add("Bo", retired=bad(1))
    retired = condition("person.retired", "is_true")
    assert world.service.persons.count(retired) == 0
    bo = world.service.persons.add("Bo", retired=True)
    assert [p.id for p in world.service.persons.find(retired)] == [bo.id]
    assert world.service.persons.count(retired) == 1


def test_a_naive_clock_commits_nothing() -> None:
    world = build_world()
    before = committed(world.store)
    parts = attrs.asdict(world.service.context, recurse=False)
    naive = LeadService(**{**parts, "clock": StillClock(NAIVE)})
    with pytest.raises(ValidationError, match="timezone-aware") as refused:
        naive.companies.add("Naive")
    assert refused.value.context["field"] == "registered"
    with pytest.raises(ValidationError, match="timezone-aware"):
        naive.persons.set_lead_status(world.ann, CONTACTING)
    assert committed(world.store) == before


# --- direct construction ---------------------------------------------------------------------


def _person(**changes: Any) -> Person:
    fields: dict[str, Any] = {
        "id": PersonId(1),
        "company_id": None,
        "first_name": "Ann",
        "last_name": "Ash",
        "registered": START,
        "updated": START,
    }
    return Person(**(fields | changes))


def _company(**changes: Any) -> Company:
    fields: dict[str, Any] = {
        "id": CompanyId(1),
        "name": "Acme",
        "category_id": None,
        "registered": START,
        "updated": START,
    }
    return Company(**(fields | changes))


def _entry(**changes: Any) -> HistoryEntry:
    fields: dict[str, Any] = {
        "person_id": PersonId(1),
        "kind": HistoryKind.CHANGE,
        "from_status": None,
        "to_status": LeadStatusId(1),
        "at": START,
    }
    return HistoryEntry(**(fields | changes))


_CATS, _STATUSES = new_database()
_LEAD = _CATS.by_name("Lead")

BUILT: dict[str, tuple[Callable[[], object], str, str]] = {
    "a bool person id": (lambda: _person(id=True), "person", "id"),
    "person id 0": (lambda: _person(id=0), "person", "id"),
    "a text company id of a person": (lambda: _person(company_id="1"), "person", "company_id"),
    "a negative person version": (lambda: _person(version=-1), "person", "version"),
    "a bool person version": (lambda: _person(version=False), "person", "version"),
    "a naive registered time": (lambda: _person(registered=NAIVE), "person", "registered"),
    "a date as updated time": (lambda: _person(updated=date(2026, 3, 2)), "person", "updated"),
    "a lone surrogate in a last name": (lambda: _person(last_name="\ud800"), "person", "last_name"),
    "a str subclass as a first name": (
        lambda: _person(first_name=type("Name", (str,), {})("Ann")),
        "person",
        "first_name",
    ),
    "a dict as a UTM": (
        lambda: _person(first_touch_utm={"source": "x"}),
        "person",
        "first_touch_utm",
    ),
    "a naive company update": (lambda: _company(updated=NAIVE), "company", "updated"),
    "a blank company name": (lambda: _company(name=" \t"), "company", "name"),
    "blank person names": (lambda: _person(first_name=" ", last_name=""), "person", "first_name"),
    "a float company version": (lambda: _company(version=1.0), "company", "version"),
    "bytes in a UTM": (lambda: Utm(source=bad(b"ads")), "UTM data point", "source"),
    "a lone surrogate in a UTM": (lambda: Utm(campaign="\ud800"), "UTM data point", "campaign"),
    "a naive history time": (lambda: _entry(at=NAIVE), "history entry", "at"),
    "a history kind given by value": (lambda: _entry(kind="change"), "history entry", "kind"),
    "a history source given by value": (lambda: _entry(source="user"), "history entry", "source"),
    "a bool status in history": (lambda: _entry(to_status=True), "history entry", "to_status"),
    "a lone surrogate in a history reason": (
        lambda: _entry(reason="\ud800"),
        "history entry",
        "reason",
    ),
    "a naive move": (
        lambda: PersonMoved(PersonId(1), None, CompanyId(2), NAIVE),
        "person move",
        "at",
    ),
    "company id 0 in an event": (
        lambda: CompanyCategoryChanged(CompanyId(0), None, None, START),
        "company category change",
        "company_id",
    ),
    "1 as a deleted flag": (
        lambda: attrs.evolve(_LEAD, deleted=bad(1)),
        "category",
        "deleted",
    ),
    "a float rank": (lambda: attrs.evolve(_LEAD, rank=bad(1.5)), "category", "rank"),
    "an empty status key": (
        lambda: LeadStatus(LeadStatusId(9), "", "Later"),
        "lead status",
        "key",
    ),
    "availability given by value": (
        lambda: Associate(AssociateId(1), "Bo", availability=bad("normal")),
        "associate",
        "availability",
    ),
    "bytes among an associate's groups": (
        lambda: Associate(AssociateId(1), "Bo", groups=frozenset({bad(b"sales")})),
        "associate",
        "groups",
    ),
    "person id 0 in a static selection": (
        lambda: StaticSelection(
            SelectionId(1), "S", Target.PERSONS, Members(persons=frozenset({PersonId(0)}))
        ),
        "static selection",
        "members.persons",
    ),
    "a text as criteria": (
        lambda: DynamicSelection(SelectionId(1), "D", Target.PERSONS, bad("all")),
        "dynamic selection",
        "criteria",
    ),
    "an entity given by value": (
        lambda: DynamicSelection(SelectionId(1), "D", Target.PERSONS, ALWAYS, entity=bad("person")),
        "dynamic selection",
        "entity",
    ),
    "a bool input of a combined selection": (
        lambda: CombinedSelection(
            SelectionId(3), "C", Target.PERSONS, bad(True), SelectionId(2), Operation.ALL
        ),
        "combined selection",
        "first",
    ),
    "a list of categories": (
        lambda: CategoryList(bad(list(_CATS.items))),
        "category list",
        "items",
    ),
    "a category twice": (
        lambda: CategoryList((_LEAD, attrs.evolve(_LEAD, name="Lead 2"))),
        "category list",
        "items",
    ),
    "statuses among categories": (
        lambda: CategoryList(bad(_STATUSES.items)),
        "category list",
        "items",
    ),
    "a bool default status": (
        lambda: LeadStatusList(_STATUSES.items, default_id=bad(True)),
        "lead status list",
        "default_id",
    ),
    "a bool lists version": (
        lambda: Lists(_CATS, _STATUSES, version=True),
        "list pair",
        "version",
    ),
}


@pytest.mark.parametrize("case", sorted(BUILT))
def test_every_stored_class_checks_its_fields_when_built(case: str) -> None:
    build, entity, field = BUILT[case]
    with pytest.raises(ValidationError) as refused:
        build()
    assert (refused.value.context["entity"], refused.value.context["field"]) == (entity, field)
    assert refused.value.why
    assert refused.value.fix


def test_the_error_names_the_ids_checked_before_the_bad_field() -> None:
    with pytest.raises(ValidationError) as refused:
        _person(id=PersonId(4), email=bad(None))
    assert refused.value.context == {"entity": "person", "field": "email", "id": 4}
    with pytest.raises(ValidationError) as refused:
        _entry(person_id=PersonId(4), reason=b"x")
    assert refused.value.context["person_id"] == 4


def test_evolve_checks_again() -> None:
    ann = _person()
    with pytest.raises(ValidationError, match="retired must be True or False"):
        attrs.evolve(ann, retired=bad("yes"))


def test_text_may_hold_control_characters_and_any_valid_code_point_but_nul() -> None:
    world = build_world()
    odd = "bell\x07 soh\x01 del\x7f crlf\r\n emoji\U0001f600 bom\ufeff nonchar\uffff " * 500
    bo = world.service.persons.add(odd, odd, email=odd, company_id=world.acme)
    world.service.persons.set_lead_status(bo.id, CONTACTING, reason=odd)
    world.service.categories.add(odd, CategoryGroup.OTHER, tooltip=odd)
    world.service.selections.create_static(odd, persons=[bo.id])
    assert world.service.persons.get(bo.id).first_name == odd
    assert reloaded(world.store) == committed(world.store)
    with pytest.raises(ValidationError, match=r"NUL \(U\+0000\) at index 3: PostgreSQL") as nul:
        _person(first_name="nul\x00")
    assert nul.value.context["field"] == "first_name"
    assert "replace" in nul.value.fix


def test_aware_datetimes_in_any_fixed_offset_are_accepted() -> None:
    far_east = datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=14)))
    assert _person(registered=far_east, updated=START).registered == far_east


# --- fuzz: every text argument of the service --------------------------------------------------

Fuzzed = Callable[[World, Any], object]

TEXT_ARGUMENTS: dict[str, Fuzzed] = {
    "companies.add name": lambda w, v: w.service.companies.add(v),
    "companies.add source_utm": lambda w, v: w.service.companies.add(
        "Cargo", source_utm=Utm(term=v)
    ),
    "persons.add first_name": lambda w, v: w.service.persons.add(v, "Ash", company_id=w.acme),
    "persons.add last_name": lambda w, v: w.service.persons.add("Bo", v),
    "persons.add email": lambda w, v: w.service.persons.add("Bo", email=v),
    "persons.add reason": lambda w, v: w.service.persons.add(
        "Bo", company_id=w.acme, status_id=CONTACTING, reason=v
    ),
    "persons.add first_touch_utm": lambda w, v: w.service.persons.add(
        "Bo", company_id=w.bolt, first_touch_utm=Utm(source=v)
    ),
    "persons.set_lead_status reason": lambda w, v: w.service.persons.set_lead_status(
        w.ann, CONTACTING, reason=v
    ),
    "persons.record_utm": lambda w, v: w.service.persons.record_utm(
        w.ann, lead_creation=Utm(campaign=v)
    ),
    "companies.record_utm": lambda w, v: w.service.companies.record_utm(w.bolt, Utm(medium=v)),
    "categories.add name": lambda w, v: w.service.categories.add(v, CategoryGroup.OTHER),
    "categories.add tooltip": lambda w, v: w.service.categories.add(
        "Fair", CategoryGroup.OTHER, tooltip=v
    ),
    "categories.rename": lambda w, v: w.service.categories.rename(_LEAD.id, v),
    "categories.describe": lambda w, v: w.service.categories.describe(_LEAD.id, v),
    "statuses.add name": lambda w, v: w.service.statuses.add(v),
    "statuses.add tooltip": lambda w, v: w.service.statuses.add("Later", tooltip=v),
    "statuses.add key": lambda w, v: w.service.statuses.add("Later", key=v),
    "statuses.rename": lambda w, v: w.service.statuses.rename(CONTACTING, v),
    "statuses.describe": lambda w, v: w.service.statuses.describe(CONTACTING, v),
    "selections.create_static": lambda w, v: w.service.selections.create_static(v),
    "selections.create_dynamic": lambda w, v: w.service.selections.create_dynamic(v, ALWAYS),
    "selections.create_combined": lambda w, v: w.service.selections.create_combined(
        v, w.selection, w.selection, Operation.ALL
    ),
    "selections.freeze": lambda w, v: w.service.selections.freeze(w.selection, name=v),
    "selections.freeze_find": lambda w, v: w.service.selections.freeze_find(v, ALWAYS),
    "selections.rename": lambda w, v: w.service.selections.rename(w.selection, v),
}


@pytest.mark.parametrize("argument", sorted(TEXT_ARGUMENTS))
@given(value=hostile_values())
def test_hostile_text_is_refused_or_survives_a_file(argument: str, value: object) -> None:
    world = build_world()
    before = committed(world.store)
    try:
        TEXT_ARGUMENTS[argument](world, value)
    except LeadcoreError:
        event("refused")
        assert committed(world.store) == before
    else:
        event("stored")
        assert committed(world.store) != before
        assert reloaded(world.store) == committed(world.store)


@given(value=st.one_of(hostile_values(), st.floats(), st.dates(), st.just(NAIVE)))
def test_construction_accepts_exactly_what_a_file_gives_back(value: object) -> None:
    try:
        person = _person(last_name=value) if isinstance(value, str) else _person(updated=value)
    except ValidationError:
        return
    world = build_world()
    with world.store.unit_of_work() as uow:
        uow.persons.add(attrs.evolve(person, id=PersonId(99)))
        uow.commit()
    assert reloaded(world.store) == committed(world.store)
