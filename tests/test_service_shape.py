"""The service's shape (issue 17): a small object whose use cases live in resources by
noun, each small, over one shared context, none importing another.

These hold the measures the design promises: at most 10 public methods on the
service itself, at most 20 on any resource, and the collaboration between
resources only through constructor arguments.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import leadcore
from leadcore import AssociateId, LeadService
from leadcore.service._resource import Resource

SERVICE = Path(leadcore.__file__).parent / "service"


def public_methods(owner: object) -> list[str]:
    """The public callables of ``owner`` (a service or a resource): its methods, not the
    resources or values it holds."""
    return [
        name
        for name in dir(owner)
        if not name.startswith("_") and inspect.ismethod(getattr(owner, name))
    ]


def resources(service: LeadService) -> dict[str, Resource]:
    """The service's resources, found by walking its public attributes."""
    found = {}
    for name in dir(service):
        if not name.startswith("_"):
            value = getattr(service, name)
            if isinstance(value, Resource):
                found[name] = value
    return found


@pytest.fixture
def service() -> LeadService:
    return LeadService.in_memory()


def test_the_service_has_the_eleven_resources_of_the_mapping(service: LeadService) -> None:
    assert sorted(resources(service)) == [
        "associates",
        "automation",
        "bulk",
        "categories",
        "companies",
        "dashboards",
        "distribution",
        "persons",
        "selections",
        "statuses",
        "views",
    ]


def test_the_service_itself_has_at_most_ten_public_methods(service: LeadService) -> None:
    methods = public_methods(service)
    assert len(methods) <= 10, methods
    assert sorted(methods) == [
        "acting_as",
        "close",
        "import_records",
        "in_memory",
        "lists",
        "parse_criteria",
        "postgres",
        "sql",
        "sqlite",
        "upgrade_database",
    ]


def test_no_resource_has_more_than_twenty_public_methods(service: LeadService) -> None:
    sizes = {name: len(public_methods(resource)) for name, resource in resources(service).items()}
    assert max(sizes.values()) <= 20, sizes
    assert all(sizes.values()), sizes  # and every resource does something


def test_persons_and_companies_share_one_reader(service: LeadService) -> None:
    reader = {"get", "get_many", "find", "find_page", "count", "count_by"}
    assert reader <= set(public_methods(service.persons))
    assert reader <= set(public_methods(service.companies))
    for name in reader:
        persons = getattr(type(service.persons), name).__wrapped__
        companies = getattr(type(service.companies), name).__wrapped__
        assert persons is companies, name  # one function, checked per resource


def test_resources_are_made_once_per_service(service: LeadService) -> None:
    assert service.persons is service.persons
    assert service.views is service.views
    assert LeadService.in_memory().persons is not service.persons


def test_acting_as_gives_fresh_resources_acting_for_the_associate(service: LeadService) -> None:
    acting = service.acting_as(AssociateId(7))
    assert acting.persons is not service.persons
    assert acting.context.associate == 7
    assert service.context.associate is None
    assert acting.context.uow == service.context.uow  # the same storage
    acme = acting.companies.add("Acme")
    ann = acting.persons.add("Ann", category_id=service.lists().categories.by_name("Lead").id)
    assert [e.by for e in service.persons.history(ann.id)] == [7]
    assert service.companies.get(acme.id) == acme


def _runtime_imports(path: Path) -> set[str]:
    """The modules ``path`` imports when it runs (not those under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING",)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_resource_module_imports_another_at_run_time(service: LeadService) -> None:
    """A resource that needs another gets it as a constructor argument, so the resource
    modules stay independent (type-only imports are fine)."""
    modules = {type(r).__module__ for r in resources(service).values()}
    assert len(modules) == 11
    for module in sorted(modules):
        path = SERVICE / f"{module.rsplit('.', 1)[1]}.py"
        imported = _runtime_imports(path) & (modules - {module})
        assert not imported, (module, imported)
