"""SuperOffice archive providers and their columns, as leadcore fields.

Each :class:`Provider` maps leadcore field keys to the column names of one
SuperOffice archive provider (SuperOfficeDocs/docs,
``en/api/archive-providers/reference/<provider>.md``) and reads the aliases
SuperOffice uses for the same column. A mixed company+person provider
(``FindContact``, ``ContactPersonDynamicSelectionV2``) names company columns
without a prefix (``name``, ``category``, ``email/emailAddress``) and person
columns with one (``personCategory``, ``personEmail/emailAddress``); a person
provider (``Person``, ``SimplePerson``) reaches the company under
``personContact/``. The ``Dynamic`` provider names database fields
(``person.firstname``, ``contact.category_idx``); ``leadcore`` is the neutral provider
of leadcore's own column names (:data:`COLUMNS`). The sibling providers whose
reference pages list the same columns (:data:`SIBLINGS`) are read with their parent's
map.

>>> FIND_CONTACT.column("company.category"), FIND_CONTACT.column("person.email")
('category', 'personEmail/emailAddress')
>>> PERSON.read("contactid", Entity.PERSON)
('company.id', 'contactid is read as personContact/contactId (company.id)')
>>> DYNAMIC.column("company.name"), DYNAMIC.column("company.name", Entity.COMPANY)
('person.contact_id.name', 'contact.name')
>>> provider("FindContactWithoutPhoneAddressEmail").parent
'FindContact'
>>> provider("Contact").read("email/emailAddress", Entity.COMPANY)
Traceback (most recent call last):
...
leadcore.criteria.superoffice.columns.ColumnError: ...the company's e-mail...
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from leadcore.criteria.errors import CriteriaError
from leadcore.criteria.fields import Entity

__all__ = [
    "COLUMNS",
    "CONTACT",
    "CONTACT_PERSON_DYNAMIC_SELECTION_V2",
    "DYNAMIC",
    "FIND_CONTACT",
    "LEADCORE",
    "PERSON",
    "PROVIDERS",
    "SIBLINGS",
    "SIMPLE_PERSON",
    "ColumnError",
    "Provider",
    "provider",
]

ALL_ROWS, NO_ROWS = "getAllRows", "getNoRows"
"""The special columns of every archive provider (set 1: every row / no row)."""


class ColumnError(CriteriaError):
    """A column that leadcore cannot read or write on this provider (the reason says why)."""

    def __init__(self, column: str, provider: str, why: str, fix: str) -> None:
        super().__init__(
            f"column {column!r} of the SuperOffice provider {provider}",
            why=why,
            fix=fix,
            column=column,
            provider=provider,
        )


_REFERENCE = "SuperOfficeDocs/docs:en/api/archive-providers/reference/{}.md"


@attrs.frozen
class Provider:
    """One SuperOffice archive provider: its name, the leadcore searches it can stand
    for, the column written for each field, and the other names read for a field.

    ``company_columns`` are the columns of a company search where they differ from
    ``columns`` (the Dynamic provider starts every field on one table: ``contact.name``
    in a company search, ``person.contact_id.name`` in a person search). ``parent`` names
    the provider whose map a sibling shares; ``database`` marks columns that are
    database fields, where an associate is a plain id and a yes/no field a 0/1 integer.
    """

    name: str
    entities: tuple[Entity, ...]
    columns: Mapping[str, str]
    aliases: Mapping[str, str] = MappingProxyType({})
    unmodelled: Mapping[str, str] = MappingProxyType({})
    source: str = ""
    company_columns: Mapping[str, str] | None = None
    parent: str = ""
    database: bool = False
    _by_column: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)
    _by_company_column: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)
    _aliases: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)
    _unmodelled: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        company = self.columns if self.company_columns is None else self.company_columns
        folded = {
            "_by_column": {c.casefold(): k for k, c in self.columns.items()},
            "_by_company_column": {c.casefold(): k for k, c in company.items()},
            "_aliases": {a.casefold(): k for a, k in self.aliases.items()},
            "_unmodelled": {a.casefold(): why for a, why in self.unmodelled.items()},
        }
        for name, table in folded.items():
            object.__setattr__(self, name, MappingProxyType(table))

    def column(self, key: str, entity: Entity = Entity.PERSON) -> str | None:
        """The column written for field ``key`` in a search of ``entity``; ``None`` when
        the provider has none.

        >>> PERSON.column("company.name"), PERSON.column("person.status_changed")
        ('personContact/name', None)
        """
        if entity is Entity.COMPANY and self.company_columns is not None:
            return self.company_columns.get(key)
        return self.columns.get(key)

    def read(self, column: str, entity: Entity) -> tuple[str, str | None]:
        """The field key of ``column`` on a search of ``entity``, with a note when the
        column was spelt another way than the reference (an alias, another case).

        Raises :class:`ColumnError` (saying why) for a column leadcore does not model.

        >>> FIND_CONTACT.read("personEmail/emailAddress", Entity.PERSON)
        ('person.email', None)
        """
        folded = column.strip().casefold()
        own = self._by_company_column if entity is Entity.COMPANY else self._by_column
        other = self._by_column if entity is Entity.COMPANY else self._by_company_column
        note = None
        if folded in own:
            key = own[folded]
            written = self.column(key, entity)
            if written != column:
                note = f"{column} is read as {written} ({key})"
        elif folded in self._aliases:
            key = self._aliases[folded]
            note = f"{column} is read as {self.column(key, entity) or key} ({key})"
        elif folded in other:  # only where the two searches name their columns apart
            key = other[folded]
            there = self.column(key, entity)
            if there is not None:  # (a person field in a company search is refused below)
                raise ColumnError(
                    column,
                    self.name,
                    f"it is the column of {key} in the other search; a {entity.value} "
                    f"search names it {there}",
                    f"Write {there}",
                )
        elif folded in self._unmodelled:
            raise ColumnError(
                column,
                self.name,
                self._unmodelled[folded],
                "Leave the restriction out, or keep it in SuperOffice",
            )
        else:
            known = ", ".join(sorted(self._company(entity).values()))
            raise ColumnError(
                column,
                self.name,
                f"it is not a column leadcore models on {self.name}",
                f"Use one of: {known}",
            )
        if entity is Entity.COMPANY and key.startswith("person."):
            raise ColumnError(
                column,
                self.name,
                f"it is a person column ({key}) and a company search has no person fields",
                "Read the restrictions as a person search (entity=Entity.PERSON)",
            )
        return key, note

    def _company(self, entity: Entity) -> Mapping[str, str]:
        if entity is Entity.COMPANY and self.company_columns is not None:
            return self.company_columns
        return self.columns


def _company(prefix: str) -> dict[str, str]:
    return {
        "company.id": f"{prefix}contactId",
        "company.name": f"{prefix}name",
        "company.owner": f"{prefix}associateId",
        "company.category": f"{prefix}category",
        "company.category_group": f"{prefix}categoryGroup",
        "company.updated": f"{prefix}updatedDate",
        "company.registered": f"{prefix}registeredDate",
    }


def _person(email: str) -> dict[str, str]:
    return {
        "person.id": "personId",
        "person.first_name": "firstName",
        "person.last_name": "lastName",
        "person.retired": "retired",
        "person.updated": "personUpdatedDate",
        "person.registered": "personRegisteredDate",
        "person.owner": "personAssociateId",
        "person.category": "personCategory",
        "person.category_group": "personCategoryGroup",
        "person.lead_status": "leadStatus",
        "person.has_company": "hasCompany",
        "person.email": email,
    }


_CONTACT_PREFIXED = {
    f"contact/{column}": key for key, column in _company("").items()
}  # activity archives and leadcore's own earlier export reach the company under contact/
_COMPANY_ALIASES = {
    **_CONTACT_PREFIXED,
    "contactAssociate/associateDbId": "company.owner",
    "registered": "company.registered",
    "updated": "company.updated",
}
_PERSON_ALIASES = {
    "personAssociate/associateDbId": "person.owner",
}
_COMPANY_EMAIL = (
    "on {} the column email/emailAddress is the company's e-mail, "
    "which leadcore does not model (the person's e-mail is personEmail/emailAddress)"
)


def _mixed(name: str) -> Provider:
    return Provider(
        name,
        (Entity.PERSON, Entity.COMPANY),
        MappingProxyType({**_company(""), **_person("personEmail/emailAddress")}),
        MappingProxyType({**_COMPANY_ALIASES, **_PERSON_ALIASES}),
        MappingProxyType({"email/emailAddress": _COMPANY_EMAIL.format(name)}),
        _REFERENCE.format(name.lower()),
    )


def _person_provider(name: str) -> Provider:
    return Provider(
        name,
        (Entity.PERSON,),
        MappingProxyType({**_company("personContact/"), **_person("email/emailAddress")}),
        MappingProxyType(
            {
                **_CONTACT_PREFIXED,
                **_PERSON_ALIASES,
                "contactId": "company.id",
                "registered": "person.registered",
                "registeredDate": "person.registered",
                "updated": "person.updated",
                "updatedDate": "person.updated",
            }
        ),
        MappingProxyType({}),
        _REFERENCE.format(name.lower()),
    )


FIND_CONTACT = _mixed("FindContact")
"""``FindContact``: companies with their persons; company columns bare, person ones prefixed."""
CONTACT_PERSON_DYNAMIC_SELECTION_V2 = _mixed("ContactPersonDynamicSelectionV2")
"""``ContactPersonDynamicSelectionV2``: a dynamic selection's criteria (same columns as Find)."""
PERSON = _person_provider("Person")
"""``Person``: persons; the company under ``personContact/``."""
SIMPLE_PERSON = _person_provider("SimplePerson")
"""``SimplePerson``: persons, the same columns as ``Person`` for what leadcore models."""
CONTACT = Provider(
    "Contact",
    (Entity.COMPANY,),
    MappingProxyType(_company("")),
    MappingProxyType(_COMPANY_ALIASES),
    MappingProxyType({"email/emailAddress": _COMPANY_EMAIL.format("Contact")}),
    _REFERENCE.format("contact"),
)
"""``Contact``: companies."""

