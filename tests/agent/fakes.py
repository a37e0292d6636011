"""Test doubles: a scripted `TelemetryBackend` holding realistic results (the shapes of
`agent.telemetry.shapes`), and a scripted tool-calling chat model."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import Field

from agent.incident import Incident, MetricDimension, TimeRange
from agent.report.draft import ReportDraft
from agent.telemetry.base import (
    Capabilities,
    ColumnInfo,
    LogGroupInfo,
    MetricQuery,
    QueryError,
    QueryResult,
    TableSchema,
)
from agent.telemetry.findings_types import SecurityFindings
from agent.telemetry.shapes.xray import SERVICE_GRAPH_COLUMNS

WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)

# An incident bundle with only its manifest (the CLI tests pair it with FakeBackend).
MANIFEST = """\
version: 1
title: DynamoDB throttling behind the orders API
architecture: API Gateway -> Lambda orders-put -> DynamoDB table orders
alarm:
  AlarmName: orders-api-5xx
  AlarmDescription: 5XX errors on the orders API
  NewStateValue: ALARM
  NewStateReason: "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)."
  StateChangeTime: "2026-03-02T10:17:00.000+0000"
  Region: us-east-1
  Trigger: {MetricName: 5XXError, Namespace: AWS/ApiGateway, Statistic: SUM, Period: 60, Threshold: 5.0,
            ComparisonOperator: GreaterThanThreshold, Dimensions: [{name: ApiName, value: orders-api}]}
