"""Frozen entities and value objects of the lead domain.

Every class is an ``attrs`` frozen, slotted class; change one with
:func:`attrs.evolve`, which runs the validators again.

>>> from datetime import datetime, timezone
>>> cat = Category(id=CategoryId(1), name="Lead", group=CategoryGroup.POTENTIAL_CUSTOMER,
...                rank=1, enable_lead_status=True)
>>> cat.group.label("da")
'Potentiel kunde'
>>> Category(id=CategoryId(2), name="Customer", group=CategoryGroup.CUSTOMER, rank=2,
...          enable_lead_status=True)
Traceback (most recent call last):
...
leadcore.errors.ValidationError: category 'Customer' cannot enable lead status: ...
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal, NewType

import attrs

from leadcore._checks import (
    FLAG,
    ID,
    MOMENT,
    NAME,
    OPTIONAL_ID,
    OPTIONAL_TEXT,
    RANK,
    TEXT,
    TEXT_SET,
    VERSION,
    fields,
    instance,
    member,
    optional,
)
from leadcore.errors import ValidationError

__all__ = [
    "Associate",
    "AssociateId",
    "Availability",
    "Category",
    "CategoryGroup",
    "CategoryId",
    "Company",
    "CompanyId",
    "Language",
    "LeadStatus",
    "LeadStatusId",
    "Person",
    "PersonId",
    "SelectionId",
    "Utm",
]

Language = Literal["en", "da"]
"""Languages leadcore ships display names in."""

CategoryId = NewType("CategoryId", int)
"""The id of a :class:`Category`: a positive int."""
LeadStatusId = NewType("LeadStatusId", int)
"""The id of a :class:`LeadStatus`: a positive int."""
CompanyId = NewType("CompanyId", int)
"""The id of a :class:`Company`: a positive int, never reused after a delete."""
PersonId = NewType("PersonId", int)
"""The id of a :class:`Person`: a positive int, never reused after a delete."""
AssociateId = NewType("AssociateId", int)
"""The id of an :class:`Associate` (a user who owns records and acts): a positive int."""
SelectionId = NewType("SelectionId", int)
"""The id of a selection (:mod:`leadcore.selections`): a positive int."""


class CategoryGroup(enum.IntEnum):
    """The fixed category groups; the integer codes are stable and are what is stored.

    >>> CategoryGroup(2).label(), CategoryGroup.LOST.label("da")
    ('Potential customer', 'Tabt')
    """

    UNKNOWN = 0
    CUSTOMER = 1
    POTENTIAL_CUSTOMER = 2
    PARTNER = 3
    LOST = 4
    OTHER = 5

    def label(self, language: Language = "en") -> str:
        """Display name in ``language``."""
        return _GROUP_TEXTS[self][language][0]

    def tooltip(self, language: Language = "en") -> str:
        """Description shown as a tooltip in ``language``."""
        return _GROUP_TEXTS[self][language][1]


_GROUP_TEXTS: dict[CategoryGroup, dict[Language, tuple[str, str]]] = {
    CategoryGroup.UNKNOWN: {
        "en": ("Unknown", "Not classified yet"),
        "da": ("Ukendt", "Endnu ikke klassificeret"),
    },
    CategoryGroup.CUSTOMER: {
        "en": ("Customer", "Companies that buy from you"),
        "da": ("Kunde", "Firmaer, der køber hos jer"),
    },
    CategoryGroup.POTENTIAL_CUSTOMER: {
        "en": ("Potential customer", "Leads and prospects not yet buying"),
        "da": ("Potentiel kunde", "Leads og emner, der endnu ikke køber"),
    },
    CategoryGroup.PARTNER: {
        "en": ("Partner", "Companies you work with"),
        "da": ("Partner", "Firmaer, I samarbejder med"),
    },
    CategoryGroup.LOST: {
        "en": ("Lost", "Lost opportunities and former customers"),
        "da": ("Tabt", "Tabte muligheder og tidligere kunder"),
    },
    CategoryGroup.OTHER: {
        "en": ("Other", "Everything else: suppliers, press, competitors"),
        "da": ("Andet", "Alt andet: leverandører, presse, konkurrenter"),
    },
}


def _to_group(value: int) -> CategoryGroup:
    """Convert a stored group code to :class:`CategoryGroup`, refusing unknown codes
    and anything but a member or a plain ``int`` (``True`` is no group code)."""
    if type(value) is CategoryGroup:
        return value
    if type(value) is int and value in _GROUP_CODES:
        return CategoryGroup(value)
    raise ValidationError(
        f"unknown category group {value!r}",
        why="the category groups are fixed: "
        + ", ".join(f"{g.value} {g.label()}" for g in CategoryGroup),
        fix="Pass a CategoryGroup member or one of these codes (an int, not a bool)",
        entity="category",
        field="group",
    )


_GROUP_CODES = frozenset(g.value for g in CategoryGroup)


class Availability(enum.Enum):
    """An associate's availability; lead distribution only uses ``NORMAL``."""

    NORMAL = "normal"
    AWAY = "away"
    BUSY = "busy"


