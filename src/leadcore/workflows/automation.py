"""Category automation (R9): rules on four triggers, eligibility, suggestions.

A rule names a trigger (a sale registered, sold or lost on a company, or a
person's lead status set to one status) and the category an eligible company
moves to. Eligible are only companies whose current category is in the group
Potential customer (customers are never downgraded); the lead-status trigger
also needs lead status enabled on the current category. A category the user
picks in the same change wins over the rule. A rule with ``confirm`` yields a
:class:`Suggestion` instead of moving the company.

Everything here is pure: :func:`decide` says what a trigger does to a company,
the service applies it.

>>> from datetime import datetime, timezone
>>> from leadcore.lists import new_database
>>> from leadcore.model import Company, CompanyId
>>> categories, statuses = new_database()
>>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> lead, customer = categories.by_name("Lead").id, categories.by_name("Customer").id
>>> rules = AutomationRules().add(AutomationRule(Trigger.sale_sold(), customer))
>>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
>>> decide(rules, Trigger.sale_sold(), acme, categories).decision.value
'applied'
>>> bolt = Company(CompanyId(2), "Bolt", customer, registered=at, updated=at)
>>> decide(rules, Trigger.sale_lost(), bolt, categories).decision.value
'no-rule'
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime

import attrs

from leadcore._checks import FLAG, ID, MOMENT, OPTIONAL_ID, TEXT, fields, member
from leadcore.errors import DuplicateRuleError, NotFoundError, ValidationError
from leadcore.lists import CategoryList, LeadStatusList
from leadcore.model import CategoryGroup, CategoryId, Company, CompanyId, LeadStatusId

__all__ = [
    "AutomationResult",
    "AutomationRule",
    "AutomationRules",
    "Decision",
    "SaleStage",
    "Suggestion",
    "Trigger",
    "TriggerKind",
    "check_rule",
    "decide",
]


class TriggerKind(enum.Enum):
    """What fires a rule; the values are stable codes."""

    SALE_REGISTERED = "sale-registered"
    SALE_SOLD = "sale-sold"
    SALE_LOST = "sale-lost"
    LEAD_STATUS_SET = "lead-status-set"


class SaleStage(enum.Enum):
    """The stage a sale on a company is registered at (what drives the sale triggers).

    >>> SaleStage.SOLD.trigger
    Trigger(kind=<TriggerKind.SALE_SOLD: 'sale-sold'>, status_id=None)
    """

    REGISTERED = "registered"
    SOLD = "sold"
    LOST = "lost"

    @property
    def trigger(self) -> Trigger:
        """The trigger a sale at this stage fires."""
        return Trigger(_SALE_TRIGGERS[self])


_SALE_TRIGGERS = {
    SaleStage.REGISTERED: TriggerKind.SALE_REGISTERED,
    SaleStage.SOLD: TriggerKind.SALE_SOLD,
    SaleStage.LOST: TriggerKind.SALE_LOST,
}


@attrs.frozen
class Trigger:
    """A trigger: a kind, and for ``LEAD_STATUS_SET`` the status it waits for.

    At most one rule exists per trigger (so one per status for the lead-status kind).

    >>> Trigger.lead_status_set(LeadStatusId(3)).status_id
    3
    >>> Trigger(TriggerKind.SALE_SOLD, LeadStatusId(3))
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a sale-sold trigger cannot name a lead status: ...
    """

    kind: TriggerKind
    status_id: LeadStatusId | None = None

    def __attrs_post_init__(self) -> None:
        _check_trigger(self)
        needs = self.kind is TriggerKind.LEAD_STATUS_SET
        if needs and self.status_id is None:
            raise ValidationError(
                "a lead-status-set trigger needs the status it waits for",
                why="the rule fires when a person's lead status is set to that status",
                fix="Build it with Trigger.lead_status_set(status_id)",
            )
        if not needs and self.status_id is not None:
            raise ValidationError(
                f"a {self.kind.value} trigger cannot name a lead status",
                why="only the lead-status-set trigger waits for a status",
                fix="Leave status_id out, or use Trigger.lead_status_set(status_id)",
                status_id=self.status_id,
            )

    @classmethod
    def sale_registered(cls) -> Trigger:
        """A sale registered on the company."""
        return cls(TriggerKind.SALE_REGISTERED)

    @classmethod
    def sale_sold(cls) -> Trigger:
        """A sale on the company sold."""
        return cls(TriggerKind.SALE_SOLD)

    @classmethod
    def sale_lost(cls) -> Trigger:
        """A sale on the company lost."""
        return cls(TriggerKind.SALE_LOST)

    @classmethod
    def lead_status_set(cls, status_id: LeadStatusId) -> Trigger:
        """A person's lead status set to ``status_id``."""
        return cls(TriggerKind.LEAD_STATUS_SET, status_id)

    def describe(self) -> str:
        """The trigger in words, for messages and suggestions.

        >>> Trigger.sale_lost().describe()
        'sale lost'
        """
        if self.status_id is None:
            return self.kind.value.replace("-", " ")
        return f"lead status set to {self.status_id}"


