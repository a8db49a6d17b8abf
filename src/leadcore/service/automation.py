"""Category automation (``service.automation``, R9): the rules' administration, the
sale commands that fire them, and the suggestions of rules that ask for confirmation.

The rules and decisions are in :mod:`leadcore.workflows.automation`. A lead
status set through ``service.persons.set_lead_status`` (or a bulk change) fires
the "lead status set to X" rules: those resources are given this one and call
``after_status_set`` and ``fire`` of this resource inside their own command.

>>> from leadcore import LeadService
>>> from leadcore.workflows import SaleStage, Trigger
>>> service = LeadService.in_memory()
>>> cats = service.lists().categories
>>> _ = service.automation.add_rule(Trigger.sale_sold(), cats.by_name("Customer").id)
>>> acme = service.companies.add("Acme", category_id=cats.by_name("Lead").id)
>>> service.automation.register_sale(acme.id, SaleStage.SOLD).decision.value
'applied'
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from leadcore import rules as engine
from leadcore.errors import NotFoundError, SuggestionOutdated
from leadcore.history import StatusSource
from leadcore.licence import Feature
from leadcore.lists import Lists
from leadcore.model import CategoryId, Company, CompanyId, Person
from leadcore.ports import UnitOfWork
from leadcore.service._context import NOT_GIVEN, NotGiven, Unchanged
from leadcore.service._core import Command
from leadcore.service._resource import Resource
from leadcore.workflows import stored
from leadcore.workflows.automation import (
    AutomationResult,
    AutomationRule,
    AutomationRules,
    Decision,
    SaleStage,
    Suggestion,
    Trigger,
    check_rule,
    decide,
)

__all__ = ["Automation"]


class Automation(Resource, namespace="automation"):
    """Category automation: rules on sale and lead-status triggers (R9)."""

    __slots__ = ()

    def rules(self) -> list[AutomationRule]:
        """The stored rules, in the order they were added.

        >>> from leadcore import LeadService
        >>> LeadService.in_memory().automation.rules()
        []
        """
        with self._context.uow() as uow:
            return list(stored.load_rules(uow.settings))

    def add_rule(
        self, trigger: Trigger, category_id: CategoryId, *, confirm: bool = False
    ) -> AutomationRule:
        """Add the rule of ``trigger``: move eligible companies to ``category_id``.

        Refused: a second rule for the same trigger
        (:class:`leadcore.errors.DuplicateRuleError`), a deleted or unknown
        category, a trigger status that does not exist or is deleted. Needs the
        category-automation feature.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> customer = service.lists().categories.by_name("Customer").id
        >>> service.automation.add_rule(Trigger.sale_sold(), customer).category_id == customer
        True
        """
        rule = AutomationRule(trigger, category_id, confirm)
        return self._edit_rules(lambda rules: rules.add(rule), rule)

    def change_rule(
        self,
        trigger: Trigger,
        *,
        category_id: CategoryId | Unchanged = NOT_GIVEN,
        confirm: bool | Unchanged = NOT_GIVEN,
    ) -> AutomationRule:
        """Change the target category or the confirmation mode of the rule of ``trigger``.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> customer = service.lists().categories.by_name("Customer").id
        >>> _ = service.automation.add_rule(Trigger.sale_sold(), customer)
        >>> service.automation.change_rule(Trigger.sale_sold(), confirm=True).confirm
        True
        """
        with self._context.uow() as uow:
            current = stored.load_rules(uow.settings).require(trigger)
        changed = AutomationRule(
            trigger,
            current.category_id if category_id is NOT_GIVEN else category_id,
            current.confirm if confirm is NOT_GIVEN else confirm,
        )
        return self._edit_rules(lambda rules: rules.replace(changed), changed)

    def delete_rule(self, trigger: Trigger) -> None:
        """Delete the rule of ``trigger`` (:class:`leadcore.errors.NotFoundError` if none).

        >>> from leadcore import LeadService
        >>> LeadService.in_memory().automation.delete_rule(Trigger.sale_lost())
        Traceback (most recent call last):
        ...
        leadcore.errors.NotFoundError: unknown automation rule trigger 'sale lost': ...
        """
        self._context.licence.require(Feature.CATEGORY_AUTOMATION, "deleting an automation rule")
        with self._context.command() as command:
            settings = command.uow.settings
            stored.save_rules(settings, stored.load_rules(settings).delete(trigger))

    def _edit_rules(
        self, edit: Callable[[AutomationRules], AutomationRules], rule: AutomationRule
    ) -> AutomationRule:
        context = self._context
        context.licence.require(Feature.CATEGORY_AUTOMATION, "administering automation rules")
        with context.command() as command:
            uow = command.uow
            lists = context.lists(uow)
            check_rule(rule, lists.categories, lists.statuses)
            rules: AutomationRules = edit(stored.load_rules(uow.settings))
            stored.save_rules(uow.settings, rules)
        return rule

    def register_sale(
        self,
        company_id: CompanyId,
        stage: SaleStage,
        *,
        category_id: CategoryId | Unchanged | None = NOT_GIVEN,
    ) -> AutomationResult:
        """Register a sale on a company as registered, sold or lost, and fire its rule.

        leadcore keeps no sales: the command exists to drive the automation.
        ``category_id``: a category the user picks in the same change; it is
        applied and wins over the rule. The result says what happened and why
        (moved, suggested, not eligible, ...).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> _ = service.automation.add_rule(Trigger.sale_sold(), cats.by_name("Customer").id)
        >>> acme = service.companies.add("Acme", category_id=cats.by_name("Lead").id)
        >>> service.automation.register_sale(acme.id, SaleStage.SOLD).decision.value
        'applied'
        >>> cats.get(service.companies.get(acme.id).category_id).name
        'Customer'
        >>> service.automation.register_sale(acme.id, SaleStage.LOST).why   # never downgraded
        'no rule for sale lost'
        """
        stage = SaleStage(stage)
        context = self._context
        with context.command() as command:
            uow = command.uow
            company = uow.companies.get(company_id)
            lists = context.lists(uow)
            picked = category_id is not NOT_GIVEN
            if not isinstance(category_id, NotGiven):
                outcome = engine.change_company_category(
                    company,
                    uow.persons.of_company(company_id),
                    lists,
                    category_id,
                    context.actor(),
                    policy=context.policy,
                )
                command.apply(outcome)
            current = command.companies.get(company_id, company)
            result = self.fire(command, stage.trigger, current, lists, user_picked=picked)
        return result

    def suggestions(self) -> list[Suggestion]:
        """The pending suggestions of confirmation-mode rules, oldest first.

        >>> from leadcore import LeadService
        >>> LeadService.in_memory().automation.suggestions()
        []
        """
        with self._context.uow() as uow:
            return stored.load_suggestions(uow.settings)

    def accept_suggestion(self, suggestion_id: int) -> Company:
        """Apply a pending suggestion: the company moves, with every cascade (R4, R5).

        Refused with :class:`leadcore.errors.SuggestionOutdated` (and the
        suggestion dropped) when the company was deleted, is no longer
        eligible or has moved since.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> cats = service.lists().categories
        >>> _ = service.automation.add_rule(Trigger.sale_sold(), cats.by_name("Customer").id,
        ...                                 confirm=True)
        >>> acme = service.companies.add("Acme", category_id=cats.by_name("Lead").id)
        >>> suggestion = service.automation.register_sale(acme.id, SaleStage.SOLD).suggestion
        >>> cats.get(service.automation.accept_suggestion(suggestion.id).category_id).name
        'Customer'
        """
        context = self._context
        context.licence.require(Feature.CATEGORY_AUTOMATION, "accepting an automation suggestion")
        with context.uow() as uow:
            suggestion = _pending(uow, suggestion_id)
        outdated: SuggestionOutdated | None = None
        company: Company | None = None
        with context.command() as command:
            uow = command.uow
            pending = stored.load_suggestions(uow.settings)
            stored.save_suggestions(uow.settings, [s for s in pending if s.id != suggestion_id])
            lists = context.lists(uow)
            try:
                company = uow.companies.get(suggestion.company_id)
            except NotFoundError:
                why = "the company was deleted since"
                outdated = SuggestionOutdated(suggestion_id, suggestion.company_id, why)
            if company is not None:
                check = decide(
                    AutomationRules((AutomationRule(suggestion.trigger, suggestion.to_category),)),
                    suggestion.trigger,
                    company,
                    lists.categories,
                )
                if company.category_id != suggestion.from_category:
                    outdated = SuggestionOutdated(
                        suggestion_id, company.id, "the company moved to another category since"
                    )
                elif check.decision is not Decision.APPLIED:
                    outdated = SuggestionOutdated(suggestion_id, company.id, check.why)
                else:
                    command.apply(self._move(uow, company, suggestion.to_category, lists))
        if outdated is not None:
            raise outdated
        assert company is not None
        return command.companies.get(company.id, company)

    def dismiss_suggestion(self, suggestion_id: int) -> None:
        """Drop a pending suggestion without applying it.

        >>> from leadcore import LeadService
        >>> LeadService.in_memory().automation.dismiss_suggestion(1)
        Traceback (most recent call last):
        ...
        leadcore.errors.NotFoundError: unknown automation suggestion id 1: ...
        """
        with self._context.command() as command:
            settings = command.uow.settings
            _pending(command.uow, suggestion_id)
            pending = stored.load_suggestions(settings)
            stored.save_suggestions(settings, [s for s in pending if s.id != suggestion_id])

    # --- inside another resource's command ------------------------------------------------

    def fire(
        self,
        command: Command,
        trigger: Trigger,
        company: Company | None,
        lists: Lists,
        *,
        user_picked: bool = False,
        rules: AutomationRules | None = None,
    ) -> AutomationResult:
        """Decide and carry out ``trigger`` on ``company`` inside the open ``command``.

        For the resources that fire triggers (bulk updates); applications call
        :meth:`register_sale` or set lead statuses. An applied rule moves the
        company with the history source ``automation``; a confirmation-mode rule
        stores a pending suggestion (one per company and target: a second
        trigger finds the first one). Without the category-automation feature
        nothing fires. ``rules``: already loaded ones.

        :meta private:
        """
        context = self._context
        if not context.licence.has(Feature.CATEGORY_AUTOMATION):
            return AutomationResult(
                trigger,
                Decision.NOT_LICENSED,
                "the licence lacks the category-automation feature",
                None if company is None else company.id,
            )
        uow = command.uow
        found = stored.load_rules(uow.settings) if rules is None else rules
        result = decide(found, trigger, company, lists.categories, user_picked=user_picked)
        if company is None or result.to_category is None:
            return result
        if result.decision is Decision.APPLIED:
            command.apply(self._move(uow, company, result.to_category, lists))
        elif result.decision is Decision.SUGGESTED:
            pending = stored.load_suggestions(uow.settings)
            for earlier in pending:
                if (earlier.company_id, earlier.to_category) == (company.id, result.to_category):
                    return attrs.evolve(result, suggestion=earlier)
            suggestion = Suggestion(
                stored.next_suggestion_id(uow.settings),
                company.id,
                company.category_id,
                result.to_category,
                trigger,
                context.clock.now(),
                result.why,
            )
            stored.save_suggestions(uow.settings, [*pending, suggestion])
            return attrs.evolve(result, suggestion=suggestion)
        return result

    def after_status_set(
        self,
        command: Command,
        person: Person,
        changed: bool,
        category_id: CategoryId | Unchanged | None,
        lists: Lists,
    ) -> AutomationResult | None:
        """What follows a lead status set on ``person`` inside the open ``command``: the
        category the user picked (applied; it wins over the rule), else the rule of
        "lead status set to X" when the status ``changed``.

        For ``service.persons.set_lead_status``, which calls it.

        :meta private:
        """
        context = self._context
        uow = command.uow
        company = None if person.company_id is None else uow.companies.get(person.company_id)
        if not isinstance(category_id, NotGiven):
            actor = context.actor()
            if company is None:
                outcome = engine.set_person_category(
                    person, lists, category_id, actor, policy=context.policy
                )
            else:
                outcome = engine.change_company_category(
                    company,
                    uow.persons.of_company(company.id),
                    lists,
                    category_id,
                    actor,
                    policy=context.policy,
                )
            command.apply(outcome)
        if not changed or person.lead_status_id is None:
            return None
        trigger = Trigger.lead_status_set(person.lead_status_id)
        return self.fire(command, trigger, company, lists, user_picked=category_id is not NOT_GIVEN)

    def _move(
        self, uow: UnitOfWork, company: Company, category_id: CategoryId, lists: Lists
    ) -> engine.Outcome:
        context = self._context
        return engine.change_company_category(
            company, uow.persons.of_company(company.id), lists, category_id,
            context.actor(StatusSource.AUTOMATION), policy=context.policy,
        )  # fmt: skip


def _pending(uow: UnitOfWork, suggestion_id: int) -> Suggestion:
    for suggestion in stored.load_suggestions(uow.settings):
        if suggestion.id == suggestion_id:
            return suggestion
    raise NotFoundError("automation suggestion", suggestion_id)
