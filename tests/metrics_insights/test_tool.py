"""`run_metrics_insights_query` through a real ToolNode over the demo bundle: the model reads
one row per series with the evidence id; the ledger keeps the query, range and link; a bad
query comes back to the model as an error it can fix, with the position."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from agent.config import load_settings
from agent.run_context import InvestigationContext
from agent.telemetry.base import Capabilities
from agent.telemetry.local import LocalBackend
from agent.tools import tools_for
from tests.agent.fakes import call
from tests.agent.helpers import context, run_tool_calls

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "dynamodb-throttling"
TOP_THROTTLED = (
    'SELECT SUM(ThrottledRequests) FROM SCHEMA("AWS/DynamoDB", TableName, Operation) '
    "GROUP BY TableName, Operation ORDER BY SUM() DESC LIMIT 5"
)


@pytest.fixture
def offline(tmp_path: Path) -> InvestigationContext:
    local = load_settings(
        model="baseline",
        bundle=DEMO_BUNDLE,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp_path / "threads.sqlite",
    )
    return context(local, LocalBackend(DEMO_BUNDLE, local))


def _message(result: dict) -> ToolMessage:
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    return message


def test_the_model_reads_one_row_per_series_and_the_evidence_id(
    offline: InvestigationContext,
) -> None:
    result = run_tool_calls(
        offline, call("run_metrics_insights_query", {"query": TOP_THROTTLED}, "c1")
    )
    text = str(_message(result).content)
    assert "E1" in text
    assert "orders PutItem" in text
    assert "TableName=orders, Operation=PutItem" in text


def test_the_ledger_records_the_query_range_and_link(offline: InvestigationContext) -> None:
    run_tool_calls(
        offline,
        call("run_metrics_insights_query", {"query": TOP_THROTTLED, "period_seconds": 300}, "c1"),
    )
    [evidence] = offline.ledger.recorded
    assert (evidence.id, evidence.tool, evidence.source) == (
        "E1",
        "run_metrics_insights_query",
        "metrics",
    )
    assert evidence.query == TOP_THROTTLED
    assert evidence.time_range == offline.window
    assert evidence.link == "bundle://dynamodb-throttling/metrics"
    assert evidence.columns == ["label", "dimensions", "aggregate", "points"]
    assert evidence.rows[0][:2] == ["orders PutItem", "TableName=orders, Operation=PutItem"]


def test_a_bad_query_goes_back_to_the_model_with_its_position(
    offline: InvestigationContext,
) -> None:
    query = 'SELECT P99(ThrottledRequests) FROM "AWS/DynamoDB"'
    message = _message(
        run_tool_calls(offline, call("run_metrics_insights_query", {"query": query}, "c1"))
    )
    assert message.status == "error"
    assert "line 1, column 8" in str(message.content)
    assert "unknown function 'P99'" in str(message.content)


def test_it_is_offered_with_the_metrics_capability_only() -> None:
    offered = {t.name for t in tools_for(Capabilities(metrics=True))}
    assert "run_metrics_insights_query" in offered
    assert "run_metrics_insights_query" not in {
        t.name for t in tools_for(Capabilities(metrics=False))
    }
