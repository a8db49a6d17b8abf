"""Views (``service.views``): the contacts tab, Find results, the board view and card
moves, and the layouts each associate saves; see docs/views.md.

Every view is read in one unit of work through the adapter's queries (pages with
totals, grouped counts); it holds no copy of the data. A card move goes through
the ``persons`` and ``companies`` resources this one is given, so the rules, the
transition policy, history and events apply, and a refused move changes nothing.

>>> from leadcore import LeadService
>>> service = LeadService.in_memory()
>>> _ = service.persons.add("Ann", category_id=service.lists().categories.by_name("Lead").id)
>>> [(c.label, c.count) for c in service.views.board().columns][:1]
[('Open', 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import attrs

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.build import condition
from leadcore.criteria.fields import Entity, ListKind, ValueType, field, fields_for
from leadcore.errors import ValidationError
from leadcore.licence import Feature
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    Language,
    LeadStatusId,
    Person,
    PersonId,
    SelectionId,
)
from leadcore.ports import UnitOfWork
from leadcore.queries import GroupedCounts, Order, Page, PageResult, Query, group_field
from leadcore.selections import DynamicSelection, Target, resolve
from leadcore.service._context import Context, check_version
from leadcore.service._resource import Resource
from leadcore.views._scope import MemberRows, Scope
from leadcore.views.board import NO_VALUE_LABEL, Board, BoardColumn
from leadcore.views.columns import (
    CellContext,
    Column,
    ColumnHeading,
    Row,
    column,
    company_row,
    filters_criterion,
    person_row,
    sort_orders,
    value_text,
)
from leadcore.views.contacts import ContactsTab
from leadcore.views.results import GroupBucket, ResultsPage
from leadcore.views.settings import (
    CONTACTS_TAB,
    DEFAULT_CONTACTS,
    DEFAULT_RESULTS,
    FIND_RESULTS,
    Layout,
    LoadedLayout,
    check_layout,
    settings_key,
    structure_layout,
    unstructure_layout,
)

if TYPE_CHECKING:
    from leadcore.service.companies import Companies
    from leadcore.service.persons import Persons

__all__ = ["BoardSource", "Views"]

BoardSource = SelectionId | Criterion
"""What a board or a Find result shows: a saved selection (by id) or a criterion."""

MAX_CARDS = 1000
"""Most cards a board column or a result page returns at once."""
FIRST_PAGE = Page(0, 50)
"""The default page of a Find result or a contacts tab."""
FIRST_CARDS = Page(0, 10)
"""The default page of a board column's cards."""

_VIEWS = {CONTACTS_TAB: DEFAULT_CONTACTS, FIND_RESULTS: DEFAULT_RESULTS}
_DEFAULT_CARDS = {
    Entity.PERSON: ("person.name", "company.name"),
    Entity.COMPANY: ("company.name",),
}
_BOARD_FIELDS = {
    entity: tuple(
        key
        for key, spec in fields_for(entity).items()
        if spec.value_type in (ValueType.LIST, ValueType.ASSOCIATE)
    )
    for entity in Entity
}
"""What a board groups by: the list and owner fields of its entity (see ``group_field``)."""


def _check_page(page: Page) -> None:
    if page.offset < 0 or page.limit is None or not 0 <= page.limit <= MAX_CARDS:
        raise ValidationError(
            f"bad view page offset={page.offset} limit={page.limit}",
            why=f"a view returns 0 to {MAX_CARDS} rows at a time, from an offset >= 0",
            fix=f"Pass Page(offset >= 0, 0 <= limit <= {MAX_CARDS})",
            offset=page.offset,
            limit=page.limit,
        )


