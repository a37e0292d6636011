"""`fa2 query sql | traces | trace | service-graph | metrics`: Athena SQL, X-Ray and
CloudWatch metrics over an incident bundle (the local backend, no AWS). `sql` runs in
`cli.sql_query`, which also reads its options without typer.

    fa2 query sql     --bundle DIR [--max-rows N] [--format json|table] SQL
    fa2 query traces  --bundle DIR [--filter EXPR] [--start ISO] [--end ISO] [--limit N]
    fa2 query trace   --bundle DIR ID...
    fa2 query service-graph --bundle DIR [--start ISO] [--end ISO]
    fa2 query metrics --bundle DIR --namespace NS --metric NAME [--dim K=V]... [--stat S] [--period SEC]
    fa2 query runbooks --bundle DIR [--runbooks-dir DIR] [--max-results N] TEXT

`--bundle` defaults to `FA2_BUNDLE`. `--format json` prints the AWS API response (`GetQueryResults`, `GetTraceSummaries`,
`BatchGetTraces`, `GetServiceGraph`, `GetMetricData`); `table` prints the compact table the
agent sees. A wrong query exits with status 2 and the reason on stderr; an unusable bundle
exits with status 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.plain import OutputFormat, parse_instant, print_result_table, range_problem
from cli.plain import fail as _fail
from cli.plain import note as _note
from cli.sql_query import MAX_ROWS, SqlQueryArguments, run_sql_query

if TYPE_CHECKING:
    from agent.incident import TimeRange
    from agent.telemetry.base import QueryResult
    from agent.telemetry.local import LocalBackend


BUNDLE = typer.Option(
    ..., "--bundle", "-b", envvar="FA2_BUNDLE", help="Incident bundle folder (holds incident.yaml)"
)
FORMAT = typer.Option(
    OutputFormat.table, "--format", "-f", help="table or json (the AWS API response)"
)
START = typer.Option(None, "--start", help="Range start, ISO 8601; default: the bundle window")
END = typer.Option(None, "--end", help="Range end, ISO 8601; default: the bundle window")


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time such as 2026-03-02T10:00:00Z", param_hint=option
        ) from None


def _open(bundle: Path) -> LocalBackend:
    from agent.config import SettingsError, load_settings
    from agent.telemetry.bundle import BundleError
    from agent.telemetry.local import LocalBackend

    try:
        return LocalBackend(bundle, load_settings())
    except (BundleError, SettingsError) as exc:
        _fail(str(exc))


def _window(backend: LocalBackend, start: str | None, end: str | None) -> TimeRange:
    from pydantic import ValidationError

    from agent.incident import TimeRange
    from agent.telemetry.instants import ranges_overlap

    bundle_window = backend.bundle.window
    try:
        window = TimeRange(
            start=_instant(start, "--start") or bundle_window.start,
            end=_instant(end, "--end") or bundle_window.end,
        )
    except ValidationError as exc:
        _fail(f"invalid time range: {range_problem(exc)}")
    if not ranges_overlap(window, bundle_window):
        _note(
            f"{window.label()} is outside the bundle's window {bundle_window.label()}: "
            "expect no data"
        )
    return window


def _require_xray(backend: LocalBackend) -> None:
    if not backend.capabilities.xray:
        reason = (
            "FA2_XRAY_ENABLED is false"
            if not backend.settings.telemetry.xray_enabled
            else "no trace files under xray/"
        )
        _fail(f"{backend.bundle.root}: this bundle has no X-Ray data ({reason})")


def _run(
    backend: LocalBackend,
    query: Callable[[], QueryResult],
    output: OutputFormat,
    show: Callable[[QueryResult], None] | None = None,
) -> None:
    """Run `query` and print its result: the API's JSON, else `show` (default: the table and
    the API's messages); then, on stderr, what the source it read left out (files it could
    not read). A bad query exits with 2, an unreadable source with 1."""
    from agent.telemetry.base import QueryError, TelemetryUnavailableError

    try:
        result = query()
    except QueryError as exc:
        _fail(exc.message, code=2)
    except TelemetryUnavailableError as exc:
        _fail(str(exc))
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.raw, indent=2, ensure_ascii=False, default=str))
    else:
        (show or _show_table)(result)
    for line in backend.load_notes:
        _note(line)


def _show_table(result: QueryResult) -> None:
    _print_table(result)
    for message in _api_messages(result.raw or {}):
        _note(message)


def _api_messages(raw: dict) -> list[str]:
    """What the AWS response says beside the rows: ids BatchGetTraces did not find, a metric
    series that does not exist (GetMetricData `Messages`)."""
    messages = []
    missing = raw.get("UnprocessedTraceIds") or []
    if missing:
        messages.append(f"no trace with id {', '.join(missing)} in the bundle")
    for series in raw.get("MetricDataResults") or []:
        for message in series.get("Messages") or []:
            messages.append(f"{series.get('Id')}: {message.get('Value')}")
    for message in raw.get("Messages") or []:
        messages.append(str(message.get("Value")))
    return messages


def _print_table(result: QueryResult) -> None:
    print_result_table(result, result.time_range.label() if result.time_range else None)


def sql(
    statement: str = typer.Argument(..., metavar="SQL", help="One Athena (Trino) SELECT statement"),
    bundle: Path = BUNDLE,
    max_rows: int = typer.Option(
        1000, "--max-rows", min=1, max=MAX_ROWS, help="Rows to return (the total is counted)"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Run Athena SQL over the bundle's ALB and CloudTrail tables."""
    run_sql_query(SqlQueryArguments(statement, bundle, max_rows, output))


