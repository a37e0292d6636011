"""The Slack store, locally (SQLite) and on AWS (DynamoDB, under moto): one behaviour each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from slack_app import admission
from slack_app.admission import Admission, CostLimits
from slack_app.store import DynamoDbStore, Feedback, SlackStore, SqliteStore


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[SlackStore]:
    if request.param == "sqlite":
        yield SqliteStore(":memory:")
        return
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="fa2-checkpoints",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield DynamoDbStore("fa2-checkpoints", region="us-east-1")


def test_a_key_is_claimed_once(store: SlackStore) -> None:
    assert store.claim("event:Ev01") is True
    assert store.claim("event:Ev01") is False
    assert store.claim("event:Ev02") is True


LIMITS = CostLimits(running_per_channel=2, running=4, queued_per_channel=1, queued=2, per_hour=30)


def _admit(store: SlackStore, channel: str, thread_id: str, now: float = 1000.0) -> Admission:
    return store.update_tickets(lambda t: admission.admit(t, channel, thread_id, LIMITS, now))


def test_a_thread_holds_one_ticket_at_a_time(store: SlackStore) -> None:
    assert _admit(store, "C1", "t1").outcome == "started"
    assert _admit(store, "C1", "t1").outcome == "busy_thread"
    store.update_tickets(lambda t: (None, admission.finish(t, "t1", 1001.0)))
    assert _admit(store, "C1", "t1", now=1002.0).outcome == "started"


def test_past_the_running_limit_a_ticket_waits_and_starts_when_one_finishes(
    store: SlackStore,
) -> None:
    assert [_admit(store, "C1", t).outcome for t in ("t1", "t2")] == ["started", "started"]
    assert _admit(store, "C1", "t3") == Admission(outcome="queued", position=1, ahead=0)
    assert _admit(store, "C2", "t4").outcome == "started"
    store.update_tickets(lambda t: (None, admission.finish(t, "t1", 1001.0)))
    polled = store.update_tickets(lambda t: admission.poll(t, "t3", LIMITS, 1002.0))
    assert polled.outcome == "started"


def test_the_tickets_survive_a_round_trip_through_the_store(store: SlackStore) -> None:
    _admit(store, "C1", "t1")
    tickets = store.update_tickets(lambda t: (t, t))
    assert [(t.channel, t.thread_id, t.state) for t in tickets] == [("C1", "t1", "running")]


def test_alarms_answered_threads_and_feedback_are_kept(store: SlackStore) -> None:
    store.put_alarm("k1", '{"title": "x"}')
    store.mark_answered("thread-1")
    vote = Feedback(
        thread_id="thread-1",
        user="U1",
        vote="up",
        message_ts="1.2",
        at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    store.record_feedback(vote)
    assert store.get_alarm("k1") == '{"title": "x"}' and store.get_alarm("k2") is None
    assert store.is_answered("thread-1") and not store.is_answered("thread-2")
    assert store.feedback("thread-1") == [vote]


def test_an_expired_claim_can_be_claimed_again(store: SlackStore) -> None:
    assert store.claim("event:Ev01", ttl_seconds=-1) is True
    assert store.claim("event:Ev01") is True