# --- the Dynamic provider: database fields ------------------------------------------------

_DYNAMIC_COMPANY = {
    "company.id": "contact_id",
    "company.name": "name",
    "company.owner": "associate_id",
    "company.category": "category_idx",
    "company.category_group": "category_idx.category_group",
    "company.registered": "registered",
    "company.updated": "updated",
}
_DYNAMIC_PERSON = {
    "person.id": "person.person_id",
    "person.first_name": "person.firstname",
    "person.last_name": "person.lastname",
    "person.owner": "person.associate_id",
    "person.category": "person.category_idx",
    "person.category_group": "person.category_idx.category_group",
    "person.lead_status": "person.leadstatus_id",
    "person.retired": "person.retired",
    "person.registered": "person.registered",
    "person.updated": "person.updated",
    "person.email": "person.(email->person_id).email_address",
    **{key: f"person.contact_id.{field}" for key, field in _DYNAMIC_COMPANY.items()},
}
DYNAMIC = Provider(
    "Dynamic",
    (Entity.PERSON, Entity.COMPANY),
    MappingProxyType(_DYNAMIC_PERSON),
    MappingProxyType(
        {
            **{f"contact.{field}": key for key, field in _DYNAMIC_COMPANY.items()},
            "contact.category_idx.category_group": "company.category_group",
            "person.contact_id.category_group": "company.category_group",
        }
    ),
    MappingProxyType(
        {
            "person.contact_id": "person.contact_id is 0 for a person without a company, "
            "where leadcore's company.id has no value; write person.contact_id.contact_id "
            "(the outer join) for company.id",
            "contact.(email->contact_id).email_address": "it is the company's e-mail, "
            "which leadcore does not model",
        }
    ),
    "SuperOfficeDocs/docs:en/api/search/odata/dynamic-provider.md",
    MappingProxyType({key: f"contact.{field}" for key, field in _DYNAMIC_COMPANY.items()}),
    database=True,
)
"""``Dynamic``: database fields in dot syntax (``table.field``, ``table.fk.field`` for an
outer join, ``table.(other->fk).field`` for a right join). A person search starts on
``person`` and reaches the company through ``person.contact_id.``; a company search
starts on ``contact``; ``contact.<field>`` in a person search is read as the person's
company (reported). Field names: ``en/database/tables/{person,contact,category}.mdx``."""

