"""`AwsBackend`: the `TelemetryBackend` over real AWS APIs (boto3).

Each query surface lives in its own module; this class wires them to one settings object,
one set of cached clients and one timing policy (`Waiter`), which tests replace to run
polling schedules instantly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from agent.config import Settings
from agent.telemetry.aws.athena import Athena
from agent.telemetry.aws.clients import AwsClients
from agent.telemetry.aws.cloudwatch import CloudWatch
from agent.telemetry.aws.findings import SecurityFindingsReader
from agent.telemetry.aws.knowledge_base import KnowledgeBase
from agent.telemetry.aws.logs import LogsInsights
from agent.telemetry.aws.metrics_insights import run_metrics_insights
from agent.telemetry.aws.polling import Waiter
from agent.telemetry.aws.resources import Resources
from agent.telemetry.aws.xray import XRay
from agent.telemetry.base import (
    Capabilities,
    LogGroupInfo,
    MetricQuery,
    QueryResult,
    TableSchema,
    TelemetryUnavailableError,
)
from agent.telemetry.findings_types import SecurityFindings
from agent.telemetry.limits import FIND_TRACES_LIMIT, MAX_INSIGHTS_SERIES
from agent.telemetry.resource_catalog import ResourceRequest
from agent.telemetry.runbook_index import RunbookIndex
from agent.telemetry.types import MetricDimension, TimeRange

DEFAULT_QUERY_TIMEOUT_SECONDS = 60.0


class AwsBackend:
    """Read-only telemetry from CloudWatch Logs Insights, Athena, X-Ray and CloudWatch.

    `query_timeout_s` bounds each query's wall time (start + polling); it never exceeds the
    investigation's own `settings.budgets.max_wall_seconds`.
    """

    name: Literal["aws"] = "aws"
    load_notes: Sequence[str] = ()  # AWS APIs are asked per query: nothing is read up front

    def __init__(
        self,
        settings: Settings,
        *,
        waiter: Waiter | None = None,
        query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_SECONDS,
    ) -> None:
        self.settings = settings
        self.clients = AwsClients(settings)
        self.waiter = waiter or Waiter()
        timeout = min(query_timeout_s, float(settings.budgets.max_wall_seconds))
        knowledge = settings.knowledge
        # Runbooks: the Bedrock knowledge base when one is set, else the local folder.
        self._runbooks: KnowledgeBase | RunbookIndex | None = None
        if knowledge.knowledge_base_id:
            self._runbooks = KnowledgeBase(knowledge, self.clients)
        elif knowledge.runbooks_dir is not None:
            self._runbooks = RunbookIndex([knowledge.runbooks_dir])
        self.capabilities = Capabilities(
            logs_insights=True,
            athena=True,
            xray=settings.telemetry.xray_enabled,
            metrics=True,
            alarms=True,
            metric_math=True,
            resources=settings.telemetry.resources_enabled,
            config_history=settings.telemetry.resources_enabled,
            runbooks=isinstance(self._runbooks, KnowledgeBase)
            or (self._runbooks is not None and self._runbooks.exists()),
            findings=settings.features.findings_report_enabled,
        )
        self._logs = LogsInsights(settings, self.clients, self.waiter, timeout)
        self._athena = Athena(settings, self.clients, self.waiter, timeout)
        self._xray = XRay(settings, self.clients, self.waiter, timeout)
        self._cloudwatch = CloudWatch(settings, self.clients)
        self._resources = Resources(settings.aws.region, self.clients)
        self._findings = SecurityFindingsReader(settings.aws.region, self.clients)

    # --- CloudWatch Logs
    def list_log_groups(self, prefix: str | None = None) -> list[LogGroupInfo]:
        return self._logs.list_log_groups(prefix)

    def run_logs_insights(
        self,
        query: str,
        log_groups: Sequence[str],
        time_range: TimeRange,
        limit: int | None = None,
    ) -> QueryResult:
        return self._logs.run(query, log_groups, time_range, limit)

    # --- Athena
    def table_schemas(self) -> list[TableSchema]:
        return self._athena.table_schemas()

    def run_athena(self, sql: str, max_rows: int = 1000) -> QueryResult:
        return self._athena.run(sql, max_rows)

    # --- X-Ray
    def find_traces(
        self, filter_expression: str | None, time_range: TimeRange, limit: int = FIND_TRACES_LIMIT
    ) -> QueryResult:
        return self._xray.find_traces(filter_expression, time_range, limit)

    def get_traces(self, trace_ids: Sequence[str]) -> QueryResult:
        return self._xray.get_traces(trace_ids)

    def get_service_graph(self, time_range: TimeRange) -> QueryResult:
        return self._xray.get_service_graph(time_range)

    # --- CloudWatch metrics and alarms
    def get_metric_data(self, queries: Sequence[MetricQuery], time_range: TimeRange) -> QueryResult:
        return self._cloudwatch.get_metric_data(queries, time_range)

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Sequence[MetricDimension] = (),
    ) -> QueryResult:
        return self._cloudwatch.list_metrics(namespace, metric_name, dimensions)

    def run_metrics_insights(
        self,
        expression: str,
        time_range: TimeRange,
        period_seconds: int | None = None,
        max_series: int = MAX_INSIGHTS_SERIES,
    ) -> QueryResult:
        return run_metrics_insights(
            self._cloudwatch, expression, time_range, period_seconds, max_series
        )

    def describe_alarm(self, alarm_name: str, *, history_items: int = 5) -> QueryResult:
        return self._cloudwatch.describe_alarm(alarm_name, history_items=history_items)

    def describe_alarm_history(
        self,
        alarm_name: str,
        *,
        max_items: int = 10,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> QueryResult:
        return self._cloudwatch.describe_alarm_history(
            alarm_name, max_items=max_items, start=start, end=end
        )

    # --- resource state and configuration history
    def describe_resource(self, request: ResourceRequest) -> QueryResult:
        return self._resources.describe(request)

    def get_config_history(
        self, resource_type: str, resource_id: str, time_range: TimeRange
    ) -> QueryResult:
        return self._resources.config_history(resource_type, resource_id, time_range)

    # --- runbooks
    def search_runbooks(self, query: str, max_results: int) -> QueryResult:
        if self._runbooks is None:
            raise TelemetryUnavailableError(
                "no runbooks configured: set knowledge_base_id (a Bedrock knowledge base) "
                "or runbooks_dir (a folder of markdown runbooks)"
            )
        return self._runbooks.search(query, max_results)

    # --- security findings
    def list_security_findings(
        self, time_range: TimeRange, min_severity: str = "LOW"
    ) -> SecurityFindings:
        return self._findings.read(time_range, min_severity)
