"""The realistic sample of ``leadcore demo`` and ``leadcore init --sample``.

A few hundred companies and a few thousand persons across every category, lead
status, owner and UTM source, with a status history over six months. Every
record goes in through the service's commands, in time order, with a
:class:`leadcore.clock.FixedClock` set to each event's time: the history is
what it would be had the users worked those months. The same seed gives the
same data.

Not public API.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from leadcore.clock import FixedClock, SequentialIds
from leadcore.errors import DataFileError, LeadcoreError
from leadcore.lists import Lists, new_database
from leadcore.model import (
    AssociateId,
    Availability,
    CategoryId,
    CompanyId,
    Language,
    LeadStatusId,
    PersonId,
    Utm,
)
from leadcore.service import LeadService

__all__ = ["END", "SampleSummary", "build_sample", "build_sample_file"]

END = datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
"""The sample's "now": its history runs over the six months before."""

MONTHS = 6

_ASSOCIATES = (
    ("Ann Able", "north"),
    ("Ben Brandt", "north"),
    ("Cora Dahl", "north"),
    ("Dev Patel", "south"),
    ("Eva Holm", "south"),
    ("Finn Krogh", "south"),
    ("Gry Lund", "south"),
    ("Hugo Mørk", "north"),
)
_AWAY = "Gry Lund"
_FIRST = [
    "Anna",
    "Bo",
    "Carl",
    "Dorte",
    "Emil",
    "Freja",
    "Gustav",
    "Hanne",
    "Ida",
    "Jonas",
    "Karen",
    "Lars",
    "Maja",
    "Niels",
    "Olivia",
    "Peter",
    "Rikke",
    "Søren",
    "Tine",
    "Ulla",
    "Victor",
    "Wenche",
    "Yrsa",
    "Zaki",
    "Ahmed",
    "Beatriz",
    "Chen",
    "Dmitri",
    "Elif",
    "Fatima",
]
_LAST = [
    "Andersen",
    "Berg",
    "Christensen",
    "Dalgaard",
    "Eriksen",
    "Frost",
    "Hansen",
    "Iversen",
    "Jensen",
    "Kristensen",
    "Larsen",
    "Madsen",
    "Nielsen",
    "Olsen",
    "Petersen",
    "Rasmussen",
    "Sørensen",
    "Thomsen",
    "Vestergaard",
    "Winther",
]
_PARTS = [
    "Nord",
    "Syd",
    "Blå",
    "Grøn",
    "Aros",
    "Fjord",
    "Lys",
    "Havn",
    "Kyst",
    "Bjerg",
    "Skov",
    "Sol",
    "Vind",
    "Ravn",
    "Ørn",
    "Mose",
    "Bro",
    "Tårn",
    "Lind",
    "Eg",
]
_KINDS = [
    "Tech",
    "Data",
    "Logistik",
    "Energi",
    "Design",
    "Foods",
    "Medic",
    "Finans",
    "Bygg",
    "Rejser",
]
_FORMS = ("A/S", "ApS", "IVS", "Group", "& Co")
_SOURCES = (
    ("google", "cpc"),
    ("linkedin", "social"),
    ("newsletter", "email"),
    ("webinar", "event"),
    ("referral", "referral"),
    ("fair", "event"),
)
_CAMPAIGNS = ("winter-2026", "spring-2026", "webinar-q1", "newsletter-feb", "partner-push")
_OTHER_CATEGORIES = ("Customer", "Partner", "Prospect", "Supplier", "Competitor", "Other")


@attrs.frozen
class SampleSummary:
    """What a sample holds, by count, and the lead-enabled category the walk uses."""

    companies: int
    persons: int
    associates: int
    status_changes: int
    start: datetime
    end: datetime


@attrs.frozen(order=True)
class _Event:
    at: datetime
    seq: int
    run: Callable[[], object] = attrs.field(order=False)
    refusable: bool = attrs.field(default=False, order=False)


class _Plan:
    """The events of the sample, made from one seeded random generator."""

    def __init__(self, service: LeadService, rng: random.Random, scale: float) -> None:
        self.service = service
        self.rng = rng
        self.scale = scale
        self.events: list[_Event] = []
        self.companies: dict[int, CompanyId] = {}
        self.persons: dict[int, PersonId] = {}
        self.start = END - timedelta(days=30 * MONTHS)
        english = new_database("en")[0]
        self.category = {c.name: c.id for c in english}
        self.status = {s.key: s.id for s in new_database("en")[1]}

    def at(self, moment: datetime, run: Callable[[], object], *, refusable: bool = False) -> None:
        self.events.append(_Event(moment, len(self.events), run, refusable))

    def moment(self, after: datetime, days: float) -> datetime:
        """A time up to ``days`` after ``after`` (whole minutes), never after END."""
        later = after + timedelta(minutes=self.rng.randint(60, max(61, int(days * 1440))))
        return min(later, END - timedelta(minutes=1))

    def utm(self) -> Utm:
        source, medium = self.rng.choice(_SOURCES)
        return Utm(source=source, medium=medium, campaign=self.rng.choice(_CAMPAIGNS))