class Views(Resource, namespace="views"):
    """Views: contacts tab, Find results, board and card moves, saved layouts."""

    __slots__ = ("_companies", "_persons")

    def __init__(self, context: Context, persons: Persons, companies: Companies) -> None:
        super().__init__(context)
        self._persons = persons
        self._companies = companies

    # --- layouts per associate ------------------------------------------------------------

    def _me(self, operation: str) -> AssociateId:
        associate = self._context.associate
        if associate is None:
            raise ValidationError(
                f"{operation} needs an acting associate",
                why="view layouts are saved per associate",
                fix="Use service.acting_as(associate_id)",
            )
        return associate

    @staticmethod
    def _view_name(view: str) -> str:
        if view not in _VIEWS:
            raise ValidationError(
                f"unknown view {view!r}",
                why=f"layouts are saved for the views {sorted(_VIEWS)}",
                fix="Pass one of those names",
                view=view,
            )
        return view

    def save_layout(self, view: str, layout: Layout) -> Layout:
        """Save the acting associate's ``layout`` of ``view`` ("contacts_tab" or
        "find_results"); it is checked strictly first (unknown or unlicensed columns
        and bad filters are refused).

        >>> from leadcore.views import Layout
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory(associate=AssociateId(7))
        >>> mine = Layout(("person.name", "person.lead_status"))
        >>> service.views.save_layout("contacts_tab", mine) == mine
        True
        >>> service.views.layout("contacts_tab").layout == mine
        True
        """
        me = self._me("saving a view layout")
        name = self._view_name(view)
        with self._context.command() as command:
            uow = command.uow
            checked = check_layout(
                layout, Entity.PERSON, self._context.licence, self._context.lists(uow), strict=True
            ).layout
            uow.settings.set(settings_key(name, me), unstructure_layout(checked))
        return checked

    def layout(self, view: str) -> LoadedLayout:
        """The acting associate's saved layout of ``view``, or the view's default.

        What no longer loads (a column the licence lost, a deleted list item in a
        filter, an unknown column) is dropped and listed in ``dropped``.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory(associate=AssociateId(7))
        >>> loaded = service.views.layout("find_results")
        >>> loaded.saved, loaded.layout.columns[:2]
        (False, ('person.name', 'company.name'))
        """
        me = self._me("reading a view layout")
        name = self._view_name(view)
        with self._context.uow() as uow:
            return self._loaded(uow, name, me)

    def _loaded(self, uow: UnitOfWork, view: str, me: AssociateId | None) -> LoadedLayout:
        lists = self._context.lists(uow)
        data = None if me is None else uow.settings.get(settings_key(view, me))
        if data is None:
            default = check_layout(
                _VIEWS[view], Entity.PERSON, self._context.licence, lists, strict=False
            )
            return LoadedLayout(default.layout, (), saved=False)
        loaded = check_layout(
            structure_layout(data), Entity.PERSON, self._context.licence, lists, strict=False
        )
        return LoadedLayout(loaded.layout, loaded.dropped, saved=True)

    # --- shared plumbing ------------------------------------------------------------------

    def _cell_context(self, uow: UnitOfWork, language: Language) -> CellContext:
        names = {a.id: a.name for a in uow.associates.all()}
        return CellContext(self._context.lists(uow), names, language)

    def _rows(
        self, uow: UnitOfWork, entity: Entity, columns: Sequence[Column],
        records: Sequence[Person | Company], ctx: CellContext,
    ) -> tuple[Row, ...]:  # fmt: skip
        if entity is Entity.COMPANY:
            return tuple(company_row(columns, cast(Company, r), ctx) for r in records)
        persons = [cast(Person, r) for r in records]
        ids = sorted({p.company_id for p in persons if p.company_id is not None})
        companies = {c.id: c for c in uow.companies.get_many(ids)}
        return tuple(
            person_row(columns, p, None if p.company_id is None else companies[p.company_id], ctx)
            for p in persons
        )

    def _scope(self, uow: UnitOfWork, source: BoardSource, entity: Entity | None) -> Scope:
        """The records ``source`` stands for, as criteria or member ids."""
        if not isinstance(source, int) or isinstance(source, bool):
            chosen = Entity.PERSON if entity is None else entity
            self._context.query(source, chosen)
            return Scope(chosen, source)
        selection = uow.selections.get(SelectionId(source))
        if entity is None:
            entity = Entity.COMPANY if selection.target is Target.COMPANIES else Entity.PERSON
        other = Target.COMPANIES if entity is Entity.PERSON else Target.PERSONS
        if selection.target is other:
            listed, shown = other.value, entity.value
            raise ValidationError(
                f"selection {selection.id} lists {listed}, not {shown}s",
                why=f"a {shown}s view needs a selection of {shown}s",
                fix=f"Show it with entity=Entity.{'COMPANY' if shown == 'person' else 'PERSON'}",
                selection_id=selection.id,
            )
        if isinstance(selection, DynamicSelection) and selection.entity is entity:
            # its criteria search the view's entity; mapping to the selection's target
            # keeps those records as they are (selections.project): the adapter counts
            return Scope(entity, selection.criteria)
        members = resolve(selection, self._context.member_source(uow))
        ids = members.persons if entity is Entity.PERSON else members.companies
        scope = Scope(entity, ALWAYS, frozenset(int(i) for i in ids))
        query = self._context.query(ALWAYS, entity)
        return attrs.evolve(scope, loaded=MemberRows.load(uow, scope, self._context.licence, query))

    def _scoped_count_by(
        self, uow: UnitOfWork, scope: Scope, field_key: str, *, visible_only: bool = False
    ) -> GroupedCounts:
        query = self._context.query(scope.criteria, scope.entity)
        if scope.members is not None:
            return self._members(uow, scope, query).count_by(field_key, visible_only=visible_only)
        if scope.entity is Entity.COMPANY:
            return uow.companies.count_by(query, field_key)
        return uow.persons.count_by(query, field_key, visible_only=visible_only)

    def _scoped_page(
        self, uow: UnitOfWork, scope: Scope, order: Sequence[Order], page: Page
    ) -> PageResult[Person] | PageResult[Company]:
        _check_page(page)
        query = self._context.query(scope.criteria, scope.entity, order, page)
        if scope.members is not None:
            return self._members(uow, scope, query).page(query.order, page)
        if scope.entity is Entity.COMPANY:
            return uow.companies.find_page(query)
        return uow.persons.find_page(query)

    def _members(self, uow: UnitOfWork, scope: Scope, query: Query) -> MemberRows:
        """The member rows of ``scope`` matching its criteria (loaded once per view)."""
        if scope.loaded is None:
            return MemberRows.load(uow, scope, self._context.licence, query)
        return scope.loaded.filtered(scope.criteria, self._context.licence, query)

    def _columns(self, keys: Sequence[str], entity: Entity) -> tuple[Column, ...]:
        layout = Layout(tuple(keys))
        checked = check_layout(layout, entity, self._context.licence, _NO_LISTS, strict=True)
        return tuple(column(k, entity) for k in checked.layout.columns)

    # --- Find results ---------------------------------------------------------------------

    def find_results(
        self,
        source: BoardSource = ALWAYS,
        layout: Layout | None = None,
        *,
        entity: Entity | None = None,
        page: Page = FIRST_PAGE,
        language: Language = "en",
    ) -> ResultsPage:
        """One page of a Find result or a selection in chosen columns, with the total.

        ``source``: criteria or a saved selection's id. ``layout``: its columns,
        filters (ANDed to the source) and order (on column keys); without it the
        acting associate's saved "find_results" layout, or the default (name,
        company, category, lead status, lead-creation source). Grouping levels of
        a layout are not applied to results (see :meth:`contacts_tab`).

        >>> from leadcore.views import Layout
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> _ = service.persons.add("Ann", "Ash", company_id=acme.id)
        >>> shown = service.views.find_results(
        ...     layout=Layout(("person.name", "person.lead_status")), language="da")
        >>> [row.texts() for row in shown.rows], shown.total
        ([{'person.name': 'Ann Ash', 'person.lead_status': 'Åben'}], 1)
        """
        with self._context.uow() as uow:
            scope = self._scope(uow, source, entity)
            if layout is None:
                if scope.entity is Entity.PERSON:
                    loaded = self._loaded(uow, FIND_RESULTS, self._context.associate)
                else:
                    loaded = LoadedLayout(Layout(("company.name", "company.category",
                                                  "company.owner")))  # fmt: skip
            else:
                loaded = check_layout(
                    layout,
                    scope.entity,
                    self._context.licence,
                    self._context.lists(uow),
                    strict=True,
                )
            chosen = loaded.layout
            columns = tuple(column(k, scope.entity) for k in chosen.columns)
            scope = scope.narrowed(filters_criterion(chosen.filters, scope.entity))
            found = self._scoped_page(uow, scope, sort_orders(chosen.order, scope.entity), page)
            ctx = self._cell_context(uow, language)
            return ResultsPage(
                scope.entity.value,
                tuple(ColumnHeading.of(c, language) for c in columns),
                self._rows(uow, scope.entity, columns, found.items, ctx),
                found.total,
                page,
                loaded.dropped,
            )

    # --- contacts tab ---------------------------------------------------------------------

    def contacts_tab(
        self,
        company_id: CompanyId,
        layout: Layout | None = None,
        *,
        page: Page = FIRST_PAGE,
        language: Language = "en",
    ) -> ContactsTab:
        """A company's persons in chosen columns: filtered, grouped with counts, sorted, paged.

        Without ``layout`` the acting associate's saved "contacts_tab" layout is
        used (what no longer loads is dropped and reported), or the default.
        The company's persons are read once (``persons.of_company``); the filters
        (one criterion), grouping levels (each with counts, ordering the rows
        first), order and page are applied to them with the criteria's own
        predicates, readers and ordering rules.

        >>> from leadcore.views import ColumnFilter, Layout
        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> for first in ("Ann", "Bo", "Anders"):
        ...     _ = service.persons.add(first, "Ash", company_id=acme.id)
        >>> tab = service.views.contacts_tab(acme.id, Layout(
        ...     ("person.name", "person.lead_status"),
        ...     filters=(ColumnFilter("person.first_name", ("an",)),),
        ...     grouping=("person.lead_status",),
        ...     order=(Order("person.name"),)))
        >>> [r["person.name"].text for r in tab.rows], tab.total
        (['Anders Ash', 'Ann Ash'], 2)
        >>> [(g.label, g.count) for g in tab.groups]
        [('Open', 2)]
        """
        with self._context.uow() as uow:
            uow.companies.get(company_id)
            if layout is None:
                loaded = self._loaded(uow, CONTACTS_TAB, self._context.associate)
            else:
                loaded = check_layout(
                    layout,
                    Entity.PERSON,
                    self._context.licence,
                    self._context.lists(uow),
                    strict=True,
                )
            chosen = loaded.layout
            for key in chosen.grouping:
                if column(key, Entity.PERSON).list_kind is ListKind.LEAD_STATUS:
                    self._context.require_lead_status(f"grouping by {key!r}")
            filters = filters_criterion(chosen.filters, Entity.PERSON)
            order = [Order(k) for k in chosen.grouping] + [
                o for o in chosen.order if o.field not in chosen.grouping
            ]
            _check_page(page)
            query = self._context.query(
                filters, Entity.PERSON, sort_orders(order, Entity.PERSON), page
            )
            persons = uow.persons.of_company(company_id)
            rows = MemberRows.of_persons(
                uow, persons, Scope(Entity.PERSON, filters), self._context.licence, query
            )
            ctx = self._cell_context(uow, language)
            groups = _member_groups(rows, chosen.grouping, ctx)
            found = rows.page(query.order, page)
            columns = tuple(column(k, Entity.PERSON) for k in chosen.columns)
            return ContactsTab(
                int(company_id),
                chosen,
                tuple(ColumnHeading.of(c, language) for c in columns),
                self._rows(uow, Entity.PERSON, columns, found.items, ctx),
                found.total,
                page,
                groups,
                loaded.dropped,
            )

    def _groups(
        self, uow: UnitOfWork, scope: Scope, grouping: Sequence[str], ctx: CellContext
    ) -> tuple[GroupBucket, ...]:
        if not grouping:
            return ()
        key, rest = grouping[0], grouping[1:]
        counts = self._scoped_count_by(uow, scope, key)
        buckets = []
        for bucket in counts.buckets:
            if not bucket.count:
                continue
            label, _ = _value_label(key, bucket.value, ctx)
            inner = scope.narrowed(_value_criterion(key, bucket.value, counts, scope.entity))
            buckets.append(
                GroupBucket(key, bucket.value, label, bucket.count,
                            self._groups(uow, inner, rest, ctx))
            )  # fmt: skip
        return tuple(buckets)

    # --- board ----------------------------------------------------------------------------

    def board(
        self,
        source: BoardSource = ALWAYS,
        group_by: str | None = None,
        *,
        entity: Entity | None = None,
        card_columns: Sequence[str] | None = None,
        cards: int = 10,
        order: Sequence[Order] = (),
        hide_empty: bool = False,
        sub_group_by: str | None = None,
        language: Language = "en",
    ) -> Board:
        """The board view of a selection (by id) or a criterion: one column per value.

        ``group_by``: persons by ``person.lead_status`` (the default),
        ``person.category``, ``person.category_group``, ``person.owner`` or a
        ``company.*`` list or owner field; companies by ``company.category`` (the
        default), ``company.category_group`` or ``company.owner``. Columns come in
        list rank order (owners by id), then deleted items still held, then the
        "no value" column. Each column has its count and its first ``cards``
        (rows of ``card_columns``, ordered by ``order`` on column keys, then by id);
        :meth:`board_column` pages further. A lead-status board shows a status
        only where it is visible and reports the persons it ``left_out``.
        Needs the board feature.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> customer = service.lists().categories.by_name("Customer").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> bolt = service.companies.add("Bolt", category_id=customer)
        >>> ann = service.persons.add("Ann", company_id=acme.id)
        >>> bo = service.persons.add("Bo", company_id=bolt.id)
        >>> board = service.views.board(language="da")
        >>> [(c.label, c.count) for c in board.columns][:2], board.columns[-1].label
        ([('Åben', 1), ('Kontakter', 0)], 'Ingen værdi')
        >>> board.column(1).cards[0]["person.name"].text, board.total, board.left_out
        ('Ann', 2, 0)
        """
        self._context.licence.require(Feature.BOARD, "showing a board")
        with self._context.uow() as uow:
            scope = self._scope(uow, source, entity)
            key = self._board_field(scope.entity, group_by)
            if sub_group_by is not None:
                self._board_field(scope.entity, sub_group_by)
            if cards < 0 or cards > MAX_CARDS:
                _check_page(Page(0, cards))
            keys = _DEFAULT_CARDS[scope.entity] if card_columns is None else tuple(card_columns)
            columns = self._columns(keys, scope.entity)
            visible_only = key == "person.lead_status"
            counts = self._scoped_count_by(uow, scope, key, visible_only=visible_only)
            ctx = self._cell_context(uow, language)
            sort = sort_orders(order, scope.entity)
            lists = ctx.lists
            board_columns = []
            for bucket in counts.buckets:
                if hide_empty and not bucket.count:
                    continue
                inner = scope.narrowed(
                    _value_criterion(key, bucket.value, counts, scope.entity, visible_only, lists)
                )
                board_columns.append(
                    self._board_column(
                        uow, inner, key, bucket.value, bucket.count, columns, sort,
                        Page(0, cards), sub_group_by, ctx,
                    )
                )  # fmt: skip
            return Board(
                scope.entity.value,
                key,
                field(key, scope.entity).label(language),
                tuple(board_columns),
                counts.total,
                counts.hidden,
                tuple(ColumnHeading.of(c, language) for c in columns),
            )

    def board_column(
        self,
        source: BoardSource,
        group_by: str | None,
        value: int | None,
        *,
        entity: Entity | None = None,
        card_columns: Sequence[str] | None = None,
        page: Page = FIRST_CARDS,
        order: Sequence[Order] = (),
        sub_group_by: str | None = None,
        language: Language = "en",
    ) -> BoardColumn:
        """One column of :meth:`board` with a page of its cards (the next cards of a column).

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> acme = service.companies.add("Acme", category_id=lead)
        >>> for name in ("Ann", "Bo", "Cy"):
        ...     _ = service.persons.add(name, company_id=acme.id)
        >>> open_ = service.lists().statuses.by_key("open").id
        >>> more = service.views.board_column(ALWAYS, "person.lead_status", open_,
        ...                                   page=Page(2, 10))
        >>> [r["person.name"].text for r in more.cards], more.count, more.has_more
        (['Cy'], 3, False)
        """
        self._context.licence.require(Feature.BOARD, "showing a board")
        _check_page(page)
        with self._context.uow() as uow:
            scope = self._scope(uow, source, entity)
            key = self._board_field(scope.entity, group_by)
            if sub_group_by is not None:
                self._board_field(scope.entity, sub_group_by)
            keys = _DEFAULT_CARDS[scope.entity] if card_columns is None else tuple(card_columns)
            columns = self._columns(keys, scope.entity)
            visible_only = key == "person.lead_status"
            counts = self._scoped_count_by(uow, scope, key, visible_only=visible_only)
            ctx = self._cell_context(uow, language)
            inner = scope.narrowed(
                _value_criterion(key, value, counts, scope.entity, visible_only, ctx.lists)
            )
            return self._board_column(
                uow, inner, key, value, counts[value], columns,
                sort_orders(order, scope.entity), page, sub_group_by, ctx,
            )  # fmt: skip

    def _board_field(self, entity: Entity, group_by: str | None) -> str:
        key = group_by or ("person.lead_status" if entity is Entity.PERSON else "company.category")
        if key not in _BOARD_FIELDS[entity]:
            raise ValidationError(
                f"a board of {entity.value}s cannot group by {key!r}",
                why=f"it groups by one of {', '.join(_BOARD_FIELDS[entity])}",
                fix="Pick one of those fields",
                group_by=key,
            )
        group_field(key, entity)
        if key == "person.lead_status":
            self._context.require_lead_status(f"a board by {key!r}")
        return key

    def _board_column(
        self, uow: UnitOfWork, scope: Scope, key: str, value: int | None, count: int,
        columns: Sequence[Column], order: Sequence[Order], page: Page,
        sub_group_by: str | None, ctx: CellContext,
    ) -> BoardColumn:  # fmt: skip
        label, tooltip = _value_label(key, value, ctx)
        found = self._scoped_page(uow, scope, order, page) if page.limit else None
        rows = () if found is None else self._rows(uow, scope.entity, columns, found.items, ctx)
        subs = () if sub_group_by is None else self._groups(uow, scope, (sub_group_by,), ctx)
        return BoardColumn(
            value,
            label,
            tooltip,
            count,
            rows,
            page.offset + len(rows) < count,
            subs,
            _deleted(key, value, ctx.lists),
        )

    def move_card(
        self,
        group_by: str,
        record_id: int,
        value: int | None,
        *,
        entity: Entity = Entity.PERSON,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Person | Company:
        """Move a card to the column of ``value``: change the grouped field through the
        service's commands and their rules; returns the changed record.

        ``person.lead_status``: :meth:`Persons.set_lead_status
        <leadcore.service.persons.Persons.set_lead_status>` (transition policy; a
        hidden status is refused, R4; there is no move to "no value").
        ``person.category``: :meth:`Persons.set_category
        <leadcore.service.persons.Persons.set_category>` (a person with a
        company is refused with :class:`leadcore.errors.InheritedCategoryError`,
        R3). ``company.category``: :meth:`Companies.change_category
        <leadcore.service.companies.Companies.change_category>` of the card's
        company (a person's card moves its whole company). ``person.owner`` and
        ``company.owner``: :meth:`Persons.edit <leadcore.service.persons.Persons.edit>` /
        :meth:`Companies.edit <leadcore.service.companies.Companies.edit>`. ``entity`` says
        whether ``record_id`` is a person (the default) or a company. Group
        columns cannot be moved to. A refused move raises the command's typed
        error and changes nothing. Needs the board feature.

        ``expected_version`` is the card's version (``Row.version``: of the
        person or company it shows); when the record has another one now, the
        move is refused with a :class:`leadcore.errors.ConflictError`
        (``retryable`` false) and nothing changes. A person's card that moves its
        company checks the person's version.

        >>> from leadcore import LeadService
        >>> service = LeadService.in_memory()
        >>> lead = service.lists().categories.by_name("Lead").id
        >>> ann = service.persons.add("Ann", category_id=lead)
        >>> qualified = service.lists().statuses.by_key("qualified").id
        >>> service.views.move_card("person.lead_status", ann.id, qualified).lead_status_id
        3
        >>> service.views.board().column(qualified).count
        1
        """
        self._context.licence.require(Feature.BOARD, "moving a board card")
        if entity is Entity.COMPANY and group_by.startswith("person."):
            raise ValidationError(
                f"a company card cannot be moved by {group_by!r}",
                why="a companies board groups by company fields",
                fix="Use company.category or company.owner",
                group_by=group_by,
                company_id=record_id,
            )
        if group_by == "person.lead_status":
            if value is None:
                raise ValidationError(
                    f"person {record_id} cannot be moved to the no-value column",
                    why="a lead status is set, never cleared, by a user",
                    fix="Move the card to a status column",
                    person_id=record_id,
                )
            return self._persons.set_lead_status(
                PersonId(record_id),
                LeadStatusId(value),
                reason=reason,
                expected_version=expected_version,
            )
        if group_by == "person.category":
            category = None if value is None else CategoryId(value)
            return self._persons.set_category(
                PersonId(record_id), category, expected_version=expected_version
            )
        if group_by == "person.owner":
            owner = None if value is None else AssociateId(value)
            return self._persons.edit(
                PersonId(record_id), owner_id=owner, expected_version=expected_version
            )
        if group_by in ("company.category", "company.owner"):
            return self._move_company_card(group_by, record_id, value, entity, expected_version)
        raise ValidationError(
            f"a card cannot be moved on a board by {group_by!r}",
            why="cards move between lead statuses, categories and owners; a category "
            "group is the group of a category",
            fix="Group the board by a category to move cards between categories",
            group_by=group_by,
            record_id=record_id,
        )

    def _move_company_card(
        self,
        group_by: str,
        record_id: int,
        value: int | None,
        entity: Entity,
        expected_version: int | None,
    ) -> Person | Company:
        person = None
        company_version = expected_version
        if entity is Entity.COMPANY:
            company_id = CompanyId(record_id)
        else:
            with self._context.uow() as uow:
                person = uow.persons.get(PersonId(record_id))
            check_version("person", person, expected_version)
            company_version = None  # the card is the person's: its version was checked
            if person.company_id is None:
                raise ValidationError(
                    f"person {record_id} has no company to move",
                    why=f"the board groups by {group_by!r}",
                    fix="Group by person.category to move a person without company",
                    person_id=record_id,
                )
            company_id = person.company_id
        if group_by == "company.category":
            category = None if value is None else CategoryId(value)
            company = self._companies.change_category(
                company_id, category, expected_version=company_version
            )
        else:
            owner = None if value is None else AssociateId(value)
            company = self._companies.edit(
                company_id, owner_id=owner, expected_version=company_version
            )
        if person is None:
            return company
        with self._context.uow() as uow:
            return uow.persons.get(person.id)


_NO_LISTS = Lists(*new_database())
"""Lists for checking card columns (no filters, so list items are never looked at)."""


def _member_groups(
    rows: MemberRows, grouping: Sequence[str], ctx: CellContext
) -> tuple[GroupBucket, ...]:
    """The grouping levels of loaded rows: the non-empty buckets of each level, nested."""
    if not grouping:
        return ()
    key, rest = grouping[0], grouping[1:]
    buckets = []
    parts = rows.split(key)
    counts = GroupedCounts.build(key, {v: part.count() for v, part in parts.items()}, rows.lists)
    for bucket in counts.buckets:
        if bucket.count:
            label, _ = _value_label(key, bucket.value, ctx)
            inner = _member_groups(parts[bucket.value], rest, ctx)
            buckets.append(GroupBucket(key, bucket.value, label, bucket.count, inner))
    return tuple(buckets)


def _deleted(key: str, value: int | None, lists: Lists) -> bool:
    entity = Entity.PERSON if key.startswith("person.") else Entity.COMPANY
    kind = field(key, entity).list_kind
    if value is None or kind not in (ListKind.LEAD_STATUS, ListKind.CATEGORY):
        return False
    items = lists.statuses if kind is ListKind.LEAD_STATUS else lists.categories
    return value in items and items.get(value).deleted


def _value_label(key: str, value: int | None, ctx: CellContext) -> tuple[str, str | None]:
    """A column's or group's label and tooltip in the reader's language."""
    if value is None:
        return NO_VALUE_LABEL[ctx.language], None
    entity = Entity.PERSON if key.startswith("person.") else Entity.COMPANY
    return value_text(column(key, entity), value, ctx)


def _value_criterion(
    key: str,
    value: int | None,
    counts: GroupedCounts,
    entity: Entity,
    visible_only: bool = False,
    lists: Lists | None = None,
) -> Criterion:
    """The criterion of one bucket of ``counts``: the records its count counts."""
    if visible_only:
        assert lists is not None
        if value is None:
            return condition(key, "not_set", entity=entity)
        enabled = [c.id for c in lists.categories if c.lead_enabled]
        return condition(key, "in", value, entity=entity) & condition(
            "person.category", "in", *enabled, entity=entity
        )
    if value is None:
        others = [b.value for b in counts.buckets if b.value is not None]
        return condition(key, "not_in", *others, entity=entity)
    return condition(key, "in", value, entity=entity)
