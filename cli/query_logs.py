"""`fa2 query logs`: run one CloudWatch Logs Insights query over an incident bundle's logs.

    fa2 query logs --bundle DIR [--log-group NAME]... [--start ISO] [--end ISO]
                   [--format json|table] QUERY

`--format json` prints exactly the `GetQueryResults` shape
(`{"status", "results", "statistics"}`); `table` prints the rows and the statistics.
An invalid query exits with status 2 and the reason on stderr (position and what was
expected), like AWS's MalformedQueryException.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from cli.query_sql import OutputFormat, _fail


def logs(
    query: str = typer.Argument(
        ..., help="The Logs Insights query, e.g. 'filter @message like /ERROR/'"
    ),
    bundle: Path = typer.Option(
        ..., "--bundle", "-b", help="Incident bundle folder (holds incident.yaml)"
    ),
    log_group: list[str] = typer.Option(
        [],
        "--log-group",
        "-g",
        help="Log group to query (repeatable); default: every group in the bundle",
    ),
    start: str | None = typer.Option(
        None, "--start", help="Range start, ISO 8601; default: the bundle window"
    ),
    end: str | None = typer.Option(
        None, "--end", help="Range end, ISO 8601; default: the bundle window"
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json"),
) -> None:
    """Run a Logs Insights query over a bundle's logs (embedded engine, no AWS)."""
    import duckdb
    from pydantic import ValidationError

    from agent.telemetry.base import QueryError, TelemetryUnavailableError
    from agent.telemetry.bundle import BundleError, load_bundle
    from agent.telemetry.local.hardening import harden
    from agent.telemetry.local.logs_insights import LogsInsightsEngine, parse_query
    from agent.telemetry.local.scan_cache import BundleCache
    from agent.telemetry.types import TimeRange
    from cli.query_sql import _instant, range_problem

    try:
        parse_query(query)  # fail on a malformed query before loading anything
    except QueryError as exc:
        _fail(str(exc), code=2)
    try:
        loaded = load_bundle(bundle)
    except BundleError as exc:
        _fail(str(exc))
    try:
        time_range = TimeRange(
            start=_instant(start, "--start") or loaded.window.start,
            end=_instant(end, "--end") or loaded.window.end,
        )
    except ValidationError as exc:
        _fail(f"invalid time range: {range_problem(exc)}")
    window = loaded.window
    if time_range.end <= window.start or time_range.start >= window.end:
        typer.echo(
            f"note: {time_range.label()} is outside the bundle's window {window.label()}: "
            "expect no data",
            err=True,
        )
    cache = BundleCache.for_bundle(loaded.root)
    con = duckdb.connect()
    # The engine reads the bundle and its cache folder (and writes the cache), nothing else.
    harden(con, allowed_dirs=[loaded.root] + ([cache.folder] if cache is not None else []))
    try:
        # One query: read the files in place rather than copy every event into memory first.
        files = loaded.source_files("logs")
        if not files:
            _fail(f"{bundle}: the bundle has no log events (logs/*.jsonl)")
        engine = LogsInsightsEngine(con, files, cache=cache, materialize=False)
        result = engine.run(query, log_group or None, time_range)  # None: every group
        groups = log_group or [g.name for g in engine.log_groups()]
    except QueryError as exc:
        _fail(str(exc), code=2)
    except TelemetryUnavailableError as exc:
        _fail(str(exc))
    finally:
        con.close()

    if output is OutputFormat.json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_table(result, time_range.label(), groups)


def _print_table(result: dict[str, Any], window: str, groups: list[str]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    columns: list[str] = []
    for row in result["results"]:
        for cell in row:
            if cell["field"] != "@ptr" and cell["field"] not in columns:
                columns.append(cell["field"])
    table = Table(show_lines=False)
    for column in columns:
        table.add_column(escape(column), overflow="fold")
    for row in result["results"]:
        values = {cell["field"]: cell["value"] for cell in row}
        table.add_row(*(escape(values.get(c, "")) for c in columns))
    console = Console(soft_wrap=False)
    console.print(table)
    stats = result["statistics"]
    console.print(
        f"{len(result['results'])} rows · {int(stats['recordsMatched']):,} matched of "
        f"{int(stats['recordsScanned']):,} scanned ({int(stats['bytesScanned']):,} bytes) · "
        f"{escape(window)} · {escape(', '.join(groups))}"
    )


def register(app: typer.Typer) -> None:
    """Add `logs` to the `query` group."""
    app.command("logs")(logs)
