"""Hostile bundles and queries (issue 12): a bundle someone sent, or a query a model wrote
after reading attacker-controlled log lines, never reads or writes a file of the machine
running fa2, and never crashes the engine with anything but a `QueryError`."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from agent.bundle_check import check_bundle
from agent.telemetry.base import QueryError
from agent.telemetry.local.athena import AthenaEngine
from cli import app

from .conftest import ALB_DOC_LOG, CLOUDTRAIL_DIR

runner = CliRunner()


def _hostile_copy(bundle: Path, tmp_path: Path, **athena: str) -> Path:
    root = Path(shutil.copytree(bundle, tmp_path / "from-a-colleague"))
    manifest = yaml.safe_load((root / "incident.yaml").read_text())
    manifest["athena"].update(athena)
    (root / "incident.yaml").write_text(yaml.safe_dump(manifest, width=1000))
    return root


def _copy_to(target: Path) -> str:
    """The issue's manifest name: it closes the quoted identifier and writes `target`."""
    return f"x\" AS SELECT 1; COPY (SELECT 'written') TO '{target}'; --"


# ---------------------------------------------------------------- manifest names


def test_a_manifest_table_name_carrying_sql_writes_nothing_and_is_named(
    bundle: Path, tmp_path: Path
) -> None:
    written = tmp_path / "pwned.txt"
    root = _hostile_copy(bundle, tmp_path, cloudtrail_table=_copy_to(written))
    result = runner.invoke(
        app, ["query", "sql", "-b", str(root), "SELECT count(*) FROM cloud_trail_logs"]
    )
    assert not written.exists()
    assert result.exit_code != 0
    assert "athena.cloudtrail_table (line" in result.output
    assert "only letters, digits and _" in result.output


def test_bundle_check_names_a_bad_manifest_name_with_file_and_line(
    bundle: Path, tmp_path: Path
) -> None:
    root = _hostile_copy(bundle, tmp_path, database="aiops_db; DROP SCHEMA main")
    report = check_bundle(root)
    assert not report.usable
    [problem] = report.errors
    line = next(
        number
        for number, text in enumerate((root / "incident.yaml").read_text().splitlines(), 1)
        if "DROP SCHEMA" in text
    )
    assert problem.where() == f"incident.yaml:{line}"
    assert "athena.database" in problem.message


def test_names_reach_duckdb_quoted_by_sqlglot_even_unvalidated(tmp_path: Path) -> None:
    # The engine does not rely on the manifest's validation: a name is one identifier.
    written = tmp_path / "pwned.txt"
    con = duckdb.connect()
    engine = AthenaEngine(
        con,
        database="aiops_db",
        alb_table="alb_access_logs",
        cloudtrail_table="cloud_trail_logs",
        alb_files=[ALB_DOC_LOG],
        cloudtrail_files=sorted(CLOUDTRAIL_DIR.glob("*.json")),
        aliases={_copy_to(written): "cloud_trail_logs"},
    )
    assert not written.exists()
    assert _copy_to(written) in {schema.table for schema in engine.table_schemas()}
    con.close()


# ---------------------------------------------------------------- queries reading host files


def test_a_cte_named_like_a_host_file_cannot_read_it(athena: AthenaEngine, tmp_path: Path) -> None:
    host_file = tmp_path / "x.csv"
    host_file.write_text("secret,value\nAKIAEXAMPLE,hunter2\n")
    sql = f'WITH "{host_file}" AS (SELECT * FROM "{host_file}" ORDER BY 2) SELECT * FROM "{host_file}"'
    with pytest.raises(QueryError, match="looks like a file path or URL"):
        athena.run(sql)


def test_a_cte_is_not_a_table_inside_its_own_body(athena: AthenaEngine) -> None:
    with pytest.raises(QueryError, match="TABLE_NOT_FOUND: Table 'recent' does not exist"):
        athena.run("WITH recent AS (SELECT * FROM recent ORDER BY 2) SELECT * FROM recent")


def test_engine_settings_are_not_answered(athena: AthenaEngine) -> None:
    for sql in (
        "SELECT current_setting('enable_external_access')",
        "SELECT getvariable('x')",
        "SELECT duckdb_api()",
    ):
        with pytest.raises(QueryError, match="FUNCTION_NOT_FOUND"):
            athena.run(sql)


# ---------------------------------------------------------------- queries that crashed sqlglot


def test_order_by_position_after_a_star_runs(athena: AthenaEngine) -> None:
    # sqlglot's optimizer raised AssertionError on this plain query.
    answer = athena.run("SELECT * FROM cloud_trail_logs ORDER BY 1 LIMIT 1")
    assert answer.total_rows == 1


def test_sixty_nested_parentheses_are_a_positioned_query_error(athena: AthenaEngine) -> None:
    # RecursionError inside sqlglot before.
    with pytest.raises(QueryError, match=r"query too deeply nested.*line 1, column \d+"):
        athena.run("SELECT " + "(" * 60 + "1" + ")" * 60 + " FROM alb_access_logs")


def test_nested_subqueries_within_the_limit_still_run(athena: AthenaEngine) -> None:
    sql = "SELECT count(*) FROM alb_access_logs"
    for _ in range(25):
        sql = f"SELECT * FROM ({sql})"
    assert athena.run(sql).total_rows == 1


def test_a_long_chain_of_or_terms_runs(athena: AthenaEngine) -> None:
    terms = " OR ".join(f"eventname = 'Event{i}'" for i in range(1000))
    assert athena.run(f"SELECT eventname FROM cloud_trail_logs WHERE {terms}").total_rows == 0
