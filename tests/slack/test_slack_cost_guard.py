"""The cost guard: limits count queued and running investigations, people past a limit are
told their place in line or why nothing started, and a burst never becomes a bill."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from slack_app import admission
from slack_app.admission import CostLimits, Ticket
from tests.slack.conftest import Driver, serve
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import event_callback, mention
from tests.slack.reports import ScriptedInvestigator

CHANNELS = [f"C0TEAM{n:04d}" for n in range(10)]


def _ticket(channel: str, thread: str, state: str, at: float) -> Ticket:
    return Ticket.model_validate(
        {"channel": channel, "thread_id": thread, "state": state, "asked_at": at, "started_at": at}
    )


def test_queued_tickets_count_against_the_channels_queue_limit() -> None:
    limits = CostLimits(running_per_channel=1, running=4, queued_per_channel=1, queued=10)
    tickets = [_ticket("C1", "t1", "running", 100.0), _ticket("C1", "t2", "queued", 101.0)]
    decision, kept = admission.admit(tickets, "C1", "t3", limits, now=102.0)
    assert decision.outcome == "refused" and "waiting in this channel" in decision.reason
    assert kept == tickets


def test_queued_tickets_count_against_the_workspaces_queue_limit() -> None:
    limits = CostLimits(running_per_channel=1, running=1, queued_per_channel=5, queued=2)
    tickets = [
        _ticket("C1", "t1", "running", 100.0),
        _ticket("C2", "t2", "queued", 101.0),
        _ticket("C3", "t3", "queued", 102.0),
    ]
    decision, _ = admission.admit(tickets, "C4", "t4", limits, now=103.0)
    assert decision.outcome == "refused" and "waiting in this workspace" in decision.reason


def test_the_hourly_cap_counts_finished_investigations_of_the_last_hour() -> None:
    limits = CostLimits(per_hour=2)
    tickets = [_ticket("C1", "t1", "done", 100.0), _ticket("C2", "t2", "done", 200.0)]
    refused, _ = admission.admit(tickets, "C3", "t3", limits, now=300.0)
    assert refused.outcome == "refused" and "in the last hour" in refused.reason
    an_hour_later, _ = admission.admit(tickets, "C3", "t3", limits, now=100.0 + 3601)
    assert an_hour_later.outcome == "started"


def test_a_queued_ticket_behind_a_full_channel_does_not_block_another_channel() -> None:
    limits = CostLimits(running_per_channel=1, running=4, queued_per_channel=3, queued=10)
    tickets = [_ticket("C1", "t1", "running", 100.0), _ticket("C1", "t2", "queued", 101.0)]
    decision, _ = admission.admit(tickets, "C2", "t3", limits, now=102.0)
    assert decision.outcome == "started"


def test_a_ticket_whose_process_died_frees_its_place_after_the_stale_time() -> None:
    limits = CostLimits(running_per_channel=1, stale_seconds=600)
    tickets = [_ticket("C1", "t1", "running", 100.0)]
    assert admission.admit(tickets, "C1", "t2", limits, now=200.0)[0].outcome == "queued"
    assert admission.admit(tickets, "C1", "t2", limits, now=701.0)[0].outcome == "started"


BURST_LIMITS = {
    "slack_channels": CHANNELS,
    "slack_max_concurrent_per_channel": 1,
    "slack_max_concurrent": 3,
    "slack_max_queued_per_channel": 1,
    "slack_max_queued": 4,
    "slack_max_investigations_per_hour": 12,
}


@pytest.fixture
def held(fake_slack: FakeSlack) -> Iterator[tuple[Driver, threading.Event]]:
    gate = threading.Event()
    server, drv = serve(fake_slack, ScriptedInvestigator(gate=gate), **BURST_LIMITS)
    yield drv, gate
    gate.set()
    server.shutdown()
    server.server_close()


def _first_reply_per_thread(driver: Driver) -> dict[str, str]:
    replies: dict[str, str] = {}
    for call in driver.slack.of("chat.postMessage"):
        replies.setdefault(call.params["thread_ts"], json.dumps(call.params, ensure_ascii=False))
    return replies


def test_a_burst_of_100_mentions_in_10_channels_starts_only_what_the_limits_allow(
    held: tuple[Driver, threading.Event],
) -> None:
    driver, gate = held
    asked = [f"1772447300.{n:06d}" for n in range(100)]
    for number, ts in enumerate(asked):
        channel = CHANNELS[number % 10]
        assert driver.event(event_callback(mention(channel, "why 5xx?", ts))).status == 200
    driver.slack.wait_for("chat.postMessage", 100, timeout=30)
    replies = _first_reply_per_thread(driver)
    assert sorted(replies) == asked, "every mention got an answer in its thread"
    kinds = Counter(
        "queued" if "queued · position" in text else "refused" if "did not start" in text else "run"
        for text in replies.values()
    )
    assert kinds == {"run": 3, "queued": 4, "refused": 93}
    assert len(driver.investigator.investigations) == 3
    gate.set()
    driver.slack.wait_for("files.completeUploadExternal", 7, timeout=30)
    assert (
        len(driver.investigator.investigations)
        == 7
        <= BURST_LIMITS["slack_max_investigations_per_hour"]
    )


@pytest.fixture
def capped(fake_slack: FakeSlack) -> Iterator[Driver]:
    server, drv = serve(
        fake_slack,
        ScriptedInvestigator(),
        slack_channels=CHANNELS,
        slack_max_investigations_per_hour=5,
    )
    yield drv
    server.shutdown()
    server.server_close()


def test_past_the_hourly_cap_mentions_are_refused_with_the_reason(capped: Driver) -> None:
    for number in range(8):
        ts = f"1772447400.{number:06d}"
        capped.event(event_callback(mention(CHANNELS[number], "why 5xx?", ts)))
        capped.slack.wait_for("chat.postMessage", number + 1)
    capped.slack.wait_for("files.completeUploadExternal", 5)
    refusals = [
        c.params
        for c in capped.slack.of("chat.postMessage")
        if "did not start" in json.dumps(c.params)
    ]
    assert len(capped.investigator.investigations) == 5 and len(refusals) == 3
    assert all("5 investigations in the last hour" in json.dumps(r) for r in refusals)
