"""Two backends over the same incident: the local one reading the demo bundle, and the AWS
one reading moto, seeded with the very same bundle data (log events, trace segments,
metric datapoints, the alarm). The contract tests then ask both the same questions."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.logs import models as moto_logs_models

from agent.config import Settings, load_settings
from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.base import TelemetryBackend
from agent.telemetry.bundle import Bundle, iter_lines, load_bundle

BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "dynamodb-throttling"
LOG_GROUP = "/aws/lambda/orders-put"
FAKE_CREDENTIALS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}


def contract_settings() -> Settings:
    return load_settings(
        region="us-east-1",
        model="baseline",
        log_groups=[LOG_GROUP],
        athena_output_location="s3://fa2-athena-results/contract/",
    )


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return load_bundle(BUNDLE)


@pytest.fixture(scope="session")
def local_backend(bundle: Bundle) -> TelemetryBackend:
    try:
        from agent.telemetry.local import LocalBackend  # type: ignore[attr-defined]
    except ImportError:
        pytest.skip("agent.telemetry.local.LocalBackend (issue 4) is not written yet")
    backend: TelemetryBackend = LocalBackend(BUNDLE, contract_settings())
    return backend


def _json_documents(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _seed_logs(bundle: Bundle) -> None:
    """PutLogEvents refuses events older than 14 days, in AWS and in moto; the bundle is
    older, so moto's clock is set to the end of the incident while the events go in."""
    logs = boto3.client("logs", **FAKE_CREDENTIALS)
    incident_end = bundle.window.end.replace(tzinfo=None)  # moto's utcnow() is naive UTC
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto_logs_models, "utcnow", lambda: incident_end)
        _put_log_events(logs, bundle)


def _put_log_events(logs: Any, bundle: Bundle) -> None:
    streams: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path in bundle.source_files("logs"):
        for _number, line in iter_lines(path):
            event = json.loads(line)
            streams.setdefault((event["logGroup"], event["logStream"]), []).append(
                {"timestamp": event["timestamp"], "message": event["message"]}
            )
    for group in sorted({group for group, _ in streams}):
        logs.create_log_group(logGroupName=group)
    for (group, stream), events in streams.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        events.sort(key=lambda e: e["timestamp"])
        for start in range(0, len(events), 5000):
            logs.put_log_events(
                logGroupName=group, logStreamName=stream, logEvents=events[start : start + 5000]
            )


def _seed_traces(bundle: Bundle) -> None:
    xray = boto3.client("xray", **FAKE_CREDENTIALS)
    documents = [
        segment["Document"]
        for path in bundle.source_files("xray")
        for trace in _json_documents(path)["Traces"]
        for segment in trace["Segments"]
    ]
    for start in range(0, len(documents), 100):
        xray.put_trace_segments(TraceSegmentDocuments=documents[start : start + 100])


def _seed_metrics_and_alarm(bundle: Bundle) -> None:
    cloudwatch = boto3.client("cloudwatch", **FAKE_CREDENTIALS)
    for path in bundle.source_files("metrics"):
        documents = _json_documents(path)
        for series in documents if isinstance(documents, list) else [documents]:
            data = [
                {
                    "MetricName": series["MetricName"],
                    "Dimensions": series["Dimensions"],
                    "Timestamp": datetime.fromisoformat(ts.replace("Z", "+00:00")),
                    "Value": float(value),
                    "Unit": series.get("Unit") or "None",
                }
                for ts, value in zip(series["Timestamps"], series["Values"], strict=True)
            ]
            for start in range(0, len(data), 500):
                cloudwatch.put_metric_data(
                    Namespace=series["Namespace"], MetricData=data[start : start + 500]
                )
    alarm = bundle.manifest.alarm
    trigger = alarm["Trigger"]
    cloudwatch.put_metric_alarm(
        AlarmName=alarm["AlarmName"],
        AlarmDescription=alarm.get("AlarmDescription", ""),
        Namespace=trigger["Namespace"],
        MetricName=trigger["MetricName"],
        Dimensions=[{"Name": d["name"], "Value": d["value"]} for d in trigger["Dimensions"]],
        Statistic=trigger["Statistic"].title(),
        Period=int(trigger["Period"]),
        EvaluationPeriods=int(trigger["EvaluationPeriods"]),
        Threshold=float(trigger["Threshold"]),
        ComparisonOperator=trigger["ComparisonOperator"],
    )
    cloudwatch.set_alarm_state(
        AlarmName=alarm["AlarmName"],
        StateValue=alarm["NewStateValue"],
        StateReason=alarm["NewStateReason"],
    )


@pytest.fixture(scope="module")
def aws_backend(bundle: Bundle) -> Iterator[AwsBackend]:
    """moto in-process, holding the bundle's telemetry (seeded once per module: it takes a
    few seconds; module scope so the mock never outlives these tests)."""
    with mock_aws():
        clear_client_cache()
        _seed_logs(bundle)
        _seed_traces(bundle)
        _seed_metrics_and_alarm(bundle)
        yield AwsBackend(contract_settings())
    clear_client_cache()
