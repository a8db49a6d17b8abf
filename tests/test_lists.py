"""List administration (R7), database defaults and the upgrade of an existing database."""

from __future__ import annotations

import pytest

from leadcore.errors import DeletedItemError, DuplicateNameError, ListRuleError, NotFoundError
from leadcore.errors import ValidationError as LeadcoreValidationError
from leadcore.lists import (
    LEAD_CATEGORIES,
    CategoryList,
    LeadStatusList,
    default_statuses,
    existing_database,
    new_database,
    upgrade_categories,
)
from leadcore.model import CategoryGroup, CategoryId, LeadStatusId

LEAD_NAMES = ["Lead", "Marketing qualified lead", "Opportunity", "Lost opportunity"]


# --- defaults ---------------------------------------------------------------------------------


def test_default_statuses_in_rank_order_with_open_as_default() -> None:
    statuses = default_statuses()
    assert [s.key for s in statuses] == [
        "open",
        "contacting",
        "qualified",
        "disqualified",
        "renurture",
    ]
    assert [s.name for s in statuses] == [
        "Open",
        "Contacting",
        "Qualified",
        "Disqualified",
        "Re-nurture",
    ]
    assert statuses.default.key == "open"
    assert all(s.tooltip for s in statuses)


def test_new_database_has_the_four_lead_categories() -> None:
    categories, _ = new_database()
    lead = categories.by_name("Lead")
    mql = categories.by_name("Marketing qualified lead")
    opportunity = categories.by_name("Opportunity")
    lost = categories.by_name("Lost opportunity")
    assert (lead.group, lead.lead_enabled) == (CategoryGroup.POTENTIAL_CUSTOMER, True)
    assert (mql.group, mql.lead_enabled) == (CategoryGroup.POTENTIAL_CUSTOMER, True)
    assert (opportunity.group, opportunity.lead_enabled) == (
        CategoryGroup.POTENTIAL_CUSTOMER,
        False,
    )
    assert (lost.group, lost.lead_enabled) == (CategoryGroup.LOST, False)
    for classic in ("Customer", "Partner", "Other"):
        assert not categories.by_name(classic).lead_enabled


def test_existing_database_lacks_the_four_lead_categories() -> None:
    categories, statuses = existing_database()
    for name in LEAD_NAMES:
        with pytest.raises(NotFoundError):
            categories.by_name(name)
    assert not any(c.lead_enabled for c in categories)
    assert statuses == default_statuses()


def test_upgrade_adds_the_four_after_the_existing_ranks_and_reports_them() -> None:
    old, _ = existing_database()
    upgraded, report = upgrade_categories(old)
    assert report.changed
    assert [c.name for c in report.added] == LEAD_NAMES
    assert report.already_present == ()
    top = max(c.rank for c in old)
    assert [c.rank for c in report.added] == [top + 1, top + 2, top + 3, top + 4]
    assert [c.name for c in upgraded][-4:] == LEAD_NAMES
    for name, group, enabled, _tooltip in LEAD_CATEGORIES:
        added = upgraded.by_name(name)
        assert (added.group, added.enable_lead_status) == (group, enabled)
    for item in old:
        assert upgraded.get(item.id) == item


def test_upgrade_is_idempotent() -> None:
    once, _ = upgrade_categories(existing_database()[0])
    twice, report = upgrade_categories(once)
    assert twice == once
    assert not report.changed
    assert report.added == ()
    assert report.already_present == tuple(LEAD_NAMES)


def test_upgrade_of_a_new_database_changes_nothing() -> None:
    categories, _ = new_database()
    upgraded, report = upgrade_categories(categories)
    assert upgraded == categories
    assert not report.changed


def test_upgrade_leaves_existing_names_alone_ignoring_case_and_deletion() -> None:
    old, _ = existing_database()
    old, own_lead = old.add("LEAD", CategoryGroup.OTHER, tooltip="the admin's own")
    old = old.delete(own_lead.id)
    upgraded, report = upgrade_categories(old)
    assert report.already_present == ("Lead",)
    assert [c.name for c in report.added] == LEAD_NAMES[1:]
    assert upgraded.get(own_lead.id) == old.get(own_lead.id)


# --- names: unique ignoring case, deleted included --------------------------------------------


def test_status_names_are_unique_ignoring_case() -> None:
    statuses = default_statuses()
    with pytest.raises(DuplicateNameError, match="'OPEN' is already used by item 1") as info:
        statuses.add("OPEN")
    assert info.value.context["existing_id"] == 1
    assert "Choose another name" in str(info.value)


