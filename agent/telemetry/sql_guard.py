"""The read-only guard for Athena SQL, shared by the local (DuckDB) and the AWS backend.

Only one `SELECT` (optionally `WITH ... SELECT`, or set operations of SELECTs) passes.
Everything else — DDL, DML, `UNLOAD`, CTAS, `MSCK`, `CALL`, several statements — is refused
*before* anything runs, with a message that tells the author (often the LLM) what to write
instead. IAM also grants only reads; this guard is the first line, not the only one.

The query may read only the configured database's tables (locally: the bundle's tables),
`information_schema`, and its own CTEs where they are in scope. Names are resolved by
sqlglot's scope analysis, as the engine resolves them: a CTE is visible in the query of its
WITH and in the CTEs after it, never in its own body (unless `WITH RECURSIVE`) nor outside.
A quoted name that looks like a file path or URL is refused whatever it would resolve to:
DuckDB opens such a name as a file. Table functions (`read_csv(...)`, `TABLE(...)`) are
refused: Athena has none a query over logs needs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager

import sqlglot
from sqlglot import exp

# Load the dialects now, under the import lock. sqlglot registers a dialect class while its
# module is still executing; a query parsed from another thread at that moment (tools run
# concurrently) got "NameError: _TrinoTokenizer is not defined" from a half-loaded athena module.
from sqlglot.dialects import athena as _athena  # noqa: F401
from sqlglot.dialects import duckdb as _duckdb  # noqa: F401
from sqlglot.dialects import trino as _trino  # noqa: F401
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.tokens import Token

from agent.telemetry.errors import QueryError

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


def ensure_read_only(sql: str, *, database: str, tables: Collection[str] | None = None) -> str:
    """Return `sql` ready to run (trimmed, without a trailing `;`) if it is one read-only
    query over `database`'s `tables` (any table of `database` when `tables` is None: on AWS
    the Glue catalog decides); raise `QueryError` naming what was refused otherwise."""
    text = sql.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        raise QueryError("empty SQL: write one SELECT statement")
    first = ensure_shallow(text)
    if first is None:
        raise QueryError("empty SQL (only comments): write one SELECT statement")
    if first.token_type in _NOT_A_STATEMENT_START:
        raise QueryError(
            f"not a SQL statement: it starts with {first.text!r}; write one read-only SELECT "
            "(or WITH ... SELECT) query"
        )
    try:
        with parse_errors_as_query_errors():
            statements = [s for s in sqlglot.parse(text, read="athena") if s is not None]
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
    _ensure_known_sources(statement, database, tables)
    return text


# What no statement starts with: a name, a number or a string (every statement Athena knows
# starts with a keyword or a parenthesis). sqlglot reads such text as an expression (`SELEC
# x` is the column SELEC aliased x): a typo, to be named as one, not refused as a write.
_NOT_A_STATEMENT_START = {
    sqlglot.TokenType.VAR,
    sqlglot.TokenType.IDENTIFIER,
    sqlglot.TokenType.NUMBER,
    sqlglot.TokenType.STRING,
}


# Deeper nesting than this is refused before parsing: sqlglot's recursive-descent parser and
# optimizer exhaust Python's stack at ~60 nested parentheses; no query over logs needs 30.
MAX_NESTING = 30
TOO_DEEP = (
    f"query too deeply nested: at most {MAX_NESTING} nested parentheses or subqueries, and no "
    "endless chains of AND/OR (use IN (...) for a list of values, or a CTE)"
)


def ensure_shallow(text: str) -> Token | None:
    """Refuse SQL nested deeper than `MAX_NESTING` parentheses, naming where (line, column).
    Counted on sqlglot's tokens, so parentheses inside strings and comments do not count.
    Returns the first token (None for text of comments only)."""
    try:
        tokens = sqlglot.tokenize(text, read="athena")
    except TokenError as exc:
        raise QueryError(
            f"could not read the SQL (Athena/Trino dialect): {_first_line(exc)}"
        ) from exc
    depth = 0
    for token in tokens:
        if token.token_type == sqlglot.TokenType.L_PAREN:
            depth += 1
            if depth > MAX_NESTING:
                raise QueryError(
                    f"{TOO_DEEP}; nesting level {depth} opens at line {token.line}, "
                    f"column {token.col}"
                )
        elif token.token_type == sqlglot.TokenType.R_PAREN:
            depth = max(depth - 1, 0)
    return tokens[0] if tokens else None


# Characters no Athena table, database or catalog name has, but file paths and URLs do.
_PATH_LIKE = re.compile(r"[/\\:.~]|^\s|\s$")


def _ensure_known_sources(
    statement: exp.Expr, database: str, tables: Collection[str] | None
) -> None:
    """FROM and JOIN may name only `database`'s tables, `information_schema` and the
    query's own CTEs where they are in scope (see the module docstring)."""
    known = None if tables is None else {t.lower() for t in tables}
    available = (
        ", ".join(f"{database}.{t}" for t in sorted(tables))
        if tables is not None
        else f"the tables of {database}"
    )
    for cte in statement.find_all(exp.CTE):
        _refuse_path_like(cte.alias_or_name, "a WITH query", available)
    try:
        scopes = traverse_scope(statement)
    except (SqlglotError, RecursionError) as exc:
        raise QueryError(
            f"cannot tell which tables this query reads ({_first_line(exc)}); simplify it"
        ) from exc
    allowed: set[int] = set()
    for scope in scopes:
        ctes = {name.lower() for name in scope.cte_sources}
        for table in scope.tables:
            unqualified = not table.args.get("db") and not table.args.get("catalog")
            if unqualified and table.name.lower() in ctes:
                allowed.add(id(table))
    for table in statement.find_all(exp.Table):
        if id(table) in allowed:
            continue
        source = table.this
        if not isinstance(source, exp.Identifier):
            name = str(source.this) if isinstance(source, exp.Anonymous) else source.sql_name()
            raise QueryError(
                f"NOT_SUPPORTED: table function {name.lower()}(...) cannot be queried: FROM and "
                f"JOIN take tables ({available}), subqueries or UNNEST"
            )
        for part in table.parts:
            _refuse_path_like(part.name, "a table", available)
        name, db, catalog = table.name.lower(), table.db.lower(), table.catalog.lower()
        if catalog in ("", "awsdatacatalog") and db == "information_schema":
            continue
        if (
            catalog in ("", "awsdatacatalog")
            and db in ("", database.lower())
            and (known is None or name in known)
        ):
            continue
        raise QueryError(
            f"TABLE_NOT_FOUND: Table '{table.sql(dialect='trino')}' does not exist. "
            f"Available tables: {available}"
        )


def _refuse_path_like(name: str, what: str, available: str) -> None:
    if _PATH_LIKE.search(name):
        raise QueryError(
            f"TABLE_NOT_FOUND: {name!r} looks like a file path or URL, and {what} is named, "
            f"not a file: query the tables by name. Available tables: {available}"
        )


_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+.*?>")


@contextmanager
def parse_errors_as_query_errors() -> Iterator[None]:
    """sqlglot's parse failures as `QueryError`s the author can act on (too deep a query, or
    where the parser stopped)."""
    try:
        yield
    except RecursionError as exc:
        raise QueryError(TOO_DEEP) from exc
    except ParseError as exc:
        raise QueryError(
            f"could not parse the SQL (Athena/Trino dialect): {describe_parse_error(exc)}"
        ) from exc


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