# --- leadcore's own column names ------------------------------------------------------------

_UTM_PARTS = ("source", "medium", "campaign", "term", "content")


def _leadcore_company(prefix: str) -> dict[str, str]:
    return {
        **_company(prefix),
        **{f"company.source.{p}": f"{prefix}contactSourceUtm/{p}" for p in _UTM_PARTS},
        **{f"company.first_touch.{p}": f"{prefix}contactFirstTouchUtm/{p}" for p in _UTM_PARTS},
        **{f"company.lead_creation.{p}": f"{prefix}contactLeadCreationUtm/{p}" for p in _UTM_PARTS},
    }


COLUMNS: Mapping[Entity, Mapping[str, str]] = MappingProxyType(
    {
        Entity.PERSON: MappingProxyType(
            {
                **_person("email/emailAddress"),
                "person.status_changed": "personLeadStatusChangedDate",
                **{f"person.first_touch.{p}": f"personFirstTouchUtm/{p}" for p in _UTM_PARTS},
                **{f"person.lead_creation.{p}": f"personLeadCreationUtm/{p}" for p in _UTM_PARTS},
                **_leadcore_company("contact/"),
            }
        ),
        Entity.COMPANY: MappingProxyType(_leadcore_company("")),
    }
)
"""Field key -> leadcore's own column name, per searched entity (person search: company
columns under ``contact/``), in SuperOffice's style; the UTM columns and
``personLeadStatusChangedDate`` have no SuperOffice provider column."""

