"""A deleted person's history stays readable on every store (issue 20): a person that
never had a status (a customer's person, one without a company) answers ``[]`` after
its deletion, as it did before; an id that never named a person is still unknown.
The store knows which ids it deleted (``PersonRepository.was_deleted``), also after
reopening a file store, after its compaction, and on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sql_fixtures import postgres_schemas

import leadcore
from leadcore import NotFoundError, PersonId
from leadcore.adapters.memory import InMemoryStore
from leadcore.service import LeadService

Opener = Callable[[], contextlib.AbstractContextManager[LeadService]]


def _check_deleted_history(open_service: Opener) -> None:
    with open_service() as service:
        customer = service.lists().categories.by_name("Customer").id
        lead = service.lists().categories.by_name("Lead").id
        bolt = service.companies.add("Bolt", category_id=customer)
        hidden = service.persons.add("Cy", company_id=bolt.id)  # a customer's person: no status
        alone = service.persons.add("Di")  # no company, no category: no status
        kept = service.persons.add("Ed", category_id=lead)  # a status, so a history
        assert service.persons.history(hidden.id) == []
        assert service.persons.history(alone.id) == []
        entries = service.persons.history(kept.id)
        service.persons.delete(hidden.id)
        service.persons.delete(alone.id)
        service.persons.delete(kept.id)
        assert service.persons.history(hidden.id) == []
        assert service.persons.history(alone.id) == []
        assert service.persons.history(kept.id) == entries
        never = PersonId(kept.id + 1000)
        with pytest.raises(NotFoundError):
            service.persons.history(never)
    with open_service() as service:  # the store remembers after reopening
        assert service.persons.history(hidden.id) == []
        assert service.persons.history(alone.id) == []
        assert service.persons.history(kept.id) == entries
        with pytest.raises(NotFoundError):
            service.persons.history(never)


def test_in_memory() -> None:
    service = LeadService.in_memory()
    _check_deleted_history(lambda: contextlib.nullcontext(service))  # one store both times


def test_file_store_reopened(tmp_path: Path) -> None:
    path = str(tmp_path / "crm.json")
    _check_deleted_history(lambda: leadcore.open(path))


def test_file_store_after_compaction(tmp_path: Path) -> None:
    path = str(tmp_path / "crm.json")
    with leadcore.open(path) as service:
        gone = service.persons.add("Cy")
        service.persons.delete(gone.id)
    store = InMemoryStore.open(path)
    store.save()  # a compaction: the snapshot holds the deletion, the journal is emptied
    store.close()
    with leadcore.open(path) as service:
        assert service.persons.history(gone.id) == []
        with pytest.raises(NotFoundError):
            service.persons.history(PersonId(gone.id + 1))


def test_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    _check_deleted_history(lambda: leadcore.open(url))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schemas() as schemas:
        _, url = schemas.new_url()
        yield url


def test_postgresql(postgres_url: str) -> None:
    _check_deleted_history(lambda: leadcore.open(postgres_url))
