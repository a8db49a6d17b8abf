"""SuperOffice archive providers and their columns, as leadcore fields.

Each :class:`Provider` maps leadcore field keys to the column names of one
SuperOffice archive provider (SuperOfficeDocs/docs,
``en/api/archive-providers/reference/<provider>.md``) and reads the aliases
SuperOffice uses for the same column. A mixed company+person provider
(``FindContact``, ``ContactPersonDynamicSelectionV2``) names company columns
without a prefix (``name``, ``category``, ``email/emailAddress``) and person
columns with one (``personCategory``, ``personEmail/emailAddress``); a person
provider (``Person``, ``SimplePerson``) reaches the company under
``personContact/``.

>>> FIND_CONTACT.column("company.category"), FIND_CONTACT.column("person.email")
('category', 'personEmail/emailAddress')
>>> PERSON.read("contactid", Entity.PERSON)
('company.id', 'contactid is read as personContact/contactId (company.id)')
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
    "CONTACT",
    "CONTACT_PERSON_DYNAMIC_SELECTION_V2",
    "FIND_CONTACT",
    "PERSON",
    "PROVIDERS",
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


_REFERENCE = "SuperOfficeDocs/docs en/api/archive-providers/reference/{}.md"


@attrs.frozen
class Provider:
    """One SuperOffice archive provider: its name, the leadcore searches it can stand
    for, the column written for each field, and the other names read for a field."""

    name: str
    entities: tuple[Entity, ...]
    columns: Mapping[str, str]
    aliases: Mapping[str, str] = MappingProxyType({})
    unmodelled: Mapping[str, str] = MappingProxyType({})
    source: str = ""
    _by_column: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)
    _aliases: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)
    _unmodelled: Mapping[str, str] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        folded = {
            "_by_column": {c.casefold(): k for k, c in self.columns.items()},
            "_aliases": {a.casefold(): k for a, k in self.aliases.items()},
            "_unmodelled": {a.casefold(): why for a, why in self.unmodelled.items()},
        }
        for name, table in folded.items():
            object.__setattr__(self, name, MappingProxyType(table))

    def column(self, key: str) -> str | None:
        """The column written for field ``key``; ``None`` when the provider has none.

        >>> PERSON.column("company.name"), PERSON.column("person.status_changed")
        ('personContact/name', None)
        """
        return self.columns.get(key)

    def read(self, column: str, entity: Entity) -> tuple[str, str | None]:
        """The field key of ``column`` on a search of ``entity``, with a note when the
        column was spelt another way than the reference (an alias, another case).

        Raises :class:`ColumnError` (saying why) for a column leadcore does not model.

        >>> FIND_CONTACT.read("personEmail/emailAddress", Entity.PERSON)
        ('person.email', None)
        """
        folded = column.strip().casefold()
        key = self._by_column.get(folded)
        note = None
        if key is not None:
            if self.columns[key] != column:
                note = f"{column} is read as {self.columns[key]} ({key})"
        elif folded in self._aliases:
            key = self._aliases[folded]
            note = f"{column} is read as {self.columns.get(key, key)} ({key})"
        elif folded in self._unmodelled:
            raise ColumnError(
                column,
                self.name,
                self._unmodelled[folded],
                "Leave the restriction out, or keep it in SuperOffice",
            )
        else:
            known = ", ".join(sorted(self.columns.values()))
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

PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {
        p.name.casefold(): p
        for p in (FIND_CONTACT, CONTACT_PERSON_DYNAMIC_SELECTION_V2, PERSON, SIMPLE_PERSON, CONTACT)
    }
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
            "Person, SimplePerson and Contact only",
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
