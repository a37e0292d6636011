"""Past incidents: remembered after each investigation, scoped per workspace and account,
found again by find_similar_incidents with the feedback people gave."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from langchain_core.messages import ToolMessage
from moto import mock_aws
from typer.testing import CliRunner

from agent.config import load_settings
from agent.incident import TimeRange
from agent.memory import IncidentMemory, PastIncident, mark_verdict, memory_scope, open_memory
from agent.memory.dynamodb import DynamoDbIncidentMemory
from agent.memory.similar import rank_similar
from agent.memory.sqlite import SqliteIncidentMemory
from agent.service import investigate
from agent.telemetry.aws import clear_client_cache
from cli import app
from tests.agent.fakes import call, incident
from tests.agent.helpers import context, run_tool_calls
from tests.conftest import DEMO_BUNDLE

ACME = memory_scope("111111111111", "T0ACME")
GLOBEX = memory_scope("222222222222", "T0GLOBEX")
START = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def past(
    thread: str,
    *,
    scope: str = ACME,
    alarm: str | None = "orders-table-write-throttles",
    resources: tuple[str, ...] = ("orders",),
    hypothesis: str = "UpdateTable lowered WCU on orders; PutItem throttled",
    days_ago: int = 20,
    summary: str = "ProvisionedThroughputExceededException on PutItem after UpdateTable",
) -> PastIncident:
    start = START - timedelta(days=days_ago)
    return PastIncident(
        scope=scope,
        thread_id=thread,
        title="Incident " + thread,
        alarm_name=alarm,
        resources=list(resources),
        window=TimeRange(start=start, end=start + timedelta(minutes=45)),
        top_hypothesis=hypothesis,
        category="capacity",
        summary=summary,
        recorded_at=start + timedelta(hours=1),
    )


@pytest.fixture
def dynamodb_memory() -> Iterator[DynamoDbIncidentMemory]:
    clear_client_cache()
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="fa2-state",
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
        yield DynamoDbIncidentMemory("fa2-state", region="us-east-1")
    clear_client_cache()


@pytest.fixture(params=["sqlite", "dynamodb"])
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> IncidentMemory:
    if request.param == "sqlite":
        return SqliteIncidentMemory(tmp_path / "incidents.sqlite")
    return request.getfixturevalue("dynamodb_memory")


def test_a_remembered_incident_is_read_back_and_forgotten(memory: IncidentMemory) -> None:
    memory.save(past("fa2-aaa"))
    assert memory.get(ACME, "fa2-aaa") == past("fa2-aaa")
    assert memory.forget(ACME, "fa2-aaa") is True
    assert memory.get(ACME, "fa2-aaa") is None
    assert memory.forget(ACME, "fa2-aaa") is False


def test_feedback_marks_a_past_hypothesis_confirmed_or_wrong(memory: IncidentMemory) -> None:
    memory.save(past("fa2-aaa"))
    assert mark_verdict(memory, ACME, "fa2-aaa", "confirmed") is True
    assert memory.get(ACME, "fa2-aaa").feedback == "confirmed"  # type: ignore[union-attr]
    mark_verdict(memory, ACME, "fa2-aaa", "wrong")
    assert memory.get(ACME, "fa2-aaa").feedback == "wrong"  # type: ignore[union-attr]
    assert mark_verdict(memory, ACME, "fa2-nope", "wrong") is False


def test_a_vote_never_overrides_an_explicit_verdict_but_a_new_verdict_does(
    memory: IncidentMemory,
) -> None:
    memory.save(past("fa2-aaa"))
    mark_verdict(memory, ACME, "fa2-aaa", "wrong", explicit=True)
    mark_verdict(memory, ACME, "fa2-aaa", "confirmed", explicit=False)  # a 👍 afterwards
    assert memory.get(ACME, "fa2-aaa").feedback == "wrong"  # type: ignore[union-attr]
    mark_verdict(memory, ACME, "fa2-aaa", "confirmed", explicit=True)
    assert memory.get(ACME, "fa2-aaa").feedback == "confirmed"  # type: ignore[union-attr]
    mark_verdict(memory, ACME, "fa2-aaa", None)  # cleared: votes count again
    mark_verdict(memory, ACME, "fa2-aaa", "wrong", explicit=False)
    assert memory.get(ACME, "fa2-aaa").feedback == "wrong"  # type: ignore[union-attr]


def test_nothing_from_one_workspace_or_account_reaches_another(memory: IncidentMemory) -> None:
    memory.save(past("fa2-acme"))
    memory.save(past("fa2-globex", scope=GLOBEX))
    memory.save(past("fa2-acme-other-account", scope=memory_scope("333333333333", "T0ACME")))
    assert [p.thread_id for p in memory.in_scope(ACME)] == ["fa2-acme"]
    assert [p.thread_id for p in memory.in_scope(GLOBEX)] == ["fa2-globex"]
    assert memory.get(GLOBEX, "fa2-acme") is None
    assert memory.forget(GLOBEX, "fa2-acme") is False
    assert mark_verdict(memory, GLOBEX, "fa2-acme", "wrong") is False
    assert memory.get(ACME, "fa2-acme").feedback is None  # type: ignore[union-attr]
    assert set(memory.scopes()) == {ACME, GLOBEX, memory_scope("333333333333", "T0ACME")}


def test_the_same_alarm_ranks_above_a_shared_resource_above_similar_words() -> None:
    records = [
        past("fa2-words", alarm="payments-5xx", resources=("payments",)),
        past("fa2-resource", alarm="orders-latency", resources=("orders",)),
        past("fa2-alarm", resources=("orders-v2",)),
        past(
            "fa2-unrelated",
            alarm="kinesis-age",
            resources=("clicks",),
            hypothesis="a hot shard",
            summary="IteratorAge grew on the clicks stream",
        ),
    ]
    found = rank_similar(
        records,
        alarm_name="orders-table-write-throttles",
        resources=["orders"],
        text="ProvisionedThroughputExceededException PutItem",
    )
    assert [s.incident.thread_id for s in found] == ["fa2-alarm", "fa2-resource", "fa2-words"]
    assert found[0].reasons[0] == "same alarm"
    assert "same resource: orders" in found[1].reasons


def test_the_investigation_at_hand_is_never_its_own_past_incident() -> None:
    found = rank_similar(
        [past("fa2-now")],
        alarm_name="orders-table-write-throttles",
        resources=[],
        text="",
        exclude_thread="fa2-now",
    )
    assert found == []


def test_find_similar_incidents_shows_the_mark_as_evidence(tmp_path: Path) -> None:
    settings = load_settings(model="baseline")
    memory = SqliteIncidentMemory(tmp_path / "incidents.sqlite")
    scope = memory_scope(incident().account_id)
    memory.save(past("fa2-before", scope=scope, alarm=incident().alarm_name))
    mark_verdict(memory, scope, "fa2-before", "confirmed")
    memory.save(past("fa2-elsewhere", scope=GLOBEX, alarm=incident().alarm_name))
    ctx = context(settings)
    ctx.memory, ctx.memory_scope = memory, scope
    result = run_tool_calls(ctx, call("find_similar_incidents", {}, "c1"))
    [evidence] = ctx.ledger.recorded
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert evidence.source == "incidents"
    assert [row[0] for row in evidence.rows] == ["fa2-before"]
    assert evidence.rows[0][5] == "confirmed as the cause"
    assert "fa2-elsewhere" not in message.content


def test_a_finished_investigation_is_remembered_with_its_top_hypothesis(tmp_path: Path) -> None:
    settings = load_settings(model="baseline", bundle=DEMO_BUNDLE, checkpoint_backend="memory")
    report = investigate(_bundle_incident(settings), settings=settings, workspace="T0ACME")
    memory = open_memory(settings)
    assert memory is not None
    [remembered] = [p for s in memory.scopes() for p in memory.in_scope(s)]
    assert remembered.thread_id == report.thread_id
    assert remembered.scope.startswith("T0ACME/")
    assert remembered.top_hypothesis == report.hypotheses[0].statement
    assert remembered.category == "capacity"
    assert remembered.resources == ["orders-api"]  # the alarm's ApiName dimension


def test_the_cli_lists_marks_shows_and_forgets(tmp_path: Path) -> None:
    memory = SqliteIncidentMemory(tmp_path / "incidents.sqlite")  # the conftest's path
    memory.save(past("fa2-aaa"))
    runner = CliRunner()
    listed = runner.invoke(app, ["incidents", "list"])
    assert "fa2-aaa" in listed.output and "T0ACME/111111111111" in listed.output
    assert runner.invoke(app, ["incidents", "mark", "fa2-aaa", "confirmed"]).exit_code == 0
    shown = runner.invoke(app, ["incidents", "show", "fa2-aaa"])
    assert '"feedback": "confirmed"' in shown.output
    assert runner.invoke(app, ["incidents", "forget", "fa2-aaa"]).exit_code == 0
    missing = runner.invoke(app, ["incidents", "show", "fa2-aaa"])
    assert missing.exit_code == 1
    assert "no past incident with thread 'fa2-aaa'" in missing.output


def _bundle_incident(settings):  # type: ignore[no-untyped-def]
    from agent.alarm import incident_from_bundle
    from agent.telemetry.bundle import load_bundle

    return incident_from_bundle(load_bundle(DEMO_BUNDLE), settings)
