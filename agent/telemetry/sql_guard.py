"""The read-only guard for Athena SQL, shared by the local (DuckDB) and the AWS backend.

Only one `SELECT` (optionally `WITH ... SELECT`, or set operations of SELECTs) passes.
Everything else — DDL, DML, `UNLOAD`, CTAS, `MSCK`, `CALL`, several statements — is refused
*before* anything runs, with a message that tells the author (often the LLM) what to write
instead. IAM also grants only reads; this guard is the first line, not the only one.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp

# Load the dialects now, under the import lock. sqlglot registers a dialect class while its
# module is still executing; a query parsed from another thread at that moment (tools run
# concurrently) got "NameError: _TrinoTokenizer is not defined" from a half-loaded athena module.
from sqlglot.dialects import athena as _athena  # noqa: F401
from sqlglot.dialects import duckdb as _duckdb  # noqa: F401
from sqlglot.dialects import trino as _trino  # noqa: F401
from sqlglot.errors import ParseError, TokenError

from agent.telemetry.base import QueryError

# Statement kinds that read nothing but change something (or could), refused wherever they
# appear in the tree (e.g. `WITH a AS (...) INSERT INTO ...`, `SELECT ... INTO t`).
_FORBIDDEN_NODES: tuple[type[exp.Expr], ...] = (
    exp.Insert,
    exp.Create,
    exp.Drop,
    exp.Delete,
    exp.Update,
    exp.Merge,
    exp.Alter,
    exp.Command,
    exp.Into,
    exp.Grant,
    exp.Set,
    exp.Use,
    exp.Describe,
    exp.TruncateTable,
    exp.Copy,
)

_QUERY_ROOTS: tuple[type[exp.Expr], ...] = (exp.Select, exp.SetOperation, exp.Subquery)


class _DropCommandFallbackNotice(logging.Filter):
    """sqlglot logs a warning when it parses an unknown statement (UNLOAD, MSCK) as a
    generic Command; we refuse those ourselves, so the notice is noise on stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # sqlglot also warns on a malformed JSON path ('$['); the engine that runs the query
        # reports it as the query's error, so the warning only repeats it on stderr.
        return "Falling back to parsing as a 'Command'" not in message and not message.startswith(
            "Invalid JSON path syntax"
        )


logging.getLogger("sqlglot").addFilter(_DropCommandFallbackNotice())


def _statement_kind(statement: exp.Expr) -> str:
    if isinstance(statement, exp.Command):
        return str(statement.this).upper()
    if isinstance(statement, exp.Create):
        kind = str(statement.args.get("kind") or "").upper()
        if statement.args.get("expression") is not None:
            return f"CREATE {kind} AS SELECT (CTAS)".replace("  ", " ")
        return f"CREATE {kind}".strip()
    return type(statement).__name__.upper()


def ensure_read_only(sql: str) -> str:
    """Return `sql` ready to run (trimmed, without a trailing `;`) if it is one read-only
    query; raise `QueryError` naming what was refused otherwise."""
    text = sql.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        raise QueryError("empty SQL: write one SELECT statement")
    try:
        statements = [s for s in sqlglot.parse(text, read="athena") if s is not None]
    except ParseError as exc:
        raise QueryError(
            f"could not parse the SQL (Athena/Trino dialect): {describe_parse_error(exc)}"
        ) from exc
    except TokenError as exc:
        raise QueryError(
            f"could not read the SQL (Athena/Trino dialect): {_first_line(exc)}"
        ) from exc
    if len(statements) != 1:
        raise QueryError(
            f"{len(statements)} statements given: only one SELECT statement per query is allowed "
            "(split them into separate queries)"
        )
    statement = statements[0]
    if not isinstance(statement, _QUERY_ROOTS):
        kind = _statement_kind(statement)
        hint = ""
        if kind.startswith(("SHOW", "DESCRIBE")):
            hint = " (to list tables or columns, SELECT from information_schema.tables or information_schema.columns)"
        raise QueryError(
            f"refused {kind} statement: only read-only SELECT (or WITH ... SELECT) queries are "
            f"allowed; DDL, DML, UNLOAD, CTAS, MSCK, CALL and similar are never run{hint}"
        )
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            what = "SELECT ... INTO" if isinstance(node, exp.Into) else _statement_kind(node)
            raise QueryError(
                f"refused {what} inside the query: only read-only SELECT queries are allowed"
            )
    return text


_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")


def describe_parse_error(exc: ParseError) -> str:
    """sqlglot's first parse error as one readable line: what, where (line, column), near what."""
    if not exc.errors:
        return _first_line(exc)
    error = exc.errors[0]
    description = _TOKEN_REPR.sub(
        lambda m: "end of query" if m.group(1) == "SENTINEL" else repr(m.group(2)),
        str(error.get("description", "")),
    )
    description = re.sub(r"<class 'sqlglot\.expressions\.[\w.]*\.(\w+)'>", r"\1", description)
    near = error.get("highlight") or ""
    return f"{description} at line {error.get('line')}, column {error.get('col')}" + (
        f" (near {near!r})" if near else ""
    )


def _first_line(exc: Exception) -> str:
    message = str(exc).strip().splitlines()
    return message[0] if message else type(exc).__name__
