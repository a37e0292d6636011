"""What the query commands share that needs no typer, so `fa2 query logs` read without
typer (see `query_logs.plain_arguments`) imports none of it."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from pydantic import ValidationError


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
