"""A file store killed at random moments, and files damaged at random, as a hostile user would.

The crash test runs a subprocess that commits in a loop, with compaction after
almost every commit, acknowledging each commit on stdout, and kills it with
SIGKILL at random moments (snapshot writes, journal appends and compactions
all get hit). Each reopen must give exactly a prefix of the commit sequence
that holds every acknowledged commit. ``CI=true`` runs many more trials.
"""

from __future__ import annotations

import inspect
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcore.adapters.memory import FileFormatError, InMemoryStore
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.queries import Query
from leadcore.testing.contract import AT

TRIALS = 30 if os.environ.get("CI") else 4


def commit_number(store: InMemoryStore, n: int) -> None:
    """Commit number ``n``: a company, a person, a setting naming n, and some padding."""
    with store.unit_of_work() as uow:
        uow.companies.add(Company(CompanyId(n), f"Company {n}", None, AT, AT))
        uow.persons.add(Person(PersonId(n), CompanyId(n), "Ann", f"No. {n}", AT, AT))
        uow.settings.set("n", n)
        uow.settings.set(f"pad {n}", "x" * 300)
        uow.commit()


_CHILD = (
    """
import sys
from leadcore.adapters.memory import InMemoryStore
from leadcore.model import Company, CompanyId, Person, PersonId
from leadcore.testing.contract import AT

"""
    + inspect.getsource(commit_number)
    + """
store = InMemoryStore.open(sys.argv[1], compact_share=0.3, compact_min_bytes=0)
with store.unit_of_work() as uow:
    n = uow.settings.get("n", 0)
print("ready", n, flush=True)
while True:
    n += 1
    commit_number(store, n)
    print(n, flush=True)
"""
)


def _committed_prefix(store: InMemoryStore) -> int:
    """The n of the state, after checking that the state is exactly commits 1..n."""
    with store.unit_of_work() as uow:
        n = uow.settings.get("n", 0)
        assert isinstance(n, int)
        assert [p.id for p in uow.persons.find(Query())] == [PersonId(i) for i in range(1, n + 1)]
        assert [c.id for c in uow.companies.find(Query())] == [
            CompanyId(i) for i in range(1, n + 1)
        ]
        assert all(uow.settings.get(f"pad {i}") == "x" * 300 for i in range(1, n + 1))
        assert uow.settings.get(f"pad {n + 1}") is None
    store.verify_indexes()
    return n


def _run_and_kill(path: Path, delay: float) -> tuple[int, int]:
    """Start the committing child, kill it after ``delay`` s; (n it started from, last ack)."""
    command = [sys.executable, "-c", _CHILD, str(path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        ready = child.stdout.readline().split()
        assert ready[0] == "ready", ready
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        acknowledged = [line for line in child.stdout.read().split() if line.isdigit()]
        child.wait()
    start = int(ready[1])
    return start, int(acknowledged[-1]) if acknowledged else start


def test_sigkill_at_random_moments_keeps_exactly_the_acknowledged_prefix(tmp_path: Path) -> None:
    path = tmp_path / "crm.json"
    chance = random.Random(20261127)
    acknowledged = 0
    for _ in range(TRIALS):
        start, last = _run_and_kill(path, chance.uniform(0.05, 0.6))
        assert start >= acknowledged, "an acknowledged commit was lost"
        acknowledged = last
        with InMemoryStore.open(path) as store:
            n = _committed_prefix(store)
        assert acknowledged <= n <= acknowledged + 1, (acknowledged, n)
        assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        acknowledged = n
    assert acknowledged > TRIALS, "the child hardly committed: the test tested nothing"


@pytest.fixture(scope="module")
def damaged_store_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with commits 1..10 in its snapshot and 11..20 in its journal."""
    folder = tmp_path_factory.mktemp("pristine")
    with InMemoryStore.open(folder / "crm.json") as store:
        for n in range(1, 11):
            commit_number(store, n)
        store.save()
        for n in range(11, 21):
            commit_number(store, n)
    return folder


@given(
    target=st.sampled_from(["crm.json", "crm.json.journal.0"]),
    damage=st.sampled_from(["truncate", "flip", "delete"]),
    where=st.floats(0, 1, exclude_max=True),
    size=st.integers(1, 64),
    mask=st.integers(1, 255),
)
def test_damaged_files_open_to_a_committed_prefix_or_are_refused_untouched(
    damaged_store_files: Path, target: str, damage: str, where: float, size: int, mask: int
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "store"
        shutil.copytree(damaged_store_files, folder)
        victim = folder / target
        data = bytearray(victim.read_bytes())
        spot = int(where * len(data))
        if damage == "truncate":
            del data[spot:]
        elif damage == "flip":
            data[spot] ^= mask
        else:
            del data[spot : spot + size]
        victim.write_bytes(bytes(data))
        before = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".lock"}
        try:
            store = InMemoryStore.open(folder / "crm.json")
        except FileFormatError:
            after = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".lock"}
            assert after == before, "a refused open changed the files"
            return
        with store:
            n = _committed_prefix(store)
        assert 10 <= n <= 20 if target != "crm.json" else n == 20
