"""fa2's MCP server driven by the SDK's own client, in-process, over the demo bundle."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from mcp import Client

from agent.config import Settings, load_settings
from agent.telemetry.base import QueryResult
from agent.telemetry.types import Alarm
from mcp_server import build_server
from tests.agent.fakes import FakeBackend
from tests.conftest import DEMO_BUNDLE

T = TypeVar("T")

QUERY_TOOLS = {
    "run_logs_insights_query",
    "run_athena_query",
    "find_traces",
    "get_traces",
    "get_service_graph",
    "get_metric_data",
    "list_metrics",
    "run_metrics_insights_query",
    "describe_alarm",
    "list_log_groups",
    "list_tables",
    "describe_resource",
    "get_config_history",
    "find_similar_incidents",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        model="baseline",
        bundle=DEMO_BUNDLE,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp_path / "checkpoints.sqlite",
    )


def with_client(settings: Settings, use: Callable[[Client], Awaitable[T]]) -> T:
    async def run() -> T:
        async with Client(build_server(settings)) as client:
            return await use(client)

    return asyncio.run(run())


def text(result: Any) -> str:
    return "\n".join(part.text for part in result.content)


def test_the_server_lists_the_read_only_query_tools_investigate_and_ask(
    settings: Settings,
) -> None:
    listed = with_client(settings, lambda client: client.list_tools())
    names = {tool.name for tool in listed.tools}
    assert names == QUERY_TOOLS | {"investigate", "ask"}
    logs = next(t for t in listed.tools if t.name == "run_logs_insights_query")
    assert logs.input_schema["required"] == ["query"]
    assert "Logs Insights" in logs.input_schema["properties"]["query"]["description"]
    assert logs.annotations is not None and logs.annotations.read_only_hint is True


def test_a_query_tool_answers_with_an_evidence_id_over_the_bundle(settings: Settings) -> None:
    query = "filter @message like /ProvisionedThroughputExceeded/ | stats count(*) as n"
    result = with_client(
        settings,
        lambda client: client.call_tool("run_logs_insights_query", {"query": query}),
    )
    assert result.is_error is False
    body = text(result)
    assert body.startswith("[E1] run_logs_insights_query · logs · status ok")
    assert re.search(r"<data-[0-9a-f]+>\nn\n412\n</data-[0-9a-f]+>", body)  # fenced as data


def test_calls_in_one_session_count_evidence_ids_on(settings: Settings) -> None:
    async def two_calls(client: Client) -> list[str]:
        first = await client.call_tool("list_log_groups", {})
        second = await client.call_tool("describe_alarm", {})
        return [text(first), text(second)]

    first, second = with_client(settings, two_calls)
    assert first.startswith("[E1] list_log_groups")
    assert second.startswith("[E2] describe_alarm")


def test_a_wrong_query_is_a_tool_error_saying_what_to_fix(settings: Settings) -> None:
    result = with_client(
        settings,
        lambda client: client.call_tool("run_athena_query", {"sql": "DELETE FROM alb_access_logs"}),
    )
    assert result.is_error is True
    assert "Fix the query" in text(result)
    assert "Traceback" not in text(result)


def test_the_tool_call_budget_holds_across_the_session(tmp_path: Path) -> None:
    settings = load_settings(model="baseline", bundle=DEMO_BUNDLE, max_tool_calls=1)

    async def over_budget(client: Client) -> Any:
        await client.call_tool("list_log_groups", {})
        return await client.call_tool("list_log_groups", {})

    result = with_client(settings, over_budget)
    assert result.is_error is True
    assert "not run" in text(result)


def test_without_an_incident_memory_find_similar_incidents_is_not_offered(
    tmp_path: Path,
) -> None:
    settings = load_settings(model="baseline", bundle=DEMO_BUNDLE, incident_memory="off")
    listed = with_client(settings, lambda client: client.list_tools())
    names = {tool.name for tool in listed.tools}
    assert names == (QUERY_TOOLS - {"find_similar_incidents"}) | {"investigate", "ask"}


def test_runbooks_in_the_bundle_add_search_runbooks(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEMO_BUNDLE, bundle)
    (bundle / "runbooks").mkdir()
    (bundle / "runbooks" / "orders.md").write_text(
        "# Orders table throttling\n\nSwitch the orders table to on-demand.\n", "utf-8"
    )
    settings = load_settings(model="baseline", bundle=bundle)
    result = with_client(
        settings,
        lambda client: client.call_tool("search_runbooks", {"query": "orders throttling"}),
    )
    assert text(result).startswith("[E1] search_runbooks · runbooks")
    assert "runbooks/orders.md" in text(result)


def test_investigate_returns_the_cited_report_and_ask_follows_up(settings: Settings) -> None:
    async def investigate_then_ask(client: Client) -> tuple[str, str]:
        report = text(await client.call_tool("investigate", {}))
        thread = re.search(r"^thread_id: (\S+)", report, re.MULTILINE)
        assert thread is not None
        answer = await client.call_tool(
            "ask", {"thread_id": thread.group(1), "question": "Which table was throttled?"}
        )
        return report, text(answer)

    report, answer = with_client(settings, investigate_then_ask)
    assert "capacity" in report.lower()
    assert re.search(r"\[E\d+", report)
    assert answer.startswith("thread_id: ")


def test_asking_on_an_unknown_thread_is_a_clear_tool_error(settings: Settings) -> None:
    result = with_client(
        settings,
        lambda client: client.call_tool("ask", {"thread_id": "fa2-nope", "question": "why?"}),
    )
    assert result.is_error is True
    assert "no investigation thread 'fa2-nope'" in text(result)


def test_a_start_that_is_not_a_time_is_a_clear_tool_error(settings: Settings) -> None:
    result = with_client(
        settings,
        lambda client: client.call_tool("investigate", {"start": "yesterday", "end": "today"}),
    )
    assert result.is_error is True
    assert "'yesterday' is not an ISO 8601 time" in text(result)


def test_a_window_longer_than_max_window_hours_is_a_clear_tool_error(settings: Settings) -> None:
    window = {"start": "2000-01-01T00:00:00Z", "end": "2099-01-01T00:00:00Z"}
    result = with_client(settings, lambda client: client.call_tool("investigate", window))
    assert result.is_error is True
    assert "an investigation covers at most 24 h (FA2_MAX_WINDOW_HOURS)" in text(result)


def test_a_window_outside_the_bundle_is_a_clear_tool_error(settings: Settings) -> None:
    window = {"start": "2020-03-02T10:00:00Z", "end": "2020-03-02T10:30:00Z"}
    result = with_client(settings, lambda client: client.call_tool("investigate", window))
    assert result.is_error is True
    assert "is outside the bundle's window 2026-03-02 09:45:00Z" in text(result)


def test_a_lone_start_over_a_bundle_is_a_clear_tool_error(settings: Settings) -> None:
    result = with_client(
        settings,
        lambda client: client.call_tool("investigate", {"start": "2026-03-02T10:00:00Z"}),
    )
    assert result.is_error is True
    assert "give both start and end to override the bundle's window, or neither" in text(result)


class OneAlarmBackend(FakeBackend):
    """The AWS account as DescribeAlarms shows it: orders-api-5xx in ALARM since 10:17."""

    name = "aws"

    def describe_alarm(self, alarm_name: str) -> QueryResult:
        alarm = Alarm(
            name=alarm_name,
            state="ALARM",
            state_updated=datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            statistic="Sum",
            period=60,
        )
        return QueryResult(source="alarm", query=alarm_name, alarms=[alarm], total_rows=1)


def test_a_window_in_the_future_over_aws_is_a_clear_tool_error(tmp_path: Path) -> None:
    aws = load_settings(model="baseline", checkpoint_path=tmp_path / "checkpoints.sqlite")

    async def call(client: Client) -> Any:
        window = {"start": "2099-03-02T10:00:00Z", "end": "2099-03-02T11:00:00Z"}
        return await client.call_tool("investigate", {"alarm_name": "orders-api-5xx", **window})

    async def run() -> Any:
        backend: Any = OneAlarmBackend()  # the Protocol's resource calls are not used here
        async with Client(build_server(aws, backend=backend)) as client:
            return await call(client)

    result = asyncio.run(run())
    assert result.is_error is True
    assert "2099-03-02 10:00:00Z – 2099-03-02 11:00:00Z starts in the future" in text(result)
