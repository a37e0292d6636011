"""The stack's state table expires exactly what is written to it: the TTL attribute the
template declares is the one langgraph-checkpoint-aws's DynamoDBSaver writes (with
`ttl_seconds` and compression on, as agent/checkpoints.py configures it) and the one the
Slack store's items carry. Both write into a table created from the synthesized template."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, TypedDict

import boto3
import pytest
from moto import mock_aws

from agent.config import Settings
from infra.stack import TTL_ATTRIBUTE
from slack_app.admission import CostLimits, admit
from slack_app.store import store_from_settings
from tests.infra.conftest import REGION, resources

TABLE = "fa2-state"
DAY = 24 * 3600


def _table_properties(template: Any) -> dict[str, Any]:
    [table] = resources(template, "AWS::DynamoDB::Table").values()
    properties: dict[str, Any] = table["Properties"]
    return properties


@pytest.fixture
def table(minimal: dict[str, Any]) -> Iterator[Any]:
    """The table as the stack defines it (keys, attributes), in moto."""
    properties = _table_properties(minimal["template"])
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
        )
        yield boto3.resource("dynamodb", region_name=REGION).Table(TABLE)


def _items(table: Any) -> list[dict[str, Any]]:
    return list(table.scan()["Items"])


def test_the_template_expires_items_by_the_ttl_attribute(minimal: dict[str, Any]) -> None:
    spec = _table_properties(minimal["template"])["TimeToLiveSpecification"]
    assert spec == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


class _State(TypedDict):
    steps: int


def test_checkpoints_written_by_dynamodbsaver_carry_the_tables_ttl_attribute(table: Any) -> None:
    from langgraph.graph import END, START, StateGraph
    from langgraph_checkpoint_aws import DynamoDBSaver

    saver = DynamoDBSaver(
        table_name=TABLE,
        region_name=REGION,
        ttl_seconds=7 * DAY,
        enable_checkpoint_compression=True,
    )
    graph = StateGraph(_State)
    graph.add_node("step", lambda state: {"steps": state["steps"] + 1})
    graph.add_edge(START, "step")
    graph.add_edge("step", END)
    app = graph.compile(checkpointer=saver)
    app.invoke({"steps": 0}, {"configurable": {"thread_id": "slack-C0ALERTS-1772446621.000200"}})

    items = _items(table)
    assert items, "the saver wrote checkpoints"
    now = time.time()
    for item in items:
        assert TTL_ATTRIBUTE in item, f"item without {TTL_ATTRIBUTE!r}: {sorted(item)}"
        assert now + 6 * DAY < int(item[TTL_ATTRIBUTE]) <= now + 7 * DAY + 60


def test_slack_store_items_carry_the_tables_ttl_attribute(table: Any) -> None:
    settings = Settings(
        checkpoint_backend="dynamodb", dynamodb_table=TABLE, region=REGION, checkpoint_ttl_days=7
    )
    store = store_from_settings(settings)
    assert store.claim("event:Ev0TEST00001", ttl_seconds=3600)
    decision = store.update_tickets(
        lambda tickets: admit(tickets, "C0ALERTS", "slack-C0ALERTS-1", CostLimits(), time.time())
    )
    assert decision.outcome == "started"
    store.put_alarm("slack-C0ALERTS-1772446621.000200", '{"title": "orders-api-5xx"}')
    store.mark_answered("slack-C0ALERTS-1772446621.000200")

    items = {str(i["PK"]).split("#")[1]: i for i in _items(table)}
    assert set(items) == {"claim", "tickets", "alarm", "answered"}
    now = time.time()
    for kind, item in items.items():
        assert TTL_ATTRIBUTE in item, f"{kind} item has no {TTL_ATTRIBUTE!r}"
        assert int(item[TTL_ATTRIBUTE]) > now
    answered = int(items["answered"][TTL_ATTRIBUTE])
    assert now + 6 * DAY < answered <= now + 7 * DAY + 60, "as long as the thread's checkpoints"
