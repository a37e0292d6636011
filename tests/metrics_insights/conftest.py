"""A small, realistic bundle of metric series, as GetMetricData recorded them, for the Metrics
Insights engine: an hour of one-minute datapoints for EC2 instances (and their Auto Scaling
group), Lambda functions, DynamoDB tables and Application Load Balancers.

`reference()` answers a query the straightforward way — filter the series in Python, bucket
and aggregate their points — so the engine's numbers are checked against an independent
computation, not against themselves."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from agent.config import load_settings
from agent.telemetry.local import LocalBackend
from agent.telemetry.types import TimeRange

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOUR = TimeRange(start=START, end=START + timedelta(hours=1))
MINUTES = 60


@dataclass(frozen=True)
class Recorded:
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    values: list[float]  # one per minute from START

    def document(self) -> dict:
        return {
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions.items()],
            "Statistic": self.statistic,
            "Period": 60,
            "Unit": "None",
            "Timestamps": [
                (START + timedelta(minutes=m)).isoformat().replace("+00:00", "Z")
                for m in range(MINUTES)
            ],
            "Values": self.values,
        }


def _wave(base: float, slope: float, wobble: int) -> list[float]:
    return [round(base + slope * m + (m * wobble) % 7, 3) for m in range(MINUTES)]


def recorded_series() -> list[Recorded]:
    series: list[Recorded] = []
    # EC2: four instances (Average and Maximum), the fleet's group, and one undimensioned series.
    for n, (base, slope) in enumerate([(20, 0.1), (35, 0.9), (55, -0.2), (10, 0.05)]):
        instance = f"i-0{n}a1b2c3d4e5f6{n}"
        average = _wave(base, slope, n + 2)
        series.append(
            Recorded("AWS/EC2", "CPUUtilization", {"InstanceId": instance}, "Average", average)
        )
        series.append(
            Recorded(
                "AWS/EC2",
                "CPUUtilization",
                {"InstanceId": instance},
                "Maximum",
                [v + 8 for v in average],
            )
        )
    series.append(
        Recorded(
            "AWS/EC2",
            "CPUUtilization",
            {"AutoScalingGroupName": "web-fleet"},
            "Average",
            _wave(30, 0.2, 3),
        )
    )
    series.append(Recorded("AWS/EC2", "CPUUtilization", {}, "Average", _wave(29, 0.2, 1)))
    # Lambda: Duration (Average), Invocations and Errors (Sum) per function.
    for n, function in enumerate(["orders-put", "orders-get", "payments-capture"]):
        series.append(
            Recorded(
                "AWS/Lambda",
                "Duration",
                {"FunctionName": function},
                "Average",
                _wave(40 + 90 * n, 1.5 * n, n + 1),
            )
        )
        series.append(
            Recorded(
                "AWS/Lambda",
                "Invocations",
                {"FunctionName": function},
                "Sum",
                _wave(100 - 30 * n, 0, n + 3),
            )
        )
        series.append(
            Recorded(
                "AWS/Lambda",
                "Errors",
                {"FunctionName": function},
                "Sum",
                _wave(0, 0.1 * (2 - n), n + 1),
            )
        )
    # DynamoDB: consumed write capacity (Sum and SampleCount) per table; throttles per operation.
    for n, table in enumerate(["orders", "carts", "sessions"]):
        series.append(
            Recorded(
                "AWS/DynamoDB",
                "ConsumedWriteCapacityUnits",
                {"TableName": table},
                "Sum",
                _wave(300 - 80 * n, 2 - n, n + 2),
            )
        )
        series.append(
            Recorded(
                "AWS/DynamoDB",
                "ConsumedWriteCapacityUnits",
                {"TableName": table},
                "SampleCount",
                _wave(60 - 10 * n, 0, 1),
            )
        )
        for operation in ("PutItem", "UpdateItem"):
            series.append(
                Recorded(
                    "AWS/DynamoDB",
                    "ThrottledRequests",
                    {"TableName": table, "Operation": operation},
                    "Sum",
                    _wave(0, 0.3 if table == "orders" else 0, 2),
                )
            )
    # ALB: RequestCount per load balancer, and per load balancer and Availability Zone.
    for n, balancer in enumerate(["app/orders-web/6d0ecf831eec9f09", "app/admin/0a1b2c3d4e5f6a7b"]):
        series.append(
            Recorded(
                "AWS/ApplicationELB",
                "RequestCount",
                {"LoadBalancer": balancer},
                "Sum",
                _wave(900 - 700 * n, 0, 3),
            )
        )
        for zone in ("us-east-1a", "us-east-1b"):
            series.append(
                Recorded(
                    "AWS/ApplicationELB",
                    "RequestCount",
                    {"LoadBalancer": balancer, "AvailabilityZone": zone},
                    "Sum",
                    _wave(450 - 350 * n, 0.5 if zone.endswith("a") else 0, 3),
                )
            )
    return series


@pytest.fixture(scope="session")
def recorded() -> list[Recorded]:
    return recorded_series()


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory, recorded: list[Recorded]) -> Path:
    root = tmp_path_factory.mktemp("metrics-bundle")
    (root / "incident.yaml").write_text(
        yaml.safe_dump(
            {
                "title": "metrics insights fixtures",
                "window": {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"},
            }
        )
    )
    (root / "metrics").mkdir()
    by_namespace: dict[str, list[dict]] = {}
    for series in recorded:
        by_namespace.setdefault(series.namespace, []).append(series.document())
    for namespace, documents in by_namespace.items():
        name = namespace.replace("/", "-").lower()
        (root / "metrics" / f"{name}.json").write_text(json.dumps(documents))
    return root


@pytest.fixture(scope="session")
def backend(bundle: Path) -> Iterator[LocalBackend]:
    local = LocalBackend(bundle, load_settings(model="baseline"))
    yield local
    local.close()


Reference = Callable[..., list[tuple[str, float, list[float]]]]