def test_names_of_deleted_items_stay_taken() -> None:
    statuses, item = default_statuses().add("Nurturing")
    statuses = statuses.delete(item.id)
    with pytest.raises(DuplicateNameError, match="restore and reuse"):
        statuses.add("nurturing")
    with pytest.raises(DuplicateNameError):
        statuses.rename(LeadStatusId(2), " Nurturing ")
    categories, _ = new_database()
    categories = categories.delete(categories.by_name("Partner").id)
    with pytest.raises(DuplicateNameError):
        categories.add("partner", CategoryGroup.OTHER)


def test_rename_to_own_name_in_other_case_is_allowed() -> None:
    statuses = default_statuses()
    renamed = statuses.rename(LeadStatusId(2), "CONTACTING")
    assert renamed.get(LeadStatusId(2)).name == "CONTACTING"
    assert renamed.get(LeadStatusId(2)).key == "contacting"


def test_names_are_trimmed() -> None:
    categories, item = CategoryList().add("  Hot lead ", CategoryGroup.POTENTIAL_CUSTOMER)
    assert item.name == "Hot lead"
    assert categories.by_name("hot LEAD") == item


# --- add, rename, describe, reorder ------------------------------------------------------------


def test_add_status_gets_next_id_rank_and_a_key() -> None:
    statuses, item = default_statuses().add("Waiting list", tooltip="Queued")
    assert (item.id, item.rank, item.key, item.tooltip) == (6, 6, "waiting-list", "Queued")
    assert statuses.get(item.id) == item
    assert [s.name for s in statuses][-1] == "Waiting list"
    assert statuses.default_id == default_statuses().default_id


def test_add_category_with_lead_status_only_in_potential_customer() -> None:
    categories, item = CategoryList().add(
        "Hot", CategoryGroup.POTENTIAL_CUSTOMER, enable_lead_status=True
    )
    assert item.lead_enabled
    with pytest.raises(LeadcoreValidationError, match="cannot enable lead status"):
        categories.add("Cold", CategoryGroup.CUSTOMER, enable_lead_status=True)


def test_rename_and_describe_return_new_lists() -> None:
    statuses = default_statuses()
    renamed = statuses.rename(LeadStatusId(5), "Later").describe(LeadStatusId(5), "Call in Q3")
    assert renamed.get(LeadStatusId(5)).name == "Later"
    assert renamed.get(LeadStatusId(5)).tooltip == "Call in Q3"
    assert statuses == default_statuses()
    categories, _ = new_database()
    lead = categories.by_name("Lead")
    changed = categories.rename(lead.id, "Inbound lead").describe(lead.id, "From the web")
    assert changed.get(lead.id).name == "Inbound lead"
    assert changed.get(lead.id).tooltip == "From the web"
    assert categories.get(lead.id).name == "Lead"


def test_reorder_sets_ranks_in_the_given_order() -> None:
    statuses = default_statuses()
    order = [LeadStatusId(i) for i in (5, 4, 3, 2, 1)]
    reordered = statuses.reorder(order)
    assert [s.id for s in reordered] == order
    assert [s.rank for s in reordered] == [1, 2, 3, 4, 5]
    assert reordered.default.key == "open"
    categories, _ = new_database()
    ids = [c.id for c in categories][::-1]
    assert [c.id for c in categories.reorder(ids)] == ids


@pytest.mark.parametrize(
    "order",
    [[1, 2, 3, 4], [1, 2, 3, 4, 5, 5], [1, 2, 3, 4, 6], [1, 1, 2, 3, 4]],
)
def test_reorder_must_name_every_id_once(order: list[int]) -> None:
    statuses = default_statuses()
    with pytest.raises(ListRuleError, match="must name every item id"):
        statuses.reorder([LeadStatusId(i) for i in order])


# --- soft delete and restore -------------------------------------------------------------------


def test_deleted_status_keeps_its_name_but_cannot_be_newly_assigned() -> None:
    statuses = default_statuses().delete(LeadStatusId(5))
    item = statuses.get(LeadStatusId(5))
    assert item.deleted
    assert item.label("da") == "Genoptag kontakt"
    assert LeadStatusId(5) in statuses
    assert len(statuses) == 5
    assert [s.key for s in statuses.active()] == ["open", "contacting", "qualified", "disqualified"]
    with pytest.raises(DeletedItemError, match="'Re-nurture' \\(id 5\\) is deleted") as info:
        statuses.assignable(LeadStatusId(5))
    assert "restore this one" in str(info.value)


def test_restore_makes_it_assignable_again() -> None:
    statuses = default_statuses().delete(LeadStatusId(5)).restore(LeadStatusId(5))
    assert statuses.assignable(LeadStatusId(5)).name == "Re-nurture"
    assert statuses == default_statuses()


