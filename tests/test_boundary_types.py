"""Public entry points refuse a wrong type with a ValidationError naming the argument.

Without these checks a string or tuple given for an ``Order`` or ``Page`` surfaced
as a bare ``AttributeError`` deep inside the adapter.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

import leadcore
from leadcore import LeadService, Order, Page, Query, ValidationError
from leadcore.criteria import condition

RESOURCES = (
    "persons",
    "companies",
    "categories",
    "statuses",
    "associates",
    "selections",
    "views",
    "dashboards",
    "automation",
    "bulk",
    "distribution",
)


@pytest.fixture
def service() -> LeadService:
    return LeadService.in_memory()


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Order(("person.last_name",)), "field"),  # type: ignore[arg-type]
        (lambda: Order("person.last_name", descending="yes"), "descending"),  # type: ignore[arg-type]
        (lambda: Page("0"), "offset"),  # type: ignore[arg-type]
        (lambda: Page(0, limit=(50,)), "limit"),  # type: ignore[arg-type]
        (lambda: Page(True), "offset"),
        (lambda: Query("person.first_name"), "criteria"),  # type: ignore[arg-type]
        (lambda: Query(order="person.first_name"), "order"),  # type: ignore[arg-type]
        (lambda: Query(order=[Order("person.first_name")]), "order"),  # type: ignore[arg-type]
        (lambda: Query(page=(0, 50)), "page"),  # type: ignore[arg-type]
        (lambda: Query(current_associate="7"), "current_associate"),  # type: ignore[arg-type]
    ],
)
def test_order_page_and_query_name_the_bad_field(build: Callable[[], object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        build()
    assert raised.value.context["field"] == field
    assert f"'s {field} must be" in str(raised.value)


def test_good_order_page_and_query_still_build() -> None:
    query = Query(condition("person.retired", "is_true"), (Order("person.id"),), Page(0, 5))
    assert query.page.limit == 5
    assert query.order[0].field == "person.id"


@pytest.mark.parametrize(
    ("call", "method", "argument"),
    [
        (lambda s: s.persons.add("Ann", company_id="1"), "persons.add", "company_id"),
        (lambda s: s.persons.add(("Ann",)), "persons.add", "first_name"),
        (lambda s: s.companies.add("Acme", owner_id=True), "companies.add", "owner_id"),
        (lambda s: s.persons.get("1"), "persons.get", "record_id"),
        (lambda s: s.companies.get(1.0), "companies.get", "record_id"),
        (lambda s: s.persons.find(order="person.last_name"), "persons.find", "order"),
        (lambda s: s.persons.find(order=("person.last_name",)), "persons.find", "order"),
        (lambda s: s.companies.find_page(page=(0, 50)), "companies.find_page", "page"),
        (lambda s: s.persons.count("person.retired is true"), "persons.count", "criteria"),
        (lambda s: s.statuses.rename("1", "New"), "statuses.rename", "status_id"),
        (lambda s: s.associates.all(include_retired=1), "associates.all", "include_retired"),
        (lambda s: s.import_records([], [], on_error="skip"), "import_records", "on_error"),
        (lambda s: LeadService.in_memory(database="old"), "in_memory", "database"),  # type: ignore[arg-type]
        (lambda s: leadcore.open(":memory:", create="yes"), "open", "create"),  # type: ignore[arg-type]
    ],
)
def test_service_arguments_of_a_wrong_type_are_refused_by_name(
    service: LeadService, call: Callable[[LeadService], object], method: str, argument: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        call(service)
    assert raised.value.context == {"method": method, "argument": argument}
    assert str(raised.value).startswith(f"{method}(): {argument} must be")


def test_a_refused_call_changes_nothing(service: LeadService) -> None:
    with pytest.raises(ValidationError):
        service.companies.add(b"Acme")  # type: ignore[arg-type]
    assert service.companies.count() == 0


def test_right_types_pass_and_lists_count_as_sequences(service: LeadService) -> None:
    acme = service.companies.add("Acme")
    service.persons.add("Ann", "Ash", company_id=acme.id)
    found = service.persons.find(order=[Order("person.last_name")], page=Page(0, 10))
    assert [p.first_name for p in found] == ["Ann"]


def _unchecked(owner: object) -> list[str]:
    """The public methods of ``owner`` (a service or a resource) that keep no wrapper."""
    return [
        name
        for name in dir(owner)
        if not name.startswith("_")
        and inspect.ismethod(getattr(owner, name))
        and getattr(getattr(owner, name), "__wrapped__", None) is None
    ]


def test_every_public_method_of_the_service_and_its_resources_is_checked(
    service: LeadService,
) -> None:
    """Methods added later to any resource are covered: the wrapping is done per class,
    inherited methods included (persons and companies share one reader)."""
    owners: dict[str, object] = {"service": service}
    owners.update({name: getattr(service, name) for name in RESOURCES})
    assert "add" not in _unchecked(service.persons)
    assert "get" not in _unchecked(service.companies)
    assert "in_memory" not in _unchecked(service)
    for label, owner in owners.items():
        for name in _unchecked(owner):
            parameters = inspect.signature(getattr(owner, name)).parameters.values()
            # Left to the method: no argument to check, or **options passed on to a checked one.
            forwarded = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
            assert forwarded or not list(parameters), (label, name, parameters)


def test_the_sql_constructors_refuse_a_url_of_the_wrong_type() -> None:
    with pytest.raises(ValidationError, match="not a PostgreSQL URL"):
        LeadService.postgres(5432)  # type: ignore[arg-type]


@pytest.mark.parametrize(("offset", "limit"), [(-1, None), (0, -1), (-5, 10)])
def test_a_page_refuses_a_negative_range_when_it_is_built(offset: int, limit: int | None) -> None:
    with pytest.raises(ValidationError, match="cannot be negative") as raised:
        Page(offset, limit)
    assert raised.value.context == {"offset": offset, "limit": limit}
    assert Page(0, 0).limit == 0
