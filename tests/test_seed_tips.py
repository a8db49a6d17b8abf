"""The seed page "Arbejd med leads i SuperOffice": its steps and every troubleshooting tip.

Each test quotes the Danish text it pins down (seed/000_5799dc6b352c1908.txt).
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from leadcore.criteria.fields import field
from leadcore.errors import InheritedCategoryError, LeadStatusNotEditable, NotFoundError
from leadcore.history import HistoryEntry, HistoryKind, replay
from leadcore.lists import Lists, existing_database, new_database, upgrade_categories
from leadcore.model import CategoryId, Company, CompanyId, LeadStatusId, Person, PersonId
from leadcore.policies import LeadPolicy, RevealPolicy
from leadcore.rules import (
    Actor,
    change_company_category,
    create_person,
    effective_category_id,
    lead_status_view,
    move_person,
    recheck_visibility,
    set_lead_status,
    set_person_category,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTOR = Actor(AT)
CATEGORIES, STATUSES = new_database()
LISTS = Lists(CATEGORIES, STATUSES)
LEAD = CATEGORIES.by_name("Lead").id
MQL = CATEGORIES.by_name("Marketing qualified lead").id
OPPORTUNITY = CATEGORIES.by_name("Opportunity").id
PROSPECT = CATEGORIES.by_name("Prospect").id
CUSTOMER = CATEGORIES.by_name("Customer").id
OPEN = STATUSES.by_key("open").id
QUALIFIED = STATUSES.by_key("qualified").id


def company(category: CategoryId | None, cid: int = 1) -> Company:
    return Company(CompanyId(cid), f"Firma {cid}", category, AT, AT)


def person(pid: int, employer: Company | None, own: CategoryId | None = None) -> Person:
    employer_id = None if employer is None else employer.id
    return Person(PersonId(pid), employer_id, "Person", str(pid), AT, AT, own_category_id=own)


def lead_person(pid: int, employer: Company, status: LeadStatusId) -> Person:
    created = create_person(person(pid, employer), employer, LISTS, ACTOR).persons[0]
    if status == created.lead_status_id:
        return created
    return set_lead_status(created, employer, LISTS, status, ACTOR).persons[0]


# --- "Se leadinformation på en person" -------------------------------------------------------


def test_field_shows_under_the_category_with_a_tooltip_in_danish() -> None:
    """Feltet Leadstatus vises ... Hold musen over statusværdien for at vise beskrivelsen."""
    acme = company(LEAD)
    ann = lead_person(1, acme, OPEN)
    assert CATEGORIES.get(effective_category_id(ann, acme) or CategoryId(0)).name == "Lead"
    view = lead_status_view(ann, acme, LISTS, "da")
    assert view.visible
    assert view.label == "Åben"
    assert view.tooltip == "Der er endnu ikke taget kontakt (standard for alle nye leads)"
    english = lead_status_view(ann, acme, LISTS, "en")
    assert (english.label, english.tooltip) == (
        "Open",
        "No outreach has been made yet (the default for every new lead)",
    )


# --- "Opdatér leadstatus" --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "danish"),
    [
        ("contacting", "Kontakter"),
        ("qualified", "Kvalificeret"),
        ("disqualified", "Diskvalificeret"),
        ("renurture", "Genoptag kontakt"),
    ],
)
def test_update_the_status_from_the_dropdown(key: str, danish: str) -> None:
    """Vælg den status, som bedst afspejler leadets nuværende trin ... Klik Gem."""
    acme = company(LEAD)
    ann = lead_person(1, acme, OPEN)
    out = set_lead_status(ann, acme, LISTS, STATUSES.by_key(key).id, ACTOR)
    assert lead_status_view(out.persons[0], acme, LISTS, "da").label == danish
    assert [(e.kind, e.from_status) for e in out.history] == [(HistoryKind.CHANGE, OPEN)]


# --- Tip 1: "Jeg kan ikke se feltet Leadstatus." ---------------------------------------------


@pytest.mark.parametrize(
    "category_name",
    ["Customer", "Opportunity", "Prospect", "Partner", "Lost opportunity", "Other"],
)
def test_tip_field_not_visible_outside_lead_enabled_potential_customer(
    category_name: str,
) -> None:
    """Leadstatus vises kun ... når firmaet tilhører gruppen Potentiel kunde med Aktivér
    leadstatus valgt."""
    acme = company(CATEGORIES.by_name(category_name).id)
    ann = create_person(person(1, acme), acme, LISTS, ACTOR).persons[0]
    view = lead_status_view(ann, acme, LISTS)
    assert not view.visible
    assert not view.editable
    assert view.status_id is None


def test_tip_field_visible_once_the_admin_enables_lead_status() -> None:
    """... med Aktivér leadstatus valgt: switching the flag on shows the field."""
    acme = company(PROSPECT)
    ann = create_person(person(1, acme), acme, LISTS, ACTOR).persons[0]
    assert not lead_status_view(ann, acme, LISTS).visible
    enabled = CATEGORIES.set_lead_status_enabled(PROSPECT, True)
    out = recheck_visibility([(ann, acme)], CATEGORIES, enabled, STATUSES, ACTOR)
    shown = lead_status_view(out.persons[0], acme, Lists(enabled, STATUSES))
    assert (shown.visible, shown.label) == (True, "Open")


# --- Tip 2: "Jeg kan ikke vælge Lead eller Marketingkvalificeret lead som kategori." ---------


def test_tip_lead_categories_missing_in_an_existing_database() -> None:
    """Disse kategorier findes kun i nye databaser. Bed administrator om at tilføje eller
    opdatere kategorierne."""
    old, statuses = existing_database()
    for name in ("Lead", "Marketing qualified lead"):
        with pytest.raises(NotFoundError, match="unknown category name"):
            old.by_name(name)
    upgraded, report = upgrade_categories(old)
    assert [c.name for c in report.added] == [
        "Lead",
        "Marketing qualified lead",
        "Opportunity",
        "Lost opportunity",
    ]
    again, second = upgrade_categories(upgraded)
    assert again == upgraded
    assert (second.changed, second.added) == (False, ())
    lists = Lists(upgraded, statuses)
    acme = company(old.by_name("Customer").id)
    out = change_company_category(acme, [], lists, upgraded.by_name("Lead").id, ACTOR)
    acme = out.companies[0]
    ann = create_person(person(1, acme), acme, lists, ACTOR).persons[0]
    assert lead_status_view(ann, acme, lists, "da").label == "Åben"


# --- Tip 3: "Feltet Leadstatus forsvandt efter jeg ændrede firmakategori." --------------------


def test_tip_status_hidden_after_company_category_change() -> None:
    """Leadstatus skjules, når firmaet flyttes ud af gruppen Potentiel kunde. Værdien bevares
    og kan findes via søgning, men kan ikke redigeres."""
    acme = company(LEAD)
    ann = lead_person(1, acme, QUALIFIED)
    out = change_company_category(acme, [ann], LISTS, CUSTOMER, ACTOR)
    acme = out.companies[0]
    # the value is kept: only the time of the person's latest history entry moves
    assert out.persons == (attrs.evolve(ann, status_changed=AT),)
    assert out.history == (HistoryEntry(ann.id, HistoryKind.HIDE, QUALIFIED, QUALIFIED, AT),)
    view = lead_status_view(ann, acme, LISTS)
    assert (view.visible, view.editable, view.status_id) == (False, False, QUALIFIED)
    search = field("person.lead_status")
    assert search.attr == "lead_status_id"
    found = [p for p in (ann,) if getattr(p, search.attr) in {QUALIFIED}]
    assert found == [ann]
    with pytest.raises(LeadStatusNotEditable, match="hidden and read-only"):
        set_lead_status(ann, acme, LISTS, OPEN, ACTOR)


# --- Tip 4: "Forskellige personer i samme firma viser forskellige leadstatusser." -------------


def test_tip_persons_in_one_company_differ() -> None:
    """Leadstatus gemmes på personniveau."""
    acme = company(MQL)
    statuses = ["open", "contacting", "qualified", "disqualified", "renurture"]
    people = [lead_person(n, acme, STATUSES.by_key(k).id) for n, k in enumerate(statuses, 1)]
    labels = [lead_status_view(p, acme, LISTS, "da").label for p in people]
    assert labels == ["Åben", "Kontakter", "Kvalificeret", "Diskvalificeret", "Genoptag kontakt"]


# --- Tip 5: "En person får altid Leadstatus = Åben, når de flyttes til en potentiel
#     kunde-kategori." ("Dette er forventet. Nye leads starter altid med Åben.") -------------


def _hidden_qualified() -> tuple[Company, Person]:
    acme = company(LEAD)
    ann = lead_person(1, acme, QUALIFIED)
    return change_company_category(acme, [ann], LISTS, CUSTOMER, ACTOR).companies[0], ann


def test_tip_open_for_a_new_person() -> None:
    acme = company(LEAD)
    out = create_person(person(1, acme), acme, LISTS, ACTOR)
    assert out.persons[0].lead_status_id == OPEN


def test_tip_open_when_the_company_is_moved_in() -> None:
    acme, ann = _hidden_qualified()
    out = change_company_category(acme, [ann], LISTS, MQL, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.history == (HistoryEntry(ann.id, HistoryKind.REVEAL, QUALIFIED, OPEN, AT),)


def test_tip_open_when_the_flag_is_switched_on() -> None:
    acme, ann = _hidden_qualified()
    acme = change_company_category(acme, [ann], LISTS, PROSPECT, ACTOR).companies[0]
    enabled = CATEGORIES.set_lead_status_enabled(PROSPECT, True)
    out = recheck_visibility([(ann, acme)], CATEGORIES, enabled, STATUSES, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.history[0].from_status == QUALIFIED


def test_tip_open_when_moved_to_another_company() -> None:
    acme, ann = _hidden_qualified()
    other = company(LEAD, 2)
    out = move_person(ann, acme, other, LISTS, ACTOR)
    assert out.persons[0].lead_status_id == OPEN
    assert out.history[0].from_status == QUALIFIED


def test_tip_open_when_a_person_without_company_gets_a_lead_category() -> None:
    solo = create_person(person(1, None, CUSTOMER), None, LISTS, ACTOR).persons[0]
    out = set_person_category(solo, LISTS, LEAD, ACTOR)
    assert out.persons[0].lead_status_id == OPEN


def test_tip_the_earlier_value_stays_in_history() -> None:
    acme = company(LEAD)
    log: list[HistoryEntry] = []
    ann = create_person(person(1, acme), acme, LISTS, ACTOR)
    log += ann.history
    step = set_lead_status(ann.persons[0], acme, LISTS, QUALIFIED, ACTOR)
    log += step.history
    hidden = change_company_category(acme, step.persons, LISTS, CUSTOMER, ACTOR)
    log += hidden.history
    shown = change_company_category(hidden.companies[0], step.persons, LISTS, LEAD, ACTOR)
    log += shown.history
    assert QUALIFIED in [e.to_status for e in log]
    assert [(e.kind, e.from_status, e.to_status) for e in log[-2:]] == [
        (HistoryKind.HIDE, QUALIFIED, QUALIFIED),
        (HistoryKind.REVEAL, QUALIFIED, OPEN),
    ]
    assert replay(log) == {PersonId(1): OPEN}


def test_tip_restore_previous_policy_brings_the_earlier_value_back() -> None:
    acme, ann = _hidden_qualified()
    restore = LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS)
    out = change_company_category(acme, [ann], LISTS, LEAD, ACTOR, policy=restore)
    assert out.persons == (attrs.evolve(ann, status_changed=AT),)  # the kept value, unchanged
    assert ann.lead_status_id == QUALIFIED
    assert out.history[0].kind is HistoryKind.REVEAL
    assert out.history[0].to_status == QUALIFIED


def test_tip_a_move_between_lead_categories_keeps_the_status() -> None:
    acme = company(LEAD)
    ann = lead_person(1, acme, QUALIFIED)
    out = change_company_category(acme, [ann], LISTS, MQL, ACTOR)
    assert out.persons == ()
    assert lead_status_view(ann, out.companies[0], LISTS).label == "Qualified"


# --- Tip 6: "Jeg kan ikke ændre kategorien på en person." -------------------------------------


def test_tip_a_persons_category_cannot_be_changed() -> None:
    """Personer arver kategorien fra deres firma. For at ændre den skal du opdatere
    kategorien på firmakortet."""
    acme = company(LEAD)
    ann = lead_person(1, acme, QUALIFIED)
    with pytest.raises(InheritedCategoryError, match="Change the category on the company"):
        set_person_category(ann, LISTS, CUSTOMER, ACTOR)
    out = change_company_category(acme, [ann], LISTS, OPPORTUNITY, ACTOR)
    assert effective_category_id(ann, out.companies[0]) == OPPORTUNITY


def test_tip_a_person_without_company_can_change_its_category() -> None:
    solo = create_person(person(1, None, CUSTOMER), None, LISTS, ACTOR).persons[0]
    out = set_person_category(solo, LISTS, OPPORTUNITY, ACTOR)
    assert effective_category_id(out.persons[0], None) == OPPORTUNITY
