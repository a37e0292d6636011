"""The one interface between tools and where telemetry lives.

Two implementations: `agent.telemetry.aws.AwsBackend` (boto3) and
`agent.telemetry.local.LocalBackend` (DuckDB over an incident bundle). Tools and the graph
only see `TelemetryBackend` and `QueryResult`; they never import boto3 or duckdb.

Error contract:
- `QueryError`: the query itself is wrong (syntax, unknown field/table/function, a write
  statement, a bad time range). The message is written for the model to fix its query:
  it names the position / the unknown name and what is available. Tools turn it into a
  `QueryResult(status="error")` observation.
- `TelemetryUnavailableError`: infrastructure failed (access denied, service down, timeout).
  Tools also report it, but the graph may stop using that source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

# the error contract above; defined without pydantic for the logs engine's sake
from agent.telemetry.errors import QueryError as QueryError
from agent.telemetry.errors import TelemetryUnavailableError as TelemetryUnavailableError
from agent.telemetry.types import (
    Alarm,
    AlarmHistory,
    MetricDimension,
    MetricSeries,
    RunbookPassage,
    TimeRange,
)

if TYPE_CHECKING:  # named in the protocol's signatures only: a logs query loads neither
    from agent.telemetry.findings_types import SecurityFindings
    from agent.telemetry.resource_catalog import ResourceRequest

Source = Literal[
    "logs",
    "athena",
    "xray",
    "metrics",
    "alarm",
    "catalog",
    "resources",
    "config",
    "runbooks",
    "incidents",
]


QueryStatus = Literal["ok", "empty", "error"]


class QueryTable(BaseModel):
    """What every answer to one query says, in a source-independent tabular form: the exact
    query, its range and status, the table, and where to see it (AWS console deep link, or
    `bundle://<dir>/<source>` for the local backend). `rows` hold strings (as AWS APIs return
    them) or None for a missing value.

    `QueryResult` (what a backend returns) and `agent.report.Evidence` (what the ledger records
    and reports cite) both are one, so the two never drift apart."""

    source: Source
    status: QueryStatus = "ok"
    query: str
    time_range: TimeRange | None = None
    columns: list[str] = Field(default_factory=list)
    rows: list[list[str | None]] = Field(default_factory=list)
    truncated: bool = False
    error: str | None = None
    link: str | None = None
    bytes_scanned: int = 0  # for query cost (Logs Insights / Athena are billed per byte)


class QueryResult(QueryTable):
    """The result of one telemetry query, as a backend returns it: the table plus the typed
    readings of its answer. Doubles as the citation (see `QueryTable`)."""

    total_rows: int = 0  # rows the query produced before any cap
    statistics: dict[str, float] = Field(default_factory=dict)
    # Typed readings of CloudWatch answers, for every caller above telemetry:
    series: list[MetricSeries] = Field(default_factory=list)  # GetMetricData
    alarms: list[Alarm] = Field(default_factory=list)  # DescribeAlarms
    alarm_history: AlarmHistory | None = None  # describe_alarm's recent history
    passages: list[RunbookPassage] = Field(default_factory=list)  # search_runbooks
    # The AWS-shaped response (GetQueryResults / GetQueryResults(Athena) / GetTraceSummaries /
    # GetMetricData ...) for a door that prints the exact API shape (the CLI's --format json);
    # nothing else reads it: the typed fields above say what it holds.
    raw: dict[str, Any] | None = None

    @property
    def row_count(self) -> int:
        return self.total_rows


class LogGroupInfo(BaseModel):
    name: str
    stored_bytes: int | None = None
    events: int | None = None  # local backend only
    first_event: datetime | None = None
    last_event: datetime | None = None


class ColumnInfo(BaseModel):
    name: str
    type: str


class TableSchema(BaseModel):
    database: str
    table: str
    columns: list[ColumnInfo]
    description: str = ""


class MetricQuery(BaseModel):
    """One series for GetMetricData: a metric with statistic and period, or an expression."""

    id: str = "m1"
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: list[MetricDimension] = Field(default_factory=list)
    statistic: str = "Average"  # Sum | Average | Minimum | Maximum | SampleCount | pNN
    period: int = 60
    expression: str | None = None
    label: str | None = None


class Capabilities(BaseModel):
    """What a backend can do; a tool asked for something missing says so instead of failing."""

    logs_insights: bool = True
    athena: bool = True
    xray: bool = True
    metrics: bool = True
    alarms: bool = True
    metric_math: bool = False
    runbooks: bool = False  # a knowledge base or a runbooks folder to search
    # A recorded incident bundle: what it lists is all there is, and a source that cannot be
    # read is one missing source, not a failed run (AWS: credentials or network, it is).
    recorded: bool = False
    resources: bool = False  # allow-listed describe calls (`describe_resource`)
    config_history: bool = False  # AWS Config history, or CloudTrail writes in its place
    findings: bool = False  # Security Hub / GuardDuty findings (`list_security_findings`)

    def supports(self, capability: str) -> bool:
        """Whether the backend has `capability` (a field name here); a name that is none is a
        bug in the caller, not a missing source."""
        if capability not in type(self).model_fields:
            raise ValueError(
                f"{capability!r} is not a capability: {sorted(type(self).model_fields)}"
            )
        return bool(getattr(self, capability))


@runtime_checkable
class TelemetryBackend(Protocol):
    """Read-only access to the telemetry around an incident."""

    capabilities: Capabilities

    @property
    def name(self) -> Literal["aws", "local"]: ...

    @property
    def load_notes(self) -> Sequence[str]:
        """What the backend could not read (a bundle's files it skipped, its log lines that are
        not events), one sentence each, for the report's notes and the model's briefing. Read
        it after the sources were used: a local backend reads each source on first use."""
        ...

    def list_log_groups(self, prefix: str | None = None) -> list[LogGroupInfo]: ...

    def run_logs_insights(
        self,
        query: str,
        log_groups: Sequence[str],
        time_range: TimeRange,
        limit: int | None = None,
    ) -> QueryResult: ...

    def table_schemas(self) -> list[TableSchema]: ...

    def run_athena(self, sql: str, max_rows: int = 1000) -> QueryResult: ...

    def find_traces(
        self, filter_expression: str | None, time_range: TimeRange, limit: int = 50
    ) -> QueryResult: ...  # 50: limits.FIND_TRACES_LIMIT (limits imports this module)

    def get_traces(self, trace_ids: Sequence[str]) -> QueryResult: ...

    def get_service_graph(self, time_range: TimeRange) -> QueryResult: ...

    def get_metric_data(
        self, queries: Sequence[MetricQuery], time_range: TimeRange
    ) -> QueryResult: ...

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Sequence[MetricDimension] = (),
    ) -> QueryResult: ...

    def run_metrics_insights(
        self,
        expression: str,
        time_range: TimeRange,
        period_seconds: int | None = None,
        max_series: int = 500,  # limits.MAX_INSIGHTS_SERIES (limits imports this module)
    ) -> QueryResult:
        """A CloudWatch Metrics Insights query (`SELECT AVG(CPUUtilization) FROM
        SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 10`):
        one row per returned series (label, dimensions, aggregate, points) and the typed
        `series`. A bad query raises `QueryError` with the offending position."""
        ...

    def describe_alarm(self, alarm_name: str) -> QueryResult: ...

    def describe_resource(self, request: ResourceRequest) -> QueryResult:
        """One allow-listed read-only call (see `agent.telemetry.resource_catalog`)."""
        ...

    def get_config_history(
        self, resource_type: str, resource_id: str, time_range: TimeRange
    ) -> QueryResult:
        """The resource's AWS Config items around `time_range`, each with what it changed;
        CloudTrail writes on the resource when Config has no history of it."""
        ...

    def search_runbooks(self, query: str, max_results: int) -> QueryResult: ...

    def list_security_findings(
        self, time_range: TimeRange, min_severity: str = "LOW"
    ) -> SecurityFindings:
        """Active, open Security Hub and GuardDuty findings updated within `time_range`, at
        least `min_severity`, de-duplicated, most severe first; what could not be read or was
        left out is in the answer's notes."""
        ...
