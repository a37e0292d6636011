"""The per-bundle scan cache: a second engine (or process) on the same bundle reads the
Parquet copy instead of the files; a changed file is never answered from a stale copy;
two processes at once both answer and leave one good entry; a corrupt entry is ignored
and rebuilt; `fa2 bundle cache --clear` empties it."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from agent.config import load_settings
from agent.telemetry.bundle import load_bundle
from agent.telemetry.local import LocalBackend
from agent.telemetry.local.logs_insights import LogsInsightsEngine
from agent.telemetry.local.scan_cache import BundleCache
from cli import app

from ..conftest import DEMO_BUNDLE

ERRORS = "filter @message like /ERROR/ | stats count(*) as errors"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the demo bundle (its files get changed by some tests)."""
    return Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))


def error_count(bundle: Path, cache: BundleCache | None) -> tuple[int, bool]:
    """(errors counted by a fresh engine, whether it read the cache)."""
    loaded = load_bundle(bundle)
    engine = LogsInsightsEngine(duckdb.connect(), loaded.source_files("logs"), cache=cache)
    result = engine.run(ERRORS, [g.name for g in engine.log_groups()], loaded.window)
    return int(result["results"][0][0]["value"]), engine.from_cache


def entries(cache_dir: Path, source: str) -> list[Path]:
    return sorted(cache_dir.glob(f"bundles/*/{source}-*.parquet"))


def test_a_second_engine_reads_the_cache_and_answers_the_same(
    bundle: Path, cache_dir: Path
) -> None:
    first, first_cached = error_count(bundle, BundleCache(bundle))
    second, second_cached = error_count(bundle, BundleCache(bundle))
    assert (first_cached, second_cached) == (False, True)
    assert first == second > 0
    assert len(entries(cache_dir, "logs")) == 1


def test_a_cached_engine_knows_its_log_groups_without_reading_the_events(
    bundle: Path, cache_dir: Path
) -> None:
    loaded = load_bundle(bundle)
    files = loaded.source_files("logs")
    uncached = LogsInsightsEngine(duckdb.connect(), files, cache=BundleCache(bundle))
    entry = BundleCache(bundle).lookup(duckdb.connect(), "logs", files)
    assert entry is not None and entry.extra["groups"]
    cached = LogsInsightsEngine(duckdb.connect(), files, cache=BundleCache(bundle))
    assert cached.from_cache
    assert cached.log_groups() == uncached.log_groups()


@pytest.mark.parametrize(
    "query", ["pattern @message", "filter @message like /ERROR/ | pattern @message"]
)
def test_pattern_over_the_cache_uses_the_stored_masks_and_answers_the_same(
    bundle: Path, cache_dir: Path, query: str
) -> None:
    loaded = load_bundle(bundle)
    files = loaded.source_files("logs")
    answers = []
    for cache in (None, BundleCache(bundle), BundleCache(bundle)):  # none, writes, reads
        engine = LogsInsightsEngine(duckdb.connect(), files, cache=cache)
        groups = [g.name for g in engine.log_groups()]
        answers.append((engine.from_cache, engine.run(query, groups, loaded.window)))
    assert [cached for cached, _ in answers] == [False, False, True]
    assert answers[0][1] == answers[1][1] == answers[2][1]
    assert answers[0][1]["results"]


def test_the_athena_tables_are_cached_too_and_answer_the_same(
    bundle: Path, cache_dir: Path
) -> None:
    sql = "SELECT eventname, count(*) AS n FROM cloud_trail_logs GROUP BY 1 ORDER BY 2 DESC, 1"
    answers = []
    for _ in range(2):
        backend = LocalBackend(bundle, load_settings())
        answers.append(backend.run_athena(sql).rows)
        schemas = {t.table: t.description for t in backend.table_schemas()}
        backend.close()
    assert answers[0] == answers[1] and answers[0]
    assert backend._athena.from_cache["cloudtrail"]
    assert "rows from" in schemas["cloud_trail_logs"]


def test_a_changed_log_file_is_read_again_not_answered_from_the_cache(
    bundle: Path, cache_dir: Path
) -> None:
    before, _ = error_count(bundle, BundleCache(bundle))
    log_file = load_bundle(bundle).source_files("logs")[0]
    lines = gzip.decompress(log_file.read_bytes()).decode().splitlines()
    event = {**json.loads(lines[0]), "message": "ERROR one more failure"}
    log_file.write_bytes(gzip.compress("\n".join([*lines, json.dumps(event)]).encode() + b"\n"))
    after, cached = error_count(bundle, BundleCache(bundle))
    assert (after, cached) == (before + 1, False)
    assert len(entries(cache_dir, "logs")) == 1  # the stale entry is gone