def traces(
    bundle: Path = BUNDLE,
    filter_expression: str | None = typer.Option(
        None, "--filter", help="X-Ray filter expression, e.g. 'fault and service(\"api\")'"
    ),
    start: str | None = START,
    end: str | None = END,
    limit: int = typer.Option(
        50, "--limit", min=1, max=1000, help="Summaries to return (the total is counted)"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Find X-Ray traces (GetTraceSummaries) in the bundle."""
    backend = _open(bundle)
    _require_xray(backend)
    window = _window(backend, start, end)
    _run(backend, lambda: backend.find_traces(filter_expression, window, limit), output)


def trace(
    trace_ids: list[str] = typer.Argument(..., metavar="ID...", help="X-Ray trace ids"),
    bundle: Path = BUNDLE,
    output: OutputFormat = FORMAT,
) -> None:
    """Show whole X-Ray traces (BatchGetTraces): segments and subsegments."""
    backend = _open(bundle)
    _require_xray(backend)
    _run(backend, lambda: backend.get_traces(trace_ids), output)


def service_graph(
    bundle: Path = BUNDLE,
    start: str | None = START,
    end: str | None = END,
    output: OutputFormat = FORMAT,
) -> None:
    """Show the X-Ray service graph (GetServiceGraph) of the bundle's traces."""
    backend = _open(bundle)
    _require_xray(backend)
    window = _window(backend, start, end)
    _run(backend, lambda: backend.get_service_graph(window), output)


def _dimension(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(
            f"{text!r} is not NAME=VALUE (e.g. TableName=orders)", param_hint="--dim"
        )
    return name.strip(), value.strip()


def metrics(
    bundle: Path = BUNDLE,
    namespace: str = typer.Option(..., "--namespace", help="e.g. AWS/DynamoDB"),
    metric: str = typer.Option(..., "--metric", help="e.g. WriteThrottleEvents"),
    dim: list[str] = typer.Option(
        [], "--dim", help="Dimension NAME=VALUE (repeatable; all of the series' dimensions)"
    ),
    stat: str = typer.Option(
        "Average", "--stat", help="Sum, Average, Minimum, Maximum, SampleCount or pNN"
    ),
    period: int = typer.Option(60, "--period", min=60, help="Seconds, a multiple of 60"),
    start: str | None = START,
    end: str | None = END,
    output: OutputFormat = FORMAT,
) -> None:
    """Get one metric series (GetMetricData) from the bundle."""
    from agent.incident import MetricDimension
    from agent.telemetry.base import MetricQuery

    dimensions = [MetricDimension(name=n, value=v) for n, v in map(_dimension, dim)]
    backend = _open(bundle)
    window = _window(backend, start, end)
    query = MetricQuery(
        namespace=namespace,
        metric_name=metric,
        dimensions=dimensions,
        statistic=stat,
        period=period,
    )
    _run(backend, lambda: backend.get_metric_data([query], window), output)


def runbooks(
    text: str = typer.Argument(..., metavar="TEXT", help="What to look up, in plain words"),
    bundle: Path = BUNDLE,
    runbooks_dir: Path | None = typer.Option(
        None,
        "--runbooks-dir",
        envvar="FA2_RUNBOOKS_DIR",
        help="Folder of markdown/text runbooks (beside the bundle's own runbooks/)",
    ),
    max_results: int = typer.Option(5, "--max-results", min=1, max=20, help="Passages to show"),
    output: OutputFormat = FORMAT,
) -> None:
    """Search the runbooks (SQLite FTS5, BM25) as the agent's search_runbooks does."""
    from agent.config import SettingsError, load_settings
    from agent.telemetry.bundle import BundleError
    from agent.telemetry.local import LocalBackend

    if runbooks_dir is not None and not runbooks_dir.is_dir():
        _fail(f"--runbooks-dir {runbooks_dir}: not a folder")
    try:
        backend = LocalBackend(bundle, load_settings(runbooks_dir=runbooks_dir))
    except (BundleError, SettingsError) as exc:
        _fail(str(exc))
    if not backend.capabilities.runbooks:
        _fail(f"{backend.bundle.root}: no runbooks/ folder in the bundle and no --runbooks-dir")
    if output is OutputFormat.json:
        from agent.telemetry.base import QueryError

        try:
            found = backend.search_runbooks(text, max_results)
        except QueryError as exc:
            _fail(exc.message, code=2)
        passages = [p.model_dump() for p in found.passages]
        typer.echo(json.dumps(passages, indent=2, ensure_ascii=False))
        return
    _run(backend, lambda: backend.search_runbooks(text, max_results), output)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `query` group."""
    app.command("sql")(sql)
    app.command("traces")(traces)
    app.command("trace")(trace)
    app.command("service-graph")(service_graph)
    app.command("metrics")(metrics)
    app.command("runbooks")(runbooks)