def build_sample(
    service: LeadService, clock: FixedClock, *, seed: int = 7, scale: float = 1.0
) -> SampleSummary:
    """Fill an empty new database (English or Danish lists) through ``service``, whose
    clock is ``clock``; the clock ends at :data:`END`.

    >>> clock = FixedClock(END)
    >>> service = LeadService.in_memory(clock=clock)
    >>> summary = build_sample(service, clock, scale=0.02)
    >>> (summary.companies, summary.persons) == (service.companies.count(),
    ...                                          service.persons.count())
    True
    >>> clock.now() == END
    True
    """
    rng = random.Random(seed)
    plan = _Plan(service, rng, scale)
    owners = _associates(plan, clock)
    active = [a for a in owners if a[1]]
    n_companies = max(5, round(300 * scale))
    n_persons = max(20, round(3000 * scale))
    company_times: list[datetime] = []
    company_owner: list[AssociateId] = []
    company_lead: list[tuple[datetime, datetime] | None] = []
    for index in range(n_companies):
        registered = plan.moment(plan.start, 30 * MONTHS - 20)
        owner = rng.choice(active)[0]
        company_times.append(registered)
        company_owner.append(owner)
        company_lead.append(_company(plan, index, registered, owner))
    weights = [rng.paretovariate(1.5) for _ in range(n_companies)]
    for index in range(n_persons):
        if rng.random() < 0.05:
            _person(plan, index, None, plan.moment(plan.start, 30 * MONTHS - 5), rng, owners, None)
            continue
        company = rng.choices(range(n_companies), weights)[0]
        registered = plan.moment(company_times[company], 40)
        lead = company_lead[company]
        _person(plan, index, company, registered, rng, owners, lead, company_owner[company])
    changes = 0
    for event in sorted(plan.events):
        clock.set(event.at)
        try:
            event.run()
        except LeadcoreError:
            if not event.refusable:
                raise
        else:
            changes += event.refusable
    clock.set(END)
    _selections(service, plan)
    return SampleSummary(n_companies, n_persons, len(owners), changes, plan.start, END)


def _associates(plan: _Plan, clock: FixedClock) -> list[tuple[AssociateId, bool]]:
    clock.set(plan.start)
    made: list[tuple[AssociateId, bool]] = []
    for name, group in _ASSOCIATES:
        away = name == _AWAY
        availability = Availability.AWAY if away else Availability.NORMAL
        added = plan.service.associates.add(
            name, availability=availability, groups=frozenset({group})
        )
        made.append((added.id, not away))
    return made


def _company(
    plan: _Plan, index: int, registered: datetime, owner: AssociateId
) -> tuple[datetime, datetime] | None:
    """Schedule a company and its category moves; returns when it was lead-enabled."""
    rng = plan.rng
    name = f"{rng.choice(_PARTS)}{rng.choice(_KINDS).lower()} {rng.choice(_FORMS)}"
    name = f"{name} {index + 1}" if rng.random() < 0.3 else name
    if rng.random() < 0.2:
        category = plan.category[rng.choice(_OTHER_CATEGORIES)]
        source = plan.utm() if rng.random() < 0.5 else None
        plan.at(registered, _add_company(plan, index, name, category, owner, source))
        return None
    source = plan.utm()
    plan.at(registered, _add_company(plan, index, name, plan.category["Lead"], owner, source))
    path = ["Marketing qualified lead"]
    if rng.random() < 0.45:
        path.append("Opportunity")
        roll = rng.random()
        if roll < 0.5:
            path.append("Customer")
        elif roll < 0.75:
            path.append("Lost opportunity")
    if rng.random() < 0.35:
        return (registered, END)
    moment = registered
    lead_until = END
    for step in path:
        moment = plan.moment(moment, 45)
        if moment >= END - timedelta(days=1):
            break
        target = plan.category[step]
        plan.at(moment, _move(plan, index, target))
        if step == "Opportunity":
            lead_until = moment
    return (registered, lead_until)


