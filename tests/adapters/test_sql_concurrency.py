"""The two races of tests/test_service_concurrency.py, across two processes on PostgreSQL.

A child process runs the first command and pauses inside the rules (after its
unit read what it decides on); the test process runs the second command to its
commit meanwhile; then the child goes on. In memory the second command waits;
on a shared database the first one's commit finds that what it read changed,
raises :class:`leadcore.errors.ConflictError` and writes nothing. Either way no
decision lands on data that changed under it: run again, the command decides on
the new data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sql_fixtures import Schemas, postgres_schemas

from leadcore.history import HistoryKind, replay
from leadcore.service import LeadService

_CHILD = """
import sys
from leadcore import rules
from leadcore.errors import ConflictError
from leadcore.model import CompanyId, LeadStatusId, PersonId
from leadcore.service import LeadService

url, command, record, value = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
real = getattr(rules, command)

def paused(*args, **kwargs):
    print("entered", flush=True)
    assert sys.stdin.readline().strip() == "go"
    return real(*args, **kwargs)

setattr(rules, command, paused)
with LeadService.postgres(url) as service:
    try:
        if command == "create_person":
            service.persons.add("Bo", company_id=CompanyId(record))
        else:
            service.persons.set_lead_status(PersonId(record), LeadStatusId(value))
    except ConflictError as error:
        print("conflict", type(error).__name__, flush=True)
    else:
        print("committed", flush=True)
"""


def _race(url: str, command: str, record: int, value: int, second: object) -> list[str]:
    """Run ``command`` in a child paused inside the rules, call ``second()`` meanwhile."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, command, str(record), str(value)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as child:
        assert child.stdin is not None
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "entered"
        assert callable(second)
        second()
        child.stdin.write("go\n")
        child.stdin.flush()
        outcome = child.stdout.readline().split()
    assert child.returncode == 0
    return outcome


@pytest.fixture
def pg_schemas() -> Iterator[Schemas]:
    """Fresh schemas on the PostgreSQL test server."""
    with postgres_schemas() as schemas:
        yield schemas


def test_a_person_added_while_its_company_moves_is_refused_not_left_wrong(
    pg_schemas: Schemas,
) -> None:
    _, url = pg_schemas.new_url()
    with LeadService.postgres(url) as service:
        categories = service.lists().categories
        lead, customer = categories.by_name("Lead").id, categories.by_name("Customer").id
        acme = service.companies.add("Acme", category_id=customer)
        outcome = _race(
            url,
            "create_person",
            acme.id,
            0,
            lambda: service.companies.change_category(acme.id, lead),
        )
        assert outcome == ["conflict", "ConflictError"]
        assert service.persons.find() == []  # the refused add wrote nothing
        bo = service.persons.add("Bo", company_id=acme.id)  # run again: decides on Lead
        view = service.persons.lead_status_view(bo.id)
        assert view.visible
        assert view.label == "Open"


def test_a_status_edit_cannot_land_after_the_company_moved_out(pg_schemas: Schemas) -> None:
    _, url = pg_schemas.new_url()
    with LeadService.postgres(url) as service:
        lists = service.lists()
        lead = lists.categories.by_name("Lead").id
        customer = lists.categories.by_name("Customer").id
        qualified = lists.statuses.by_key("qualified").id
        acme = service.companies.add("Acme", category_id=lead)
        ann = service.persons.add("Ann", company_id=acme.id)
        outcome = _race(
            url,
            "set_lead_status",
            ann.id,
            qualified,
            lambda: service.companies.change_category(acme.id, customer),
        )
        assert outcome == ["conflict", "ConflictError"]
        history = service.persons.history(ann.id)
        assert [e.kind for e in history] == [HistoryKind.CHANGE, HistoryKind.HIDE]
        assert replay(history)[ann.id] == service.persons.get(ann.id).lead_status_id
        assert service.persons.lead_status_view(ann.id).visible is False
