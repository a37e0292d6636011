"""Polling starts fast and backs off to a cap; it never sleeps past the wall-time budget."""

from __future__ import annotations

import itertools
import random

import pytest

from agent.telemetry.aws.polling import Backoff, Waiter
from tests.aws.conftest import FakeClock


def test_backoff_starts_at_a_tenth_of_a_second_and_grows_to_two_seconds() -> None:
    intervals = list(itertools.islice(Backoff().intervals(), 10))
    assert intervals[0] == 0.1
    assert all(b >= a for a, b in itertools.pairwise(intervals))
    assert intervals[-1] == 2.0
    assert max(intervals) == 2.0


def test_poll_returns_at_once_when_the_first_answer_is_final() -> None:
    clock = FakeClock()
    waiter = Waiter(sleep=clock.sleep, clock=clock)
    result = waiter.poll(lambda: "Complete", lambda s: s == "Complete", waiter.deadline(10))
    assert result == "Complete"
    assert clock.sleeps == []


def test_poll_sleeps_the_backoff_schedule_between_calls() -> None:
    clock = FakeClock()
    waiter = Waiter(sleep=clock.sleep, clock=clock)
    answers = iter(["Scheduled", "Running", "Running", "Complete"])
    result = waiter.poll(lambda: next(answers), lambda s: s == "Complete", waiter.deadline(10))
    assert result == "Complete"
    assert clock.sleeps == pytest.approx([0.1, 0.16, 0.256])


def test_poll_gives_up_at_the_deadline_without_oversleeping() -> None:
    clock = FakeClock()
    waiter = Waiter(sleep=clock.sleep, clock=clock)
    calls = []
    result = waiter.poll(
        lambda: calls.append(1) or "Running", lambda s: s == "Complete", waiter.deadline(5)
    )
    assert result is None
    assert sum(clock.sleeps) == pytest.approx(5.0)  # the last sleep is cut to what remained
    assert len(calls) == len(clock.sleeps)


def test_jitter_stays_within_the_exponential_envelope() -> None:
    waiter = Waiter(rng=random.Random(1))
    for attempt in range(8):
        for _ in range(50):
            assert 0.0 <= waiter.jitter(attempt) <= min(8.0, 0.5 * 2**attempt)