@attrs.frozen
class Utm:
    """A UTM data point (source, medium, campaign, term, content); read-only once recorded.

    >>> Utm(source="newsletter", medium="email").campaign is None
    True
    """

    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    term: str | None = None
    content: str | None = None

    __attrs_post_init__ = fields(
        "UTM data point",
        source=OPTIONAL_TEXT,
        medium=OPTIONAL_TEXT,
        campaign=OPTIONAL_TEXT,
        term=OPTIONAL_TEXT,
        content=OPTIONAL_TEXT,
    )


_OPTIONAL_UTM = optional(instance(Utm, "a Utm"))


@attrs.frozen
class Category:
    """An item of the admin-maintained category list.

    ``enable_lead_status`` may be true only in group Potential customer.
    """

    id: CategoryId
    name: str
    group: CategoryGroup = attrs.field(converter=_to_group)
    rank: int = 0
    tooltip: str = ""
    deleted: bool = False
    enable_lead_status: bool = False

    def __attrs_post_init__(self) -> None:
        _check_category(self)
        if self.enable_lead_status and self.group is not CategoryGroup.POTENTIAL_CUSTOMER:
            raise ValidationError(
                f"category {self.name!r} cannot enable lead status",
                why=f"it is in group {self.group.label()!r}; lead status exists only for "
                "Potential customer categories",
                fix="Move the category to group Potential customer first, or leave "
                "enable_lead_status off",
                category_id=self.id,
            )

    @property
    def lead_enabled(self) -> bool:
        """True when persons under this category show a lead status (R1)."""
        return self.enable_lead_status and self.group is CategoryGroup.POTENTIAL_CUSTOMER


@attrs.frozen
class LeadStatus:
    """An item of the lead-status list. ``key`` is stable; ``name`` is what admins edit.

    >>> open_ = LeadStatus(LeadStatusId(1), "open", "Open")
    >>> open_.label("da"), LeadStatus(LeadStatusId(1), "open", "New").label("da")
    ('Åben', 'New')
    >>> LeadStatus(LeadStatusId(1), "open", "Åben").label("en")   # a Danish database
    'Open'
    """

    id: LeadStatusId
    key: str
    name: str
    rank: int = 0
    tooltip: str = ""
    deleted: bool = False

    __attrs_post_init__ = fields(
        "lead status", id=ID, key=NAME, name=NAME, rank=RANK, tooltip=TEXT, deleted=FLAG
    )

    def label(self, language: Language = "en") -> str:
        """Display name: the shipped translation while the admin kept the default name
        (in the language the database was created in)."""
        texts = DEFAULT_STATUS_TEXTS.get(self.key)
        if texts is not None and any(self.name == shipped[0] for shipped in texts.values()):
            return texts[language][0]
        return self.name

    def description(self, language: Language = "en") -> str:
        """Tooltip text (R6): the shipped translation while the admin kept the default one."""
        texts = DEFAULT_STATUS_TEXTS.get(self.key)
        if texts is not None and any(self.tooltip == shipped[1] for shipped in texts.values()):
            return texts[language][1]
        return self.tooltip


DEFAULT_STATUS_TEXTS: dict[str, dict[Language, tuple[str, str]]] = {
    "open": {
        "en": ("Open", "No outreach has been made yet (the default for every new lead)"),
        "da": ("Åben", "Der er endnu ikke taget kontakt (standard for alle nye leads)"),
    },
    "contacting": {
        "en": ("Contacting", "Sales is actively trying to reach the lead"),
        "da": ("Kontakter", "Du forsøger at komme i kontakt med leadet"),
    },
    "qualified": {
        "en": ("Qualified", "Right match and interest: ready for the sales process"),
        "da": ("Kvalificeret", "Leadet har det rette match og interesse"),
    },
    "disqualified": {
        "en": ("Disqualified", "Not relevant; will not be contacted further"),
        "da": ("Diskvalificeret", "Leadet er ikke relevant"),
    },
    "renurture": {
        "en": ("Re-nurture", "Not ready now; follow up later"),
        "da": ("Genoptag kontakt", "Følg op senere"),
    },
}
"""Shipped names and tooltips of the default statuses, by key and language."""


