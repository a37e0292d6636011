"""`fa2 query sql`: run one Athena (Trino) SELECT over an incident bundle's ALB and
CloudTrail tables (the local engine, no AWS).

    fa2 query sql --bundle DIR [--max-rows N] [--format json|table] SQL

`--bundle` defaults to `FA2_BUNDLE`. `--format json` prints Athena's `GetQueryResults`;
`table` prints the rows. A wrong query exits with status 2 and the reason on stderr; an
unusable bundle exits with status 1.

Two ways in, one command, as `fa2 query logs`: typer (`cli.query_sql.sql`) and
`plain_arguments`, which reads the common spellings of the options without typer; anything
it does not know exactly goes to typer. What a query reads is only what it needs, so a query
on a cached bundle imports neither typer nor pydantic (~0.2 s of the ~0.45 s it took):
- of the settings, the three Athena names (`athena_database`, `athena_alb_table`,
  `athena_cloudtrail_table`): their defaults when neither the environment nor a fa2.toml
  sets any of them, else the whole validated `Settings`;
- of incident.yaml, its `athena` names: when it has none, the file is read but not
  validated (a manifest faulty elsewhere, which `fa2 bundle check` names, still lets you
  query its tables), else the whole validated manifest.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cli.plain import OutputFormat, fail, note, open_bundle, print_result_table, read_plain

if TYPE_CHECKING:
    from agent.telemetry.bundle_layout import BundleFiles, BundleSource
    from agent.telemetry.local.athena import AthenaAnswer

MAX_ROWS = 100_000  # the most `--max-rows` takes
_ATHENA_KEYS = ("athena_database", "athena_alb_table", "athena_cloudtrail_table")


@dataclass
class SqlQueryArguments:
    statement: str
    bundle: Path
    max_rows: int = 1000
    output: OutputFormat = OutputFormat.table


@dataclass(frozen=True)
class AthenaNames:
    """The database and the two tables, as configured (or as a manifest names them)."""

    database: str
    alb_table: str
    cloudtrail_table: str

    @classmethod
    def of(cls, names: _HasAthenaNames) -> AthenaNames:
        return cls(names.database, names.alb_table, names.cloudtrail_table)

    @classmethod
    def defaults(cls) -> AthenaNames:
        # imported here: `fa2 --help` imports this module and nothing of agent/
        from agent.config.sources import (
            DEFAULT_ALB_TABLE,
            DEFAULT_ATHENA_DATABASE,
            DEFAULT_CLOUDTRAIL_TABLE,
        )

        return cls(DEFAULT_ATHENA_DATABASE, DEFAULT_ALB_TABLE, DEFAULT_CLOUDTRAIL_TABLE)


class _HasAthenaNames(Protocol):
    database: str
    alb_table: str
    cloudtrail_table: str


# The option spellings `plain_arguments` reads, by the parameter they set; a test checks
# them against the typer command's, so the two ways in cannot drift apart.
PLAIN_OPTIONS: dict[str, tuple[str, ...]] = {
    "bundle": ("--bundle", "-b"),
    "max_rows": ("--max-rows",),
    "output": ("--format", "-f"),
}


def plain_arguments(argv: Sequence[str]) -> SqlQueryArguments | None:
    """`argv` (after the program name) read as `query sql` with typer's meaning, or None
    when it is not that command or holds anything this reader does not know exactly."""
    read = read_plain(argv, ("query", "sql"), PLAIN_OPTIONS)
    if read is None:
        return None
    values, positional = read
    bundle = values["bundle"][-1] if "bundle" in values else os.environ.get("FA2_BUNDLE")
    max_rows = values.get("max_rows", ["1000"])[-1]
    if len(positional) != 1 or not bundle or not max_rows.isdigit():
        return None  # typer says what is missing or wrong
    if not 1 <= int(max_rows) <= MAX_ROWS:
        return None
    try:
        output = OutputFormat(values.get("output", ["table"])[-1])
    except ValueError:
        return None
    return SqlQueryArguments(positional[0], Path(bundle), int(max_rows), output)


def run_sql_query(arguments: SqlQueryArguments) -> None:
    """Run the statement and print its result (exits with 2 on a bad query, 1 on a bad
    bundle or bad settings)."""
    from agent.telemetry.errors import QueryError, TelemetryUnavailableError, source_unavailable
    from agent.telemetry.local.athena import AthenaEngine
    from agent.telemetry.local.scan_cache import LOAD_ERRORS, connect_to_bundle, unreadable_note

    # Of the manifest a query needs only its `athena` names: a manifest that has none is
    # not validated (it names the default tables).
    root, files, named = open_bundle(
        arguments.bundle,
        lambda manifest: None if "athena" in manifest else AthenaNames.defaults(),
        lambda loaded: AthenaNames.of(loaded.manifest.athena),
    )
    names = _configured_names()
    _note_empty_tables(arguments.statement, names, files)
    con, cache = connect_to_bundle(root)
    try:
        try:
            engine = AthenaEngine(
                con,
                database=names.database,
                alb_table=names.alb_table,
                cloudtrail_table=names.cloudtrail_table,
                alb_files=files.source_files("alb"),
                cloudtrail_files=files.source_files("cloudtrail"),
                # The configured names are what the agent is told; the manifest's names (if
                # the bundle was exported with others) resolve too.
                aliases={
                    named.alb_table: names.alb_table,
                    named.cloudtrail_table: names.cloudtrail_table,
                },
                cache=cache,
            )
        except LOAD_ERRORS as exc:
            raise source_unavailable("athena", root, exc) from exc
        answer = engine.run(arguments.statement, max_rows=arguments.max_rows)
        left_out = [
            unreadable_note("Athena", path, reason, root, "rows are")
            for path, reason in engine.unreadable_read_by(answer)
        ]
    except QueryError as exc:
        fail(exc.message, code=2)
    except TelemetryUnavailableError as exc:
        fail(str(exc))
    finally:
        con.close()
    if arguments.output is OutputFormat.json:
        sys.stdout.write(json.dumps(answer.response, indent=2, ensure_ascii=False) + "\n")
    else:
        print_result_table(_AnswerTable.of(answer, root))
    # After the result, on stderr (JSON on stdout stays parseable), from a cold read and the
    # cache alike: the files of the table it read that could not be.
    for line in left_out:
        note(line)


def _configured_names() -> AthenaNames:
    """The Athena names of the settings: the defaults unless something sets one of them,
    then the validated settings (a bad value fails as it does for every command)."""
    from agent.config.sources import set_anywhere

    if not set_anywhere(_ATHENA_KEYS):
        return AthenaNames.defaults()
    from agent.config import SettingsError, load_settings

    try:
        return AthenaNames.of(load_settings().athena)
    except SettingsError as exc:
        fail(str(exc))


def _note_empty_tables(statement: str, names: AthenaNames, files: BundleFiles) -> None:
    """A table the bundle has no files for is empty: say so, or 0 rows looks like an answer."""
    import re

    tables: tuple[tuple[str, BundleSource, str], ...] = (
        (names.alb_table, "alb", "ALB access log"),
        (names.cloudtrail_table, "cloudtrail", "CloudTrail"),
    )
    for table, source, what in tables:
        named = re.search(rf"\b{re.escape(table)}\b", statement, re.IGNORECASE)
        if named and not files.source_files(source):
            note(f"this bundle has no {what} files ({source}/): {table} is empty")


@dataclass(frozen=True)
class _AnswerTable:
    """An Athena answer as `print_result_table` shows it."""

    columns: list[str]
    rows: list[list[str | None]]
    total_rows: int
    truncated: bool
    bytes_scanned: int
    link: str | None

    @classmethod
    def of(cls, answer: AthenaAnswer, root: Path) -> _AnswerTable:
        from agent.telemetry.bundle_layout import bundle_reference

        result_set = answer.response["ResultSet"]
        infos = result_set["ResultSetMetadata"]["ColumnInfo"]
        rows = [[cell.get("VarCharValue") for cell in row["Data"]] for row in result_set["Rows"]]
        return cls(
            columns=[info["Label"] for info in infos],
            rows=rows[1:],  # the first row repeats the labels, as Athena's does
            total_rows=answer.total_rows,
            truncated=answer.truncated,
            bytes_scanned=answer.bytes_scanned,
            link=bundle_reference(root, answer.source),
        )
