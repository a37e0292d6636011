"""`LogsInsightsEngine`: bundle log events in DuckDB, queried with Logs Insights QL.

Where the events come from, cheapest first:
- the bundle cache (scan_cache.py): a Parquet copy read in place, with the catalog of log
  groups and each message's masked form (for `pattern`) written beside it;
- the files themselves, through a view over DuckDB's NDJSON reader (gzip or not), when
  the engine answers one query (`materialize=False`, the CLI): each query reads the files
  again, but reading once costs less than copying every event into memory first;
- a table of this engine's own, loaded once (`materialize=True`, the default), when many
  queries follow (the agent's backend).
Every query runs on its own cursor, so the graph's tool threads can query concurrently.
Results come back exactly as `GetQueryResults` returns them.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import duckdb

from agent.telemetry.errors import QueryError, TelemetryUnavailableError
from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.local.logs_insights import ast
from agent.telemetry.local.logs_insights.compiler import (
    Compiled,
    Compiler,
    Scope,
    event_columns_read,
    leading_filter_sql,
    pattern_scope,
    shows_events,
)
from agent.telemetry.local.logs_insights.fields import (
    JSON_COLUMN_SQL,
    cached_events_select_sql,
    empty_table_sql,
    events_select_sql,
    load_sql,
    read_once,
    scan_view_sql,
)
from agent.telemetry.local.logs_insights.parser import MAX_LIMIT, parse_query
from agent.telemetry.local.logs_insights.patterns import (
    MASKED_COLUMN,
    cluster_lines,
    grouped_input_sql,
)
from agent.telemetry.local.logs_insights.results import (
    Catalog,
    LogGroupCatalogEntry,
    catalog_from,
    describe_logs,
    left_out_notes,
    pattern_table,
    read_catalog,
    result_row,
    scan_statistics,
    stored_catalog,
)
from agent.telemetry.local.logs_insights.sqlexpr import quote
from agent.telemetry.local.scan_cache import BundleCache, unreadable_reason

if TYPE_CHECKING:
    from agent.telemetry.instants import TimeSpan

log = logging.getLogger(__name__)
_engine_ids = itertools.count(1)


class LogsInsightsEngine:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        files: Sequence[Path],
        account_id: str = "123456789012",
        cache: BundleCache | None = None,
        materialize: bool = True,
    ) -> None:
        self._con = con
        self._account_id = account_id
        self._table = f"logs_insights_events_{next(_engine_ids)}"
        self._scanned: dict[tuple[tuple[str, ...], int, int], tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._ip_functions = False  # registered on first use: they import numpy (~0.1 s)
        # Files that could not be read (corrupt gzip, not NDJSON) and why; their events are
        # missing from every result, so callers should say so.
        self.unreadable: list[tuple[Path, str]] = []
        self._files: list[Path] | None = None  # when read in place (materialize=False)
        entry = cache.lookup(con, "logs", files) if cache is not None and files else None
        self.from_cache = entry is not None
        # Whether the events carry their masked message (`pattern` need not mask them).
        self._masked = entry is not None
        catalog: Catalog | None = None
        if entry is not None:
            # The cached Parquet file, read in place: a query reads the columns and row
            # groups it needs (the time range prunes row groups by their min/max).
            con.execute(f"CREATE VIEW {self._table} AS SELECT * FROM {entry.relation('_row')}")
            self.unreadable = list(entry.unreadable)
            self._row_id = "_row"
            catalog = stored_catalog(entry.extra)
        elif not files:
            con.execute(empty_table_sql(self._table))
            self._row_id = "rowid"
        elif materialize:
            try:
                con.execute(load_sql(self._table, files))
            except duckdb.Error:
                self._load_each(files)
            self._row_id = "rowid"
        else:  # read at each query, nothing copied; the catalog comes with the first
            self._row_id = "_row"
            self._files = list(files)
            try:
                con.execute(scan_view_sql(self._table, files))
            except duckdb.Error:
                if not self._skip_unreadable():
                    raise
        if entry is None and cache is not None and files:
            self._fill_cache(cache, files)
        self._known: Catalog | None = catalog
        if self._files is None and catalog is None:
            self._known = self._describe_groups()

    def _skip_unreadable(self) -> bool:
        """After a read of the files failed: read each alone, leave out the ones that cannot
        be read (named in `unreadable`) and whether any was; fails if none can be read."""
        assert self._files is not None
        readable = []
        for path in self._files:
            try:
                self._con.execute(f"SELECT count(*) FROM ({events_select_sql([path])})").fetchall()
                readable.append(path)
            except duckdb.Error as exc:
                self._skip(path, exc)
        if not readable:
            self._none_readable(self._files)
        if len(readable) == len(self._files):
            return False
        self._files = readable
        self._con.execute(scan_view_sql(self._table, readable))
        return True

    def _fill_cache(self, cache: BundleCache, files: Sequence[Path]) -> None:
        if cache.mode == "inline":
            cache.store(self._con.cursor(), "logs", files, cached_events_select_sql, describe_logs)
        elif cache.mode == "background":
            cache.build_in_background()

    def _load_each(self, files: Sequence[Path]) -> None:
        """Load file by file, skipping the unreadable ones: one truncated `.gz` must not hide
        the events of every other file. Fails only when no file could be read."""
        self._con.execute(empty_table_sql(self._table))
        staging = f"{self._table}_file"
        for path in files:
            try:
                self._con.execute(load_sql(staging, [path]))
                self._con.execute(f"INSERT INTO {self._table} SELECT * FROM {staging}")
            except duckdb.Error as exc:
                self._skip(path, exc)
            finally:
                self._con.execute(f"DROP TABLE IF EXISTS {staging}")
        if len(self.unreadable) == len(files):
            self._con.execute(f"DROP TABLE IF EXISTS {self._table}")
            self._none_readable(files)

    def _skip(self, path: Path, exc: duckdb.Error) -> None:
        reason = unreadable_reason(exc)
        self.unreadable.append((path, reason))
        # Said by `data_notes` (the CLI prints them, reports carry them), not logged twice.
        log.info("skipped unreadable log file %s: %s", one_visible_line(str(path)), reason)

    def _none_readable(self, files: Sequence[Path]) -> NoReturn:
        path, reason = self.unreadable[0]
        raise TelemetryUnavailableError(
            f"none of the {len(files)} log file(s) could be read (first: {one_visible_line(path.name)}: {reason})"
        )

    # -- catalog ----------------------------------------------------------------------------

    def _describe_groups(self) -> Catalog:
        return read_catalog(self._con, self._table)

    def log_groups(self) -> list[LogGroupCatalogEntry]:
        return list(self._catalog().groups)

    @property
    def dropped_lines(self) -> int:
        """Lines of the readable files that are not log events (not JSON, without
        `logGroup`, `timestamp` or `message`, or a message over the event limit): left out
        of every result, so callers should say so (see `data_notes`)."""
        return self._catalog().dropped_lines

    def data_notes(self, root: Path | None = None) -> list[str]:
        """What the results leave out, one sentence each (see `results.left_out_notes`)."""
        return left_out_notes(self.unreadable, self.dropped_lines, root)

    def _catalog(self) -> Catalog:
        """The log groups; read in place and not queried yet, that is a pass of its own."""
        with self._lock:
            if self._known is None:
                try:
                    self._known = self._describe_groups()
                except duckdb.Error:
                    if not self._skip_unreadable():
                        raise
                    self._known = self._describe_groups()
            return self._known

    @property
    def table(self) -> str:
        """The DuckDB table holding the events (for diagnostics and benchmarks)."""
        return self._table

    # -- queries ----------------------------------------------------------------------------

    def run(
        self,
        query: str,
        log_groups: Sequence[str] | None,
        time_range: TimeSpan,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """Run a query over `log_groups` (None: every group); the result has the shape of
        CloudWatch Logs `GetQueryResults`."""
        parsed = parse_query(query)
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit must be from 1 to {MAX_LIMIT}, got {limit}")
        start_ms = int(time_range.start.timestamp() * 1000)
        end_ms = int(time_range.end.timestamp() * 1000)
        cursor = self._con.cursor()
        relation, row_id, temp, json_sql = self._table, self._row_id, None, JSON_COLUMN_SQL
        scanned_by_group: dict[str, tuple[int, int]] | None = None
        try:
            if self._known is None:  # read in place, first query: one pass for both
                temp = f"logs_read_once_{uuid.uuid4().hex}"
                relation, columns, scanned_by_group = self._read_once(
                    cursor, temp, parsed, start_ms, end_ms
                )
                row_id = "_row" if "_row" in columns else "NULL"
                if "_msg" not in columns:  # nor does the query look at `_json`
                    json_sql = "NULL AS _json"
            groups = self._check_groups(log_groups)
            source = (
                f"SELECT *, {json_sql}, {row_id} AS _ptr_id FROM {relation} "
                f"WHERE _group IN ({', '.join(quote(g) for g in groups)}) "
                f"AND _ts >= {start_ms} AND _ts < {end_ms}"
            )
            rows, matched = self._execute(cursor, parsed, source, limit or MAX_LIMIT)
            if scanned_by_group is not None:
                scanned = sum(scanned_by_group[g][0] for g in groups)
                scanned_bytes = sum(scanned_by_group[g][1] for g in groups)
            else:
                scanned, scanned_bytes = self._scan_statistics(
                    cursor, groups, start_ms, end_ms, relation
                )
        except duckdb.OutOfMemoryException as exc:
            raise TelemetryUnavailableError(f"the local engine ran out of memory: {exc}") from exc
        except duckdb.Error as exc:
            raise QueryError(f"the query could not run: {_first_line(exc)}") from exc
        except RecursionError as exc:  # the parser's limits should make this unreachable
            raise QueryError("query too deeply nested to compile: simplify the expression") from exc
        finally:
            if temp is not None:
                cursor.execute(f"DROP TABLE IF EXISTS {temp}")
            cursor.close()
        return {
            "status": "Complete",
            "results": rows,
            "statistics": {
                "recordsMatched": float(matched),
                "recordsScanned": float(scanned),
                "bytesScanned": float(scanned_bytes),
            },
        }

    def _read_once(
        self,
        cursor: duckdb.DuckDBPyConnection,
        temp: str,
        query: ast.Query,
        start_ms: int,
        end_ms: int,
    ) -> tuple[str, list[str], dict[str, tuple[int, int]]]:
        """Read the files once for this query into `temp`, a table of this cursor's (see
        `fields.read_once`): the catalog and scan statistics of every log group, and the
        events in the range that pass the query's leading `filter` (two passes, one for
        the catalog and one for the query, would cost twice the reading). Records the
        catalog; returns the relation of the kept events, the optional columns they
        carry, and the events and bytes in range by log group."""
        columns = sorted(event_columns_read(query, self._account_id))
        if shows_events(query):
            columns.append("_row")
        in_range = f"_ts >= {start_ms} AND _ts < {end_ms}"
        keep = leading_filter_sql(query, self._account_id)
        plan = read_once(temp, self._table, keep, in_range, columns)
        try:
            self._sql(cursor, plan.create)
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error:
            with self._lock:
                if not self._skip_unreadable():
                    raise  # the files are fine: the query failed
            self._sql(cursor, plan.create)
        rows = cursor.execute(plan.statistics).fetchall()
        catalog = catalog_from([list(row[:5]) for row in rows])
        with self._lock:
            if self._known is None:
                self._known = catalog
        return (
            plan.events,
            columns,
            {row[0]: (int(row[5]), int(row[6])) for row in rows if row[0] is not None},
        )

    def _check_groups(self, requested: Sequence[str] | None) -> list[str]:
        available = [g.name for g in self._catalog().groups]
        if requested is None:
            return available
        if not requested:
            raise QueryError(
                "no log group given; available log groups: " + (", ".join(available) or "(none)")
            )
        names = []
        for name in requested:
            # accept ARNs as StartQuery does: arn:aws:logs:region:account:log-group:NAME[:*]
            if name.startswith("arn:") and ":log-group:" in name:
                name = name.split(":log-group:", 1)[1].removesuffix(":*")
            if name not in available:
                raise QueryError(
                    f"log group '{name}' does not exist; available log groups: "
                    + (", ".join(available) or "(none)")
                )
            names.append(name)
        return names

    def _execute(
        self,
        cursor: duckdb.DuckDBPyConnection,
        query: ast.Query,
        source: str,
        default_limit: int,
    ) -> tuple[list[list[dict[str, str]]], int]:
        commands = list(query.commands)
        patterns = [i for i, c in enumerate(commands) if isinstance(c, ast.PatternCmd)]
        compiler = Compiler(query.text, self._account_id, source, Scope())
        if not patterns:
            compiled = compiler.compile(commands)
            pre_limit = compiler.pre_limit_relation
            return self._finish(cursor, compiler, compiled, default_limit, pre_limit, None)

        split = patterns[0]
        command = commands[split]
        assert isinstance(command, ast.PatternCmd)
        head = compiler.compile(commands[:split])
        masked = MASKED_COLUMN if self._masked else None
        input_sql, premasked = compiler.pattern_input(command.source, masked)
        groups = self._sql(
            cursor, f"{head.with_clause()}\n{grouped_input_sql(input_sql, premasked)}"
        ).fetchall()
        pattern_rows, _ = cluster_lines([(m, int(n), s) for m, n, s in groups])
        matched = sum(int(n) for _, n, _ in groups)
        temp = pattern_table(cursor, pattern_rows)
        try:
            tail = Compiler(query.text, self._account_id, f"SELECT * FROM {temp}", pattern_scope())
            compiled = tail.compile(commands[split + 1 :])
            return self._finish(cursor, tail, compiled, default_limit, None, matched)
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")

    def _finish(
        self,
        cursor: duckdb.DuckDBPyConnection,
        compiler: Compiler,
        compiled: Compiled,
        default_limit: int,
        events_relation: str | None,
        matched: int | None,
    ) -> tuple[list[list[dict[str, str]]], int]:
        extra = []
        if compiled.matched_relation is not None and matched is None:
            extra.append(
                f"(SELECT sum(_matched) FROM {compiled.matched_relation}) AS _matched_total"
            )
        select, shown, events = compiler.final_select(default_limit, extra)
        raw = self._sql(cursor, f"{compiled.with_clause()}\n{select}").fetchall()
        if matched is None:
            if compiled.matched_relation is not None:
                matched = int(raw[0][-1] or 0) if raw else 0
                raw = [row[:-1] for row in raw]
            elif events_relation is not None:
                count_sql = f"{compiled.with_clause()}\nSELECT count(*) FROM {events_relation}"
                matched = int(self._sql(cursor, count_sql).fetchone()[0])  # type: ignore[index]
            else:
                matched = len(raw)
        return [result_row(row, shown, events) for row in raw], matched

    def _sql(self, cursor: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
        """Execute compiled query SQL, registering the IP UDFs first if it calls them."""
        if "fa2_is_" in sql:
            with self._lock:
                if not self._ip_functions:
                    from agent.telemetry.local.logs_insights.ip import register_ip_functions

                    register_ip_functions(self._con)
                    self._ip_functions = True
        return cursor.execute(sql)

    def _scan_statistics(
        self,
        cursor: duckdb.DuckDBPyConnection,
        groups: list[str],
        start_ms: int,
        end_ms: int,
        relation: str,
    ) -> tuple[int, int]:
        key = (tuple(sorted(groups)), start_ms, end_ms)
        with self._lock:
            if key in self._scanned:
                return self._scanned[key]
        result = scan_statistics(cursor, self._catalog().groups, groups, start_ms, end_ms, relation)
        with self._lock:
            self._scanned[key] = result
        return result


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
