"""What the Slack app needs from the agent, as a small interface.

`ServiceInvestigator` is the real one: it calls `agent.service` (the LangGraph agent, or the
offline baseline with `FA2_MODEL=baseline`) and imports it only when first used, so the
module that acks Slack never pays for the agent stack. Tests inject a fake.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from agent.config import Settings
from agent.incident import Incident, ProgressEvent
from agent.report import Report

if TYPE_CHECKING:
    from agent.telemetry.base import MetricQuery, QueryResult, TelemetryBackend

Progress = Callable[[ProgressEvent], None]
Series = list[tuple[datetime, float]]


class ConversationLost(Exception):
    """A follow-up in a thread whose conversation state is gone; the message says what to do."""


class Investigator(Protocol):
    def investigate(
        self, incident: Incident, *, thread_id: str, on_progress: Progress
    ) -> Report: ...

    def ask(self, thread_id: str, question: str, *, on_progress: Progress) -> Report: ...

    def alarm_series(self, incident: Incident) -> tuple[str, Series] | None:
        """The alarm's metric over the incident window (label, points), if there is one."""
        ...


def series_from_metric_result(result: QueryResult) -> Series:
    """Points of the first series in a GetMetricData-shaped result, oldest first."""
    points: Series = []
    if result.raw and result.raw.get("MetricDataResults"):
        first = result.raw["MetricDataResults"][0]
        for stamp, value in zip(first.get("Timestamps", []), first.get("Values", []), strict=False):
            when = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
            points.append((when, float(value)))
    else:
        columns = [c.lower() for c in result.columns]
        time_col = next((i for i, c in enumerate(columns) if "time" in c), None)
        value_col = next((i for i, c in enumerate(columns) if c in ("value", "values")), None)
        if time_col is not None and value_col is not None:
            for row in result.rows:
                if row[time_col] and row[value_col] not in (None, ""):
                    stamp = str(row[time_col]).replace("Z", "+00:00")
                    points.append((datetime.fromisoformat(stamp), float(str(row[value_col]))))
    return sorted(points)


class ServiceInvestigator:
    """`agent.service` behind the `Investigator` interface; one backend for the app's life."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._backend: TelemetryBackend | None = None
        self._lock = threading.Lock()

    def _get_backend(self) -> TelemetryBackend:
        import agent.service as service

        with self._lock:
            if self._backend is None:
                self._backend = service.build_backend(self._settings)
            return self._backend

    def investigate(self, incident: Incident, *, thread_id: str, on_progress: Progress) -> Report:
        import agent.service as service

        return service.investigate(
            incident,
            settings=self._settings,
            backend=self._get_backend(),
            thread_id=thread_id,
            on_progress=on_progress,
        )

    def ask(self, thread_id: str, question: str, *, on_progress: Progress) -> Report:
        import agent.service as service

        try:
            return service.ask(
                thread_id,
                question,
                settings=self._settings,
                backend=self._get_backend(),
                on_progress=on_progress,
            )
        except service.ThreadNotFoundError as exc:
            raise ConversationLost(
                "fa2 no longer has this thread's investigation (its saved state is gone, e.g. "
                "after a restart with in-memory state). Start a new one with /fa2."
            ) from exc

    def alarm_series(self, incident: Incident) -> tuple[str, Series] | None:
        query = self._alarm_metric(incident)
        if query is None:
            return None
        result = self._get_backend().get_metric_data([query], incident.window)
        points = series_from_metric_result(result)
        return (f"{query.metric_name} ({query.statistic})", points) if points else None

    def _alarm_metric(self, incident: Incident) -> MetricQuery | None:
        """The alarm's metric: from the incident, else from DescribeAlarms (Chatbot messages
        name the alarm but not its metric)."""
        from agent.telemetry.base import MetricDimension, MetricQuery

        if incident.namespace and incident.metric_name:
            return MetricQuery(
                namespace=incident.namespace,
                metric_name=incident.metric_name,
                dimensions=incident.dimensions,
                statistic=_cloudwatch_statistic(incident.statistic),
                period=incident.period or 60,
            )
        if not incident.alarm_name:
            return None
        raw = self._get_backend().describe_alarm(incident.alarm_name).raw or {}
        alarms = raw.get("MetricAlarms") or []
        if not alarms or not alarms[0].get("MetricName"):
            return None
        alarm = alarms[0]
        return MetricQuery(
            namespace=alarm.get("Namespace"),
            metric_name=alarm["MetricName"],
            dimensions=[
                MetricDimension(name=d["Name"], value=d["Value"])
                for d in alarm.get("Dimensions", [])
            ],
            statistic=_cloudwatch_statistic(alarm.get("Statistic")),
            period=int(alarm.get("Period") or 60),
        )


def _cloudwatch_statistic(value: Any) -> str:
    """SNS notifications say `SUM`; GetMetricData wants `Sum`."""
    names = {"sum": "Sum", "average": "Average", "minimum": "Minimum", "maximum": "Maximum"}
    text = str(value or "Average")
    return names.get(text.lower(), "SampleCount" if text.lower() == "samplecount" else text)
