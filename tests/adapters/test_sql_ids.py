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
        assert first.ids().next_id("person") == 1  # an id now and then: no gaps
        handed = []
        for _ in range(300):  # a stream: reserved in growing blocks, never shared
            handed += [first.ids().next_id("person"), second.ids().next_id("person")]
        assert len(set(handed)) == len(handed)
        assert min(handed) == 2
        _add_and_delete(first, 5000)  # stored (and deleted) outside the generator
        third = SqlStore.open(engine)  # a new process: its first id comes from the database
        assert third.ids().next_id("person") == 5001
        assert second.ids().next_id("person") not in {*handed, 5000, 5001}
        third.close()
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
