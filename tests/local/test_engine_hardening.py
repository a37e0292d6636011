"""Defence in depth: the DuckDB connection that runs queries over a bundle refuses to touch
the machine by itself, even for SQL that never went through the guard (each test calls the
connection directly)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from agent.config import Settings
from agent.incident import TimeRange
from agent.telemetry.local import LocalBackend
from agent.telemetry.local.hardening import harden

WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)


@pytest.fixture
def backend(bundle: Path) -> Iterator[LocalBackend]:
    local = LocalBackend(bundle, Settings(athena_alb_table="alb_logs"))
    # Both engines loaded: the connection has read the bundle's files.
    assert local.run_athena("SELECT count(*) FROM alb_logs").rows
    assert local.run_logs_insights("fields @message | limit 1", [], WINDOW).rows
    yield local
    local.close()


@pytest.fixture
def host_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "credentials.csv"
    path.parent.mkdir()
    path.write_text("aws_access_key_id,aws_secret_access_key\nAKIAEXAMPLE,secret\n")
    return path


def _refused(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    with pytest.raises(duckdb.Error) as caught:
        con.cursor().execute(sql).fetchall()
    return str(caught.value)


def test_a_bundle_connection_reads_no_host_file(backend: LocalBackend, host_file: Path) -> None:
    con = backend._con  # the guard bypassed
    for sql in (
        "SELECT * FROM read_csv('/etc/hostname')",
        f"SELECT * FROM read_csv('{host_file}')",
        f"SELECT * FROM '{host_file}'",  # a path-named table
        f"SELECT * FROM read_text('{backend.bundle.root}/../outside/credentials.csv')",
        "SELECT * FROM glob('/etc/*')",
    ):
        assert "disabled by configuration" in _refused(con, sql), sql


def test_a_bundle_connection_writes_attaches_and_installs_nothing(
    backend: LocalBackend, tmp_path: Path
) -> None:
    con = backend._con
    copied, attached = tmp_path / "copied.csv", tmp_path / "attached.duckdb"
    _refused(con, f"COPY (SELECT 'written') TO '{copied}'")
    _refused(con, f"ATTACH '{attached}' AS other")
    _refused(con, "INSTALL httpfs")
    _refused(con, "LOAD httpfs")
    assert not copied.exists() and not attached.exists()


@pytest.mark.parametrize(
    "statement",
    [
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET allowed_directories = ['/']",
        "SET lock_configuration = false",
        "SET autoinstall_known_extensions = true",
        "SET TimeZone = 'Asia/Tokyo'",
    ],
)
def test_no_set_can_undo_the_lock(backend: LocalBackend, statement: str) -> None:
    message = _refused(backend._con, statement)
    assert "locked" in message or "Cannot" in message


def test_the_bundle_stays_queryable_after_hardening(backend: LocalBackend) -> None:
    assert backend.run_athena("SELECT count(*) AS n FROM cloud_trail_logs").rows == [["5"]]
    assert backend.run_logs_insights("stats count(*) as n", [], WINDOW).rows


def test_harden_allows_only_the_given_folders(tmp_path: Path, host_file: Path) -> None:
    inside = tmp_path / "bundle"
    inside.mkdir()
    (inside / "events.csv").write_text("a\n1\n")
    # A sibling whose name starts like the allowed folder is not inside it.
    sibling = tmp_path / "bundle-evil"
    sibling.mkdir()
    (sibling / "events.csv").write_text("a\n2\n")
    con = duckdb.connect()
    harden(con, allowed_dirs=[inside])
    assert con.execute(f"SELECT a FROM read_csv('{inside}/events.csv')").fetchall() == [(1,)]
    _refused(con, f"SELECT a FROM read_csv('{sibling}/events.csv')")
    _refused(con, f"SELECT * FROM read_csv('{host_file}')")
    con.close()
