"""The public API of the investigation, used by every door (CLI, Slack, alarm events, evals).

build_backend(settings) -> TelemetryBackend
investigate(incident, settings=..., backend=None, thread_id=None, on_progress=None, chat_model=None) -> Report
ask(thread_id, question, settings=..., backend=None, on_progress=None, chat_model=None) -> Report
render_markdown(report) -> str
findings_report_from_settings(days=7, bundle=None, settings=None, language=None) -> FindingsReport
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agent.alarm import analysis_window, incident_from_alarm
from agent.budget import Budget
from agent.chat_model import Briefing, InvestigatorModel
from agent.checkpoints import open_checkpointer
from agent.config import Settings
from agent.graph import build_graph
from agent.incident import Incident, ProgressCallback, TimeRange
from agent.ledger import EvidenceLedger
from agent.memory import IncidentMemory, memory_scope, open_memory
from agent.memory.bundle import PastIncidentFileError, with_bundle_incidents
from agent.memory.record import remember
from agent.redact import redact
from agent.report import Evidence, Report
from agent.report.markdown import render_markdown
from agent.run_context import InvestigationContext
from agent.state import InvestigationState, ThreadValues
from agent.telemetry.base import TelemetryBackend, TelemetryUnavailableError
from agent.telemetry.bundle import BundleError, load_manifest
from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.instants import ranges_overlap
from agent.telemetry.limits import MAX_LOG_GROUPS

if TYPE_CHECKING:
    from agent.findings import FindingsReport
    from agent.insight import InsightAnswer

__all__ = [
    "FeatureDisabledError",
    "ThreadNotFoundError",
    "ask",
    "build_backend",
    "findings_report_from_settings",
    "insight_from_settings",
    "investigate",
    "log_groups_for",
    "new_thread_id",
    "render_markdown",
]


class ThreadNotFoundError(LookupError):
    """`ask` was given a thread id that no investigation created."""


def new_thread_id() -> str:
    return f"fa2-{uuid.uuid4().hex[:12]}"


def build_backend(settings: Settings) -> TelemetryBackend:
    """The local backend over `settings.telemetry.bundle` when set, else the AWS backend."""
    # Each backend is imported only when chosen: one brings DuckDB, the other boto3.
    if settings.telemetry.bundle is not None:
        from agent.telemetry.local import LocalBackend

        return LocalBackend(settings.telemetry.bundle, settings)
    from agent.telemetry.aws import AwsBackend

    return AwsBackend(settings)


def _chat_model(settings: Settings, chat_model: BaseChatModel | None) -> InvestigatorModel:
    if chat_model is not None:
        return InvestigatorModel(chat_model)
    # Imported here: langchain-aws is heavy, and a caller that brings its own model skips it.
    from agent.llm import build_chat_model

    return InvestigatorModel(build_chat_model(settings))


def log_groups_for(
    settings: Settings, backend: TelemetryBackend, notes: list[str] | None = None
) -> list[str]:
    """The log groups the investigation searches: the configured ones, else every group
    there is (up to StartQuery's limit). Offline, the bundle is the whole world: configured
    groups it does not hold are dropped, or every query would fail on them."""
    recorded = backend.capabilities.recorded
    if settings.telemetry.log_groups and not recorded:
        return list(settings.telemetry.log_groups)
    if not backend.capabilities.logs_insights:
        return []
    try:
        existing = [g.name for g in backend.list_log_groups()]
    except TelemetryUnavailableError as exc:
        if not recorded:  # AWS: credentials or network, the whole run would fail
            raise
        # A bundle's logs unreadable: investigate its other sources all the same, and say so.
        if notes is not None:
            notes.append(f"Logs: the bundle's log files could not be read ({exc})")
        return []
    held = [g for g in settings.telemetry.log_groups if g in existing]
    return held or existing[:MAX_LOG_GROUPS]


def _with_bundle_architecture(settings: Settings) -> Settings:
    """Offline runs describe the workload with the bundle's `architecture` unless configured."""
    if settings.telemetry.bundle is None or settings.investigator.architecture_description:
        return settings
    try:
        architecture = load_manifest(
            Path(settings.telemetry.bundle).expanduser().resolve()
        ).architecture
    except BundleError:
        return settings
    return settings.updated(architecture_description=architecture)


def with_bundle_past_incidents(
    memory: IncidentMemory | None, settings: Settings, scope: str, notes: list[str]
) -> IncidentMemory | None:
    """The memory a run reads: the store, plus the past incidents an offline bundle carries."""
    bundle = settings.telemetry.bundle
    try:
        return with_bundle_incidents(
            memory, Path(bundle).expanduser() if bundle is not None else None, scope
        )
    except PastIncidentFileError as exc:
        notes.append(f"Past incidents: the bundle's record could not be read ({exc})")
        return memory


def _recursion_limit(settings: Settings) -> int:
    return 2 * settings.budgets.max_steps + 10


def _run(
    *,
    graph_input: dict[str, Any],
    incident: Incident,
    thread_id: str,
    settings: Settings,
    backend: TelemetryBackend,
    chat_model: InvestigatorModel,
    on_progress: ProgressCallback | None,
    existing: list[Evidence],
    workspace: str | None = None,
) -> Report:
    settings = _with_bundle_architecture(settings)
    memory = open_memory(settings)
    scope = memory_scope(incident.account_id, workspace)
    # Sources the run had to do without, for the report's notes (with what the backend left
    # out, read when the run is over: a local backend reads each source on first use).
    data_notes: list[str] = []
    known = with_bundle_past_incidents(memory, settings, scope, data_notes)
    log_groups = log_groups_for(settings, backend, data_notes)
    ledger = EvidenceLedger(existing)
    chat_model = chat_model.briefed(Briefing(log_groups=log_groups, find_evidence=ledger.find))
    context = InvestigationContext(
        settings=settings,
        backend=backend,
        incident=incident,
        ledger=ledger,
        budget=Budget(settings.budgets, settings.prices),
        chat_model=chat_model,
        log_groups=log_groups,
        on_progress=on_progress,
        memory=known,
        memory_scope=scope,
        thread_id=thread_id,
    )
    config: Any = {
        "configurable": {"thread_id": thread_id},
        "recursion_limit": _recursion_limit(settings),
    }
    with open_checkpointer(settings) as checkpointer:
        graph = build_graph(checkpointer)
        final = graph.invoke(cast(InvestigationState, graph_input), config=config, context=context)
    report: Report = final["report"]
    # Notes quote error text (a file's data or name, an exception): redacted like tool
    # results, and one line each (a file name's line break forged a heading in report.md).
    report.notes.extend(
        one_visible_line(redact(note)) for note in dict.fromkeys([*backend.load_notes, *data_notes])
    )
    report.model_events = chat_model.answer_source().events
    report.notes.extend(f"Model: {event}" for event in report.model_events)
    report = report.model_copy(update={"thread_id": thread_id})
    if memory is not None:
        remember(memory, incident, report, scope)
    return report


def investigate(
    incident: Incident,
    *,
    settings: Settings,
    backend: TelemetryBackend | None = None,
    thread_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    chat_model: BaseChatModel | None = None,
    workspace: str | None = None,
) -> Report:
    """Investigate one incident in a new (or given) conversation thread; returns the report.
    `workspace` (a Slack team id) scopes the past incidents it reads and records."""
    backend = backend or build_backend(settings)
    thread_id = thread_id or new_thread_id()
    # Re-investigating in an existing thread keeps numbering after its earlier evidence.
    earlier = thread_values(thread_id, settings).evidence
    return _run(
        graph_input={
            "incident": incident,
            "mode": "investigate",
            "question": None,
            # Absolute, so `fa2 ask` finds the bundle from any working directory.
            "bundle": str(Path(settings.telemetry.bundle).expanduser().resolve())
            if settings.telemetry.bundle
            else None,
            "model": settings.investigator.model,
        },
        incident=incident,
        thread_id=thread_id,
        settings=settings,
        backend=backend,
        chat_model=_chat_model(settings, chat_model),
        on_progress=on_progress,
        existing=earlier,
        workspace=workspace,
    )


def ask(
    thread_id: str,
    question: str,
    *,
    settings: Settings,
    backend: TelemetryBackend | None = None,
    on_progress: ProgressCallback | None = None,
    chat_model: BaseChatModel | None = None,
    workspace: str | None = None,
) -> Report:
    """Answer a follow-up question in an existing thread, with all its messages and evidence."""
    question = question.strip()
    if not question:
        raise ValueError("the follow-up question is empty")
    values = thread_values(thread_id, settings)
    if values.incident is None:
        where = {
            "sqlite": f" at {Path(settings.checkpoints.path).resolve()}"
            + (
                ""
                if Path(settings.checkpoints.path).is_absolute()
                # The default path is relative: `fa2 ask` from another folder reads another file.
                else " (FA2_CHECKPOINT_PATH is relative to the current folder: ask from the "
                "folder fa2 analyze ran in, or set FA2_CHECKPOINT_PATH to an absolute path)"
            ),
            "dynamodb": f" table {settings.checkpoints.dynamodb_table}",
            # The memory checkpointer lives and dies with one process: a CLI `ask` never finds
            # what a previous `fa2 analyze` left there.
            "memory": " (it keeps threads only inside one process; use "
            "FA2_CHECKPOINT_BACKEND=sqlite to follow up from the command line)",
        }[settings.checkpoints.backend]
        raise ThreadNotFoundError(
            f"no investigation thread {thread_id!r} in the {settings.checkpoints.backend} "
            f"checkpointer{where}"
        )
    incident = values.incident
    if settings.telemetry.bundle is None and values.bundle:  # the thread was investigated offline
        settings = settings.updated(bundle=Path(values.bundle))
    return _run(
        graph_input={
            "messages": [HumanMessage(question)],
            "mode": "followup",
            "question": question,
            "investigation_unfinished": not values.finished,
            # As models: a thread checkpointed before the state was typed holds dicts.
            "incident": incident,
            "evidence": values.evidence,
        },
        incident=incident,
        thread_id=thread_id,
        settings=settings,
        backend=backend or build_backend(settings),
        chat_model=_chat_model(settings, chat_model),
        on_progress=on_progress,
        existing=values.evidence,
        workspace=workspace,
    )


def incident_from_alarm_name(
    alarm_name: str,
    *,
    settings: Settings,
    backend: TelemetryBackend,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Incident:
    """Describe the alarm and turn its definition and state into an `Incident` (as if its SNS
    notification had arrived); the window is [start, end) when given, else around the last
    state change."""
    result = backend.describe_alarm(alarm_name)
    if not result.alarms:
        raise LookupError(f"no CloudWatch alarm named {alarm_name!r} in {settings.aws.region}")
    window = None
    if start and end:
        window = TimeRange(start=start, end=end)
    elif start or end:
        window = analysis_window(start or end, settings)  # type: ignore[arg-type]
    return incident_from_alarm(result.alarms[0], settings, window=window)


def thread_values(thread_id: str, settings: Settings) -> ThreadValues:
    """The checkpointed values of a thread (all empty when it does not exist)."""
    with open_checkpointer(settings) as checkpointer:
        snapshot = build_graph(checkpointer).get_state({"configurable": {"thread_id": thread_id}})
    return ThreadValues.of(snapshot.values if snapshot else {})


def insight_from_settings(
    question: str,
    *,
    days: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bundle: Path | None = None,
    settings: Settings | None = None,
    tz: str = "UTC",
    on_progress: ProgressCallback | None = None,
    backend: TelemetryBackend | None = None,
) -> InsightAnswer:
    """A metrics question answered with the configured model and telemetry: over `bundle`
    (or the configured one) offline, else AWS. The period is [start, end) (times without an
    offset are read in `tz`), else the `days` days up to now, or up to the end of a bundle's
    window; with neither, a bundle's whole window, else the last day."""
    from agent.baseline.insight import BaselineInsightModel
    from agent.config import load_settings
    from agent.insight import answer_metrics_question
    from agent.insight.model import insight_chat_model
    from agent.insight.period import PeriodError, checked_period, last_days, parse_zone

    settings = settings or load_settings()
    if bundle is not None:
        settings = settings.updated(bundle=bundle)
    zone = parse_zone(tz)
    if (start is None) != (end is None):
        raise PeriodError("give both start and end, or neither")
    if days is not None and start is not None:
        raise PeriodError("give either days or start and end, not both")
    bundle_window = None
    if settings.telemetry.bundle is not None:
        bundle_window = load_manifest(Path(settings.telemetry.bundle).expanduser().resolve()).window
    if start is not None and end is not None:
        period = checked_period(start, end, zone)
        if bundle_window is not None and not ranges_overlap(period, bundle_window):
            raise PeriodError(
                f"the period {period.label()} is outside the bundle's window "
                f"{bundle_window.label()}: the bundle holds no metrics there"
            )
        if bundle_window is None and period.start >= datetime.now(UTC):
            raise PeriodError(
                f"the period {period.label()} starts in the future: CloudWatch holds no "
                "metrics there yet"
            )
    elif days is not None:
        period = last_days(days, bundle_window.end if bundle_window else None)
    else:
        period = bundle_window or last_days(1)
    backend = backend or build_backend(settings)
    baseline = BaselineInsightModel(question=question, period=period, timezone=tz)
    model = (
        None
        if settings.investigator.model == "baseline"
        else InvestigatorModel(insight_chat_model(settings, baseline))
    )
    return answer_metrics_question(
        question,
        time_range=period,
        backend=backend,
        model=model,
        user_timezone=tz,
        progress=on_progress,
        settings=settings,
    )


MAX_FINDINGS_DAYS = 90  # Security Hub and GuardDuty keep findings for 90 days


class FeatureDisabledError(ValueError):
    """The deployment turned the feature off (`[features]` settings)."""


def findings_report_from_settings(
    *,
    days: int = 7,
    bundle: str | Path | None = None,
    settings: Settings | None = None,
    language: str | None = None,
    min_severity: str = "LOW",
    backend: TelemetryBackend | None = None,
    chat_model: BaseChatModel | None = None,
) -> FindingsReport:
    """The security findings report of the last `days` days (offline: the days up to the
    bundle's window end), in `language` (default: the configured one), written by the
    configured model (the baseline writes by rules)."""
    from agent.config import load_settings
    from agent.findings import build_findings_report

    if not 1 <= days <= MAX_FINDINGS_DAYS:
        raise ValueError(
            f"days must be between 1 and {MAX_FINDINGS_DAYS} (Security Hub and GuardDuty keep "
            f"findings for 90 days), got {days}"
        )
    settings = settings or load_settings()
    if not settings.features.findings_report_enabled:
        raise FeatureDisabledError(
            "the security findings report is turned off in this deployment "
            "(findings_report_enabled = false)"
        )
    if bundle is not None:
        settings = settings.updated(bundle=Path(bundle))
    chosen = language or settings.investigator.language
    if chosen not in ("en", "ja"):
        raise ValueError(f"unknown language {chosen!r}: use en or ja")
    if settings.telemetry.bundle is not None:
        end = load_manifest(Path(settings.telemetry.bundle).expanduser().resolve()).window.end
    else:
        end = datetime.now(UTC)
    backend = backend or build_backend(settings)
    model = None
    if chat_model is not None or settings.investigator.model != "baseline":
        model = _chat_model(settings, chat_model)
    return build_findings_report(
        backend=backend,
        time_range=TimeRange(start=end - timedelta(days=days), end=end),
        language=cast(Literal["en", "ja"], chosen),
        model=model,
        min_severity=min_severity,
    )
