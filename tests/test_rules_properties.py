"""Property tests: the laws of the lists, the policies and the rules engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leadcore.errors import (
    DuplicateNameError,
    LastCategoryError,
    LeadStatusNotEditable,
    TransitionRefused,
)
from leadcore.history import HistoryEntry, HistoryKind, replay
from leadcore.lists import (
    LEAD_CATEGORIES,
    CategoryList,
    LeadStatusList,
    Lists,
    default_statuses,
    existing_database,
    new_database,
    upgrade_categories,
)
from leadcore.model import (
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.policies import AllOf, ForwardOnly, LeadPolicy, RevealPolicy, TransitionTable
from leadcore.rules import (
    Actor,
    change_company_category,
    effective_category_id,
    is_status_visible,
    lead_status_view,
    next_category,
    set_lead_status,
)

AT = datetime(2026, 5, 1, tzinfo=UTC)
ACTOR = Actor(AT)
CATEGORIES, STATUSES = new_database()
CATEGORY_IDS = [c.id for c in CATEGORIES]
STATUS_IDS = [s.id for s in STATUSES]
NAMES = st.text(alphabet="abcABC ", min_size=1, max_size=4).filter(lambda n: n.strip() != "")


@st.composite
def categories(draw: st.DrawFn) -> Category:
    group = draw(st.sampled_from(CategoryGroup))
    enabled = group is CategoryGroup.POTENTIAL_CUSTOMER and draw(st.booleans())
    return Category(CategoryId(draw(st.integers(1, 50))), "C", group, enable_lead_status=enabled)


@st.composite
def category_lists(draw: st.DrawFn) -> CategoryList:
    """The new-database categories with random flags, groups and deletions."""
    result = CATEGORIES
    for category_id in CATEGORY_IDS:
        result = result.set_group(category_id, draw(st.sampled_from(CategoryGroup)))
        if result.get(category_id).group is CategoryGroup.POTENTIAL_CUSTOMER:
            result = result.set_lead_status_enabled(category_id, draw(st.booleans()))
        if draw(st.booleans()):
            result = result.delete(category_id)
    return result


def person(pid: int, company_id: CompanyId | None, status: LeadStatusId | None) -> Person:
    return Person(PersonId(pid), company_id, "P", str(pid), AT, AT, lead_status_id=status)


# --- R1, R3 --------------------------------------------------------------------------------------


@given(categories())
def test_visible_iff_potential_customer_with_the_flag(category: Category) -> None:
    categories_ = CategoryList((category,))
    acme = Company(CompanyId(1), "Acme", category.id, AT, AT)
    visible = is_status_visible(person(1, acme.id, None), acme, categories_)
    assert visible == (
        category.group is CategoryGroup.POTENTIAL_CUSTOMER and category.enable_lead_status
    )
    assert lead_status_view(
        person(1, acme.id, None), acme, Lists(categories_, STATUSES)
    ).editable is (visible)


@given(
    company_category=st.sampled_from([None, *CATEGORY_IDS]),
    own=st.sampled_from([None, *CATEGORY_IDS]),
    has_company=st.booleans(),
)
def test_effective_category_is_the_companys_or_the_own(
    company_category: CategoryId | None, own: CategoryId | None, has_company: bool
) -> None:
    acme = Company(CompanyId(1), "Acme", company_category, AT, AT)
    who = Person(
        PersonId(1), acme.id if has_company else None, "P", "Q", AT, AT, own_category_id=own
    )
    expected = company_category if has_company else own
    assert effective_category_id(who, acme if has_company else None) == expected


# --- R2, R4, R8 ----------------------------------------------------------------------------------


@given(
    categories_=category_lists(),
    category=st.sampled_from(CATEGORY_IDS),
    current=st.sampled_from(STATUS_IDS),
    target=st.sampled_from(STATUS_IDS),
)
def test_set_status_is_allowed_exactly_when_visible(
    categories_: CategoryList,
    category: CategoryId,
    current: LeadStatusId,
    target: LeadStatusId,
) -> None:
    acme = Company(CompanyId(1), "Acme", category, AT, AT)
    ann = person(1, acme.id, current)
    lists = Lists(categories_, STATUSES)
    if not categories_.get(category).lead_enabled:
        with pytest.raises(LeadStatusNotEditable):
            set_lead_status(ann, acme, lists, target, ACTOR)
        return
    out = set_lead_status(ann, acme, lists, target, ACTOR)
    if target == current:
        assert (out.persons, out.events) == ((), ())
    else:
        (changed,) = out.persons
        assert changed.lead_status_id == target
        assert out.history == (HistoryEntry(ann.id, HistoryKind.CHANGE, current, target, AT),)


# --- R4, R5: a company changes category ----------------------------------------------------------


@given(
    categories_=category_lists(),
    before=st.sampled_from(CATEGORY_IDS),
    after=st.sampled_from(CATEGORY_IDS),
    held=st.lists(st.sampled_from([None, *STATUS_IDS]), max_size=5),
    deleted=st.sets(st.sampled_from(STATUS_IDS[1:])),
    reveal=st.sampled_from(RevealPolicy),
)
def test_company_category_change_hides_reveals_or_keeps(
    categories_: CategoryList,
    before: CategoryId,
    after: CategoryId,
    held: list[LeadStatusId | None],
    deleted: set[LeadStatusId],
    reveal: RevealPolicy,
) -> None:
    assume(not categories_.get(after).deleted)
    statuses = STATUSES
    for status_id in deleted:
        statuses = statuses.delete(status_id)
    lists = Lists(categories_, statuses)
    acme = Company(CompanyId(1), "Acme", before, AT, AT)
    members = [person(n, acme.id, status) for n, status in enumerate(held, start=1)]
    out = change_company_category(
        acme, members, lists, after, ACTOR, policy=LeadPolicy(reveal=reveal)
    )
    if after == before:
        assert (out.companies, out.persons, out.events) == ((), (), ())
        return
    assert out.companies[0].category_id == after
    was = categories_.get(before).lead_enabled
    now = categories_.get(after).lead_enabled
    stored = {p.id: p.lead_status_id for p in members} | {
        p.id: p.lead_status_id for p in out.persons
    }
    if was == now:
        assert out.history == ()
        assert out.persons == ()
    elif was:
        assert [e.kind for e in out.history] == [HistoryKind.HIDE] * len(members)
        # each hidden person keeps its status; only the time of its latest entry moves
        assert [(p.id, p.lead_status_id) for p in out.persons] == [
            (m.id, m.lead_status_id) for m in members
        ]
        assert all(p.status_changed == e.at for p, e in zip(out.persons, out.history, strict=True))
    else:
        assert [e.kind for e in out.history] == [HistoryKind.REVEAL] * len(members)
        for member in members:
            kept = member.lead_status_id
            restorable = kept is not None and kept not in deleted
            if reveal is RevealPolicy.RESTORE_PREVIOUS and restorable:
                assert stored[member.id] == kept
            else:
                assert stored[member.id] == statuses.default.id
    prior = [HistoryEntry(p.id, HistoryKind.CHANGE, None, p.lead_status_id, AT) for p in members]
    assert replay([*prior, *out.history]) == stored


# --- R7 lists ------------------------------------------------------------------------------------


@given(st.lists(st.tuples(st.booleans(), NAMES, st.integers(0, 20)), max_size=15))
def test_names_stay_unique_ignoring_case(ops: list[tuple[bool, str, int]]) -> None:
    statuses: LeadStatusList = default_statuses()
    for add, name, pick in ops:
        target = [s.id for s in statuses][pick % len(statuses)]
        clash = [
            s.id
            for s in statuses
            if s.name.casefold() == name.strip().casefold() and (add or s.id != target)
        ]
        if clash:
            with pytest.raises(DuplicateNameError) as info:
                statuses.add(name) if add else statuses.rename(target, name)
            assert clash == [info.value.context["existing_id"]]
        else:
            statuses = statuses.add(name)[0] if add else statuses.rename(target, name)
        folded = [s.name.casefold() for s in statuses]
        assert len(folded) == len(set(folded))


@given(st.permutations(STATUS_IDS), st.permutations(CATEGORY_IDS))
def test_reorder_ranks_in_the_given_order(
    status_order: list[LeadStatusId], category_order: list[CategoryId]
) -> None:
    assert [s.id for s in STATUSES.reorder(status_order)] == status_order
    assert [c.id for c in CATEGORIES.reorder(category_order)] == category_order
    assert STATUSES.reorder(status_order).default.id == STATUSES.default.id


@given(st.sampled_from(STATUS_IDS[1:]), st.sampled_from(CATEGORY_IDS))
def test_delete_then_restore_is_the_identity(
    status_id: LeadStatusId, category_id: CategoryId
) -> None:
    assert STATUSES.delete(status_id).restore(status_id) == STATUSES
    assert CATEGORIES.delete(category_id).restore(category_id) == CATEGORIES
    assert STATUSES.delete(status_id).get(status_id).name == STATUSES.get(status_id).name


@given(
    st.lists(
        st.tuples(st.sampled_from(["Lead", "lead", "OPPORTUNITY", "Hot", "Cold"]), st.booleans()),
        unique_by=lambda t: t[0].casefold(),
    )
)
def test_upgrade_adds_exactly_the_missing_and_is_idempotent(
    extra: list[tuple[str, bool]],
) -> None:
    categories_, _ = existing_database()
    for name, deleted in extra:
        categories_, item = categories_.add(name, CategoryGroup.OTHER)
        if deleted:
            categories_ = categories_.delete(item.id)
    upgraded, report = upgrade_categories(categories_)
    existing = {c.name.casefold() for c in categories_}
    wanted = [name for name, *_ in LEAD_CATEGORIES]
    assert [c.name for c in report.added] == [n for n in wanted if n.casefold() not in existing]
    assert list(report.already_present) == [n for n in wanted if n.casefold() in existing]
    assert all(upgraded.get(c.id) == c for c in categories_)
    again, second = upgrade_categories(upgraded)
    assert again == upgraded
    assert not second.changed


# --- R10 -----------------------------------------------------------------------------------------


@given(category_lists(), st.permutations(CATEGORY_IDS), st.sampled_from([None, *CATEGORY_IDS]))
def test_next_category_is_the_first_active_one_ranked_after(
    categories_: CategoryList, order: list[CategoryId], current: CategoryId | None
) -> None:
    categories_ = categories_.reorder(order)
    ranked = [c.id for c in categories_]
    start = 0 if current is None else ranked.index(current) + 1
    later = [cid for cid in ranked[start:] if not categories_.get(cid).deleted]
    if not later:
        with pytest.raises(LastCategoryError):
            next_category(categories_, current)
    else:
        assert next_category(categories_, current).id == later[0]


# --- R8 policies ---------------------------------------------------------------------------------


STATUS_PAIRS = st.tuples(st.sampled_from(list(STATUSES)), st.sampled_from(list(STATUSES)))


def allowed(
    policy: ForwardOnly | TransitionTable | AllOf, a: LeadStatus | None, b: LeadStatus
) -> bool:
    try:
        policy.check(a, b, None)
    except TransitionRefused:
        return False
    return True


@given(STATUS_PAIRS)
def test_forward_only_allows_exactly_higher_ranks(pair: tuple[LeadStatus, LeadStatus]) -> None:
    current, new = pair
    assert allowed(ForwardOnly(), current, new) == (new.rank > current.rank)


@given(
    st.dictionaries(
        st.sampled_from([s.key for s in STATUSES]),
        st.frozensets(st.sampled_from([s.key for s in STATUSES])),
    ),
    STATUS_PAIRS,
)
def test_table_allows_exactly_what_it_lists(
    table: dict[str, frozenset[str]], pair: tuple[LeadStatus, LeadStatus]
) -> None:
    current, new = pair
    assert allowed(TransitionTable(table), current, new) == (new.key in table.get(current.key, ()))
    first = table.get(current.key, frozenset())
    assert allowed(TransitionTable(table, first=first), None, new) == (new.key in first)
    assert allowed(AllOf((TransitionTable(table), ForwardOnly())), current, new) == (
        allowed(TransitionTable(table), current, new) and allowed(ForwardOnly(), current, new)
    )


# --- §6 history ----------------------------------------------------------------------------------


ENTRIES = st.lists(
    st.builds(
        HistoryEntry,
        person_id=st.sampled_from([PersonId(1), PersonId(2), PersonId(3)]),
        kind=st.sampled_from(HistoryKind),
        from_status=st.sampled_from([None, *STATUS_IDS]),
        to_status=st.sampled_from([None, *STATUS_IDS]),
        at=st.just(AT),
    ),
    max_size=12,
)


@given(ENTRIES, ENTRIES)
def test_replay_of_a_concatenation_is_the_later_over_the_earlier(
    first: list[HistoryEntry], second: list[HistoryEntry]
) -> None:
    assert replay(first + second) == replay(first) | replay(second)
    for entry in reversed(first):
        assert replay(first)[entry.person_id] == next(
            e.to_status for e in reversed(first) if e.person_id == entry.person_id
        )
