"""`AwsBackend`: the `TelemetryBackend` over real AWS APIs (boto3).

Each query surface lives in its own module; this class wires them to one settings object,
one set of cached clients and one timing policy (`Waiter`), which tests replace to run
polling schedules instantly. A Protocol method a surface answers as it is is that surface's
bound method (mypy checks each against `TelemetryBackend` in `agent.service.build_backend`);
only what adds to a surface is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    QueryResult,
    TelemetryUnavailableError,
)
from agent.telemetry.limits import MAX_INSIGHTS_SERIES
from agent.telemetry.runbook_index import RunbookIndex
from agent.telemetry.types import TimeRange

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
        # The Protocol's methods, each straight from the surface that answers it.
        logs = LogsInsights(settings, self.clients, self.waiter, timeout)
        self.list_log_groups = logs.list_log_groups
        self.run_logs_insights = logs.run
        athena = Athena(settings, self.clients, self.waiter, timeout)
        self.table_schemas = athena.table_schemas
        self.run_athena = athena.run
        xray = XRay(settings, self.clients, self.waiter, timeout)
        self.find_traces = xray.find_traces
        self.get_traces = xray.get_traces
        self.get_service_graph = xray.get_service_graph
        self._cloudwatch = CloudWatch(settings, self.clients)
        self.get_metric_data = self._cloudwatch.get_metric_data
        self.list_metrics = self._cloudwatch.list_metrics
        self.describe_alarm = self._cloudwatch.describe_alarm
        self.describe_alarm_history = self._cloudwatch.describe_alarm_history
        resources = Resources(settings.aws.region, self.clients)
        self.describe_resource = resources.describe
        self.get_config_history = resources.config_history
        self.list_security_findings = SecurityFindingsReader(settings.aws.region, self.clients).read

    # --- the surfaces that add to what they are given
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

    # --- runbooks
    def search_runbooks(self, query: str, max_results: int) -> QueryResult:
        if self._runbooks is None:
            raise TelemetryUnavailableError(
                "no runbooks configured: set knowledge_base_id (a Bedrock knowledge base) "
                "or runbooks_dir (a folder of markdown runbooks)"
            )
        return self._runbooks.search(query, max_results)
