"""AWS backend figures: polling lag and API calls, client reuse, and round trips through
the real boto3 stack against a local moto server (no AWS needed).

Run: .venv/bin/python bench/bench_aws_backend.py
Prints figures; asserts nothing.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

import boto3
from moto.server import ThreadedMotoServer

from agent.config import load_settings
from agent.incident import MetricDimension, TimeRange
from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.aws.clients import get_client
from agent.telemetry.aws.polling import Backoff
from agent.telemetry.base import MetricQuery


def poll_schedule(finish_at: float, intervals: list[float] | None = None) -> tuple[int, float]:
    """Polls made and detection lag (s) for a query that completes `finish_at` s after start."""
    elapsed = 0.0
    source = iter(intervals) if intervals is not None else Backoff().intervals()
    for polls, interval in enumerate(source, start=1):
        if elapsed >= finish_at:
            return polls, elapsed - finish_at
        elapsed += interval
    raise AssertionError("schedule too short")


def report_polling() -> None:
    print("Polling: calls to GetQueryResults and detection lag for a query finishing at T")
    print(f"{'T (s)':>7} | {'back-off 0.1->2 s':>20} | {'fixed 1 s':>14} | {'fixed 5 s':>14}")
    for finish in (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0):
        rows = []
        for schedule in (None, [1.0] * 100, [5.0] * 100):
            polls, lag = poll_schedule(finish, schedule)
            rows.append(f"{polls:>3} calls +{lag:4.2f}s")
        print(f"{finish:>7.1f} | {rows[0]:>20} | {rows[1]:>14} | {rows[2]:>14}")


def report_clients() -> None:
    clear_client_cache()
    started = time.perf_counter()
    get_client("logs", region="us-east-1")
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(1000):
        get_client("logs", region="us-east-1")
    cached = (time.perf_counter() - started) / 1000
    started = time.perf_counter()
    get_client("athena", region="us-east-1")
    second_service = time.perf_counter() - started
    print(
        f"\nClients: first client {first * 1000:.0f} ms (session + model load), another service "
        f"{second_service * 1000:.0f} ms, cached lookup {cached * 1e6:.1f} µs"
    )


def timed(label: str, runs: int, call: object) -> None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    print(
        f"  {label:<44} median {statistics.median(samples):6.1f} ms  p90 {samples[int(runs * 0.9) - 1]:6.1f} ms  (n={runs})"
    )


def report_round_trips() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        settings = load_settings(
            region="us-east-1", model="baseline", endpoint_url=endpoint, log_groups=["/bench/app"]
        )
        backend = AwsBackend(settings)
        now = datetime.now(UTC).replace(microsecond=0)
        window = TimeRange(start=now - timedelta(minutes=30), end=now + timedelta(minutes=1))
        logs = boto3.client("logs", region_name="us-east-1", endpoint_url=endpoint)
        logs.create_log_group(logGroupName="/bench/app")
        logs.create_log_stream(logGroupName="/bench/app", logStreamName="s")
        base = int((now - timedelta(minutes=20)).timestamp() * 1000)
        logs.put_log_events(
            logGroupName="/bench/app",
            logStreamName="s",
            logEvents=[
                {
                    "timestamp": base + i * 100,
                    "message": f"request {i} status={500 if i % 7 == 0 else 200}",
                }
                for i in range(2000)
            ],
        )
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=endpoint)
        cloudwatch.put_metric_data(
            Namespace="Bench",
            MetricData=[
                {
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "Service", "Value": "api"}],
                    "Timestamp": now - timedelta(minutes=m),
                    "Value": float(m),
                }
                for m in range(1, 30)
            ],
        )
        query = MetricQuery(
            id="m1",
            namespace="Bench",
            metric_name="Errors",
            dimensions=[MetricDimension(name="Service", value="api")],
            statistic="Sum",
        )
        print("\nRound trips through boto3 to a local moto server (HTTP on 127.0.0.1):")
        timed(
            "Logs Insights (StartQuery + GetQueryResults)",
            50,
            lambda: backend.run_logs_insights("fields @message | limit 100", [], window),
        )
        timed(
            "Athena (Start + GetQueryExecution + Results)",
            50,
            lambda: backend.run_athena("SELECT 1"),
        )
        timed(
            "GetMetricData (1 series, 30 points)",
            50,
            lambda: backend.get_metric_data([query], window),
        )
        timed("DescribeAlarms", 50, lambda: backend.describe_alarm("none", history_items=0))
    finally:
        server.stop()
        clear_client_cache()


if __name__ == "__main__":
    report_polling()
    report_clients()
    report_round_trips()