window: {start: "2026-03-02T09:45:00Z", end: "2026-03-02T10:30:00Z"}
"""

PTEE_LINE = (
    '{"level":"ERROR","location":"save_order:36","message":"PutItem failed for order ord-YHIZ6BXWXL",'
    '"function_name":"orders-put","error":{"code":"ProvisionedThroughputExceededException","operation":"PutItem",'
    '"table":"orders"},"exception":"botocore.errorfactory.ProvisionedThroughputExceededException: An error occurred '
    "(ProvisionedThroughputExceededException) when calling the PutItem operation (reached max retries: 9): The level "
    'of configured provisioned throughput for the table was exceeded."}'
)
RETURN_500_LINE = "[ERROR]\t2026-03-02T10:04:38.754Z\t1cdd2742-7722-4331-85ea-7c158358c02b\tReturning 500 for PUT /orders/ord-YHIZ6BXWXL: storage unavailable"


def incident() -> Incident:
    return Incident(
        source="bundle",
        title="DynamoDB throttling behind the orders API",
        alarm_name="orders-api-5xx",
        alarm_description="5XX errors on the orders API",
        state="ALARM",
        state_reason="Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
        state_change_time=datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
        namespace="AWS/ApiGateway",
        metric_name="5XXError",
        dimensions=[MetricDimension(name="ApiName", value="orders-api")],
        statistic="Sum",
        period=60,
        threshold=5.0,
        comparison_operator="GreaterThanThreshold",
        window=WINDOW,
    )


def _error_rate_rows() -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    for minute in range(45):
        at = datetime(2026, 3, 2, 9, 45, tzinfo=UTC).timestamp() + minute * 60
        stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S.000")
        count = 0 if minute < 19 else 14 + (minute % 5)
        if count:
            rows.append([stamp, str(count)])
    return rows


CLOUDTRAIL_ROWS: list[list[str | None]] = [
    [
        "2026-03-02T09:50:03Z",
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        "arn:aws:iam::123456789012:user/dev-alice",
        "203.0.113.10",
        '{"functionName":"orders-put","timeout":15}',
        None,
    ],
    [
        "2026-03-02T10:02:14Z",
        "dynamodb.amazonaws.com",
        "UpdateTable",
        "arn:aws:sts::123456789012:assumed-role/ops-automation/cost-optimizer",
        "198.51.100.7",
        '{"tableName":"orders","provisionedThroughput":{"readCapacityUnits":100,"writeCapacityUnits":5}}',
        None,
    ],
]
CLOUDTRAIL_COLUMNS = [
    "eventtime",
    "eventsource",
    "eventname",
    "principal",
    "sourceipaddress",
    "requestparameters",
    "errorcode",
]


class FakeBackend:
    """A `TelemetryBackend` with canned results; records every call (thread-safe)."""

    name: Literal["aws", "local"] = "local"
    load_notes: Sequence[str] = ()

    def __init__(
        self,
        *,
        capabilities: Capabilities | None = None,
        logs_handler: Callable[[str], QueryResult] | None = None,
        delay: float = 0.0,
        log_lines: Sequence[str] = (PTEE_LINE, RETURN_500_LINE),
        trail_rows: Sequence[list[str | None]] = tuple(CLOUDTRAIL_ROWS),
    ) -> None:
        self.trail_rows = [list(r) for r in trail_rows]
        self.capabilities = capabilities or Capabilities(recorded=self.name == "local")
        self.calls: list[tuple[str, str]] = []
        self.delay = delay
        self.log_lines = list(log_lines)
        self.logs_handler = logs_handler
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    @property
    def tool_calls(self) -> list[tuple[str, str]]:
        """The calls made for tools, without the survey's look-ups before triage (a count of
        rows per table, one unfiltered trace, the metric list)."""
        return [
            (kind, query)
            for kind, query in self.calls
            if not query.startswith("SELECT count(*) AS n FROM")
            and (kind, query) not in {("xray", ""), ("metrics", "list")}
        ]

    def _enter(self, kind: str, query: str) -> None:
        with self._lock:
            self.calls.append((kind, query))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.active -= 1

    def list_log_groups(self, prefix: str | None = None) -> list[LogGroupInfo]:
        groups = ["/aws/lambda/orders-put", "/aws/lambda/orders-get"]
        return [LogGroupInfo(name=g) for g in groups if prefix is None or g.startswith(prefix)]

    def run_logs_insights(
        self, query: str, log_groups: Sequence[str], time_range: TimeRange, limit: int | None = None
    ) -> QueryResult:
        self._enter("logs", query)
        if self.logs_handler:
            return self.logs_handler(query)
        if "bin(1m)" in query:
            rows = _error_rate_rows()
            return QueryResult(
                source="logs",
                query=query,
                time_range=time_range,
                columns=["bin(1m)", "errors"],
                rows=rows,
                total_rows=len(rows),
                bytes_scanned=50_000_000,
            )
        if "pattern" in query:
            rows = [[line, str(200 - 60 * i)] for i, line in enumerate(self.log_lines)]
            return QueryResult(
                source="logs",
                query=query,
                time_range=time_range,
                columns=["@pattern", "@sampleCount"],
                rows=rows,
                total_rows=len(rows),
            )
        rows = [
            ["2026-03-02 10:04:38.752", "/aws/lambda/orders-put", line] for line in self.log_lines
        ]
        return QueryResult(
            source="logs",
            query=query,
            time_range=time_range,
            columns=["@timestamp", "@log", "@message"],
            rows=rows,
            total_rows=len(rows),
        )

    def table_schemas(self) -> list[TableSchema]:
        trail = [
            ColumnInfo(name=c, type="string")
            for c in ("eventtime", "eventsource", "eventname", "readonly", "requestparameters")
        ]
        return [TableSchema(database="aiops_db", table="cloud_trail_logs", columns=trail)]

    def run_athena(self, sql: str, max_rows: int = 1000) -> QueryResult:
        self._enter("athena", sql)
        if "DROP" in sql.upper() or "no_such_table" in sql:
            raise QueryError(
                "line 1:15: Table 'aiops_db.no_such_table' does not exist; tables: aiops_db.cloud_trail_logs"
            )
        rows = self.trail_rows
        return QueryResult(
            source="athena",
            query=sql,
            status="ok" if rows else "empty",
            columns=CLOUDTRAIL_COLUMNS,
            rows=rows,
            total_rows=len(rows),
            bytes_scanned=1_000_000,
        )

    def find_traces(
        self, filter_expression: str | None, time_range: TimeRange, limit: int = 50
    ) -> QueryResult:
        self._enter("xray", filter_expression or "")
        if filter_expression is None:  # the workload is traced, but no trace faulted
            return QueryResult(
                source="xray",
                query="",
                time_range=time_range,
                columns=["id", "duration", "http_status", "fault", "error"],
                rows=[["1-69a55c1f-d9aa4ee923badf6746b60f03", "0.041", "201", "false", "false"]],
                total_rows=1,
            )
        return QueryResult(
            source="xray", query=filter_expression or "", status="empty", time_range=time_range
        )

    def get_traces(self, trace_ids: Sequence[str]) -> QueryResult:
        self._enter("xray", ",".join(trace_ids))
        return QueryResult(source="xray", query=",".join(trace_ids), status="empty")

    def get_service_graph(self, time_range: TimeRange) -> QueryResult:
        self._enter("xray", "graph")
        columns = list(SERVICE_GRAPH_COLUMNS)
        rows: list[list[str | None]] = [
            ["orders-put", "AWS::Lambda::Function", "orders", "900", "700", "0", "0", "200", "0.8"],
            ["orders", "AWS::DynamoDB::Table", None, "900", "700", "200", "200", "0", "0.05"],
        ]
        return QueryResult(
            source="xray",
            query="GetServiceGraph",
            time_range=time_range,
            columns=columns,
            rows=rows,
            total_rows=2,
        )

    def get_metric_data(self, queries: Sequence[MetricQuery], time_range: TimeRange) -> QueryResult:
        self._enter("metrics", ",".join(q.metric_name or "" for q in queries))
        rows: list[list[str | None]] = [
            ["m1", "5XXError", "2026-03-02T10:17:00.000Z", "12"],
            ["m1", "5XXError", "2026-03-02T09:50:00.000Z", "0"],
        ]
        return QueryResult(
            source="metrics",
            query="GetMetricData " + ",".join(q.metric_name or "" for q in queries),
            time_range=time_range,
            columns=["id", "label", "timestamp", "value"],
            rows=rows,
            total_rows=2,
        )

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Sequence[MetricDimension] = (),
    ) -> QueryResult:
        self._enter("metrics", "list")
        rows: list[list[str | None]] = [["AWS/DynamoDB", "WriteThrottleEvents", "TableName=orders"]]
        return QueryResult(
            source="metrics",
            query="ListMetrics",
            columns=["namespace", "metric_name", "dimensions"],
            rows=rows,
            total_rows=1,
        )

    def run_metrics_insights(
        self,
        expression: str,
        time_range: TimeRange,
        period_seconds: int | None = None,
        max_series: int = 500,
    ) -> QueryResult:
        self._enter("metrics", expression)
        rows: list[list[str | None]] = [
            ["orders", "TableName=orders", "1423", "10:15=856, 10:20=1266, 10:25=1423"]
        ]
        return QueryResult(
            source="metrics",
            query=expression,
            time_range=time_range,
            columns=["label", "dimensions", "aggregate", "points"],
            rows=rows,
            total_rows=1,
        )

    def describe_alarm(self, alarm_name: str) -> QueryResult:
        self._enter("alarm", alarm_name)
        return QueryResult(
            source="alarm",
            query=alarm_name,
            columns=["alarm_name", "state"],
            rows=[[alarm_name, "ALARM"]],
            total_rows=1,
        )

    def search_runbooks(self, query: str, max_results: int) -> QueryResult:
        self._enter("runbooks", query)
        return QueryResult(source="runbooks", status="empty", query=query)

    def list_security_findings(
        self, time_range: TimeRange, min_severity: str = "LOW"
    ) -> SecurityFindings:
        self._enter("findings", min_severity)
        return SecurityFindings()


Turn = AIMessage | Callable[[list[BaseMessage]], AIMessage]


class ScriptedChatModel(GenericFakeChatModel):
    """Plays one scripted AI message per turn (with tool calls), and a scripted ReportDraft
    for the report. `seen` keeps the messages of every turn, for assertions."""

    turns: list[Any]
    draft: ReportDraft | None = None
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    messages: Any = iter(())

    def bind_tools(self, tools: Any, **kwargs: Any) -> Runnable[Any, AIMessage]:  # type: ignore[override]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append(list(messages))
        turn = (
            self.turns.pop(0) if self.turns else AIMessage(content="Done: the evidence is enough.")
        )
        message = turn(messages) if callable(turn) else turn
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:  # type: ignore[override]
        def write(messages: list[BaseMessage]) -> Any:
            self.seen.append(list(messages))
            draft = self.draft or ReportDraft(summary="Nothing found.")
            raw = AIMessage(
                content="",
                usage_metadata={"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200},
            )
            return {"raw": raw, "parsed": draft, "parsing_error": None} if include_raw else draft

        return RunnableLambda(write)


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def ai(*calls: dict[str, Any], content: str = "", tokens: int = 500) -> AIMessage:
    return AIMessage(
        content=content,
        tool_calls=list(calls),  # type: ignore[arg-type]
        usage_metadata={"input_tokens": tokens, "output_tokens": 50, "total_tokens": tokens + 50},
    )
