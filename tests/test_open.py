"""leadcore.open: the one composition root (issue 17).

A file path, ":memory:" or a database URL becomes a service over the right
store; ``create`` says whether the store must be new, must exist, or either;
``read_only`` shares a file store's lock; ids continue after every kind the
store ever held, associates included (both stores hand them out through
``ids()``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import leadcore
from leadcore import LeadService
from leadcore.adapters.memory import InMemoryStore
from leadcore.adapters.sql import SqlStore
from leadcore.errors import DataFileError, ValidationError


def test_memory_is_a_new_store_in_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with leadcore.open(":memory:") as service:
        assert service.companies.add("Acme").id == 1
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DataFileError, match="no data file at ':memory:'"):
        leadcore.open(":memory:", create=False)


def test_a_file_is_made_when_missing_and_found_again(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with leadcore.open(path) as service:
        ann = service.associates.add("Ann")
        service.persons.add("Bo", owner_id=ann.id)
    with leadcore.open(str(path)) as service:
        assert [p.full_name for p in service.persons.find()] == ["Bo"]
        assert service.associates.add("Cy").id == ann.id + 1  # ids continue, associates too


def test_create_true_refuses_an_existing_file_and_false_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with pytest.raises(DataFileError, match="no data file at") as missing:
        leadcore.open(path, create=False)
    assert missing.value.context == {"path": str(path)}
    assert not path.exists()
    leadcore.open(path, create=True).close()
    with pytest.raises(DataFileError, match="a data file already exists at"):
        leadcore.open(path, create=True)
    leadcore.open(path, create=False).close()


def test_read_only_opens_share_the_file_and_refuse_to_write(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with leadcore.open(path) as service:
        service.companies.add("Acme")
    with leadcore.open(path, read_only=True) as one, leadcore.open(path, read_only=True) as two:
        assert one.companies.count() == two.companies.count() == 1
        with pytest.raises(leadcore.PersistenceError):
            one.companies.add("Bolt")


def test_a_database_url_opens_the_sql_adapter(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with pytest.raises(DataFileError, match="no data file at"):
        leadcore.open(url, create=False)
    assert not (tmp_path / "crm.db").exists()  # asking made nothing
    with leadcore.open(url, create=True, language="da") as service:
        assert service.lists().statuses.default.name == "Åben"
        service.persons.add("Ann")
    with pytest.raises(DataFileError, match="a data file already exists at"):
        leadcore.open(url, create=True)
    with leadcore.open(url) as service:
        assert service.persons.add("Bo").id == 2


def test_the_constructors_are_callers_of_open(tmp_path: Path) -> None:
    with LeadService.in_memory("existing") as service:
        assert service.upgrade_database().changed
    with LeadService.sqlite(tmp_path / "crm.db") as service:
        service.companies.add("Acme")
    with LeadService.sql(f"sqlite:///{tmp_path / 'crm.db'}") as service:
        assert [c.name for c in service.companies.find()] == ["Acme"]
    with LeadService.sql(":memory:") as service:
        assert service.companies.count() == 0


def test_the_arguments_are_checked() -> None:
    with pytest.raises(ValidationError, match=r"open\(\): database must be 'new' or 'existing'"):
        leadcore.open(":memory:", database="old")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"open\(\): read_only must be True or False"):
        leadcore.open(":memory:", read_only=1)  # type: ignore[arg-type]


def test_both_stores_hand_out_ids_after_everything_they_ever_held(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    with leadcore.open(path) as service:
        for name in ("Ann", "Bo"):
            service.associates.add(name)
        acme = service.companies.add("Acme")
        service.companies.delete(acme.id)
    store = InMemoryStore.open(path)
    try:
        ids = store.ids()
        assert ids is store.ids()  # one generator per store
        assert (ids.next_id("associate"), ids.next_id("company")) == (3, 2)
    finally:
        store.close()
    with SqlStore.open(":memory:") as sql:
        assert sql.ids() is sql.ids()
        assert sql.ids().next_id("associate") == 1
