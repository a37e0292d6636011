"""Free text plus an explicit range, and the incident a bundle manifest describes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from agent.alarm import AlarmParseError, incident_from_bundle, incident_from_text
from agent.config import Settings
from agent.telemetry.bundle import load_bundle

START = datetime(2026, 3, 2, 9, 45, tzinfo=UTC)
END = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)

MANIFEST = {
    "version": 1,
    "title": "DynamoDB throttling behind the orders API",
    "alarm": {
        "AlarmName": "orders-api-5xx",
        "AlarmDescription": "5XX errors on the orders API",
        "NewStateValue": "ALARM",
        "NewStateReason": "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
        "StateChangeTime": "2026-03-02T10:17:00.000+0000",
        "Region": "us-east-1",
        "Trigger": {
            "MetricName": "5XXError",
            "Namespace": "AWS/ApiGateway",
            "Statistic": "SUM",
            "Period": 60,
            "Threshold": 5.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": [{"name": "ApiName", "value": "orders-api"}],
        },
    },
    "window": {"start": "2026-03-02T09:45:00Z", "end": "2026-03-02T10:30:00Z"},
}


def _bundle(tmp_path: Path, manifest: dict) -> Path:
    (tmp_path / "incident.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return tmp_path


def test_free_text_incident_over_the_given_range() -> None:
    incident = incident_from_text(
        "Checkout returns 500s since the deploy\nsee #incident", START, END
    )

    assert incident.source == "text"
    assert incident.title == "Checkout returns 500s since the deploy"
    assert incident.alarm_description == "Checkout returns 500s since the deploy\nsee #incident"
    assert (incident.window.start, incident.window.end) == (START, END)


def test_free_text_accepts_iso_text_times_and_takes_naive_as_utc() -> None:
    incident = incident_from_text("orders slow", "2026-03-02T09:45:00", "2026-03-02T10:30:00+0000")

    assert (incident.window.start, incident.window.end) == (START, END)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(AlarmParseError) as caught:
        incident_from_text("orders slow", END, START)

    assert caught.value.field == "end"
    assert "after start" in caught.value.expected


def test_empty_range_is_refused() -> None:
    with pytest.raises(AlarmParseError) as caught:
        incident_from_text("orders slow", START, START)

    assert caught.value.field == "end"


def test_range_longer_than_max_window_hours_is_refused() -> None:
    settings = Settings(max_window_hours=2)

    with pytest.raises(AlarmParseError) as caught:
        incident_from_text(
            "orders slow", START, datetime(2026, 3, 2, 12, 0, tzinfo=UTC), settings=settings
        )

    assert "at most 2 h" in caught.value.expected


def test_bad_time_text_is_refused() -> None:
    with pytest.raises(AlarmParseError) as caught:
        incident_from_text("orders slow", "10 minutes ago", END)

    assert caught.value.field == "start"


def test_empty_description_is_refused() -> None:
    with pytest.raises(AlarmParseError) as caught:
        incident_from_text("  ", START, END)

    assert caught.value.field == "text"


def test_bundle_incident_uses_alarm_and_manifest_window(tmp_path: Path, settings: Settings) -> None:
    bundle = load_bundle(_bundle(tmp_path, MANIFEST))

    incident = incident_from_bundle(bundle, settings)

    assert incident.source == "bundle"
    assert incident.title == "DynamoDB throttling behind the orders API"
    assert incident.alarm_name == "orders-api-5xx"
    assert (incident.metric_name, incident.statistic, incident.threshold) == (
        "5XXError",
        "Sum",
        5.0,
    )
    assert incident.state_change_time == datetime(2026, 3, 2, 10, 17, tzinfo=UTC)
    assert (incident.window.start, incident.window.end) == (START, END)  # not the default window


def test_bundle_without_alarm_is_described_by_its_title(tmp_path: Path, settings: Settings) -> None:
    manifest = {key: value for key, value in MANIFEST.items() if key != "alarm"}

    incident = incident_from_bundle(load_bundle(_bundle(tmp_path, manifest)), settings)

    assert (incident.title, incident.alarm_name) == (MANIFEST["title"], None)


def test_bundle_with_malformed_alarm_is_refused(tmp_path: Path, settings: Settings) -> None:
    manifest = {**MANIFEST, "alarm": {**MANIFEST["alarm"], "StateChangeTime": "03/02/2026"}}

    with pytest.raises(AlarmParseError) as caught:
        incident_from_bundle(load_bundle(_bundle(tmp_path, manifest)), settings)

    assert caught.value.field == "StateChangeTime"
