"""Compiled evaluation: safety of generated code, deep trees, groups, licence, explain, readers."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from leadcore.criteria.ast import (
    ALWAYS,
    NEVER,
    AllOf,
    AnyOf,
    Condition,
    Criterion,
    Group,
    Groups,
    Not,
    Operator,
    all_of,
)
from leadcore.criteria.build import MAX_NESTING, condition, nesting_depth
from leadcore.criteria.errors import BadValueError, CriteriaTooDeep, UnknownFieldError
from leadcore.criteria.evaluate import (
    Environment,
    company_predicate,
    company_reader,
    explain,
    person_predicate,
    person_reader,
)
from leadcore.criteria.fields import Entity, fields_for
from leadcore.criteria.normalize import normalize
from leadcore.errors import FeatureNotLicensed
from leadcore.licence import Feature, Licence
from leadcore.lists import new_database
from leadcore.model import (
    AssociateId,
    CategoryId,
    Company,
    CompanyId,
    LeadStatusId,
    Person,
    PersonId,
    Utm,
)

CATEGORIES, _ = new_database()
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ENV = Environment(CATEGORIES, NOW, current_associate=AssociateId(7))
ACME = Company(CompanyId(1), "Acme", CategoryId(1), NOW, NOW, source_utm=Utm(source="x"))
ANN = Person(
    PersonId(1), ACME.id, "Ann", "Lee", NOW, NOW, owner_id=AssociateId(7),
    lead_status_id=LeadStatusId(2),
)  # fmt: skip


def test_user_values_never_reach_the_generated_source() -> None:
    hostile = "') or True or ('"
    leaf = condition("person.first_name", "equals", hostile)
    predicate = person_predicate(leaf, ENV)
    assert hostile not in (predicate.__doc__ or "")
    assert "_k0" in (predicate.__doc__ or "")
    assert not predicate(ANN, ACME)
    assert predicate(attrs.evolve(ANN, first_name=hostile.upper()), ACME)


def test_a_predicate_is_compiled_once_and_reused() -> None:
    predicate = person_predicate(condition("person.lead_status", "in", 2), ENV)
    rows = [(attrs.evolve(ANN, lead_status_id=LeadStatusId(n % 3 + 1)), ACME) for n in range(9)]
    assert sum(predicate(p, c) for p, c in rows) == 3


def test_unvalidated_trees_are_refused_when_compiling() -> None:
    with pytest.raises(BadValueError):
        person_predicate(Condition("person.id", Operator.GT, ("3",)), ENV)
    with pytest.raises(UnknownFieldError):
        company_predicate(condition("person.lead_status", "in", 1), ENV)


def test_utm_fields_need_the_licence_to_compile_and_explain() -> None:
    utm = condition("company.source.source", "equals", "x")
    basic = attrs.evolve(ENV, licence=Licence.of(Feature.LEAD_STATUS))
    with pytest.raises(FeatureNotLicensed) as caught:
        person_predicate(condition("person.retired", "is_false") | utm, basic)
    assert caught.value.context["feature"] == "marketing-premium"
    with pytest.raises(FeatureNotLicensed):
        company_predicate(condition("company.source.source", "equals", "x",
                                    entity=Entity.COMPANY), basic)  # fmt: skip
    with pytest.raises(FeatureNotLicensed):
        explain(utm, basic, ANN, ACME)
    assert person_predicate(utm, ENV)(ANN, ACME)


def test_constants_and_empty_nodes() -> None:
    for tree, expected in ((ALWAYS, True), (NEVER, False), (AllOf(()), True), (AnyOf(()), False),
                           (Not(AllOf(())), False), (Groups(()), True)):  # fmt: skip
        assert person_predicate(tree, ENV)(ANN, ACME) is expected


def _deep(depth: int) -> Criterion:
    tree: Criterion = condition("person.lead_status", "in", 2)
    for n in range(depth):
        other = condition("person.id", "ne", 1000 + n)
        tree = AllOf((tree, other)) if n % 2 else AnyOf((Not(Not(tree)), NEVER))
    return tree


def test_deep_trees_compile() -> None:
    deep = _deep(30)  # 60 levels: compiled in pieces (one generated expression nests 40)
    assert 40 < nesting_depth(deep) < MAX_NESTING
    assert person_predicate(deep, ENV)(ANN, ACME)
    assert not person_predicate(deep, ENV)(attrs.evolve(ANN, lead_status_id=None), ACME)
    assert not person_predicate(Not(deep), ENV)(ANN, ACME)
    leaves = [condition("person.id", "ne", 1000 + n) for n in range(1, 30, 2)]
    expected = normalize(all_of([condition("person.lead_status", "in", 2), *leaves]))
    assert isinstance(expected, AllOf)
    assert normalize(deep) == expected


def test_too_deep_trees_are_refused_with_a_typed_error() -> None:
    too_deep: Criterion = condition("person.retired", "is_true")
    for _ in range(MAX_NESTING + 1):
        too_deep = Not(too_deep)
    with pytest.raises(CriteriaTooDeep) as caught:
        person_predicate(too_deep, ENV)
    assert caught.value.context["depth"] == MAX_NESTING + 1
    with pytest.raises(CriteriaTooDeep):
        normalize(too_deep)


def test_groups_evaluate_as_superoffice_does() -> None:
    a = condition("person.lead_status", "in", 2)
    b = condition("company.category_group", "in", 2)
    retired = condition("person.retired", "is_true")
    form = Groups((Group((a, b)), Group((retired,), subtract=True)))
    assert person_predicate(form, ENV)(ANN, ACME)
    assert not person_predicate(form, ENV)(attrs.evolve(ANN, retired=True), ACME)
    only_inactive = Groups((Group((Condition("person.email", Operator.CONTAINS),)),))
    assert person_predicate(only_inactive, ENV)(ANN, ACME)
    assert person_predicate(form & only_inactive, ENV)(ANN, ACME)


def test_explain_names_the_deciding_leaves() -> None:
    status = condition("person.lead_status", "in", 1)
    retired = condition("person.retired", "is_true")
    owner = condition("person.owner", "current_associate")
    why = explain((status | retired) & owner, ENV, ANN, ACME)
    assert not why.matched
    assert [o.condition for o in why.deciding] == [status, retired]
    assert [o.value for o in why.deciding] == [2, False]
    assert len(why.leaves) == 3
    why = explain(status | owner, ENV, ANN, ACME)
    assert why.matched
    assert [o.condition for o in why.deciding] == [owner]
    assert "person.owner current_associate" in str(why)
    why = explain(~owner, ENV, ANN, ACME)
    assert not why.matched
    assert why.deciding[0].matched  # the leaf held; the not flipped it


def test_explain_reads_group_codes_and_missing_values() -> None:
    b2c = Person(PersonId(2), None, "Bo", "Ek", NOW, NOW, own_category_id=CategoryId(5))
    why = explain(condition("company.category_group", "not_in", 1), ENV, b2c, None)
    assert why.matched
    assert why.deciding[0].value is None
    why = explain(condition("person.category_group", "in", 1), ENV, b2c, None)
    assert why.matched
    assert why.deciding[0].value == 1


def test_readers_read_every_field() -> None:
    for key in fields_for(Entity.PERSON):
        person_reader(key, CATEGORIES)(ANN, ACME)
        person_reader(key, CATEGORIES)(attrs.evolve(ANN, company_id=None), None)
    for key in fields_for(Entity.COMPANY):
        company_reader(key, CATEGORIES)(ACME)
    assert person_reader("company.source.source", CATEGORIES)(ANN, ACME) == "x"
    assert person_reader("person.first_touch.source", CATEGORIES)(ANN, ACME) is None
    assert person_reader("person.has_company", CATEGORIES)(ANN, None) is False
    assert company_reader("company.category_group", CATEGORIES)(ACME) == 2
    unknown = attrs.evolve(ACME, category_id=CategoryId(999))
    assert company_reader("company.category_group", CATEGORIES)(unknown) is None


def test_an_unknown_category_has_no_group() -> None:
    unknown = attrs.evolve(ACME, category_id=CategoryId(999))
    assert not person_predicate(condition("company.category_group", "in", 0, 1, 2, 3, 4, 5),
                                ENV)(ANN, unknown)  # fmt: skip
    assert person_predicate(condition("company.category_group", "not_in", 2), ENV)(ANN, unknown)
