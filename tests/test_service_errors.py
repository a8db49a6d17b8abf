"""Every refusal of the application service: the typed error of the rule, and no trace.

Each case runs a refused command against the same small world and checks that
the stored state (lists, companies, persons with versions, history, selections),
the adapter's indexes and the published events are exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import attrs
import pytest

from leadcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from leadcore.clock import FixedClock, RecordingPublisher, SequentialIds
from leadcore.criteria.ast import Condition, Operator
from leadcore.criteria.build import condition
from leadcore.criteria.errors import OperatorNotAllowed, UnknownFieldError
from leadcore.criteria.fields import Entity
from leadcore.errors import (
    CompanyHasPersons,
    ConflictError,
    DeletedItemError,
    DuplicateNameError,
    FeatureNotLicensed,
    InactiveOwnerError,
    InheritedCategoryError,
    LastCategoryError,
    LeadcoreError,
    LeadStatusNotEditable,
    ListRuleError,
    NotFoundError,
    ReadOnlyError,
    TransitionRefused,
    ValidationError,
)
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    CategoryGroup,
    CategoryId,
    CompanyId,
    LeadStatusId,
    PersonId,
    Utm,
)
from leadcore.policies import AllOf, ForwardOnly, LeadPolicy, ReasonRequired, TransitionTable
from leadcore.queries import Order, Query
from leadcore.service import LeadService

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@attrs.define
class World:
    """Acme (Lead: Ann Qualified, Bob Open), Bolt (Customer: Cid), Omni (Other), Dan (B2C),
    Eve (B2C, Lead); Re-nurture and Supplier deleted; one static selection; associates
    Al (1) and Ria (2, retired)."""

    service: LeadService
    store: InMemoryStore
    published: RecordingPublisher
    ids: dict[str, int]

    def cat(self, name: str) -> CategoryId:
        return self.service.lists().categories.by_name(name).id

    def status(self, key: str) -> LeadStatusId:
        return self.service.lists().statuses.by_key(key).id

    def person(self, name: str) -> PersonId:
        return PersonId(self.ids[name])

    def company(self, name: str) -> CompanyId:
        return CompanyId(self.ids[name])

    def with_(self, **changes: Any) -> LeadService:
        parts = attrs.asdict(self.service.context, recurse=False)
        return LeadService(**{**parts, **changes})


def build_world(policy: LeadPolicy | None = None) -> World:
    clock = FixedClock(START)
    store = InMemoryStore(Lists(*new_database()), clock=clock)
    published = RecordingPublisher()
    service = LeadService(
        store.unit_of_work,
        clock=clock,
        ids=SequentialIds(),
        events=published,
        policy=LeadPolicy() if policy is None else policy,
        associate=AssociateId(7),
    )
    cats = service.lists().categories
    statuses = service.lists().statuses
    acme = service.companies.add(
        "Acme", category_id=cats.by_name("Lead").id, source_utm=Utm(source="fair")
    )
    bolt = service.companies.add("Bolt", category_id=cats.by_name("Customer").id)
    omni = service.companies.add("Omni", category_id=cats.by_name("Other").id)
    ann = service.persons.add("Ann", company_id=acme.id, first_touch_utm=Utm(source="ads"))
    service.persons.set_lead_status(ann.id, statuses.by_key("qualified").id)
    bob = service.persons.add("Bob", company_id=acme.id)
    cid = service.persons.add("Cid", company_id=bolt.id)
    dan = service.persons.add("Dan")
    eve = service.persons.add("Eve", category_id=cats.by_name("Lead").id)
    service.statuses.delete(statuses.by_key("renurture").id)
    service.categories.delete(cats.by_name("Supplier").id)
    service.selections.create_static("Acme people", persons=[ann.id, bob.id])
    service.associates.add("Al")
    service.associates.retire(service.associates.add("Ria").id)
    names = {"acme": acme.id, "bolt": bolt.id, "omni": omni.id, "ann": ann.id, "bob": bob.id}
    names |= {"cid": cid.id, "dan": dan.id, "eve": eve.id}
    published.clear()
    return World(service, store, published, names)


def snapshot(store: InMemoryStore) -> tuple[object, ...]:
    store.verify_indexes()
    with store.unit_of_work() as uow:
        return (
            uow.lists.load(),
            uow.companies.find(Query()),
            uow.persons.find(Query()),
            list(uow.history),
            uow.selections.all(),
            uow.associates.all(),
            [uow.persons.of_company(c.id) for c in uow.companies.find(Query())],
        )


Case = Callable[[World], object]

REFUSALS: dict[str, tuple[Case, type[LeadcoreError]]] = {
    # list administration
    "duplicate category name": (
        lambda w: w.service.categories.add("lead", CategoryGroup.OTHER),
        DuplicateNameError,
    ),
    "duplicate name of a deleted category": (
        lambda w: w.service.categories.rename(w.cat("Lead"), "SUPPLIER"),
        DuplicateNameError,
    ),
    "empty category name": (
        lambda w: w.service.categories.add("  ", CategoryGroup.OTHER),
        ValidationError,
    ),
    "lead status on a customer category": (
        lambda w: w.service.categories.set_lead_status_enabled(w.cat("Customer"), True),
        ValidationError,
    ),
    "new customer category with lead status": (
        lambda w: w.service.categories.add("VIP", CategoryGroup.CUSTOMER, enable_lead_status=True),
        ValidationError,
    ),
    "flag of an unknown category": (
        lambda w: w.service.categories.set_lead_status_enabled(CategoryId(999), False),
        NotFoundError,
    ),
    "group of an unknown category": (
        lambda w: w.service.categories.set_group(CategoryId(999), CategoryGroup.OTHER),
        NotFoundError,
    ),
    "reorder categories missing one": (
        lambda w: w.service.categories.reorder([w.cat("Lead")]),
        ListRuleError,
    ),
    "delete unknown category": (
        lambda w: w.service.categories.delete(CategoryId(999)),
        NotFoundError,
    ),
    "delete the default status": (
        lambda w: w.service.statuses.delete(w.status("open")),
        ListRuleError,
    ),
    "default to a deleted status": (
        lambda w: w.service.statuses.set_default(w.status("renurture")),
        DeletedItemError,
    ),
    "duplicate status name": (
        lambda w: w.service.statuses.add("QUALIFIED"),
        DuplicateNameError,
    ),
    "rename status to a taken name": (
        lambda w: w.service.statuses.rename(w.status("open"), "re-nurture"),
        DuplicateNameError,
    ),
    "reorder statuses with a duplicate": (
        lambda w: w.service.statuses.reorder([LeadStatusId(1)] * 5),
        ListRuleError,
    ),
    "describe unknown status": (
        lambda w: w.service.statuses.describe(LeadStatusId(99), "x"),
        NotFoundError,
    ),
    # companies
    "company in a deleted category": (
        lambda w: w.service.companies.add("Zed", category_id=w.cat("Supplier")),
        DeletedItemError,
    ),
    "company in an unknown category": (
        lambda w: w.service.companies.add("Zed", category_id=CategoryId(999)),
        NotFoundError,
    ),
    "company without name": (lambda w: w.service.companies.add(""), ValidationError),
    "company moved to a deleted category": (
        lambda w: w.service.companies.change_category(w.company("acme"), w.cat("Supplier")),
        DeletedItemError,
    ),
    "unknown company moved": (
        lambda w: w.service.companies.change_category(CompanyId(999), w.cat("Lead")),
        NotFoundError,
    ),
    "next category after the last": (
        lambda w: w.service.companies.move_to_next_category(w.company("omni")),
        LastCategoryError,
    ),
    "company source UTM recorded twice": (
        lambda w: w.service.companies.record_utm(w.company("acme"), Utm(source="other")),
        ReadOnlyError,
    ),
    # persons
    "person with company and own category": (
        lambda w: w.service.persons.add(
            "Zed", company_id=w.company("acme"), category_id=w.cat("Lead")
        ),
        InheritedCategoryError,
    ),
    "person in an unknown company": (
        lambda w: w.service.persons.add("Zed", company_id=CompanyId(999)),
        NotFoundError,
    ),
    "person without names": (lambda w: w.service.persons.add(" ", " "), ValidationError),
    "new person with a status under a customer": (
        lambda w: w.service.persons.add(
            "Zed", company_id=w.company("bolt"), status_id=w.status("qualified")
        ),
        LeadStatusNotEditable,
    ),
    "new person with a deleted status": (
        lambda w: w.service.persons.add(
            "Zed", company_id=w.company("acme"), status_id=w.status("renurture")
        ),
        DeletedItemError,
    ),
    "B2C person in a deleted category": (
        lambda w: w.service.persons.add("Zed", category_id=w.cat("Supplier")),
        DeletedItemError,
    ),
    "category set on a person with company": (
        lambda w: w.service.persons.set_category(w.person("ann"), w.cat("Partner")),
        InheritedCategoryError,
    ),
    "B2C person to a deleted category": (
        lambda w: w.service.persons.set_category(w.person("dan"), w.cat("Supplier")),
        DeletedItemError,
    ),
    "person moved to an unknown company": (
        lambda w: w.service.persons.move(w.person("dan"), CompanyId(999)),
        NotFoundError,
    ),
    "person moved into a company with an own category": (
        lambda w: w.service.persons.move(
            w.person("dan"), w.company("acme"), own_category_id=w.cat("Lead")
        ),
        InheritedCategoryError,
    ),
    "unknown person moved": (
        lambda w: w.service.persons.move(PersonId(999), None),
        NotFoundError,
    ),
    "hidden status edited": (
        lambda w: w.service.persons.set_lead_status(w.person("cid"), w.status("contacting")),
        LeadStatusNotEditable,
    ),
    "status of a person without category": (
        lambda w: w.service.persons.set_lead_status(w.person("dan"), w.status("contacting")),
        LeadStatusNotEditable,
    ),
    "deleted status assigned": (
        lambda w: w.service.persons.set_lead_status(w.person("bob"), w.status("renurture")),
        DeletedItemError,
    ),
    "unknown status assigned": (
        lambda w: w.service.persons.set_lead_status(w.person("bob"), LeadStatusId(99)),
        NotFoundError,
    ),
    "first-touch UTM recorded twice": (
        lambda w: w.service.persons.record_utm(w.person("ann"), first_touch=Utm(source="x")),
        ReadOnlyError,
    ),
    "nothing to record": (
        lambda w: w.service.persons.record_utm(w.person("bob")),
        ValidationError,
    ),
    # transition policies (R8)
    "disqualified without reason": (
        lambda w: w.with_(policy=LeadPolicy(transitions=ReasonRequired())).persons.set_lead_status(
            w.person("bob"), w.status("disqualified")
        ),
        TransitionRefused,
    ),
    "backwards under forward-only": (
        lambda w: w.with_(policy=LeadPolicy(transitions=ForwardOnly())).persons.set_lead_status(
            w.person("ann"), w.status("open")
        ),
        TransitionRefused,
    ),
    "move missing from the table": (
        lambda w: w.with_(
            policy=LeadPolicy(transitions=TransitionTable({"open": frozenset({"contacting"})}))
        ).persons.set_lead_status(w.person("bob"), w.status("qualified")),
        TransitionRefused,
    ),
    "second policy of all-of refuses": (
        lambda w: w.with_(
            policy=LeadPolicy(transitions=AllOf((ForwardOnly(), ReasonRequired())))
        ).persons.set_lead_status(w.person("bob"), w.status("disqualified")),
        TransitionRefused,
    ),
    "new person with a status the policy refuses": (
        lambda w: w.with_(policy=LeadPolicy(transitions=ReasonRequired())).persons.add(
            "Zed", company_id=w.company("acme"), status_id=w.status("disqualified")
        ),
        TransitionRefused,
    ),
    # licence
    "status set without the lead-status feature": (
        lambda w: w.with_(licence=Licence.of()).persons.set_lead_status(
            w.person("bob"), w.status("contacting")
        ),
        FeatureNotLicensed,
    ),
    "status chosen for a new person without the feature": (
        lambda w: w.with_(licence=Licence.of()).persons.add(
            "Zed", company_id=w.company("acme"), status_id=w.status("open")
        ),
        FeatureNotLicensed,
    ),
    "status list edited without the feature": (
        lambda w: w.with_(licence=Licence.of()).statuses.add("Nurturing"),
        FeatureNotLicensed,
    ),
    "default chosen without the feature": (
        lambda w: w.with_(licence=Licence.of()).statuses.set_default(w.status("qualified")),
        FeatureNotLicensed,
    ),
    "flag switched without the feature": (
        lambda w: w.with_(licence=Licence.of()).categories.set_lead_status_enabled(
            w.cat("Lead"), False
        ),
        FeatureNotLicensed,
    ),
    "lead category added without the feature": (
        lambda w: w.with_(licence=Licence.of()).categories.add(
            "Fair", CategoryGroup.POTENTIAL_CUSTOMER, enable_lead_status=True
        ),
        FeatureNotLicensed,
    ),
    "view without the feature": (
        lambda w: w.with_(licence=Licence.of()).persons.lead_status_view(w.person("ann")),
        FeatureNotLicensed,
    ),
    "history without the feature": (
        lambda w: w.with_(licence=Licence.of()).persons.history(w.person("ann")),
        FeatureNotLicensed,
    ),
    "search on lead status without the feature": (
        lambda w: w.with_(licence=Licence.of()).persons.count(
            condition("person.lead_status", "in", 1)
        ),
        FeatureNotLicensed,
    ),
    "search on UTM without marketing premium": (
        lambda w: w.with_(licence=Licence.of(Feature.LEAD_STATUS)).persons.find(
            condition("person.first_touch.source", "equals", "ads")
        ),
        FeatureNotLicensed,
    ),
    "company search on source UTM without premium": (
        lambda w: w.with_(licence=Licence.of(Feature.LEAD_STATUS)).companies.count(
            condition("company.source.source", "equals", "ads", entity=Entity.COMPANY)
        ),
        FeatureNotLicensed,
    ),
    # criteria
    "unknown field": (
        lambda w: w.service.persons.find(Condition("person.shoe_size", Operator.EQ, (42,))),
        UnknownFieldError,
    ),
    "operator not allowed": (
        lambda w: w.service.persons.count(Condition("person.retired", Operator.IN, (1,))),
        OperatorNotAllowed,
    ),
    "person field in a company search": (
        lambda w: w.service.companies.find(Condition("person.first_name", Operator.BEGINS, ("a",))),
        UnknownFieldError,
    ),
    "order by an unknown field": (
        lambda w: w.service.persons.find(order=[Order("person.shoe_size")]),
        UnknownFieldError,
    ),
    # owners, edits, retiring, deleting
    "unknown owner of a new company": (
        lambda w: w.service.companies.add("Nova", owner_id=AssociateId(99)),
        InactiveOwnerError,
    ),
    "retired owner of a new person": (
        lambda w: w.service.persons.add("Fay", owner_id=AssociateId(2)),
        InactiveOwnerError,
    ),
    "unknown owner given to a person": (
        lambda w: w.service.persons.edit(
            w.person("ann"), first_name="Anna", owner_id=AssociateId(99)
        ),
        InactiveOwnerError,
    ),
    "retired owner given to a company": (
        lambda w: w.service.companies.edit(
            w.company("acme"), name="Acme A/S", owner_id=AssociateId(2)
        ),
        InactiveOwnerError,
    ),
    "a person edited to no name": (
        lambda w: w.service.persons.edit(w.person("dan"), first_name=" "),
        ValidationError,
    ),
    "a company renamed to nothing": (
        lambda w: w.service.companies.edit(w.company("acme"), name=""),
        ValidationError,
    ),
    "edit of an unknown person": (
        lambda w: w.service.persons.edit(PersonId(999), last_name="X"),
        NotFoundError,
    ),
    "edit of an unknown company": (
        lambda w: w.service.companies.edit(CompanyId(999), name="X"),
        NotFoundError,
    ),
    "retiring an unknown person": (
        lambda w: w.service.persons.retire(PersonId(999)),
        NotFoundError,
    ),
    "deleting an unknown person": (
        lambda w: w.service.persons.delete(PersonId(999)),
        NotFoundError,
    ),
    "deleting a company that has persons": (
        lambda w: w.service.companies.delete(w.company("acme")),
        CompanyHasPersons,
    ),
    "moving a deleted company's persons to itself": (
        lambda w: w.service.companies.delete(
            w.company("acme"), persons="move", move_to=w.company("acme")
        ),
        ValidationError,
    ),
    "moving a deleted company's persons to an unknown company": (
        lambda w: w.service.companies.delete(
            w.company("acme"), persons="move", move_to=CompanyId(999)
        ),
        NotFoundError,
    ),
    "move_to without moving": (
        lambda w: w.service.companies.delete(w.company("acme"), move_to=w.company("bolt")),
        ValidationError,
    ),
    "an unknown choice for a deleted company's persons": (
        lambda w: w.service.companies.delete(w.company("acme"), persons="keep"),  # type: ignore[arg-type]
        ValidationError,
    ),
    # associates
    "renaming an unknown associate": (
        lambda w: w.service.associates.rename(AssociateId(99), "X"),
        NotFoundError,
    ),
    "an associate without a name": (
        lambda w: w.service.associates.add(""),
        ValidationError,
    ),
    "an availability that is not one": (
        lambda w: w.service.associates.set_availability(AssociateId(1), "away"),  # type: ignore[arg-type]
        ValidationError,
    ),
    # reads of unknown ids
    "view of an unknown person": (
        lambda w: w.service.persons.lead_status_view(PersonId(999)),
        NotFoundError,
    ),
    "history of an unknown person": (
        lambda w: w.service.persons.history(PersonId(999)),
        NotFoundError,
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refused_command_raises_its_typed_error_and_leaves_no_trace(name: str) -> None:
    command, error = REFUSALS[name]
    world = build_world()
    before = snapshot(world.store)
    with pytest.raises(error) as raised:
        command(world)
    assert isinstance(raised.value, LeadcoreError)
    assert raised.value.what
    assert raised.value.fix, f"{type(raised.value).__name__} does not say what to do"
    assert snapshot(world.store) == before
    assert world.published.events == []


def test_errors_carry_what_why_and_fix() -> None:
    world = build_world()
    with pytest.raises(LeadStatusNotEditable) as raised:
        world.service.persons.set_lead_status(world.person("cid"), world.status("contacting"))
    err = raised.value
    assert err.rule == "R4"
    assert err.context["person_id"] == world.person("cid")
    assert err.why
    assert err.fix


def test_a_failed_cascade_of_a_category_change_leaves_no_trace() -> None:
    """A company move whose save fails half-way (a stale person) rolls back everything."""
    world = build_world()
    failing = _stale_person_factory(world.store, world.person("cid"))
    service = world.with_(uow=failing)
    before = snapshot(world.store)
    with pytest.raises(ConflictError):  # the company is saved first, then Cid's reveal fails
        service.companies.change_category(world.company("bolt"), world.cat("Lead"))
    assert snapshot(world.store) == before
    assert world.published.events == []


def test_a_concurrent_change_is_not_lost() -> None:
    """Another unit commits a newer version between load and commit: ConflictError, no write."""
    world = build_world()
    store = world.store
    bob = world.person("bob")
    contacting, qualified = world.status("contacting"), world.status("qualified")

    class Racing:
        """A unit of work that lets a competing command commit just before its own commit."""

        def __init__(self) -> None:
            self.inner = store.unit_of_work()
            self.companies = self.inner.companies
            self.persons = self.inner.persons
            self.lists = self.inner.lists
            self.selections = self.inner.selections
            self.history = self.inner.history
            self.settings = self.inner.settings

        def __enter__(self) -> Self:
            self.inner.__enter__()
            return self

        def __exit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            tb: TracebackType | None,
        ) -> None:
            self.inner.__exit__(exc_type, exc, tb)

        def commit(self) -> None:
            world.service.persons.set_lead_status(bob, qualified)  # the competitor wins
            self.inner.commit()

        def rollback(self) -> None:
            self.inner.rollback()

    racing = world.with_(uow=Racing)
    with pytest.raises(ConflictError):
        racing.persons.set_lead_status(bob, contacting)
    assert world.service.persons.get(bob).lead_status_id == qualified
    assert [e.to_status for e in world.service.persons.history(bob)][-1] == qualified
    assert len(world.published.batches) == 1  # only the competitor's events
    world.store.verify_indexes()


def _stale_person_factory(store: InMemoryStore, person_id: PersonId) -> Callable[[], Any]:
    """Units of work whose persons repository sees ``person_id`` one version behind."""

    def factory() -> InMemoryUnitOfWork:
        uow = store.unit_of_work()
        real = uow.persons
        original_of_company = real.of_company

        def of_company(company_id: CompanyId) -> list[Any]:
            found = original_of_company(company_id)
            return [
                attrs.evolve(p, version=p.version - 1) if p.id == person_id else p for p in found
            ]

        real.of_company = of_company  # type: ignore[method-assign]
        return uow

    return factory
