"""The admin-maintained category and lead-status lists (R7) and their defaults.

Both lists are immutable; every operation returns a new list. Names are unique
ignoring case, deleted items included; deleting is soft.

>>> categories, statuses = new_database()
>>> statuses.default.name
'Open'
>>> statuses, qualified = statuses.add("Nurturing", tooltip="Slow track")
>>> statuses.add("nurturing")
Traceback (most recent call last):
...
leadcore.errors.DuplicateNameError: the lead status name 'nurturing' is already used by item 6: ...
>>> statuses.delete(statuses.default.id)
Traceback (most recent call last):
...
leadcore.errors.ListRuleError: the default lead status 'Open' cannot be deleted: ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import ClassVar, Generic, Protocol, TypeVar

import attrs

from leadcore._checks import (
    NAME,
    OPTIONAL_ID,
    TEXT,
    VERSION,
    Check,
    fields,
    instance,
    require,
    tuple_of,
)
from leadcore.errors import (
    DeletedItemError,
    DuplicateNameError,
    ListRuleError,
    NotFoundError,
    ValidationError,
)
from leadcore.model import (
    DEFAULT_STATUS_TEXTS,
    Category,
    CategoryGroup,
    CategoryId,
    Language,
    LeadStatus,
    LeadStatusId,
)

__all__ = [
    "CategoryList",
    "LeadStatusList",
    "Lists",
    "UpgradeReport",
    "default_statuses",
    "existing_database",
    "new_database",
    "upgrade_categories",
]


class _Item(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def rank(self) -> int: ...
    @property
    def deleted(self) -> bool: ...


T = TypeVar("T", Category, LeadStatus)


@attrs.frozen
class _ItemList(Generic[T]):
    """Shared mechanics of both lists: lookup, unique names, rank order, soft delete."""

    items: tuple[T, ...] = ()
    _kind: str = attrs.field(default="item", kw_only=True, alias="kind")
    _by_id: dict[int, T] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _items_check: ClassVar[Check]

    def __attrs_post_init__(self) -> None:
        entity = f"{self._kind} list"
        require(self.items, self._items_check, entity=entity, field="items")
        by_id = {i.id: i for i in self.items}
        if len(by_id) != len(self.items):
            ids = [i.id for i in self.items]
            raise ValidationError(
                f"a {entity} holds an id twice",
                why=f"its item ids are {ids}",
                fix="Give every item its own id",
                entity=entity,
                field="items",
                ids=sorted({i for i in ids if ids.count(i) > 1}),
            )
        object.__setattr__(self, "_by_id", by_id)

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self.items, key=lambda i: (i.rank, i.id)))

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: int) -> T:
        """The item with ``item_id``, deleted or not; :class:`NotFoundError` otherwise."""
        try:
            return self._by_id[item_id]
        except KeyError:
            raise NotFoundError(self._kind, item_id) from None

    def assignable(self, item_id: int) -> T:
        """The item if it may be newly assigned; refuses unknown and deleted items."""
        item = self.get(item_id)
        if item.deleted:
            raise DeletedItemError(self._kind, item.id, item.name)
        return item

    def by_name(self, name: str) -> T:
        """The item whose name equals ``name`` ignoring case, deleted items included."""
        folded = name.strip().casefold()
        for item in self.items:
            if item.name.casefold() == folded:
                return item
        raise NotFoundError(self._kind, name, by="name")

    def active(self) -> tuple[T, ...]:
        """Non-deleted items in rank order."""
        return tuple(i for i in self if not i.deleted)

    def _check_name(self, name: str, exclude: int | None = None) -> str:
        require(name, TEXT, entity=self._kind, field="name")
        clean = name.strip()
        folded = clean.casefold()
        for item in self.items:
            if item.id != exclude and item.name.casefold() == folded:
                raise DuplicateNameError(self._kind, clean, item.id)
        return clean

    def _next_id(self) -> int:
        return max((i.id for i in self.items), default=0) + 1

    def _next_rank(self) -> int:
        return max((i.rank for i in self.items), default=0) + 1

    def _replace(self, new: T) -> tuple[T, ...]:
        return tuple(new if i.id == new.id else i for i in self.items)

    def _reordered(self, ordered_ids: Iterable[int]) -> tuple[T, ...]:
        order = list(ordered_ids)
        known = {i.id for i in self.items}
        if sorted(order) != sorted(known):
            raise ListRuleError(
                f"cannot reorder the {self._kind} list",
                why=f"the new order {order} must name every item id {sorted(known)} exactly once",
                fix="Pass all ids, deleted ones included, in the order you want",
            )
        rank = {item_id: n for n, item_id in enumerate(order, start=1)}
        return tuple(attrs.evolve(i, rank=rank[i.id]) for i in self.items)


@attrs.frozen
class CategoryList(_ItemList[Category]):
    """The category list. Each method returns a new list.

    >>> categories, hot = CategoryList().add("Hot", CategoryGroup.POTENTIAL_CUSTOMER,
    ...                                      enable_lead_status=True)
    >>> categories.set_group(hot.id, CategoryGroup.LOST).get(hot.id).enable_lead_status
    False
    """

    _kind: str = attrs.field(default="category", kw_only=True, alias="kind")
    _items_check: ClassVar[Check] = tuple_of(Category, "a tuple of Category")

    def add(
        self,
        name: str,
        group: CategoryGroup,
        *,
        tooltip: str = "",
        enable_lead_status: bool = False,
        rank: int | None = None,
    ) -> tuple[CategoryList, Category]:
        """Append a category; returns the new list and the new item."""
        category = Category(
            id=CategoryId(self._next_id()),
            name=self._check_name(name),
            group=group,
            rank=self._next_rank() if rank is None else rank,
            tooltip=tooltip,
            enable_lead_status=enable_lead_status,
        )
        return CategoryList((*self.items, category)), category

    def rename(self, category_id: CategoryId, name: str) -> CategoryList:
        """Give a category a new unique name."""
        clean = self._check_name(name, exclude=category_id)
        return CategoryList(self._replace(attrs.evolve(self.get(category_id), name=clean)))

    def describe(self, category_id: CategoryId, tooltip: str) -> CategoryList:
        """Set the tooltip (description) of a category."""
        return CategoryList(self._replace(attrs.evolve(self.get(category_id), tooltip=tooltip)))

    def reorder(self, ordered_ids: Iterable[CategoryId]) -> CategoryList:
        """Rank the categories in the given order (every id exactly once)."""
        return CategoryList(self._reordered(ordered_ids))

    def delete(self, category_id: CategoryId) -> CategoryList:
        """Soft-delete: records keep the category, it can no longer be newly assigned."""
        return CategoryList(self._replace(attrs.evolve(self.get(category_id), deleted=True)))

    def restore(self, category_id: CategoryId) -> CategoryList:
        """Undo a soft delete."""
        return CategoryList(self._replace(attrs.evolve(self.get(category_id), deleted=False)))

    def set_lead_status_enabled(self, category_id: CategoryId, enabled: bool) -> CategoryList:
        """Switch "enable lead status"; only Potential customer categories may enable it."""
        item = attrs.evolve(self.get(category_id), enable_lead_status=enabled)
        return CategoryList(self._replace(item))

    def set_group(self, category_id: CategoryId, group: CategoryGroup) -> CategoryList:
        """Move a category to another group.

        Leaving Potential customer switches "enable lead status" off, since it
        exists only there; persons under the category then have their status
        hidden (R4), which the rules engine records.
        """
        item = self.get(category_id)
        enabled = item.enable_lead_status and group is CategoryGroup.POTENTIAL_CUSTOMER
        new = attrs.evolve(item, group=group, enable_lead_status=enabled)
        return CategoryList(self._replace(new))


@attrs.frozen
class LeadStatusList(_ItemList[LeadStatus]):
    """The lead-status list, with its default (the status new leads start in).

    >>> statuses = default_statuses().rename(LeadStatusId(5), "Later")
    >>> [s.name for s in statuses.active()]
    ['Open', 'Contacting', 'Qualified', 'Disqualified', 'Later']
    >>> statuses.set_default(LeadStatusId(2)).delete(LeadStatusId(1)).default.name
    'Contacting'
    """

    default_id: LeadStatusId | None = None
    _kind: str = attrs.field(default="lead status", kw_only=True, alias="kind")
    _items_check: ClassVar[Check] = tuple_of(LeadStatus, "a tuple of LeadStatus")

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        require(self.default_id, OPTIONAL_ID, entity="lead status list", field="default_id")
        if self.default_id is not None:
            default = self.get(self.default_id)
            if default.deleted:
                raise ListRuleError(
                    f"the default lead status {default.name!r} is deleted",
                    why="new leads must start in an active status",
                    fix="Restore it or choose another default",
                )

    @property
    def default(self) -> LeadStatus:
        """The status new leads start in (R5)."""
        if self.default_id is None:
            raise ListRuleError(
                "the lead-status list has no default",
                why="new leads need a status to start in",
                fix="Call set_default() with an active status",
            )
        return self.get(self.default_id)

    def by_key(self, key: str) -> LeadStatus:
        """The status with the stable ``key``."""
        for item in self.items:
            if item.key == key:
                return item
        raise NotFoundError(self._kind, key, by="key")

    def _with(self, items: tuple[LeadStatus, ...]) -> LeadStatusList:
        return LeadStatusList(items, default_id=self.default_id)

    def add(
        self, name: str, *, tooltip: str = "", key: str | None = None, rank: int | None = None
    ) -> tuple[LeadStatusList, LeadStatus]:
        """Append a status; its key is derived from the name unless given.

        A derived key that is taken gets a numeric suffix; a given key that is
        taken is refused, since keys are what integrations refer to.
        """
        clean = self._check_name(name)
        if key is not None:
            require(key, NAME, entity="lead status", field="key")
        taken = {i.key: i for i in self.items}
        if key is not None and key in taken:
            raise ListRuleError(
                f"the lead status key {key!r} is already used by {taken[key].name!r}",
                why="keys are stable references and must be unique",
                fix="Pass another key, or leave key out to derive one from the name",
                key=key,
                existing_id=taken[key].id,
            )
        chosen_key = key if key is not None else _slug(clean)
        base, n = chosen_key, 2
        while chosen_key in taken:
            chosen_key, n = f"{base}-{n}", n + 1
        status = LeadStatus(
            id=LeadStatusId(self._next_id()),
            key=chosen_key,
            name=clean,
            rank=self._next_rank() if rank is None else rank,
            tooltip=tooltip,
        )
        return self._with((*self.items, status)), status

    def rename(self, status_id: LeadStatusId, name: str) -> LeadStatusList:
        """Give a status a new unique name; its key stays."""
        clean = self._check_name(name, exclude=status_id)
        return self._with(self._replace(attrs.evolve(self.get(status_id), name=clean)))

    def describe(self, status_id: LeadStatusId, tooltip: str) -> LeadStatusList:
        """Set the tooltip (description) of a status (R6)."""
        return self._with(self._replace(attrs.evolve(self.get(status_id), tooltip=tooltip)))

    def reorder(self, ordered_ids: Iterable[LeadStatusId]) -> LeadStatusList:
        """Rank the statuses in the given order (every id exactly once)."""
        return self._with(self._reordered(ordered_ids))

    def delete(self, status_id: LeadStatusId) -> LeadStatusList:
        """Soft-delete; refused for the default until another default is chosen."""
        item = self.get(status_id)
        if status_id == self.default_id:
            raise ListRuleError(
                f"the default lead status {item.name!r} cannot be deleted",
                why="new leads start in the default status",
                fix="Choose another default with set_default() first",
                status_id=status_id,
            )
        return self._with(self._replace(attrs.evolve(item, deleted=True)))

    def restore(self, status_id: LeadStatusId) -> LeadStatusList:
        """Undo a soft delete."""
        return self._with(self._replace(attrs.evolve(self.get(status_id), deleted=False)))

    def set_default(self, status_id: LeadStatusId) -> LeadStatusList:
        """Make an active status the default."""
        self.assignable(status_id)
        return LeadStatusList(self.items, default_id=status_id)


@attrs.frozen
class Lists:
    """The category list and the lead-status list together, with the version they were
    stored at: what :class:`leadcore.ports.ListRepository` loads and saves, what the rules
    (:mod:`leadcore.rules`) and the views read, and what ``service.lists()`` returns.

    ``version`` is the storage's (0 for lists never stored); the rules ignore it.

    >>> lists = Lists(*new_database())
    >>> lists.statuses.default.name, lists.version
    ('Open', 0)
    >>> Lists(*new_database(), version=True)
    Traceback (most recent call last):
    ...
    leadcore.errors.ValidationError: a list pair's version must be a non-negative int: ...
    """

    categories: CategoryList
    statuses: LeadStatusList
    version: int = 0

    __attrs_post_init__ = fields(
        "list pair",
        categories=instance(CategoryList, "a CategoryList"),
        statuses=instance(LeadStatusList, "a LeadStatusList"),
        version=VERSION,
    )


def _slug(name: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-")
    return slug or "status"


_CLASSIC_CATEGORIES: tuple[tuple[str, CategoryGroup, str], ...] = (
    ("Customer", CategoryGroup.CUSTOMER, "Buys from us"),
    ("Prospect", CategoryGroup.POTENTIAL_CUSTOMER, "May buy from us"),
    ("Partner", CategoryGroup.PARTNER, "Works with us"),
    ("Supplier", CategoryGroup.OTHER, "Sells to us"),
    ("Competitor", CategoryGroup.OTHER, "Competes with us"),
    ("Other", CategoryGroup.OTHER, "Anything else"),
)

LEAD_CATEGORIES: tuple[tuple[str, CategoryGroup, bool, str], ...] = (
    ("Lead", CategoryGroup.POTENTIAL_CUSTOMER, True, "Showed interest; not yet qualified"),
    (
        "Marketing qualified lead",
        CategoryGroup.POTENTIAL_CUSTOMER,
        True,
        "Qualified by marketing; ready for sales",
    ),
    ("Opportunity", CategoryGroup.POTENTIAL_CUSTOMER, False, "In an active sales process"),
    ("Lost opportunity", CategoryGroup.LOST, False, "The sale was lost"),
)
"""The four categories a new database has and an existing one lacks, in rank order."""


_DANISH_CATEGORY_TEXTS: dict[str, tuple[str, str]] = {
    "Lead": ("Lead", "Har vist interesse; endnu ikke kvalificeret"),
    "Marketing qualified lead": (
        "Marketingkvalificeret lead",
        "Kvalificeret af marketing; klar til salg",
    ),
    "Opportunity": ("Salgsmulighed", "I en aktiv salgsproces"),
    "Lost opportunity": ("Tabt salgsmulighed", "Salget blev tabt"),
    "Customer": ("Kunde", "Køber hos os"),
    "Prospect": ("Emne", "Kan komme til at købe hos os"),
    "Partner": ("Partner", "Samarbejder med os"),
    "Supplier": ("Leverandør", "Sælger til os"),
    "Competitor": ("Konkurrent", "Konkurrerer med os"),
    "Other": ("Andet", "Alt andet"),
}
"""Danish names and tooltips of the shipped categories, by English name."""


def _category_text(name: str, tooltip: str, language: Language) -> tuple[str, str]:
    return (name, tooltip) if language == "en" else _DANISH_CATEGORY_TEXTS[name]


def default_statuses(language: Language = "en") -> LeadStatusList:
    """The default lead-status list (Open is the default), named in ``language``.

    >>> [s.label("da") for s in default_statuses()]
    ['Åben', 'Kontakter', 'Kvalificeret', 'Diskvalificeret', 'Genoptag kontakt']
    >>> [s.name for s in default_statuses("da")][:2]
    ['Åben', 'Kontakter']
    """
    items = tuple(
        LeadStatus(
            id=LeadStatusId(n),
            key=key,
            name=texts[language][0],
            rank=n,
            tooltip=texts[language][1],
        )
        for n, (key, texts) in enumerate(DEFAULT_STATUS_TEXTS.items(), start=1)
    )
    return LeadStatusList(items, default_id=LeadStatusId(1))


def existing_database(language: Language = "en") -> tuple[CategoryList, LeadStatusList]:
    """Lists of a database made before lead management: classic categories only.

    >>> [c.name for c in existing_database()[0]]
    ['Customer', 'Prospect', 'Partner', 'Supplier', 'Competitor', 'Other']
    """
    categories = CategoryList()
    for name, group, tooltip in _CLASSIC_CATEGORIES:
        name, tooltip = _category_text(name, tooltip, language)
        categories, _ = categories.add(name, group, tooltip=tooltip)
    return categories, default_statuses(language)


def new_database(language: Language = "en") -> tuple[CategoryList, LeadStatusList]:
    """Lists of a new database created in ``language`` ("en" or "da"): the four lead
    categories first, then the classic ones, and the default statuses.

    >>> [c.name for c in new_database()[0] if c.lead_enabled]
    ['Lead', 'Marketing qualified lead']
    >>> categories, statuses = new_database("da")
    >>> [c.name for c in categories if c.lead_enabled], statuses.default.name
    (['Lead', 'Marketingkvalificeret lead'], 'Åben')
    """
    categories = CategoryList()
    for name, group, enabled, tooltip in LEAD_CATEGORIES:
        name, tooltip = _category_text(name, tooltip, language)
        categories, _ = categories.add(name, group, tooltip=tooltip, enable_lead_status=enabled)
    for name, group, tooltip in _CLASSIC_CATEGORIES:
        name, tooltip = _category_text(name, tooltip, language)
        categories, _ = categories.add(name, group, tooltip=tooltip)
    return categories, default_statuses(language)


@attrs.frozen
class UpgradeReport:
    """What :func:`upgrade_categories` did: added items, and names it left alone.

    >>> UpgradeReport().changed
    False
    """

    added: tuple[Category, ...] = ()
    already_present: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when the upgrade added anything."""
        return bool(self.added)


def upgrade_categories(categories: CategoryList) -> tuple[CategoryList, UpgradeReport]:
    """Add the lead categories an existing database lacks; idempotent.

    A name that already exists (ignoring case, deleted included) is left as the
    admin has it and listed in ``already_present``; nothing is overwritten.

    >>> old, _ = existing_database()
    >>> upgraded, report = upgrade_categories(old)
    >>> [c.name for c in report.added]
    ['Lead', 'Marketing qualified lead', 'Opportunity', 'Lost opportunity']
    >>> upgrade_categories(upgraded)[1].changed
    False
    """
    added: list[Category] = []
    present: list[str] = []
    for name, group, enabled, tooltip in LEAD_CATEGORIES:
        try:
            categories.by_name(name)
        except NotFoundError:
            categories, item = categories.add(
                name, group, tooltip=tooltip, enable_lead_status=enabled
            )
            added.append(item)
        else:
            present.append(name)
    return categories, UpgradeReport(tuple(added), tuple(present))
