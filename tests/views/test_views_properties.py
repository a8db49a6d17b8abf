"""The board's laws on generated data, through the service and the in-memory adapter.

- A board's column counts sum to the selection's size minus the persons it left out,
  and it leaves persons out only on a lead-status board (hidden statuses, R4).
- Each column's count equals the count of its value's criterion, and its cards are
  exactly the persons that criterion finds.
- A static selection's board (members loaded in one batch) agrees with the same
  question asked by criteria.
- A refused card move changes nothing: the board, the records and the history read
  afterwards are the same as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcore import LeadService
from leadcore.clock import FixedClock
from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import person_reader
from leadcore.errors import LeadcoreError
from leadcore.model import AssociateId, CategoryId, CompanyId, LeadStatusId, PersonId
from leadcore.policies import ForwardOnly, LeadPolicy
from leadcore.queries import Order, Page
from leadcore.rules import lead_status_view
from leadcore.selections import Target
from leadcore.testing.contract import PERSON_GROUP_FIELDS
from leadcore.views import Layout

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CAPPED = settings(max_examples=min(settings().max_examples, 150))
"""Each example builds a service and reads several boards: CI's profile is capped here."""
CATEGORIES = st.integers(1, 10)  # the new database's categories: 1-4 potential, 5 customer ...
STATUSES = st.integers(1, 5)
OWNERS = st.sampled_from([None, AssociateId(1), AssociateId(2)])


@attrs.frozen
class World:
    service: LeadService
    persons: tuple[PersonId, ...]


@st.composite
def worlds(draw: st.DrawFn, policy: LeadPolicy | None = None) -> World:
    service = LeadService.in_memory(clock=FixedClock(AT), associate=AssociateId(1))
    if policy is not None:
        service = service.acting_as(AssociateId(1), policy=policy)
    service.associates.add("Ann")
    service.associates.add("Bo")
    companies = [
        service.companies.add(f"C{n}", category_id=CategoryId(draw(CATEGORIES)), owner_id=owner).id
        for n, owner in enumerate(draw(st.lists(OWNERS, max_size=4)))
    ]
    persons = []
    for n in range(draw(st.integers(0, 10))):
        employer = draw(st.sampled_from([None, *companies]))
        own = None if employer is not None else draw(st.none() | CATEGORIES.map(CategoryId))
        person = service.persons.add(
            f"P{n}",
            draw(st.sampled_from(["Ash", "Berg", "Alm"])),
            company_id=employer,
            category_id=own,
            owner_id=draw(OWNERS),
        )
        persons.append(person.id)
        if service.persons.lead_status_view(person.id).editable:
            service.persons.set_lead_status(person.id, LeadStatusId(draw(STATUSES)))
    for company_id in companies:  # a company that leaves Potential customer hides its leads
        if draw(st.booleans()):
            service.companies.change_category(company_id, CategoryId(draw(CATEGORIES)))
    return World(service, tuple(persons))


CRITERIA: list[Criterion] = [
    ALWAYS,
    condition("person.owner", "in", 1),
    ~condition("person.owner", "in", 1),
    condition("person.last_name", "begins", "a"),
    condition("person.category_group", "in", 2),
    condition("person.lead_status", "in", 2, 3),
    condition("company.category", "in", 1, 5),
    condition("person.has_company", "is_false") | condition("person.owner", "in", 2),
]


def _value_criterion(group_by: str, value: int | None, enabled: list[int]) -> Criterion:
    """The persons a column holds, written out independently of the views' code."""
    if value is None:
        return condition(group_by, "not_set")
    leaf = condition(group_by, "in", value)
    if group_by == "person.lead_status":
        return leaf & condition("person.category", "in", *enabled)
    return leaf


@CAPPED
@given(
    world=worlds(),
    criteria=st.sampled_from(CRITERIA),
    group_by=st.sampled_from(PERSON_GROUP_FIELDS),
)
def test_board_columns_sum_to_the_selection_and_match_their_criteria(
    world: World, criteria: Criterion, group_by: str
) -> None:
    service = world.service
    selection = service.selections.create_dynamic("S", criteria)
    board = service.views.board(selection.id, group_by, cards=1000)
    size = service.persons.count(criteria)
    assert board.total == size
    assert sum(c.count for c in board.columns) == size - board.left_out
    if group_by != "person.lead_status":
        assert board.left_out == 0
    enabled = [int(c.id) for c in service.lists().categories if c.lead_enabled]
    for column in board.columns:
        matches = criteria & _value_criterion(group_by, column.value, enabled)
        assert column.count == service.persons.count(matches), column
        assert [r.id for r in column.cards] == [p.id for p in service.persons.find(matches)]
        assert not column.has_more
    assert board.columns[-1].value is None


