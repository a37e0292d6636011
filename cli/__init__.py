"""The `fa2` command line: the typer application in `commands`, and two shortcuts.

`fa2 query logs` and `fa2 query sql` with plain arguments run without importing typer
(`query_logs.plain_arguments`, `sql_query.plain_arguments`): a query is often a whole
process of its own, and typer with its option adapters costs about as much as the query's
own reading on a small or cached bundle."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import typer

    app: typer.Typer


def main(*, exit_when_queried: bool = False) -> None:
    """Run the command in `sys.argv`. With `exit_when_queried` (the `fa2` program itself,
    `run`), a query read plainly ends the process as soon as its output is written."""
    if _ran_plain_query(sys.argv[1:]):
        if exit_when_queried:
            _exit_without_teardown()
        return
    from cli.commands import app

    app()


def run() -> None:
    """The `fa2` program (the console script and `python -m cli`)."""
    try:
        main(exit_when_queried=True)
    except KeyboardInterrupt:
        _interrupted()
    except RuntimeError as exc:
        if str(exc) != DUCKDB_INTERRUPTED:
            raise
        _interrupted()


# What DuckDB raises when Ctrl-C (SIGINT) stops a query it is running.
DUCKDB_INTERRUPTED = "Query interrupted"


def _interrupted() -> NoReturn:
    # Ctrl-C in a plain query (or while modules load): one line, not a traceback. A typer
    # command's own Ctrl-C handling (analyze names its thread) runs before this.
    print("interrupted", file=sys.stderr)
    raise SystemExit(130) from None


def _ran_plain_query(argv: list[str]) -> bool:
    """Run `argv` if it is `query logs` or `query sql` with plain arguments; whether it was."""
    if argv[:2] == ["query", "logs"]:
        from cli.query_logs import plain_arguments, run_logs_query

        arguments = plain_arguments(argv)
        if arguments is not None:
            run_logs_query(arguments)
            return True
    if argv[:2] == ["query", "sql"]:
        from cli.sql_query import plain_arguments as plain_sql_arguments
        from cli.sql_query import run_sql_query

        sql_arguments = plain_sql_arguments(argv)
        if sql_arguments is not None:
            run_sql_query(sql_arguments)
            return True
    return False


def _exit_without_teardown() -> None:
    # The query is done: its DuckDB connection is closed and its output is written. What
    # is left is the interpreter's teardown, ~0.02 s of a ~0.25 s cached query, most of it
    # unloading DuckDB's module, which nothing needs. (No thread or atexit handler of fa2
    # is running: the cache writer is a detached process.)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        return  # a closed pipe, say: the usual exit reports it as it always has
    os._exit(0)


def __getattr__(name: str) -> Any:
    # `from cli import app` (tests, tools) without importing typer for `main`'s shortcut.
    if name == "app":
        from cli.commands import app

        return app
    raise AttributeError(f"module 'cli' has no attribute {name!r}")
