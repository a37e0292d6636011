"""`fa2 bundle check DIR`: per source, the files, record counts and time span, then every
problem with file and line. Exit 0 when the bundle is usable, 1 when it is not."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer

bundle_app = typer.Typer(
    help="Work with incident bundles.", no_args_is_help=True, rich_markup_mode=None
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _shown(text: str) -> str:
    """`text` safe for the terminal (file names and messages come from the bundle, which
    someone else wrote): unprintable characters as `\\x1b`-style escapes, and rich markup
    escaped."""
    from rich.markup import escape

    from agent.telemetry.inert_text import one_visible_line

    return escape(one_visible_line(text))


def _span(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "-"
    if first.date() == last.date():
        return f"{first:%m-%d %H:%M:%S}–{last:%H:%M:%S}"
    return f"{first:%m-%d %H:%M:%S}–{last:%m-%d %H:%M:%S}"


@bundle_app.command("check")
def check(
    path: Path = typer.Argument(..., help="The bundle folder (holds incident.yaml)"),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json"),
) -> None:
    """Validate an incident bundle against the spec (gzip files too)."""
    from agent.bundle_check import check_bundle

    report = check_bundle(path)
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.as_json(), indent=2))
        raise typer.Exit(0 if report.usable else 1)

    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False)
    console.print(f"[bold]{_shown(report.title or str(path))}[/bold]  ({_shown(report.root)})")
    if report.window is not None:
        console.print(f"window: {report.window.label()}")
    for source in report.sources:
        table = Table(title=f"{source.source}", title_justify="left", show_footer=True)
        table.add_column("file", footer="total", overflow="fold")
        table.add_column("records", justify="right", footer=str(source.records))
        table.add_column("skipped", justify="right", footer=str(source.skipped))
        table.add_column("time span (UTC)", footer=_span(source.first, source.last), no_wrap=True)
        for file in source.files:
            table.add_row(
                _shown(file.path),
                str(file.records),
                str(file.skipped),
                _span(file.first, file.last),
            )
        console.print(table)
    for folder, count in report.knowledge.items():
        console.print(f"{folder}: {count} file{'' if count == 1 else 's'}")
    if report.problems:
        problems = Table(title=f"problems ({len(report.problems)})", title_justify="left")
        problems.add_column("severity")
        problems.add_column("where", overflow="fold")
        problems.add_column("problem", overflow="fold")
        for problem in report.problems:
            style = "red" if problem.severity == "error" else "yellow"
            problems.add_row(
                f"[{style}]{problem.severity}[/{style}]",
                _shown(problem.where()),
                _shown(problem.message),
            )
        console.print(problems)
    else:
        console.print("no problems")
    verdict = "[green]usable[/green]" if report.usable else "[red]not usable[/red]"
    console.print(f"{report.records} records in {len(report.sources)} sources: {verdict}")
    raise typer.Exit(0 if report.usable else 1)


@bundle_app.command("cache")
def cache(
    clear: bool = typer.Option(False, "--clear", help="Delete every bundle's cached copy"),
) -> None:
    """Show where bundles are cached (Parquet copies of their logs and tables), or clear it.

    The cache folder is FA2_CACHE_DIR, else the user cache directory; FA2_BUNDLE_CACHE is
    background (default), inline or off."""
    from agent.telemetry.local.scan_cache import build_mode, cache_root, clear_cache, file_size

    root = cache_root()
    if root.exists() and not root.is_dir():
        typer.echo(
            f"error: the cache folder {root} (FA2_CACHE_DIR) is a file: nothing is cached there; "
            "point FA2_CACHE_DIR at a folder",
            err=True,
        )
        raise typer.Exit(2)
    if clear:
        removed, size = clear_cache(root)
        typer.echo(f"removed {removed} cache file(s), {size:,} bytes, from {root}")
        return
    folder = root / "bundles"
    entries = list(folder.rglob("*.parquet")) if folder.is_dir() else []
    size = sum(file_size(p) for p in entries)
    typer.echo(f"{root}: {len(entries)} cached source(s), {size:,} bytes; mode {build_mode()}")


def register(app: typer.Typer) -> None:
    """Add `fa2 bundle ...` to the top-level app."""
    app.add_typer(bundle_app, name="bundle")