def test_default_cannot_be_deleted_until_another_is_chosen() -> None:
    statuses = default_statuses()
    with pytest.raises(ListRuleError, match="Choose another default"):
        statuses.delete(LeadStatusId(1))
    moved = statuses.set_default(LeadStatusId(2))
    deleted = moved.delete(LeadStatusId(1))
    assert deleted.default.key == "contacting"
    assert deleted.get(LeadStatusId(1)).deleted
    with pytest.raises(DeletedItemError):
        deleted.set_default(LeadStatusId(1))


def test_a_list_whose_default_is_deleted_cannot_be_built() -> None:
    items = default_statuses().set_default(LeadStatusId(2)).delete(LeadStatusId(1)).items
    with pytest.raises(ListRuleError, match="Restore it or choose another default"):
        LeadStatusList(items, default_id=LeadStatusId(1))


def test_a_list_without_default_says_so() -> None:
    statuses = LeadStatusList(default_statuses().items)
    with pytest.raises(ListRuleError, match="set_default"):
        _ = statuses.default


def test_categories_delete_and_restore() -> None:
    categories, _ = new_database()
    lead = categories.by_name("Lead")
    deleted = categories.delete(lead.id)
    assert deleted.get(lead.id).deleted
    assert deleted.get(lead.id).lead_enabled
    assert lead.id not in [c.id for c in deleted.active()]
    with pytest.raises(DeletedItemError, match="category 'Lead'"):
        deleted.assignable(lead.id)
    assert deleted.restore(lead.id) == categories


# --- flag and group ----------------------------------------------------------------------------


def test_lead_status_flag_switches_only_in_potential_customer() -> None:
    categories, _ = new_database()
    prospect = categories.by_name("Prospect")
    enabled = categories.set_lead_status_enabled(prospect.id, True)
    assert enabled.get(prospect.id).lead_enabled
    assert not enabled.set_lead_status_enabled(prospect.id, False).get(prospect.id).lead_enabled
    customer = categories.by_name("Customer")
    with pytest.raises(LeadcoreValidationError, match="cannot enable lead status"):
        categories.set_lead_status_enabled(customer.id, True)


def test_leaving_potential_customer_switches_the_flag_off() -> None:
    categories, _ = new_database()
    lead = categories.by_name("Lead")
    lost = categories.set_group(lead.id, CategoryGroup.LOST)
    assert lost.get(lead.id).group is CategoryGroup.LOST
    assert not lost.get(lead.id).enable_lead_status
    back = lost.set_group(lead.id, CategoryGroup.POTENTIAL_CUSTOMER)
    assert not back.get(lead.id).enable_lead_status


def test_lookups_of_unknown_ids_and_names() -> None:
    categories, statuses = new_database()
    with pytest.raises(NotFoundError, match="unknown category id 99"):
        categories.get(CategoryId(99))
    with pytest.raises(NotFoundError, match="unknown lead status id 99"):
        statuses.assignable(LeadStatusId(99))
    with pytest.raises(NotFoundError, match="'nope'"):
        statuses.by_key("nope")
    with pytest.raises(NotFoundError):
        categories.by_name("Nope")


def test_a_given_status_key_that_is_taken_is_refused_not_renamed() -> None:
    statuses = default_statuses()
    with pytest.raises(ListRuleError, match="key 'open' is already used by 'Open'"):
        statuses.add("Hot", key="open")
    derived, hot = statuses.add("Open leads")
    assert hot.key == "open-leads"
    _, second = derived.add("Open-leads!")
    assert second.key == "open-leads-2"


def test_a_danish_new_database_names_the_shipped_items_in_danish() -> None:
    categories, statuses = new_database("da")
    english, _ = new_database("en")
    assert [c.name for c in categories][:4] == [
        "Lead",
        "Marketingkvalificeret lead",
        "Salgsmulighed",
        "Tabt salgsmulighed",
    ]
    assert [(c.group, c.enable_lead_status, c.rank) for c in categories] == [
        (c.group, c.enable_lead_status, c.rank) for c in english
    ]
    assert [s.name for s in statuses] == [
        "Åben",
        "Kontakter",
        "Kvalificeret",
        "Diskvalificeret",
        "Genoptag kontakt",
    ]
    open_ = statuses.default
    assert (open_.label("en"), open_.description("en")) == (
        "Open",
        "No outreach has been made yet (the default for every new lead)",
    )
    renamed = statuses.rename(open_.id, "Ny").get(open_.id)
    assert (renamed.label("en"), renamed.label("da")) == ("Ny", "Ny")
