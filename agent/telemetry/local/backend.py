"""`LocalBackend`: the local telemetry backend over one incident bundle (see the package's
docstring)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from agent.telemetry import shapes
from agent.telemetry.base import (
    Capabilities,
    LogGroupInfo,
    MetricQuery,
    QueryError,
    QueryResult,
    TableSchema,
)
from agent.telemetry.bundle import Bundle, load_bundle
from agent.telemetry.errors import source_unavailable
from agent.telemetry.findings_types import SecurityFindings, checked_severity
from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.limits import (
    FIND_TRACES_LIMIT,
    MAX_INSIGHTS_SERIES,
    checked_log_groups,
    checked_metric_queries,
    checked_metrics_insights,
    checked_trace_ids,
)
from agent.telemetry.local.scan_cache import LOAD_ERRORS, connect_to_bundle, unreadable_note
from agent.telemetry.runbook_index import RunbookIndex
from agent.telemetry.types import MetricDimension, TimeRange

# Each engine is imported where it is first built: a logs query needs neither sqlglot
# (Athena's translator) nor the X-Ray and metrics readers, and a process starts faster.
if TYPE_CHECKING:
    from agent.config import Settings
    from agent.telemetry.local.athena import AthenaEngine
    from agent.telemetry.local.findings import BundleFindings
    from agent.telemetry.local.logs_insights import LogsInsightsEngine
    from agent.telemetry.local.metrics import MetricsEngine
    from agent.telemetry.local.metrics_insights.engine import MetricsInsightsEngine
    from agent.telemetry.local.resources import ResourceSnapshots
    from agent.telemetry.local.xray import XRayEngine
    from agent.telemetry.resource_catalog import ResourceRequest

T = TypeVar("T")

DEFAULT_ACCOUNT_ID = "123456789012"
# How a note names each engine's source (findings say what they skipped themselves).
_SOURCE_LABELS = {
    "athena": "Athena",
    "xray": "X-Ray",
    "metrics": "Metrics",
    "metrics_insights": "Metrics",
}
RUNBOOKS_FOLDER = "runbooks"  # a bundle's own runbooks, searched beside `runbooks_dir`


class LocalBackend:
    """`TelemetryBackend` over one incident bundle (see shared spec: incident-bundle.md)."""

    name: Literal["aws", "local"] = "local"

    def __init__(self, bundle_path: str | Path, settings: Settings) -> None:
        self.settings = settings
        self.bundle: Bundle = load_bundle(bundle_path)
        manifest = self.bundle.manifest
        self.account_id = str(manifest.alarm.get("AWSAccountId") or DEFAULT_ACCOUNT_ID)
        # What the loader left out, for the report's notes (the link target stays out of it:
        # a path on this machine is none of the report readers' business).
        self._link_notes: list[str] = [
            f"Bundle: {one_visible_line(link.relative_to(self.bundle.root).as_posix())} was "
            "skipped: it links "
            "to a file outside the bundle, which is never read"
            for link, _ in self.bundle.outside_files
        ]
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] = {}
        # Parquet copies of the bundle's logs and tables, kept across processes; the
        # connection queries a model wrote run on reads only the bundle and that cache.
        self._con, self.cache = connect_to_bundle(self.bundle.root)
        # The configured runbooks folder, and the bundle's own `runbooks/` if it has one.
        folders = [self.bundle.root / RUNBOOKS_FOLDER]
        if settings.knowledge.runbooks_dir is not None:
            folders.insert(0, settings.knowledge.runbooks_dir)
        self.runbooks = RunbookIndex(folders)
        self.capabilities = Capabilities(
            logs_insights=True,
            athena=True,
            xray=settings.telemetry.xray_enabled and bool(self.bundle.source_files("xray")),
            metrics=True,
            alarms=bool(manifest.alarm),
            metric_math=False,
            recorded=True,
            resources=settings.telemetry.resources_enabled
            and bool(self.bundle.source_files("resources")),
            config_history=settings.telemetry.resources_enabled
            and bool(self.bundle.source_files("config") or self.bundle.source_files("cloudtrail")),
            runbooks=self.runbooks.exists(),
            findings=bool(
                self.bundle.source_files("securityhub") or self.bundle.source_files("guardduty")
            ),
        )

    @property
    def load_notes(self) -> list[str]:
        """The files the loader left out, and of each source read so far the files that could
        not be read (and the log lines that are not events): results leave their data out,
        so the report and the model are told (paths relative to the bundle)."""
        with self._lock:
            loaded = dict(self._loaded)
        notes = list(self._link_notes)
        said: set[tuple[str, Path]] = set()  # both metrics engines read the same files
        for source, engine in loaded.items():
            if source == "logs":
                notes.extend(engine.data_notes(self.bundle.root))
                continue
            label = _SOURCE_LABELS.get(source)
            if label is None:
                continue
            lost = "rows are" if source == "athena" else "data is"
            for path, reason in getattr(engine, "unreadable", ()):
                if (label, path) not in said:
                    said.add((label, path))
                    notes.append(unreadable_note(label, path, reason, self.bundle.root, lost))
        return notes

    def _engine(self, source: str, build: Callable[[], T]) -> T:
        """The engine for `source`, built on first use (once, even with concurrent callers)."""
        with self._lock:
            if source not in self._loaded:
                try:
                    self._loaded[source] = build()
                except LOAD_ERRORS as exc:
                    raise source_unavailable(source, self.bundle.root, exc) from exc
            return cast(T, self._loaded[source])

    @property
    def _athena(self) -> AthenaEngine:
        from agent.telemetry.local.athena import AthenaEngine

        # The configured names are what the agent is told; the manifest's names (if the
        # bundle was exported with others) resolve too.
        names = self.bundle.manifest.athena
        return self._engine(
            "athena",
            lambda: AthenaEngine(
                self._con,
                database=self.settings.athena.database,
                alb_table=self.settings.athena.alb_table,
                cloudtrail_table=self.settings.athena.cloudtrail_table,
                alb_files=self.bundle.source_files("alb"),
                cloudtrail_files=self.bundle.source_files("cloudtrail"),
                aliases={
                    names.alb_table: self.settings.athena.alb_table,
                    names.cloudtrail_table: self.settings.athena.cloudtrail_table,
                },
                cache=self.cache,
            ),
        )

    @property
    def _logs(self) -> LogsInsightsEngine:
        from agent.telemetry.local.logs_insights import LogsInsightsEngine

        return self._engine(
            "logs",
            lambda: LogsInsightsEngine(
                self._con, self.bundle.source_files("logs"), self.account_id, self.cache
            ),
        )

    @property
    def _xray(self) -> XRayEngine:
        from agent.telemetry.local.xray import XRayEngine

        return self._engine("xray", lambda: XRayEngine(self.bundle.source_files("xray")))

    @property
    def _metrics(self) -> MetricsEngine:
        from agent.telemetry.local.metrics import MetricsEngine

        return self._engine(
            "metrics",
            lambda: MetricsEngine(self.bundle.source_files("metrics"), self.bundle.manifest.alarm),
        )

    @property
    def _metrics_insights(self) -> MetricsInsightsEngine:
        from agent.telemetry.local.metrics_insights.engine import MetricsInsightsEngine

        return self._engine(
            "metrics_insights",
            lambda: MetricsInsightsEngine(self._con, self.bundle.source_files("metrics")),
        )

    @property
    def _resources(self) -> ResourceSnapshots:
        from agent.telemetry.local.resources import ResourceSnapshots

        return self._engine(
            "resources",
            lambda: ResourceSnapshots(
                self.bundle.source_files("resources"),
                self.bundle.source_files("config"),
                self.bundle.source_files("cloudtrail"),
                self.bundle.reference,
            ),
        )

    @property
    def _findings(self) -> BundleFindings:
        from agent.telemetry.local.findings import BundleFindings

        return self._engine(
            "findings",
            lambda: BundleFindings(
                {
                    "securityhub": self.bundle.source_files("securityhub"),
                    "guardduty": self.bundle.source_files("guardduty"),
                },
                self.bundle.root,
            ),
        )

    def close(self) -> None:
        self._con.close()

    # ------------------------------------------------------------------ Logs Insights

    def list_log_groups(self, prefix: str | None = None) -> list[LogGroupInfo]:
        return [
            LogGroupInfo(
                name=g.name,
                events=g.events,
                stored_bytes=g.stored_bytes,
                first_event=g.first_event,
                last_event=g.last_event,
            )
            for g in self._logs.log_groups()
            if not prefix or g.name.startswith(prefix)
        ]

    def run_logs_insights(
        self, query: str, log_groups: Sequence[str], time_range: TimeRange, limit: int | None = None
    ) -> QueryResult:
        engine = self._logs
        # Like the AWS backend: no groups given means the configured ones, and offline (where
        # none are usually configured) every group of the bundle.
        groups = checked_log_groups(
            checked_log_groups(log_groups)
            or list(self.settings.telemetry.log_groups)
            or [g.name for g in engine.log_groups()]
        )
        response = engine.run(query, groups, time_range, limit)
        return shapes.from_logs_insights(
            response, query=query, time_range=time_range, link=self.bundle.reference("logs")
        )

    # ------------------------------------------------------------------ Athena

    def table_schemas(self) -> list[TableSchema]:
        return self._athena.table_schemas()

    def run_athena(self, sql: str, max_rows: int = 1000) -> QueryResult:
        answer = self._athena.run(sql, max_rows=max_rows)
        return shapes.from_athena(
            answer.response,
            sql=sql,
            total_rows=answer.total_rows,
            truncated=answer.truncated,
            link=self.bundle.reference(answer.source),
            bytes_scanned=answer.bytes_scanned,
        )

    # ------------------------------------------------------------------ X-Ray

    def find_traces(
        self, filter_expression: str | None, time_range: TimeRange, limit: int = FIND_TRACES_LIMIT
    ) -> QueryResult:
        expression = (filter_expression or "").strip()
        response, matched = self._xray.trace_summaries(expression or None, time_range, limit)
        result = shapes.from_trace_summaries(
            response,
            query=f"GetTraceSummaries {expression}"
            if expression
            else "GetTraceSummaries (no filter)",
            time_range=time_range,
            link=self.bundle.reference("xray"),
        )
        shown = len(response["TraceSummaries"])
        return result.model_copy(update={"total_rows": matched, "truncated": matched > shown})

    def get_traces(self, trace_ids: Sequence[str]) -> QueryResult:
        ids = checked_trace_ids(trace_ids)
        return shapes.from_batch_get_traces(
            self._xray.batch_get_traces(ids),
            query="BatchGetTraces " + " ".join(ids),
            link=self.bundle.reference("xray"),
        )

    def get_service_graph(self, time_range: TimeRange) -> QueryResult:
        return shapes.from_service_graph(
            self._xray.service_graph(time_range),
            query="GetServiceGraph",
            time_range=time_range,
            link=self.bundle.reference("xray"),
        )

    # ------------------------------------------------------------------ metrics and alarms

    def get_metric_data(self, queries: Sequence[MetricQuery], time_range: TimeRange) -> QueryResult:
        checked_metric_queries(queries)
        return shapes.from_metric_data(
            self._metrics.get_metric_data(queries, time_range),
            query=shapes.metric_data_query(queries),
            time_range=time_range,
            link=self.bundle.reference("metrics"),
        )

    def list_metrics(
        self,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Sequence[MetricDimension] = (),
    ) -> QueryResult:
        return shapes.from_list_metrics(
            self._metrics.list_metrics(namespace, metric_name, dimensions),
            query=shapes.list_metrics_query(namespace, metric_name, dimensions),
            link=self.bundle.reference("metrics"),
        )

    def run_metrics_insights(
        self,
        expression: str,
        time_range: TimeRange,
        period_seconds: int | None = None,
        max_series: int = MAX_INSIGHTS_SERIES,
    ) -> QueryResult:
        request = checked_metrics_insights(expression, time_range, period_seconds, max_series)
        engine = self._metrics_insights
        answer = engine.run(request, time_range)
        query = answer.query
        result = shapes.from_metrics_insights(
            answer.response,
            query=request.expression,
            aggregate_function=query.order_function or query.function,
            time_range=time_range,
            link=self.bundle.reference("metrics"),
            dimensions=answer.dimensions,
            total_series=answer.total_series,
            period=request.period,
            note=answer.note,
        )
        if result.status == "empty":
            return result.model_copy(update={"error": engine.empty_hint(answer, time_range)})
        return result

    def describe_alarm(self, alarm_name: str) -> QueryResult:
        name = alarm_name.strip()
        if not name:
            raise QueryError("empty alarm name")
        result = shapes.from_describe_alarms(
            self._metrics.describe_alarms(name),
            query=f"DescribeAlarms {name}",
            link=self.bundle.reference("alarm"),
        )
        if result.status == "empty":  # as the AWS backend words it
            known = self.bundle.manifest.alarm.get("AlarmName")
            hint = f"; this bundle's alarm is {known!r}" if known else ""
            return result.model_copy(
                update={
                    "error": f"no alarm named {name!r} in this bundle{hint} (names are case-sensitive)"
                }
            )
        return result

    # ------------------------------------------------------------------ resources and config

    def describe_resource(self, request: ResourceRequest) -> QueryResult:
        return self._resources.describe(request)

    def get_config_history(
        self, resource_type: str, resource_id: str, time_range: TimeRange
    ) -> QueryResult:
        return self._resources.config_history(resource_type, resource_id, time_range)

    # --- runbooks
    def search_runbooks(self, query: str, max_results: int) -> QueryResult:
        result = self.runbooks.search(query, max_results)
        return result.model_copy(update={"link": self.bundle.reference("runbooks")})

    # --- security findings
    def list_security_findings(
        self, time_range: TimeRange, min_severity: str = "LOW"
    ) -> SecurityFindings:
        if not self.capabilities.findings:
            return SecurityFindings(
                notes=[
                    "Findings: this bundle holds no findings/securityhub/*.json or "
                    "findings/guardduty/*.json"
                ]
            )
        return self._findings.select(time_range, checked_severity(min_severity))