@CAPPED
@given(
    world=worlds(),
    group_by=st.sampled_from(PERSON_GROUP_FIELDS),
    data=st.data(),
)
def test_a_static_selection_board_agrees_with_its_members(
    world: World, group_by: str, data: st.DataObject
) -> None:
    service = world.service
    chosen = data.draw(st.sets(st.sampled_from(world.persons)) if world.persons else st.just(set()))
    selection = service.selections.create_static("Fair", persons=chosen)
    board = service.views.board(selection.id, group_by, cards=1000)
    lists = service.lists()
    read = person_reader(group_by, lists.categories)
    expected: dict[int | None, list[int]] = {}
    left_out = 0
    for person_id in sorted(chosen):
        card = service.persons.card(person_id)
        if group_by == "person.lead_status":
            view = lead_status_view(card.person, card.company, lists)
            if view.status_id is not None and not view.visible:
                left_out += 1
                continue
        value = read(card.person, card.company)
        expected.setdefault(value if isinstance(value, int) else None, []).append(person_id)
    assert board.left_out == left_out
    assert board.total == len(chosen)
    got = {c.value: [r.id for r in c.cards] for c in board.columns if c.count}
    assert got == expected
    assert all(c.count == len(c.cards) for c in board.columns)


MOVES = st.sampled_from(["person.lead_status", "person.category", "person.owner",
                         "company.category", "company.owner"])  # fmt: skip


@CAPPED
@given(
    world=worlds(policy=LeadPolicy(ForwardOnly())),
    group_by=MOVES,
    data=st.data(),
    value=st.none() | st.integers(1, 12),
)
def test_a_refused_card_move_changes_nothing(
    world: World, group_by: str, data: st.DataObject, value: int | None
) -> None:
    service = world.service
    if not world.persons:
        return
    person_id = data.draw(st.sampled_from(world.persons))
    shown_by = group_by if group_by != "company.owner" else "person.owner"

    def state() -> object:
        return (
            service.views.board(ALWAYS, shown_by, cards=1000),
            service.views.board(ALWAYS, "person.lead_status", cards=1000),
            service.persons.find(),
            service.companies.find(),
            [service.persons.history(p) for p in world.persons],
        )

    before = state()
    try:
        moved = service.views.move_card(group_by, person_id, value)
    except LeadcoreError:
        assert state() == before
        return
    assert moved.id in (person_id, service.persons.get(person_id).company_id)
    if group_by == "person.lead_status":
        assert service.persons.get(person_id).lead_status_id == value
        board = service.views.board(ALWAYS, group_by, cards=1000)
        assert person_id in [r.id for r in board.column(value).cards]


def test_a_static_selection_of_companies_counts_its_members() -> None:
    service = LeadService.in_memory(clock=FixedClock(AT))
    ids = [service.companies.add(f"C{n}", category_id=CategoryId(1 + n % 3)).id for n in range(6)]
    chosen = [CompanyId(i) for i in ids[::2]]  # categories 1, 3, 2
    static = service.selections.create_static("Some", Target.COMPANIES, companies=chosen)
    board = service.views.board(static.id, "company.category", hide_empty=True)
    assert board.counts() == {1: 1, 2: 1, 3: 1}
    assert [r.id for c in board.columns for r in c.cards] == [ids[0], ids[4], ids[2]]


ORDERS = st.lists(
    st.builds(
        Order,
        st.sampled_from(["person.name", "person.lead_status", "person.owner", "company.category",
                         "person.email", "company.name"]),
        st.booleans(),
    ),
    max_size=3,
)  # fmt: skip


@CAPPED
@given(world=worlds(), order=ORDERS, offset=st.integers(0, 4), limit=st.integers(0, 6))
def test_member_rows_order_and_page_like_the_adapter(
    world: World, order: list[Order], offset: int, limit: int
) -> None:
    service = world.service
    everyone = service.selections.create_static("All", persons=world.persons)
    layout = Layout(("person.name",), order=tuple(order))
    page = Page(offset, limit)
    loaded = service.views.find_results(everyone.id, layout, page=page)  # members, ordered here
    adapter = service.views.find_results(ALWAYS, layout, page=page)  # the adapter's order
    assert [r.id for r in loaded.rows] == [r.id for r in adapter.rows]
    assert loaded.total == adapter.total == len(world.persons)
