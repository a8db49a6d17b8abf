"""The rules engine (R1-R8, R10): pure functions, state in, new state and events out.

Nothing here does I/O. Each operation takes the aggregates it touches and the
lists, and returns an :class:`Outcome` with the changed aggregates and the
events caused; the history entries among them are what the caller appends.

>>> from datetime import datetime, timezone
>>> from leadcore.lists import new_database
>>> from leadcore.model import CompanyId, PersonId
>>> categories, statuses = new_database()
>>> lists = Lists(categories, statuses)
>>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> lead = categories.by_name("Lead")
>>> acme = Company(CompanyId(1), "Acme", lead.id, registered=at, updated=at)
>>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
>>> out = create_person(ann, acme, lists, Actor(at))
>>> statuses.get(out.persons[0].lead_status_id).name     # new leads start Open (R5)
'Open'
>>> customer = categories.by_name("Customer")
>>> moved = change_company_category(acme, out.persons, lists, customer.id, Actor(at))
>>> [e.kind.value for e in moved.history]                # hidden, value kept (R4)
['hide']
>>> set_lead_status(out.persons[0], moved.companies[0], lists,
...                 statuses.by_key("qualified").id, Actor(at))
Traceback (most recent call last):
...
leadcore.errors.LeadStatusNotEditable: [R4] the lead status of person 1 is hidden and read-only: ...
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from leadcore._checks import OPTIONAL_TEXT, require
from leadcore.errors import (
    InheritedCategoryError,
    LastCategoryError,
    LeadStatusNotEditable,
    ValidationError,
)
from leadcore.history import (
    CompanyCategoryChanged,
    DomainEvent,
    HistoryEntry,
    HistoryKind,
    PersonCategoryChanged,
    PersonMoved,
    StatusSource,
)
from leadcore.lists import CategoryList, LeadStatusList, Lists
from leadcore.model import (
    AssociateId,
    Category,
    CategoryGroup,
    CategoryId,
    Company,
    Language,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.policies import LeadPolicy, RevealPolicy

__all__ = [
    "Actor",
    "LeadStatusView",
    "Outcome",
    "change_company_category",
    "copy_utm_to_company",
    "create_company",
    "create_person",
    "effective_category_id",
    "effective_group",
    "is_status_visible",
    "lead_status_view",
    "move_company_to_next_category",
    "move_person",
    "next_category",
    "recheck_visibility",
    "set_lead_status",
    "set_person_category",
]

DEFAULT_POLICY = LeadPolicy()


@attrs.frozen
class Actor:
    """Who does something, when, and through which route (recorded in history)."""

    at: datetime
    by: AssociateId | None = None
    source: StatusSource = StatusSource.USER


@attrs.frozen
class Outcome:
    """Changed aggregates and the events an operation caused, in order."""

    companies: tuple[Company, ...] = ()
    persons: tuple[Person, ...] = ()
    events: tuple[DomainEvent, ...] = ()

    @property
    def history(self) -> tuple[HistoryEntry, ...]:
        """The history entries among the events, to append to the status history."""
        return tuple(e for e in self.events if isinstance(e, HistoryEntry))


@attrs.frozen
class LeadStatusView:
    """What a person card shows for the lead-status field (R1, R4, R6)."""

    person_id: PersonId
    status_id: LeadStatusId | None
    label: str | None
    tooltip: str | None
    visible: bool
    editable: bool
    deleted: bool


# --- R1, R3: effective category and visibility --------------------------------------------


def effective_category_id(person: Person, company: Company | None) -> CategoryId | None:
    """The company's category, or the person's own when it has no company (R3).

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> effective_category_id(ann, acme) == lead
    True
    """
    _check_company(person, company)
    if company is None:
        return person.own_category_id
    return company.category_id


def effective_group(
    person: Person, company: Company | None, categories: CategoryList
) -> CategoryGroup | None:
    """The group of the person's effective category, ``None`` when it has none.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> effective_group(ann, acme, categories).label("da")
    'Potentiel kunde'
    """
    category_id = effective_category_id(person, company)
    return None if category_id is None else categories.get(category_id).group


def is_status_visible(person: Person, company: Company | None, categories: CategoryList) -> bool:
    """R1: visible only under a lead-enabled Potential customer category.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> is_status_visible(ann, acme, categories)
    True
    >>> is_status_visible(ann, acme, categories.set_lead_status_enabled(lead, False))
    False
    """
    return _category_lead_enabled(effective_category_id(person, company), categories)


def _category_lead_enabled(category_id: CategoryId | None, categories: CategoryList) -> bool:
    return category_id is not None and categories.get(category_id).lead_enabled


def lead_status_view(
    person: Person, company: Company | None, lists: Lists, language: Language = "en"
) -> LeadStatusView:
    """The lead-status field as a person card shows it, in ``language``.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> ann = create_person(ann, acme, lists, Actor(at)).persons[0]
    >>> view = lead_status_view(ann, acme, lists, "da")
    >>> view.label, view.editable, view.tooltip
    ('Åben', True, 'Der er endnu ikke taget kontakt (standard for alle nye leads)')
    """
    visible = is_status_visible(person, company, lists.categories)
    status = None if person.lead_status_id is None else lists.statuses.get(person.lead_status_id)
    return LeadStatusView(
        person_id=person.id,
        status_id=person.lead_status_id,
        label=None if status is None else status.label(language),
        tooltip=None if status is None else status.description(language),
        visible=visible,
        editable=visible,
        deleted=status is not None and status.deleted,
    )


def _check_company(person: Person, company: Company | None) -> None:
    if person.company_id is None:
        if company is not None:
            raise ValidationError(
                f"person {person.id} has no company but company {company.id} was given",
                fix="Pass company=None for a person without company",
            )
        return
    if company is None or company.id != person.company_id:
        got = None if company is None else company.id
        raise ValidationError(
            f"person {person.id} belongs to company {person.company_id}, not {got}",
            why="the rules need the person's own company to know its category",
            fix="Load and pass the person's company",
        )


# --- R5, R4: the single place where visibility changes are applied ---------------------------


def _apply_visibility(
    person: Person,
    was_visible: bool,
    now_visible: bool,
    statuses: LeadStatusList,
    actor: Actor,
    policy: LeadPolicy,
) -> tuple[Person, HistoryEntry | None]:
    """Hide (keep the value) or reveal (default status, or restore) a person's status."""
    if was_visible == now_visible:
        return person, None
    kept = person.lead_status_id
    if not now_visible:
        entry = HistoryEntry(
            person.id, HistoryKind.HIDE, kept, kept, actor.at, actor.by, actor.source
        )
        return attrs.evolve(person, status_changed=_latest(person, actor.at)), entry
    new = statuses.default.id
    if (
        policy.reveal is RevealPolicy.RESTORE_PREVIOUS
        and kept is not None
        and kept in statuses
        and not statuses.get(kept).deleted
    ):
        new = kept
    entry = HistoryEntry(person.id, HistoryKind.REVEAL, kept, new, actor.at, actor.by, actor.source)
    changed = _latest(person, actor.at)
    if new == kept:
        return attrs.evolve(person, status_changed=changed), entry
    return attrs.evolve(person, lead_status_id=new, updated=actor.at, status_changed=changed), entry


