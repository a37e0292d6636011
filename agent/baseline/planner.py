"""Which follow-up queries the rule-based investigator runs after triage, by rule:
the error lines around the onset, the CloudTrail writes just before it, the segments of
faulting traces, the requests of the target that concentrates 5xx, and the metrics of the
resources the errors name."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from langchain_core.messages import ToolCall

from agent.baseline.analysis import Findings
from agent.baseline.services import fault_trace_ids
from agent.baseline.signals import NOTICE_QUERY, mentioned, rows_as_dicts
from agent.incident import TimeRange
from agent.report import Evidence
from agent.triage import ERROR_FILTER

INTERESTING_METRIC = re.compile(
    r"Throttl|Error|Fault|5XX|Failed|Timeout|Duration|Latency|Consumed|Provisioned|Concurrent|CPU|Memory|Connections|Unhealthy|"
    r"NumberOfMessages|AgeOfOldest|IteratorAge|Invocations|Count",
    re.I,
)
_FROM_TABLE = re.compile(r"\bFROM\s+([A-Za-z0-9_.\"]+)", re.I)


def _iso(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _table_of(evidence: list[Evidence], marker: str) -> str | None:
    """The table a triage query used, e.g. the CloudTrail table from the writes query."""
    for e in evidence:
        if e.tool == "run_athena_query" and marker in e.query.lower():
            match = _FROM_TABLE.search(e.query)
            if match:
                return match.group(1)
    return None


def window_filter(column: str, window: TimeRange | None) -> str:
    if window is None:
        return ""
    return (
        f"from_iso8601_timestamp({column}) BETWEEN from_iso8601_timestamp('{_iso(window.start)}') "
        f"AND from_iso8601_timestamp('{_iso(window.end)}')"
    )


def alb_breakdown_sql(table: str, window: TimeRange | None) -> str:
    """The load balancer's 5xx by target and status code: which targets fail, and how (500
    from the application, 502 a broken connection, 503 no healthy target, 504 a timeout)."""
    during = window_filter("time", window)
    return (
        "SELECT target_ip, elb_status_code, target_status_code, count(*) AS requests, "
        f"min(time) AS first_seen, max(time) AS last_seen FROM {table} "
        f"WHERE elb_status_code >= 500{' AND ' + during if during else ''} "
        "GROUP BY target_ip, elb_status_code, target_status_code ORDER BY requests DESC LIMIT 20"
    )


def round_one(findings: Findings, tools: set[str]) -> list[ToolCall]:
    calls: list[ToolCall] = []

    def add(name: str, args: dict[str, Any]) -> None:
        if name in tools:
            calls.append(
                ToolCall(name=name, args=args, id=f"baseline_1_{len(calls) + 1}", type="tool_call")
            )

    onset = findings.onset
    if not findings.has_logs:
        pass  # no log group to search: a Logs Insights query could only fail
    elif onset is not None:
        add(
            "run_logs_insights_query",
            {
                "query": f"fields @timestamp, @log, @message | {ERROR_FILTER} | sort @timestamp asc | limit 20",
                "start": _iso(onset - timedelta(minutes=2)),
                "end": _iso(onset + timedelta(minutes=5)),
            },
        )
    elif not findings.has_errors:
        add("run_logs_insights_query", {"query": NOTICE_QUERY})
    else:
        add(
            "run_logs_insights_query",
            {
                "query": f"fields @timestamp, @log, @message | {ERROR_FILTER} | sort @timestamp desc | limit 20"
            },
        )
    top = findings.top_signature
    if (
        top
        and top.signature.service == "lambda"
        and top.signature.category == "resource-exhaustion"
    ):
        add(
            "run_logs_insights_query",
            {
                "query": (
                    'filter @type = "REPORT" | stats avg(@maxMemoryUsed / 1000 / 1000) as avg_memory_mb, '
                    "max(@maxMemoryUsed / 1000 / 1000) as max_memory_mb, "
                    "max(@memorySize / 1000 / 1000) as memory_size_mb by bin(5m)"
                )
            },
        )
    trail = _table_of(findings.evidence, "eventname")
    if trail and onset is not None:
        add(
            "run_athena_query",
            {
                "sql": (
                    "SELECT eventtime, eventsource, eventname, useridentity.arn AS principal, requestparameters, "
                    f"responseelements, errorcode FROM {trail} WHERE (readonly = 'false' OR readonly IS NULL) "
                    f"AND from_iso8601_timestamp(eventtime) BETWEEN from_iso8601_timestamp('{_iso(onset - timedelta(minutes=30))}') "
                    f"AND from_iso8601_timestamp('{_iso(onset + timedelta(minutes=1))}') ORDER BY eventtime DESC LIMIT 20"
                )
            },
        )
    trace_ids = fault_trace_ids(findings.evidence)
    if trace_ids:
        add("get_traces", {"trace_ids": trace_ids})
    alb = _table_of(findings.evidence, "elb_5xx")
    if alb and findings.alb_5xx > 0:
        add("run_athena_query", {"sql": alb_breakdown_sql(alb, findings.window)})
    if alb and findings.alb_5xx >= 5:
        during = window_filter("time", findings.window)
        add(
            "run_athena_query",
            {
                "sql": (
                    "SELECT user_agent, count(DISTINCT client_ip) AS clients, count(*) AS requests, "
                    f"count_if(elb_status_code >= 500) AS errors_5xx, min(time) AS first_seen FROM {alb} "
                    + (f"WHERE {during} " if during else "")
                    + "GROUP BY user_agent ORDER BY requests DESC LIMIT 10"
                )
            },
        )
    add("list_metrics", {})
    return calls


# Gauges of how full or how far behind a resource is: their peak is what meets the limit.
SATURATION_GAUGE = re.compile(
    r"AgeOfOldest|IteratorAge|ConcurrentExecutions|DatabaseConnections|ApproximateNumberOfMessages|"
    r"QueueDepth|ActiveConnectionCount|ClientConnections",
    re.I,
)


def _statistic(metric_name: str) -> str:
    """Saturation gauges at their peak; counts summed; other levels (capacity, latency,
    utilisation) averaged, as CloudWatch recommends for each."""
    if SATURATION_GAUGE.search(metric_name):
        return "Maximum"
    level = re.search(
        r"Provisioned|Duration|Latency|ResponseTime|Utilization|CPU|Memory|Concurrent|Connections|"
        r"RunningTaskCount|Time$",
        metric_name,
        re.I,
    )
    return "Average" if level else "Sum"


_AVAILABLE_STATISTIC = re.compile(r"available: (\w+)")


def round_three(findings: Findings, tools: set[str]) -> list[ToolCall]:
    """Fix metric requests the source refused for their statistic, using the one it offers."""
    if "get_metric_data" not in tools:
        return []
    calls: list[ToolCall] = []
    for e in findings.evidence:
        if e.tool != "get_metric_data" or e.status != "error" or not e.error:
            continue
        offered = _AVAILABLE_STATISTIC.search(e.error)
        asked = _METRIC_QUERY.match(e.query)
        if not offered or not asked:
            continue
        namespace, name, dims, period = (
            asked.group("namespace"),
            asked.group("name"),
            asked.group("dims"),
            asked.group("period"),
        )
        metric = {
            "namespace": namespace,
            "metric_name": name,
            "dimensions": dict(p.split("=", 1) for p in dims.split(",") if "=" in p),
            "statistic": offered.group(1),
            "period": int(period),
        }
        calls.append(
            ToolCall(
                name="get_metric_data",
                args={"metrics": [metric]},
                id=f"baseline_3_{len(calls) + 1}",
                type="tool_call",
            )
        )
    return calls[:8]


# how get_metric_data describes one series: AWS/SQS/NumberOfMessagesSent{QueueName=q} Sum/60s,
# or as the result's query: GetMetricData m1 = AWS/SQS NumberOfMessagesSent{QueueName=q} Sum/60s
_METRIC_QUERY = re.compile(
    r"^(?:GetMetricData \w+ = )?(?P<namespace>[^ ]+?)[/ ](?P<name>[^/{ ]+)"
    r"\{(?P<dims>[^}]*)\} (?P<stat>\S+)/(?P<period>\d+)s$"
)


_DIMENSIONS = re.compile(r"\{([^}]*)\}")


def _alarm_dimension_values(evidence: list[Evidence]) -> list[str]:
    """The dimension values of the alarm's own metric (the triage get_metric_data query)."""
    for e in evidence:
        if e.tool == "get_metric_data":
            match = _DIMENSIONS.search(e.query)
            if match:
                return [p.split("=", 1)[1] for p in match.group(1).split(",") if "=" in p]
    return []


