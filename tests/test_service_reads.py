"""The reading area's richer reads: person card, batch gets, pages, finds with
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
    acme = service.add_company("Acme", category_id=lead)
    ann = service.add_person("Ann", "Ash", company_id=acme.id)
    card = service.person_card(ann.id, "da")
    assert card.person == ann
    assert card.company == acme
    assert card.category == lists.categories.get(lead)
    assert card.category_group is CategoryGroup.POTENTIAL_CUSTOMER
    assert card.lead_status == service.lead_status_view(ann.id, "da")
    assert card.lead_status is not None
    assert card.lead_status.label == "Åben"


def test_person_card_without_company_uses_the_own_category() -> None:
    service = _service()
    customer = service.lists().categories.by_name("Customer").id
    bo = service.add_person("Bo", category_id=customer)
    card = service.person_card(bo.id)
    assert card.company is None
    assert card.category is not None
    assert card.category.id == customer
    assert card.category_group is CategoryGroup.CUSTOMER
    assert card.lead_status is not None
    assert not card.lead_status.visible
    plain = service.person_card(service.add_person("Cy").id)
    assert (plain.category, plain.category_group) == (None, None)


def test_person_card_without_the_lead_status_feature_has_no_status_view() -> None:
    service = _service(Licence())
    card = service.person_card(service.add_person("Bo").id)
    assert card.lead_status is None
    with pytest.raises(NotFoundError):
        service.person_card(PersonId(99))


def test_batch_gets_keep_the_order_given_and_refuse_unknown_ids() -> None:
    service = _service()
    acme, bolt = service.add_company("Acme"), service.add_company("Bolt")
    ann, bo = service.add_person("Ann"), service.add_person("Bo")
    assert service.get_persons([bo.id, ann.id, bo.id]) == [bo, ann, bo]
    assert service.get_companies([bolt.id, acme.id]) == [bolt, acme]
    with pytest.raises(NotFoundError) as error:
        service.get_persons([ann.id, PersonId(42)])
    assert error.value.context["id"] == 42


def test_pages_carry_the_total_and_concatenate_to_the_find() -> None:
    service = _service()
    for n in range(7):
        service.add_person(f"P{n}", "Zed" if n % 2 else "Ash")
    criteria = condition("person.last_name", "begins", "a")
    whole = service.find_persons(criteria, order=[Order("person.first_name", True)])
    pages = [
        service.find_persons_page(
            criteria, order=[Order("person.first_name", True)], page=Page(offset, 3)
        )
        for offset in (0, 3)
    ]
    assert [p.total for p in pages] == [4, 4]
    assert [p.has_more for p in pages] == [True, False]
    assert [p for page in pages for p in page] == whole
    by_id = service.find_persons_page(Query(page=Page(5, 10)))
    assert [p.first_name for p in by_id] == ["P5", "P6"]
    assert by_id.total == service.count_persons() == 7
    companies = service.find_companies_page(page=Page(0, 1))
    assert (len(companies), companies.total) == (0, 0)


def test_finds_with_companies_pair_each_person_with_its_company() -> None:
    service = _service()
    acme = service.add_company("Acme")
    ann = service.add_person("Ann", company_id=acme.id)
    bo = service.add_person("Bo")
    assert service.find_persons_with_companies() == [(ann, acme), (bo, None)]
    paged = service.find_persons_with_companies(page=Page(1, 1))
    assert paged == [(bo, None)]


def test_grouped_counts_follow_list_rank_and_visibility() -> None:
    service = _service()
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    customer = lists.categories.by_name("Customer").id
    owner = service.add_associate("Olga Owner").id
    acme = service.add_company("Acme", category_id=lead, owner_id=owner)
    ann = service.add_person("Ann", company_id=acme.id)
    service.add_person("Bo", company_id=acme.id)
    service.add_person("Cy")
    qualified = lists.statuses.by_key("qualified").id
    service.set_lead_status(ann.id, qualified)
    counts = service.count_persons_by("person.lead_status")
    assert [b.value for b in counts.buckets] == [s.id for s in lists.statuses.active()] + [None]
    open_ = lists.statuses.by_key("open").id
    assert (counts[open_], counts[qualified], counts[None], counts.hidden) == (1, 1, 1, 0)
    service.change_company_category(acme.id, customer)  # the statuses are kept, hidden (R4)
    visible = service.count_persons_by("person.lead_status", visible_only=True)
    assert (visible[open_], visible[qualified], visible[None], visible.hidden) == (0, 0, 1, 2)
    assert service.count_persons_by("person.lead_status")[qualified] == 1
    groups = service.count_persons_by("person.category_group")
    assert groups[int(CategoryGroup.CUSTOMER)] == 2
    assert groups[None] == 1
    owners = service.count_persons_by(
        "company.owner", condition("person.first_name", "not_equals", "Bo")
    )
    assert owners.as_dict() == {owner: 1, None: 1}
    assert service.count_companies_by("company.category").as_dict()[customer] == 1


def test_grouped_counts_check_the_field_and_the_licence() -> None:
    service = _service(Licence())
    service.add_person("Bo")
    with pytest.raises(FeatureNotLicensed):
        service.count_persons_by("person.lead_status")
    assert service.count_persons_by("person.owner").as_dict() == {None: 1}
    with pytest.raises(ValidationError):
        service.count_persons_by("person.first_name")
    with pytest.raises(ValidationError):
        service.count_persons_by("person.category", visible_only=True)
    with pytest.raises(ValidationError):
        service.count_companies_by("person.owner")
    licensed = _service(Licence.of(Feature.LEAD_STATUS))
    assert licensed.count_persons_by("person.lead_status").total == 0
