"""A realistic report (the DynamoDB throttling demo incident) and a scripted investigator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from agent.incident import Incident, ProgressEvent, TimeRange
from agent.report import Confidence, Evidence, Hypothesis, Report, TimelineEntry, Usage

WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 9, 47, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 22, tzinfo=UTC)
)
LOGS_QUERY = (
    "fields @timestamp, @message | filter @message like /ProvisionedThroughputExceededException/ "
    "| stats count(*) as errors by bin(1m) | sort @timestamp asc"
)
CLOUDTRAIL_SQL = (
    "SELECT eventtime, eventname, json_extract_scalar(requestparameters, '$.tableName') AS table_name "
    "FROM aiops_db.cloud_trail_logs WHERE eventsource = 'dynamodb.amazonaws.com' AND readonly = 'false'"
)


def throttling_report() -> Report:
    per_minute = [
        [f"2026-03-02 10:{minute:02d}:00.000", str(count)]
        for minute, count in zip(
            range(0, 20), [0, 0, 3, 18, 41, 57, 60, 62, 58, 61] * 2, strict=False
        )
    ]
    evidence = [
        Evidence(
            id="E1",
            tool="logs_insights",
            source="logs",
            query=LOGS_QUERY,
            time_range=WINDOW,
            row_count=len(per_minute),
            columns=["bin(1m)", "errors"],
            rows=per_minute,
            link="https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights",
        ),
        Evidence(
            id="E2",
            tool="athena_cloudtrail",
            source="athena",
            query=CLOUDTRAIL_SQL,
            row_count=1,
            columns=["eventtime", "eventname", "table_name"],
            rows=[["2026-03-02T10:02:11Z", "UpdateTable", "orders"]],
            link="bundle://dynamodb-throttling/cloudtrail",
        ),
    ]
    return Report(
        title="orders-api-5xx: DynamoDB write throttling after a capacity change",
        summary=(
            "PutItem calls to table `orders` are throttled (ProvisionedThroughputExceededException) "
            "since 10:02, right after UpdateTable lowered write capacity from 100 to 5 WCU. "
            "A log line even says <!channel> please look & fix <@U123ADMIN>."
        ),
        hypotheses=[
            Hypothesis(
                statement="UpdateTable lowered the write capacity of `orders` to 5 WCU",
                confidence=Confidence.high,
                reasoning="Throttling starts within a minute of the change and affects only PutItem.",
                evidence_ids=["E1", "E2"],
                category="capacity",
            ),
            Hypothesis(
                statement="The Lambda timeout change at 09:50 slowed requests",
                confidence=Confidence.low,
                reasoning="No latency change around 09:50.",
                evidence_ids=[],
                category="configuration",
            ),
        ],
        timeline=[
            TimelineEntry(
                time=datetime(2026, 3, 2, 10, 2, 11, tzinfo=UTC),
                event="UpdateTable orders: 100 → 5 WCU",
                evidence_ids=["E2"],
            ),
            TimelineEntry(
                time=datetime(2026, 3, 2, 10, 3, tzinfo=UTC),
                event="First throttled PutItem",
                evidence_ids=["E1"],
            ),
        ],
        impact="About 60 failed orders a minute.",
        actions=["Restore write capacity of `orders` to 100 WCU", "Switch the table to on-demand"],
        evidence=evidence,
        usage=Usage(steps=4, tool_calls=7, wall_seconds=12.4, cost_usd=0.0),
        model="baseline",
        rule_based=True,
        window=WINDOW,
    )


def followup_answer(question: str) -> str:
    return (
        f"About “{question}”: the first throttled PutItem came at 10:03 [E1], a minute after "
        "UpdateTable lowered the write capacity [E2]."
    )


class ScriptedInvestigator:
    """Stands in for the agent: reports progress like the graph does and returns a report."""

    def __init__(
        self,
        report: Report | None = None,
        *,
        fail: bool = False,
        gate: threading.Event | None = None,
    ) -> None:
        self.report = report or throttling_report()
        self.fail = fail
        self.gate = gate  # when set, investigations wait on it (to test concurrency limits)
        self.investigations: list[tuple[Incident, str]] = []
        self.questions: list[tuple[str, str]] = []
        self.workspaces: list[str | None] = []  # the workspace each run was scoped to

    def _progress(self, on_progress) -> None:  # type: ignore[no-untyped-def]
        on_progress(ProgressEvent(kind="step", message="triage", step=1))
        on_progress(ProgressEvent(kind="query", message=LOGS_QUERY, step=1, tool_calls=1))
        on_progress(ProgressEvent(kind="result", message="E1: 20 rows", step=1, tool_calls=1))

    def investigate(
        self, incident: Incident, *, thread_id: str, on_progress: Any, workspace: str | None = None
    ) -> Report:
        self.investigations.append((incident, thread_id))
        self.workspaces.append(workspace)
        if self.gate is not None:
            self.gate.wait(10)
        self._progress(on_progress)
        if self.fail:
            raise RuntimeError(
                "Bedrock said: AccessDeniedException arn:aws:iam::123456789012:role/secret"
            )
        return self.report

    def ask(
        self, thread_id: str, question: str, *, on_progress: Any, workspace: str | None = None
    ) -> Report:
        self.questions.append((thread_id, question))
        self.workspaces.append(workspace)
        self._progress(on_progress)
        return self.report.model_copy(update={"summary": followup_answer(question)})

    def alarm_series(self, incident: Incident):  # type: ignore[no-untyped-def]
        return None

    def thread_report(self, thread_id: str) -> Report | None:
        return self.report

    def thread_incident(self, thread_id: str) -> Incident | None:
        return next((i for i, t in reversed(self.investigations) if t == thread_id), None)
