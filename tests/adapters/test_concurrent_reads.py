"""Reads run side by side on every store; concurrent commits to one record never lose one.

The slow read is made deterministic: it blocks *inside* the store (after its
query ran, with its unit of work, connection and read transaction still open,
or in memory holding the store's lock shared) on an event or on a line from the
test process; the test asserts that other reads (and, on SQL, commands) finish
while it is blocked. Nothing is timed: a join's timeout is only a bound after
which the test fails instead of hanging.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sql_fixtures import postgres_schemas
from sqlalchemy import create_engine

import leadcore
from leadcore import (
    CompanyId,
    ConcurrentChangeError,
    ConflictError,
    LeadService,
    PersistenceError,
    PersonId,
    rules,
)
from leadcore.adapters import _memory_repositories
from leadcore.adapters.memory import InMemoryStore
from leadcore.adapters.sql import SqlStore, _find
from leadcore.history import HistoryKind, replay

BOUND = 30.0
"""Seconds after which a thread that should have finished fails the test (never reached
when the code is right)."""


def _data(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "memory":
        yield ":memory:"
    elif kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.db'}"
    else:
        with postgres_schemas() as schemas:
            yield schemas.new_url()[1]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(kind, what ``leadcore.open`` opens) for each store."""
    for data in _data(request.param, tmp_path):
        yield request.param, data


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(kind, URL) of a database several processes share."""
    for data in _data(request.param, tmp_path):
        yield request.param, data


def _block_finds_in(
    monkeypatch: pytest.MonkeyPatch, kind: str, thread_name: str
) -> tuple[threading.Event, threading.Event]:
    """Make a person find in the thread named ``thread_name`` signal ``entered`` and wait for
    ``release`` inside the store: in memory inside the query planner (the store's lock held
    shared), on SQL after its query ran (its connection and transaction open)."""
    entered, release = threading.Event(), threading.Event()
    module: Any = _memory_repositories if kind == "memory" else _find
    name = "plan_persons" if kind == "memory" else "find_persons"
    real: Callable[..., Any] = getattr(module, name)

    def blocking(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if threading.current_thread().name == thread_name:
            entered.set()
            release.wait(timeout=BOUND)
        return found

    monkeypatch.setattr(module, name, blocking)
    return entered, release


def _start(target: Callable[[], object], name: str = "") -> threading.Thread:
    thread = threading.Thread(target=target, name=name or None, daemon=True)
    thread.start()
    return thread


def _seeded(service: LeadService) -> tuple[CompanyId, PersonId]:
    lead = service.lists().categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    ann = service.persons.add("Ann", "Ash", company_id=acme.id)
    service.persons.add("Bo", "Berg", company_id=acme.id)
    return acme.id, ann.id


def test_a_slow_read_does_not_delay_other_reads(
    store: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, data = store
    with leadcore.open(data) as service:
        acme, ann = _seeded(service)
        entered, release = _block_finds_in(monkeypatch, kind, "slow")
        slow_found: list[int] = []
        slow = _start(lambda: slow_found.append(len(service.persons.find())), "slow")
        try:
            assert entered.wait(timeout=BOUND)
            answers: list[object] = []

            def other_reads() -> None:
                answers.append(service.persons.count())
                answers.append([p.first_name for p in service.persons.find()])
                answers.append(service.persons.card(ann).company)
                answers.append(service.views.board().total)
                answers.append(len(service.views.contacts_tab(acme).rows))

            reader = _start(other_reads)
            reader.join(timeout=BOUND)
            assert not reader.is_alive(), "a read waited for the slow read"
            assert slow.is_alive()  # still blocked inside the store
            assert not slow_found
            assert answers[:2] == [2, ["Ann", "Bo"]]
            assert answers[3:] == [2, 2]
        finally:
            release.set()
            slow.join(timeout=BOUND)
        assert slow_found == [2]


def test_on_sql_a_command_commits_while_a_slow_read_is_open(
    database: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, url = database
    with leadcore.open(url) as service:
        _, ann = _seeded(service)
        entered, release = _block_finds_in(monkeypatch, kind, "slow")
        slow_names: list[list[str]] = []
        slow = _start(
            lambda: slow_names.append([p.last_name for p in service.persons.find()]), "slow"
        )
        try:
            assert entered.wait(timeout=BOUND)
            edited: list[int] = []
            writer = _start(
                lambda: edited.append(service.persons.edit(ann, last_name="Ahl").version)
            )
            writer.join(timeout=BOUND)
            assert not writer.is_alive(), "a command waited for the slow read"
            assert edited == [2]
            assert slow.is_alive()
        finally:
            release.set()
            slow.join(timeout=BOUND)
        assert slow_names == [["Ash", "Berg"]]  # the read saw the data as it began
        assert service.persons.get(ann).last_name == "Ahl"


def test_in_memory_reads_run_while_a_command_is_deciding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command holds the store's writer lock from its first read to its end; reads do
    not take it, so they go on meanwhile (and see the committed state)."""
    with leadcore.open(":memory:") as service:
        _, ann = _seeded(service)
        qualified = service.lists().statuses.by_key("qualified").id
        entered, release = threading.Event(), threading.Event()
        real = rules.set_lead_status

        def paused(*args: Any, **kwargs: Any) -> Any:
            entered.set()
            release.wait(timeout=BOUND)
            return real(*args, **kwargs)

        monkeypatch.setattr(rules, "set_lead_status", paused)
        command = _start(lambda: service.persons.set_lead_status(ann, qualified))
        try:
            assert entered.wait(timeout=BOUND)
            seen: list[object] = []
            reader = _start(lambda: seen.append(service.persons.get(ann).lead_status_id))
            reader.join(timeout=BOUND)
            assert not reader.is_alive(), "a read waited for the command in progress"
            assert seen == [service.lists().statuses.by_key("open").id]
        finally:
            release.set()
            command.join(timeout=BOUND)
        assert service.persons.get(ann).lead_status_id == qualified


