"""The walk of ``leadcore demo``: the seed page's steps and tips on the sample.

Not public API: :mod:`leadcore.cli.demo` runs it.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from rich.console import Console
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table

from leadcore.cli._render import bars, console, person_table
from leadcore.cli._sample import END, build_sample
from leadcore.cli.records import person_labels
from leadcore.cli.views import board_table, contacts_table, dashboard_tiles, print_dashboard
from leadcore.clock import FixedClock
from leadcore.criteria.ast import Period
from leadcore.errors import LeadcoreError
from leadcore.model import AssociateId, PersonId
from leadcore.queries import Page
from leadcore.service import LeadService
from leadcore.views import DashboardFilter, Layout, LeadBreakdown, ReportPeriod

__all__ = ["walk"]


class _Walk:
    """The service over the sample, a clock a minute further per step, and the console."""

    def __init__(self, seed: int, scale: float) -> None:
        self.clock = FixedClock(END)
        self.service = LeadService.in_memory(clock=self.clock, associate=AssociateId(1))
        self.out: Console = console()
        self.summary = build_sample(self.service, self.clock, seed=seed, scale=scale)

    def heading(self, title: str) -> None:
        self.clock.advance(timedelta(minutes=1))
        self.out.print()
        self.out.print(Rule(title, align="left"))

    def say(self, text: str) -> None:
        self.out.print(text)

    def refused(self, error: LeadcoreError) -> None:
        self.out.print(f"  refused with {type(error).__name__}: {error}")

    def card(self, person_id: PersonId) -> None:
        card = self.service.persons.card(person_id)
        da = self.service.persons.lead_status_view(person_id, "da")
        where = "no company" if card.company is None else f"company {card.company.name}"
        category = "(no category)"
        if card.category is not None:
            group = card.category.group
            category = f"{card.category.name} ({group.label()} / {group.label('da')})"
        lines = [f"Category: {category}"]
        view = card.lead_status
        if view is not None and view.visible:
            editable = "editable" if view.editable else "read-only"
            lines.append(f"Lead status: {view.label} / Leadstatus: {da.label}  ({editable})")
            lines.append(f"tooltip: {view.tooltip}")
        elif view is not None:
            kept = "nothing stored" if view.label is None else f"stored value {view.label!r} kept"
            lines.append(f"Lead status field is not shown ({kept}, read-only)")
        title = f"{card.person.full_name} ({where})"
        self.out.print(Panel("\n".join(lines), title=title, title_align="left", expand=False))


def walk(*, seed: int = 7, scale: float = 1.0) -> None:
    """Build the sample and walk through the seed page's story on it."""
    w = _Walk(seed, scale)
    service = w.service
    s = w.summary
    w.out.print(Rule("Work with leads - the seed page's story on a sample", style="bold"))
    w.say(
        f"A sample on the embedded in-memory default: {s.companies} companies, "
        f"{s.persons} persons, {s.associates} associates, {s.status_changes} status changes "
        f"from {s.start:%Y-%m-%d} to {s.end:%Y-%m-%d}."
    )
    lists = service.lists()
    by_category = service.companies.count_by("company.category").as_dict()
    w.out.print(
        bars(
            [(c.name, by_category.get(c.id, 0)) for c in lists.categories],
            width=30,
        )
    )

    w.heading("Step 1: See lead information on a person")
    lead = lists.categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead, owner_id=AssociateId(1))
    ann = service.persons.add("Ann", "Ash", company_id=acme.id, owner_id=AssociateId(1))
    bob = service.persons.add("Bob", "Birch", company_id=acme.id, owner_id=AssociateId(2))
    service.persons.add("Cy", "Cole", company_id=acme.id, owner_id=AssociateId(1))
    w.say("Acme is a new company in category Lead; Ann Ash is one of its persons:")
    w.card(ann.id)

    w.heading("Step 2: Update the lead status")
    service.persons.set_lead_status(ann.id, lists.statuses.by_key("contacting").id)
    service.persons.set_lead_status(
        bob.id, lists.statuses.by_key("qualified").id, reason="Budget confirmed"
    )
    history = Table(title="Bob Birch's history", title_justify="left")
    for column in ("at", "kind", "from", "to", "source", "reason"):
        history.add_column(column)
    for entry in service.persons.history(bob.id):
        history.add_row(
            f"{entry.at:%Y-%m-%d %H:%M}",
            entry.kind.value,
            "" if entry.from_status is None else lists.statuses.get(entry.from_status).name,
            "" if entry.to_status is None else lists.statuses.get(entry.to_status).name,
            entry.source.value,
            entry.reason or "",
        )
    w.say("Ann is set to Contacting, Bob to Qualified; each change is in the history:")
    w.out.print(history)

    w.heading("Step 3: Show leads on the Contacts tab")
    w.say("Acme's contacts tab, grouped by lead status:")
    layout = Layout(
        ("person.name", "person.category", "person.category_group", "person.lead_status"),
        grouping=("person.lead_status",),
    )
    w.out.print(contacts_table("Acme", service.views.contacts_tab(acme.id, layout)))

    w.heading("Step 4: Find leads, save a selection, see it as a board")
    wording = 'company.category in (Lead, "Marketing qualified lead")'
    found = service.parse_criteria(wording)
    page = service.persons.find_page(found, page=Page(0, 5))
    w.say(f"Criteria: {wording}")
    w.say(f"{page.total} persons found; the first five:")
    labels = person_labels(service, [p.company_id for p in page])
    w.out.print(person_table("", [labels.row(p) for p in page]))
    chosen = service.selections.create_dynamic("My leads", found)
    w.say(f"saved as dynamic selection #{chosen.id} {chosen.name!r}; its board by lead status:")
    w.out.print(
        board_table(
            service.views.board(
                chosen.id, "person.lead_status", card_columns=("person.name",), cards=4
            )
        )
    )

    w.heading("Tip: the Lead status field disappeared after a category change")
    customer = lists.categories.by_name("Customer").id
    service.companies.change_category(acme.id, customer)
    w.say("Acme becomes a Customer: Bob's Qualified is hidden, kept and read-only (R4).")
    w.card(bob.id)
    try:
        service.persons.set_lead_status(bob.id, lists.statuses.by_key("contacting").id)
    except LeadcoreError as error:
        w.refused(error)
    kept = service.parse_criteria(f"person.lead_status in (Qualified) and company.id = {acme.id}")
    w.say(f"a search for Qualified persons of Acme still finds {service.persons.count(kept)}")
    hidden = service.persons.count_by("person.lead_status", visible_only=True)
    w.say(f"across the sample, {hidden.hidden} persons keep a hidden status")

    w.heading("Dashboards")
    period = ReportPeriod.of(Period.QUARTER, END.date(), UTC)
    tiles = dashboard_tiles(
        service, period, DashboardFilter(), LeadBreakdown.FIRST_TOUCH_SOURCE, 30, "en"
    )
    print_dashboard(tiles, period)
