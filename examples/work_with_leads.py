"""Work with leads: every step and every troubleshooting tip of the SuperOffice help page
"Arbejd med leads i SuperOffice", run through leadcore's application service on the
embedded default (the in-memory adapter).

Run it with ``.venv/bin/python examples/work_with_leads.py``; ``python3 tasks.py demo``
runs ``leadcore demo``, the same story on a realistic sample.
It prints, in plain English, what a user would see and what leadcore does. The clock is a
:class:`leadcore.clock.FixedClock` moved one minute per step, so the output is stable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadcore.clock import FixedClock
from leadcore.criteria import text
from leadcore.criteria.ast import Criterion
from leadcore.criteria.describe import describe
from leadcore.criteria.fields import Entity
from leadcore.errors import LeadcoreError
from leadcore.history import replay
from leadcore.licence import Feature, Licence
from leadcore.model import AssociateId, CategoryId, LeadStatusId, Person, PersonId, Utm
from leadcore.policies import LeadPolicy, RevealPolicy
from leadcore.rules import effective_category_id
from leadcore.service import LeadService

START = datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
ME = AssociateId(1)


class Demo:
    """The service over the in-memory store, a clock that moves one minute per step,
    and small helpers to look items up by name and print cards."""

    def __init__(self) -> None:
        self.clock = FixedClock(START)
        self.service = LeadService.in_memory(clock=self.clock, associate=ME)

    def tick(self) -> None:
        self.clock.advance(timedelta(minutes=1))

    def category(self, name: str) -> CategoryId:
        return self.service.lists().categories.by_name(name).id

    def status(self, key: str) -> LeadStatusId:
        return self.service.lists().statuses.by_key(key).id

    def status_name(self, status_id: LeadStatusId | None) -> str:
        if status_id is None:
            return "none"
        return self.service.lists().statuses.get(status_id).name

    def parse(self, criteria: str) -> Criterion:
        lists = self.service.lists()
        return text.parse(criteria, categories=lists.categories, statuses=lists.statuses)

    def describe(self, criterion: Criterion) -> tuple[str, str]:
        lists = self.service.lists()
        en, da = (
            describe(criterion, language, categories=lists.categories, statuses=lists.statuses)
            for language in ("en", "da")
        )
        return en, da

    def names(self, person_ids: frozenset[PersonId] | list[Person]) -> str:
        ids = sorted(p.id if isinstance(p, Person) else p for p in person_ids)
        return ", ".join(self.service.persons.get(pid).full_name for pid in ids) or "nobody"

    def card(self, person_id: PersonId) -> None:
        """Print the person card: category, then the lead-status field when it is shown."""
        person = self.service.persons.get(person_id)
        company = (
            None if person.company_id is None else self.service.companies.get(person.company_id)
        )
        category_id = effective_category_id(person, company)
        if category_id is None:
            category = "(no category)"
        else:
            item = self.service.lists().categories.get(category_id)
            category = f"{item.name} ({item.group.label()} / {item.group.label('da')})"
        where = "no company" if company is None else f"company {company.name}"
        print(f"  {person.full_name} ({where}) - Category: {category}")
        en = self.service.persons.lead_status_view(person_id, "en")
        da = self.service.persons.lead_status_view(person_id, "da")
        if en.visible:
            editable = "editable" if en.editable else "read-only"
            print(f"    Lead status: {en.label} / Leadstatus: {da.label}  ({editable})")
            print(f"    tooltip (en): {en.tooltip}")
            print(f"    tooltip (da): {da.tooltip}")
        else:
            kept = "nothing stored" if en.label is None else f"stored value {en.label!r} kept"
            print(f"    Lead status field is not shown ({kept}, read-only)")


def heading(demo: Demo, title: str) -> None:
    demo.tick()
    print()
    print(title)
    print("-" * len(title))


def refused(error: LeadcoreError) -> None:
    print(f"    refused with {type(error).__name__}: {error}")


def main() -> None:
    demo = Demo()
    service = demo.service
    print("Work with leads in SuperOffice - walked through with leadcore's LeadService")
    print("==========================================================================")
    print("LeadService.in_memory(): a new database on the embedded in-memory store.")
    print("Its lead statuses (rank order), with Danish names and tooltips:")
    lists = service.lists()
    for status in lists.statuses:
        print(f"  {status.label()} / {status.label('da')}: {status.description()}")
    lead_categories = [c.name for c in lists.categories if c.lead_enabled]
    print(f"Categories with lead status enabled: {', '.join(lead_categories)}")

    # --- Step 1: see lead information on a person ------------------------------------------
    heading(demo, "Step 1: See lead information on a person (Se leadinformation på en person)")
    acme = service.companies.add("Acme", category_id=demo.category("Lead"))
    ann = service.persons.add("Ann", "Ash", company_id=acme.id)
    bob = service.persons.add("Bob", "Birch", company_id=acme.id)
    print("Acme is in category Lead (Potential customer, lead status enabled).")
    print("Open Ann: check Category; Lead status shows right below it; hover for the tooltip.")
    demo.card(ann.id)
    first = service.persons.history(ann.id)[0]
    print(f"A new lead starts Open; the history records it with source {first.source.value!r}.")

    # --- Step 2: update the lead status ---------------------------------------------------
    heading(demo, "Step 2: Update the lead status (Opdatér leadstatus)")
    print("The drop-down offers, besides Open:")
    for key in ("contacting", "qualified", "disqualified", "renurture"):
        status = lists.statuses.by_key(key)
        print(f"  {status.label('da')} ({status.label()}): {status.description('da')}")
    service.persons.set_lead_status(ann.id, demo.status("contacting"))
    service.persons.set_lead_status(bob.id, demo.status("qualified"), reason="Budget confirmed")
    print("Ann is set to Contacting and Bob to Qualified; each save appends to the history:")
    for person in (ann, bob):
        entry = service.persons.history(person.id)[-1]
        change = f"{demo.status_name(entry.from_status)} -> {demo.status_name(entry.to_status)}"
        why = "" if entry.reason is None else f" (reason: {entry.reason})"
        print(f"  {person.full_name}: {change} by associate {entry.by} at {entry.at:%H:%M}{why}")
    demo.card(ann.id)

    # --- Step 3: the Contacts tab ---------------------------------------------------------
    heading(demo, "Step 3: Show leads on the Contacts tab (Kontakter-detaljefanen)")
    print("Columns Category, Category group and Lead status for Acme's persons:")
    category = lists.categories.get(service.companies.get(acme.id).category_id or CategoryId(0))
    for person in service.persons.find(demo.parse(f"company.id = {acme.id}")):
        view = service.persons.lead_status_view(person.id)
        print(
            f"  {person.full_name:<10} {category.name:<6} {category.group.label():<20} {view.label}"
        )

    # --- Step 4: find and selections --------------------------------------------------------
    heading(demo, "Step 4: Create selections (Opret udvalg)")
    globex = service.companies.add("Globex", category_id=demo.category("Customer"))
    cy = service.persons.add("Cy", "Cole", company_id=globex.id)
    print("Globex (Customer) has Cy Cole. On the Find screen the criteria, in the text form:")
    wording = (
        "person.lead_status in (Open, Contacting) and company.category_group not in (Customer)"
    )
    print(f"  {wording}")
    find = demo.parse(wording)
    en, da = demo.describe(find)
    print(f"  reads (en): {en}")
    print(f"  reads (da): {da}")
    print(f"  count: {service.persons.count(find)}")
    print(f"  found: {demo.names(service.persons.find(find))}")
    mine = text.parse('company.category_group in ("Potential customer")', entity=Entity.COMPANY)
    companies = ", ".join(c.name for c in service.companies.find(mine))
    print(f'"Show all my potential customers" ({describe(mine, entity=Entity.COMPANY)}):')
    print(f"  companies found: {service.companies.count(mine)} ({companies})")
    static = service.selections.freeze_find("Leads today", find)
    dynamic = service.selections.create_dynamic("Open leads", find)
    print(f"Saved as static selection #{static.id} {static.name!r} (the result now) and")
    print(f"as dynamic selection #{dynamic.id} {dynamic.name!r} (the criteria, run on every read):")
    print(f"  static members: {demo.names(service.selections.members(static.id).persons)}")
    print(f"  dynamic members: {demo.names(service.selections.members(dynamic.id).persons)}")
    print("Board view: one column per lead status, in rank order, with counts:")
    for status in lists.statuses:
        column = demo.parse(f"person.lead_status in (#{status.id})")
        names = " ".join(p.first_name for p in service.persons.find(column))
        print(f"  {status.label('da'):<17} {service.persons.count(column)}  {names}".rstrip())
    print("Company > Lead / Person > Lead criteria on UTM data need Marketing Premium:")
    service.persons.add(
        "Dan", "Dove", company_id=acme.id, first_touch_utm=Utm(source="google", campaign="spring")
    )
    utm = demo.parse('person.first_touch.source equals "google"')
    print(f"  {describe(utm)} / {describe(utm, 'da')}")
    basic = service.acting_as(ME, licence=Licence.of(Feature.LEAD_STATUS))
    try:
        basic.persons.find(utm)
    except LeadcoreError as error:
        refused(error)
    print(f"  with Marketing Premium it finds: {demo.names(service.persons.find(utm))}")
    touch = service.companies.get(acme.id).first_touch_utm
    assert touch is not None
    print(
        "  Acme had no first touch yet, so Dan's was saved on the company as well "
        f"(its source UTM stays its own): source={touch.source}, campaign={touch.campaign}"
    )

    # --- Tip 1: I cannot see the Lead status field ----------------------------------------
    heading(demo, "Tip 1: I cannot see the Lead status field (Jeg kan ikke se feltet Leadstatus)")
    print("Lead status shows only on persons, and only when the company's category is in group")
    print("Potential customer with 'Enable lead status' selected.")
    initech = service.companies.add("Initech", category_id=demo.category("Prospect"))
    di = service.persons.add("Di", "Dahl", company_id=initech.id)
    demo.card(cy.id)
    print("  (Customer is not a Potential customer category)")
    demo.card(di.id)
    print("  (Prospect is Potential customer, but lead status is not enabled)")
    print("Setting a status there is refused:")
    try:
        service.persons.set_lead_status(di.id, demo.status("contacting"))
    except LeadcoreError as error:
        refused(error)
    print("Enabling it on Customer is refused too (only Potential customer categories can):")
    try:
        service.categories.set_lead_status_enabled(demo.category("Customer"), True)
    except LeadcoreError as error:
        refused(error)
    print("The admin enables lead status on Prospect:")
    service.categories.set_lead_status_enabled(demo.category("Prospect"), True)
    demo.card(di.id)

    # --- Tip 2: Lead / MQL missing in an existing database -------------------------------
    heading(
        demo,
        "Tip 2: I cannot pick Lead or Marketing qualified lead as category "
        "(Jeg kan ikke vælge Lead eller Marketingkvalificeret lead som kategori)",
    )
    old = LeadService.in_memory(database="existing", clock=demo.clock, associate=ME)
    print("These categories exist only in new databases. LeadService.in_memory('existing'):")
    print(f"  categories: {', '.join(c.name for c in old.lists().categories)}")
    try:
        old.lists().categories.by_name("Marketing qualified lead")
    except LeadcoreError as error:
        refused(error)
    print("The admin runs the upgrade (service.upgrade_database()):")
    report = old.upgrade_database()
    print(f"  added: {', '.join(c.name for c in report.added)} (changed: {report.changed})")
    upgraded = old.lists().categories
    second = old.upgrade_database()
    present = ", ".join(second.already_present)
    print(
        f"  running it again adds nothing (changed: {second.changed}); already present: {present}"
    )
    print(f"  the list is unchanged by the second run: {old.lists().categories == upgraded}")
    mql = old.lists().categories.by_name("Marketing qualified lead").id
    zed = old.persons.add(
        "Zed", "Zahl", company_id=old.companies.add("Umbrella", category_id=mql).id
    )
    print("  a company can now be put in Marketing qualified lead; its person starts Open:")
    print(f"    {zed.full_name}: {old.persons.lead_status_view(zed.id).label}")

    # --- Tip 3: hidden after a company category change ----------------------------------
    heading(
        demo,
        "Tip 3: The Lead status field disappeared after I changed the company category "
        "(Feltet Leadstatus forsvandt)",
    )
    print("Acme moves from Lead to Customer. Bob was Qualified:")
    service.companies.change_category(acme.id, demo.category("Customer"))
    hide = service.persons.history(bob.id)[-1]
    print(f"  history: {hide.kind.value} for {bob.full_name}, value kept")
    demo.card(bob.id)
    kept = demo.parse(f"person.lead_status in (Qualified) and company.id = {acme.id}")
    print(f"  a search for {describe(kept, categories=lists.categories, statuses=lists.statuses)}")
    print(f"  still finds: {demo.names(service.persons.find(kept))}")
    print("  the dynamic selection follows the move, the static one keeps its members:")
    print(f"    dynamic: {demo.names(service.selections.members(dynamic.id).persons)}")
    print(f"    static: {demo.names(service.selections.members(static.id).persons)}")
    print("  editing it is refused:")
    try:
        service.persons.set_lead_status(bob.id, demo.status("contacting"))
    except LeadcoreError as error:
        refused(error)
    demo.card(bob.id)

    # --- Tip 4: persons of one company differ -------------------------------------------
    heading(
        demo,
        "Tip 4: Different persons in the same company show different lead statuses "
        "(Forskellige personer i samme firma)",
    )
    print("Lead status is stored per person. Initech gets two more persons:")
    eve = service.persons.add("Eve", "Egg", company_id=initech.id)
    fay = service.persons.add("Fay", "Fox", company_id=initech.id)
    service.persons.set_lead_status(eve.id, demo.status("renurture"))
    service.persons.set_lead_status(fay.id, demo.status("disqualified"), reason="No budget")
    for person in service.persons.find(demo.parse(f"company.id = {initech.id}")):
        print(f"  {person.full_name}: {service.persons.lead_status_view(person.id, 'da').label}")

    # --- Tip 5: always Open when moved into a potential-customer category ---------------
    heading(
        demo,
        "Tip 5: A person always gets Lead status = Open when moved into a potential-customer "
        "category (En person får altid Leadstatus = Åben)",
    )
    print("This is expected: new leads always start Open. Acme moves back to Lead:")
    service.companies.change_category(acme.id, demo.category("Lead"))
    demo.card(bob.id)
    reveal = service.persons.history(bob.id)[-1]
    earlier = demo.status_name(reveal.from_status)
    print(f"  the earlier value {earlier!r} stays in the history ({reveal.kind.value} entry)")
    print("Every route into visibility does the same:")
    print("  - a new person under a lead company: see Step 1 (Open)")
    print("  - the admin switched the flag on: see Tip 1 (Open)")
    gus = service.persons.add("Gus", "Gray", company_id=globex.id)
    print("  - a person moved to another company: Gus moves from Globex (Customer) to Acme")
    service.persons.move(gus.id, acme.id)
    demo.card(gus.id)
    print("  - a person without company gets a lead category of its own:")
    hal = service.persons.add("Hal", "Hill")
    service.persons.set_category(hal.id, demo.category("Lead"))
    demo.card(hal.id)
    print("A move between two lead-enabled categories keeps the status (Lead -> MQL):")
    service.persons.set_lead_status(bob.id, demo.status("qualified"))
    service.companies.change_category(acme.id, demo.category("Marketing qualified lead"))
    demo.card(bob.id)
    print("Opt-in policy RESTORE_PREVIOUS brings the earlier value back instead of Open")
    print("(a service over the same store with LeadPolicy(reveal=RESTORE_PREVIOUS)):")
    restoring = service.acting_as(
        service.context.associate, policy=LeadPolicy(reveal=RevealPolicy.RESTORE_PREVIOUS)
    )
    service.companies.change_category(acme.id, demo.category("Customer"))
    restoring.companies.change_category(acme.id, demo.category("Lead"))
    demo.card(bob.id)

    # --- Tip 6: a person's category cannot be changed ----------------------------------
    heading(
        demo,
        "Tip 6: I cannot change the category of a person "
        "(Jeg kan ikke ændre kategorien på en person)",
    )
    print("Persons inherit the category of their company:")
    try:
        service.persons.set_category(ann.id, demo.category("Partner"))
    except LeadcoreError as error:
        refused(error)
    print("Change it on the company card instead: Acme moves to Opportunity.")
    service.companies.change_category(acme.id, demo.category("Opportunity"))
    demo.card(ann.id)
    print("A person without company has its own category and can change it:")
    service.persons.set_category(hal.id, demo.category("Partner"))
    demo.card(hal.id)

    # --- History ----------------------------------------------------------------------
    heading(demo, "The status history")
    persons = service.persons.find()
    entries = 0
    wrong: list[str] = []
    for person in persons:
        history = service.persons.history(person.id)
        entries += len(history)
        if replay(history).get(person.id) != person.lead_status_id:
            wrong.append(person.full_name)
    matches = not wrong
    print(
        f"{entries} entries for {len(persons)} persons (service.persons.history); "
        f"replaying them gives every stored status: {matches}"
    )
    if wrong:
        raise SystemExit(f"the history does not replay to the stored status of {wrong}")


if __name__ == "__main__":
    main()
