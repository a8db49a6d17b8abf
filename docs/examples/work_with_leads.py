"""Work with leads: every step and every troubleshooting tip of the SuperOffice help page
"Arbejd med leads i SuperOffice", run against leadcore's rules engine.

Run it with ``python3 tasks.py demo`` (or ``.venv/bin/python docs/examples/work_with_leads.py``).
It prints, in plain English, what a user would see and what leadcore does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadcore.errors import InheritedCategoryError, LeadcoreError, LeadStatusNotEditable
from leadcore.history import HistoryEntry, replay
from leadcore.lists import existing_database, new_database, upgrade_categories
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
)
from leadcore.policies import LeadPolicy, RevealPolicy
from leadcore.rules import (
    Actor,
    Lists,
    Outcome,
    change_company_category,
    create_company,
    create_person,
    effective_category_id,
    lead_status_view,
    move_person,
    recheck_visibility,
    set_lead_status,
    set_person_category,
)

START = datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
ME = AssociateId(1)


class World:
    """A tiny in-memory world: the lists, companies, persons and the status history."""

    def __init__(self) -> None:
        categories, statuses = new_database()
        self.lists = Lists(categories, statuses)
        self.companies: dict[CompanyId, Company] = {}
        self.persons: dict[PersonId, Person] = {}
        self.history: list[HistoryEntry] = []
        self.minutes = 0

    def actor(self) -> Actor:
        self.minutes += 1
        return Actor(START + timedelta(minutes=self.minutes), ME)

    def apply(self, out: Outcome) -> None:
        for company in out.companies:
            self.companies[company.id] = company
        for person in out.persons:
            self.persons[person.id] = person
        self.history.extend(out.history)

    def category(self, name: str) -> CategoryId:
        return self.lists.categories.by_name(name).id

    def status(self, key: str) -> LeadStatusId:
        return self.lists.statuses.by_key(key).id

    def status_name(self, status_id: LeadStatusId | None) -> str:
        return "none" if status_id is None else self.lists.statuses.get(status_id).name

    def company_of(self, person: Person) -> Company | None:
        return None if person.company_id is None else self.companies[person.company_id]

    def members(self, company_id: CompanyId) -> list[Person]:
        return [p for p in self.persons.values() if p.company_id == company_id]

    def add_company(self, cid: int, name: str, category: str) -> Company:
        now = self.actor().at
        company = Company(CompanyId(cid), name, self.category(category), now, now)
        self.apply(create_company(company, self.lists.categories))
        return company

    def add_person(self, pid: int, name: str, company: Company | None) -> Person:
        now = self.actor()
        first, last = name.split()
        person = Person(
            PersonId(pid), None if company is None else company.id, first, last, now.at, now.at
        )
        self.apply(create_person(person, company, self.lists, now))
        return self.persons[person.id]

    def move_company(self, company: Company, category: str) -> None:
        out = change_company_category(
            self.companies[company.id],
            self.members(company.id),
            self.lists,
            self.category(category),
            self.actor(),
        )
        self.apply(out)

    def set_status(self, person: Person, key: str, reason: str | None = None) -> None:
        current = self.persons[person.id]
        out = set_lead_status(
            current,
            self.company_of(current),
            self.lists,
            self.status(key),
            self.actor(),
            reason=reason,
        )
        self.apply(out)


def heading(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def card(world: World, person: Person) -> None:
    """Print the person card: category, then the lead-status field when it is shown."""
    person = world.persons[person.id]
    company = world.company_of(person)
    category_id = effective_category_id(person, company)
    if category_id is None:
        category = "(no category)"
    else:
        item = world.lists.categories.get(category_id)
        category = f"{item.name} ({item.group.label()} / {item.group.label('da')})"
    where = "no company" if company is None else f"company {company.name}"
    print(f"  {person.full_name} ({where}) - Category: {category}")
    en = lead_status_view(person, company, world.lists, "en")
    da = lead_status_view(person, company, world.lists, "da")
    if en.visible:
        print(f"    Lead status: {en.label} / Leadstatus: {da.label}  (editable)")
        print(f"    tooltip (en): {en.tooltip}")
        print(f"    tooltip (da): {da.tooltip}")
    else:
        kept = "nothing stored" if en.label is None else f"stored value {en.label!r} kept"
        print(f"    Lead status field is not shown ({kept}, read-only)")


def refused(error: LeadcoreError) -> None:
    print(f"    refused with {type(error).__name__}: {error}")


def main() -> None:
    world = World()
    print("Work with leads in SuperOffice - walked through with leadcore")
    print("=============================================================")
    print("A new database has these lead statuses (rank order), with Danish names and tooltips:")
    for status in world.lists.statuses:
        print(f"  {status.label()} / {status.label('da')}: {status.description()}")
    lead_categories = [c.name for c in world.lists.categories if c.lead_enabled]
    print(f"Categories with lead status enabled: {', '.join(lead_categories)}")

    # --- Step 1: see lead information on a person ------------------------------------------
    heading("Step 1: See lead information on a person (Se leadinformation på en person)")
    acme = world.add_company(1, "Acme", "Lead")
    ann = world.add_person(1, "Ann Ash", acme)
    bob = world.add_person(2, "Bob Birch", acme)
    print("Acme is in category Lead (Potential customer, lead status enabled).")
    print("Open Ann: check Category; Lead status shows right below it; hover for the tooltip.")
    card(world, ann)
    print("A new lead starts Open; the history records it as a default assignment.")

    # --- Step 2: update the lead status ---------------------------------------------------
    heading("Step 2: Update the lead status (Opdatér leadstatus)")
    print("The drop-down offers, besides Open:")
    for key in ("contacting", "qualified", "disqualified", "renurture"):
        status = world.lists.statuses.by_key(key)
        print(f"  {status.label('da')} ({status.label()}): {status.description('da')}")
    world.set_status(ann, "contacting")
    world.set_status(bob, "qualified", reason="Budget confirmed")
    print("Ann is set to Contacting and Bob to Qualified; each save appends to the history:")
    for entry in world.history[-2:]:
        change = f"{world.status_name(entry.from_status)} -> {world.status_name(entry.to_status)}"
        print(f"  person {entry.person_id}: {change} by associate {entry.by}")
    card(world, ann)

    # --- Step 3: the Contacts tab ---------------------------------------------------------
    heading("Step 3: Show leads on the Contacts tab (Kontakter-detaljefanen)")
    print("Columns Category, Category group and Lead status for Acme's persons:")
    for person in world.members(acme.id):
        company = world.companies[acme.id]
        category = world.lists.categories.get(company.category_id or CategoryId(0))
        view = lead_status_view(person, company, world.lists)
        print(
            f"  {person.full_name:<10} {category.name:<6} {category.group.label():<20} {view.label}"
        )

    # --- Step 4: find and selections --------------------------------------------------------
    heading("Step 4: Create selections (Opret udvalg)")
    qualified = world.status("qualified")
    found = [
        p.full_name
        for p in world.persons.values()
        if p.lead_status_id in {qualified}
        and effective_category_id(p, world.company_of(p)) in {world.category("Lead")}
    ]
    print("Find persons where Lead status is one of [Qualified] and category is Lead:")
    print(f"  found: {', '.join(found)}")
    print("  (searches read the stored value, so a hidden value is found too: see Tip 3)")
    print("Board view: one column per lead status, in rank order, with counts:")
    for status in world.lists.statuses:
        names = [p.first_name for p in world.persons.values() if p.lead_status_id == status.id]
        print(f"  {status.label('da'):<17} {len(names)}  {' '.join(names)}")

    # --- Tip 1: I cannot see the Lead status field ----------------------------------------
    heading("Tip 1: I cannot see the Lead status field (Jeg kan ikke se feltet Leadstatus)")
    print("Lead status shows only on persons, and only when the company's category is in group")
    print("Potential customer with 'Enable lead status' selected.")
    globex = world.add_company(2, "Globex", "Customer")
    initech = world.add_company(3, "Initech", "Prospect")
    cy = world.add_person(3, "Cy Cole", globex)
    di = world.add_person(4, "Di Dahl", initech)
    card(world, cy)
    print("  (Customer is not a Potential customer category)")
    card(world, di)
    print("  (Prospect is Potential customer, but lead status is not enabled)")
    print("The admin enables lead status on Prospect:")
    before = world.lists.categories
    after = before.set_lead_status_enabled(world.category("Prospect"), True)
    out = recheck_visibility(
        [(p, world.company_of(p)) for p in world.members(initech.id)],
        before,
        after,
        world.lists.statuses,
        world.actor(),
    )
    world.lists = Lists(after, world.lists.statuses)
    world.apply(out)
    card(world, di)

    # --- Tip 2: Lead / MQL missing in an existing database -------------------------------
    heading(
        "Tip 2: I cannot pick Lead or Marketing qualified lead as category "
        "(Jeg kan ikke vælge Lead eller Marketingkvalificeret lead som kategori)"
    )
    old_categories, _ = existing_database()
    print("These categories exist only in new databases. In an existing database:")
    try:
        old_categories.by_name("Marketing qualified lead")
    except LeadcoreError as error:
        refused(error)
    print("The admin runs the upgrade:")
    upgraded, report = upgrade_categories(old_categories)
    print(f"  added: {', '.join(c.name for c in report.added)}")
    again, second = upgrade_categories(upgraded)
    present = ", ".join(second.already_present)
    print(
        f"  running it again adds nothing (changed: {second.changed}); already present: {present}"
    )
    print(f"  the list is unchanged by the second run: {again == upgraded}")

    # --- Tip 3: hidden after a company category change ----------------------------------
    heading(
        "Tip 3: The Lead status field disappeared after I changed the company category "
        "(Feltet Leadstatus forsvandt)"
    )
    print("Acme moves from Lead to Customer. Bob was Qualified:")
    world.move_company(acme, "Customer")
    hide = world.history[-1]
    print(f"  history: {hide.kind.value} for person {hide.person_id}, value kept")
    card(world, bob)
    kept = [
        p.full_name
        for p in world.persons.values()
        if p.lead_status_id == qualified and p.company_id == acme.id
    ]
    print(f"  a search for Lead status = Qualified still finds: {', '.join(kept)}")
    print("  editing it is refused:")
    try:
        world.set_status(bob, "contacting")
    except LeadStatusNotEditable as error:
        refused(error)
    card(world, bob)

    # --- Tip 4: persons of one company differ -------------------------------------------
    heading(
        "Tip 4: Different persons in the same company show different lead statuses "
        "(Forskellige personer i samme firma)"
    )
    print("Lead status is stored per person. Initech gets two more persons:")
    eve = world.add_person(5, "Eve Egg", initech)
    fay = world.add_person(6, "Fay Fox", initech)
    world.set_status(eve, "renurture")
    world.set_status(fay, "disqualified", reason="No budget")
    for person in world.members(initech.id):
        view = lead_status_view(person, initech, world.lists, "da")
        print(f"  {person.full_name}: {view.label}")

    # --- Tip 5: always Open when moved into a potential-customer category ---------------
    heading(
        "Tip 5: A person always gets Lead status = Open when moved into a potential-customer "
        "category (En person får altid Leadstatus = Åben)"
    )
    print("This is expected: new leads always start Open. Acme moves back to Lead:")
    world.move_company(acme, "Lead")
    card(world, bob)
    reveal = world.history[-1]
    earlier = world.status_name(reveal.from_status)
    print(f"  the earlier value {earlier!r} stays in the history ({reveal.kind.value} entry)")
    print("Every route into visibility does the same:")
    print("  - a new person under a lead company: see Step 1 (Open)")
    print("  - the admin switched the flag on: see Tip 1 (Open)")
    gus = world.add_person(7, "Gus Gray", globex)
    print("  - a person moved to another company: Gus moves from Globex (Customer) to Acme")
    world.apply(move_person(gus, globex, world.companies[acme.id], world.lists, world.actor()))
    card(world, gus)
    print("  - a person without company gets a lead category of its own:")
    hal = world.add_person(8, "Hal Hill", None)
    world.apply(set_person_category(hal, world.lists, world.category("Lead"), world.actor()))
    card(world, hal)
    print("A move between two lead-enabled categories keeps the status (Lead -> MQL):")
    world.set_status(bob, "qualified")
    world.move_company(acme, "Marketing qualified lead")
    card(world, bob)
    print("Opt-in policy RESTORE_PREVIOUS brings the earlier value back instead of Open:")
    restore = LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS)
    world.move_company(acme, "Customer")
    out = change_company_category(
        world.companies[acme.id],
        world.members(acme.id),
        world.lists,
        world.category("Lead"),
        world.actor(),
        policy=restore,
    )
    world.apply(out)
    card(world, bob)

    # --- Tip 6: a person's category cannot be changed ----------------------------------
    heading(
        "Tip 6: I cannot change the category of a person "
        "(Jeg kan ikke ændre kategorien på en person)"
    )
    print("Persons inherit the category of their company:")
    try:
        world.apply(
            set_person_category(
                world.persons[ann.id], world.lists, world.category("Partner"), world.actor()
            )
        )
    except InheritedCategoryError as error:
        refused(error)
    print("Change it on the company card instead: Acme moves to Opportunity.")
    world.move_company(acme, "Opportunity")
    card(world, ann)
    print("A person without company has its own category and can change it:")
    hal = world.persons[hal.id]
    world.apply(set_person_category(hal, world.lists, world.category("Partner"), world.actor()))
    card(world, hal)

    # --- History ----------------------------------------------------------------------
    heading("The status history")
    stored = {pid: p.lead_status_id for pid, p in world.persons.items()}
    replayed = replay(world.history)
    matches = all(replayed.get(pid) == value for pid, value in stored.items())
    print(f"{len(world.history)} entries; replaying them gives every stored status: {matches}")
    if not matches:
        raise SystemExit("the history does not replay to the stored statuses")


if __name__ == "__main__":
    main()
