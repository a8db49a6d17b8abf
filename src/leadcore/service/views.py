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
from typing import TYPE_CHECKING, Any

from leadcore.criteria.ast import ALWAYS, Criterion
from leadcore.criteria.fields import Entity
from leadcore.errors import ValidationError
from leadcore.licence import Feature
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
from leadcore.queries import GroupedCounts, Order, Page, PageResult
from leadcore.selections import resolve
from leadcore.service._context import Context, check_version
from leadcore.service._resource import Resource
from leadcore.views.board import (
    Board,
    BoardColumn,
    BoardPlan,
    ColumnCards,
    board_plan,
    check_card_move,
    column_scopes,
)
from leadcore.views.board import board as assemble_board
from leadcore.views.board import board_column as assemble_column
from leadcore.views.contacts import ContactsTab, contacts_tab
from leadcore.views.results import ResultsPage, results_page, results_plan
from leadcore.views.scope import MemberRows, Reading, Scope, check_view_page, selection_scope
from leadcore.views.settings import (
    CONTACTS_TAB,
    DEFAULT_CONTACTS,
    DEFAULT_RESULTS,
    FIND_RESULTS,
    Layout,
    LoadedLayout,
    check_layout,
    chosen_layout,
    settings_key,
    unstructure_layout,
)

if TYPE_CHECKING:
    from leadcore.service.companies import Companies
    from leadcore.service.persons import Persons

__all__ = ["BoardSource", "Views"]

BoardSource = SelectionId | Criterion
"""What a board or a Find result shows: a saved selection (by id) or a criterion."""

FIRST_PAGE = Page(0, 50)
"""The default page of a Find result or a contacts tab."""
FIRST_CARDS = Page(0, 10)
"""The default page of a board column's cards."""

_VIEWS = {CONTACTS_TAB: DEFAULT_CONTACTS, FIND_RESULTS: DEFAULT_RESULTS}


