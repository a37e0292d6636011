"""Fixtures: small CloudWatch Logs events written as bundle JSONL in tmp_path, an engine over
them, and helpers that turn GetQueryResults rows into dicts for readable assertions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from agent.incident import TimeRange
from agent.telemetry.local.logs_insights import LogsInsightsEngine

# 2026-03-02 10:00:00 UTC, the hour every fixture event falls in
T0 = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp() * 1000)
HOUR = TimeRange(
    start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), end=datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
)
LAMBDA = "/aws/lambda/orders-put"


def event(
    message: str | dict[str, Any],
    *,
    at: int = 0,
    group: str = LAMBDA,
    stream: str = "2026/03/02/[$LATEST]8f2c",
    ingestion: int | None = None,
) -> dict[str, Any]:
    """A bundle log event `at` milliseconds after 10:00; dict messages are JSON-encoded."""
    record: dict[str, Any] = {
        "logGroup": group,
        "logStream": stream,
        "timestamp": T0 + at,
        "message": json.dumps(message) if isinstance(message, dict) else message,
    }
    if ingestion is not None:
        record["ingestionTime"] = T0 + ingestion
    return record


def write_events(path: Path, events: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def rows(result: dict[str, Any], *, ptr: bool = False) -> list[dict[str, str]]:
    """GetQueryResults rows as {field: value}, without @ptr unless asked."""
    return [
        {cell["field"]: cell["value"] for cell in row if ptr or cell["field"] != "@ptr"}
        for row in result["results"]
    ]


class Logs:
    """Run queries against the events of one test."""

    def __init__(self, engine: LogsInsightsEngine) -> None:
        self.engine = engine

    def run(
        self,
        query: str,
        *,
        groups: Sequence[str] | None = None,
        time_range: TimeRange = HOUR,
        limit: int | None = None,
    ) -> dict[str, Any]:
        names = list(groups) if groups is not None else None  # None: every group
        return self.engine.run(query, names, time_range, limit)

    def rows(self, query: str, **kwargs: Any) -> list[dict[str, str]]:
        return rows(self.run(query, **kwargs))


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    yield con
    con.close()


@pytest.fixture(params=[True, False], ids=["loaded", "scanned"])
def logs(
    request: pytest.FixtureRequest, tmp_path: Path, connection: duckdb.DuckDBPyConnection
) -> Callable[..., Logs]:
    """`logs(event(...), event(...))` -> an engine over exactly those events; every test
    runs twice: over the events loaded into a table and over the files scanned in place."""

    def make(*events: dict[str, Any]) -> Logs:
        path = write_events(tmp_path / f"events-{len(list(tmp_path.iterdir()))}.jsonl", events)
        return Logs(LogsInsightsEngine(connection, [path], materialize=request.param))

    return make
