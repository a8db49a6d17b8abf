"""Example tests of every use case of the application service, over the in-memory adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock, RecordingPublisher, SequentialIds
from leadcore.criteria.ast import Period
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity
from leadcore.errors import FeatureNotLicensed, NotFoundError, ValidationError
from leadcore.history import (
    CompanyCategoryChanged,
    HistoryEntry,
    HistoryKind,
    PersonCategoryChanged,
    PersonMoved,
    StatusSource,
    replay,
)
from leadcore.licence import Feature, Licence
from leadcore.lists import Lists, existing_database, new_database
from leadcore.model import (
    AssociateId,
    CategoryGroup,
    CategoryId,
    CompanyId,
    LeadStatusId,
    Person,
    Utm,
)
from leadcore.policies import LeadPolicy, ReasonRequired, RevealPolicy
from leadcore.ports import UnitOfWork
from leadcore.queries import Order, Page, Query
from leadcore.selections import Operation
from leadcore.service import LeadService

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ME = AssociateId(7)


@attrs.define
class Setup:
    service: LeadService
    store: InMemoryStore
    clock: FixedClock
    published: RecordingPublisher

    def category(self, name: str) -> CategoryId:
        return self.service.lists().categories.by_name(name).id

    def status(self, key: str) -> LeadStatusId:
        return self.service.lists().statuses.by_key(key).id

    def history(self) -> list[HistoryEntry]:
        with self.store.unit_of_work() as uow:
            return list(uow.history)

    def persons(self) -> list[Person]:
        with self.store.unit_of_work() as uow:
            return uow.persons.find(Query())

    def staff(self, count: int) -> None:
        """Associates 1 .. ``count``, so that they can own records."""
        for number in range(count):
            self.service.associates.add(f"Associate {number + 1}")


def make(
    *,
    database: str = "new",
    licence: Licence | None = None,
    policy: LeadPolicy | None = None,
    associate: AssociateId | None = ME,
) -> Setup:
    clock = FixedClock(START)
    made = new_database() if database == "new" else existing_database()
    store = InMemoryStore(Lists(*made), clock=clock)
    published = RecordingPublisher()
    service = LeadService(
        store.unit_of_work,
        clock=clock,
        ids=SequentialIds(),
        events=published,
        policy=LeadPolicy() if policy is None else policy,
        licence=Licence.full() if licence is None else licence,
        associate=associate,
    )
    return Setup(service, store, clock, published)


@pytest.fixture
def s() -> Setup:
    return make()


# --- construction --------------------------------------------------------------------------


def test_in_memory_new_database_has_the_lead_categories() -> None:
    service = LeadService.in_memory()
    names = [c.name for c in service.lists().categories]
    assert names[:4] == ["Lead", "Marketing qualified lead", "Opportunity", "Lost opportunity"]
    assert service.context.licence == Licence.full()


def test_in_memory_existing_database_lacks_them_until_upgraded() -> None:
    service = LeadService.in_memory("existing", clock=FixedClock(START))
    assert "Lead" not in {c.name for c in service.lists().categories}
    report = service.upgrade_database()
    assert [c.name for c in report.added] == [
        "Lead",
        "Marketing qualified lead",
        "Opportunity",
        "Lost opportunity",
    ]
    again = service.upgrade_database()
    assert not again.changed
    assert again.already_present == tuple(c.name for c in report.added)


def test_upgrade_does_not_save_the_lists_when_nothing_changes() -> None:
    s = make(database="existing")
    s.service.upgrade_database()
    with s.store.unit_of_work() as uow:
        version = uow.lists.load().version
    s.service.upgrade_database()
    with s.store.unit_of_work() as uow:
        assert uow.lists.load().version == version


def test_acting_as_records_the_associate_and_shares_storage(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    other = s.service.acting_as(AssociateId(9))
    ann = other.persons.add("Ann", company_id=acme.id)
    assert s.history()[-1].by == AssociateId(9)
    assert s.service.persons.get(ann.id) == ann
    bulk = s.service.acting_as(AssociateId(3), source=StatusSource.BULK)
    bulk.persons.set_lead_status(ann.id, s.status("contacting"))
    assert (s.history()[-1].by, s.history()[-1].source) == (3, StatusSource.BULK)


# --- list administration -------------------------------------------------------------------


def test_category_list_administration(s: Setup) -> None:
    fair = s.service.categories.add(
        "Trade fair", CategoryGroup.POTENTIAL_CUSTOMER, tooltip="Met at a fair"
    )
    assert s.service.lists().categories.get(fair.id) == fair
    assert s.service.categories.rename(fair.id, "Fair").name == "Fair"
    assert s.service.categories.describe(fair.id, "Booth visitors").tooltip == "Booth visitors"
    assert s.service.categories.delete(fair.id).deleted
    assert not s.service.categories.restore(fair.id).deleted
    ids = [c.id for c in s.service.lists().categories]
    reordered = s.service.categories.reorder([fair.id, *[i for i in ids if i != fair.id]])
    assert next(iter(reordered)).id == fair.id
    assert next(c.id for c in s.service.lists().categories) == fair.id


def test_lead_status_list_administration(s: Setup) -> None:
    nurturing = s.service.statuses.add("Nurturing", tooltip="Slow track")
    assert nurturing.key == "nurturing"
    assert s.service.statuses.rename(nurturing.id, "Slow").key == "nurturing"
    assert s.service.statuses.describe(nurturing.id, "Later").tooltip == "Later"
    assert s.service.statuses.delete(nurturing.id).deleted
    assert not s.service.statuses.restore(nurturing.id).deleted
    assert s.service.statuses.set_default(nurturing.id) == s.service.lists().statuses.default
    ids = [st.id for st in s.service.lists().statuses]
    assert [st.id for st in s.service.statuses.reorder(ids[::-1])] == ids[::-1]


def test_new_default_status_is_what_new_leads_start_in(s: Setup) -> None:
    contacting = s.status("contacting")
    s.service.statuses.set_default(contacting)
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    assert s.service.persons.add("Ann", company_id=acme.id).lead_status_id == contacting


def test_switching_the_flag_off_hides_every_person_under_the_category(s: Setup) -> None:
    lead, customer = s.category("Lead"), s.category("Customer")
    acme = s.service.companies.add("Acme", category_id=lead)
    ann = s.service.persons.add("Ann", company_id=acme.id)
    qualified = s.status("qualified")
    s.service.persons.set_lead_status(ann.id, qualified)
    bob = s.service.persons.add("Bob", company_id=acme.id)
    eve = s.service.persons.add("Eve", category_id=lead)  # B2C, own category
    bolt = s.service.companies.add("Bolt", category_id=customer)
    cid = s.service.persons.add("Cid", company_id=bolt.id)
    before = len(s.history())
    s.published.clear()

    category = s.service.categories.set_lead_status_enabled(lead, False)

    assert not category.enable_lead_status
    entries = s.history()[before:]
    assert sorted(e.person_id for e in entries) == sorted([ann.id, bob.id, eve.id])
    assert {e.kind for e in entries} == {HistoryKind.HIDE}
    assert all(e.by == AssociateId(7) and e.at == START for e in entries)
    assert s.service.persons.get(ann.id).lead_status_id == qualified  # kept (R4)
    assert s.service.persons.get(cid.id).version == cid.version  # other categories untouched
    assert not s.service.persons.lead_status_view(eve.id).visible
    assert s.published.batches == [tuple(entries)]

    s.service.categories.set_lead_status_enabled(lead, True)
    revealed = s.history()[before + 3 :]
    assert {e.kind for e in revealed} == {HistoryKind.REVEAL}
    assert s.service.persons.get(ann.id).lead_status_id == s.status("open")  # R5
    assert next(e for e in revealed if e.person_id == ann.id).from_status == qualified


def test_changing_the_group_of_a_category_hides_its_persons(s: Setup) -> None:
    lead = s.category("Lead")
    acme = s.service.companies.add("Acme", category_id=lead)
    ann = s.service.persons.add("Ann", company_id=acme.id)
    category = s.service.categories.set_group(lead, CategoryGroup.LOST)
    assert (category.group, category.enable_lead_status) == (CategoryGroup.LOST, False)
    assert s.history()[-1].kind is HistoryKind.HIDE
    view = s.service.persons.lead_status_view(ann.id)
    assert (view.visible, view.status_id) == (False, s.status("open"))


def test_a_new_lead_enabled_category_needs_no_cascade(s: Setup) -> None:
    fair = s.service.categories.add(
        "Fair", CategoryGroup.POTENTIAL_CUSTOMER, enable_lead_status=True
    )
    acme = s.service.companies.add("Acme", category_id=fair.id)
    assert s.service.persons.add("Ann", company_id=acme.id).lead_status_id == s.status("open")


# --- companies and persons -----------------------------------------------------------------


def test_add_company_records_source_utm(s: Setup) -> None:
    s.staff(2)
    acme = s.service.companies.add(
        "Acme", category_id=s.category("Customer"), owner_id=AssociateId(2),
        source_utm=Utm(source="fair", campaign="spring"),
    )  # fmt: skip
    assert acme.version == 1
    assert (acme.registered, acme.updated, acme.owner_id) == (START, START, 2)
    assert s.service.companies.get(acme.id).source_utm == Utm(source="fair", campaign="spring")
    assert s.published.events == []


def test_add_person_under_a_lead_company_starts_open_with_default_source(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", "Ash", company_id=acme.id, email="ann@acme.test")
    assert ann.lead_status_id == s.status("open")
    assert ann.version == 1
    (entry,) = s.service.persons.history(ann.id)
    assert (entry.kind, entry.source, entry.from_status) == (
        HistoryKind.CHANGE,
        StatusSource.DEFAULT,
        None,
    )
    assert s.published.events == [entry]


def test_add_person_outside_lead_categories_has_no_status(s: Setup) -> None:
    bolt = s.service.companies.add("Bolt", category_id=s.category("Customer"))
    cid = s.service.persons.add("Cid", company_id=bolt.id)
    dan = s.service.persons.add("Dan")
    assert (cid.lead_status_id, dan.lead_status_id) == (None, None)
    assert s.history() == []


def test_add_person_with_a_chosen_status_and_reason(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add(
        "Ann", company_id=acme.id, status_id=s.status("qualified"), reason="Met at fair"
    )
    assert ann.lead_status_id == s.status("qualified")
    entry = s.history()[-1]
    assert (entry.source, entry.reason) == (StatusSource.USER, "Met at fair")


def test_b2c_person_with_own_lead_category(s: Setup) -> None:
    eve = s.service.persons.add("Eve", category_id=s.category("Lead"))
    assert eve.own_category_id == s.category("Lead")
    assert eve.lead_status_id == s.status("open")


def test_add_person_records_utm_and_copies_both_data_points_to_its_company(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    touch, creation = Utm(source="google"), Utm(source="newsletter", campaign="may")
    ann = s.service.persons.add(
        "Ann", company_id=acme.id, first_touch_utm=touch, lead_creation_utm=creation
    )
    assert (ann.first_touch_utm, ann.lead_creation_utm) == (touch, creation)
    company = s.service.companies.get(acme.id)
    assert (company.first_touch_utm, company.lead_creation_utm) == (touch, creation)
    assert (company.source_utm, company.version) == (None, 2)  # R12: the source stays its own
    s.service.persons.add("Bob", company_id=acme.id, first_touch_utm=Utm(source="bing"))
    assert s.service.companies.get(acme.id).first_touch_utm == touch  # kept, read-only


def test_lead_creation_reaches_the_company_even_when_it_has_a_first_touch(s: Setup) -> None:
    acme = s.service.companies.add("Acme", source_utm=Utm(source="fair"))
    s.service.persons.add("Ann", company_id=acme.id, first_touch_utm=Utm(source="ads"))
    s.service.persons.add("Bo", company_id=acme.id, lead_creation_utm=Utm(medium="email"))
    company = s.service.companies.get(acme.id)
    assert (company.source_utm, company.first_touch_utm, company.lead_creation_utm) == (
        Utm(source="fair"),
        Utm(source="ads"),
        Utm(medium="email"),
    )


def test_record_utm_fills_only_empty_data_points(s: Setup) -> None:
    acme = s.service.companies.add("Acme")
    ann = s.service.persons.add("Ann", company_id=acme.id, first_touch_utm=Utm(source="x"))
    updated = s.service.persons.record_utm(ann.id, lead_creation=Utm(source="y"))
    assert (updated.first_touch_utm, updated.lead_creation_utm) == (Utm(source="x"), Utm("y"))
    assert s.service.companies.get(acme.id).lead_creation_utm == Utm(source="y")
    bolt = s.service.companies.add("Bolt")
    assert s.service.companies.record_utm(bolt.id, Utm(term="crm")).source_utm == Utm(term="crm")
    bo = s.service.persons.add("Bo", company_id=bolt.id)
    s.service.persons.record_utm(bo.id, first_touch=Utm(source="z"))
    company = s.service.companies.get(bolt.id)
    assert (company.source_utm, company.first_touch_utm) == (Utm(term="crm"), Utm(source="z"))


def test_company_utm_criteria_tell_the_source_from_the_copied_data_points(s: Setup) -> None:
    acme = s.service.companies.add("Acme", source_utm=Utm(source="fair"))
    s.service.persons.add("Ann", company_id=acme.id, first_touch_utm=Utm(source="ads"))
    bolt = s.service.companies.add("Bolt")
    s.service.persons.add("Bo", company_id=bolt.id, lead_creation_utm=Utm(source="ads"))

    def names(key: str) -> list[str]:
        found = s.service.companies.find(condition(key, "equals", "ads"))
        return [c.name for c in found]

    assert names("company.source.source") == []
    assert names("company.first_touch.source") == ["Acme"]
    assert names("company.lead_creation.source") == ["Bolt"]
    from_persons = condition("company.first_touch.source", "equals", "ads")
    assert [p.first_name for p in s.service.persons.find(from_persons)] == ["Ann"]
    basic = s.service.acting_as(None, licence=Licence.of(Feature.LEAD_STATUS))
    with pytest.raises(FeatureNotLicensed, match=r"company\.lead_creation\.source"):
        basic.persons.find(condition("company.lead_creation.source", "equals", "ads"))


def test_company_to_customer_hides_and_back_to_lead_reveals_open(s: Setup) -> None:
    lead, customer = s.category("Lead"), s.category("Customer")
    acme = s.service.companies.add("Acme", category_id=lead)
    ann = s.service.persons.add("Ann", company_id=acme.id)
    bob = s.service.persons.add("Bob", company_id=acme.id)
    s.service.persons.set_lead_status(ann.id, s.status("qualified"))
    s.published.clear()

    moved = s.service.companies.change_category(acme.id, customer)
    assert (moved.category_id, moved.version, moved.updated) == (customer, 2, START)
    assert s.service.persons.get(ann.id).lead_status_id == s.status("qualified")
    kinds = [type(e).__name__ for e in s.published.events]
    assert kinds == ["CompanyCategoryChanged", "HistoryEntry", "HistoryEntry"]
    assert s.published.events[0] == CompanyCategoryChanged(acme.id, lead, customer, START, ME)

    s.clock.advance(timedelta(days=1))
    s.service.companies.change_category(acme.id, lead)
    for person in (ann, bob):
        assert s.service.persons.get(person.id).lead_status_id == s.status("open")
    reveal = s.service.persons.history(ann.id)[-1]
    assert (reveal.kind, reveal.from_status, reveal.to_status) == (
        HistoryKind.REVEAL,
        s.status("qualified"),
        s.status("open"),
    )
    assert reveal.at == START + timedelta(days=1)


def test_move_between_lead_categories_keeps_the_status(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    s.service.persons.set_lead_status(ann.id, s.status("contacting"))
    s.service.companies.change_category(acme.id, s.category("Marketing qualified lead"))
    assert s.service.persons.get(ann.id).lead_status_id == s.status("contacting")
    assert [e.kind for e in s.service.persons.history(ann.id)] == [HistoryKind.CHANGE] * 2


def test_restore_previous_policy_brings_the_kept_value_back() -> None:
    s = make(policy=LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS))
    lead = s.category("Lead")
    acme = s.service.companies.add("Acme", category_id=lead)
    ann = s.service.persons.add("Ann", company_id=acme.id)
    s.service.persons.set_lead_status(ann.id, s.status("qualified"))
    s.service.companies.change_category(acme.id, s.category("Customer"))
    s.service.companies.change_category(acme.id, lead)
    assert s.service.persons.get(ann.id).lead_status_id == s.status("qualified")


def test_same_category_changes_nothing(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    assert s.service.companies.change_category(acme.id, acme.category_id) == acme
    assert s.published.events == []


def test_company_without_category(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    assert s.service.companies.change_category(acme.id, None).category_id is None
    assert not s.service.persons.lead_status_view(ann.id).visible


def test_move_company_to_next_category_by_rank(s: Setup) -> None:
    lead, mql = s.category("Lead"), s.category("Marketing qualified lead")
    acme = s.service.companies.add("Acme", category_id=lead)
    ann = s.service.persons.add("Ann", company_id=acme.id)
    assert s.service.companies.move_to_next_category(acme.id).category_id == mql
    nxt = s.service.companies.move_to_next_category(acme.id)
    assert nxt.category_id == s.category("Opportunity")
    assert s.history()[-1] == HistoryEntry(
        ann.id, HistoryKind.HIDE, s.status("open"), s.status("open"), START, ME
    )


def test_set_person_category_of_a_b2c_person(s: Setup) -> None:
    dan = s.service.persons.add("Dan")
    lead = s.category("Lead")
    moved = s.service.persons.set_category(dan.id, lead)
    assert (moved.own_category_id, moved.lead_status_id, moved.version) == (
        lead,
        s.status("open"),
        2,
    )
    assert isinstance(s.published.events[0], PersonCategoryChanged)
    assert s.history()[-1].kind is HistoryKind.REVEAL
    assert s.service.persons.set_category(dan.id, lead) == moved  # no change


def test_move_person_to_a_lead_company_reveals_and_out_keeps_the_category(s: Setup) -> None:
    lead = s.category("Lead")
    acme = s.service.companies.add("Acme", category_id=lead)
    dan = s.service.persons.add("Dan")
    moved = s.service.persons.move(dan.id, acme.id)
    assert (moved.company_id, moved.lead_status_id) == (acme.id, s.status("open"))
    assert isinstance(s.published.events[0], PersonMoved)
    out = s.service.persons.move(dan.id, None)
    assert (out.company_id, out.own_category_id, out.lead_status_id) == (
        None,
        lead,
        s.status("open"),
    )
    assert s.service.persons.lead_status_view(dan.id).visible


def test_move_person_out_of_company_into_another_own_category(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    out = s.service.persons.move(ann.id, None, own_category_id=s.category("Partner"))
    assert out.own_category_id == s.category("Partner")
    assert s.history()[-1].kind is HistoryKind.HIDE


def test_set_lead_status_records_reason_and_publishes_after_commit(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    s.published.clear()
    changed = s.service.persons.set_lead_status(ann.id, s.status("disqualified"), reason="Student")
    assert (changed.lead_status_id, changed.version) == (s.status("disqualified"), 2)
    entry = s.service.persons.history(ann.id)[-1]
    assert (entry.reason, entry.from_status, entry.by) == ("Student", s.status("open"), 7)
    assert s.published.batches == [(entry,)]


def test_setting_the_same_status_records_nothing(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    s.published.clear()
    assert s.service.persons.set_lead_status(ann.id, s.status("open")) == ann
    assert (len(s.history()), s.published.events) == (1, [])


def test_transition_policy_allows_with_reason() -> None:
    s = make(policy=LeadPolicy(transitions=ReasonRequired()))
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    changed = s.service.persons.set_lead_status(
        ann.id, s.status("disqualified"), reason="No budget"
    )
    assert changed.lead_status_id == s.status("disqualified")


# --- queries -------------------------------------------------------------------------------


def test_find_and_count_persons_and_companies(s: Setup) -> None:
    lead, customer = s.category("Lead"), s.category("Customer")
    acme = s.service.companies.add("Acme", category_id=lead)
    bolt = s.service.companies.add("Bolt", category_id=customer)
    ann = s.service.persons.add("Ann", "Ash", company_id=acme.id)
    bob = s.service.persons.add("Bob", "Berg", company_id=acme.id)
    cid = s.service.persons.add("Cid", "Berg", company_id=bolt.id)
    s.service.persons.set_lead_status(bob.id, s.status("qualified"))
    s.service.companies.change_category(acme.id, customer)  # hidden statuses stay searchable

    qualified = condition("person.lead_status", "in", s.status("qualified"))
    assert [p.id for p in s.service.persons.find(qualified)] == [bob.id]
    bergs = condition("person.last_name", "equals", "berg")
    found = s.service.persons.find(bergs, order=[Order("person.first_name", descending=True)])
    assert [p.id for p in found] == [cid.id, bob.id]
    paged = s.service.persons.find(order=[Order("person.id")], page=Page(offset=1, limit=1))
    assert [p.id for p in paged] == [bob.id]
    assert s.service.persons.count(bergs) == 2
    assert s.service.persons.count(~qualified) == 2
    assert s.service.persons.count() == 3
    customers = condition("company.category", "in", customer)
    assert {c.id for c in s.service.companies.find(customers)} == {acme.id, bolt.id}
    assert s.service.companies.count(condition("company.name", "begins", "ac")) == 1
    assert ann.id not in {p.id for p in s.service.persons.find(qualified)}


def test_find_uses_the_acting_associate_and_the_clock(s: Setup) -> None:
    s.staff(8)
    s.service.persons.add("Ann", owner_id=AssociateId(7))
    s.service.persons.add("Bob", owner_id=AssociateId(8))
    mine = condition("person.owner", "current_associate")
    assert [p.first_name for p in s.service.persons.find(mine)] == ["Ann"]
    assert [p.first_name for p in s.service.acting_as(AssociateId(8)).persons.find(mine)] == ["Bob"]
    this_week = condition("person.registered", "this", Period.WEEK)
    assert s.service.persons.count(this_week) == 2
    s.clock.advance(timedelta(days=14))
    assert s.service.persons.count(this_week) == 0


def test_utm_criteria_need_marketing_premium() -> None:
    s = make(licence=Licence.of(Feature.LEAD_STATUS))
    s.service.persons.add("Ann", first_touch_utm=Utm(source="google"))
    google = condition("person.first_touch.source", "equals", "google")
    with pytest.raises(FeatureNotLicensed) as raised:
        s.service.persons.find(google)
    assert raised.value.context["feature"] == Feature.MARKETING_PREMIUM.value
    with pytest.raises(FeatureNotLicensed):
        s.service.persons.count(google)
    with pytest.raises(FeatureNotLicensed):
        s.service.persons.find(order=[Order("person.first_touch.source")])
    premium = s.service.acting_as(None, licence=Licence.full())
    assert premium.persons.count(google) == 1


def test_without_lead_status_feature_categories_still_cascade() -> None:
    s = make(licence=Licence.of())
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    assert ann.lead_status_id == s.status("open")  # data stays consistent for a later licence
    s.service.companies.change_category(acme.id, s.category("Customer"))
    assert s.history()[-1].kind is HistoryKind.HIDE


# --- lead-status view and history ----------------------------------------------------------


def test_lead_status_view_in_danish_with_tooltip(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    view = s.service.persons.lead_status_view(ann.id, "da")
    assert (view.label, view.visible, view.editable, view.deleted) == ("Åben", True, True, False)
    assert view.tooltip is not None
    assert "kontakt" in view.tooltip
    assert s.service.persons.lead_status_view(ann.id).tooltip == (
        "No outreach has been made yet (the default for every new lead)"
    )


def test_lead_status_view_of_a_deleted_status_keeps_its_name(s: Setup) -> None:
    acme = s.service.companies.add("Acme", category_id=s.category("Lead"))
    ann = s.service.persons.add("Ann", company_id=acme.id)
    renurture = s.status("renurture")
    s.service.persons.set_lead_status(ann.id, renurture)
    s.service.statuses.delete(renurture)
    view = s.service.persons.lead_status_view(ann.id)
    assert (view.label, view.deleted, view.editable) == ("Re-nurture", True, True)


def test_history_replays_to_the_stored_statuses(s: Setup) -> None:
    lead = s.category("Lead")
    acme = s.service.companies.add("Acme", category_id=lead)
    ann = s.service.persons.add("Ann", company_id=acme.id)
    s.service.persons.set_lead_status(ann.id, s.status("contacting"))
    s.service.companies.change_category(acme.id, s.category("Partner"))
    s.service.companies.change_category(acme.id, lead)
    kinds = [e.kind.value for e in s.service.persons.history(ann.id)]
    assert kinds == ["change", "change", "hide", "reveal"]
    stored = {p.id: p.lead_status_id for p in s.persons() if p.lead_status_id is not None}
    assert replay(s.history()) == stored


def test_every_command_runs_in_one_unit_of_work(s: Setup) -> None:
    opened: list[object] = []

    def counting() -> UnitOfWork:
        uow = s.store.unit_of_work()
        opened.append(uow)
        return uow

    service = LeadService(**{**attrs.asdict(s.service.context, recurse=False), "uow": counting})
    acme = service.companies.add("Acme", category_id=s.category("Lead"))
    for _ in range(3):
        service.persons.add("Ann", company_id=acme.id)
    opened.clear()
    service.companies.change_category(acme.id, s.category("Customer"))
    assert len(opened) == 1


def test_in_memory_with_a_file_keeps_everything_and_continues_ids(tmp_path: Path) -> None:
    file = tmp_path / "crm.json"
    first = LeadService.in_memory(path=file, clock=FixedClock(START))
    lead = first.lists().categories.by_name("Lead").id
    acme = first.companies.add("Acme", category_id=lead)
    ann = first.persons.add("Ann", company_id=acme.id, first_touch_utm=Utm(source="ads"))
    first.persons.set_lead_status(ann.id, first.lists().statuses.by_key("qualified").id)
    static = first.selections.create_static("Hand", persons=[ann.id])
    dynamic = first.selections.create_dynamic("Ads", condition("person.first_touch.source",
                                                              "equals", "ads"))  # fmt: skip
    both = first.selections.create_combined("Both", static.id, dynamic.id, Operation.COMMON)
    first.close()

    again = LeadService.in_memory(path=file, clock=FixedClock(START))
    assert again.persons.get(ann.id) == first.persons.get(ann.id)
    assert again.persons.history(ann.id) == first.persons.history(ann.id)
    assert again.selections.all() == first.selections.all()
    assert again.selections.members(both.id).persons == {ann.id}
    assert again.persons.add("Bob", company_id=acme.id).id == ann.id + 1
    assert again.companies.add("Bolt").id == acme.id + 1
    assert again.selections.create_static("Next").id == both.id + 1


def test_find_and_count_take_a_whole_query(s: Setup) -> None:
    s.staff(8)
    ann = s.service.persons.add("Ann", owner_id=AssociateId(8))
    bob = s.service.persons.add("Bob", owner_id=ME)
    mine = condition("person.owner", "current_associate")
    query = Query(mine, order=(Order("person.first_name", descending=True),), page=Page(0, 5))
    assert [p.id for p in s.service.persons.find(query)] == [bob.id]  # the service's associate
    theirs = attrs.evolve(query, current_associate=AssociateId(8))
    assert [p.id for p in s.service.persons.find(theirs)] == [ann.id]
    everyone = Query(order=(Order("person.first_name", descending=True),))
    assert [p.id for p in s.service.persons.find(everyone)] == [bob.id, ann.id]
    later = Query(condition("person.registered", "before_today"), now=START + timedelta(days=2))
    assert s.service.persons.count(later) == 2
    assert s.service.persons.count(attrs.evolve(later, now=None)) == 0
    assert s.service.companies.count(Query()) == 0
    with pytest.raises(ValidationError):
        s.service.persons.find(query, page=Page(0, 1))


def test_parse_criteria_resolves_names_through_the_current_lists(s: Setup) -> None:
    service = s.service
    status = service.statuses.add("Nurturing")
    criteria = service.parse_criteria("person.lead_status in (Nurturing, open)")
    assert criteria == condition("person.lead_status", "in", status.id, 1)
    companies = service.parse_criteria(
        'company.category_group in ("Potential customer")', Entity.COMPANY
    )
    assert companies == condition(
        "company.category_group", "in", CategoryGroup.POTENTIAL_CUSTOMER, entity=Entity.COMPANY
    )


def test_persons_of_company_lists_only_that_company_and_refuses_unknown_ids(s: Setup) -> None:
    service = s.service
    acme, bolt = service.companies.add("Acme"), service.companies.add("Bolt")
    ann = service.persons.add("Ann", company_id=acme.id)
    service.persons.add("Bo", company_id=bolt.id)
    assert [p.id for p in service.persons.of_company(acme.id)] == [ann.id]
    with pytest.raises(NotFoundError):
        service.persons.of_company(CompanyId(999))


def test_acting_as_can_switch_the_reveal_policy_on_the_same_store(s: Setup) -> None:
    service = s.service
    lists = service.lists()
    lead, customer = (lists.categories.by_name(n).id for n in ("Lead", "Customer"))
    qualified = lists.statuses.by_key("qualified").id
    acme = service.companies.add("Acme", category_id=lead)
    ann = service.persons.add("Ann", company_id=acme.id)
    service.persons.set_lead_status(ann.id, qualified)
    service.companies.change_category(acme.id, customer)
    restoring = service.acting_as(None, policy=LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS))
    restoring.companies.change_category(acme.id, lead)
    assert service.persons.get(ann.id).lead_status_id == qualified