class Views(Resource, namespace="views"):
    """Views: contacts tab, Find results, board and card moves, saved layouts.

    Each view opens one unit of work, reads what it shows (the records, the lists,
    the associates' names, the saved layout) and hands it to the pure functions of
    :mod:`leadcore.views`, which compute the view.
    """

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
        context = self._context
        with context.uow() as uow:
            saved = uow.settings.get(settings_key(name, me))
            lists = context.lists(uow)
            return chosen_layout(None, saved, _VIEWS[name], Entity.PERSON, context.licence, lists)

    # --- what a view reads ----------------------------------------------------------------

    def _reading(self, uow: UnitOfWork, language: Language) -> Reading:
        """The lists, names, licence, time and actor a view is computed with."""
        context = self._context
        names = {a.id: a.name for a in uow.associates.all()}
        return Reading(
            uow.lists.load(), names, context.licence, context.clock.now(), context.associate,
            language,
        )  # fmt: skip

    def _saved(self, uow: UnitOfWork, view: str, layout: Layout | None) -> Any:
        """The acting associate's saved layout data of ``view`` (``None``: a layout is
        given, there is no acting associate, or none is saved)."""
        me = self._context.associate
        if layout is not None or me is None:
            return None
        return uow.settings.get(settings_key(view, me))

    def _scope(
        self, uow: UnitOfWork, source: BoardSource, entity: Entity | None, reading: Reading
    ) -> Scope:
        """The records ``source`` stands for: criteria, or a selection's members loaded."""
        if not isinstance(source, int) or isinstance(source, bool):
            chosen = Entity.PERSON if entity is None else entity
            reading.query(source, chosen)
            return Scope(chosen, source)
        selection = uow.selections.get(SelectionId(source))
        entity, scope = selection_scope(selection, entity)
        if scope is not None:
            return scope
        members = resolve(selection, self._context.member_source(uow))
        loaded: MemberRows
        if entity is Entity.PERSON:
            persons = uow.persons.get_many(sorted(members.persons))
            companies = self._companies_of(uow, persons)
            loaded = MemberRows.of_persons(persons, companies, ALWAYS, reading)
        else:
            loaded = MemberRows.of_companies(
                uow.companies.get_many(sorted(members.companies)), ALWAYS, reading
            )
        return Scope(entity, ALWAYS, loaded)

    @staticmethod
    def _companies_of(
        uow: UnitOfWork, records: Sequence[Person] | Sequence[Company]
    ) -> dict[CompanyId, Company]:
        """The companies of the persons among ``records``, by id."""
        ids = {r.company_id for r in records if isinstance(r, Person) and r.company_id is not None}
        return {c.id: c for c in uow.companies.get_many(sorted(ids))} if ids else {}

    @staticmethod
    def _count_by(
        uow: UnitOfWork, scope: Scope, key: str, reading: Reading, *, visible_only: bool = False
    ) -> GroupedCounts:
        query = reading.query(scope.criteria, scope.entity)
        if scope.loaded is not None:
            rows = scope.loaded.filtered(scope.criteria, reading)
            return rows.count_by(key, visible_only=visible_only)
        if scope.entity is Entity.COMPANY:
            return uow.companies.count_by(query, key)
        return uow.persons.count_by(query, key, visible_only=visible_only)

    @staticmethod
    def _page(
        uow: UnitOfWork, scope: Scope, order: Sequence[Order], page: Page, reading: Reading
    ) -> PageResult[Person] | PageResult[Company]:
        check_view_page(page)
        query = reading.query(scope.criteria, scope.entity, order, page)
        if scope.loaded is not None:
            return scope.loaded.filtered(scope.criteria, reading).page(query.order, page)
        if scope.entity is Entity.COMPANY:
            return uow.companies.find_page(query)
        return uow.persons.find_page(query)

    # --- Find results, contacts tab -------------------------------------------------------

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
            reading = self._reading(uow, language)
            scope = self._scope(uow, source, entity, reading)
            saved = (
                self._saved(uow, FIND_RESULTS, layout) if scope.entity is Entity.PERSON else None
            )
            plan = results_plan(scope, reading, layout=layout, saved=saved)
            found = self._page(uow, plan.scope, plan.order, page, reading)
            return results_page(plan, found, self._companies_of(uow, found.items), reading)

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
            company = uow.companies.get(company_id)
            return contacts_tab(
                company,
                uow.persons.of_company(company_id),
                self._reading(uow, language),
                page,
                layout=layout,
                saved=self._saved(uow, CONTACTS_TAB, layout),
            )

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
            reading = self._reading(uow, language)
            scope = self._scope(uow, source, entity, reading)
            plan = board_plan(
                scope.entity, group_by, reading.licence, page=Page(0, cards),
                sub_group_by=sub_group_by, card_columns=card_columns, order=order,
            )  # fmt: skip
            counts = self._count_by(uow, scope, plan.group_by, reading,
                                    visible_only=plan.visible_only)  # fmt: skip
            columns = column_scopes(plan, scope, counts, reading.lists, hide_empty=hide_empty)
            read = [self._cards(uow, plan, v, counts[v], inner, reading) for v, inner in columns]
            return assemble_board(plan, counts, read, reading)

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
        check_view_page(page)
        with self._context.uow() as uow:
            reading = self._reading(uow, language)
            scope = self._scope(uow, source, entity, reading)
            plan = board_plan(
                scope.entity, group_by, reading.licence, page=page,
                sub_group_by=sub_group_by, card_columns=card_columns, order=order,
            )  # fmt: skip
            counts = self._count_by(uow, scope, plan.group_by, reading,
                                    visible_only=plan.visible_only)  # fmt: skip
            ((_, inner),) = column_scopes(plan, scope, counts, reading.lists, values=[value])
            return assemble_column(
                plan, self._cards(uow, plan, value, counts[value], inner, reading), reading
            )

    def _cards(
        self, uow: UnitOfWork, plan: BoardPlan, value: int | None, count: int, scope: Scope,
        reading: Reading,
    ) -> ColumnCards:  # fmt: skip
        """Read one column of ``plan``: its page of cards and its sub-grouping's counts."""
        found = self._page(uow, scope, plan.order, plan.page, reading) if plan.page.limit else None
        records = () if found is None else found.items
        subs = None
        if plan.sub_group_by is not None:
            subs = self._count_by(uow, scope, plan.sub_group_by, reading)
        return ColumnCards(value, count, records, self._companies_of(uow, records), subs)

    # --- card moves -----------------------------------------------------------------------

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
        check_card_move(group_by, record_id, value, entity)
        if group_by == "person.lead_status":
            assert value is not None  # refused above
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
        return self._move_company_card(group_by, record_id, value, entity, expected_version)

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