def round_two(findings: Findings, tools: set[str]) -> list[ToolCall]:
    """Metrics of the resources the evidence points at (from list_metrics): first those of
    the changed resources the errors name, then any resource the error lines name, then the
    alarm's own resource."""
    if "get_metric_data" not in tools:
        return []
    changed: list[str] = list(findings.blamed.change.resources) if findings.blamed else []
    for scored in findings.changes[:3]:
        changed.extend(r for r in scored.change.resources if mentioned(r, findings.error_lines))
    alarm = _alarm_dimension_values(findings.evidence)
    top = findings.top_signature
    implicated = (
        top.signature.service if top and top.signature.service not in (None, "code") else None
    )
    ranked: list[tuple[int, int, dict[str, Any]]] = []
    for e in findings.evidence:
        if e.tool != "list_metrics" or e.status != "ok":
            continue
        for order, row in enumerate(rows_as_dicts(e)):
            name = row.get("metric_name") or ""
            pairs = dict(
                p.split("=", 1) for p in (row.get("dimensions") or "").split(", ") if "=" in p
            )
            if not INTERESTING_METRIC.search(name) or not pairs:
                continue
            values = list(pairs.values())
            if any(v in changed for v in values):
                rank = 0
            elif any(mentioned(v, findings.error_lines) for v in values):
                rank = 1
            elif any(v in alarm for v in values):
                rank = 2
            elif implicated and implicated in (row.get("namespace") or "").lower():
                rank = 3  # the AWS service the dominant error implicates (e.g. AWS/RDS)
            else:
                continue
            metric = {
                "namespace": row.get("namespace") or "",
                "metric_name": name,
                "dimensions": pairs,
                "statistic": _statistic(name),
                "period": 60,
            }
            ranked.append((rank, order, metric))
    chosen = [metric for _, _, metric in sorted(ranked, key=lambda t: (t[0], t[1]))]
    # One call per series: a series the source lacks fails alone, the others still answer.
    return [
        ToolCall(
            name="get_metric_data",
            args={"metrics": [metric]},
            id=f"baseline_2_{index}",
            type="tool_call",
        )
        for index, metric in enumerate(chosen[:8], start=1)
    ]