def _add_company(
    plan: _Plan,
    index: int,
    name: str,
    category: CategoryId,
    owner: AssociateId,
    source: Utm | None,
) -> Callable[[], object]:
    def run() -> None:
        made = plan.service.acting_as(owner).companies.add(
            name, category_id=category, owner_id=owner, source_utm=source
        )
        plan.companies[index] = made.id

    return run


def _move(plan: _Plan, index: int, category: CategoryId) -> Callable[[], object]:
    def run() -> object:
        return plan.service.companies.change_category(plan.companies[index], category)

    return run


def _person(
    plan: _Plan,
    index: int,
    company: int | None,
    registered: datetime,
    rng: random.Random,
    owners: list[tuple[AssociateId, bool]],
    lead: tuple[datetime, datetime] | None,
    owner: AssociateId | None = None,
) -> None:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first.lower()}.{last.lower()}{index}@example.com"
    chosen = owner if owner is not None and rng.random() < 0.8 else rng.choice(owners)[0]
    touch = plan.utm()
    creation = plan.utm() if rng.random() < 0.6 else touch
    own = None
    if company is None:
        own = plan.category["Lead"] if rng.random() < 0.7 else plan.category["Customer"]
        lead = (registered, END) if own == plan.category["Lead"] else None

    def add() -> None:
        made = plan.service.acting_as(chosen).persons.add(
            first,
            last,
            company_id=None if company is None else plan.companies[company],
            category_id=own,
            email=email,
            owner_id=chosen,
            first_touch_utm=touch,
            lead_creation_utm=creation,
        )
        plan.persons[index] = made.id

    plan.at(registered, add)
    if lead is not None:
        _journey(plan, index, registered, lead[1], chosen)
    if rng.random() < 0.03:
        plan.at(
            plan.moment(registered, 90), lambda: plan.service.persons.retire(plan.persons[index])
        )


def _journey(
    plan: _Plan, index: int, registered: datetime, until: datetime, by: AssociateId
) -> None:
    """Open -> Contacting -> Qualified / Disqualified / Re-nurture (-> Contacting)."""
    rng = plan.rng
    steps: list[tuple[str, str | None]] = []
    if rng.random() < 0.7:
        steps.append(("contacting", None))
        roll = rng.random()
        if roll < 0.45:
            steps.append(("qualified", rng.choice(("Budget confirmed", "Demo booked", None))))
        elif roll < 0.65:
            steps.append(("disqualified", rng.choice(("No budget", "Wrong market"))))
        elif roll < 0.85:
            steps.append(("renurture", "Not ready this quarter"))
            if rng.random() < 0.4:
                steps.append(("contacting", None))
    moment = registered
    for key, reason in steps:
        moment = plan.moment(moment, 21)
        if moment >= until:
            return
        plan.at(moment, _set_status(plan, index, plan.status[key], reason, by), refusable=True)


def _set_status(
    plan: _Plan, index: int, status: LeadStatusId, reason: str | None, by: AssociateId
) -> Callable[[], object]:
    def run() -> object:
        return plan.service.acting_as(by).persons.set_lead_status(
            plan.persons[index], status, reason=reason
        )

    return run


def _selections(service: LeadService, plan: _Plan) -> None:
    lists = service.lists()
    in_play = (
        lists.statuses.get(plan.status["contacting"]),
        lists.statuses.get(plan.status["qualified"]),
    )
    names = ", ".join(f'"{s.name}"' for s in in_play)
    service.selections.create_dynamic(
        "Leads in play", service.parse_criteria(f"person.lead_status in ({names})")
    )


def build_sample_file(
    path: str, *, seed: int = 7, scale: float = 1.0, language: Language = "en"
) -> SampleSummary:
    """Build the sample in memory and save it as a new data file at ``path``.

    >>> import pathlib, tempfile
    >>> path = str(pathlib.Path(tempfile.mkdtemp()) / "crm.json")
    >>> build_sample_file(path, scale=0.02).companies
    6
    """
    from leadcore.adapters.memory import InMemoryStore
    from leadcore.cli._app import is_database_url

    if is_database_url(path):
        raise DataFileError(
            f"the sample is built as a file store, not in the database {path!r}",
            why="it is made in memory with a clock stepped through six months, then saved",
            fix="Build it in a file (leadcore -d sample.json init --sample), export it "
            "(leadcore -d sample.json export DIR) and import that into the database",
            path=path,
        )
    if Path(path).exists():
        raise DataFileError.exists(path)
    clock = FixedClock(END)
    store = InMemoryStore(Lists(*new_database(language)), clock=clock)
    service = LeadService(store.unit_of_work, clock=clock, ids=SequentialIds())
    summary = build_sample(service, clock, seed=seed, scale=scale)
    store.save(path)
    return summary
