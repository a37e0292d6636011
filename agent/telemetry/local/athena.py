"""Athena over a bundle: the ALB and CloudTrail tables in DuckDB, queried in Athena's SQL,
answered in the shape of Athena's `GetQueryResults`.

A query goes: read-only guard -> Trino-to-DuckDB translation -> DuckDB (on its own cursor,
so tools can run queries concurrently) -> rows rendered as Athena renders values (strings;
`true`/`false`, `2026-03-02 10:05:01.123` timestamps, `{a=1, b=x}` rows, `[1, 2]` arrays).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import duckdb
from sqlglot import exp

from agent.telemetry.errors import QueryError, TelemetryUnavailableError
from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.local.athena_tables import (
    ALB_COLUMNS,
    alb_select_sql,
    cloudtrail_columns,
    cloudtrail_select_sql,
)
from agent.telemetry.local.hardening import is_locked
from agent.telemetry.local.scan_cache import (
    BundleCache,
    CachedSource,
    build_bundle_sources,
    unreadable_reason,
)
from agent.telemetry.local.trino_sql import MACROS, SUPPORTED_FUNCTIONS, to_duckdb
from agent.telemetry.sql_guard import ensure_read_only

if TYPE_CHECKING:
    from agent.telemetry.base import TableSchema

log = logging.getLogger(__name__)

# What a file that cannot be read raises when a query reaches it (corrupt gzip, bad JSON).
_READ_ERRORS = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)


def _none_readable(database: str, table: str, unreadable: list[tuple[Path, str]]) -> str:
    path, reason = unreadable[0]
    return (
        f"could not load the bundle's athena data for {database}.{table}: none "
        f"of its {len(unreadable)} file(s) could be read (first: {one_visible_line(path.name)}: {reason})"
    )


_HIVE_TO_TRINO = {"string": "varchar", "int": "integer", "bigint": "bigint", "double": "double"}


@dataclass(frozen=True)
class AthenaAnswer:
    """GetQueryResults-shaped response plus what the API reports beside it."""

    response: dict[str, Any]
    total_rows: int
    truncated: bool
    bytes_scanned: int
    duckdb_sql: str
    source: str  # what the query read, for its citation: "alb", "cloudtrail" or "athena" (both)
    reads: tuple[str, ...] = ()  # the sources whose tables it read ("alb", "cloudtrail")


def _trino_type(hive_type: str) -> str:
    """Hive DDL type -> the Trino type Athena reports (`struct<a:string>` -> `row(a varchar)`)."""
    text = hive_type.lower()
    for hive, trino in _HIVE_TO_TRINO.items():
        text = re.sub(rf"\b{hive}\b", trino, text)
    text = re.sub(r"struct<", "row(", text).replace("array<", "array(").replace("map<", "map(")
    text = re.sub(r"(\w+):", r"\1 ", text)
    return text.replace(">", ")").replace(",", ", ")


class AthenaEngine:
    """The two tables of one bundle as views in `con` under schema `database`: over the
    bundle's Parquet cache when it has one, else straight over the files (DuckDB reads only
    the columns and rows a query needs; nothing is materialised)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        database: str,
        alb_table: str,
        cloudtrail_table: str,
        alb_files: list[Path],
        cloudtrail_files: list[Path],
        aliases: dict[str, str] | None = None,
        cache: BundleCache | None = None,
    ) -> None:
        self._con = con
        self._cache = cache
        self.database = database
        self._source_tables = {"alb": alb_table, "cloudtrail": cloudtrail_table}
        self._source_files = {"alb": set(alb_files), "cloudtrail": set(cloudtrail_files)}
        self.tables: dict[str, list[tuple[str, str]]] = {}  # table -> [(column, hive type)]
        self.bytes_per_table: dict[str, int] = {}
        self._aliases: dict[str, str] = {}
        self._descriptions: dict[str, str] = {}
        # Tables read straight from their files, not yet checked: (select, files, what,
        # time column). Checking reads every file, so it waits until a query fails or
        # someone asks for the descriptions or the unreadable files.
        self._unchecked: dict[str, tuple[Callable[[Sequence[Path]], str], list[Path], str, str]]
        self._unchecked = {}
        self._unreadable: list[tuple[Path, str]] = []
        self._unavailable: dict[str, str] = {}  # table -> why none of its files could be read
        self._check_lock = threading.Lock()
        if not is_locked(con):  # a hardened connection is already in UTC
            con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_identifier(database)}")
        for macro in MACROS:
            con.execute(macro)
        self.from_cache: dict[str, bool] = {}
        self._load(
            alb_table, ALB_COLUMNS, alb_select_sql, alb_files, "ALB access logs", "time", "alb"
        )
        self._load(
            cloudtrail_table,
            cloudtrail_columns(),
            cloudtrail_select_sql,
            cloudtrail_files,
            "CloudTrail events",
            "eventtime",
            "cloudtrail",
        )
        for alias, table in (aliases or {}).items():
            if alias != table and alias not in self.tables:
                con.execute(
                    f"CREATE VIEW {_table(database, alias)} AS SELECT * FROM {_table(database, table)}"
                )
                self.tables[alias] = self.tables[table]
                self.bytes_per_table[alias] = self.bytes_per_table[table]
                self._aliases[alias] = table
        if cache is not None and not all(self.from_cache.values()):
            if cache.mode == "inline":
                build_bundle_sources(
                    cache,
                    self._con.cursor(),
                    {"alb": alb_files, "cloudtrail": cloudtrail_files},
                )
            elif cache.mode == "background":
                cache.build_in_background()

    # -- what was read ----------------------------------------------------------------------

    @property
    def unreadable(self) -> list[tuple[Path, str]]:
        """Files that could not be read, and why (their rows are missing from the table)."""
        self._check_all()
        return list(self._unreadable)

    def unreadable_read_by(self, answer: AthenaAnswer) -> list[tuple[Path, str]]:
        """The files of the tables `answer` read known to be unreadable, without reading the
        others to check them: a file that cannot be read fails the query that reads it,
        which then names it (or the cache entry named it)."""
        files = set().union(*(self._source_files[source] for source in answer.reads))
        return [(path, reason) for path, reason in self._unreadable if path in files]

    @property
    def unavailable(self) -> dict[str, str]:
        """Tables none of whose files could be read, and why."""
        self._check_all()
        return self._with_aliases(self._unavailable)

    @property
    def descriptions(self) -> dict[str, str]:
        """What each table holds and when (told to the agent with the schemas)."""
        self._check_all()
        return self._with_aliases(self._descriptions)

    def _with_aliases(self, by_table: dict[str, str]) -> dict[str, str]:
        out = dict(by_table)
        for alias, table in self._aliases.items():
            if table in by_table:
                out[alias] = by_table[table]
        return out

    def _load(
        self,
        table: str,
        columns: list[tuple[str, str]],
        select: Callable[[Sequence[Path]], str],
        files: list[Path],
        what: str,
        time_column: str,
        source: CachedSource,
    ) -> None:
        target = _table(self.database, table)
        self.tables[table] = columns
        self.bytes_per_table[table] = sum(p.stat().st_size for p in files)
        entry = (
            self._cache.lookup(self._con, source, files)
            if self._cache is not None and files
            else None
        )
        self.from_cache[source] = entry is not None or not files
        if entry is None:
            try:
                self._con.execute(f"CREATE VIEW {target} AS {select(files)}")
            except duckdb.Error:  # the reader looked at a file when binding and failed
                self._check(table, select, files, what, time_column, probe=True)
            else:
                self._unchecked[table] = (select, files, what, time_column)
            return
        self._con.execute(f"CREATE VIEW {target} AS SELECT * FROM {entry.relation()}")
        self._unreadable.extend(entry.unreadable)
        readable = len(files) - len(entry.unreadable)
        if not readable:
            self._unavailable[table] = _none_readable(self.database, table, entry.unreadable)
        self._describe(table, what, readable, len(entry.unreadable), entry.extra)

    def _describe(
        self, table: str, what: str, files: int, skipped: int, span: dict[str, Any]
    ) -> None:
        rows, first, last = span.get("rows", 0), span.get("first"), span.get("last")
        time_column = span.get("time_column", "time")
        between = f", {time_column} from {first} to {last}" if rows else ""
        unreadable = f" ({skipped} unreadable file(s) skipped)" if skipped else ""
        self._descriptions[table] = (
            f"{what}: {rows} rows from {files} file(s) of the bundle{unreadable}{between}"
        )

    def _check_all(self) -> None:
        with self._check_lock:
            for table in list(self._unchecked):
                self._check(table, *self._unchecked.pop(table))

    def _check(
        self,
        table: str,
        select: Callable[[Sequence[Path]], str],
        files: list[Path],
        what: str,
        time_column: str,
        probe: bool = False,
    ) -> None:
        """Read the table once: its row count and time span, or, if its files cannot all
        be read (or `probe`), the view is (re)built over the readable ones and the others
        are named."""
        target = _table(self.database, table)
        span_sql = f"SELECT count(*), min({time_column}), max({time_column}) FROM {target}"
        skipped = 0
        try:
            if probe:
                raise duckdb.InvalidInputException("probe the files one by one")
            row = self._con.execute(span_sql).fetchone()
        except duckdb.Error:
            readable = self._readable(select, files, what)
            skipped = len(files) - len(readable)
            if not readable:  # queries on it say so rather than answer "0 rows"
                self._unavailable[table] = _none_readable(
                    self.database, table, self._unreadable[-len(files) :]
                )
            self._con.execute(f"CREATE OR REPLACE VIEW {target} AS {select(readable)}")
            row = self._con.execute(span_sql).fetchone()
            files = readable
        rows, first, last = row if row else (0, None, None)
        span = {"rows": rows, "first": first, "last": last, "time_column": time_column}
        self._describe(table, what, len(files), skipped, span)

    def _readable(
        self, select: Callable[[Sequence[Path]], str], files: list[Path], what: str
    ) -> list[Path]:
        """The files DuckDB can read on their own; the others are skipped and named (with
        none left the table is empty, and its description says why)."""
        readable = []
        for path in files:
            try:
                self._con.execute(f"SELECT count(*) FROM ({select([path])})").fetchall()
                readable.append(path)
            except duckdb.Error as exc:
                reason = unreadable_reason(exc)
                self._unreadable.append((path, reason))
                # Said by the notes (`unreadable_read_by`, the backend's `load_notes`).
                log.info(
                    "skipped unreadable %s file %s: %s", what, one_visible_line(str(path)), reason
                )
        return readable

    def table_schemas(self) -> list[TableSchema]:
        # pydantic only here: `fa2 query sql` runs queries without importing it.
        from agent.telemetry.base import ColumnInfo, TableSchema

        return [
            TableSchema(
                database=self.database,
                table=table,
                columns=[ColumnInfo(name=name, type=_trino_type(kind)) for name, kind in columns],
                description=self.descriptions[table],
            )
            for table, columns in self.tables.items()
        ]

    def run(self, sql: str, max_rows: int = 1000, timeout_s: float = 60.0) -> AthenaAnswer:
        """Run one read-only query; raise `QueryError` with a fixable message if it is wrong
        (including when it runs longer than `timeout_s`: it is then interrupted)."""
        statement = ensure_read_only(sql, database=self.database, tables=self.tables)
        schema = {t: {c: _trino_type(k) for c, k in cols} for t, cols in self.tables.items()}
        duck_sql = to_duckdb(statement, database=self.database, schema=schema)
        self._refuse_unavailable(duck_sql)
        try:
            return self._execute(duck_sql, statement, max_rows, timeout_s)
        except QueryError as exc:
            # A file that cannot be read fails the query that reads it: check the tables
            # (skipping such files, as a load would), then run it again once.
            if not self._unchecked or not isinstance(exc.__cause__, _READ_ERRORS):
                raise
        self._check_all()
        self._refuse_unavailable(duck_sql)
        return self._execute(duck_sql, statement, max_rows, timeout_s)

    def _refuse_unavailable(self, duck_sql: str) -> None:
        for table, reason in self._with_aliases(self._unavailable).items():
            if re.search(rf"\b{re.escape(table)}\b", duck_sql, re.IGNORECASE):
                raise TelemetryUnavailableError(reason)

    def _execute(
        self, duck_sql: str, statement: str, max_rows: int, timeout_s: float
    ) -> AthenaAnswer:
        cursor = self._con.cursor()
        watchdog = threading.Timer(timeout_s, cursor.interrupt)
        watchdog.daemon = True
        watchdog.start()
        try:
            cursor.execute(f"SET search_path = {_search_path(self.database)}")
            cursor.execute(duck_sql)
            description = cursor.description or []
            rows = cursor.fetchmany(max_rows)
            truncated = bool(cursor.fetchmany(1))
            total = len(rows)
            if truncated:
                # The rest is only counted: a second, cheaper run beats converting every row.
                total = int(cursor.execute(f"SELECT count(*) FROM ({duck_sql})").fetchall()[0][0])
        except duckdb.InterruptException as exc:
            raise QueryError(
                f"the query ran longer than {timeout_s:g} s and was stopped: filter earlier, "
                "aggregate instead of listing rows, or avoid joins that multiply rows"
            ) from exc
        except duckdb.Error as exc:
            raise QueryError(self._explain(exc, statement)) from exc
        finally:
            watchdog.cancel()
            cursor.close()
        names = [d[0] for d in description]
        types = [_athena_result_type(str(d[1])) for d in description]
        header = {"Data": [{"VarCharValue": name} for name in names]}
        data = [{"Data": [_cell(value) for value in row]} for row in rows]
        response = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [header, *data],
                "ResultSetMetadata": {
                    "ColumnInfo": [
                        {
                            "CatalogName": "hive",
                            "SchemaName": "",
                            "TableName": "",
                            "Name": name,
                            "Label": name,
                            "Type": kind,
                            "Precision": 0,
                            "Scale": 0,
                            "Nullable": "UNKNOWN",
                            "CaseSensitive": kind == "varchar",
                        }
                        for name, kind in zip(names, types, strict=True)
                    ]
                },
            },
        }
        scanned = sum(size for table, size in self.bytes_per_table.items() if table in duck_sql)
        reads = self._sources_read(duck_sql)
        source = reads[0] if len(reads) == 1 else "athena"
        return AthenaAnswer(response, total, truncated, scanned, duck_sql, source, reads)

    def _sources_read(self, duck_sql: str) -> tuple[str, ...]:
        """The sources whose table (under its own name or an alias of it) the SQL reads."""
        lowered = duck_sql.lower()
        return tuple(
            source
            for source, table in self._source_tables.items()
            if any(
                re.search(rf"\b{re.escape(name.lower())}\b", lowered)
                for name in (table, *(a for a, t in self._aliases.items() if t == table))
            )
        )

    # ------------------------------------------------------------------ errors

    def _explain(self, exc: duckdb.Error, sql: str) -> str:
        """Turn a DuckDB error into an Athena-like message naming what is available."""
        text = str(exc).split("\n")[0]
        tables = ", ".join(f"{self.database}.{t}" for t in self.tables)
        column = (
            re.search(r'Referenced column "?([^"\s]+)"? not found', text)
            or re.search(r'Column "([^"]+)" referenced that exists in the SELECT clause', text)
            or re.search(r'column "?([^"\s]+)"? (?:not found|does not exist)', text)
            # DuckDB binds an unknown GROUP BY name to a same-named SELECT alias and then
            # refuses it; in Athena that name is simply an unknown column.
            or re.search(r'Alias with name "([^"]+)" exists, but aliases cannot be used', text)
        )
        if column:
            used = [t for t in self.tables if re.search(rf"\b{re.escape(t)}\b", sql)]
            return f"COLUMN_NOT_FOUND: Column '{column.group(1)}' cannot be resolved. " + "; ".join(
                f"columns of {self.database}.{t}: {', '.join(c for c, _ in self.tables[t])}"
                for t in used or self.tables
            )
        table = re.search(r"Table with name (\S+) does not exist", text)
        if table:
            return f"TABLE_NOT_FOUND: Table '{table.group(1)}' does not exist. Available tables: {tables}"
        schema = re.search(r"Catalog Error: Schema with name (\S+) does not exist", text)
        if schema:
            return f"SCHEMA_NOT_FOUND: Schema '{schema.group(1)}' does not exist. Available tables: {tables}"
        function = re.search(r"Function with name (\S+) does not exist", text)
        if function:
            return (
                f"FUNCTION_NOT_FOUND: Function '{function.group(1).lower()}' is not supported by "
                f"the local Athena engine. Supported: {SUPPORTED_FUNCTIONS}"
            )
        struct_field = re.search(r'Could not find key "([^"]+)" in struct', text)
        if struct_field:
            return f"COLUMN_NOT_FOUND: field '{struct_field.group(1)}' is not in that row (struct) column. {text}"
        if re.search(r"with value -?(inf|nan) can't be cast", text):
            # Integer division is typed as a truncated double; x / 0 surfaces as a cast of inf.
            return "DIVISION_BY_ZERO: Division by zero (guard the divisor, e.g. x / nullif(y, 0))"
        kind = type(exc).__name__.replace("Exception", "").upper()
        return f"{kind}: {text.split(': ', 1)[-1]}"


