"""Shared pieces of the response-shape functions: how values are written as strings and how
a `QueryResult` is finished (row cap, total, status)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from agent.telemetry.base import QueryResult, Source
from agent.telemetry.types import TimeRange

Row = list[str | None]


# ---------------------------------------------------------------- value formatting


def format_number(value: float | int | None) -> str | None:
    """Numbers as a person would write them: `12` not `12.0`, at most 10 significant digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return "NaN"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".10g")


def format_timestamp(value: Any) -> str | None:
    """ISO 8601 UTC with milliseconds (`2026-03-02T10:17:00.000Z`) from any AWS time form."""
    if value is None or value == "":
        return None
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Mapping | list):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def dimensions_text(dimensions: Sequence[Mapping[str, Any]] | None) -> str:
    return ", ".join(f"{d.get('Name')}={d.get('Value')}" for d in dimensions or ())


def finish(
    *,
    source: Source,
    query: str,
    columns: list[str],
    rows: list[Row],
    raw: dict[str, Any],
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
    total_rows: int | None = None,
    truncated: bool = False,
    bytes_scanned: int = 0,
    statistics: dict[str, float] | None = None,
) -> QueryResult:
    total = len(rows) if total_rows is None else total_rows
    if max_rows is not None and len(rows) > max_rows:
        rows = rows[:max_rows]
        truncated = True
    return QueryResult(
        source=source,
        status="ok" if rows else "empty",
        query=query,
        time_range=time_range,
        columns=columns,
        rows=rows,
        total_rows=total,
        truncated=truncated or total > len(rows),
        link=link,
        bytes_scanned=bytes_scanned,
        statistics=statistics or {},
        raw=raw,
    )
