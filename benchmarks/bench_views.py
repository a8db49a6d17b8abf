"""Benchmarks of the views (``views.*``): the board's column counts and the contacts tab.

Data: the in-memory adapter's benchmark data (:mod:`benchmarks.bench_memory`):
1,000,000 persons in 100,000 companies (a tenth with --quick), five companies of
10,000 persons each (1,000 with --quick). The board's ``details`` also answer the
same question with SQLite (the standard library's ``sqlite3``, in memory,
hand-written SQL with GROUP BY), measured in the same run and checked against
leadcore's answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks import Result, Run, benchmark, median_time
from benchmarks.bench_memory import ME, NOW, _all_companies, _all_persons, shared, shared_sqlite
from leadcore import LeadService
from leadcore.adapters.memory import InMemoryStore
from leadcore.clock import FixedClock
from leadcore.criteria.ast import Criterion, Operator
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.model import CategoryGroup, CompanyId
from leadcore.queries import Order, Page
from leadcore.views import ColumnFilter, Layout

_SERVICES: dict[float, LeadService] = {}


def _service(run: Run, store: InMemoryStore) -> LeadService:
    if run.scale not in _SERVICES:
        _SERVICES[run.scale] = LeadService(
            store.unit_of_work, clock=FixedClock(NOW), ids=store.ids(), associate=ME
        )
    return _SERVICES[run.scale]


def _selection_criteria() -> Criterion:
    return condition(
        "person.category_group", "in", int(CategoryGroup.POTENTIAL_CUSTOMER)
    ) & condition("person.retired", "is_false")


def _timed(run: Run, fn: Callable[[], object]) -> float:
    return median_time(fn, max(1, run.repeats))


@benchmark("views.board_counts")
def board_counts(run: Run) -> list[Result]:
    """The column counts of a lead-status board over a dynamic selection, versus
    scanning the selection and grouping in plain Python."""
    data, store = shared(run)
    service = _service(run, store)
    criteria = _selection_criteria()
    selection = service.selections.create_dynamic("Potential, not retired", criteria)
    # the store as it is now: other benchmarks of the shared data change it (and its peer)
    persons = _all_persons(store)
    companies = {c.id: c for c in _all_companies(store)}
    with store.unit_of_work() as uow:
        categories = uow.lists.load().categories
    enabled = {c.id for c in categories if c.lead_enabled}
    test = person_predicate(criteria, Environment(categories, NOW, ME))

    def views() -> dict[int | None, int]:
        board = service.views.board(selection.id, cards=0)
        return {**board.counts(), -1: board.left_out}

    def baseline() -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for p in persons:
            company = None if p.company_id is None else companies[p.company_id]
            if not test(p, company):
                continue
            category = p.own_category_id if company is None else company.category_id
            if p.lead_status_id is None:
                key: int | None = None
            elif category in enabled:
                key = p.lead_status_id
            else:
                key = -1  # hidden: left out
            counts[key] = counts.get(key, 0) + 1
        return counts

    found = views()
    assert {k: v for k, v in found.items() if v} == baseline(), "the board and the scan disagree"
    peer = shared_sqlite(run)
    marks = ",".join(str(int(c)) for c in sorted(enabled))
    sql = (
        "SELECT CASE WHEN x.s IS NULL THEN NULL "
        f"WHEN x.eff IN ({marks}) THEN x.s ELSE -1 END AS col, count(*) FROM ("
        "SELECT p.lead_status AS s, CASE WHEN p.company_id IS NULL THEN p.own_category "
        "ELSE c.category END AS eff FROM person p LEFT JOIN company c ON c.id = p.company_id "
        "WHERE p.retired = 0) x JOIN category k ON k.id = x.eff WHERE k.grp = ? GROUP BY col"
    )
    potential = int(CategoryGroup.POTENTIAL_CUSTOMER)
    answer = dict(peer.execute(sql, (potential,)).fetchall())
    assert answer == {k: v for k, v in found.items() if v}, "SQLite and the board disagree"
    sqlite_s = _timed(run, lambda: peer.execute(sql, (potential,)).fetchall())
    with_cards = _timed(run, lambda: service.views.board(selection.id))
    value = _timed(run, views)
    base = _timed(run, baseline)
    ratio = base / value
    return [
        Result(
            "views.board_counts",
            len(data.persons),
            value,
            "s",
            base,
            ratio,
            "ratio >= 20",
            ratio >= 20,
            {
                "columns": {str(k): v for k, v in found.items()},
                "selection": "dynamic: person.category_group in {Potential customer} "
                "and person.retired is false",
                "path": "service.views.board(selection, cards=0): one persons.count_by "
                "(visible_only) over the selection's criteria",
                "with_first_10_cards_s": with_cards,
                "baseline": "scan every person with the compiled predicate, group in a dict",
                "sqlite_s": sqlite_s,
                "sqlite_over_leadcore": round(sqlite_s / value, 2),
                "sqlite": sql,
            },
        )
    ]


@benchmark("views.contacts_tab")
def contacts_tab(run: Run) -> list[Result]:
    """A company of 10,000 persons: filtered, grouped two levels, first page (ms)."""
    data, store = shared(run)
    service = _service(run, store)
    company_id = CompanyId(data.big[0])
    with store.unit_of_work() as uow:
        members = uow.persons.of_company(company_id)
    size = len(members)
    layout = Layout(
        ("person.name", "person.email", "person.owner", "person.lead_status"),
        filters=(ColumnFilter("person.retired", (), Operator.IS_FALSE),),
        grouping=("person.category", "person.owner"),
        order=(Order("person.name"),),
    )

    def tab() -> int:
        return service.views.contacts_tab(company_id, layout, page=Page(0, 50)).total

    total = tab()
    expected = sum(1 for p in members if not p.retired)
    assert total == expected, "the tab's total and the data disagree"
    start = time.perf_counter()
    first = service.views.contacts_tab(company_id, layout)
    cold = time.perf_counter() - start
    value = _timed(run, tab) * 1000
    return [
        Result(
            "views.contacts_tab",
            size,
            value,
            "ms",
            None,
            None,
            "report ms (company of 10,000 persons, filtered, grouped two levels, page of 50)",
            True,
            {
                "persons_shown": total,
                "groups": len(first.groups),
                "sub_groups": sum(len(g.groups) for g in first.groups),
                "first_call_ms": round(cold * 1000, 2),
                "path": "persons.of_company once; filters, groups, order and page with the "
                "criteria's compiled predicate and readers",
            },
        )
    ]
