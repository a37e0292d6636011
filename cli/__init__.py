"""The `fa2` command line: the typer application in `commands`, and two shortcuts.

`fa2 query logs` and `fa2 query sql` with plain arguments run without importing typer
(`query_logs.plain_arguments`, `sql_query.plain_arguments`): a query is often a whole
process of its own, and typer with its option adapters costs about as much as the query's
own reading on a small or cached bundle."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer


def main() -> None:
    if sys.argv[1:3] == ["query", "logs"]:
        from cli.query_logs import plain_arguments, run_logs_query

        arguments = plain_arguments(sys.argv[1:])
        if arguments is not None:
            run_logs_query(arguments)
            return
    if sys.argv[1:3] == ["query", "sql"]:
        from cli.sql_query import plain_arguments as plain_sql_arguments
        from cli.sql_query import run_sql_query

        sql_arguments = plain_sql_arguments(sys.argv[1:])
        if sql_arguments is not None:
            run_sql_query(sql_arguments)
            return
    from cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    # `from cli import app` (tests, tools) without importing typer for `main`'s shortcut.
    if name == "app":
        from cli.commands import app

        return app
    raise AttributeError(f"module 'cli' has no attribute {name!r}")
