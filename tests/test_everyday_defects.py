"""Defects found in everyday use (issue 20), each pinned by a regression test: an
automation suggestion of a deleted company, and a bool given as an id to
``get_many`` (and the other methods that take many ids)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadcore import CompanyId, NotFoundError, PersonId, ValidationError
from leadcore.clock import FixedClock
from leadcore.errors import SuggestionOutdated
from leadcore.service import LeadService
from leadcore.workflows import SaleStage, Trigger, stored

AT = datetime(2026, 3, 2, tzinfo=UTC)


def _suggesting() -> tuple[LeadService, CompanyId]:
    """A service whose "sale sold" rule asks for confirmation, and a company in Lead."""
    service = LeadService.in_memory(clock=FixedClock(AT))
    cats = service.lists().categories
    service.automation.add_rule(Trigger.sale_sold(), cats.by_name("Customer").id, confirm=True)
    acme = service.companies.add("Acme", category_id=cats.by_name("Lead").id)
    return service, acme.id


def test_deleting_a_company_drops_its_suggestions() -> None:
    service, acme = _suggesting()
    other = service.companies.add("Bolt", category_id=service.companies.get(acme).category_id)
    mine = service.automation.register_sale(acme, SaleStage.SOLD).suggestion
    kept = service.automation.register_sale(other.id, SaleStage.SOLD).suggestion
    assert mine is not None
    assert kept is not None
    service.companies.delete(acme)
    assert service.automation.suggestions() == [kept]
    with pytest.raises(NotFoundError):
        service.automation.accept_suggestion(mine.id)


def test_a_suggestion_of_a_deleted_company_is_outdated_and_dropped_once_accepted() -> None:
    """A suggestion left behind by a store written before deletions dropped them."""
    service, acme = _suggesting()
    suggestion = service.automation.register_sale(acme, SaleStage.SOLD).suggestion
    assert suggestion is not None
    with service.context.uow() as uow:  # the company goes, its suggestion stays (old stores)
        uow.companies.delete(uow.companies.get(suggestion.company_id))
        uow.commit()
    with pytest.raises(SuggestionOutdated, match="deleted"):
        service.automation.accept_suggestion(suggestion.id)
    assert service.automation.suggestions() == []
    with service.context.uow() as uow:
        assert stored.load_suggestions(uow.settings) == []


@pytest.mark.parametrize("bad", [True, False, 1.0, "1", None, 0, -1])
def test_get_many_refuses_what_is_not_an_id(bad: object) -> None:
    service = LeadService.in_memory()
    ann = service.persons.add("Ann")
    acme = service.companies.add("Acme")
    with pytest.raises(ValidationError, match=r"persons\.get_many\(\): record_ids"):
        service.persons.get_many([ann.id, bad])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match=r"companies\.get_many\(\): record_ids"):
        service.companies.get_many((acme.id, bad))  # type: ignore[arg-type]


def test_get_many_refuses_a_bool_read_from_an_iterator_without_consuming_it_early() -> None:
    service = LeadService.in_memory()
    ann = service.persons.add("Ann")
    read: list[object] = []

    def ids() -> object:
        for value in (ann.id, True):
            read.append(value)
            yield value

    found = ids()
    assert read == []  # nothing is read before the method runs
    with pytest.raises(ValidationError, match=r"persons\.get_many\(\): record_ids"):
        service.persons.get_many(found)  # type: ignore[arg-type]
    assert read == [ann.id, True]
    assert [p.id for p in service.persons.get_many(iter([ann.id, ann.id]))] == [ann.id, ann.id]


def test_other_methods_taking_many_ids_refuse_a_bool() -> None:
    service = LeadService.in_memory()
    ann = service.persons.add("Ann")
    lists = service.lists()
    with pytest.raises(ValidationError, match=r"selections\.create_static\(\): persons"):
        service.selections.create_static("Chosen", persons=[ann.id, True])  # type: ignore[list-item]
    ids = [c.id for c in lists.categories]
    with pytest.raises(ValidationError, match=r"categories\.reorder\(\): ordered_ids"):
        service.categories.reorder([True, *ids[1:]])  # type: ignore[list-item]
    assert service.persons.get_many([PersonId(ann.id)]) == [ann]
