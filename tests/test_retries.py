"""``leadcore.retry``: a command run again after a retryable conflict, never after another error."""

from __future__ import annotations

import pytest

import leadcore
from leadcore import ConcurrentChangeError, ConflictError, ValidationError, retry


class Flaky:
    """A command that meets ``conflicts`` retryable conflicts, then returns its call count."""

    def __init__(self, conflicts: int) -> None:
        self.left = conflicts
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise ConcurrentChangeError("could not serialize access")
        return self.calls


def test_a_retryable_conflict_is_run_again_with_growing_waits() -> None:
    waits: list[float] = []
    command = Flaky(conflicts=4)
    assert retry(command, attempts=5, backoff=0.1, max_backoff=0.3, sleep=waits.append) == 5
    caps = [0.1, 0.2, 0.3, 0.3]  # doubling, then capped
    assert len(waits) == len(caps)
    for wait, cap in zip(waits, caps, strict=True):
        assert cap / 2 <= wait <= cap  # a random share (jitter) of the step


def test_the_last_conflict_is_raised_when_every_attempt_meets_one() -> None:
    command = Flaky(conflicts=3)
    with pytest.raises(ConcurrentChangeError):
        retry(command, attempts=3, sleep=lambda seconds: None)
    assert command.calls == 3


def test_a_stale_expected_version_is_raised_at_once() -> None:
    service = leadcore.open(":memory:")
    acme = service.companies.add("Acme")
    service.companies.edit(acme.id, name="Acme Ltd")
    calls: list[int] = []

    def rename() -> object:
        calls.append(1)
        return service.companies.edit(acme.id, name="Acme AS", expected_version=1)

    with pytest.raises(ConflictError) as caught:
        retry(rename, sleep=lambda seconds: None)
    assert caught.value.retryable is False
    assert calls == [1]
    assert service.companies.get(acme.id).name == "Acme Ltd"


def test_other_errors_are_raised_at_once() -> None:
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise ValueError("not a conflict")

    with pytest.raises(ValueError, match="not a conflict"):
        retry(refused, sleep=lambda seconds: None)
    assert calls == [1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"attempts": 0}, "attempts must be an int of 1 or more"),
        ({"attempts": True}, "attempts must be an int of 1 or more"),
        ({"backoff": -1.0}, "backoff must not be negative"),
        ({"backoff": float("nan")}, "backoff must be a finite number"),
        ({"max_backoff": "1"}, "max_backoff must be a finite number"),
    ],
)
def test_bad_settings_are_refused_before_the_command_runs(
    arguments: dict[str, object], message: str
) -> None:
    command = Flaky(conflicts=0)
    with pytest.raises(ValidationError, match=message):
        retry(command, **arguments)  # type: ignore[arg-type]
    assert command.calls == 0