def test_a_corrupt_cache_file_is_ignored_and_rebuilt(bundle: Path, cache_dir: Path) -> None:
    expected, _ = error_count(bundle, BundleCache(bundle))
    [parquet] = entries(cache_dir, "logs")
    parquet.write_bytes(b"PAR1 this is not a parquet file any more PAR1")
    answer, cached = error_count(bundle, BundleCache(bundle))
    assert (answer, cached) == (expected, False)
    assert error_count(bundle, BundleCache(bundle)) == (expected, True)  # rebuilt


def test_a_truncated_cache_file_is_ignored_and_rebuilt(bundle: Path, cache_dir: Path) -> None:
    expected, _ = error_count(bundle, BundleCache(bundle))
    [parquet] = entries(cache_dir, "logs")
    parquet.write_bytes(parquet.read_bytes()[: parquet.stat().st_size // 2])
    assert error_count(bundle, BundleCache(bundle)) == (expected, False)
    assert error_count(bundle, BundleCache(bundle)) == (expected, True)


def test_two_processes_at_once_both_answer_and_leave_one_good_entry(
    bundle: Path, cache_dir: Path
) -> None:
    command = [sys.executable, "-m", "cli", "query", "logs", "--bundle", str(bundle)]
    command += ["--format", "json", ERRORS]
    env = {**os.environ, "FA2_CACHE_DIR": str(cache_dir), "FA2_BUNDLE_CACHE": "inline"}
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    answers = [json.loads(out)["results"] for out, _ in outputs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    assert answers[0] == answers[1]
    assert len(entries(cache_dir, "logs")) == 1
    expected = int(answers[0][0][0]["value"])
    assert error_count(bundle, BundleCache(bundle)) == (expected, True)


def test_the_cache_is_off_when_asked(bundle: Path, cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("FA2_BUNDLE_CACHE", "off")
    assert BundleCache.for_bundle(bundle) is None
    error_count(bundle, BundleCache.for_bundle(bundle))
    assert not entries(cache_dir, "logs")


def test_bundle_cache_clear_empties_the_cache(bundle: Path, cache_dir: Path) -> None:
    error_count(bundle, BundleCache(bundle))
    assert entries(cache_dir, "logs")
    result = CliRunner().invoke(app, ["bundle", "cache", "--clear"])
    assert result.exit_code == 0, result.output
    assert "removed" in result.output
    assert not entries(cache_dir, "logs")


def test_a_cache_folder_that_cannot_be_written_costs_speed_not_the_answer(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("FA2_CACHE_DIR was set to a file by mistake\n", encoding="utf-8")
    monkeypatch.setenv("FA2_CACHE_DIR", str(not_a_folder))
    monkeypatch.setenv("FA2_BUNDLE_CACHE", "inline")
    expected, _ = error_count(bundle, None)
    assert error_count(bundle, BundleCache(bundle)) == (expected, False)
    assert "could not write the logs cache" in caplog.text
    assert "set FA2_CACHE_DIR to a writable folder, or FA2_BUNDLE_CACHE=off" in caplog.text


def test_bundle_cache_with_a_cache_dir_that_is_a_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "cache"
    a_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("FA2_CACHE_DIR", str(a_file))
    for args in (["bundle", "cache"], ["bundle", "cache", "--clear"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2
        assert f"the cache folder {a_file} (FA2_CACHE_DIR) is a file" in result.stderr
    assert a_file.is_file()  # --clear left it alone


def test_a_cache_file_renamed_while_it_is_counted_is_not_a_crash(
    bundle: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error_count(bundle, BundleCache(bundle))
    listed = Path.rglob

    def with_a_partial_file_renamed_meanwhile(self: Path, pattern: str) -> Any:
        yield from listed(self, pattern)
        yield self / "0123" / f".logs-0123.{os.getpid()}.parquet"  # gone by the time of stat

    monkeypatch.setattr(Path, "rglob", with_a_partial_file_renamed_meanwhile)
    result = CliRunner().invoke(app, ["bundle", "cache"])
    assert result.exit_code == 0, result.output
    assert "cached source(s)" in result.stdout
