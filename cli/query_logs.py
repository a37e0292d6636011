"""`fa2 query logs`: run one CloudWatch Logs Insights query over an incident bundle's logs.

    fa2 query logs --bundle DIR [--log-group NAME]... [--start ISO] [--end ISO]
                   [--format json|table] QUERY

`--format json` prints exactly the `GetQueryResults` shape
(`{"status", "results", "statistics"}`); `table` prints the rows and the statistics.
An invalid query exits with status 2 and the reason on stderr (position and what was
expected), like AWS's MalformedQueryException. Of incident.yaml a logs query needs only the
window: a manifest faulty elsewhere (which `fa2 bundle check` names) still lets you read
its logs.

Two ways in, one command: typer (`register`), and `plain_arguments`, which reads the
common spellings of these options without typer. A query is often a whole process of its
own, and typer with its pydantic option adapters is ~0.1 s of it; anything the plain
reader does not know exactly (`--help`, an unknown option, a missing `--bundle`, a bad
value) goes to typer, so usage errors and help read the same either way.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.plain import OutputFormat, fail, note, open_bundle, parse_instant, read_plain

if TYPE_CHECKING:
    import typer

    from agent.telemetry.instants import TimeSpan


_QUERY_HELP = "The Logs Insights query, e.g. 'filter @message like /ERROR/'"
_BUNDLE_HELP = "Incident bundle folder (holds incident.yaml)"
_GROUP_HELP = "Log group to query (repeatable); default: every group in the bundle"


@dataclass
class LogsQueryArguments:
    query: str
    bundle: Path
    log_groups: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    output: OutputFormat = OutputFormat.table


# The option spellings `plain_arguments` reads, by the parameter they set; a test checks
# them against the typer command's, so the two ways in cannot drift apart.
PLAIN_OPTIONS: dict[str, tuple[str, ...]] = {
    "bundle": ("--bundle", "-b"),
    "log_group": ("--log-group", "-g"),
    "start": ("--start",),
    "end": ("--end",),
    "output": ("--format", "-f"),
}


def plain_arguments(argv: list[str]) -> LogsQueryArguments | None:
    """`argv` (after the program name) read as `query logs` with typer's meaning, or None
    when it is not that command or holds anything this reader does not know exactly."""
    read = read_plain(argv, ("query", "logs"), PLAIN_OPTIONS)
    if read is None:
        return None
    values, positional = read
    if len(positional) != 1 or "bundle" not in values:
        return None
    try:
        output = OutputFormat(values.get("output", ["table"])[-1])
        start, end = (
            parse_instant(values[name][-1]) if name in values else None for name in ("start", "end")
        )
    except ValueError:
        return None  # typer says what is wrong with the value
    return LogsQueryArguments(
        query=positional[0],
        bundle=Path(values["bundle"][-1]),
        log_groups=values.get("log_group", []),
        start=start,
        end=end,
        output=output,
    )


def run_logs_query(arguments: LogsQueryArguments) -> None:
    """Run the query and print its result (exits with 2 on a bad query, 1 on a bad bundle)."""
    from agent.telemetry import instants
    from agent.telemetry.bundle_layout import plain_window
    from agent.telemetry.errors import QueryError, TelemetryUnavailableError
    from agent.telemetry.local.logs_insights import LogsInsightsEngine, parse_query
    from agent.telemetry.local.scan_cache import connect_to_bundle

    query, bundle = arguments.query, arguments.bundle
    try:
        parse_query(query)  # fail on a malformed query before loading anything
    except QueryError as exc:
        fail(str(exc), code=2)
    # Of the manifest a logs query needs only the window.
    window: TimeSpan
    root, bundle_files, window = open_bundle(bundle, plain_window, lambda loaded: loaded.window)
    files = bundle_files.source_files("logs")
    time_range = instants.Span(
        instants.as_utc(arguments.start) if arguments.start else window.start,
        instants.as_utc(arguments.end) if arguments.end else window.end,
    )
    problem = instants.range_problem(time_range.start, time_range.end)
    if problem is not None:
        fail(f"invalid time range: {problem}")
    if not instants.ranges_overlap(time_range, window):
        note(
            f"{time_range.label()} is outside the bundle's window {window.label()}: expect no data"
        )
    if not files:
        fail(f"{bundle}: the bundle has no log events (logs/*.jsonl)")
    con, cache = connect_to_bundle(root)
    try:
        # One query: read the files in place rather than copy every event into memory first.
        engine = LogsInsightsEngine(con, files, cache=cache, materialize=False)
        requested = arguments.log_groups or None  # None: every group
        result = engine.run(query, requested, time_range)
        groups = arguments.log_groups or [g.name for g in engine.log_groups()]
        left_out = engine.data_notes(root)
    except QueryError as exc:
        fail(str(exc), code=2)
    except TelemetryUnavailableError as exc:
        fail(str(exc))
    finally:
        con.close()

    if arguments.output is OutputFormat.json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_table(result, time_range.label(), groups)
    # After the result, on stderr (JSON on stdout stays parseable), from a cold read and a
    # cached one alike: what the result leaves out of the bundle's logs.
    for line in left_out:
        note(line)


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
    import typer

    from cli.query_sql import END, START, _instant

    def logs(
        query: str = typer.Argument(..., help=_QUERY_HELP),
        bundle: Path = typer.Option(..., "--bundle", "-b", help=_BUNDLE_HELP),
        log_group: list[str] = typer.Option([], "--log-group", "-g", help=_GROUP_HELP),
        start: str | None = START,
        end: str | None = END,
        output: OutputFormat = typer.Option(
            OutputFormat.table, "--format", "-f", help="table or json"
        ),
    ) -> None:
        """Run a Logs Insights query over a bundle's logs (embedded engine, no AWS)."""
        run_logs_query(
            LogsQueryArguments(
                query=query,
                bundle=bundle,
                log_groups=log_group,
                start=_instant(start, "--start"),
                end=_instant(end, "--end"),
                output=output,
            )
        )

    app.command("logs")(logs)
