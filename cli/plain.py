"""What the query commands share that needs no typer, so `fa2 query logs` and `fa2 query
sql` read without typer (`read_plain`) import none of it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

if TYPE_CHECKING:
    from pydantic import ValidationError

    from agent.telemetry.bundle import Bundle
    from agent.telemetry.bundle_layout import BundleFiles

T = TypeVar("T")

MAX_CELL = 60  # characters of a value shown in --format table


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr and exit with `code` (under typer or without it)."""
    sys.stdout.flush()
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 time as the query commands take it (`Z` for UTC); ValueError if not one."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


def range_problem(exc: ValidationError) -> str:
    """pydantic's message for a bad TimeRange, without its 'Value error, ' prefix."""
    return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")


def open_bundle(
    bundle: Path, plain: Callable[[dict[str, Any]], T | None], validated: Callable[[Bundle], T]
) -> tuple[Path, BundleFiles, T]:
    """(the bundle folder, its files, what a query needs of its manifest). `plain` reads that
    from the manifest's mapping, or gives None when it is not plainly written; only then is
    the manifest validated whole (pydantic and the manifest's models are a fifth of a small
    query's time), `validated` reads it from the `Bundle`, and a faulty manifest is refused
    with the message every other command gives."""
    from agent.telemetry.bundle_layout import BundleError, list_bundle_files, read_manifest

    root = bundle.expanduser().resolve()
    try:
        if root.is_dir():
            _, _, manifest = read_manifest(root)
            value = plain(manifest)
            if value is not None:
                return root, list_bundle_files(root), value
        from agent.telemetry.bundle import load_bundle

        loaded = load_bundle(bundle)
    except BundleError as exc:
        fail(str(exc))
    return loaded.root, loaded, validated(loaded)


def read_plain(
    argv: Sequence[str], command: Sequence[str], options: dict[str, tuple[str, ...]]
) -> tuple[dict[str, list[str]], list[str]] | None:
    """`argv` (after the program name) read as `command` with typer's meaning: (the values
    of each option, by the parameter it sets, in order; the positional arguments), or None
    when it is not that command or holds anything this reader does not know exactly.

    Read as click reads them: long and short spellings, `--opt=value`, repeats. `--help`,
    `--`, a joined short option (`-bDIR`), an unknown option or one without its value give
    None: typer reads those, so help and usage errors read the same either way."""
    if list(argv[: len(command)]) != list(command):
        return None
    spelling = {flag: name for name, flags in options.items() for flag in flags}
    values: dict[str, list[str]] = {}
    positional: list[str] = []
    rest = argv[len(command) :]
    index = 0
    while index < len(rest):
        token = rest[index]
        index += 1
        if not token.startswith("-") or token == "-":
            positional.append(token)
            continue
        flag, equals, value = token.partition("=")
        if flag not in spelling or (equals and not flag.startswith("--")):
            return None
        if not equals:
            if index == len(rest):
                return None
            value = rest[index]
            index += 1
        values.setdefault(spelling[flag], []).append(value)
    return values, positional


class TableResult(Protocol):
    """What `print_result_table` shows of a query's result (a `QueryResult` is one)."""

    @property
    def columns(self) -> list[str]: ...
    @property
    def rows(self) -> Sequence[Sequence[str | None]]: ...
    @property
    def total_rows(self) -> int: ...
    @property
    def truncated(self) -> bool: ...
    @property
    def bytes_scanned(self) -> int: ...
    @property
    def link(self) -> str | None: ...


def print_result_table(result: TableResult, window: str | None = None) -> None:
    """The rows as a table on stdout (values clipped to `MAX_CELL`), then one line: rows
    shown of the total, bytes scanned, `window`, the result's link."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    clipped = False

    def cell(value: str | None) -> str:
        nonlocal clipped
        text = "NULL" if value is None else value.replace("\n", " ")
        if len(text) > MAX_CELL:
            clipped, text = True, text[: MAX_CELL - 1] + "…"
        return escape(text)

    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(escape(column), overflow="fold", min_width=min(len(column), 12))
    for row in result.rows:
        table.add_row(*(cell(value) for value in row))
    console = Console(soft_wrap=False, width=max(Console().width, 160))
    console.print(table)
    shown = len(result.rows)
    details = [f"{shown} of {result.total_rows} rows" if result.truncated else f"{shown} rows"]
    if clipped:
        details.append(f"values over {MAX_CELL} characters clipped (--format json has them whole)")
    if result.bytes_scanned:
        details.append(f"{result.bytes_scanned:,} bytes scanned")
    if window is not None:
        details.append(window)
    if result.link:
        details.append(result.link)
    console.print(escape(" · ".join(details)))
