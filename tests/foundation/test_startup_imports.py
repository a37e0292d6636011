"""A command imports only what it uses: start-up time is mostly import time, so the heavy
libraries (the agent stack, sqlglot, numpy, pydantic-settings, rich's help renderer) stay
out of commands that do not need them. Checked in a fresh interpreter each time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("langgraph", "langchain_aws", "boto3", "sqlglot", "numpy", "pydantic_settings", "drain3")


def modules_loaded_by(
    code: str, cwd: Path, env: dict[str, str] | None = None, *, top_level: bool = True
) -> set[str]:
    """The packages (or, with `top_level=False`, every module) a fresh interpreter has
    imported after running `code`."""
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        names = {{name.split(".")[0] for name in sys.modules}} if {top_level!r} else sys.modules
        print(json.dumps(sorted(names)))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def logs_query_script(bundle: Path, query: str) -> str:
    return f"""
        import sys
        sys.argv = ["fa2", "query", "logs", "--bundle", {str(bundle)!r},
                    "--format", "json", {query!r}]
        import cli
        try:
            cli.main()
        except SystemExit:
            pass
        """


def test_fa2_help_imports_no_agent_stack_and_no_settings(tmp_path: Path) -> None:
    loaded = modules_loaded_by(
        """
        import sys
        sys.argv = ["fa2", "--help"]
        import cli
        try:
            cli.main()
        except SystemExit:
            pass
        """,
        tmp_path,
    )
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
    assert "rich" not in loaded  # plain help: rich's renderer alone costs ~0.17 s
    # nor the core, DuckDB or pydantic: a new subcommand imports them inside its function
    assert loaded.isdisjoint({"agent", "duckdb", "pydantic", "yaml"}), loaded & {
        "agent",
        "duckdb",
        "pydantic",
        "yaml",
    }


def test_a_logs_query_imports_neither_sqlglot_nor_numpy_nor_drain3(
    tmp_path: Path, demo_bundle_path: Path
) -> None:
    loaded = modules_loaded_by(
        f"""
        import sys
        sys.argv = ["fa2", "query", "logs", "--bundle", {str(demo_bundle_path)!r},
                    "--format", "json", "filter @message like /ERROR/ | stats count(*)"]
        import cli
        try:
            cli.main()
        except SystemExit:
            pass
        """,
        tmp_path,
    )
    assert "duckdb" in loaded  # the query did run
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
    # read without typer (and its pydantic option adapters): cli.query_logs.plain_arguments;
    # and without pydantic: the manifest's window is read plainly (bundle_layout)
    unused = {"typer", "click", "rich", "pydantic", "pydantic_core"}
    assert loaded.isdisjoint(unused), loaded & unused


def test_an_ip_function_brings_in_the_ip_udfs_only_when_called(
    tmp_path: Path, demo_bundle_path: Path
) -> None:
    loaded = modules_loaded_by(
        f"""
        import sys
        sys.argv = ["fa2", "query", "logs", "--bundle", {str(demo_bundle_path)!r},
                    "--format", "json",
                    "filter isValidIp('10.0.0.1') | stats count(*)"]
        import cli
        try:
            cli.main()
        except SystemExit:
            pass
        """,
        tmp_path,
    )
    assert "numpy" in loaded  # DuckDB's Python UDFs need it


# What a logs query has no use for: the local backend and what it alone brings (the runbook
# index and its sqlite3, the AWS response shapes), the bundle validator's resource catalogue
# and findings shapes, and the core's settings.
NOT_FOR_A_LOGS_QUERY = {
    "agent.telemetry.local.backend",
    "agent.telemetry.runbook_index",
    "sqlite3",
    "agent.telemetry.shapes",
    "agent.telemetry.resource_catalog",
    "agent.config",
}


def test_a_logs_query_from_the_bundle_cache_imports_no_backend_no_shapes_no_settings(
    tmp_path: Path, demo_bundle_path: Path
) -> None:
    script = logs_query_script(demo_bundle_path, "filter @message like /ERROR/ | stats count(*)")
    cached = {"FA2_BUNDLE_CACHE": "inline", "FA2_CACHE_DIR": str(tmp_path / "cache")}
    modules_loaded_by(script, tmp_path, cached)  # the first process writes the cache
    assert any((tmp_path / "cache").iterdir())
    loaded = modules_loaded_by(script, tmp_path, cached, top_level=False)
    assert "agent.telemetry.local.logs_insights.engine" in loaded  # the query did run
    assert loaded.isdisjoint(NOT_FOR_A_LOGS_QUERY), loaded & NOT_FOR_A_LOGS_QUERY
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
    assert "pydantic" not in loaded and "typer" not in loaded


def test_a_sql_query_from_the_bundle_cache_imports_no_typer_no_pydantic(tmp_path: Path) -> None:
    bundle = tmp_path / "shop-incident"
    shutil.copytree(Path(__file__).parents[1] / "local" / "data" / "alb", bundle / "alb")
    (bundle / "incident.yaml").write_text(
        "version: 1\ntitle: Shop 5xx\n"
        "window: {start: '2026-03-02T09:45:00Z', end: '2026-03-02T10:30:00Z'}\n"
    )
    script = f"""
        import sys
        sys.argv = ["fa2", "query", "sql", "--bundle", {str(bundle)!r}, "--format", "json",
                    "SELECT elb_status_code, count(*) FROM alb_access_logs GROUP BY 1"]
        import cli
        cli.main()
        """
    cached = {"FA2_BUNDLE_CACHE": "inline", "FA2_CACHE_DIR": str(tmp_path / "cache")}
    modules_loaded_by(script, tmp_path, cached)  # the first process writes the cache
    loaded = modules_loaded_by(script, tmp_path, cached, top_level=False)
    assert "agent.telemetry.local.athena" in loaded  # the query did run
    # read without typer (cli.sql_query.plain_arguments), the settings' Athena names without
    # pydantic-settings (agent.config.sources), the manifest without its models
    unused = {"typer", "click", "rich", "pydantic", "pydantic_core", "pydantic_settings"}
    assert loaded.isdisjoint(unused), loaded & unused
    heavy_settings = {"agent.config.settings", "agent.config.loading", "agent.config.telemetry"}
    assert loaded.isdisjoint(heavy_settings | NOT_FOR_A_LOGS_QUERY - {"agent.config"})
