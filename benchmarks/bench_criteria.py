"""Criteria benchmarks: the compiled predicate against a hand-written lambda.

``criteria.compiled_vs_lambda``: 1,000,000 persons in 100,000 companies (plain
frozen objects, fixed seed), the 3-leaf criterion
``person.lead_status in {Open, Contacting} and company.category_group not in
{Customer} and person.owner current associate``; both predicates run in the
same loop shape, ``sum(1 for p in persons if pred(p, company_of(p.company_id)))``,
alternately, and the medians are compared. Target: compiled <= 1.5x the lambda.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from benchmarks import Result, Run, benchmark
from leadcore.criteria.build import condition
from leadcore.criteria.evaluate import Environment, person_predicate
from leadcore.lists import new_database
from leadcore.model import (
    AssociateId,
    CategoryGroup,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)

_NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
_ME = AssociateId(3)


def _population(
    persons: int, companies: int, seed: int, category_ids: list[CategoryId]
) -> tuple[list[Person], dict[CompanyId | None, Company]]:
    """Companies with random categories (some none) and persons spread over them (5% B2C)."""
    rng = random.Random(seed)
    stamps = [_NOW - timedelta(days=d) for d in range(730)]
    owners: list[AssociateId | None] = [None, *(AssociateId(i) for i in range(1, 21))]
    statuses: list[LeadStatusId | None] = [None, *(LeadStatusId(i) for i in range(1, 6))]
    cats: list[CategoryId | None] = [None, *category_ids]
    by_id: dict[CompanyId | None, Company] = {}
    for n in range(1, companies + 1):
        stamp = rng.choice(stamps)
        by_id[CompanyId(n)] = Company(
            CompanyId(n), f"Company {n}", rng.choice(cats), stamp, stamp, rng.choice(owners)
        )
    people: list[Person] = []
    for n in range(1, persons + 1):
        stamp = rng.choice(stamps)
        b2c = rng.random() < 0.05
        people.append(
            Person(
                PersonId(n),
                None if b2c else CompanyId(rng.randint(1, companies)),
                "First",
                f"Last {n % 1000}",
                stamp,
                stamp,
                owner_id=rng.choice(owners),
                lead_status_id=rng.choice(statuses),
                own_category_id=rng.choice(cats) if b2c else None,
            )
        )
    return people, by_id


def _scan(
    persons: list[Person],
    company_of: Callable[[CompanyId | None], Company | None],
    pred: Callable[[Person, Company | None], bool],
) -> int:
    return sum(1 for p in persons if pred(p, company_of(p.company_id)))


@benchmark("criteria.compiled_vs_lambda")
def compiled_vs_lambda(run: Run) -> list[Result]:
    """Full scan with the compiled predicate vs the same scan with a hand-written lambda."""
    categories, _ = new_database()
    n_persons, n_companies = run.size(1_000_000), run.size(100_000)
    persons, companies_by_id = _population(
        n_persons, n_companies, run.seed, [c.id for c in categories.items]
    )
    criterion = (
        condition("person.lead_status", "in", 1, 2)
        & condition("company.category_group", "not_in", CategoryGroup.CUSTOMER)
        & condition("person.owner", "current_associate")
    )
    env = Environment(categories, _NOW, current_associate=_ME)
    start = time.perf_counter()
    compiled = person_predicate(criterion, env)
    compile_seconds = time.perf_counter() - start

    wanted = frozenset({LeadStatusId(1), LeadStatusId(2)})
    customer = frozenset(c.id for c in categories.items if c.group is CategoryGroup.CUSTOMER)
    me = _ME

    def hand(p: Person, c: Company | None) -> bool:
        return (
            p.lead_status_id in wanted
            and (c is None or c.category_id not in customer)
            and p.owner_id == me
        )

    company_of = companies_by_id.get
    count = _scan(persons, company_of, compiled)
    if count != _scan(persons, company_of, hand):
        raise AssertionError("the compiled predicate and the lambda disagree")
    compiled_times: list[float] = []
    hand_times: list[float] = []
    for _ in range(run.repeats):
        for times, pred in ((compiled_times, compiled), (hand_times, hand)):
            start = time.perf_counter()
            _scan(persons, company_of, pred)
            times.append(time.perf_counter() - start)
    value, baseline = statistics.median(compiled_times), statistics.median(hand_times)
    ratio = value / baseline
    return [
        Result(
            benchmark="criteria.compiled_vs_lambda",
            n=n_persons,
            value=round(value, 4),
            unit="s",
            baseline=round(baseline, 4),
            ratio=round(ratio, 3),
            target="ratio <= 1.5",
            met=ratio <= 1.5,
            details={
                "companies": n_companies,
                "matches": count,
                "compile_ms": round(compile_seconds * 1000, 3),
                "ns_per_person": round(value / n_persons * 1e9, 1),
                "lambda_ns_per_person": round(baseline / n_persons * 1e9, 1),
                "source": compiled.__doc__,
            },
        )
    ]
