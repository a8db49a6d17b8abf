"""The frozen domain model: validation at construction, display texts (R6)."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from leadcore.errors import ValidationError
from leadcore.lists import default_statuses
from leadcore.model import (
    DEFAULT_STATUS_TEXTS,
    Associate,
    AssociateId,
    Availability,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatus,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)

AT = datetime(2026, 1, 5, tzinfo=UTC)


def test_group_codes_are_stable() -> None:
    assert {g.name: g.value for g in CategoryGroup} == {
        "UNKNOWN": 0,
        "CUSTOMER": 1,
        "POTENTIAL_CUSTOMER": 2,
        "PARTNER": 3,
        "LOST": 4,
        "OTHER": 5,
    }


@pytest.mark.parametrize(
    ("group", "en", "da"),
    [
        (CategoryGroup.UNKNOWN, "Unknown", "Ukendt"),
        (CategoryGroup.CUSTOMER, "Customer", "Kunde"),
        (CategoryGroup.POTENTIAL_CUSTOMER, "Potential customer", "Potentiel kunde"),
        (CategoryGroup.PARTNER, "Partner", "Partner"),
        (CategoryGroup.LOST, "Lost", "Tabt"),
        (CategoryGroup.OTHER, "Other", "Andet"),
    ],
)
def test_group_labels_in_english_and_danish(group: CategoryGroup, en: str, da: str) -> None:
    assert group.label() == group.label("en") == en
    assert group.label("da") == da
    assert group.tooltip("en")
    assert group.tooltip("da")
    assert group.tooltip("en") != group.tooltip("da")


def test_category_converts_a_stored_group_code() -> None:
    category = Category(CategoryId(1), "Lead", 2, enable_lead_status=True)
    assert category.group is CategoryGroup.POTENTIAL_CUSTOMER
    assert category.lead_enabled


def test_unknown_group_code_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="unknown category group 9") as info:
        Category(CategoryId(1), "Odd", 9)
    assert "Pass a CategoryGroup member" in str(info.value)


@pytest.mark.parametrize(
    "group", [g for g in CategoryGroup if g is not CategoryGroup.POTENTIAL_CUSTOMER]
)
def test_lead_status_can_be_enabled_only_for_potential_customer(group: CategoryGroup) -> None:
    with pytest.raises(ValidationError, match="cannot enable lead status") as info:
        Category(CategoryId(3), "Customer", group, enable_lead_status=True)
    assert info.value.context == {"category_id": 3}
    assert "Potential customer" in str(info.value)


def test_lead_enabled_needs_flag_and_group() -> None:
    lead = Category(
        CategoryId(1), "Lead", CategoryGroup.POTENTIAL_CUSTOMER, enable_lead_status=True
    )
    opportunity = Category(CategoryId(2), "Opportunity", CategoryGroup.POTENTIAL_CUSTOMER)
    customer = Category(CategoryId(3), "Customer", CategoryGroup.CUSTOMER)
    assert [c.lead_enabled for c in (lead, opportunity, customer)] == [True, False, False]


def test_evolve_runs_the_validators_again() -> None:
    customer = Category(CategoryId(3), "Customer", CategoryGroup.CUSTOMER)
    with pytest.raises(ValidationError):
        attrs.evolve(customer, enable_lead_status=True)
    with pytest.raises(ValidationError, match="non-empty name"):
        attrs.evolve(customer, name="   ")
    assert customer == Category(CategoryId(3), "Customer", CategoryGroup.CUSTOMER)


def test_entities_are_frozen() -> None:
    customer = Category(CategoryId(3), "Customer", CategoryGroup.CUSTOMER)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        customer.name = "Client"  # type: ignore[misc]
    utm = Utm(source="newsletter")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        utm.source = "ads"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("key", "en", "da"),
    [
        ("open", "Open", "Åben"),
        ("contacting", "Contacting", "Kontakter"),
        ("qualified", "Qualified", "Kvalificeret"),
        ("disqualified", "Disqualified", "Diskvalificeret"),
        ("renurture", "Re-nurture", "Genoptag kontakt"),
    ],
)
def test_default_status_labels_and_tooltips(key: str, en: str, da: str) -> None:
    status = default_statuses().by_key(key)
    assert status.label() == en
    assert status.label("da") == da
    assert status.description("en") == DEFAULT_STATUS_TEXTS[key]["en"][1]
    assert status.description("da") == DEFAULT_STATUS_TEXTS[key]["da"][1]
    assert status.description("en") != status.description("da")


def test_open_tooltip_says_it_is_the_default() -> None:
    status = default_statuses().by_key("open")
    assert "default for every new lead" in status.description()
    assert "standard for alle nye leads" in status.description("da")


def test_renamed_status_shows_the_admins_texts_in_every_language() -> None:
    status = default_statuses().by_key("contacting")
    renamed = attrs.evolve(status, name="Calling", tooltip="We phone them")
    assert renamed.label("da") == "Calling"
    assert renamed.description("da") == "We phone them"
    only_renamed = attrs.evolve(status, name="Calling")
    assert only_renamed.label("da") == "Calling"
    assert only_renamed.description("da") == DEFAULT_STATUS_TEXTS["contacting"]["da"][1]


def test_custom_status_has_its_own_texts() -> None:
    status = LeadStatus(LeadStatusId(9), "nurturing", "Nurturing", tooltip="Slow track")
    assert (status.label("da"), status.description("da")) == ("Nurturing", "Slow track")


def test_status_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="lead status needs a non-empty name"):
        LeadStatus(LeadStatusId(9), "x", "")


def test_person_needs_a_first_or_last_name() -> None:
    assert Person(PersonId(1), None, "", "Ash", AT, AT).full_name == "Ash"
    assert Person(PersonId(1), None, "Ann", "", AT, AT).full_name == "Ann"
    assert Person(PersonId(1), None, "Ann", "Ash", AT, AT).full_name == "Ann Ash"
    with pytest.raises(ValidationError, match="first or a last name"):
        Person(PersonId(1), None, " ", "", AT, AT)


def test_person_names_must_be_text() -> None:
    with pytest.raises(ValidationError, match="first_name must be text"):
        Person(PersonId(1), None, None, "Ash", AT, AT)  # type: ignore[arg-type]


def test_person_defaults_hold_no_status_and_no_own_category() -> None:
    person = Person(PersonId(1), CompanyId(2), "Ann", "Ash", AT, AT)
    assert person.lead_status_id is None
    assert person.own_category_id is None
    assert person.retired is False
    assert person.version == 0


def test_company_and_associate_need_names() -> None:
    with pytest.raises(ValidationError, match="company needs a non-empty name"):
        Company(CompanyId(1), "", None, AT, AT)
    with pytest.raises(ValidationError, match="associate needs a non-empty name"):
        Associate(AssociateId(1), " ")
    assert Associate(AssociateId(1), "Bo").availability is Availability.NORMAL


def test_utm_fields_default_to_none() -> None:
    assert Utm() == Utm(None, None, None, None, None)
    assert Utm(source="ads", campaign="spring") != Utm(source="ads")
