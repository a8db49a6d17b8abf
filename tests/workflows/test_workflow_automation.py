"""Category automation (R9): each trigger, each eligibility case, the user's category
winning, confirmation mode, and the rules' administration with its refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadcore import FeatureNotLicensed, LeadService, NotFoundError, ValidationError
from leadcore.clock import FixedClock
from leadcore.errors import DeletedItemError, DuplicateRuleError, SuggestionOutdated
from leadcore.history import StatusSource
from leadcore.licence import Feature, Licence
from leadcore.lists import new_database
from leadcore.model import CategoryGroup, CompanyId, LeadStatusId
from leadcore.workflows import Decision, SaleStage, Trigger
from leadcore.workflows.automation import AutomationRule, AutomationRules, decide

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CATS, STATUSES = new_database()
LEAD = CATS.by_name("Lead").id
MQL = CATS.by_name("Marketing qualified lead").id
OPPORTUNITY = CATS.by_name("Opportunity").id
CUSTOMER = CATS.by_name("Customer").id
LOST = CATS.by_name("Lost opportunity").id
PARTNER = CATS.by_name("Partner").id
OPEN, QUALIFIED = STATUSES.by_key("open").id, STATUSES.by_key("qualified").id
DISQUALIFIED = STATUSES.by_key("disqualified").id


@pytest.fixture
def s() -> LeadService:
    return LeadService.in_memory(clock=FixedClock(AT))


SALE_CASES = [
    (SaleStage.REGISTERED, Trigger.sale_registered(), MQL),
    (SaleStage.SOLD, Trigger.sale_sold(), CUSTOMER),
    (SaleStage.LOST, Trigger.sale_lost(), LOST),
]


@pytest.mark.parametrize(("stage", "trigger", "target"), SALE_CASES)
def test_each_sale_trigger_moves_an_eligible_company(
    s: LeadService, stage: SaleStage, trigger: Trigger, target: int
) -> None:
    s.automation.add_rule(trigger, target)  # type: ignore[arg-type]
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    result = s.automation.register_sale(acme.id, stage)
    assert result.decision is Decision.APPLIED
    assert (result.from_category, result.to_category) == (LEAD, target)
    assert s.companies.get(acme.id).category_id == target
    other = {t for _, t, _ in SALE_CASES} - {trigger}
    for untouched in other:  # the other triggers have no rule
        assert s.automation.register_sale(acme.id, _stage(untouched)).decision is Decision.NO_RULE
    if not CATS.get(target).lead_enabled:  # the cascade is recorded as automation
        hidden = s.persons.history(ann.id)[-1]
        assert (hidden.kind.value, hidden.source) == ("hide", StatusSource.AUTOMATION)


def _stage(trigger: Trigger) -> SaleStage:
    return next(stage for stage, t, _ in SALE_CASES if t == trigger)


def test_the_lead_status_trigger_moves_the_company_when_the_status_is_set(s: LeadService) -> None:
    s.automation.add_rule(Trigger.lead_status_set(QUALIFIED), OPPORTUNITY)
    acme = s.companies.add("Acme", category_id=MQL)
    ann = s.persons.add("Ann", company_id=acme.id)
    bo = s.persons.add("Bo", company_id=acme.id)
    s.persons.set_lead_status(ann.id, DISQUALIFIED, reason="no")  # another status: nothing fires
    assert s.companies.get(acme.id).category_id == MQL
    after = s.persons.set_lead_status(bo.id, QUALIFIED)
    assert s.companies.get(acme.id).category_id == OPPORTUNITY
    assert not s.persons.lead_status_view(after.id).visible  # Opportunity has no lead status
    assert after.lead_status_id == QUALIFIED  # hidden, kept (R4)
    assert [e.source for e in s.persons.history(bo.id)][-2:] == [
        StatusSource.USER,
        StatusSource.AUTOMATION,
    ]


def test_setting_the_status_a_person_has_fires_nothing(s: LeadService) -> None:
    s.automation.add_rule(Trigger.lead_status_set(OPEN), OPPORTUNITY)
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    s.persons.set_lead_status(ann.id, OPEN)
    assert s.companies.get(acme.id).category_id == LEAD


@pytest.mark.parametrize("current", [CUSTOMER, PARTNER, LOST, None])
def test_companies_outside_potential_customer_are_never_moved(
    s: LeadService, current: int | None
) -> None:
    s.automation.add_rule(Trigger.sale_lost(), LOST if current != LOST else OPPORTUNITY)
    acme = s.companies.add("Acme", category_id=current)  # type: ignore[arg-type]
    result = s.automation.register_sale(acme.id, SaleStage.LOST)
    assert result.decision is Decision.NOT_ELIGIBLE
    assert s.companies.get(acme.id).category_id == current
    if current == CUSTOMER:
        assert "never downgraded" in result.why


def test_the_lead_status_trigger_needs_lead_status_enabled_on_the_current_category() -> None:
    """Through the service a status is only set where it is visible (lead-enabled), so the
    case is decided by the rules alone: a Potential customer category without lead status."""
    rules = AutomationRules((AutomationRule(Trigger.lead_status_set(QUALIFIED), CUSTOMER),))
    at = AT
    from leadcore.model import Company

    opportunity = Company(CompanyId(1), "Acme", OPPORTUNITY, registered=at, updated=at)
    assert CATS.get(OPPORTUNITY).group is CategoryGroup.POTENTIAL_CUSTOMER
    out = decide(rules, Trigger.lead_status_set(QUALIFIED), opportunity, CATS)
    assert out.decision is Decision.NOT_ELIGIBLE
    sale_rules = AutomationRules((AutomationRule(Trigger.sale_sold(), CUSTOMER),))
    assert decide(sale_rules, Trigger.sale_sold(), opportunity, CATS).decision is Decision.APPLIED


def test_a_person_without_company_is_not_moved_by_the_lead_status_trigger(s: LeadService) -> None:
    s.automation.add_rule(Trigger.lead_status_set(QUALIFIED), OPPORTUNITY)
    solo = s.persons.add("Solo", category_id=LEAD)
    s.persons.set_lead_status(solo.id, QUALIFIED)
    assert s.persons.get(solo.id).own_category_id == LEAD


def test_the_category_the_user_picks_in_the_same_change_wins(s: LeadService) -> None:
    s.automation.add_rule(Trigger.lead_status_set(QUALIFIED), OPPORTUNITY)
    s.automation.add_rule(Trigger.sale_sold(), CUSTOMER)
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    s.persons.set_lead_status(ann.id, QUALIFIED, category_id=MQL)
    assert s.companies.get(acme.id).category_id == MQL
    assert s.persons.get(ann.id).lead_status_id == QUALIFIED
    result = s.automation.register_sale(acme.id, SaleStage.SOLD, category_id=PARTNER)
    assert result.decision is Decision.USER_CATEGORY
    assert s.companies.get(acme.id).category_id == PARTNER
    assert s.automation.suggestions() == []


def test_the_user_category_is_applied_without_any_rule(s: LeadService) -> None:
    acme = s.companies.add("Acme", category_id=LEAD)
    solo = s.persons.add("Solo", category_id=LEAD)
    assert s.automation.register_sale(acme.id, SaleStage.SOLD, category_id=CUSTOMER).decision is (
        Decision.NO_RULE
    )
    assert s.companies.get(acme.id).category_id == CUSTOMER
    s.persons.set_lead_status(solo.id, QUALIFIED, category_id=MQL)  # a person without company
    assert s.persons.get(solo.id).own_category_id == MQL


def test_confirmation_mode_suggests_and_accepting_applies(s: LeadService) -> None:
    s.automation.add_rule(Trigger.sale_sold(), CUSTOMER, confirm=True)
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    result = s.automation.register_sale(acme.id, SaleStage.SOLD)
    assert result.decision is Decision.SUGGESTED
    assert result.suggestion is not None
    assert s.companies.get(acme.id).category_id == LEAD  # nothing moved yet
    again = s.automation.register_sale(acme.id, SaleStage.SOLD)  # a second trigger finds the first
    assert again.suggestion == result.suggestion
    assert s.automation.suggestions() == [result.suggestion]
    assert "'Lead' to 'Customer'" in result.suggestion.why
    moved = s.automation.accept_suggestion(result.suggestion.id)
    assert moved.category_id == CUSTOMER
    assert s.automation.suggestions() == []
    assert s.persons.history(ann.id)[-1].source is StatusSource.AUTOMATION
    with pytest.raises(NotFoundError):
        s.automation.accept_suggestion(result.suggestion.id)


def test_a_suggestion_for_a_company_that_moved_since_is_refused_and_dropped(
    s: LeadService,
) -> None:
    s.automation.add_rule(Trigger.lead_status_set(QUALIFIED), OPPORTUNITY, confirm=True)
    acme = s.companies.add("Acme", category_id=LEAD)
    ann = s.persons.add("Ann", company_id=acme.id)
    s.persons.set_lead_status(ann.id, QUALIFIED)
    [suggestion] = s.automation.suggestions()
    s.companies.change_category(acme.id, MQL)
    with pytest.raises(SuggestionOutdated) as caught:
        s.automation.accept_suggestion(suggestion.id)
    assert caught.value.context["company_id"] == acme.id
    assert s.companies.get(acme.id).category_id == MQL
    assert s.automation.suggestions() == []


def test_dismissing_a_suggestion_moves_nothing(s: LeadService) -> None:
    s.automation.add_rule(Trigger.sale_registered(), MQL, confirm=True)
    acme = s.companies.add("Acme", category_id=LEAD)
    suggestion = s.automation.register_sale(acme.id, SaleStage.REGISTERED).suggestion
    assert suggestion is not None
    s.automation.dismiss_suggestion(suggestion.id)
    assert s.automation.suggestions() == []
    assert s.companies.get(acme.id).category_id == LEAD
    later = s.automation.register_sale(acme.id, SaleStage.REGISTERED).suggestion
    assert later is not None
    assert later.id != suggestion.id  # ids are never handed out twice


def test_rules_are_administered_like_the_lists(s: LeadService) -> None:
    sold = Trigger.sale_sold()
    s.automation.add_rule(sold, CUSTOMER)
    with pytest.raises(DuplicateRuleError):
        s.automation.add_rule(sold, PARTNER)
    assert s.automation.change_rule(sold, category_id=PARTNER).category_id == PARTNER
    assert s.automation.change_rule(sold, confirm=True).confirm
    assert s.automation.rules() == [AutomationRule(sold, PARTNER, confirm=True)]
    s.automation.delete_rule(sold)
    assert s.automation.rules() == []
    with pytest.raises(NotFoundError):
        s.automation.change_rule(sold, confirm=False)
    with pytest.raises(NotFoundError):
        s.automation.delete_rule(sold)


def test_refusals_for_a_deleted_target_and_a_trigger_status_that_does_not_exist(
    s: LeadService,
) -> None:
    s.categories.delete(PARTNER)
    with pytest.raises(DeletedItemError):
        s.automation.add_rule(Trigger.sale_sold(), PARTNER)
    with pytest.raises(NotFoundError):
        s.automation.add_rule(Trigger.lead_status_set(LeadStatusId(42)), CUSTOMER)
    s.statuses.delete(DISQUALIFIED)
    with pytest.raises(DeletedItemError):
        s.automation.add_rule(Trigger.lead_status_set(DISQUALIFIED), CUSTOMER)
    s.automation.add_rule(Trigger.sale_lost(), LOST)
    with pytest.raises(DeletedItemError):
        s.automation.change_rule(Trigger.sale_lost(), category_id=PARTNER)
    assert s.automation.rules() == [AutomationRule(Trigger.sale_lost(), LOST)]
    with pytest.raises(ValidationError):
        Trigger.lead_status_set(None)  # type: ignore[arg-type]


def test_a_target_deleted_after_the_rule_was_made_moves_nothing(s: LeadService) -> None:
    s.automation.add_rule(Trigger.sale_lost(), LOST)
    s.categories.delete(LOST)
    acme = s.companies.add("Acme", category_id=LEAD)
    assert s.automation.register_sale(acme.id, SaleStage.LOST).decision is Decision.TARGET_DELETED
    assert s.companies.get(acme.id).category_id == LEAD


def test_a_company_in_the_target_already_is_left_alone(s: LeadService) -> None:
    s.automation.add_rule(Trigger.sale_registered(), LEAD)
    acme = s.companies.add("Acme", category_id=LEAD)
    assert (
        s.automation.register_sale(acme.id, SaleStage.REGISTERED).decision is Decision.ALREADY_THERE
    )
    assert s.companies.get(acme.id).version == 1


def test_without_the_feature_rules_neither_fire_nor_can_be_administered() -> None:
    s = LeadService.in_memory(clock=FixedClock(AT))
    s.automation.add_rule(Trigger.sale_sold(), CUSTOMER)
    acme = s.companies.add("Acme", category_id=LEAD)
    unlicensed = s.acting_as(None, licence=Licence.of(Feature.LEAD_STATUS))
    assert (
        unlicensed.automation.register_sale(acme.id, SaleStage.SOLD).decision
        is Decision.NOT_LICENSED
    )
    assert s.companies.get(acme.id).category_id == LEAD
    with pytest.raises(FeatureNotLicensed):
        unlicensed.automation.add_rule(Trigger.sale_lost(), LOST)
    with pytest.raises(FeatureNotLicensed):
        unlicensed.automation.delete_rule(Trigger.sale_sold())


def test_unknown_company_is_refused(s: LeadService) -> None:
    with pytest.raises(NotFoundError):
        s.automation.register_sale(CompanyId(9), SaleStage.SOLD)


def test_rules_and_suggestions_survive_a_reopen_of_the_file_store(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with LeadService.in_memory(path=path, clock=FixedClock(AT)) as s:
        s.automation.add_rule(Trigger.sale_sold(), CUSTOMER, confirm=True)
        acme = s.companies.add("Acme", category_id=LEAD)
        suggestion = s.automation.register_sale(acme.id, SaleStage.SOLD).suggestion
    with LeadService.in_memory(path=path, clock=FixedClock(AT)) as s:
        assert s.automation.rules() == [AutomationRule(Trigger.sale_sold(), CUSTOMER, True)]
        assert s.automation.suggestions() == [suggestion]
        assert s.automation.accept_suggestion(suggestion.id).category_id == CUSTOMER  # type: ignore[union-attr]


def test_a_stored_rule_value_that_does_not_fit_is_a_typed_error(s: LeadService) -> None:
    with s.context.uow() as uow:
        uow.settings.set("workflows.automation.rules", {"rules": [{"trigger": "nope"}]})
        uow.commit()
    with pytest.raises(ValidationError) as caught:
        s.automation.rules()
    assert caught.value.context["key"] == "workflows.automation.rules"


@pytest.mark.parametrize(
    ("field", "value"),
    [("category_id", "5"), ("confirm", 1)],
    ids=["an id as text", "a yes/no as a number"],
)
def test_a_stored_rule_of_the_wrong_types_is_refused_not_converted(
    s: LeadService, field: str, value: object
) -> None:
    rule = {"trigger": {"kind": "sale-sold", "status_id": None}, "category_id": 5, "confirm": False}
    with s.context.uow() as uow:
        uow.settings.set("workflows.automation.rules", {"rules": [{**rule, field: value}]})
        uow.commit()
    with pytest.raises(ValidationError) as caught:
        s.automation.rules()
    assert caught.value.context["key"] == "workflows.automation.rules"
