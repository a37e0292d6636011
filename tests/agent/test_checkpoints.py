"""Where threads live: a follow-up finds its thread in DynamoDB (as deployed) and in memory;
a misconfigured checkpointer is a clear error."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from agent.checkpoints import CheckpointConfigError, open_checkpointer
from agent.config import Settings
from agent.incident import Incident
from agent.report import Evidence, Report
from agent.service import ask, investigate
from tests.agent.fakes import FakeBackend, incident


def test_a_thread_kept_in_dynamodb_answers_a_follow_up(settings: Settings) -> None:
    deployed = settings.updated(checkpoint_backend="dynamodb", dynamodb_table="fa2-threads")
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="fa2-threads",
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
        first = investigate(incident(), settings=deployed, backend=FakeBackend())
        assert first.thread_id
        answer = ask(
            first.thread_id,
            "What changed on the orders table?",
            settings=deployed,
            backend=FakeBackend(),
        )
        items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="fa2-threads")[
            "Items"
        ]
        with open_checkpointer(deployed) as saver:
            stored = saver.get_tuple({"configurable": {"thread_id": first.thread_id}})
    # The state comes back as the models it was written as.
    assert stored is not None
    values = stored.checkpoint["channel_values"]
    assert isinstance(values["incident"], Incident) and isinstance(values["report"], Report)
    assert all(isinstance(e, Evidence) for e in values["evidence"])
    assert "UpdateTable" in answer.summary
    assert len(answer.evidence) > len(first.evidence)
    # Every item expires (the stack's TTL attribute is `ttl`) and stays far below 400 KB.
    assert items and all("ttl" in item for item in items)
    assert max(len(str(item)) for item in items) < 200_000


def test_a_thread_in_memory_answers_a_follow_up_in_the_same_process(settings: Settings) -> None:
    in_memory = settings.updated(checkpoint_backend="memory")
    first = investigate(incident(), settings=in_memory, backend=FakeBackend())
    assert first.thread_id
    answer = ask(
        first.thread_id,
        "Was the orders table throttled?",
        settings=in_memory,
        backend=FakeBackend(),
    )
    assert answer.thread_id == first.thread_id


def test_dynamodb_without_a_table_name_is_a_clear_error(settings: Settings) -> None:
    broken = settings.updated(checkpoint_backend="dynamodb", dynamodb_table=None)
    with (
        pytest.raises(CheckpointConfigError, match="FA2_DYNAMODB_TABLE"),
        open_checkpointer(broken),
    ):
        pass
