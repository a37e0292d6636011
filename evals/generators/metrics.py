"""CloudWatch metric series in the bundle's `metrics/*.json` shape (one minute per point)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evals.generators.common import BundleWriter


def minute_key(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


@dataclass
class MetricFile:
    """Series grouped by namespace, written as one file per namespace."""

    marks: list[datetime]
    series: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(
        self,
        namespace: str,
        name: str,
        dimensions: dict[str, str],
        values_by_minute: dict[datetime, float],
        *,
        unit: str = "Count",
        statistic: str = "Sum",
        fill: float | None = 0.0,
    ) -> None:
        """Add one series; minutes with no value get `fill`, or are left out when fill is None
        (CloudWatch returns no datapoint for a minute without data)."""
        stamps, values = [], []
        for mark in self.marks:
            value = values_by_minute.get(mark, fill)
            if value is None:
                continue
            stamps.append(mark.strftime("%Y-%m-%dT%H:%M:%SZ"))
            values.append(round(float(value), 2))
        self.series[namespace].append(
            {
                "Namespace": namespace,
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                "Unit": unit,
                "Statistic": statistic,
                "Period": 60,
                "Timestamps": stamps,
                "Values": values,
            }
        )

    def write(self, writer: BundleWriter) -> None:
        for namespace, series in sorted(self.series.items()):
            slug = namespace.replace("AWS/", "").replace("/", "-").lower()
            writer.json(f"metrics/{slug}.json", series, indent=1)


def count_by_minute(times: list[datetime]) -> dict[datetime, float]:
    return {k: float(v) for k, v in Counter(minute_key(t) for t in times).items()}


def sum_by_minute(points: list[tuple[datetime, float]]) -> dict[datetime, float]:
    out: dict[datetime, float] = defaultdict(float)
    for at, value in points:
        out[minute_key(at)] += value
    return dict(out)


def mean_by_minute(points: list[tuple[datetime, float]]) -> dict[datetime, float]:
    sums: dict[datetime, float] = defaultdict(float)
    counts: Counter[datetime] = Counter()
    for at, value in points:
        sums[minute_key(at)] += value
        counts[minute_key(at)] += 1
    return {k: sums[k] / counts[k] for k in sums}


def max_by_minute(points: list[tuple[datetime, float]]) -> dict[datetime, float]:
    out: dict[datetime, float] = {}
    for at, value in points:
        key = minute_key(at)
        out[key] = max(out.get(key, value), value)
    return out


def add_lambda_metrics(
    metrics: MetricFile, function: str, invocations: list[tuple[datetime, float, bool]]
) -> None:
    """AWS/Lambda Invocations, Errors, Throttles (none) and Duration of one function from its
    invocations as (start, duration in ms, failed)."""
    dims = {"FunctionName": function}
    metrics.add("AWS/Lambda", "Invocations", dims, count_by_minute([i[0] for i in invocations]))
    metrics.add("AWS/Lambda", "Errors", dims, count_by_minute([i[0] for i in invocations if i[2]]))
    metrics.add("AWS/Lambda", "Throttles", dims, {})
    metrics.add(
        "AWS/Lambda",
        "Duration",
        dims,
        mean_by_minute([(i[0], i[1]) for i in invocations]),
        unit="Milliseconds",
        statistic="Average",
        fill=None,
    )


def add_kinesis_consumer_metrics(
    metrics: MetricFile,
    function: str,
    stream: str,
    *,
    ages: list[tuple[datetime, float]],
    invocations: list[tuple[datetime, float, bool]],
    incoming: dict[datetime, float],
) -> dict[datetime, float]:
    """A Lambda function reading a Kinesis stream: its IteratorAge (the oldest record's age
    in ms when a batch starts, as (start, age)), its invocation metrics, and the records
    the stream took in per minute. Returns IteratorAge by minute, what the alarm watches."""
    iterator_age = max_by_minute(ages)
    metrics.add(
        "AWS/Lambda",
        "IteratorAge",
        {"FunctionName": function},
        iterator_age,
        unit="Milliseconds",
        statistic="Maximum",
        fill=None,
    )
    add_lambda_metrics(metrics, function, invocations)
    metrics.add("AWS/Kinesis", "IncomingRecords", {"StreamName": stream}, incoming)
    return iterator_age


def add_queue_metrics(
    metrics: MetricFile,
    queue: str,
    *,
    sent: list[datetime],
    received: list[datetime],
    deleted: list[datetime],
    backlog: list[tuple[datetime, float]],
    oldest_age: list[tuple[datetime, float]],
) -> dict[datetime, float]:
    """The AWS/SQS series of one queue from its sends, receives and deletes, and samples of
    its visible backlog and of its oldest message's age in seconds. Returns that age by
    minute (ApproximateAgeOfOldestMessage), what a stalled-consumer alarm watches."""
    q = {"QueueName": queue}
    metrics.add("AWS/SQS", "NumberOfMessagesSent", q, count_by_minute(sent))
    metrics.add("AWS/SQS", "NumberOfMessagesReceived", q, count_by_minute(received))
    metrics.add("AWS/SQS", "NumberOfMessagesDeleted", q, count_by_minute(deleted))
    metrics.add(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        q,
        max_by_minute(backlog),
        statistic="Maximum",
    )
    age = max_by_minute(oldest_age)
    metrics.add(
        "AWS/SQS", "ApproximateAgeOfOldestMessage", q, age, unit="Seconds", statistic="Maximum"
    )
    return age


def add_table_write_metrics(
    metrics: MetricFile,
    table: str,
    *,
    consumed: list[tuple[datetime, float]],
    provisioned: Callable[[datetime], float],
    throttles: list[tuple[datetime, float]],
) -> None:
    """A provisioned DynamoDB table's write side: the capacity units its writes consumed,
    the provisioned capacity in force each minute, and its write throttle events."""
    t = {"TableName": table}
    metrics.add("AWS/DynamoDB", "ConsumedWriteCapacityUnits", t, sum_by_minute(consumed))
    metrics.add(
        "AWS/DynamoDB",
        "ProvisionedWriteCapacityUnits",
        t,
        {m: provisioned(m) for m in metrics.marks},
        statistic="Average",
    )
    metrics.add("AWS/DynamoDB", "WriteThrottleEvents", t, sum_by_minute(throttles))