_check_trigger = fields("automation trigger", kind=member(TriggerKind), status_id=OPTIONAL_ID)


@attrs.frozen
class AutomationRule:
    """On ``trigger``, move an eligible company to ``category_id`` (or, with ``confirm``,
    suggest it).

    >>> AutomationRule(Trigger.sale_sold(), CategoryId(5), confirm=True).confirm
    True
    """

    trigger: Trigger
    category_id: CategoryId
    confirm: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.trigger, Trigger):
            raise ValidationError(
                f"an automation rule's trigger must be a Trigger: got {self.trigger!r}",
                fix="Pass Trigger.sale_sold(), Trigger.lead_status_set(status_id), ...",
            )
        _check_rule_fields(self)


_check_rule_fields = fields("automation rule", category_id=ID, confirm=FLAG)


@attrs.frozen
class AutomationRules:
    """The installation's rules, at most one per trigger (immutable; edits return a new one).

    >>> rules = AutomationRules().add(AutomationRule(Trigger.sale_lost(), CategoryId(4)))
    >>> rules.get(Trigger.sale_lost()).category_id, rules.get(Trigger.sale_sold())
    (4, None)
    """

    rules: tuple[AutomationRule, ...] = ()

    def __iter__(self) -> Iterator[AutomationRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, trigger: Trigger) -> AutomationRule | None:
        """The rule of ``trigger``, or None."""
        for rule in self.rules:
            if rule.trigger == trigger:
                return rule
        return None

    def require(self, trigger: Trigger) -> AutomationRule:
        """The rule of ``trigger``; :class:`NotFoundError` when there is none."""
        found = self.get(trigger)
        if found is None:
            raise NotFoundError("automation rule", trigger.describe(), by="trigger")
        return found

    def add(self, rule: AutomationRule) -> AutomationRules:
        """A new rule; :class:`DuplicateRuleError` when its trigger has one already."""
        if self.get(rule.trigger) is not None:
            raise DuplicateRuleError(rule.trigger.describe())
        return AutomationRules((*self.rules, rule))

    def replace(self, rule: AutomationRule) -> AutomationRules:
        """The rule of the same trigger replaced by ``rule``; NotFoundError when none."""
        self.require(rule.trigger)
        return AutomationRules(tuple(rule if r.trigger == rule.trigger else r for r in self.rules))

    def delete(self, trigger: Trigger) -> AutomationRules:
        """Without the rule of ``trigger``; NotFoundError when none."""
        self.require(trigger)
        return AutomationRules(tuple(r for r in self.rules if r.trigger != trigger))


def check_rule(rule: AutomationRule, categories: CategoryList, statuses: LeadStatusList) -> None:
    """Refuse a rule whose target category is unknown or deleted, or whose trigger status
    does not exist or is deleted (typed errors from the lists).

    >>> from leadcore.lists import new_database
    >>> categories, statuses = new_database()
    >>> check_rule(AutomationRule(Trigger.lead_status_set(LeadStatusId(99)), CategoryId(1)),
    ...            categories, statuses)
    Traceback (most recent call last):
    ...
    leadcore.errors.NotFoundError: unknown lead status id 99: ...
    """
    categories.assignable(rule.category_id)
    if rule.trigger.status_id is not None:
        statuses.assignable(rule.trigger.status_id)


