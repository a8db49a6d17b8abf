"""Version-checked changes: every command that changes one record takes ``expected_version``.

On each store (in memory, SQLite, PostgreSQL), each such command given a stale
version is refused with a :class:`ConflictError` that names both versions and
is not retryable, and changes nothing at all (records, versions, history,
selections, associates); given the current version it goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from sql_fixtures import postgres_schemas

import leadcore
from leadcore import (
    Availability,
    CompanyId,
    ConflictError,
    LeadService,
    LeadStatusId,
    Operation,
    PersonId,
    SelectionId,
    Target,
    Utm,
    ValidationError,
)
from leadcore.criteria.fields import Entity
from leadcore.model import AssociateId


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def data(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """What ``leadcore.open`` opens: each of the three stores."""
    if request.param == "memory":
        yield ":memory:"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.db'}"
    else:
        with postgres_schemas() as schemas:
            yield schemas.new_url()[1]


@attrs.frozen
class World:
    """Records at version 2 or more, so that version 1 is stale for each of them."""

    service: LeadService
    acme: CompanyId
    bolt: CompanyId
    ann: PersonId  # in Acme, a lead
    cy: PersonId  # without company, retired
    ann_able: AssociateId
    static: SelectionId
    combined: SelectionId


def _world(service: LeadService) -> World:
    lists = service.lists()
    lead = lists.categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    service.companies.edit(acme.id, name="Acme Ltd")
    bolt = service.companies.add("Bolt")
    service.companies.edit(bolt.id, name="Bolt Ltd")
    ann = service.persons.add("Ann", "Ash", company_id=acme.id)
    service.persons.edit(ann.id, email="ann@example.com")
    cy = service.persons.add("Cy", retired=True)
    service.persons.edit(cy.id, last_name="Cole")
    able = service.associates.add("Ann Able")
    service.associates.rename(able.id, "Ann A. Able")
    static = service.selections.create_static("Static", Target.PERSONS, persons=[ann.id])
    service.selections.rename(static.id, "Chosen")
    combined = service.selections.create_combined("Both", static.id, static.id, Operation.ALL)
    service.selections.rename(combined.id, "Both of them")
    return World(service, acme.id, bolt.id, ann.id, cy.id, able.id, static.id, combined.id)


def _state(w: World) -> tuple[Any, ...]:
    """Everything a command could have changed, versions included."""
    s = w.service
    return (
        s.persons.find(),
        s.companies.find(),
        s.persons.history(w.ann),
        s.persons.history(w.cy),
        s.selections.all(),
        s.associates.all(include_retired=True),
    )


Call = Callable[[World, int], object]
"""A command on the world, given an expected version."""


def _lead_status(w: World, key: str) -> LeadStatusId:
    return w.service.lists().statuses.by_key(key).id


CASES: dict[str, tuple[str, Call]] = {
    # name: (which record's version, the command)
    "persons.edit": (
        "ann",
        lambda w, v: w.service.persons.edit(w.ann, email="a@b.c", expected_version=v),
    ),
    "persons.move": ("ann", lambda w, v: w.service.persons.move(w.ann, w.bolt, expected_version=v)),
    "persons.set_category": (
        "cy",
        lambda w, v: w.service.persons.set_category(
            w.cy, w.service.lists().categories.by_name("Customer").id, expected_version=v
        ),
    ),
    "persons.set_lead_status": (
        "ann",
        lambda w, v: w.service.persons.set_lead_status(
            w.ann, _lead_status(w, "qualified"), expected_version=v
        ),
    ),
    "persons.record_utm": (
        "ann",
        lambda w, v: w.service.persons.record_utm(
            w.ann, first_touch=Utm(source="fair"), expected_version=v
        ),
    ),
    "persons.retire": ("ann", lambda w, v: w.service.persons.retire(w.ann, expected_version=v)),
    "persons.unretire": ("cy", lambda w, v: w.service.persons.unretire(w.cy, expected_version=v)),
    "persons.delete": ("ann", lambda w, v: w.service.persons.delete(w.ann, expected_version=v)),
    "companies.edit": (
        "acme",
        lambda w, v: w.service.companies.edit(w.acme, name="Acme AS", expected_version=v),
    ),
    "companies.change_category": (
        "acme",
        lambda w, v: w.service.companies.change_category(w.acme, None, expected_version=v),
    ),
    "companies.move_to_next_category": (
        "acme",
        lambda w, v: w.service.companies.move_to_next_category(w.acme, expected_version=v),
    ),
    "companies.record_utm": (
        "acme",
        lambda w, v: w.service.companies.record_utm(w.acme, Utm(source="web"), expected_version=v),
    ),
    "companies.delete": (
        "bolt",
        lambda w, v: w.service.companies.delete(w.bolt, expected_version=v),
    ),
    "views.move_card person.lead_status": (
        "ann",
        lambda w, v: w.service.views.move_card(
            "person.lead_status", w.ann, _lead_status(w, "contacting"), expected_version=v
        ),
    ),
    "views.move_card company.category of a company": (
        "acme",
        lambda w, v: w.service.views.move_card(
            "company.category", w.acme, None, entity=Entity.COMPANY, expected_version=v
        ),
    ),
    "views.move_card company.owner of a person's card": (
        "ann",
        lambda w, v: w.service.views.move_card(
            "company.owner", w.ann, w.ann_able, expected_version=v
        ),
    ),
    "selections.change_combined": (
        "combined",
        lambda w, v: w.service.selections.change_combined(
            w.combined, operation=Operation.COMMON, expected_version=v
        ),
    ),
    "selections.add_members": (
        "static",
        lambda w, v: w.service.selections.add_members(w.static, persons=[w.cy], expected_version=v),
    ),
    "selections.remove_members": (
        "static",
        lambda w, v: w.service.selections.remove_members(
            w.static, persons=[w.ann], expected_version=v
        ),
    ),
    "selections.rename": (
        "static",
        lambda w, v: w.service.selections.rename(w.static, "Renamed", expected_version=v),
    ),
    "selections.delete": (
        "combined",
        lambda w, v: w.service.selections.delete(w.combined, expected_version=v),
    ),
    "associates.rename": (
        "ann_able",
        lambda w, v: w.service.associates.rename(w.ann_able, "Ann B.", expected_version=v),
    ),
    "associates.set_availability": (
        "ann_able",
        lambda w, v: w.service.associates.set_availability(
            w.ann_able, Availability.AWAY, expected_version=v
        ),
    ),
    "associates.retire": (
        "ann_able",
        lambda w, v: w.service.associates.retire(w.ann_able, expected_version=v),
    ),
}


def _version(w: World, which: str) -> tuple[str, int, int]:
    """The kind, id and current version of the record ``which`` names."""
    s = w.service
    if which in ("ann", "cy"):
        person = s.persons.get(getattr(w, which))
        return "person", person.id, person.version
    if which in ("acme", "bolt"):
        company = s.companies.get(getattr(w, which))
        return "company", company.id, company.version
    if which in ("static", "combined"):
        selection = s.selections.get(getattr(w, which))
        return "selection", selection.id, selection.version
    associate = s.associates.get(w.ann_able)
    return "associate", associate.id, associate.version


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_stale_expected_version_is_refused_and_changes_nothing(data: str, case: str) -> None:
    which, command = CASES[case]
    with leadcore.open(data) as service:
        w = _world(service)
        kind, record_id, current = _version(w, which)
        assert current >= 2
        before = _state(w)
        with pytest.raises(ConflictError) as caught:
            command(w, current - 1)
        error = caught.value
        assert error.retryable is False
        assert error.context["retryable"] is False
        assert (error.context["kind"], error.context["id"]) == (kind, record_id)
        assert (error.context["expected"], error.context["actual"]) == (current - 1, current)
        assert f"at version {current}, not the expected version {current - 1}" in str(error)
        assert _state(w) == before
        command(w, current)  # the version it was read at: the change goes through
        assert _state(w) != before


def test_no_expected_version_means_no_check(data: str) -> None:
    with leadcore.open(data) as service:
        w = _world(service)
        assert service.persons.edit(w.ann, email="x@y.z").version == 3


@pytest.mark.parametrize("bad", [0, -1])
def test_an_expected_version_below_one_is_a_validation_error(bad: int) -> None:
    with leadcore.open(":memory:") as service:
        w = _world(service)
        before = _state(w)
        with pytest.raises(ValidationError, match="expected_version must be 1 or more"):
            service.persons.edit(w.ann, email="x@y.z", expected_version=bad)
        assert _state(w) == before


def test_an_expected_version_that_is_not_an_int_is_refused_where_it_enters() -> None:
    with leadcore.open(":memory:") as service:
        w = _world(service)
        with pytest.raises(ValidationError, match="expected_version"):
            service.persons.retire(w.ann, expected_version=True)
        with pytest.raises(ValidationError, match="expected_version"):
            service.persons.retire(w.ann, expected_version="2")  # type: ignore[arg-type]
        assert service.persons.get(w.ann).retired is False


def test_a_stale_version_is_refused_even_where_the_change_would_change_nothing() -> None:
    with leadcore.open(":memory:") as service:
        w = _world(service)
        with pytest.raises(ConflictError):
            service.persons.edit(w.ann, email="ann@example.com", expected_version=1)
        assert service.persons.edit(w.ann, email="ann@example.com", expected_version=2).version == 2
