"""What telemetry exists for this incident, surveyed once before triage.

The model is told which sources hold data (log groups and their size, Athena tables and
whether they hold rows in the window, whether X-Ray has traces, which metric namespaces
exist), and triage does not run a standard query over a source that is empty: an ALB query
on a workload without an ALB answers "0 rows", which reads as "no ALB 5xx".

Each look-up is cheap (catalog calls; over a recorded bundle, a count of rows in the window —
on AWS that count is not run, Athena bills it per byte scanned) and may fail on its own; a
source that cannot be surveyed is reported as unknown and still queried.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from pydantic import BaseModel, Field

from agent.incident import TimeRange
from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryError, TableSchema, TelemetryUnavailableError

T = TypeVar("T")

# The time column of each kind of Athena table, and how its text becomes a timestamp.
_TIME_COLUMNS = {"eventtime": "from_iso8601_timestamp", "time": "from_iso8601_timestamp"}


class LogGroupSource(BaseModel):
    name: str
    events: int | None = None  # the local backend counts events
    stored_bytes: int | None = None


class TableSource(BaseModel):
    name: str  # database.table
    kind: str  # "CloudTrail", "ALB access logs" or "table"
    rows_in_window: int | None = None  # None: not counted


class DataSources(BaseModel):
    """What a survey found; None in a field means the survey could not tell."""

    log_groups: list[LogGroupSource] | None = None
    tables: list[TableSource] | None = None
    xray_traces: bool | None = None
    metric_namespaces: dict[str, int] | None = None  # namespace -> metrics listed
    notes: list[str] = Field(default_factory=list)

    def table(self, name: str) -> TableSource | None:
        return next((t for t in self.tables or [] if t.name == name), None)

    def is_empty(self, table: str) -> bool:
        """True only when the table was counted and holds no row in the window."""
        found = self.table(table)
        return found is not None and found.rows_in_window == 0


def table_kind(schema: TableSchema) -> str:
    names = {c.name.lower() for c in schema.columns}
    if {"eventname", "eventtime", "eventsource"} <= names:
        return "CloudTrail"
    if {"elb_status_code", "target_ip"} <= names:
        return "ALB access logs"
    return "table"


def _iso(window: TimeRange, which: str) -> str:
    moment = window.start if which == "start" else window.end
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rows_in_window(ctx: InvestigationContext, schema: TableSchema) -> int | None:
    names = {c.name.lower() for c in schema.columns}
    column = next((c for c in _TIME_COLUMNS if c in names), None)
    if column is None:
        return None
    parse = _TIME_COLUMNS[column]
    sql = (
        f"SELECT count(*) AS n FROM {schema.database}.{schema.table} "
        f"WHERE {parse}({column}) BETWEEN {parse}('{_iso(ctx.window, 'start')}') "
        f"AND {parse}('{_iso(ctx.window, 'end')}')"
    )
    result = ctx.backend.run_athena(sql, max_rows=1)
    if result.status != "ok" or not result.rows or result.rows[0][0] is None:
        return None
    return int(result.rows[0][0])


def _attempt(notes: list[str], what: str, look: Callable[[], T]) -> T | None:
    try:
        return look()
    except (QueryError, TelemetryUnavailableError, ValueError) as exc:
        notes.append(f"{what}: could not be surveyed ({exc})")
        return None


def survey(ctx: InvestigationContext) -> DataSources:
    """Look at each source the backend has, once, before the triage queries are planned."""
    caps = ctx.backend.capabilities
    found = DataSources()
    notes = found.notes  # the model's own list: pydantic copies a list given to it
    if caps.logs_insights:
        groups = _attempt(notes, "log groups", lambda: ctx.backend.list_log_groups())
        if groups is not None:
            wanted = set(ctx.log_groups)
            found.log_groups = [
                LogGroupSource(name=g.name, events=g.events, stored_bytes=g.stored_bytes)
                for g in groups
                if not wanted or g.name in wanted
            ]
    if caps.athena:
        schemas = _attempt(notes, "Athena tables", ctx.backend.table_schemas)
        if schemas is not None:
            found.tables = [
                TableSource(
                    name=f"{s.database}.{s.table}",
                    kind=table_kind(s),
                    # Counting is free over a recorded bundle; on AWS a count can scan a whole
                    # CloudTrail table (Athena bills per byte), so it is not run there.
                    rows_in_window=_attempt(notes, s.table, partial(_rows_in_window, ctx, s))
                    if caps.recorded
                    else None,
                )
                for s in schemas
            ]
    if caps.xray and ctx.settings.telemetry.xray_enabled:
        traces = _attempt(notes, "X-Ray", lambda: ctx.backend.find_traces(None, ctx.window, 1))
        found.xray_traces = None if traces is None else traces.status == "ok"
    if caps.metrics:
        listed = _attempt(notes, "metrics", lambda: ctx.backend.list_metrics())
        if listed is not None and "namespace" in listed.columns:
            at = listed.columns.index("namespace")
            found.metric_namespaces = dict(Counter(str(row[at]) for row in listed.rows))
    # What the sources just read left out (files that could not be read, log lines that are
    # not events): an answer without them must not read as "nothing happened there".
    notes.extend(note for note in ctx.backend.load_notes if note not in notes)
    return found


def _size(group: LogGroupSource) -> str:
    if group.events is not None:
        return f"{group.events} events"
    if group.stored_bytes is not None:
        return f"{group.stored_bytes / 1_048_576:.1f} MiB stored"
    return "size unknown"


def describe_sources(sources: DataSources) -> list[str]:
    """The briefing's lines about what data exists (and what does not)."""
    lines = ["Data for this incident:"]
    if sources.log_groups is not None:
        groups = ", ".join(f"{g.name} ({_size(g)})" for g in sources.log_groups) or "none"
        lines.append(f"- log groups: {groups}")
    if sources.tables is not None:
        tables = []
        for t in sources.tables:
            rows = (
                "rows in the window not counted"
                if t.rows_in_window is None
                else f"{t.rows_in_window} rows in the window"
            )
            tables.append(f"{t.name} ({t.kind}, {rows})")
        lines.append(f"- Athena tables: {', '.join(tables) or 'none'}")
    if sources.xray_traces is not None:
        lines.append(
            "- X-Ray: traces in the window"
            if sources.xray_traces
            else "- X-Ray: no traces in the window"
        )
    else:
        lines.append("- X-Ray: not available")
    if sources.metric_namespaces is not None:
        spaces = ", ".join(f"{ns} ({n})" for ns, n in sorted(sources.metric_namespaces.items()))
        lines.append(f"- metric namespaces (metrics listed): {spaces or 'none'}")
    lines.extend(f"- {note}" for note in sources.notes)
    empty = [t.name for t in sources.tables or [] if t.rows_in_window == 0]
    if empty:
        lines.append(f"- the standard queries over {', '.join(empty)} were not run: no rows")
    return lines
