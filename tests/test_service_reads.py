"""The richer reads of persons and companies: person card, batch gets, pages, finds with
companies and grouped counts, through the service (licence checks included)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadcore import (
    AssociateId,
    CategoryGroup,
    Feature,
    FeatureNotLicensed,
    Licence,
    NotFoundError,
    Order,
    Page,
    PersonId,
    Query,
    ValidationError,
)
from leadcore.clock import FixedClock
from leadcore.criteria.build import condition
from leadcore.service import LeadService

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _service(licence: Licence | None = None) -> LeadService:
    return LeadService.in_memory(clock=FixedClock(AT), licence=licence, associate=AssociateId(7))


def test_person_card_shows_company_effective_category_group_and_status() -> None:
    service = _service()
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    ann = service.persons.add("Ann", "Ash", company_id=acme.id)
    card = service.persons.card(ann.id, "da")
    assert card.person == ann
    assert card.company == acme
    assert card.category == lists.categories.get(lead)
    assert card.category_group is CategoryGroup.POTENTIAL_CUSTOMER
    assert card.lead_status == service.persons.lead_status_view(ann.id, "da")
    assert card.lead_status is not None
    assert card.lead_status.label == "Åben"


def test_person_card_without_company_uses_the_own_category() -> None:
    service = _service()
    customer = service.lists().categories.by_name("Customer").id
    bo = service.persons.add("Bo", category_id=customer)
    card = service.persons.card(bo.id)
    assert card.company is None
    assert card.category is not None
    assert card.category.id == customer
    assert card.category_group is CategoryGroup.CUSTOMER
    assert card.lead_status is not None
    assert not card.lead_status.visible
    plain = service.persons.card(service.persons.add("Cy").id)
    assert (plain.category, plain.category_group) == (None, None)


def test_person_card_without_the_lead_status_feature_has_no_status_view() -> None:
    service = _service(Licence())
    card = service.persons.card(service.persons.add("Bo").id)
    assert card.lead_status is None
    with pytest.raises(NotFoundError):
        service.persons.card(PersonId(99))


def test_batch_gets_keep_the_order_given_and_refuse_unknown_ids() -> None:
    service = _service()
    acme, bolt = service.companies.add("Acme"), service.companies.add("Bolt")
    ann, bo = service.persons.add("Ann"), service.persons.add("Bo")
    assert service.persons.get_many([bo.id, ann.id, bo.id]) == [bo, ann, bo]
    assert service.companies.get_many([bolt.id, acme.id]) == [bolt, acme]
    with pytest.raises(NotFoundError) as error:
        service.persons.get_many([ann.id, PersonId(42)])
    assert error.value.context["id"] == 42


def test_pages_carry_the_total_and_concatenate_to_the_find() -> None:
    service = _service()
    for n in range(7):
        service.persons.add(f"P{n}", "Zed" if n % 2 else "Ash")
    criteria = condition("person.last_name", "begins", "a")
    whole = service.persons.find(criteria, order=[Order("person.first_name", True)])
    pages = [
        service.persons.find_page(
            criteria, order=[Order("person.first_name", True)], page=Page(offset, 3)
        )
        for offset in (0, 3)
    ]
    assert [p.total for p in pages] == [4, 4]
    assert [p.has_more for p in pages] == [True, False]
    assert [p for page in pages for p in page] == whole
    by_id = service.persons.find_page(Query(page=Page(5, 10)))
    assert [p.first_name for p in by_id] == ["P5", "P6"]
    assert by_id.total == service.persons.count() == 7
    companies = service.companies.find_page(page=Page(0, 1))
    assert (len(companies), companies.total) == (0, 0)


def test_finds_with_companies_pair_each_person_with_its_company() -> None:
    service = _service()
    acme = service.companies.add("Acme")
    ann = service.persons.add("Ann", company_id=acme.id)
    bo = service.persons.add("Bo")
    assert service.persons.find_with_companies() == [(ann, acme), (bo, None)]
    paged = service.persons.find_with_companies(page=Page(1, 1))
    assert paged == [(bo, None)]


def test_grouped_counts_follow_list_rank_and_visibility() -> None:
    service = _service()
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    customer = lists.categories.by_name("Customer").id
    owner = service.associates.add("Olga Owner").id
    acme = service.companies.add("Acme", category_id=lead, owner_id=owner)
    ann = service.persons.add("Ann", company_id=acme.id)
    service.persons.add("Bo", company_id=acme.id)
    service.persons.add("Cy")
    qualified = lists.statuses.by_key("qualified").id
    service.persons.set_lead_status(ann.id, qualified)
    counts = service.persons.count_by("person.lead_status")
    assert [b.value for b in counts.buckets] == [s.id for s in lists.statuses.active()] + [None]
    open_ = lists.statuses.by_key("open").id
    assert (counts[open_], counts[qualified], counts[None], counts.hidden) == (1, 1, 1, 0)
    service.companies.change_category(acme.id, customer)  # the statuses are kept, hidden (R4)
    visible = service.persons.count_by("person.lead_status", visible_only=True)
    assert (visible[open_], visible[qualified], visible[None], visible.hidden) == (0, 0, 1, 2)
    assert service.persons.count_by("person.lead_status")[qualified] == 1
    groups = service.persons.count_by("person.category_group")
    assert groups[int(CategoryGroup.CUSTOMER)] == 2
    assert groups[None] == 1
    owners = service.persons.count_by(
        "company.owner", condition("person.first_name", "not_equals", "Bo")
    )
    assert owners.as_dict() == {owner: 1, None: 1}
    assert service.companies.count_by("company.category").as_dict()[customer] == 1


def test_grouped_counts_check_the_field_and_the_licence() -> None:
    service = _service(Licence())
    service.persons.add("Bo")
    with pytest.raises(FeatureNotLicensed):
        service.persons.count_by("person.lead_status")
    assert service.persons.count_by("person.owner").as_dict() == {None: 1}
    with pytest.raises(ValidationError):
        service.persons.count_by("person.first_name")
    with pytest.raises(ValidationError):
        service.persons.count_by("person.category", visible_only=True)
    with pytest.raises(ValidationError):
        service.companies.count_by("person.owner")
    licensed = _service(Licence.of(Feature.LEAD_STATUS))
    assert licensed.persons.count_by("person.lead_status").total == 0
