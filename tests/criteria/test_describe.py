"""Human descriptions of criteria in English and Danish."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Group,
    Groups,
    Not,
    Operator,
    Period,
)
from leadcore.criteria.build import condition
from leadcore.criteria.describe import OPERATOR_PHRASES, describe
from leadcore.errors import ValidationError
from leadcore.lists import new_database
from leadcore.testing.strategies import category_lists, criteria, lead_status_lists

CATEGORIES, STATUSES = new_database()


def leaf(key: str, op: Operator, *values: object) -> Condition:
    return Condition(key, op, tuple(values))  # type: ignore[arg-type]


D1, D2 = date(2026, 1, 1), date(2026, 3, 31)

EXAMPLES: list[tuple[Condition, str, str]] = [
    (leaf("person.lead_status", Operator.IN, 1, 2),
     "Lead status is one of Open, Contacting", "Leadstatus er en af Åben, Kontakter"),
    (leaf("person.lead_status", Operator.NOT_IN, 5),
     "Lead status is not one of Re-nurture", "Leadstatus er ikke en af Genoptag kontakt"),
    (leaf("company.category_group", Operator.IN, 1, 2),
     "Company category group is one of Customer, Potential customer",
     "Firmakategorigruppe er en af Kunde, Potentiel kunde"),
    (leaf("person.category", Operator.IN, 2),
     "Category is one of Marketing qualified lead", "Kategori er en af Marketing qualified lead"),
    (leaf("person.lead_status", Operator.IN),
     "Lead status is one of (none)", "Leadstatus er en af (ingen)"),
    (leaf("person.owner", Operator.CURRENT_ASSOCIATE),
     "Our contact is the current associate", "Vores kontakt er den aktuelle medarbejder"),
    (leaf("person.owner", Operator.NOT_CURRENT_ASSOCIATE),
     "Our contact is not the current associate",
     "Vores kontakt er ikke den aktuelle medarbejder"),
    (leaf("person.owner", Operator.IN, 7),
     "Our contact is one of #7", "Vores kontakt er en af #7"),
    (leaf("person.email", Operator.EQUALS, "a@b.dk"),
     'E-mail is "a@b.dk"', 'E-mail er "a@b.dk"'),
    (leaf("person.email", Operator.NOT_EQUALS, ""), 'E-mail is not ""', 'E-mail er ikke ""'),
    (leaf("person.first_name", Operator.BEGINS, "An"),
     'First name begins with "An"', 'Fornavn begynder med "An"'),
    (leaf("person.first_name", Operator.NOT_BEGINS, "An"),
     'First name does not begin with "An"', 'Fornavn begynder ikke med "An"'),
    (leaf("person.last_name", Operator.CONTAINS, "sen"),
     'Last name contains "sen"', 'Efternavn indeholder "sen"'),
    (leaf("person.last_name", Operator.NOT_CONTAINS, "sen"),
     'Last name does not contain "sen"', 'Efternavn indeholder ikke "sen"'),
    (leaf("company.name", Operator.ENDS, "ApS"),
     'Company name ends with "ApS"', 'Firmanavn slutter med "ApS"'),
    (leaf("company.name", Operator.NOT_ENDS, "ApS"),
     'Company name does not end with "ApS"', 'Firmanavn slutter ikke med "ApS"'),
    (leaf("person.id", Operator.EQ, 5), "Person id = 5", "Person-id = 5"),
    (leaf("person.id", Operator.NE, 5), "Person id ≠ 5", "Person-id ≠ 5"),
    (leaf("person.id", Operator.GT, 2.5), "Person id > 2.5", "Person-id > 2.5"),
    (leaf("person.id", Operator.LT, 5), "Person id < 5", "Person-id < 5"),
    (leaf("person.id", Operator.GE, 5), "Person id ≥ 5", "Person-id ≥ 5"),
    (leaf("person.id", Operator.LE, 5), "Person id ≤ 5", "Person-id ≤ 5"),
    (leaf("company.id", Operator.BETWEEN, 1, 9),
     "Company id is between 1 and 9", "Firma-id er mellem 1 og 9"),
    (leaf("company.id", Operator.NOT_BETWEEN, 1, 9),
     "Company id is not between 1 and 9", "Firma-id er ikke mellem 1 og 9"),
    (leaf("person.retired", Operator.IS_TRUE), "Retired is yes", "Fratrådt er ja"),
    (leaf("person.has_company", Operator.IS_FALSE), "Has company is no", "Har firma er nej"),
    (leaf("person.registered", Operator.BEFORE, D1),
     "Registered is before 2026-01-01", "Registreret er før 2026-01-01"),
    (leaf("person.registered", Operator.ON, D1),
     "Registered is on 2026-01-01", "Registreret er den 2026-01-01"),
    (leaf("person.updated", Operator.AFTER, D1),
     "Updated is after 2026-01-01", "Opdateret er efter 2026-01-01"),
    (leaf("company.registered", Operator.DATE_BETWEEN, D1, D2),
     "Company registered is between 2026-01-01 and 2026-03-31",
     "Firma registreret er mellem 2026-01-01 og 2026-03-31"),
    (leaf("person.registered", Operator.BEFORE_TODAY),
     "Registered is before today", "Registreret er før i dag"),
    (leaf("person.registered", Operator.TODAY), "Registered is today", "Registreret er i dag"),
    (leaf("person.registered", Operator.AFTER_TODAY),
     "Registered is after today", "Registreret er efter i dag"),
    (leaf("person.registered", Operator.THIS, Period.WEEK),
     "Registered is in this week", "Registreret er i denne uge"),
    (leaf("person.registered", Operator.THIS, Period.YEAR),
     "Registered is in this year", "Registreret er i dette år"),
    (leaf("person.registered", Operator.THIS_PREVIOUS_AND_NEXT, Period.WEEK),
     "Registered is in this, the previous or the next week",
     "Registreret er i denne, forrige eller næste uge"),
    (leaf("person.registered", Operator.NEXT, Period.MONTH),
     "Registered is in the next month", "Registreret er i næste måned"),
    (leaf("person.registered", Operator.PREVIOUS, Period.DAY),
     "Registered is in the previous day", "Registreret er i forrige dag"),
    (leaf("person.registered", Operator.THIS_AND_NEXT, Period.QUARTER),
     "Registered is in this or the next quarter", "Registreret er i dette eller næste kvartal"),
    (leaf("person.registered", Operator.THIS_AND_PREVIOUS, Period.WEEK),
     "Registered is in this or the previous week",
     "Registreret er i denne eller forrige uge"),
    (leaf("person.first_touch.source", Operator.EQUALS, "ads"),
     'First touch source is "ads"', 'Første kontakt kilde er "ads"'),
    (leaf("person.registered", Operator.THIS_AND_PREVIOUS, 3, Period.MONTH),
     "Registered is in this or the previous 3 months",
     "Registreret er i denne eller de forrige 3 måneder"),
    (leaf("person.registered", Operator.NEXT, 2, Period.WEEK),
     "Registered is in the next 2 weeks", "Registreret er i de næste 2 uger"),
    (leaf("person.status_changed", Operator.LAST, 30, Period.DAY),
     "Lead status changed is in the last 30 days",
     "Leadstatus ændret er i de seneste 30 dage"),
    (leaf("person.updated", Operator.LAST, 1, Period.WEEK),
     "Updated is in the last 1 week", "Opdateret er i de seneste 1 uge"),
    (leaf("company.registered", Operator.OLDER_THAN, 2, Period.YEAR),
     "Company registered is more than 2 years ago", "Firma registreret er mere end 2 år siden"),
    (leaf("person.owner", Operator.SET), "Our contact has a value", "Vores kontakt har en værdi"),
    (leaf("person.lead_status", Operator.NOT_SET),
     "Lead status has no value", "Leadstatus har ingen værdi"),
]  # fmt: skip


def test_every_operator_has_a_phrase_and_an_example() -> None:
    for language in ("en", "da"):
        assert set(OPERATOR_PHRASES[language]) == set(Operator)
    assert {c.operator for c, _, _ in EXAMPLES} == set(Operator)


@pytest.mark.parametrize(("leaf_", "en", "da"), EXAMPLES)
def test_each_operator_in_both_languages(leaf_: Condition, en: str, da: str) -> None:
    assert describe(leaf_, categories=CATEGORIES, statuses=STATUSES) == en
    assert describe(leaf_, "da", categories=CATEGORIES, statuses=STATUSES) == da


def test_combinations() -> None:
    a = condition("person.lead_status", "in", 1)
    b = condition("person.retired", "is_true")
    c = condition("company.category_group", "in", 1)
    tree = AllOf((a, AnyOf((b, Not(c)))))
    assert describe(tree, statuses=STATUSES) == (
        "Lead status is one of Open and (Retired is yes or not (Company category group is "
        "one of Customer))"
    )
    assert describe(tree, "da", statuses=STATUSES) == (
        "Leadstatus er en af Åben og (Fratrådt er ja eller ikke (Firmakategorigruppe er en "
        "af Kunde))"
    )
    assert describe(ALWAYS) == "always"
    assert describe(NEVER, "da") == "aldrig"
    assert describe(AllOf(()), "da") == "altid"
    assert describe(AnyOf(())) == "never"
    assert describe(AnyOf((b,))) == "Retired is yes"


def test_groups_leave_out_inactive_criteria() -> None:
    a = condition("person.lead_status", "in", 1)
    b = condition("person.retired", "is_true")
    inactive = Condition("person.first_name", Operator.BEGINS)
    form = Groups((Group((a, inactive)), Group((inactive,)), Group((b,), subtract=True)))
    assert describe(form, statuses=STATUSES) == (
        "(Lead status is one of Open) except (Retired is yes)"
    )
    assert describe(form, "da", statuses=STATUSES) == (
        "(Leadstatus er en af Åben) undtagen (Fratrådt er ja)"
    )
    assert describe(Groups((Group((a, b)),)), statuses=STATUSES) == (
        "Lead status is one of Open and Retired is yes"
    )
    assert describe(Groups((Group((b,), subtract=True),))) == "always except Retired is yes"
    assert describe(Groups(())) == "always"


def test_names_come_from_the_lists_and_fall_back_to_ids() -> None:
    statuses = STATUSES.rename(STATUSES.by_name("Open").id, "Fresh")
    statuses = statuses.delete(statuses.by_name("Qualified").id)
    c = condition("person.lead_status", "in", 1, 3, 42)
    assert describe(c, statuses=statuses) == "Lead status is one of Fresh, Qualified, #42"
    assert describe(c, "da", statuses=statuses) == "Leadstatus er en af Fresh, Kvalificeret, #42"
    assert describe(c) == "Lead status is one of #1, #3, #42"
    assert describe(condition("person.category", "in", 1)) == "Category is one of #1"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown language"):
        describe(ALWAYS, "sv")  # type: ignore[arg-type]


@given(st.data(), st.sampled_from(["en", "da"]))
def test_every_generated_tree_can_be_described(data: st.DataObject, language: str) -> None:
    categories = data.draw(category_lists())
    statuses = data.draw(lead_status_lists())
    tree = data.draw(criteria(categories, statuses))
    text = describe(tree, language, categories=categories, statuses=statuses)  # type: ignore[arg-type]
    assert "{" not in text
    assert text.count("(") == text.count(")")