class Decision(enum.Enum):
    """What a trigger did to a company."""

    APPLIED = "applied"
    """The company moved to the rule's category."""
    SUGGESTED = "suggested"
    """The rule asks for confirmation: a suggestion was made instead."""
    NO_RULE = "no-rule"
    NOT_ELIGIBLE = "not-eligible"
    """The company's current category is not one the rules may move (see ``why``)."""
    USER_CATEGORY = "user-category"
    """The user picked a category in the same change; it wins over the rule."""
    ALREADY_THERE = "already-there"
    TARGET_DELETED = "target-deleted"
    """The rule's category was deleted after the rule was made: nothing moved."""
    NOT_LICENSED = "not-licensed"


@attrs.frozen
class Suggestion:
    """A move a confirmation-mode rule proposes; accept it through the service.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> s = Suggestion(1, CompanyId(2), CategoryId(1), CategoryId(5), Trigger.sale_sold(), at,
    ...                "sale sold: move from 'Lead' to 'Customer'")
    >>> s.to_category
    5
    """

    id: int
    company_id: CompanyId
    from_category: CategoryId | None
    to_category: CategoryId
    trigger: Trigger
    at: datetime
    why: str

    __attrs_post_init__ = fields(
        "suggestion",
        id=ID,
        company_id=ID,
        from_category=OPTIONAL_ID,
        to_category=ID,
        at=MOMENT,
        why=TEXT,
    )


@attrs.frozen
class AutomationResult:
    """What one trigger did: the decision, why, and the move or suggestion it made."""

    trigger: Trigger
    decision: Decision
    why: str
    company_id: CompanyId | None = None
    rule: AutomationRule | None = None
    from_category: CategoryId | None = None
    to_category: CategoryId | None = None
    suggestion: Suggestion | None = None

    @property
    def moved(self) -> bool:
        """True when the company was moved."""
        return self.decision is Decision.APPLIED


def decide(
    rules: AutomationRules,
    trigger: Trigger,
    company: Company | None,
    categories: CategoryList,
    *,
    user_picked: bool = False,
) -> AutomationResult:
    """What ``trigger`` does to ``company`` under ``rules`` (nothing is changed here).

    ``company`` None (a person without company) is not eligible: the rules move
    companies. ``user_picked``: the user chose a category in the same change.

    >>> from datetime import datetime, timezone
    >>> from leadcore.lists import new_database
    >>> categories, _ = new_database()
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> opportunity = categories.by_name("Opportunity").id
    >>> rule = AutomationRule(Trigger.lead_status_set(LeadStatusId(3)), opportunity)
    >>> acme = Company(CompanyId(1), "Acme", opportunity, registered=at, updated=at)
    >>> out = decide(AutomationRules((rule,)), rule.trigger, acme, categories)
    >>> out.decision.value, out.why
    ('not-eligible', "the category 'Opportunity' does not have lead status enabled")
    """
    rule = rules.get(trigger)
    company_id = None if company is None else company.id
    current = None if company is None else company.category_id

    def result(decision: Decision, why: str) -> AutomationResult:
        target = None if rule is None else rule.category_id
        return AutomationResult(trigger, decision, why, company_id, rule, current, target)

    if rule is None:
        return result(Decision.NO_RULE, f"no rule for {trigger.describe()}")
    if user_picked:
        return result(Decision.USER_CATEGORY, "the category picked in the same change wins")
    if company is None:
        return result(Decision.NOT_ELIGIBLE, "a person without company: the rules move companies")
    if current is None:
        return result(Decision.NOT_ELIGIBLE, "the company has no category")
    category = categories.get(current)
    if category.group is not CategoryGroup.POTENTIAL_CUSTOMER:
        return result(
            Decision.NOT_ELIGIBLE,
            f"the category {category.name!r} is not in Potential customer "
            "(customers are never downgraded)",
        )
    if trigger.kind is TriggerKind.LEAD_STATUS_SET and not category.lead_enabled:
        return result(
            Decision.NOT_ELIGIBLE,
            f"the category {category.name!r} does not have lead status enabled",
        )
    if rule.category_id not in categories or categories.get(rule.category_id).deleted:
        return result(Decision.TARGET_DELETED, "the rule's category is deleted")
    if rule.category_id == current:
        return result(Decision.ALREADY_THERE, "the company is in the rule's category already")
    target = categories.get(rule.category_id)
    move = f"{trigger.describe()}: move from {category.name!r} to {target.name!r}"
    if rule.confirm:
        return result(Decision.SUGGESTED, move)
    return result(Decision.APPLIED, move)
