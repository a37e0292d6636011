"""What the Slack app needs from the agent, as a small interface.

`ServiceInvestigator` is the real one: it calls `agent.service` (the LangGraph agent, or the
offline baseline with `FA2_MODEL=baseline`) and imports it only when first used, so the
module that acks Slack never pays for the agent stack. Tests inject a fake.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from agent.config import Settings
from agent.incident import Incident
from agent.incident import ProgressCallback as Progress
from agent.report import Report
from agent.telemetry.types import Alarm, metric_statistic

if TYPE_CHECKING:
    from agent.telemetry.base import MetricQuery, QueryResult, TelemetryBackend

Series = list[tuple[datetime, float]]


class ConversationLost(Exception):
    """A follow-up in a thread whose conversation state is gone; the message says what to do."""


class Investigator(Protocol):
    """`workspace` is the Slack team id: the scope past incidents are read and stored under."""

    def investigate(
        self,
        incident: Incident,
        *,
        thread_id: str,
        on_progress: Progress,
        workspace: str | None = None,
    ) -> Report: ...

    def ask(
        self,
        thread_id: str,
        question: str,
        *,
        on_progress: Progress,
        workspace: str | None = None,
    ) -> Report: ...

    def alarm_series(self, incident: Incident) -> tuple[str, Series] | None:
        """The alarm's metric over the incident window (label, points), if there is one."""
        ...

    def thread_report(self, thread_id: str) -> Report | None:
        """The latest report of a thread (its evidence included), None when it is gone."""
        ...

    def thread_incident(self, thread_id: str) -> Incident | None:
        """The incident a thread investigated (its account scopes the thread's memory)."""
        ...


def series_from_metric_result(result: QueryResult) -> Series:
    """Points of the first series in a GetMetricData result, oldest first."""
    return list(result.series[0].points) if result.series else []


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

    def investigate(
        self,
        incident: Incident,
        *,
        thread_id: str,
        on_progress: Progress,
        workspace: str | None = None,
    ) -> Report:
        import agent.service as service

        return service.investigate(
            incident,
            settings=self._settings,
            backend=self._get_backend(),
            thread_id=thread_id,
            on_progress=on_progress,
            workspace=workspace,
        )

    def ask(
        self,
        thread_id: str,
        question: str,
        *,
        on_progress: Progress,
        workspace: str | None = None,
    ) -> Report:
        import agent.service as service

        try:
            return service.ask(
                thread_id,
                question,
                settings=self._settings,
                backend=self._get_backend(),
                on_progress=on_progress,
                workspace=workspace,
            )
        except service.ThreadNotFoundError as exc:
            raise ConversationLost(
                "fa2 no longer has this thread's investigation (its saved state is gone, e.g. "
                "after a restart with in-memory state). Start a new one with /fa2."
            ) from exc

    def thread_report(self, thread_id: str) -> Report | None:
        import agent.service as service

        return service.thread_values(thread_id, self._settings).report

    def thread_incident(self, thread_id: str) -> Incident | None:
        import agent.service as service

        return service.thread_values(thread_id, self._settings).incident

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
        from agent.telemetry.base import MetricQuery

        described: Incident | Alarm = incident
        if not (incident.namespace and incident.metric_name):
            if not incident.alarm_name:
                return None
            alarms = self._get_backend().describe_alarm(incident.alarm_name).alarms
            if not alarms or not alarms[0].metric_name:
                return None
            described = alarms[0]
        statistic = described.statistic or "Average"
        return MetricQuery(
            namespace=described.namespace,
            metric_name=described.metric_name,
            dimensions=list(described.dimensions),
            statistic=metric_statistic(statistic) or statistic,
            period=described.period or 60,
        )