def test_in_memory_a_unit_that_read_before_a_commit_landed_is_refused_at_its_commit() -> None:
    """A unit the service did not open as a command (``expect_writes``) is not the store's
    writer while it reads; its commit is refused, retryably, when another commit
    landed after its first read, and writes nothing."""
    store = InMemoryStore()
    service = LeadService(store.unit_of_work, clock=store.clock, ids=store.ids())
    _, ann = _seeded(service)
    with store.unit_of_work() as uow:
        person = uow.persons.get(ann)
        service.persons.edit(ann, email="ann@example.com")  # another unit commits meanwhile
        uow.settings.set("seen", person.version)
        with pytest.raises(ConcurrentChangeError) as caught:
            uow.commit()
        assert caught.value.retryable
    with store.unit_of_work() as uow:
        assert uow.settings.get("seen") is None
    store.verify_indexes()


def test_two_threads_committing_one_record(
    store: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A status set (paused after reading the person) and an edit of the same person, in two
    threads. In memory the edit waits for the command in progress; on SQL it commits
    first and the status set meets a retryable conflict, and run again it succeeds. Either
    way both changes are kept."""
    kind, data = store
    with leadcore.open(data) as service:
        _, ann = _seeded(service)
        qualified = service.lists().statuses.by_key("qualified").id
        entered, release = threading.Event(), threading.Event()
        real = rules.set_lead_status
        calls: list[int] = []

        def paused(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == 1:
                entered.set()
                release.wait(timeout=BOUND)
            return real(*args, **kwargs)

        monkeypatch.setattr(rules, "set_lead_status", paused)
        conflicts: list[ConflictError] = []

        def set_status() -> None:
            try:
                service.persons.set_lead_status(ann, qualified)
            except ConflictError as conflict:
                conflicts.append(conflict)
                leadcore.retry(lambda: service.persons.set_lead_status(ann, qualified))

        setting = _start(set_status)
        try:
            assert entered.wait(timeout=BOUND)
            editing = _start(lambda: service.persons.edit(ann, email="ann@example.com"))
            if kind != "memory":
                editing.join(timeout=BOUND)
                assert not editing.is_alive()
        finally:
            release.set()
            setting.join(timeout=BOUND)
            editing.join(timeout=BOUND)
        assert not setting.is_alive()
        assert not editing.is_alive()
        if kind == "memory":
            assert conflicts == []
        else:
            assert [c.retryable for c in conflicts] == [True]
        person = service.persons.get(ann)
        assert (person.email, person.lead_status_id, person.version) == (
            "ann@example.com",
            qualified,
            3,
        )
        history = service.persons.history(ann)
        assert [e.kind for e in history] == [HistoryKind.CHANGE, HistoryKind.CHANGE]
        assert replay(history)[ann] == qualified


_CHILD = """
import sys

import leadcore
from leadcore import rules
from leadcore.adapters.sql import _find

url, what = sys.argv[1], sys.argv[2]


def pause():
    print("entered", flush=True)
    assert sys.stdin.readline().strip() == "go"


if what == "slow-find":
    real_find = _find.find_persons

    def blocking(*args, **kwargs):
        found = real_find(*args, **kwargs)
        pause()
        return found

    _find.find_persons = blocking
    with leadcore.open(url) as service:
        print("found", len(service.persons.find()), flush=True)
else:
    person, status = int(sys.argv[3]), int(sys.argv[4])
    real_set = rules.set_lead_status
    calls = []

    def paused(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            pause()
        return real_set(*args, **kwargs)

    rules.set_lead_status = paused
    with leadcore.open(url) as service:
        try:
            service.persons.set_lead_status(person, status)
        except leadcore.ConflictError as error:
            print("conflict", type(error).__name__, error.retryable, flush=True)
        changed = leadcore.retry(lambda: service.persons.set_lead_status(person, status))
        print("committed", changed.version, flush=True)
"""


def _child(*args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _go(child: subprocess.Popen[str]) -> list[list[str]]:
    """Let the paused child go on; its remaining lines, split."""
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write("go\n")
    child.stdin.flush()
    lines = [line.split() for line in child.stdout]
    assert child.wait(timeout=BOUND) == 0
    return lines


def test_a_slow_read_in_another_process_delays_neither_reads_nor_commands(
    database: tuple[str, str],
) -> None:
    _, url = database
    with leadcore.open(url) as service:
        _, ann = _seeded(service)
        with _child(url, "slow-find") as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "entered"  # blocked inside its read
            assert service.persons.count() == 2
            assert service.persons.edit(ann, last_name="Ahl").version == 2
            assert [p.last_name for p in service.persons.find()] == ["Ahl", "Berg"]
            assert child.poll() is None  # still blocked meanwhile
            assert _go(child) == [["found", "2"]]


def test_two_processes_committing_one_record_one_wins_the_other_retries_nothing_is_lost(
    database: tuple[str, str],
) -> None:
    _, url = database
    with leadcore.open(url) as service:
        _, ann = _seeded(service)
        qualified = service.lists().statuses.by_key("qualified").id
        with _child(url, "set-status", ann, qualified) as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "entered"  # it read Ann at version 1
            assert service.persons.edit(ann, email="ann@example.com").version == 2  # wins
            lines = _go(child)
        assert lines == [["conflict", "ConflictError", "True"], ["committed", "3"]]
        person = service.persons.get(ann)
        assert (person.email, person.lead_status_id, person.version) == (
            "ann@example.com",
            qualified,
            3,
        )
        history = service.persons.history(ann)
        assert [e.kind for e in history] == [HistoryKind.CHANGE, HistoryKind.CHANGE]
        assert replay(history)[ann] == qualified


def test_a_pool_that_stays_exhausted_is_a_persistence_error(tmp_path: Path) -> None:
    """Each unit holds one pooled connection from its first read to its end; a unit that
    finds none free within the pool's timeout is refused with a typed error."""
    engine = create_engine(
        f"sqlite:///{tmp_path / 'crm.db'}",
        connect_args={"check_same_thread": False},
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.01,
    )
    with SqlStore.open(engine) as sql_store, sql_store.unit_of_work() as first:
        assert first.lists.load().version == 1  # holds the only connection
        with sql_store.unit_of_work() as second:
            with pytest.raises(
                PersistenceError, match="no database connection became free"
            ) as caught:
                second.lists.load()
            assert caught.value.committed is False
        first.settings.set("still", "usable")
        first.commit()
