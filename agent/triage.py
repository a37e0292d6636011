"""The standard first queries of every investigation, planned from what the backend has.

Triage is a scripted first turn: one AI message whose tool calls the `tools` node runs
concurrently, so its results are ordinary evidence (E1..En) the model reads as its own.
A source the backend (or the bundle) lacks is skipped, never an error.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import ToolCall

from agent.incident import Incident, MetricSpec, TimeRange
from agent.run_context import InvestigationContext
from agent.sources import DataSources
from agent.telemetry.base import TableSchema

# Error lines, without matching field names such as "errorMessage" or "integrationErrorMessage".
ERROR_FILTER = (
    "filter @message like /(?i)(\\berror\\b|exception|fail|fatal|timed out|timeout|throttl|denied|refused|unavailable)/"
    # ... but not the all-clear counters of healthy lines ("failed=0", "errors: 0")
    " and @message not like /(?i)\\b(fail(ed|ures?)?|errors?)[=:] ?0\\b/"
)

# Lines that say nothing about the workload: the Lambda runtime's START/END/REPORT/INIT
# lines, health checks, and debug chatter.
NOISE_FILTER = (
    "filter @message not like /^(START|END|REPORT|INIT_START|EXTENSION|TELEMETRY) /"
    " and @message not like /(?i)(health.?check|ELB-HealthChecker|GET \\/health)/"
    " and @message not like /\\b(DEBUG|TRACE)\\b/"
)

# Warnings and the words of a struggling service (waits, retries, saturation), outside the
# runtime noise: what a service says when it degrades without logging an error.
DEGRADATION_PATTERNS = (
    f"{NOISE_FILTER}"
    ' and (@message like /\\bWARN(ING)?\\b|"level": ?"warn(ing)?"/'
    " or @message like /(?i)(retry|retrying|exhausted|saturat|queue full|backlog|waited \\d+|slow|back-?off)/)"
    " | pattern @message | sort @sampleCount desc | limit 10"
)

# Lines per minute by severity: a service that degrades with warnings (pool exhausted,
# retrying, queue full) shows up here even when no line says "error".
SEVERITY_BY_MINUTE = (
    'stats sum(@message like /\\b(ERROR|FATAL|CRITICAL|SEVERE)\\b|"level": ?"(error|fatal)"/) as error'
    ', sum(@message like /\\bWARN(ING)?\\b|"level": ?"warn(ing)?"/) as warn'
    ", count(*) as lines by bin(1m)"
)

TRIAGE_NAME = "triage"


def _iso(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def find_table(schemas: list[TableSchema], marker_columns: set[str]) -> TableSchema | None:
    """The table whose columns include all `marker_columns` (ALB: elb_status_code; CloudTrail: eventname)."""
    for schema in schemas:
        names = {c.name.lower() for c in schema.columns}
        if marker_columns <= names:
            return schema
    return None


def cloudtrail_writes_sql(table: str, window: TimeRange) -> str:
    return (
        "SELECT eventtime, eventsource, eventname, useridentity.arn AS principal, "
        "sourceipaddress, requestparameters, errorcode "
        f"FROM {table} "
        "WHERE (readonly = 'false' OR readonly IS NULL) "
        "AND eventname NOT LIKE 'Get%' AND eventname NOT LIKE 'List%' AND eventname NOT LIKE 'Describe%' "
        f"AND from_iso8601_timestamp(eventtime) BETWEEN from_iso8601_timestamp('{_iso(window.start)}') "
        f"AND from_iso8601_timestamp('{_iso(window.end)}') "
        "ORDER BY eventtime LIMIT 100"
    )


def cloudtrail_callers_sql(table: str, window: TimeRange) -> str:
    """Who calls the AWS APIs and how often they are refused: credential misuse shows as one
    principal and address failing many different APIs in many regions."""
    return (
        "SELECT useridentity.arn AS principal, sourceipaddress, count(*) AS calls, "
        "count_if(errorcode IS NOT NULL) AS failed, count(DISTINCT eventname) AS apis, "
        "count(DISTINCT awsregion) AS regions "
        f"FROM {table} "
        f"WHERE from_iso8601_timestamp(eventtime) BETWEEN from_iso8601_timestamp('{_iso(window.start)}') "
        f"AND from_iso8601_timestamp('{_iso(window.end)}') "
        "GROUP BY useridentity.arn, sourceipaddress ORDER BY failed DESC LIMIT 10"
    )


def alb_5xx_sql(table: str, window: TimeRange) -> str:
    return (
        "SELECT target_ip, count(*) AS requests, "
        "count_if(elb_status_code >= 500) AS elb_5xx, "
        "count_if(target_status_code LIKE '5%') AS target_5xx, "
        # -1 is the log's "no answer from the target" (closed or timed out): it is counted,
        # not averaged, or it drags the average down (even below zero).
        "count_if(target_processing_time = -1) AS no_target_answer, "
        "round(avg(CASE WHEN target_processing_time >= 0 THEN target_processing_time END), 3) "
        "AS avg_target_seconds, "
        # when each target came and went: a target that left (scale-in, failed health check)
        # shows in the same table as the errors
        "min(time) AS first_seen, max(time) AS last_seen "
        f"FROM {table} "
        f"WHERE from_iso8601_timestamp(time) BETWEEN from_iso8601_timestamp('{_iso(window.start)}') "
        f"AND from_iso8601_timestamp('{_iso(window.end)}') "
        "GROUP BY target_ip ORDER BY elb_5xx DESC LIMIT 20"
    )


def alarm_metrics(incident: Incident) -> list[dict[str, Any]]:
    """The alarm's own metric(s) as get_metric_data arguments."""
    specs = [m for m in incident.metrics if m.metric_name and m.namespace] or [
        MetricSpec(
            namespace=incident.namespace,
            metric_name=incident.metric_name,
            dimensions=incident.dimensions,
            statistic=incident.statistic,
            period=incident.period,
        )
    ]
    series: list[dict[str, Any]] = []
    for spec in specs:
        if not spec.metric_name or not spec.namespace:
            continue
        statistic = (spec.statistic or "Sum").capitalize()
        if statistic == "Samplecount":
            statistic = "SampleCount"
        series.append(
            {
                "namespace": spec.namespace,
                "metric_name": spec.metric_name,
                "dimensions": {d.name: d.value for d in spec.dimensions},
                "statistic": statistic,
                "period": spec.period or 60,
            }
        )
    return series[:10]