@attrs.frozen
class Associate:
    """A user of the CRM; "my" in criteria means the current associate.

    A retired associate stays stored (records may still name it as owner) but
    cannot become the owner of anything. ``version`` counts saves; adapters bump it.

    >>> Associate(AssociateId(1), "Ann").availability.value
    'normal'
    """

    id: AssociateId
    name: str
    availability: Availability = Availability.NORMAL
    groups: frozenset[str] = frozenset()
    retired: bool = False
    version: int = 0

    __attrs_post_init__ = fields(
        "associate",
        id=ID,
        name=NAME,
        availability=member(Availability),
        groups=TEXT_SET,
        retired=FLAG,
        version=VERSION,
    )


@attrs.frozen
class Company:
    """A company (SuperOffice *contact*). ``version`` counts saves; adapters bump it.

    ``source_utm`` is the company's own source; ``first_touch_utm`` and
    ``lead_creation_utm`` are the data points of its persons, copied from the
    first person that brings each (R12, as SuperOffice 11.6 saves them).

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> Company(CompanyId(1), "Acme", None, registered=at, updated=at).version
    0
    """

    id: CompanyId
    name: str
    category_id: CategoryId | None
    registered: datetime
    updated: datetime
    owner_id: AssociateId | None = None
    source_utm: Utm | None = None
    version: int = 0
    first_touch_utm: Utm | None = None
    lead_creation_utm: Utm | None = None

    __attrs_post_init__ = fields(
        "company",
        id=ID,
        name=NAME,
        category_id=OPTIONAL_ID,
        registered=MOMENT,
        updated=MOMENT,
        owner_id=OPTIONAL_ID,
        source_utm=_OPTIONAL_UTM,
        version=VERSION,
        first_touch_utm=_OPTIONAL_UTM,
        lead_creation_utm=_OPTIONAL_UTM,
    )


@attrs.frozen
class Person:
    """A person (SuperOffice *contact person*).

    ``lead_status_id`` is the stored value, kept when hidden (R2, R4).
    ``own_category_id`` is used only while the person has no company (R3).
    ``status_changed`` is the time of the latest entry of the person's status
    history (a change, hide or reveal), ``None`` while it has none: the rules
    set it whenever they append an entry, so it always equals the greatest
    ``at`` of those entries (the criteria field ``person.status_changed``).

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> Person(PersonId(1), None, "Ann", "Ash", registered=at, updated=at).full_name
    'Ann Ash'
    """

    id: PersonId
    company_id: CompanyId | None
    first_name: str
    last_name: str
    registered: datetime
    updated: datetime
    email: str = ""
    owner_id: AssociateId | None = None
    lead_status_id: LeadStatusId | None = None
    own_category_id: CategoryId | None = None
    first_touch_utm: Utm | None = None
    lead_creation_utm: Utm | None = None
    retired: bool = False
    version: int = 0
    status_changed: datetime | None = None

    def __attrs_post_init__(self) -> None:
        _check_person(self)
        if not (self.first_name.strip() or self.last_name.strip()):
            raise ValidationError(
                "a person needs a first or a last name",
                why="both are empty",
                fix="Pass first_name or last_name",
                entity="person",
                field="first_name",
                id=self.id,
            )

    @property
    def full_name(self) -> str:
        """First and last name joined by a space."""
        return f"{self.first_name} {self.last_name}".strip()


_check_category = fields(
    "category",
    id=ID,
    name=NAME,
    rank=RANK,
    tooltip=TEXT,
    deleted=FLAG,
    enable_lead_status=FLAG,
)
_check_person = fields(
    "person",
    id=ID,
    company_id=OPTIONAL_ID,
    first_name=TEXT,
    last_name=TEXT,
    registered=MOMENT,
    updated=MOMENT,
    email=TEXT,
    owner_id=OPTIONAL_ID,
    lead_status_id=OPTIONAL_ID,
    own_category_id=OPTIONAL_ID,
    first_touch_utm=_OPTIONAL_UTM,
    lead_creation_utm=_OPTIONAL_UTM,
    retired=FLAG,
    version=VERSION,
    status_changed=optional(MOMENT),
)
