"""What a metrics question asks, read by rules: its form (top-N by a statistic, the biggest
change between the halves of the period, a series crossing a threshold, running out of
capacity), the service, the metric, the statistic, N and the resource it names.

An unrecognised question is `form="unknown"`: the baseline then says what it looked at and
does not guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from agent.telemetry.types import metric_statistic

Form = Literal["top", "change", "threshold", "capacity", "unknown"]


@dataclass(frozen=True)
class Service:
    namespace: str
    entity: str  # the dimension that names one resource (FunctionName, TableName, ...)
    noun: str


# (words in the question, the service). Order matters: the first match wins.
SERVICES: list[tuple[re.Pattern[str], Service]] = [
    (
        re.compile(r"\blambda|\bfunctions?\b", re.I),
        Service("AWS/Lambda", "FunctionName", "function"),
    ),
    (re.compile(r"\bdynamo|\btables?\b", re.I), Service("AWS/DynamoDB", "TableName", "table")),
    (
        re.compile(r"\brds\b|\bdatabases?\b|\bdb\b", re.I),
        Service("AWS/RDS", "DBInstanceIdentifier", "database"),
    ),
    (re.compile(r"\bsqs\b|\bqueues?\b", re.I), Service("AWS/SQS", "QueueName", "queue")),
    (re.compile(r"\bkinesis\b|\bstreams?\b", re.I), Service("AWS/Kinesis", "StreamName", "stream")),
    (
        re.compile(r"load balancer|\balb\b|\belb\b", re.I),
        Service("AWS/ApplicationELB", "LoadBalancer", "load balancer"),
    ),
    (re.compile(r"\bapi\b|api gateway", re.I), Service("AWS/ApiGateway", "ApiName", "API")),
    (
        re.compile(r"\becs\b|\bcontainers?\b|\btasks?\b", re.I),
        Service("AWS/ECS", "ServiceName", "service"),
    ),
    (
        re.compile(r"\bec2\b|\binstances?\b|\bhosts?\b|\bservers?\b|\bvms?\b", re.I),
        Service("AWS/EC2", "InstanceId", "instance"),
    ),
]

# (words, metric names to look for, most likely first). Exact CloudWatch names: ListMetrics
# filters by exact name.
METRICS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\bcpu\b", re.I), ("CPUUtilization",)),
    (re.compile(r"\bdisk", re.I), ("disk_used_percent",)),
    (re.compile(r"\bmem(ory)?\b", re.I), ("mem_used_percent", "MemoryUtilization")),
    (re.compile(r"iterator age", re.I), ("IteratorAge",)),
    (re.compile(r"oldest message|message age", re.I), ("ApproximateAgeOfOldestMessage",)),
    (
        re.compile(r"backlog|queue depth|messages visible", re.I),
        ("ApproximateNumberOfMessagesVisible",),
    ),
    (
        re.compile(r"throttl", re.I),
        ("Throttles", "WriteThrottleEvents", "ReadThrottleEvents", "ThrottledRequests"),
    ),
    (
        re.compile(r"\b5xx\b", re.I),
        ("5XXError", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"),
    ),
    (re.compile(r"\berrors?\b|\bfail", re.I), ("Errors", "5XXError", "HTTPCode_Target_5XX_Count")),
    (re.compile(r"\bconnections?\b", re.I), ("DatabaseConnections",)),
    (re.compile(r"concurren", re.I), ("ConcurrentExecutions",)),
    (re.compile(r"invocations?|\bcalls?\b", re.I), ("Invocations",)),
    (re.compile(r"\brecords?\b", re.I), ("IncomingRecords",)),
    (
        re.compile(r"\brequests?\b|\btraffic\b|\bbusiest\b", re.I),
        ("RequestCount", "Count", "Invocations"),
    ),
    (
        re.compile(r"\bp\d{2}\b|latenc|duration|slow|response time", re.I),
        ("Duration", "Latency", "TargetResponseTime"),
    ),
]

_STATISTIC_WORDS = [
    (re.compile(r"\b(p\d{1,2}(?:\.\d+)?)\b", re.I), None),
    (re.compile(r"\baverage\b|\bavg\b|\bmean\b", re.I), "Average"),
    (re.compile(r"\bmax(imum)?\b|\bpeak\b", re.I), "Maximum"),
    (re.compile(r"\bmin(imum)?\b", re.I), "Minimum"),
    (re.compile(r"\btotal\b|\bsum\b", re.I), "Sum"),
]
_COUNT_METRIC = re.compile(
    r"Count|Errors|Error$|Invocations|Throttle|Events|Records|Requests|Consumed", re.I
)
_PEAK_METRIC = re.compile(r"IteratorAge|AgeOf|Connections|Concurrent", re.I)

_CAPACITY = re.compile(r"running out|run out|capacity|headroom|close to (?:the |its )?limit", re.I)
_CHANGE = re.compile(
    r"\b(rose|rise|risen|increase[ds]?|grew|grow|jump(?:ed)?|spik(?:e|ed)|went up|worse|"
    r"degrad\w*|dropp?(?:ed)?|fell|fall(?:en)?|decrease[ds]?|went down|chang(?:e|ed)|shift)\b",
    re.I,
)
_DOWN = re.compile(r"\b(dropp?(?:ed)?|fell|fall(?:en)?|decrease[ds]?|went down)\b", re.I)
_TOP = re.compile(
    r"\btop\b|\bhighest\b|\blowest\b|\bmost\b|\bbusiest\b|\bslowest\b|\blargest\b|\bbiggest\b|"
    r"\bworst\b|\bwhich\b|\brank",
    re.I,
)
_THRESHOLD = re.compile(
    r"\b(above|over|exceed(?:ed|s)?|cross(?:ed|es)?|beyond|more than|greater than|below|under|less than)\s+"
    r"(\d+(?:\.\d+)?)\s*(%|percent|ms|s\b)?",
    re.I,
)
_BELOW = re.compile(r"below|under|less than", re.I)
_COUNT = re.compile(
    r"\btop\s+(\d{1,2})\b|\b(\d{1,2})\s+(?:most|busiest|slowest|highest|largest)\b", re.I
)
_NAMED = re.compile(
    r"\bthe\s+([\w.-]+)\s+(?:table|function|queue|stream|database|instance)\b|"
    r"\b(?:table|function|queue|stream|database|instance)\s+([\w.-]+)",
    re.I,
)
_NOT_NAMES = {
    "the", "a", "an", "my", "our", "this", "that", "which", "each", "every", "any", "is", "has",
    "have", "had", "with", "of", "in", "by", "for", "to", "was", "are",
}  # fmt: skip


@dataclass(frozen=True)
class Intent:
    form: Form
    service: Service | None
    metrics: tuple[str, ...]  # candidate metric names, most likely first
    statistic: str | None  # as the question asks it (None: the metric's usual one)
    count: int = 5
    direction: Literal["up", "down"] = "up"
    threshold: float | None = None
    above: bool = True
    resource: str | None = None  # a resource the question names ("the orders table")
    capacity: Literal["Write", "Read"] = "Write"
    words: list[str] = field(default_factory=list)  # what matched, for the honest answer
    lowest: bool = False  # "lowest", "least": rank from the bottom


def read_question(question: str) -> Intent:
    service = next((s for pattern, s in SERVICES if pattern.search(question)), None)
    metrics: tuple[str, ...] = ()
    words = []
    for pattern, names in METRICS:
        match = pattern.search(question)
        if match:
            metrics, words = names, [match.group(0)]
            break
    statistic = _statistic(question)
    resource = _resource(question)
    count_match = _COUNT.search(question)
    count = int(count_match.group(1) or count_match.group(2)) if count_match else 5
    count = min(max(count, 1), 10)
    threshold = _THRESHOLD.search(question)
    form: Form = "unknown"
    if _CAPACITY.search(question) and (service is None or service.namespace == "AWS/DynamoDB"):
        service = service or SERVICES[1][1]
        form = "capacity"
    elif threshold and metrics:
        form = "threshold"
    elif _CHANGE.search(question) and metrics:
        form = "change"
    elif _TOP.search(question) and metrics:
        form = "top"
    return Intent(
        form=form,
        service=service,
        metrics=metrics,
        statistic=statistic,
        count=count,
        direction="down" if _DOWN.search(question) else "up",
        threshold=float(threshold.group(2)) if threshold else None,
        above=not (threshold and _BELOW.search(threshold.group(1))),
        resource=resource,
        capacity="Read" if re.search(r"\bread\b", question, re.I) else "Write",
        words=words,
        lowest=bool(re.search(r"\blowest\b|\bleast\b", question, re.I)),
    )


def _statistic(question: str) -> str | None:
    for pattern, name in _STATISTIC_WORDS:
        match = pattern.search(question)
        if match:
            return name or metric_statistic(match.group(1))
    return None


def _resource(question: str) -> str | None:
    for match in _NAMED.finditer(question):
        name = match.group(1) or match.group(2)
        if name and name.lower() not in _NOT_NAMES:
            return name
    return None


def usual_statistic(metric: str) -> str:
    """The statistic a metric is usually read with: counts add up, ages and connection
    counts peak, everything else (utilisation, latency) averages."""
    if _COUNT_METRIC.search(metric):
        return "Sum"
    if _PEAK_METRIC.search(metric):
        return "Maximum"
    return "Average"