def _latest(person: Person, at: datetime) -> datetime:
    """``person.status_changed`` once an entry at ``at`` is appended to its history: the
    greatest time of its entries, so the field is the history's latest entry."""
    before = person.status_changed
    if before is None or at.tzinfo is None:  # a naive time is refused when the person is built
        return at
    return max(before, at)


def _assignable_category(categories: CategoryList, category_id: CategoryId | None) -> None:
    if category_id is not None:
        categories.assignable(category_id)


# --- creating records ------------------------------------------------------------------------


def create_company(company: Company, categories: CategoryList) -> Outcome:
    """Check a new company's category is assignable; nothing else changes.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> create_company(acme, categories).companies == (acme,)
    True
    >>> create_company(acme, categories.delete(lead))
    Traceback (most recent call last):
    ...
    leadcore.errors.DeletedItemError: the category 'Lead' (id 1) is deleted: ...
    """
    _assignable_category(categories, company.category_id)
    return Outcome(companies=(company,))


def create_person(
    person: Person,
    company: Company | None,
    lists: Lists,
    actor: Actor,
    *,
    status_id: LeadStatusId | None = None,
    reason: str | None = None,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """A new person: Open (or ``status_id``) when its status is visible, else none (R5).

    A person with a company may not carry a category of its own (R3); a status
    cannot be given to a person whose status is not visible (R4).

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> out = create_person(ann, acme, lists, Actor(at))
    >>> statuses.get(out.persons[0].lead_status_id).name, out.history[0].source.value
    ('Open', 'default')
    """
    if person.company_id is not None and person.own_category_id is not None:
        raise InheritedCategoryError(person.id, person.company_id)
    _assignable_category(lists.categories, person.own_category_id)
    if person.lead_status_id is not None:
        raise ValidationError(
            f"a new person {person.id} cannot carry lead_status_id",
            why="the rules decide the first status",
            fix="Pass the wanted status as status_id=",
        )
    visible = is_status_visible(person, company, lists.categories)
    if not visible:
        if status_id is not None:
            raise LeadStatusNotEditable(person.id, _category_name(person, company, lists))
        return Outcome(persons=(person,))
    if status_id is None:
        chosen = lists.statuses.default
        source = StatusSource.DEFAULT
    else:
        chosen = lists.statuses.assignable(status_id)
        _check_reason(reason, person)
        policy.transitions.check(None, chosen, reason)
        source = actor.source
    created = attrs.evolve(
        person, lead_status_id=chosen.id, status_changed=_latest(person, actor.at)
    )
    entry = HistoryEntry(
        person.id, HistoryKind.CHANGE, None, chosen.id, actor.at, actor.by, source, reason
    )
    return Outcome(persons=(created,), events=(entry,))


def _category_name(person: Person, company: Company | None, lists: Lists) -> str | None:
    category_id = effective_category_id(person, company)
    return None if category_id is None else lists.categories.get(category_id).name


def copy_utm_to_company(company: Company, person: Person, at: datetime) -> Company | None:
    """R12: the person's first-touch and lead-creation data points, each copied to the
    company when the company has none yet; ``None`` when nothing changes.

    The company's own source UTM is never filled from a person (SuperOffice 11.6
    keeps the three apart), and a data point the company holds is read-only.

    >>> from datetime import timezone
    >>> from leadcore.model import CompanyId, Utm
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> acme = Company(CompanyId(1), "Acme", None, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at,
    ...              first_touch_utm=Utm(source="google"), lead_creation_utm=Utm(source="form"))
    >>> copied = copy_utm_to_company(acme, ann, at)
    >>> copied.first_touch_utm.source, copied.lead_creation_utm.source, copied.source_utm
    ('google', 'form', None)
    >>> copy_utm_to_company(copied, ann, at) is None
    True
    """
    first_touch = company.first_touch_utm or person.first_touch_utm
    lead_creation = company.lead_creation_utm or person.lead_creation_utm
    if (first_touch, lead_creation) == (company.first_touch_utm, company.lead_creation_utm):
        return None
    return attrs.evolve(
        company, first_touch_utm=first_touch, lead_creation_utm=lead_creation, updated=at
    )


# --- R4, R8: setting a status ----------------------------------------------------------------


def set_lead_status(
    person: Person,
    company: Company | None,
    lists: Lists,
    status_id: LeadStatusId,
    actor: Actor,
    *,
    reason: str | None = None,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Set a visible status through the transition policy; hidden ones are read-only.

    Setting the status a person already has changes nothing and records nothing.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> ann = create_person(ann, acme, lists, Actor(at)).persons[0]
    >>> out = set_lead_status(ann, acme, lists, statuses.by_key("qualified").id, Actor(at))
    >>> statuses.get(out.persons[0].lead_status_id).label("da")
    'Kvalificeret'
    >>> set_lead_status(ann, acme, lists, ann.lead_status_id, Actor(at)).events
    ()
    """
    if not is_status_visible(person, company, lists.categories):
        raise LeadStatusNotEditable(person.id, _category_name(person, company, lists))
    new = lists.statuses.assignable(status_id)
    if new.id == person.lead_status_id:
        return Outcome()
    current = None if person.lead_status_id is None else lists.statuses.get(person.lead_status_id)
    _check_reason(reason, person)
    policy.transitions.check(current, new, reason)
    changed = attrs.evolve(
        person, lead_status_id=new.id, updated=actor.at, status_changed=_latest(person, actor.at)
    )
    entry = HistoryEntry(
        person.id,
        HistoryKind.CHANGE,
        person.lead_status_id,
        new.id,
        actor.at,
        actor.by,
        actor.source,
        reason,
    )
    return Outcome(persons=(changed,), events=(entry,))


def _check_reason(reason: str | None, person: Person) -> None:
    """The reason is text (or None) before a transition policy reads it."""
    require(reason, OPTIONAL_TEXT, entity="history entry", field="reason", person_id=person.id)


# --- R3, R4, R5: category changes and moves -----------------------------------------------------


def set_person_category(
    person: Person,
    lists: Lists,
    category_id: CategoryId | None,
    actor: Actor,
    *,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Set the own category of a person without company; refused otherwise (R3).

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> solo = Person(PersonId(2), None, "Sol", "Solo", registered=at, updated=at)
    >>> out = set_person_category(solo, lists, lead, Actor(at))
    >>> statuses.get(out.persons[0].lead_status_id).name
    'Open'
    >>> set_person_category(ann, lists, lead, Actor(at))
    Traceback (most recent call last):
    ...
    leadcore.errors.InheritedCategoryError: [R3] the category of person 1 cannot be ...
    """
    if person.company_id is not None:
        raise InheritedCategoryError(person.id, person.company_id)
    _assignable_category(lists.categories, category_id)
    if category_id == person.own_category_id:
        return Outcome()
    was = _category_lead_enabled(person.own_category_id, lists.categories)
    now = _category_lead_enabled(category_id, lists.categories)
    changed = attrs.evolve(person, own_category_id=category_id, updated=actor.at)
    changed, entry = _apply_visibility(changed, was, now, lists.statuses, actor, policy)
    event = PersonCategoryChanged(
        person.id, person.own_category_id, category_id, actor.at, actor.by
    )
    events: tuple[DomainEvent, ...] = (event,) if entry is None else (event, entry)
    return Outcome(persons=(changed,), events=events)


def change_company_category(
    company: Company,
    persons: Iterable[Person],
    lists: Lists,
    category_id: CategoryId | None,
    actor: Actor,
    *,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Move a company to a category; every person of it is hidden or revealed as needed.

    ``persons`` must be all persons of the company. A move between two
    lead-enabled categories keeps every status (R5).

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> ann = create_person(ann, acme, lists, Actor(at)).persons[0]
    >>> customer = categories.by_name("Customer").id
    >>> out = change_company_category(acme, [ann], lists, customer, Actor(at))
    >>> [(e.kind.value, e.to_status == ann.lead_status_id) for e in out.history]
    [('hide', True)]
    """
    _assignable_category(lists.categories, category_id)
    members = tuple(persons)
    for person in members:
        if person.company_id != company.id:
            raise ValidationError(
                f"person {person.id} is not in company {company.id}",
                why="only the company's own persons inherit its category",
                fix="Pass only the persons of the company being changed",
            )
    if category_id == company.category_id:
        return Outcome()
    was = _category_lead_enabled(company.category_id, lists.categories)
    now = _category_lead_enabled(category_id, lists.categories)
    moved = attrs.evolve(company, category_id=category_id, updated=actor.at)
    events: list[DomainEvent] = [
        CompanyCategoryChanged(company.id, company.category_id, category_id, actor.at, actor.by)
    ]
    changed: list[Person] = []
    if was != now:
        for person in members:
            new, entry = _apply_visibility(person, was, now, lists.statuses, actor, policy)
            if entry is not None:
                events.append(entry)
            if new is not person:
                changed.append(new)
    return Outcome(companies=(moved,), persons=tuple(changed), events=tuple(events))


def move_person(
    person: Person,
    from_company: Company | None,
    to_company: Company | None,
    lists: Lists,
    actor: Actor,
    *,
    own_category_id: CategoryId | None = None,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Move a person to another company, or out of any company.

    Leaving every company, the person keeps the category it had as its own
    unless ``own_category_id`` names another one. "Moving" a person without
    company to no company is :func:`set_person_category` when
    ``own_category_id`` is given, and a no-op otherwise.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> ann = create_person(ann, acme, lists, Actor(at)).persons[0]
    >>> solo = move_person(ann, acme, None, lists, Actor(at)).persons[0]
    >>> solo.company_id is None, solo.own_category_id == lead
    (True, True)
    """
    before = effective_category_id(person, from_company)
    if person.company_id is None and to_company is None:
        if own_category_id is None:
            return Outcome()
        return set_person_category(person, lists, own_category_id, actor, policy=policy)
    if to_company is None:
        category = before if own_category_id is None else own_category_id
        _assignable_category(lists.categories, own_category_id)
        moved = attrs.evolve(person, company_id=None, own_category_id=category, updated=actor.at)
    else:
        if own_category_id is not None:
            raise InheritedCategoryError(person.id, to_company.id)
        if to_company.id == person.company_id:
            return Outcome()
        moved = attrs.evolve(
            person, company_id=to_company.id, own_category_id=None, updated=actor.at
        )
    after = effective_category_id(moved, to_company)
    was = _category_lead_enabled(before, lists.categories)
    now = _category_lead_enabled(after, lists.categories)
    moved, entry = _apply_visibility(moved, was, now, lists.statuses, actor, policy)
    target = None if to_company is None else to_company.id
    event = PersonMoved(person.id, person.company_id, target, actor.at, actor.by)
    events: tuple[DomainEvent, ...] = (event,) if entry is None else (event, entry)
    return Outcome(persons=(moved,), events=events)


def recheck_visibility(
    persons: Iterable[tuple[Person, Company | None]],
    before: CategoryList,
    after: CategoryList,
    statuses: LeadStatusList,
    actor: Actor,
    *,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """Apply an admin change of the category list (flag switched, group changed).

    ``persons`` are the persons (with their companies) whose effective category
    the change may touch; each is hidden or revealed as the new list says.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> ann = create_person(ann, acme, lists, Actor(at)).persons[0]
    >>> after = categories.set_lead_status_enabled(lead, False)
    >>> out = recheck_visibility([(ann, acme)], categories, after, statuses, Actor(at))
    >>> [e.kind.value for e in out.history]
    ['hide']
    """
    changed: list[Person] = []
    events: list[DomainEvent] = []
    for person, company in persons:
        category_id = effective_category_id(person, company)
        was = _category_lead_enabled(category_id, before)
        now = _category_lead_enabled(category_id, after)
        new, entry = _apply_visibility(person, was, now, statuses, actor, policy)
        if entry is not None:
            events.append(entry)
        if new is not person:
            changed.append(new)
    return Outcome(persons=tuple(changed), events=tuple(events))


# --- R10: next category ----------------------------------------------------------------------


def next_category(categories: CategoryList, current: CategoryId | None) -> Category:
    """The next non-deleted category by rank after ``current`` (the first one when None).

    >>> from leadcore.lists import new_database
    >>> categories, _ = new_database()
    >>> next_category(categories, categories.by_name("Lead").id).name
    'Marketing qualified lead'
    >>> next_category(categories, categories.by_name("Other").id)
    Traceback (most recent call last):
    ...
    leadcore.errors.LastCategoryError: [R10] there is no category after 'Other': ...
    """
    active = categories.active()
    if current is None:
        if active:
            return active[0]
    else:
        position = categories.get(current)
        key = (position.rank, position.id)
        for category in active:
            if (category.rank, category.id) > key:
                return category
    name = None if current is None else categories.get(current).name
    raise LastCategoryError(
        "R10",
        f"there is no category after {name!r}",
        why="it is the last active category by rank",
        fix="Pick a category explicitly, or reorder the category list",
        category_id=current,
    )


def move_company_to_next_category(
    company: Company,
    persons: Sequence[Person],
    lists: Lists,
    actor: Actor,
    *,
    policy: LeadPolicy = DEFAULT_POLICY,
) -> Outcome:
    """R10: move the company to the next category by rank, with every cascade.

    >>> from datetime import timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId
    >>> categories, statuses = new_database()
    >>> lists, at = Lists(categories, statuses), datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lead = categories.by_name("Lead").id
    >>> acme = Company(CompanyId(1), "Acme", lead, registered=at, updated=at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "Ash", registered=at, updated=at)
    >>> out = move_company_to_next_category(acme, [], lists, Actor(at))
    >>> categories.get(out.companies[0].category_id).name
    'Marketing qualified lead'
    """
    target = next_category(lists.categories, company.category_id)
    return change_company_category(company, persons, lists, target.id, actor, policy=policy)
