"""The person card: a person with its company, its effective category and group, and
its lead status as the card shows it.

:func:`person_card` computes the card from what the service read in one unit of
work; see :meth:`leadcore.service.persons.Persons.card`.

>>> from datetime import datetime, timezone
>>> from leadcore.lists import new_database
>>> from leadcore.model import PersonId
>>> from leadcore.lists import Lists
>>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
>>> bo = Person(PersonId(1), None, "Bo", "", at, at)
>>> card = person_card(bo, None, Lists(*new_database()), lead_status=False)
>>> card.category, card.lead_status
(None, None)
"""

from __future__ import annotations

import attrs

from leadcore import rules
from leadcore.lists import Lists
from leadcore.model import Category, CategoryGroup, Company, Language, Person
from leadcore.rules import LeadStatusView

__all__ = ["PersonCard", "person_card"]


@attrs.frozen
class PersonCard:
    """What a person card shows, read in one unit of work.

    ``category`` is the effective category (the company's, or the person's own
    without company, R3) and ``category_group`` its group; ``lead_status`` is
    the lead status view, ``None`` when the licence lacks the lead-status feature.
    """

    person: Person
    company: Company | None
    category: Category | None
    category_group: CategoryGroup | None
    lead_status: LeadStatusView | None


def person_card(
    person: Person,
    company: Company | None,
    lists: Lists,
    language: Language = "en",
    *,
    lead_status: bool = True,
) -> PersonCard:
    """The card of ``person`` (``company``: its company, ``None`` without one), labels
    in ``language``; ``lead_status``: whether the licence has the lead-status feature
    (without it the card shows no lead status).

    >>> from datetime import datetime, timezone
    >>> from leadcore.lists import new_database
    >>> from leadcore.model import CompanyId, PersonId
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> lists = Lists(*new_database())
    >>> acme = Company(CompanyId(1), "Acme", lists.categories.by_name("Lead").id, at, at)
    >>> ann = Person(PersonId(1), acme.id, "Ann", "", at, at,
    ...              lead_status_id=lists.statuses.by_key("open").id)
    >>> card = person_card(ann, acme, lists, "da")
    >>> card.category.name, card.category_group.label("da"), card.lead_status.label
    ('Lead', 'Potentiel kunde', 'Åben')
    """
    category_id = rules.effective_category_id(person, company)
    category = None
    if category_id is not None and category_id in lists.categories:
        category = lists.categories.get(category_id)
    view = rules.lead_status_view(person, company, lists, language) if lead_status else None
    return PersonCard(
        person=person,
        company=company,
        category=category,
        category_group=None if category is None else category.group,
        lead_status=view,
    )
