"""A SQLite store killed with SIGKILL in the middle of a sequence of batch commits.

A subprocess runs a bulk update in batches, each batch one unit of work: it
rewrites every person (name and lead status), appends one history entry per
person and records the batch number, then acknowledges the batch on stdout. It
is killed at a random moment. Reopened, the database holds whole batches only:
every person carries the same batch, the history holds exactly that many
entries per person, and no acknowledged batch is lost.
"""

from __future__ import annotations

import inspect
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from leadcore.adapters.sql import SqlStore
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.model import LeadStatusId, Person, PersonId
from leadcore.queries import Query
from leadcore.testing.contract import AT

PERSONS = 300
TRIALS = 6 if os.environ.get("CI") == "true" else 2


def batch(store: SqlStore, n: int) -> None:
    """Batch ``n`` of the bulk update: every person renamed "batch n", with status n % 5 + 1."""
    with store.unit_of_work() as uow:
        people = uow.persons.get_many(PersonId(i) for i in range(1, PERSONS + 1))
        status = LeadStatusId(n % 5 + 1)
        changed = [
            Person(
                p.id, None, "Ann", f"batch {n}", AT, AT, lead_status_id=status, version=p.version
            )
            for p in people
        ]
        uow.persons.save_many(changed)
        uow.history.append(
            [HistoryEntry(p.id, HistoryKind.CHANGE, p.lead_status_id, status, AT) for p in people]
        )
        uow.settings.set("batch", n)
        uow.commit()


_CHILD = (
    """
import sys
from leadcore.adapters.sql import SqlStore
from leadcore.history import HistoryEntry, HistoryKind
from leadcore.model import LeadStatusId, Person, PersonId
from leadcore.testing.contract import AT

PERSONS = """
    + str(PERSONS)
    + "\n"
    + inspect.getsource(batch)
    + """
store = SqlStore.open(sys.argv[1])
with store.unit_of_work() as uow:
    n = uow.settings.get("batch", 0)
print("ready", n, flush=True)
while True:
    n += 1
    batch(store, n)
    print("done", n, flush=True)
"""
)


def _seed(path: Path) -> None:
    with SqlStore.open(path) as store, store.unit_of_work() as uow:
        for i in range(1, PERSONS + 1):
            uow.persons.add(Person(PersonId(i), None, "Ann", "batch 0", AT, AT))
        uow.settings.set("batch", 0)
        uow.commit()


def _check(path: Path, acknowledged: int) -> int:
    with SqlStore.open(path) as store, store.unit_of_work() as uow:
        done = uow.settings.get("batch")
        assert isinstance(done, int)
        assert done >= acknowledged
        people = uow.persons.find(Query())
        assert len(people) == PERSONS
        assert {p.last_name for p in people} == {f"batch {done}"}
        if done:
            assert {p.lead_status_id for p in people} == {done % 5 + 1}
        assert {p.version for p in people} == {done + 1}
        log = list(uow.history)
        assert len(log) == done * PERSONS
        for person in people[:3]:
            statuses = [e.to_status for e in uow.history.for_person(person.id)]
            assert statuses == [k % 5 + 1 for k in range(1, done + 1)]
        return done


def test_only_whole_batches_stand_after_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    _seed(path)
    rng = random.Random(11)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(TRIALS):
        with subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as child:
            assert child.stdout is not None
            ready = child.stdout.readline().split()
            assert ready[0] == "ready", ready
            first = child.stdout.readline().split()  # at least one whole batch per trial
            acknowledged = int(first[1])
            time.sleep(rng.uniform(0.0, 0.5))
            child.send_signal(signal.SIGKILL)
            for line in child.stdout:
                acknowledged = int(line.split()[1])
        assert child.returncode == -signal.SIGKILL
        assert _check(path, acknowledged) >= acknowledged
