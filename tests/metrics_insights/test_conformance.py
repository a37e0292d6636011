"""The documented Metrics Insights examples ("Metrics Insights sample queries" and "Building a
rich query step by step" in the CloudWatch User Guide) that this bundle has metrics for, run
on the local engine and checked against a straightforward Python computation over the recorded
series; and one cross-check against a hand-written DuckDB SQL statement."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pytest

from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange
from tests.metrics_insights.conftest import HOUR, START, Recorded

ORDERS_WEB = "app/orders-web/6d0ecf831eec9f09"
EXACT = {"SUM": "Sum", "MIN": "Minimum", "MAX": "Maximum", "COUNT": "SampleCount"}
SERIES_FN = {
    "AVG": lambda v: sum(v) / len(v),
    "SUM": sum,
    "MAX": max,
    "MIN": min,
    "COUNT": len,
}


@dataclass(frozen=True)
class Spec:
    """What a query asks, written out for the reference computation."""

    function: str
    namespace: str
    metric: str
    schema: tuple[str, ...] | None = None
    where: tuple[tuple[str, str, str], ...] = ()
    group_by: tuple[str, ...] = ()
    order: str | None = None
    descending: bool = False
    limit: int | None = None
    period: int = 300
    note: str = field(default="", compare=False)


def _bucket_values(function: str, members: list[list[Recorded]], period: int) -> dict[int, float]:
    """One group's value per period bucket, from the statistic each function reads exactly."""
    buckets: dict[int, list[tuple[float, float]]] = {}
    for stats in members:
        by_stat = {s.statistic: s for s in stats}
        if function == "AVG" and {"Sum", "SampleCount"} <= by_stat.keys():
            pairs = zip(by_stat["Sum"].values, by_stat["SampleCount"].values, strict=True)
        else:
            chosen = (
                by_stat.get(EXACT.get(function, "Average")) or by_stat.get("Average") or stats[0]
            )
            pairs = ((v, 1.0) for v in chosen.values)
        for minute, (value, weight) in enumerate(pairs):
            bucket = int(START.timestamp()) + (minute * 60 // period) * period
            buckets.setdefault(bucket, []).append((value, weight))
    out: dict[int, float] = {}
    for bucket, items in buckets.items():
        values = [v for v, _ in items]
        if function == "AVG":
            weights = sum(w for _, w in items)
            exact = any(w != 1.0 for _, w in items)
            out[bucket] = sum(values) / weights if exact else sum(values) / len(values)
        elif function == "COUNT":
            out[bucket] = sum(values)
        else:
            out[bucket] = SERIES_FN[function](values)
    return out


def reference(recorded: list[Recorded], spec: Spec) -> list[tuple[str, float, list[float]]]:
    """(label, ORDER BY aggregate, values oldest first) per returned series, in answer order."""
    matched: dict[tuple, list[Recorded]] = {}
    for series in recorded:
        if (series.namespace, series.metric) != (spec.namespace, spec.metric):
            continue
        if spec.schema is not None and set(series.dimensions) != set(spec.schema):
            continue
        dims = series.dimensions
        if not all((dims.get(k) == v) == (op == "=") for k, op, v in spec.where):
            continue
        matched.setdefault(tuple(sorted(dims.items())), []).append(series)
    groups: dict[tuple[str, ...], list[list[Recorded]]] = {}
    for key, stats in matched.items():
        label = tuple(dict(key).get(k, "Other") for k in spec.group_by)
        groups.setdefault(label, []).append(stats)
    answers = []
    for label, members in sorted(groups.items()):
        points = _bucket_values(spec.function, members, spec.period)
        values = [points[b] for b in sorted(points)]
        aggregate = SERIES_FN[spec.order or spec.function](values)
        name = " ".join(label) if spec.group_by else f"{spec.function}({spec.metric})"
        answers.append((name, float(aggregate), values))
    if spec.order:
        answers.sort(key=lambda a: a[1], reverse=spec.descending)
    return answers[: spec.limit or 500]


DOCUMENTED: dict[str, Spec] = {
    'SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)': Spec(
        "SUM", "AWS/ApplicationELB", "RequestCount", ("LoadBalancer",)
    ),
    'SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, AvailabilityZone)': Spec(
        "SUM", "AWS/ApplicationELB", "RequestCount", ("LoadBalancer", "AvailabilityZone")
    ),
    f"""SELECT SUM(RequestCount)
FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, AvailabilityZone)
WHERE LoadBalancer = '{ORDERS_WEB}'""": Spec(
        "SUM",
        "AWS/ApplicationELB",
        "RequestCount",
        ("LoadBalancer", "AvailabilityZone"),
        where=(("LoadBalancer", "=", ORDERS_WEB),),
    ),
    f"""SELECT SUM(RequestCount)
FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, AvailabilityZone)
WHERE LoadBalancer = '{ORDERS_WEB}'
GROUP BY AvailabilityZone
ORDER BY MAX() DESC
LIMIT 5""": Spec(
        "SUM",
        "AWS/ApplicationELB",
        "RequestCount",
        ("LoadBalancer", "AvailabilityZone"),
        where=(("LoadBalancer", "=", ORDERS_WEB),),
        group_by=("AvailabilityZone",),
        order="MAX",
        descending=True,
        limit=5,
    ),
    'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC': Spec(
        "AVG",
        "AWS/EC2",
        "CPUUtilization",
        ("InstanceId",),
        group_by=("InstanceId",),
        order="AVG",
        descending=True,
    ),
    'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)': Spec(
        "AVG", "AWS/EC2", "CPUUtilization", ("InstanceId",)
    ),
    'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10': Spec(
        "MAX",
        "AWS/EC2",
        "CPUUtilization",
        ("InstanceId",),
        group_by=("InstanceId",),
        order="MAX",
        descending=True,
        limit=10,
    ),
    'SELECT AVG(CPUUtilization) FROM "AWS/EC2"': Spec("AVG", "AWS/EC2", "CPUUtilization"),
    'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2")': Spec(
        "AVG", "AWS/EC2", "CPUUtilization", ()
    ),
    'SELECT SUM(Invocations) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC': Spec(
        "SUM",
        "AWS/Lambda",
        "Invocations",
        ("FunctionName",),
        group_by=("FunctionName",),
        order="SUM",
        descending=True,
    ),
    'SELECT AVG(Duration) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 10': Spec(
        "AVG",
        "AWS/Lambda",
        "Duration",
        ("FunctionName",),
        group_by=("FunctionName",),
        order="MAX",
        descending=True,
        limit=10,
    ),
    'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT 10': Spec(
        "SUM",
        "AWS/Lambda",
        "Errors",
        ("FunctionName",),
        group_by=("FunctionName",),
        order="SUM",
        descending=True,
        limit=10,
    ),
    # "Top 10 tables by consumed reads", asked of the writes this bundle records.
    'SELECT SUM(ConsumedWriteCapacityUnits) FROM SCHEMA("AWS/DynamoDB", TableName) GROUP BY TableName ORDER BY MAX() DESC LIMIT 10': Spec(
        "SUM",
        "AWS/DynamoDB",
        "ConsumedWriteCapacityUnits",
        ("TableName",),
        group_by=("TableName",),
        order="MAX",
        descending=True,
        limit=10,
    ),
    # Beyond the samples: the other documented clauses and rules.
    'SELECT AVG(ConsumedWriteCapacityUnits) FROM SCHEMA("AWS/DynamoDB", TableName) GROUP BY TableName': Spec(
        "AVG",
        "AWS/DynamoDB",
        "ConsumedWriteCapacityUnits",
        ("TableName",),
        group_by=("TableName",),
    ),
    "SELECT SUM(ThrottledRequests) FROM SCHEMA(\"AWS/DynamoDB\", TableName, Operation) WHERE Operation != 'UpdateItem' AND TableName = 'orders' GROUP BY TableName": Spec(
        "SUM",
        "AWS/DynamoDB",
        "ThrottledRequests",
        ("TableName", "Operation"),
        where=(("Operation", "!=", "UpdateItem"), ("TableName", "=", "orders")),
        group_by=("TableName",),
    ),
    'SELECT AVG(CPUUtilization) FROM "AWS/EC2" GROUP BY InstanceId ORDER BY MIN() ASC LIMIT 3': Spec(
        "AVG",
        "AWS/EC2",
        "CPUUtilization",
        group_by=("InstanceId",),
        order="MIN",
        limit=3,
    ),
    'select min(CPUUtilization) from schema("AWS/EC2", InstanceId) group by InstanceId order by count() desc': Spec(
        "MIN",
        "AWS/EC2",
        "CPUUtilization",
        ("InstanceId",),
        group_by=("InstanceId",),
        order="COUNT",
        descending=True,
    ),
}


@pytest.mark.parametrize("query", list(DOCUMENTED), ids=range(len(DOCUMENTED)))
def test_documented_query_matches_the_straightforward_computation(
    backend: LocalBackend, recorded: list[Recorded], query: str
) -> None:
    spec = DOCUMENTED[query]
    result = backend.run_metrics_insights(query, HOUR, period_seconds=spec.period)
    expected = reference(recorded, spec)

    assert result.status == "ok"
    assert result.columns == ["label", "dimensions", "aggregate", "points"]
    assert [row[0] for row in result.rows] == [label for label, _, _ in expected]
    for row, series, (label, aggregate, values) in zip(
        result.rows, result.series, expected, strict=True
    ):
        assert float(row[2] or "nan") == pytest.approx(aggregate, rel=1e-9), label
        assert [v for _, v in series.points] == pytest.approx(values, rel=1e-9), label
        assert len(series.points) == 60 * 60 // spec.period


def test_group_by_lists_series_lacking_the_key_as_other(backend: LocalBackend) -> None:
    result = backend.run_metrics_insights(
        'SELECT AVG(CPUUtilization) FROM "AWS/EC2" GROUP BY InstanceId', HOUR
    )
    labels = [row[0] for row in result.rows]
    assert labels == sorted(labels)  # GROUP BY alone: alphabetical by label
    [other] = [row for row in result.rows if row[0] == "Other"]
    assert other[1] == "InstanceId=Other"


def test_the_local_result_equals_a_hand_written_duckdb_statement(
    backend: LocalBackend, recorded: list[Recorded]
) -> None:
    """Top 2 tables by the maximum 5-minute Sum of consumed writes, in plain SQL over the
    recorded points."""
    result = backend.run_metrics_insights(
        'SELECT SUM(ConsumedWriteCapacityUnits) FROM SCHEMA("AWS/DynamoDB", TableName) '
        "GROUP BY TableName ORDER BY MAX() DESC LIMIT 2",
        HOUR,
        period_seconds=300,
    )
    rows = [
        (s.dimensions["TableName"], m, v)
        for s in recorded
        if s.metric == "ConsumedWriteCapacityUnits" and s.statistic == "Sum"
        for m, v in enumerate(s.values)
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE points (tbl VARCHAR, minute INTEGER, value DOUBLE)")
    con.executemany("INSERT INTO points VALUES (?, ?, ?)", rows)
    expected = con.execute(
        """
        WITH buckets AS (
            SELECT tbl, minute // 5 AS bucket, sum(value) AS total FROM points GROUP BY tbl, bucket
        )
        SELECT tbl, max(total) FROM buckets GROUP BY tbl ORDER BY max(total) DESC LIMIT 2
        """
    ).fetchall()
    assert [(row[0], float(row[2] or 0)) for row in result.rows] == [
        (tbl, pytest.approx(top)) for tbl, top in expected
    ]


def test_a_narrower_range_reads_only_its_datapoints(backend: LocalBackend) -> None:
    quarter = TimeRange(start=HOUR.start, end=HOUR.start.replace(minute=15))
    result = backend.run_metrics_insights(
        'SELECT SUM(Invocations) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName',
        quarter,
    )
    assert {len(s.points) for s in result.series} == {15}
    assert result.statistics["period_seconds"] == 60


def test_limit_keeps_the_total_number_of_series(backend: LocalBackend) -> None:
    result = backend.run_metrics_insights(
        'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId '
        "ORDER BY MAX() DESC LIMIT 2",
        HOUR,
    )
    assert (len(result.rows), result.total_rows, result.truncated) == (2, 4, True)


def test_avg_of_recorded_averages_says_it_is_approximate(backend: LocalBackend) -> None:
    result = backend.run_metrics_insights('SELECT AVG(CPUUtilization) FROM "AWS/EC2"', HOUR)
    assert result.error is not None and "approximate" in result.error


def test_an_approximate_answer_names_the_statistic_it_was_computed_from(
    backend: LocalBackend,
) -> None:
    result = backend.run_metrics_insights('SELECT AVG(CPUUtilization) FROM "AWS/EC2"', HOUR)
    assert result.error is not None
    assert "computed from the series' recorded statistic (Average)" in result.error


def test_nothing_matched_is_empty_and_names_the_values_there_are(backend: LocalBackend) -> None:
    result = backend.run_metrics_insights(
        "SELECT SUM(Errors) FROM \"AWS/Lambda\" WHERE FunctionName = 'orders-delete'", HOUR
    )
    assert result.status == "empty"
    assert result.error is not None
    assert "orders-get, orders-put, payments-capture" in result.error
