"""The status message is throttled; the chart marks the alarm and the cited changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.incident import Incident, ProgressEvent
from slack_app.chart import chart_data, render_png
from slack_app.investigator import series_from_metric_result
from slack_app.progress import StatusMessage
from tests.slack.reports import WINDOW, throttling_report


class _Client:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    def chat_update(self, **kwargs: Any) -> None:
        self.updates.append(kwargs)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_updates_at_most_once_per_interval_and_always_at_the_end() -> None:
    client, clock = _Client(), _Clock()
    status = StatusMessage(
        client, channel="C1", ts="1.1", title="orders-api-5xx", min_interval=1.0, clock=clock
    )
    for step in range(10):  # ten events within 0.9 s
        status(
            ProgressEvent(
                kind="query", message=f"fields @message | limit {step}", step=1, tool_calls=step
            )
        )
        clock.now += 0.09
    clock.now += 1.0
    status(ProgressEvent(kind="step", message="investigate", step=2, tool_calls=10))
    status.finish("Done")
    assert len(client.updates) == 3
    assert {u["ts"] for u in client.updates} == {"1.1"}
    assert "limit 0" in str(client.updates[0]["blocks"]) and "✅" in client.updates[-1][
        "text"
    ] + str(client.updates[-1]["blocks"])


def _incident() -> Incident:
    return Incident(
        source="chatbot",
        title="orders-api-5xx in ALARM",
        alarm_name="orders-api-5xx",
        state_change_time=datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
        window=WINDOW,
    )


def test_without_a_metric_the_chart_shows_the_error_rate_from_the_evidence_and_the_cited_change() -> (
    None
):
    data = chart_data(throttling_report(), _incident(), metric=None)
    assert data is not None
    assert data.label.startswith("E1") and len(data.points) == 20
    assert data.changes == [
        (datetime(2026, 3, 2, 10, 2, 11, tzinfo=UTC), "UpdateTable orders: 100 → 5 WCU")
    ]
    assert data.alarm_time == datetime(2026, 3, 2, 10, 17, tzinfo=UTC)
    assert render_png(data).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_alarm_metric_is_preferred_and_read_from_a_get_metric_data_result() -> None:
    from agent.telemetry.shapes import from_metric_data

    result = from_metric_data(
        {
            "MetricDataResults": [
                {
                    "Id": "m1",
                    "Label": "5XXError",
                    "Timestamps": ["2026-03-02T10:01:00+00:00", "2026-03-02T10:00:00+00:00"],
                    "Values": [7.0, 0.0],
                }
            ]
        },
    )
    points = series_from_metric_result(result)
    assert points == [
        (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), 0.0),
        (datetime(2026, 3, 2, 10, 1, tzinfo=UTC), 7.0),
    ]
    data = chart_data(throttling_report(), _incident(), metric=("5XXError (Sum)", points))
    assert data is not None and data.label == "5XXError (Sum)"
