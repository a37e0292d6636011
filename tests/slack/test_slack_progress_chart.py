"""The status message is throttled; the chart marks the alarm and the cited changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.incident import Incident, ProgressEvent
from agent.report import TimelineEntry
from slack_app.chart import LABEL_CHARS, ChangeMark, chart_data, render_png
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
        ChangeMark(
            datetime(2026, 3, 2, 10, 2, 11, tzinfo=UTC), "E2 UpdateTable orders: 100 → 5 WCU", True
        )
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


def _change_report():  # type: ignore[no-untyped-def]
    report = throttling_report()
    dismissed = TimelineEntry(
        time=datetime(2026, 3, 2, 9, 50, 3, tzinfo=UTC),
        event="UpdateFunctionConfiguration on orders-put (timeout=15) by assumed-role/deploy/ci",
        evidence_ids=["E2"],
    )
    return report.model_copy(update={"timeline": [dismissed, *report.timeline]})


def test_the_cause_is_marked_apart_from_the_changes_the_report_dismissed() -> None:
    data = chart_data(_change_report(), _incident(), metric=None)
    assert data is not None
    assert [(m.label, m.cause) for m in data.changes] == [
        ("E2 UpdateFunctionConfiguration on orders-put", False),
        ("E2 UpdateTable orders: 100 → 5 WCU", True),
    ]


def test_every_label_is_short_enough_for_the_legend_and_names_its_evidence_id() -> None:
    report = _change_report()
    long_event = TimelineEntry(
        time=datetime(2026, 3, 2, 9, 55, tzinfo=UTC),
        event="PutRolePolicy on " + "a-very-long-role-name-" * 10,
        evidence_ids=["E2"],
    )
    report = report.model_copy(update={"timeline": [*report.timeline, long_event]})
    data = chart_data(report, _incident(), metric=None)
    assert data is not None
    assert all(len(m.label) <= LABEL_CHARS and m.label.startswith("E2 ") for m in data.changes)
    assert len(data.label) <= LABEL_CHARS


def test_the_alarm_chart_has_the_threshold_the_alarm_time_and_an_axis_label() -> None:
    points = [(datetime(2026, 3, 2, 10, m, tzinfo=UTC), float(m)) for m in range(20)]
    incident = _incident().model_copy(update={"threshold": 5.0})
    data = chart_data(throttling_report(), incident, metric=("5XXError (Sum)", points))
    assert data is not None
    assert (data.threshold, data.alarm_time) == (5.0, datetime(2026, 3, 2, 10, 17, tzinfo=UTC))
    assert data.y_label == "5XXError (Sum)" and data.title == "orders-api-5xx"
    assert render_png(data).startswith(b"\x89PNG")


def test_a_question_driven_chart_shows_the_series_the_answer_relies_on_titled_by_its_name() -> None:
    question = Incident(source="text", title="why does the orders API return 5xx?", window=WINDOW)
    data = chart_data(throttling_report(), question, metric=None)
    assert data is not None
    assert data.title == "E1 · errors per 1m (logs_insights)"
    assert "why does" not in data.title and data.y_label == "errors per 1m"
    assert data.alarm_time is None and data.threshold is None
