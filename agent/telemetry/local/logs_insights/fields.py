"""The event table and the fields Logs Insights discovers in each event.

Events are loaded once into one DuckDB table (or read from the bundle's Parquet cache) with
the raw columns below; discovered fields are not materialised but computed where a query
names them (a JSON path lookup, a regex over a Lambda `REPORT` line), so loading stays as
fast as DuckDB's JSON reader and a query pays only for the fields it uses.

| column  | meaning                                                    |
| ------- | ---------------------------------------------------------- |
| _group  | log group name                                              |
| _stream | log stream name                                             |
| _ts     | event time, epoch milliseconds                              |
| _ingest | ingestion time, epoch milliseconds (defaults to _ts)        |
| _msg    | the raw message                                             |
| _json   | whether the message is a JSON object (derived per query)   |
| _bytes  | message size in bytes (for `bytesScanned`)                  |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.telemetry.bundle_formats import MAX_EVENT_BYTES, MAX_LINE_BYTES
from agent.telemetry.local.logs_insights.patterns import MASKED_COLUMN, masking_sql
from agent.telemetry.local.logs_insights.sqlexpr import SqlExpr, quote

# Lambda platform lines, e.g.
# REPORT RequestId: 3f5c...\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\t
# Max Memory Used: 70 MB\tInit Duration: 150.22 ms
_PLATFORM_PREFIX = "(starts_with(_msg, 'REPORT RequestId:') OR starts_with(_msg, 'START RequestId:') OR starts_with(_msg, 'END RequestId:'))"
_IS_REPORT = "starts_with(_msg, 'REPORT RequestId:')"
_RUNTIME_LINE = (
    r"^(?:\[[A-Z]+\]\t)?\d{4}-\d{2}-\d{2}T[0-9:.]+Z\t"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\t"
)


def _report_number(pattern: str, scale: int = 1) -> str:
    value = f"TRY_CAST(nullif(regexp_extract(_msg, {quote(pattern)}, 1), '') AS DOUBLE)"
    if scale != 1:
        value = f"{value} * {scale}"
    return f"CASE WHEN {_IS_REPORT} THEN {value} END"


def system_field(name: str, account_id: str) -> SqlExpr | None:
    """SQL for a field CloudWatch generates for every event (or every Lambda event)."""
    match name:
        case "@timestamp":
            return SqlExpr("_ts", "ts")
        case "@ingestionTime":
            return SqlExpr("_ingest", "ts")
        case "@message":
            return SqlExpr("_msg", "any")
        case "@logStream":
            return SqlExpr("_stream", "str")
        case "@log":
            return SqlExpr(f"({quote(account_id + ':')} || _group)", "str")
        case "@type":  # constants, not split_part: most Lambda queries filter on it
            return SqlExpr(
                "CASE WHEN starts_with(_msg, 'REPORT RequestId:') THEN 'REPORT' "
                "WHEN starts_with(_msg, 'START RequestId:') THEN 'START' "
                "WHEN starts_with(_msg, 'END RequestId:') THEN 'END' END",
                "str",
            )
        case "@requestId":
            # platform lines, and the runtimes' text lines:
            # `2026-03-02T10:00:00.123Z\t<id>\tERROR\t...` (Node.js), `[ERROR]\t<time>\t<id>\t...` (Python)
            return SqlExpr(
                f"CASE WHEN {_PLATFORM_PREFIX} THEN "
                f"regexp_extract(_msg, '^[A-Z]+ RequestId: ([^\\s]+)', 1) "
                f"ELSE nullif(regexp_extract(_msg, {quote(_RUNTIME_LINE)}, 1), '') END",
                "str",
            )
        case "@duration":
            # the first "<space>Duration:" of a REPORT line is the run time ("Billed Duration" follows)
            return SqlExpr(_report_number(r"\sDuration: ([0-9.]+) ms"), "num")
        case "@billedDuration":
            return SqlExpr(_report_number(r"Billed Duration: ([0-9.]+) ms"), "num")
        case "@initDuration":
            return SqlExpr(_report_number(r"Init Duration: ([0-9.]+) ms"), "num")
        # AWS reports memory in bytes (its docs divide by 1000 * 1000 to get MB)
        case "@memorySize":
            return SqlExpr(_report_number(r"Memory Size: ([0-9]+) MB", 1_000_000), "num")
        case "@maxMemoryUsed":
            return SqlExpr(_report_number(r"Max Memory Used: ([0-9]+) MB", 1_000_000), "num")
    return None


def json_path(name: str) -> str:
    """`a.b.0.c` -> `$."a"."b"[0]."c"` (array elements are indexed with `.N` as AWS flattens them)."""
    path = "$"
    for segment in name.split("."):
        if segment.isdigit():
            path += f"[{segment}]"
        else:
            path += '."' + segment.replace('"', '\\"') + '"'
    return path


def json_field(name: str, document_sql: str = "_msg", guard: str | None = "_json") -> SqlExpr:
    """A field discovered in a JSON document; keys that contain dots are tried literally too."""
    extract = f"json_extract_string({document_sql}, {quote(json_path(name))})"
    if "." in name and not any(s.isdigit() for s in name.split(".")):
        literal = '$."' + name.replace('"', '\\"') + '"'
        extract = f"coalesce({extract}, json_extract_string({document_sql}, {quote(literal)}))"
    if guard is None:
        return SqlExpr(extract, "any")
    return SqlExpr(f"CASE WHEN {guard} THEN {extract} END", "any")


def json_value(name: str, document_sql: str = "_msg", guard: str | None = "_json") -> SqlExpr:
    """The JSON (not text) value of a field: what `unnest` needs to expand an array."""
    extract = f"json_extract({document_sql}, {quote(json_path(name))})"
    if guard is None:
        return SqlExpr(extract, "json")
    return SqlExpr(f"CASE WHEN {guard} THEN {extract} END", "json")


def events_select_sql(files: Sequence[Path]) -> str:
    """The stored event columns of every bundle log file, read by DuckDB's NDJSON reader.
    (`_json` is not stored: `event_columns_sql` derives it where a query looks at it.)

    A line that is not a log event (not JSON, without `logGroup`, `timestamp` or `message`,
    or a message over the event limit) is kept as an empty row (nothing of it is stored,
    masked or cached: a message over the limit may be 64 MiB): every query names its groups,
    so none reads it, and the catalog counts these rows (`read_catalog`) so that what was
    left out is said, never silently lost. (Events under a log group name CloudWatch does
    not allow keep their row: the catalog leaves that group out, so no query names it.)"""
    file_list = "[" + ", ".join(quote(str(f)) for f in files) + "]"
    return f"""
        SELECT
            CASE WHEN _event THEN logGroup END AS _group,
            CASE WHEN _event THEN logStream END AS _stream,
            CASE WHEN _event THEN CAST(timestamp AS BIGINT) END AS _ts,
            CASE WHEN _event THEN CAST(coalesce(ingestionTime, timestamp) AS BIGINT) END
                AS _ingest,
            CASE WHEN _event THEN message END AS _msg,
            CASE WHEN _event THEN strlen(message) END AS _bytes
        FROM (
            SELECT *, coalesce(
                logGroup IS NOT NULL AND timestamp IS NOT NULL
                AND strlen(message) <= {MAX_EVENT_BYTES}, false
            ) AS _event
            FROM read_json(
                {file_list},
                format = 'newline_delimited',
                columns = {{
                    'logGroup': 'VARCHAR', 'logStream': 'VARCHAR', 'timestamp': 'BIGINT',
                    'ingestionTime': 'BIGINT', 'message': 'VARCHAR'
                }},
                ignore_errors = true,
                maximum_object_size = {MAX_LINE_BYTES}
            )
        )
    """


def load_sql(table: str, files: Sequence[Path]) -> str:
    """One `CREATE TABLE` over every bundle log file."""
    return f"CREATE TABLE {table} AS {events_select_sql(files)}"


def scan_view_sql(table: str, files: Sequence[Path]) -> str:
    """A view of the events read from the files at each query, numbered (`_row`) for
    `@ptr`; DuckDB drops the numbering from queries that do not show events."""
    return f"CREATE OR REPLACE VIEW {table} AS SELECT *, row_number() OVER () AS _row FROM ({events_select_sql(files)})"


@dataclass(frozen=True)
class ReadOnce:
    """One pass over the events `view` for one query, into a temp table (`create`): what
    the catalog needs of every log group (events, bytes, first and last event), what the
    scan statistics need (events and bytes in the range) — both read back by `statistics`,
    a row per group — and the events the query keeps (in the range, passing its leading
    `filter`), read back by `events`. The kept events hold their time and only the other
    columns the compiled query reads: each one more is extracted from every line."""

    create: str
    statistics: str
    events: str


def read_once(
    table: str, view: str, keep: str | None, in_range: str, columns: Sequence[str]
) -> ReadOnce:
    """The pass for a query with a leading filter (`keep`, SQL over the event columns and
    `_json`, ANDed with `in_range`), or without one (`keep` None: every event in range).

    With a filter, one aggregate per log group keeps its events as a list: the events it
    drops are counted, never stored. Without one, every event is a row (group, time and
    size; the rest only in range), which costs less than a list of them all.

    `_row` in `columns` asks for a number per kept event, distinct and the same from run
    to run (`@ptr`, and what breaks ties in a sort): the temp table's own row id (it keeps
    the files' order), or the kept events numbered in the order of their columns. Not the
    view's `row_number()`, a window over every event of the files that took half the time
    of a query showing events."""
    source = f"(SELECT *, {JSON_COLUMN_SQL} FROM {view})" if "_msg" in columns else view
    numbered = "_row" in columns
    columns = [c for c in columns if c != "_row"]
    if keep is not None:
        kept = ", ".join(["_ts", *columns])
        events = f"SELECT _group, unnest(_kept, recursive := true) FROM {table}"
        return ReadOnce(
            create=(
                f"CREATE TEMP TABLE {table} AS SELECT _group, count(*) AS _events, "
                "sum(_bytes) AS _stored, min(_ts) AS _first, max(_ts) AS _last, "
                f"count(*) FILTER (WHERE {in_range}) AS _scanned, "
                f"coalesce(sum(_bytes) FILTER (WHERE {in_range}), 0) AS _scanned_bytes, "
                f"list(struct_pack({kept})) FILTER (WHERE {in_range} AND ({keep})) AS _kept "
                f"FROM {source} GROUP BY _group"
            ),
            statistics=(
                "SELECT _group, _events, _stored, _first, _last, _scanned, _scanned_bytes "
                f"FROM {table} ORDER BY 1"
            ),
            events=(
                f"(SELECT *, row_number() OVER (ORDER BY _group, {kept}) AS _row FROM ({events}))"
                if numbered
                else f"({events})"
            ),
        )
    optional = ", ".join(f"CASE WHEN _keep THEN {c} END AS {c}" for c in columns)
    return ReadOnce(
        create=(
            f"CREATE TEMP TABLE {table} AS SELECT _group, _ts, _bytes, _keep"
            f"{', ' + optional if optional else ''} "
            f"FROM (SELECT *, coalesce({in_range}, false) AS _keep FROM {source})"
        ),
        statistics=(
            "SELECT _group, count(*), sum(_bytes), min(_ts), max(_ts), "
            "count(*) FILTER (WHERE _keep), coalesce(sum(_bytes) FILTER (WHERE _keep), 0) "
            f"FROM {table} GROUP BY 1 ORDER BY 1"
        ),
        events=(
            f"(SELECT * EXCLUDE (_keep){', rowid AS _row' if numbered else ''} "
            f"FROM {table} WHERE _keep)"
        ),
    )


def cached_events_select_sql(files: Sequence[Path]) -> str:
    """The events as the bundle cache stores them: with each message's masked form, so a
    cached `pattern @message` skips the masking (by far its costliest step)."""
    relation, masked = masking_sql(f"({events_select_sql(files)})", "_msg")
    return (
        "SELECT _group, _stream, _ts, _ingest, _msg, _bytes, "
        f"{masked} AS {MASKED_COLUMN} FROM {relation}"
    )


# Derived per query, and only computed when the query uses it (DuckDB drops unused
# projections): whether the message is a JSON object whose fields are discovered.
JSON_COLUMN_SQL = "(starts_with(_msg, '{') AND json_valid(_msg)) AS _json"


def empty_table_sql(table: str) -> str:
    return f"""
        CREATE TABLE {table} (
            _group VARCHAR, _stream VARCHAR, _ts BIGINT, _ingest BIGINT,
            _msg VARCHAR, _bytes BIGINT
        )
    """