def _identifier(name: str) -> str:
    """A name as a quoted DuckDB identifier, quoted by sqlglot (never by string formatting:
    database and table names come from configuration and from bundle manifests)."""
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


def _table(database: str, table: str) -> str:
    return exp.table_(table, db=database, quoted=True).sql(dialect="duckdb")


def _search_path(database: str) -> str:
    return exp.Literal.string(f"{_identifier(database)},main").sql(dialect="duckdb")


def _athena_result_type(duck_type: str) -> str:
    upper = duck_type.upper()
    simple = {
        "VARCHAR": "varchar",
        "INTEGER": "integer",
        "BIGINT": "bigint",
        "HUGEINT": "bigint",
        "SMALLINT": "smallint",
        "TINYINT": "tinyint",
        "DOUBLE": "double",
        "FLOAT": "real",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
        "JSON": "json",
        "UUID": "uuid",
        "INTERVAL": "interval day to second",
    }
    if upper in simple:
        return simple[upper]
    if upper.startswith("DECIMAL"):
        return "decimal"
    if upper.startswith("STRUCT"):
        return "row"
    if upper.startswith("MAP"):
        return "map"
    if upper.endswith("]"):
        return "array"
    return upper.lower()


def _java_double(value: float) -> str:
    """Doubles as Trino prints them (Java's Double.toString): 1.0, 0.25, 1.5E7, NaN."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text else text + ".0"
    mantissa, exponent = f"{value:.16E}".split("E")
    digits = (
        repr(float(mantissa))
        if float(mantissa) != int(float(mantissa))
        else f"{float(mantissa):.1f}"
    )
    return f"{digits}E{int(exponent)}"


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
        return text + " UTC" if value.tzinfo is not None else text
    if isinstance(value, date | time | Decimal | UUID):
        return str(value)
    if isinstance(value, dict):
        if set(value) == {"key", "value"} and isinstance(value["key"], list):  # DuckDB MAP
            pairs = zip(value["key"], value["value"], strict=False)
            return "{" + ", ".join(f"{_render(k)}={_render(v)}" for k, v in pairs) + "}"
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if value is None:
        return "null"
    return str(value)


def _cell(value: Any) -> dict[str, str]:
    """One Athena `Datum`: NULL has no VarCharValue."""
    return {} if value is None else {"VarCharValue": _render(value)}
