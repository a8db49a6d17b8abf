"""Bad input: each refusal is a typed error that says what to do, and nothing changes.

Every case runs against a fresh small world; after the refusal the world must
equal a second fresh one, field for field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import pytest

from leadcore.errors import (
    DeletedItemError,
    DuplicateNameError,
    InheritedCategoryError,
    LastCategoryError,
    LeadcoreError,
    LeadStatusNotEditable,
    ListRuleError,
    NotFoundError,
    RuleViolation,
    TransitionRefused,
    ValidationError,
)
from leadcore.lists import CategoryList, LeadStatusList, Lists, new_database
from leadcore.model import (
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.policies import LeadPolicy, TransitionTable
from leadcore.rules import (
    Actor,
    change_company_category,
    create_company,
    create_person,
    lead_status_view,
    move_company_to_next_category,
    move_person,
    next_category,
    recheck_visibility,
    set_lead_status,
    set_person_category,
)

AT = datetime(2026, 4, 1, tzinfo=UTC)
ACTOR = Actor(AT)
UNKNOWN_CATEGORY = CategoryId(999)
UNKNOWN_STATUS = LeadStatusId(999)


@attrs.frozen
class World:
    """A small world: a lead company with a qualified person, a customer company with a
    hidden one, a person without company, and lists where one status and one category
    are deleted."""

    categories: CategoryList
    statuses: LeadStatusList
    lead_co: Company
    customer_co: Company
    ann: Person
    bob: Person
    solo: Person

    @property
    def lists(self) -> Lists:
        return Lists(self.categories, self.statuses)

    def cat(self, name: str) -> CategoryId:
        return self.categories.by_name(name).id

    def st(self, key: str) -> LeadStatusId:
        return self.statuses.by_key(key).id


def make_world() -> World:
    categories, statuses = new_database()
    categories = categories.delete(categories.by_name("Partner").id)
    statuses = statuses.delete(statuses.by_key("renurture").id)
    lead = categories.by_name("Lead").id
    customer = categories.by_name("Customer").id
    lead_co = Company(CompanyId(1), "Lead Co", lead, AT, AT)
    customer_co = Company(CompanyId(2), "Customer Co", customer, AT, AT)
    qualified = statuses.by_key("qualified").id
    ann = Person(PersonId(1), lead_co.id, "Ann", "Ash", AT, AT, lead_status_id=qualified)
    bob = Person(PersonId(2), customer_co.id, "Bob", "Birch", AT, AT, lead_status_id=qualified)
    solo = Person(PersonId(3), None, "Sol", "Solo", AT, AT, own_category_id=customer)
    return World(categories, statuses, lead_co, customer_co, ann, bob, solo)


Case = Callable[[World], object]

CASES: list[tuple[str, type[LeadcoreError], str, Case]] = [
    # unknown ids
    (
        "unknown status",
        NotFoundError,
        "unknown lead status id 999",
        lambda w: set_lead_status(w.ann, w.lead_co, w.lists, UNKNOWN_STATUS, ACTOR),
    ),
    (
        "unknown company category",
        NotFoundError,
        "unknown category id 999",
        lambda w: change_company_category(w.lead_co, [w.ann], w.lists, UNKNOWN_CATEGORY, ACTOR),
    ),
    (
        "unknown category of a new company",
        NotFoundError,
        "unknown category id 999",
        lambda w: create_company(
            Company(CompanyId(9), "New", UNKNOWN_CATEGORY, AT, AT), w.categories
        ),
    ),
    (
        "unknown own category",
        NotFoundError,
        "unknown category id 999",
        lambda w: set_person_category(w.solo, w.lists, UNKNOWN_CATEGORY, ACTOR),
    ),
    (
        "unknown own category when leaving a company",
        NotFoundError,
        "unknown category id 999",
        lambda w: move_person(
            w.ann, w.lead_co, None, w.lists, ACTOR, own_category_id=UNKNOWN_CATEGORY
        ),
    ),
    (
        "unknown current category for next",
        NotFoundError,
        "unknown category id 999",
        lambda w: next_category(w.categories, UNKNOWN_CATEGORY),
    ),
    (
        "unknown status to rename",
        NotFoundError,
        "unknown lead status id 999",
        lambda w: w.statuses.rename(UNKNOWN_STATUS, "Whatever"),
    ),
    (
        "unknown status to delete",
        NotFoundError,
        "unknown lead status id 999",
        lambda w: w.statuses.delete(UNKNOWN_STATUS),
    ),
    (
        "unknown default",
        NotFoundError,
        "unknown lead status id 999",
        lambda w: w.statuses.set_default(UNKNOWN_STATUS),
    ),
    (
        "unknown category to restore",
        NotFoundError,
        "unknown category id 999",
        lambda w: w.categories.restore(UNKNOWN_CATEGORY),
    ),
    (
        "unknown category to switch",
        NotFoundError,
        "unknown category id 999",
        lambda w: w.categories.set_lead_status_enabled(UNKNOWN_CATEGORY, True),
    ),
    (
        "unknown category name",
        NotFoundError,
        "unknown category name 'Nope'",
        lambda w: w.categories.by_name("Nope"),
    ),
    (
        "person holding an unknown status",
        NotFoundError,
        "unknown lead status id 999",
        lambda w: lead_status_view(
            attrs.evolve(w.ann, lead_status_id=UNKNOWN_STATUS), w.lead_co, w.lists
        ),
    ),
    # deleted items
    (
        "deleted status",
        DeletedItemError,
        "'Re-nurture' (id 5) is deleted",
        lambda w: set_lead_status(w.ann, w.lead_co, w.lists, w.st("renurture"), ACTOR),
    ),
    (
        "deleted status for a new person",
        DeletedItemError,
        "'Re-nurture' (id 5) is deleted",
        lambda w: create_person(
            Person(PersonId(9), w.lead_co.id, "New", "One", AT, AT),
            w.lead_co,
            w.lists,
            ACTOR,
            status_id=w.st("renurture"),
        ),
    ),
    (
        "deleted status as default",
        DeletedItemError,
        "is deleted",
        lambda w: w.statuses.set_default(w.st("renurture")),
    ),
    (
        "deleted company category",
        DeletedItemError,
        "category 'Partner'",
        lambda w: change_company_category(w.lead_co, [w.ann], w.lists, w.cat("Partner"), ACTOR),
    ),
    (
        "deleted category of a new company",
        DeletedItemError,
        "category 'Partner'",
        lambda w: create_company(
            Company(CompanyId(9), "New", w.cat("Partner"), AT, AT), w.categories
        ),
    ),
    (
        "deleted own category",
        DeletedItemError,
        "category 'Partner'",
        lambda w: set_person_category(w.solo, w.lists, w.cat("Partner"), ACTOR),
    ),
    (
        "deleted own category for a new person",
        DeletedItemError,
        "category 'Partner'",
        lambda w: create_person(
            Person(PersonId(9), None, "New", "One", AT, AT, own_category_id=w.cat("Partner")),
            None,
            w.lists,
            ACTOR,
        ),
    ),
    # duplicate names
    (
        "duplicate status name",
        DuplicateNameError,
        "'QUALIFIED' is already used by item 3",
        lambda w: w.statuses.add("QUALIFIED"),
    ),
    (
        "duplicate status name of a deleted item",
        DuplicateNameError,
        "already used by item 5",
        lambda w: w.statuses.rename(w.st("open"), "re-nurture"),
    ),
    (
        "duplicate category name",
        DuplicateNameError,
        "'lead' is already used",
        lambda w: w.categories.add("lead", CategoryGroup.POTENTIAL_CUSTOMER),
    ),
    (
        "duplicate category name of a deleted item",
        DuplicateNameError,
        "'PARTNER' is already used",
        lambda w: w.categories.rename(w.cat("Customer"), "PARTNER"),
    ),
    # editing a hidden status
    (
        "editing a hidden status",
        LeadStatusNotEditable,
        "hidden and read-only",
        lambda w: set_lead_status(w.bob, w.customer_co, w.lists, w.st("open"), ACTOR),
    ),
    (
        "giving a hidden new person a status",
        LeadStatusNotEditable,
        "hidden and read-only",
        lambda w: create_person(
            Person(PersonId(9), w.customer_co.id, "New", "One", AT, AT),
            w.customer_co,
            w.lists,
            ACTOR,
            status_id=w.st("open"),
        ),
    ),
    (
        "editing the status of a person without category",
        LeadStatusNotEditable,
        "no category",
        lambda w: set_lead_status(
            attrs.evolve(w.solo, own_category_id=None), None, w.lists, w.st("open"), ACTOR
        ),
    ),
    # inherited category
    (
        "setting an inherited category",
        InheritedCategoryError,
        "cannot be changed on the person",
        lambda w: set_person_category(w.ann, w.lists, w.cat("Customer"), ACTOR),
    ),
    (
        "new person with company and own category",
        InheritedCategoryError,
        "inherit the category of their company",
        lambda w: create_person(
            Person(PersonId(9), w.lead_co.id, "N", "O", AT, AT, own_category_id=w.cat("Lead")),
            w.lead_co,
            w.lists,
            ACTOR,
        ),
    ),
    (
        "moving into a company with an own category",
        InheritedCategoryError,
        "Change the category on the company",
        lambda w: move_person(
            w.solo, None, w.lead_co, w.lists, ACTOR, own_category_id=w.cat("Lead")
        ),
    ),
    # refused transitions and list rules
    (
        "transition refused",
        TransitionRefused,
        "[transition-table]",
        lambda w: set_lead_status(
            w.ann,
            w.lead_co,
            w.lists,
            w.st("open"),
            ACTOR,
            policy=LeadPolicy(TransitionTable({})),
        ),
    ),
    (
        "next after the last category",
        LastCategoryError,
        "[R10]",
        lambda w: move_company_to_next_category(
            attrs.evolve(w.customer_co, category_id=list(w.categories)[-1].id),
            [w.bob],
            w.lists,
            ACTOR,
        ),
    ),
    (
        "deleting the default status",
        ListRuleError,
        "cannot be deleted",
        lambda w: w.statuses.delete(w.statuses.default.id),
    ),
    (
        "reorder naming too few",
        ListRuleError,
        "must name every item id",
        lambda w: w.categories.reorder([w.cat("Lead")]),
    ),
    # malformed input
    (
        "wrong company for the person",
        ValidationError,
        "belongs to company 1, not 2",
        lambda w: set_lead_status(w.ann, w.customer_co, w.lists, w.st("open"), ACTOR),
    ),
    (
        "missing company for the person",
        ValidationError,
        "belongs to company 1, not None",
        lambda w: set_lead_status(w.ann, None, w.lists, w.st("open"), ACTOR),
    ),
    (
        "a company for a person without one",
        ValidationError,
        "has no company but company 1 was given",
        lambda w: lead_status_view(w.solo, w.lead_co, w.lists),
    ),
    (
        "a stranger among the company's persons",
        ValidationError,
        "person 2 is not in company 1",
        lambda w: change_company_category(
            w.lead_co, [w.ann, w.bob], w.lists, w.cat("Customer"), ACTOR
        ),
    ),
    (
        "a stranger among the persons even when visibility stays",
        ValidationError,
        "person 2 is not in company 1",
        lambda w: change_company_category(
            w.lead_co, [w.ann, w.bob], w.lists, w.cat("Marketing qualified lead"), ACTOR
        ),
    ),
    (
        "a new person carrying a status",
        ValidationError,
        "cannot carry lead_status_id",
        lambda w: create_person(attrs.evolve(w.ann, id=PersonId(9)), w.lead_co, w.lists, ACTOR),
    ),
    (
        "a blank status name",
        ValidationError,
        "non-empty name",
        lambda w: w.statuses.add("   "),
    ),
    (
        "a blank category rename",
        ValidationError,
        "non-empty name",
        lambda w: w.categories.rename(w.cat("Lead"), ""),
    ),
    (
        "a name that is not text",
        ValidationError,
        "name must be text",
        lambda w: w.categories.add(42, CategoryGroup.OTHER),  # type: ignore[arg-type]
    ),
    (
        "lead status on a customer category",
        ValidationError,
        "cannot enable lead status",
        lambda w: w.categories.set_lead_status_enabled(w.cat("Customer"), True),
    ),
    (
        "recheck with the wrong company",
        ValidationError,
        "belongs to company 1",
        lambda w: recheck_visibility(
            [(w.ann, w.customer_co)],
            w.categories,
            w.categories.set_lead_status_enabled(w.cat("Lead"), False),
            w.statuses,
            ACTOR,
        ),
    ),
]


@pytest.mark.parametrize(
    ("error", "message", "call"),
    [pytest.param(e, m, c, id=name) for name, e, m, c in CASES],
)
def test_bad_input_is_refused_with_a_typed_error_and_nothing_changes(
    error: type[LeadcoreError], message: str, call: Case
) -> None:
    world = make_world()
    with pytest.raises(error) as info:
        call(world)
    err = info.value
    assert type(err) is error
    assert message in str(err)
    assert err.fix, "every refusal says what to do"
    assert err.fix in str(err)
    if isinstance(err, RuleViolation):
        assert str(err).startswith(f"[{err.rule}] ")
    assert world == make_world()


def test_refused_calls_leave_their_results_unproduced() -> None:
    """A refusal returns nothing half-done: a good call after it starts from the same state."""
    world = make_world()
    with pytest.raises(DeletedItemError):
        set_lead_status(world.ann, world.lead_co, world.lists, world.st("renurture"), ACTOR)
    out = set_lead_status(world.ann, world.lead_co, world.lists, world.st("contacting"), ACTOR)
    assert out.history[0].from_status == world.st("qualified")
    assert world == make_world()
