"""The Slack store, locally (SQLite) and on AWS (DynamoDB, under moto): one behaviour each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

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


def test_a_thread_runs_one_investigation_at_a_time(store: SlackStore) -> None:
    assert store.try_start("C1", "t1", limit=2, stale_seconds=600) == "started"
    assert store.try_start("C1", "t1", limit=2, stale_seconds=600) == "busy_thread"
    store.finish("C1", "t1")
    assert store.try_start("C1", "t1", limit=2, stale_seconds=600) == "started"


def test_a_channel_runs_at_most_limit_investigations(store: SlackStore) -> None:
    assert store.try_start("C1", "t1", limit=2, stale_seconds=600) == "started"
    assert store.try_start("C1", "t2", limit=2, stale_seconds=600) == "started"
    assert store.try_start("C1", "t3", limit=2, stale_seconds=600) == "busy_channel"
    assert store.try_start("C2", "t4", limit=2, stale_seconds=600) == "started"
    store.finish("C1", "t1")
    assert store.try_start("C1", "t3", limit=2, stale_seconds=600) == "started"


def test_a_crashed_investigation_frees_its_slot_after_the_stale_time(store: SlackStore) -> None:
    assert store.try_start("C1", "t1", limit=1, stale_seconds=0) == "started"
    assert store.try_start("C1", "t2", limit=1, stale_seconds=-1) == "started"


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
