"""`fa2 mcp` as an MCP client launches it: a subprocess speaking MCP over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from typer.testing import CliRunner

from cli import app
from tests.conftest import DEMO_BUNDLE


def test_fa2_mcp_serves_the_bundle_over_stdio(tmp_path: Path) -> None:
    launch = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli", "mcp", "--bundle", str(DEMO_BUNDLE)],
        # The whole environment of the server: its memory in the test's folder, not ./.fa2.
        env={
            "FA2_MODEL": "baseline",
            "FA2_BUNDLE_CACHE": "off",
            "FA2_INCIDENT_MEMORY_PATH": str(tmp_path / "incidents.sqlite"),
            "FA2_CHECKPOINT_PATH": str(tmp_path / "checkpoints.sqlite"),
            "PATH": "",
        },
    )

    async def list_tools() -> set[str]:
        async with Client(launch) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    names = asyncio.run(list_tools())
    assert {"run_logs_insights_query", "investigate", "ask"} <= names


def test_a_folder_that_is_not_a_bundle_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["mcp", "--bundle", str(tmp_path)])
    assert result.exit_code == 2
    assert "no incident.yaml" in result.output


def test_an_incident_memory_file_that_is_not_a_database_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "incidents.sqlite"
    notes.write_text("on-call notes, saved over the memory file\n" * 100, encoding="utf-8")
    monkeypatch.setenv("FA2_INCIDENT_MEMORY_PATH", str(notes))
    result = CliRunner().invoke(app, ["mcp", "--bundle", str(DEMO_BUNDLE)])
    assert result.exit_code == 2
    assert f"incident_memory_path {notes} (FA2_INCIDENT_MEMORY_PATH): not a usable SQLite" in (
        result.stderr
    )
