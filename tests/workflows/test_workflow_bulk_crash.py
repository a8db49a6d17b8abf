"""A bulk update on the file store and on a SQLite file, stopped and killed with SIGKILL
mid-run.

A child process applies a bulk set-status in small batches on a store (the file
store, or the SQL adapter on a SQLite file: each batch one transaction) and
acknowledges each committed batch on stdout. The parent stops it between
batches (a stop file the ``stop`` callable looks for) or kills it at a random
moment, then reopens the file: exactly the persons of whole leading batches
have the new status (with their ``bulk`` history entries), every acknowledged
batch is among them, and at most one more batch (committed, not yet
acknowledged) stands. After a stop, the child's log names exactly the changed
persons. ``CI=true`` runs more trials.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leadcore import LeadService
from leadcore.history import StatusSource
from leadcore.importing import CompanyRow, PersonRow
from leadcore.model import PersonId

TRIALS = 10 if os.environ.get("CI") else 3
PERSONS = 1200
BATCH = 12
QUALIFIED = 3

_CHILD = """
import json, pathlib, sys
from leadcore import LeadService
from leadcore.workflows import BulkScope, SetLeadStatus

path, stop_file, batch = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
handshake = sys.argv[5] == "handshake"  # wait for a line on stdin after each batch
service = LeadService.sqlite(path) if path.endswith(".db") else LeadService.in_memory(path=path)
ids = [p.id for p in service.persons.find()]
print("ready", flush=True)
log = service.bulk.apply(
    BulkScope.of_ids(persons=ids),
    SetLeadStatus(int(sys.argv[4])),
    batch_size=batch,
    progress=lambda p: (print("batch", p.batch, flush=True), handshake and sys.stdin.readline()),
    stop=stop_file.exists,
)
changed = sorted(c.record.id for c in log.changed)
print("log", json.dumps({"stopped": log.stopped, "committed": log.batches_committed,
                         "changed": changed}), flush=True)
sys.stdin.read()  # wait to be killed
"""


STORES = [
    pytest.param("crm.json", id="file-store"),
    pytest.param("crm.db", id="sqlite", marks=pytest.mark.skipif(
        not importlib.util.find_spec("sqlalchemy"), reason="the SQL adapter needs extra 'sql'")),
]  # fmt: skip


def _open(path: Path) -> LeadService:
    return LeadService.sqlite(path) if path.suffix == ".db" else LeadService.in_memory(path=path)


def _store(path: Path) -> list[PersonId]:
    with _open(path) as service:
        lead = service.lists().categories.by_name("Lead").id
        report = service.import_records(
            [CompanyRow("a", "Acme", category_id=lead)],
            [PersonRow(f"P{n}", company_key="a") for n in range(PERSONS)],
        )
    return sorted(p for p in report.persons if p is not None)


def _start(path: Path, stop_file: Path, mode: str = "free") -> subprocess.Popen[str]:
    command = [sys.executable, "-c", _CHILD, str(path), str(stop_file), str(BATCH), str(QUALIFIED),
               mode]  # fmt: skip
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().split() == ["ready"]
    return child


def _kill(child: subprocess.Popen[str]) -> list[str]:
    child.send_signal(signal.SIGKILL)
    assert child.stdout is not None
    # The kill can cut the child's last line short: only whole lines count.
    lines = child.stdout.read().split("\n")[:-1]
    child.wait()
    return lines


def _standing(path: Path, ids: list[PersonId]) -> int:
    """How many whole leading batches stand, after checking that nothing else does."""
    with _open(path) as service:
        changed = {p.id for p in service.persons.get_many(ids) if p.lead_status_id == QUALIFIED}
        bulk = {
            p for p in ids if any(e.source is StatusSource.BULK for e in service.persons.history(p))
        }
    assert changed == bulk, "a status without its history entry, or the other way round"
    batches = [ids[k : k + BATCH] for k in range(0, len(ids), BATCH)]
    whole = 0
    while whole < len(batches) and set(batches[whole]) <= changed:
        whole += 1
    assert changed == {p for batch in batches[:whole] for p in batch}, "a half batch stands"
    return whole


@pytest.mark.parametrize("name", STORES)
def test_a_stopped_bulk_update_killed_afterwards_keeps_exactly_its_log(
    tmp_path: Path, name: str
) -> None:
    path, stop_file = tmp_path / name, tmp_path / "stop"
    ids = _store(path)
    with _start(path, stop_file, "handshake") as child:
        assert child.stdout is not None
        assert child.stdin is not None
        for expected in (1, 2, 3):
            assert child.stdout.readline().split() == ["batch", str(expected)]
            if expected == 3:
                stop_file.touch()  # asked before batch 4: the update stops there
            child.stdin.write("go\n")
            child.stdin.flush()
        acknowledged = 3
        line = child.stdout.readline()
        assert line.startswith("log ")
        log = json.loads(line[4:])
        _kill(child)
    assert log["stopped"] is True
    assert log["committed"] == acknowledged < PERSONS // BATCH
    assert _standing(path, ids) == acknowledged
    assert log["changed"] == ids[: acknowledged * BATCH]  # the log matches the data


@pytest.mark.parametrize("name", STORES)
def test_sigkill_mid_run_leaves_only_whole_batches_and_every_acknowledged_one(
    tmp_path: Path, name: str
) -> None:
    chance = random.Random(20261127)
    killed_mid_run = 0
    for trial in range(TRIALS):
        path = tmp_path / f"{trial}{name}"
        ids = _store(path)
        with _start(path, tmp_path / "never") as child:
            time.sleep(chance.uniform(0.0, 0.25))
            lines = _kill(child)
        acknowledged = [int(x.split()[1]) for x in lines if x.startswith("batch")]
        last = acknowledged[-1] if acknowledged else 0
        assert acknowledged == list(range(1, last + 1))
        whole = _standing(path, ids)
        assert last <= whole <= last + 1, (last, whole)
        if not any(x.startswith("log") for x in lines):
            killed_mid_run += 1
    assert killed_mid_run, "every child finished before the kill: the test tested nothing"