def plan_triage(
    ctx: InvestigationContext, turn: int = 0, sources: DataSources | None = None
) -> list[ToolCall]:
    """The tool calls of the triage turn for this backend and incident; `turn` (the message
    count of the thread) keeps tool-call ids unique when a thread is investigated again.
    A source the survey found empty (a table with no rows in the window, no traces) is not
    queried: its "0 rows" would read as "no errors there"."""
    sources = sources or DataSources()
    caps = ctx.backend.capabilities
    window = ctx.window
    calls: list[ToolCall] = []

    def add(name: str, args: dict[str, Any]) -> None:
        calls.append(
            ToolCall(name=name, args=args, id=f"triage_{len(calls) + 1}_{turn}", type="tool_call")
        )

    if caps.alarms and ctx.incident.alarm_name:
        # The alarm itself is evidence: its state change, reason (with the datapoints that
        # crossed), threshold and history can then be cited like any query result.
        add("describe_alarm", {})
    if caps.logs_insights and ctx.log_groups:
        add(
            "run_logs_insights_query",
            {"query": f"{ERROR_FILTER} | stats count(*) as errors by bin(1m)"},
        )
        add(
            "run_logs_insights_query",
            {"query": f"{ERROR_FILTER} | pattern @message | sort @sampleCount desc | limit 10"},
        )
        add("run_logs_insights_query", {"query": SEVERITY_BY_MINUTE})
        add("run_logs_insights_query", {"query": DEGRADATION_PATTERNS})
        if ctx.settings.telemetry.default_logs_query.strip():
            # the team's own first query for this workload (FA2's "default query")
            add(
                "run_logs_insights_query",
                {"query": ctx.settings.telemetry.default_logs_query.strip()},
            )
    if caps.xray and ctx.settings.telemetry.xray_enabled and sources.xray_traces is not False:
        add("get_service_graph", {})
        add("find_traces", {"filter_expression": "fault = true OR error = true", "limit": 20})
    if caps.athena:
        schemas = _schemas(ctx)
        trail = find_table(schemas, {"eventname", "eventtime", "eventsource"})
        if trail and not sources.is_empty(f"{trail.database}.{trail.table}"):
            name = f"{trail.database}.{trail.table}"
            add("run_athena_query", {"sql": cloudtrail_writes_sql(name, window)})
            add("run_athena_query", {"sql": cloudtrail_callers_sql(name, window)})
        alb = find_table(schemas, {"elb_status_code", "target_ip"})
        if alb and not sources.is_empty(f"{alb.database}.{alb.table}"):
            add("run_athena_query", {"sql": alb_5xx_sql(f"{alb.database}.{alb.table}", window)})
    if caps.metrics:
        metrics = alarm_metrics(ctx.incident)
        if metrics:
            add("get_metric_data", {"metrics": metrics})
    return calls


def _schemas(ctx: InvestigationContext) -> list[TableSchema]:
    try:
        return ctx.backend.table_schemas()
    except Exception as exc:  # a catalog that cannot be read only means no Athena triage
        ctx.progress("error", f"triage: cannot list Athena tables ({exc}); skipping ALB/CloudTrail")
        return []