LEADCORE = Provider(
    "leadcore",
    (Entity.PERSON, Entity.COMPANY),
    COLUMNS[Entity.PERSON],
    source="docs/criteria-formats.md section 3 (leadcore's own names)",
    company_columns=COLUMNS[Entity.COMPANY],
)
"""The neutral provider of ``export_restrictions``/``import_restrictions``: every field
has a column, in leadcore's names (:data:`COLUMNS`)."""

# --- siblings: providers whose reference pages list the same columns ------------------------

SIBLINGS: Mapping[str, str] = MappingProxyType(
    {
        "ContactPersonDynamicSelectionSingleCriteriaGroup": "ContactPersonDynamicSelectionV2",
        "SubContactPersonDynamicSelectionSingleCriteriaGroup": "ContactPersonDynamicSelectionV2",
        "SubPersonContactDynamicSelectionSingleCriteriaGroup": "ContactPersonDynamicSelectionV2",
        "ContactDynamicSelection": "ContactPersonDynamicSelectionV2",
        "SelectionDynamicContactProvider": "ContactPersonDynamicSelectionV2",
        "FindContactWithoutPhoneAddressEmail": "FindContact",
        "SaintContact": "FindContact",
        "SaintPerson": "FindContact",
        "SelectionStaticContactAddMembers": "FindContact",
        "InnerSelectionStaticPersonProvider": "FindContact",
        "FreetextPerson": "Person",
        "RecyclePerson": "Person",
        "contactfavourites": "Contact",
        "DummySelectionContact": "Contact",
        "emailcontactaddress": "Contact",
        "FreetextContact": "Contact",
        "LinksContact": "Contact",
        "OwnerContacts": "Contact",
        "RecycleContact": "Contact",
        "SimpleContact": "Contact",
    }
)
"""Provider -> the provider whose column map it shares: its reference page
(``SuperOfficeDocs/docs:en/api/archive-providers/reference/<name>.md``) lists every
column of that map with the same restriction type. What the provider adds to the
criterion (a selection's members, favourites, the recycle bin) is its own scope."""

_PARENTS = (FIND_CONTACT, CONTACT_PERSON_DYNAMIC_SELECTION_V2, PERSON, SIMPLE_PERSON, CONTACT)
_SIBLINGS = tuple(
    attrs.evolve(
        next(p for p in _PARENTS if p.name == parent),
        name=name,
        source=_REFERENCE.format(name.lower()),
        parent=parent,
    )
    for name, parent in SIBLINGS.items()
)

PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {p.name.casefold(): p for p in (*_PARENTS, *_SIBLINGS, DYNAMIC, LEADCORE)}
)
"""Every provider by its name (casefolded)."""


def provider(name: str | Provider) -> Provider:
    """The provider of that name (ignoring case); :class:`ColumnError` for another name.

    >>> provider("findcontact").name
    'FindContact'
    """
    if isinstance(name, Provider):
        return name
    found = PROVIDERS.get(str(name).casefold())
    if found is None:
        raise ColumnError(
            "",
            str(name),
            "leadcore reads the columns of FindContact, ContactPersonDynamicSelectionV2, "
            "Person, SimplePerson, Contact, Dynamic, the providers that share their columns "
            "(docs/criteria-formats.md) and its own (leadcore)",
            "Pass one of those provider names",
        )
    return found


def default_entity(p: Provider, entity: Entity | None) -> Entity:
    """``entity``, or the provider's first search when none is given; refuses a search the
    provider cannot stand for.

    >>> default_entity(FIND_CONTACT, None), default_entity(FIND_CONTACT, Entity.COMPANY)
    (<Entity.PERSON: 'person'>, <Entity.COMPANY: 'company'>)
    """
    chosen = p.entities[0] if entity is None else entity
    if chosen not in p.entities:
        raise ColumnError(
            "",
            p.name,
            f"{p.name} lists {' or '.join(e.value for e in p.entities)} rows, "
            f"not {chosen.value} rows",
            f"Pass entity={p.entities[0]}",
        )
    return chosen
