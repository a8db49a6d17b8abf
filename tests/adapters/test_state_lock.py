"""The in-memory store's lock: readers share it, the exclusive side waits for them and
goes before readers that come later, and nothing waits for itself.

Threads are stepped with events and by polling the lock's own counters, never by
sleeping; a bound only turns a hang into a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from leadcore.adapters._state_lock import StateLock

BOUND = 30.0


def _start(target: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _until(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (a failure after BOUND seconds)."""
    pause = threading.Event()
    for _ in range(int(BOUND * 1000)):
        if condition():
            return
        pause.wait(0.001)
    raise AssertionError("the threads never reached the expected state")


def _hold_shared(lock: StateLock) -> tuple[threading.Thread, threading.Event]:
    """A thread holding the shared side until the returned event is set."""
    held, release = threading.Event(), threading.Event()

    def reader() -> None:
        with lock.shared():
            held.set()
            release.wait(timeout=BOUND)

    thread = _start(reader)
    assert held.wait(timeout=BOUND)
    return thread, release


def test_readers_do_not_wait_for_one_another() -> None:
    lock = StateLock()
    first, release = _hold_shared(lock)
    done: list[int] = []

    def second_reader() -> None:
        with lock.shared():
            done.append(lock.readers)

    second = _start(second_reader)
    second.join(timeout=BOUND)
    assert done == [2]  # both held it at once
    release.set()
    first.join(timeout=BOUND)
    assert lock.readers == 0


def test_the_exclusive_side_waits_for_readers_and_goes_before_later_ones() -> None:
    lock = StateLock()
    order: list[str] = []
    held, nest, release = threading.Event(), threading.Event(), threading.Event()

    def first_reader() -> None:
        with lock.shared():
            held.set()
            nest.wait(timeout=BOUND)
            with lock.shared():  # already reading: goes on although an exclusive waiter waits
                order.append("nested")
            release.wait(timeout=BOUND)

    def exclusive() -> None:
        with lock:
            order.append("exclusive")

    def later_reader() -> None:
        with lock.shared():
            order.append("reader")

    first = _start(first_reader)
    assert held.wait(timeout=BOUND)
    writer = _start(exclusive)
    _until(lambda: lock.waiting == (1, 0))  # waits for the first reader
    reader = _start(later_reader)
    _until(lambda: lock.waiting == (1, 1))  # the later reader waits behind it
    nest.set()
    _until(lambda: order == ["nested"])
    release.set()
    for thread in (first, writer, reader):
        thread.join(timeout=BOUND)
    assert order == ["nested", "exclusive", "reader"]
    assert lock.waiting == (0, 0)
    assert lock.readers == 0


def test_a_reader_asking_for_the_exclusive_side_is_refused_instead_of_waiting_for_itself() -> None:
    lock = StateLock()
    with lock.shared(), pytest.raises(RuntimeError, match="reader"):
        lock.acquire()
    assert lock.acquire(blocking=False)
    lock.release()


def test_the_exclusive_side_is_reentrant_and_can_read() -> None:
    lock = StateLock()
    with lock, lock, lock.shared():
        assert lock.readers == 1
    assert lock.readers == 0
    assert lock.acquire(blocking=False)
    lock.release()


def test_a_timed_out_exclusive_wait_lets_held_back_readers_go() -> None:
    lock = StateLock()
    first, release = _hold_shared(lock)
    assert not lock.acquire(blocking=False)
    assert not lock.acquire(timeout=0.01)  # the reader still holds it
    assert lock.waiting == (0, 0)
    with lock.shared():  # readers are not held back by a waiter that gave up
        assert lock.readers == 2
    release.set()
    first.join(timeout=BOUND)


def test_releasing_what_the_thread_does_not_hold_is_refused() -> None:
    lock = StateLock()
    with pytest.raises(RuntimeError, match="does not hold"):
        lock.release()
