"""Ids from the SQL store: never handed out twice, across processes sharing PostgreSQL and
across reopenings of a SQLite file, deleted ids included."""

from __future__ import annotations

from pathlib import Path

from sql_fixtures import postgres_schemas

from leadcore.adapters.sql import SqlStore
from leadcore.model import Person, PersonId
from leadcore.testing.contract import AT


def _add_and_delete(store: SqlStore, person_id: int) -> None:
    with store.unit_of_work() as uow:
        uow.persons.add(Person(PersonId(person_id), None, "Ann", "Ash", AT, AT))
        uow.commit()
    with store.unit_of_work() as uow:
        uow.persons.delete(uow.persons.get(PersonId(person_id)))
        uow.commit()


def test_two_stores_on_one_postgres_database_never_hand_out_one_id_twice() -> None:
    with postgres_schemas() as schemas:
        engine = schemas.new_engine()
        first, second = SqlStore.open(engine), SqlStore.open(engine)
        handed = []
        for _ in range(5):
            handed += [first.ids().next_id("person"), second.ids().next_id("person")]
        assert handed == list(range(1, 11))
        _add_and_delete(first, 50)  # stored (and deleted) outside the generator
        assert second.ids().next_id("person") == 51
        assert first.ids().next_id("selection") == 1
        first.close()
        second.close()


def test_a_reopened_sqlite_file_continues_after_the_highest_id_ever_stored(
    tmp_path: Path,
) -> None:
    file = tmp_path / "crm.db"
    with SqlStore.open(file) as store:
        assert store.ids().next_id("person") == 1
        _add_and_delete(store, 7)  # the highest id, deleted
        assert store.max_id("person") == 7
    with SqlStore.open(file) as store:
        assert store.ids().next_id("person") == 8
        assert store.ids().next_id("company") == 1
