"""Commands in several threads: a decision read inside one unit still holds at its commit.

The in-memory store runs commands one at a time across threads (each command's
unit is the store's writer from before its first read to its commit; reads do
not wait); without that, a company moved into a lead category while a person is
being added to it (or a status set while the company moves out) would leave a
visible status empty or edit a hidden one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from leadcore import rules
from leadcore.errors import PersistenceError
from leadcore.history import HistoryKind, replay
from leadcore.model import Person
from leadcore.service import LeadService


def pause_inside(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> tuple[threading.Event, threading.Event]:
    """Make ``rules.<name>`` signal ``entered`` and wait for ``release`` before running."""
    entered, release = threading.Event(), threading.Event()
    real: Callable[..., Any] = getattr(rules, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(timeout=10)
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, name, paused)
    return entered, release


def run(target: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_a_company_move_waits_for_a_person_being_added(monkeypatch: pytest.MonkeyPatch) -> None:
    service = LeadService.in_memory()
    categories = service.lists().categories
    lead, customer = categories.by_name("Lead").id, categories.by_name("Customer").id
    acme = service.companies.add("Acme", category_id=customer)
    entered, release = pause_inside(monkeypatch, "create_person")
    added: list[Person] = []
    adding = run(lambda: added.append(service.persons.add("Bo", company_id=acme.id)))
    assert entered.wait(timeout=10)
    moving = run(lambda: service.companies.change_category(acme.id, lead))
    moving.join(timeout=0.3)
    assert moving.is_alive(), "the move ran inside another thread's open unit"
    release.set()
    adding.join(timeout=10)
    moving.join(timeout=10)
    view = service.persons.lead_status_view(added[0].id)
    assert view.visible  # revealed by the move that came second
    assert view.label == "Open"


def test_a_status_edit_cannot_land_after_the_company_moved_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = LeadService.in_memory()
    lists = service.lists()
    lead, customer = lists.categories.by_name("Lead").id, lists.categories.by_name("Customer").id
    qualified = lists.statuses.by_key("qualified").id
    acme = service.companies.add("Acme", category_id=lead)
    ann = service.persons.add("Ann", company_id=acme.id)
    entered, release = pause_inside(monkeypatch, "set_lead_status")
    editing = run(lambda: service.persons.set_lead_status(ann.id, qualified))
    assert entered.wait(timeout=10)
    moving = run(lambda: service.companies.change_category(acme.id, customer))
    release.set()
    editing.join(timeout=10)
    moving.join(timeout=10)
    history = service.persons.history(ann.id)
    assert [e.kind for e in history] == [HistoryKind.CHANGE, HistoryKind.CHANGE, HistoryKind.HIDE]
    assert replay(history)[ann.id] == service.persons.get(ann.id).lead_status_id == qualified


def test_a_change_that_cannot_be_written_is_not_committed_and_publishes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import os

    from leadcore.clock import RecordingPublisher

    events = RecordingPublisher()
    service = LeadService.in_memory(path=tmp_path / "leads.json", events=events)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    lead = service.lists().categories.by_name("Lead").id
    acme = service.companies.add("Acme", category_id=lead)
    monkeypatch.setattr(os, "fdatasync", full_disk)
    with pytest.raises(PersistenceError) as caught:
        service.persons.add("Ann", company_id=acme.id)
    assert not caught.value.committed
    assert service.persons.find() == []
    assert events.events == []
    monkeypatch.undo()
    assert service.persons.add("Ann", company_id=acme.id).first_name == "Ann"
    assert [type(e).__name__ for e in events.events] == ["HistoryEntry"]
    service.close()
