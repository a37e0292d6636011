"""The `fa2` command line: the typer application in `commands`, and one shortcut.

`fa2 query logs` with plain arguments runs without importing typer (`query_logs.
plain_arguments`): a logs query is often a whole process of its own, and typer with its
option adapters costs about as much as the query's own reading on a small bundle."""

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
    from cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    # `from cli import app` (tests, tools) without importing typer for `main`'s shortcut.
    if name == "app":
        from cli.commands import app

        return app
    raise AttributeError(f"module 'cli' has no attribute {name!r}")
