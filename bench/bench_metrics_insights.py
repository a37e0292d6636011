"""What the local Metrics Insights engine costs over a large bundle: 300 EC2 instances x 14 days
of 5-minute CPUUtilization (1.2 M datapoints). Prints the first query's time (DuckDB reads the JSON files), the
median time of a top-10 query (`SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)
GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10`, hourly period) and of the hand-written
DuckDB statement computing the same answer over the same table, and their ratio. Asserts
nothing.

    .venv/bin/python bench/bench_metrics_insights.py [--instances N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

QUERY = (
    'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) '
    "GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10"
)
RAW_SQL = """
    WITH buckets AS (
        SELECT sid, floor(ts / 3600) * 3600 AS bucket, max(value) AS value
        FROM metrics_insights_points GROUP BY sid, bucket
    )
    SELECT sid, max(value) AS top FROM buckets GROUP BY sid ORDER BY top DESC LIMIT 10
"""
START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 14


def _write_bundle(root: Path, instances: int) -> int:
    (root / "metrics").mkdir(parents=True)
    (root / "incident.yaml").write_text(
        f'title: bench\nwindow: {{start: "{START.isoformat()}", '
        f'end: "{(START + timedelta(days=DAYS)).isoformat()}"}}\n'
    )
    stamps = [
        (START + timedelta(minutes=5 * i)).isoformat().replace("+00:00", "Z")
        for i in range(DAYS * 288)
    ]
    series = [
        {
            "Namespace": "AWS/EC2",
            "MetricName": "CPUUtilization",
            "Dimensions": [{"Name": "InstanceId", "Value": f"i-{n:017x}"}],
            "Statistic": "Maximum",
            "Period": 300,
            "Timestamps": stamps,
            "Values": [float((n * 37 + i * 11) % 100) for i in range(len(stamps))],
        }
        for n in range(instances)
    ]
    (root / "metrics" / "ec2.json").write_text(json.dumps(series))
    return instances * len(stamps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from agent.config import load_settings
    from agent.telemetry.local import LocalBackend
    from agent.telemetry.types import TimeRange

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "bench-bundle"
        points = _write_bundle(root, args.instances)
        backend = LocalBackend(root, load_settings(model="baseline"))
        window = TimeRange(start=START, end=START + timedelta(days=DAYS))
        began = time.perf_counter()
        backend.run_metrics_insights(QUERY, window, 3600)  # DuckDB reads the JSON, then runs
        first = time.perf_counter() - began
        began = time.perf_counter()
        backend.list_metrics()  # the GetMetricData reader parses the same files in Python
        parsed = time.perf_counter() - began

        def timed(run: object) -> float:
            samples = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                run()  # type: ignore[operator]
                samples.append(time.perf_counter() - t0)
            return statistics.median(samples)

        engine = timed(lambda: backend.run_metrics_insights(QUERY, window, 3600))
        cursor = backend._con.cursor()
        raw = timed(lambda: cursor.execute(RAW_SQL).fetchall())
        backend.close()
    print(f"{args.instances} series, {points:,} datapoints over {DAYS} days")
    print(f"first query (DuckDB read_json of the bundle + run): {first:.2f} s")
    print(f"for scale: the GetMetricData reader parsing the same files in Python: {parsed:.2f} s")
    print(f"top-10 query, median of {args.runs}: {engine * 1000:.1f} ms")
    print(f"hand-written DuckDB SQL, same answer: {raw * 1000:.1f} ms")
    print(f"ratio engine / raw SQL: {engine / raw:.2f}x")


if __name__ == "__main__":
    main()
