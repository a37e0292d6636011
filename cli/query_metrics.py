"""`fa2 query metrics-insights`: one CloudWatch Metrics Insights query over a bundle's metrics.

    fa2 query metrics-insights --bundle DIR [--start ISO] [--end ISO] [--period SEC]
                               [--format json|table] QUERY

`--format json` prints the GetMetricData response shape (one result per returned series);
`table` prints one row per series: label, dimensions, the ORDER BY aggregate, the points. A
malformed query exits with status 2 and the position of the mistake on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from agent.telemetry.base import QueryResult

from cli.query_sql import (
    BUNDLE,
    END,
    FORMAT,
    START,
    OutputFormat,
    _fail,
    _note,
    _open,
    _run,
    _window,
)


def metrics_insights(
    query: str = typer.Argument(
        ...,
        metavar="QUERY",
        help='e.g. \'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) '
        "GROUP BY InstanceId ORDER BY MAX() DESC LIMIT 10'",
    ),
    bundle: Path = BUNDLE,
    start: str | None = START,
    end: str | None = END,
    period: int | None = typer.Option(
        None, "--period", help="Seconds per datapoint, a multiple of 60; default: by range"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Run a Metrics Insights query over the bundle's metric series (embedded engine, no AWS)."""
    from agent.telemetry.base import QueryError
    from agent.telemetry.local.metrics_insights import parse_metrics_insights

    try:
        parse_metrics_insights(query)  # a malformed query fails before the bundle loads
    except QueryError as exc:
        _fail(exc.message, code=2)
    backend = _open(bundle)
    window = _window(backend, start, end)
    _run(backend, lambda: backend.run_metrics_insights(query, window, period), output, _show_series)


def _show_series(result: QueryResult) -> None:
    _print_series(result)
    if result.error:
        _note(result.error)


def _print_series(result: QueryResult) -> None:
    """Every cell whole (the points wrap): a series is read in full or misread."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=True)
    for column in result.columns:
        table.add_column(escape(column), overflow="fold")
    for row in result.rows:
        table.add_row(*(escape(value or "") for value in row))
    console = Console(soft_wrap=False, width=max(Console().width, 120))
    console.print(table)
    shown = len(result.rows)
    count = f"{shown} of {result.total_rows} series" if result.truncated else f"{shown} series"
    period = int(result.statistics.get("period_seconds", 0))
    details = [count, f"period {period} s"]
    if result.time_range is not None:
        details.append(result.time_range.label())
    if result.link:
        details.append(result.link)
    console.print(escape(" · ".join(details)))


def register(app: typer.Typer) -> None:
    """Add `metrics-insights` to the `query` group."""
    app.command("metrics-insights")(metrics_insights)
