"""What the engine reads about the log groups and how rows come back.

The catalog (each log group's events, bytes, first and last event, and how many lines of
the files are not log events) is read from the events, or from what the bundle cache
recorded when it wrote them (`describe_logs`).
Rows come back as `GetQueryResults` prints them (`result_row`, `format_value`).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from agent.telemetry.bundle_formats import MAX_EVENT_BYTES, is_log_group_name
from agent.telemetry.local.logs_insights.compiler import PATTERN_TYPES
from agent.telemetry.local.logs_insights.sqlexpr import SqlType, quote
from agent.telemetry.local.scan_cache import unreadable_note

CATALOG_SQL = (
    "SELECT _group, count(*), sum(_bytes), min(_ts), max(_ts) FROM {relation} GROUP BY 1 ORDER BY 1"
)


@dataclass(frozen=True)
class LogGroupCatalogEntry:
    """One log group as the engine knows it (the local backend hands these out as the
    protocol's `LogGroupInfo`; a plain class, so a logs query needs no pydantic)."""

    name: str
    events: int
    stored_bytes: int
    first_event: datetime
    last_event: datetime


@dataclass(frozen=True)
class Catalog:
    """The log groups, and the lines of the files that are not log events (left out of
    every group: `events_select_sql` gives them no group)."""

    groups: list[LogGroupCatalogEntry]
    dropped_lines: int = 0


def read_catalog(cursor: duckdb.DuckDBPyConnection, relation: str) -> Catalog:
    """The catalog of the events in `relation`."""
    rows = cursor.execute(CATALOG_SQL.format(relation=relation)).fetchall()
    return catalog_from([list(row) for row in rows])


def scan_statistics(
    cursor: duckdb.DuckDBPyConnection,
    catalog: list[LogGroupCatalogEntry],
    groups: list[str],
    start_ms: int,
    end_ms: int,
    relation: str,
) -> tuple[int, int]:
    """`recordsScanned` and `bytesScanned` of `groups` over [start_ms, end_ms): from the
    catalog when the range holds every event of these groups, else counted in `relation`."""
    covered = [g for g in catalog if g.name in groups]
    if all(start_ms <= _millis(g.first_event) and _millis(g.last_event) < end_ms for g in covered):
        return sum(g.events for g in covered), sum(g.stored_bytes for g in covered)
    row = cursor.execute(
        f"SELECT count(*), coalesce(sum(_bytes), 0) FROM {relation} "
        f"WHERE _group IN ({', '.join(quote(g) for g in groups)}) "
        f"AND _ts >= {start_ms} AND _ts < {end_ms}"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _millis(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def catalog_from(rows: list[list[Any]]) -> Catalog:
    """The catalog of `CATALOG_SQL`'s rows (name, events, bytes, first and last event time):
    a row without a name (lines that are not events) or with a name CloudWatch does not
    allow counts as lines left out, and is no log group a query can name."""
    return Catalog(
        groups=[
            LogGroupCatalogEntry(
                name=name,
                events=int(events),
                stored_bytes=int(stored_bytes),
                first_event=datetime.fromtimestamp(first / 1000, UTC),
                last_event=datetime.fromtimestamp(last / 1000, UTC),
            )
            for name, events, stored_bytes, first, last in rows
            if name is not None and is_log_group_name(name)
        ],
        dropped_lines=sum(
            int(row[1]) for row in rows if row[0] is None or not is_log_group_name(row[0])
        ),
    )


def stored_catalog(extra: dict[str, Any]) -> Catalog | None:
    """The catalog a cache entry recorded (see `describe_logs`), None if it has none."""
    groups, dropped = extra.get("groups"), extra.get("dropped_lines")
    if not isinstance(groups, list) or not isinstance(dropped, int):
        return None
    return Catalog(catalog_from(groups).groups, dropped)


def describe_logs(con: duckdb.DuckDBPyConnection, entry: Any) -> dict[str, Any]:
    """What a logs cache entry records beside its rows: the catalog of log groups (name,
    events, bytes, first and last event time) and the count of lines that are not events,
    so a cached engine starts without a scan."""
    rows = [
        list(row) for row in con.execute(CATALOG_SQL.format(relation=entry.relation())).fetchall()
    ]
    catalog = catalog_from(rows)
    # The groups' own numbers, not read back from the catalog's datetimes.
    kept = {group.name for group in catalog.groups}
    return {
        "groups": [
            [name, int(n), int(size), int(a), int(b)]
            for name, n, size, a, b in rows
            if name in kept
        ],
        "dropped_lines": catalog.dropped_lines,
    }


def left_out_notes(
    unreadable: list[tuple[Path, str]], dropped_lines: int, root: Path | None = None
) -> list[str]:
    """What the results leave out, one sentence each, for the CLI's notes, the report and
    the model: the files that could not be read and the lines that are not events (paths
    relative to `root`, the bundle, when they are inside it)."""
    notes = [
        unreadable_note("Logs", path, reason, root, "events are") for path, reason in unreadable
    ]
    if dropped_lines:
        lines, are, events, were = (
            (f"{dropped_lines:,} lines", "are", "log events", "were")
            if dropped_lines != 1
            else ("1 line", "is", "a log event", "was")
        )
        notes.append(
            f"Logs: {lines} of the log files {are} not {events} (not JSON, without "
            "logGroup, timestamp or message, under a log group name CloudWatch does not "
            f"allow, or with a message over {MAX_EVENT_BYTES // 1_048_576} MiB) and {were} "
            "left out; `fa2 bundle check` shows where"
        )
    return notes


def pattern_table(cursor: duckdb.DuckDBPyConnection, pattern_rows: list[list[object]]) -> str:
    """The clustered rows as a temp table (this cursor's own) for the rest of the pipeline."""
    temp = f"pattern_rows_{uuid.uuid4().hex}"
    kinds = ["DOUBLE" if t == "num" else "VARCHAR" for t in PATTERN_TYPES]
    cursor.execute(
        f"CREATE TEMP TABLE {temp} ({', '.join(f'c{i} {k}' for i, k in enumerate(kinds))})"
    )
    if pattern_rows:  # one INSERT of column lists: executemany is slow in DuckDB
        unnests = ", ".join(f"unnest(CAST(? AS {k}[]))" for k in kinds)
        columns = [list(c) for c in zip(*pattern_rows, strict=True)]
        cursor.execute(f"INSERT INTO {temp} SELECT {unnests}", columns)
    return temp


def result_row(
    row: tuple[Any, ...], shown: list[tuple[str, SqlType]], events: bool
) -> list[dict[str, str]]:
    out = []
    for (name, kind), value in zip(shown, row, strict=False):
        if value is None:
            continue  # AWS leaves a field out of a row when the event lacks it
        out.append({"field": name, "value": format_value(value, kind)})
    if events:
        out.append({"field": "@ptr", "value": pointer(row[len(shown)])})
    return out


def format_value(value: Any, kind: SqlType) -> str:
    """A value as GetQueryResults prints it: timestamps `YYYY-MM-DD HH:MM:SS.mmm` UTC."""
    if kind == "ts":
        moment = datetime.fromtimestamp(int(value) / 1000, UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float | int) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if hasattr(value, "is_integer") or type(value).__name__ == "Decimal":
        return format_value(float(value), kind)
    return str(value)


def pointer(row_id: Any) -> str:
    return base64.b64encode(f"fa2-local:{row_id}".encode()).decode()
