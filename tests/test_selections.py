"""Selections: set algebra of combined selections, mapping between targets, freezing,
and the selection use cases of the service (saved, listed, renamed, deleted, refused)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import cast

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, SequentialIds
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import FeatureNotLicensed, LeadcoreError, NotFoundError, ValidationError
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists, new_database
from leadcore.model import AssociateId, CompanyId, PersonId, SelectionId, Utm
from leadcore.queries import Query
from leadcore.selections import (
    CombinedSelection,
    CompanyPersons,
    DynamicSelection,
    Members,
    Operation,
    Selection,
    SelectionCycleError,
    SelectionInUseError,
    SelectionKindError,
    StaticSelection,
    Target,
    check_acyclic,
    project,
    resolve,
)
from leadcore.service import LeadService
from leadcore.testing import strategies
from leadcore.testing.strategies import Row

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

ids = st.frozensets(st.integers(0, 12), max_size=8)
members = st.builds(Members, companies=ids, persons=ids)

SET_ALGEBRA: dict[Operation, Callable[[frozenset[int], frozenset[int]], frozenset[int]]] = {
    Operation.ONLY_FIRST: lambda a, b: frozenset(x for x in a if x not in b),
    Operation.ONLY_SECOND: lambda a, b: frozenset(x for x in b if x not in a),
    Operation.COMMON: lambda a, b: frozenset(x for x in a if x in b),
    Operation.DIFFERENCE: lambda a, b: frozenset(x for x in a | b if (x in a) != (x in b)),
    Operation.ALL: lambda a, b: frozenset([*a, *b]),
}


# --- pure set algebra ----------------------------------------------------------------------


@given(members, members, st.sampled_from(list(Operation)))
def test_operations_are_set_algebra_on_each_kind(a: Members, b: Members, op: Operation) -> None:
    result = op.apply(a, b)
    assert result.companies == SET_ALGEBRA[op](a.companies, b.companies)
    assert result.persons == SET_ALGEBRA[op](a.persons, b.persons)


@given(members, members)
def test_operation_laws(a: Members, b: Members) -> None:
    first, second = Operation.ONLY_FIRST.apply(a, b), Operation.ONLY_SECOND.apply(a, b)
    common = Operation.COMMON.apply(a, b)
    assert first | second | common == Operation.ALL.apply(a, b)
    assert first | second == Operation.DIFFERENCE.apply(a, b)
    assert not first.persons & second.persons
    assert not first.persons & common.persons
    assert Operation.ONLY_FIRST.apply(a, b) == Operation.ONLY_SECOND.apply(b, a)
    for symmetric in (Operation.COMMON, Operation.DIFFERENCE, Operation.ALL):
        assert symmetric.apply(a, b) == symmetric.apply(b, a)


class FakeSource:
    """A MemberSource over plain dicts."""

    def __init__(
        self,
        company_of: dict[int, int | None],
        saved: Sequence[Selection] = (),
        persons: frozenset[int] = frozenset(),
        companies: frozenset[int] = frozenset(),
    ) -> None:
        self._company_of = company_of
        self._saved = {s.id: s for s in saved}
        self._persons = persons
        self._companies = companies
        self.finds = 0

    def selection(self, selection_id: SelectionId) -> Selection:
        try:
            return self._saved[selection_id]
        except KeyError:
            raise NotFoundError("selection", selection_id) from None

    def find_companies(self, criteria: Criterion) -> frozenset[CompanyId]:
        self.finds += 1
        return cast(frozenset[CompanyId], self._companies)

    def find_persons(self, criteria: Criterion) -> frozenset[PersonId]:
        self.finds += 1
        return cast(frozenset[PersonId], self._persons)

    def persons_of(self, company_id: CompanyId) -> Sequence[PersonId]:
        return sorted(PersonId(p) for p, c in self._company_of.items() if c == company_id)

    def company_of(self, person_id: PersonId) -> CompanyId | None:
        found = self._company_of[person_id]
        return None if found is None else CompanyId(found)


# persons 1, 2 in company 10; person 3 in company 20; person 4 without company; company 30 empty
FAKE = FakeSource({1: 10, 2: 10, 3: 20, 4: None})
C, P, CP = Target.COMPANIES, Target.PERSONS, Target.COMPANIES_AND_PERSONS


@pytest.mark.parametrize(
    ("given_members", "source", "target", "mapping", "expected"),
    [
        (Members(companies={10, 30}), C, P, CompanyPersons.ALL, Members(persons={1, 2})),
        (Members(companies={10, 20}), C, P, CompanyPersons.FIRST, Members(persons={1, 3})),
        (Members(companies={10}), C, P, CompanyPersons.NONE, Members()),
        (Members(persons={1, 3, 4}), P, C, CompanyPersons.NONE, Members(companies={10, 20})),
        (Members(persons={2, 4}), P, CP, CompanyPersons.ALL, Members({10}, {2, 4})),
        (Members(companies={10, 30}), C, CP, CompanyPersons.ALL, Members({10, 30}, {1, 2})),
        (Members(companies={10}), C, CP, CompanyPersons.FIRST, Members({10}, {1})),
        (Members(companies={10}), C, CP, CompanyPersons.NONE, Members({10}, set())),
        (Members({20}, {1}), CP, P, CompanyPersons.ALL, Members(persons={1})),
        (Members({20}, {1}), CP, C, CompanyPersons.ALL, Members(companies={20})),
        (Members({20}, {1}), CP, CP, CompanyPersons.ALL, Members({20}, {1})),
    ],
)
def test_projection_between_targets(
    given_members: Members,
    source: Target,
    target: Target,
    mapping: CompanyPersons,
    expected: Members,
) -> None:
    assert project(given_members, source, target, mapping, FAKE) == expected


def test_dynamic_on_companies_listed_as_persons_uses_the_mapping() -> None:
    source = FakeSource({1: 10, 2: 10, 3: 20}, companies=frozenset({10}))
    dynamic = DynamicSelection(
        SelectionId(1), "d", Target.PERSONS, ALWAYS, entity=Entity.COMPANY,
        company_persons=CompanyPersons.FIRST,
    )  # fmt: skip
    assert resolve(dynamic, source) == Members(persons={1})


def test_combined_converts_each_input_to_its_target() -> None:
    companies = StaticSelection(SelectionId(1), "c", C, Members(companies={10, 20}))
    persons = StaticSelection(SelectionId(2), "p", P, Members(persons={2, 4}))
    combined = CombinedSelection(SelectionId(3), "x", CP, SelectionId(1), SelectionId(2),
                                 Operation.ALL, company_persons=CompanyPersons.FIRST)  # fmt: skip
    source = FakeSource({1: 10, 2: 10, 3: 20, 4: None}, saved=[companies, persons])
    assert resolve(combined, source) == Members({10, 20}, {1, 2, 3, 4})
    common = attrs.evolve(combined, operation=Operation.COMMON)
    assert resolve(common, source) == Members({10}, set())


def test_a_shared_input_is_resolved_once_per_read() -> None:
    dynamic = DynamicSelection(SelectionId(1), "d", P, ALWAYS)
    left = CombinedSelection(SelectionId(2), "l", P, SelectionId(1), SelectionId(1), Operation.ALL)
    top = CombinedSelection(SelectionId(3), "t", P, SelectionId(2), SelectionId(1), Operation.ALL)
    source = FakeSource({1: None}, saved=[dynamic, left], persons=frozenset({1}))
    assert resolve(top, source) == Members(persons={1})
    assert source.finds == 1


def test_cycles_are_refused_when_checked_and_when_read() -> None:
    a = CombinedSelection(SelectionId(1), "a", P, SelectionId(2), SelectionId(3), Operation.ALL)
    b = CombinedSelection(SelectionId(2), "b", P, SelectionId(3), SelectionId(1), Operation.ALL)
    static = StaticSelection(SelectionId(3), "s", P)
    source = FakeSource({}, saved=[a, b, static])
    with pytest.raises(SelectionCycleError) as raised:
        check_acyclic(a, source.selection)
    assert raised.value.context["path"] == (1, 2, 1)
    with pytest.raises(SelectionCycleError):
        resolve(a, source)
    check_acyclic(static, source.selection)


def test_a_combined_selection_cannot_read_itself() -> None:
    with pytest.raises(SelectionCycleError):
        CombinedSelection(SelectionId(1), "a", P, SelectionId(1), SelectionId(2), Operation.ALL)


def test_static_members_must_fit_the_target() -> None:
    with pytest.raises(ValidationError):
        StaticSelection(SelectionId(1), "p", P, Members(companies={1}))
    with pytest.raises(ValidationError):
        StaticSelection(SelectionId(1), "c", C, Members(persons={1}))
    with pytest.raises(ValidationError):
        StaticSelection(SelectionId(1), " ", P)


# --- through the service -------------------------------------------------------------------


@attrs.define
class World:
    service: LeadService
    store: InMemoryStore
    acme: CompanyId
    bolt: CompanyId
    empty: CompanyId
    ann: PersonId
    bob: PersonId
    cid: PersonId
    dan: PersonId

    def snapshot(self) -> tuple[object, ...]:
        self.store.verify_indexes()
        with self.store.unit_of_work() as uow:
            return (uow.selections.all(), uow.persons.find(Query()), list(uow.history))


def world(licence: Licence | None = None) -> World:
    clock = FixedClock(START)
    store = InMemoryStore(Lists(*new_database()), clock=clock)
    service = LeadService(
        store.unit_of_work,
        clock=clock,
        ids=SequentialIds(),
        licence=Licence.full() if licence is None else licence,
    )
    lead = service.lists().categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    bolt = service.companies.add("Bolt")
    empty = service.companies.add("Empty")
    ann = service.persons.add("Ann", "Ash", company_id=acme.id, first_touch_utm=Utm(source="ads"))
    bob = service.persons.add("Bob", "Berg", company_id=acme.id)
    cid = service.persons.add("Cid", "Berg", company_id=bolt.id)
    dan = service.persons.add("Dan", "Dunn")
    return World(service, store, acme.id, bolt.id, empty.id, ann.id, bob.id, cid.id, dan.id)


@pytest.fixture
def w() -> World:
    return world()


def test_static_selection_by_hand(w: World) -> None:
    s = w.service.selections.create_static("Fair", persons=[w.ann, w.dan])
    assert (s.version, s.name, s.target) == (1, "Fair", P)
    assert w.service.selections.members(s.id) == Members(persons={w.ann, w.dan})
    s = w.service.selections.add_members(s.id, companies=[w.bolt])  # a company brings its persons
    assert s.members == Members(persons={w.ann, w.dan, w.cid})
    s = w.service.selections.remove_members(s.id, persons=[w.ann])
    assert (s.members, s.version) == (Members(persons={w.dan, w.cid}), 3)
    assert w.service.selections.get(s.id) == s


def test_static_companies_and_persons_selection_maps_both_ways(w: World) -> None:
    s = w.service.selections.create_static(
        "Both", CP, companies=[w.acme, w.empty], persons=[w.cid],
        company_persons=CompanyPersons.FIRST,
    )  # fmt: skip
    assert s.members == Members({w.acme, w.empty, w.bolt}, {w.ann, w.cid})
    companies = w.service.selections.create_static("C", C, persons=[w.ann, w.dan])
    assert companies.members == Members(companies={w.acme})


def test_dynamic_selection_is_evaluated_on_every_read(w: World) -> None:
    bergs = condition("person.last_name", "equals", "berg")
    s = w.service.selections.create_dynamic("Bergs", bergs)
    assert w.service.selections.members(s.id).persons == {w.bob, w.cid}
    eve = w.service.persons.add("Eve", "Berg")
    assert w.service.selections.members(s.id).persons == {w.bob, w.cid, eve.id}


def test_dynamic_company_selection_and_companies_with_persons(w: World) -> None:
    named = condition("company.name", "begins", "a", entity=Entity.COMPANY)
    companies = w.service.selections.create_dynamic("A", named, C)
    assert w.service.selections.members(companies.id) == Members(companies={w.acme})
    both = w.service.selections.create_dynamic("A+", named, CP, company_persons=CompanyPersons.NONE)
    assert w.service.selections.members(both.id) == Members(companies={w.acme})
    by_person = w.service.selections.create_dynamic(
        "Bergs+", condition("person.last_name", "equals", "berg"), CP, entity=Entity.PERSON
    )
    assert w.service.selections.members(by_person.id) == Members({w.acme, w.bolt}, {w.bob, w.cid})


def test_dynamic_selection_uses_the_reading_associate() -> None:
    w = world()
    for number in range(5):
        w.service.associates.add(f"Associate {number + 1}")
    owned = w.service.persons.add("Ola", owner_id=AssociateId(5))
    mine = w.service.selections.create_dynamic(
        "Mine", condition("person.owner", "current_associate")
    )
    assert w.service.selections.members(mine.id).persons == set()
    five = w.service.acting_as(AssociateId(5))
    assert five.selections.members(mine.id).persons == {owned.id}


@pytest.mark.parametrize("op", list(Operation))
def test_combined_selection_over_static_and_dynamic(w: World, op: Operation) -> None:
    first = w.service.selections.create_static("Hand", persons=[w.ann, w.bob, w.dan])
    second = w.service.selections.create_dynamic(
        "Bergs", condition("person.last_name", "equals", "berg")
    )
    combined = w.service.selections.create_combined("Both", first.id, second.id, op)
    expected = SET_ALGEBRA[op](frozenset({w.ann, w.bob, w.dan}), frozenset({w.bob, w.cid}))
    assert w.service.selections.members(combined.id).persons == expected


def test_freezing_a_combined_selection_stops_following_changes(w: World) -> None:
    bergs = w.service.selections.create_dynamic(
        "Bergs", condition("person.last_name", "equals", "berg")
    )
    hand = w.service.selections.create_static("Hand", persons=[w.ann])
    union = w.service.selections.create_combined("All", bergs.id, hand.id, Operation.ALL)
    frozen = w.service.selections.freeze(union.id, name="Snapshot")
    assert isinstance(frozen, StaticSelection)
    assert frozen.name == "Snapshot"
    assert frozen.members.persons == {w.ann, w.bob, w.cid}
    w.service.persons.add("Eve", "Berg")
    assert len(w.service.selections.members(union.id).persons) == 4
    assert w.service.selections.members(frozen.id).persons == {w.ann, w.bob, w.cid}
    assert w.service.selections.freeze(hand.id).name == "Hand (frozen)"


def test_freeze_find(w: World) -> None:
    s = w.service.selections.freeze_find("Acme people", condition("company.name", "equals", "acme"))
    assert s.members == Members(persons={w.ann, w.bob})
    w.service.persons.add("Ava", company_id=w.acme)
    assert w.service.selections.members(s.id) == Members(persons={w.ann, w.bob})


def test_list_rename_and_delete(w: World) -> None:
    a = w.service.selections.create_static("A")
    b = w.service.selections.create_dynamic("B", ALWAYS)
    assert [s.id for s in w.service.selections.all()] == [a.id, b.id]
    renamed = w.service.selections.rename(b.id, "Everyone")
    assert (renamed.name, renamed.version) == ("Everyone", 2)
    w.service.selections.delete(a.id)
    assert [s.name for s in w.service.selections.all()] == ["Everyone"]
    with pytest.raises(NotFoundError):
        w.service.selections.get(a.id)


def test_change_combined_selection(w: World) -> None:
    a = w.service.selections.create_static("A", persons=[w.ann])
    b = w.service.selections.create_static("B", persons=[w.bob])
    c = w.service.selections.create_combined("C", a.id, b.id, Operation.ALL)
    changed = w.service.selections.change_combined(c.id, second=a.id, operation=Operation.COMMON)
    assert (changed.first, changed.second, changed.operation) == (a.id, a.id, Operation.COMMON)
    assert w.service.selections.members(c.id) == Members(persons={w.ann})


def _cycle(w: World) -> object:
    a = w.service.selections.create_static("A")
    one = w.service.selections.create_combined("1", a.id, a.id, Operation.ALL)
    two = w.service.selections.create_combined("2", one.id, a.id, Operation.ALL)
    before = w.snapshot()
    try:
        return w.service.selections.change_combined(one.id, second=two.id)
    finally:
        assert w.snapshot() == before


REFUSALS: dict[str, tuple[Callable[[World], object], type[LeadcoreError]]] = {
    "a cycle through another combined selection": (_cycle, SelectionCycleError),
    "an unknown input": (
        lambda w: w.service.selections.create_combined(
            "x", SelectionId(77), SelectionId(77), Operation.ALL
        ),
        NotFoundError,
    ),
    "members added to a dynamic selection": (
        lambda w: w.service.selections.add_members(
            w.service.selections.create_dynamic("d", ALWAYS).id, persons=[w.ann]
        ),
        SelectionKindError,
    ),
    "re-combining a static selection": (
        lambda w: w.service.selections.change_combined(
            w.service.selections.create_static("s").id, operation=Operation.ALL
        ),
        SelectionKindError,
    ),
    "an unknown person added": (
        lambda w: w.service.selections.create_static("s", persons=[PersonId(99)]),
        NotFoundError,
    ),
    "a selection without name": (
        lambda w: w.service.selections.create_static(" "),
        ValidationError,
    ),
    "a UTM dynamic selection without marketing premium": (
        lambda w: w.service.acting_as(
            None, licence=Licence.of(Feature.LEAD_STATUS)
        ).selections.create_dynamic("utm", condition("person.first_touch.source", "equals", "a")),
        FeatureNotLicensed,
    ),
    "criteria of the wrong entity": (
        lambda w: w.service.selections.create_dynamic(
            "x", condition("person.first_name", "begins", "a"), C
        ),
        ValidationError,
    ),
    "renaming an unknown selection": (
        lambda w: w.service.selections.rename(SelectionId(77), "x"),
        NotFoundError,
    ),
    "deleting an unknown selection": (
        lambda w: w.service.selections.delete(SelectionId(77)),
        NotFoundError,
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refused_selection_commands(name: str) -> None:
    w = world()
    command, error = REFUSALS[name]
    with pytest.raises(error):
        command(w)
    w.store.verify_indexes()


def test_refused_selection_commands_change_nothing(w: World) -> None:
    a = w.service.selections.create_static("A", persons=[w.ann])
    user = w.service.selections.create_combined("U", a.id, a.id, Operation.ALL)
    d = w.service.selections.create_dynamic("D", ALWAYS)
    before = w.snapshot()
    with pytest.raises(SelectionInUseError) as raised:
        w.service.selections.delete(a.id)
    assert raised.value.context["users"] == (user.id,)
    with pytest.raises(SelectionKindError):
        w.service.selections.remove_members(d.id, persons=[w.ann])
    with pytest.raises(NotFoundError):
        w.service.selections.add_members(a.id, persons=[w.ann, PersonId(99)])
    with pytest.raises(ValidationError):
        w.service.selections.rename(a.id, "")
    assert w.snapshot() == before


def test_reading_a_utm_selection_needs_the_licence(w: World) -> None:
    utm = w.service.selections.create_dynamic(
        "Ads", condition("person.first_touch.source", "equals", "ads")
    )
    assert w.service.selections.members(utm.id).persons == {w.ann}
    basic = w.service.acting_as(None, licence=Licence.of(Feature.LEAD_STATUS))
    with pytest.raises(FeatureNotLicensed):
        basic.selections.members(utm.id)


@given(
    st.lists(st.frozensets(st.sampled_from(range(4)), max_size=4), min_size=2, max_size=2),
    st.sampled_from(list(Operation)),
    st.sampled_from(list(Target)),
)
def test_combined_members_through_the_service_are_set_algebra(
    picks: list[frozenset[int]], op: Operation, target: Target
) -> None:
    w = world()
    persons = [w.ann, w.bob, w.cid, w.dan]
    inputs = [w.service.selections.create_static(f"s{i}", P, persons=[persons[j] for j in pick])
              for i, pick in enumerate(picks)]  # fmt: skip
    combined = w.service.selections.create_combined("c", inputs[0].id, inputs[1].id, op, target)
    sides = [project(s.members, P, target, CompanyPersons.ALL, _ServiceSource(w)) for s in inputs]
    got = w.service.selections.members(combined.id)
    assert got.persons == SET_ALGEBRA[op](sides[0].persons, sides[1].persons)
    assert got.companies == SET_ALGEBRA[op](sides[0].companies, sides[1].companies)
    frozen = w.service.selections.freeze(combined.id)
    assert w.service.selections.members(frozen.id) == got


class _ServiceSource(FakeSource):
    def __init__(self, w: World) -> None:
        super().__init__({p.id: p.company_id for p in w.service.persons.find()})


@st.composite
def _searches(draw: st.DrawFn) -> tuple[list[Row], Criterion, Criterion]:
    categories, statuses = new_database()
    rows = draw(strategies.person_rows(categories, statuses))
    first = draw(strategies.criteria(categories, statuses, max_leaves=4))
    second = draw(strategies.criteria(categories, statuses, max_leaves=4))
    return rows, first, second


@settings(max_examples=min(settings().max_examples, 100))  # a store per example: keep CI quick
@given(_searches(), st.sampled_from(list(Operation)))
def test_combined_dynamic_selections_follow_the_criteria_algebra(
    search: tuple[list[Row], Criterion, Criterion], op: Operation
) -> None:
    """Combining two dynamic selections equals finding with the combined criteria."""
    rows, first, second = search
    clock = FixedClock(START)
    store = InMemoryStore(Lists(*new_database()), clock=clock)
    companies = {c.id: c for _, c in rows if c is not None}
    store.load_bulk(companies.values(), [p for p, _ in rows])
    service = LeadService(
        store.unit_of_work,
        clock=clock,
        ids=SequentialIds({"selection": 0}),
        associate=strategies.ASSOCIATE_IDS[0],
    )
    a = service.selections.create_dynamic("a", first)
    b = service.selections.create_dynamic("b", second)
    combined = service.selections.create_combined("c", a.id, b.id, op)
    as_criteria = {
        Operation.ONLY_FIRST: first & ~second,
        Operation.ONLY_SECOND: ~first & second,
        Operation.COMMON: first & second,
        Operation.DIFFERENCE: (first & ~second) | (~first & second),
        Operation.ALL: first | second,
    }[op]
    found = {p.id for p in service.persons.find(as_criteria)}
    assert service.selections.members(a.id).persons == {p.id for p in service.persons.find(first)}
    assert service.selections.members(combined.id).persons == found


def test_companies_given_to_a_persons_selection_that_maps_none_are_refused() -> None:
    service = LeadService.in_memory()
    acme = service.companies.add("Acme")
    service.persons.add("Ann", company_id=acme.id)
    with pytest.raises(ValidationError, match="company_persons=NONE"):
        service.selections.create_static(
            "none", Target.PERSONS, companies=[acme.id], company_persons=CompanyPersons.NONE
        )
    empty = service.selections.create_static(
        "none", Target.PERSONS, company_persons=CompanyPersons.NONE
    )
    with pytest.raises(ValidationError, match="Add the persons themselves"):
        service.selections.add_members(empty.id, companies=[acme.id])
    assert service.selections.members(empty.id).persons == frozenset()
    assert [s.name for s in service.selections.all()] == ["none"]
