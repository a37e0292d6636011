"""What a bundle's results leave out is said, never silently lost: a log file that cannot be
read and log lines that are not events are named in the query command's notes, the report's
notes and the model's briefing, whether the logs are read cold, loaded or from the cache."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

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

COUNT = "stats count(*) AS events"
PUT = "/aws/lambda/orders-put"
# A line a crashed exporter cut short, and an event that lost its message: real damage seen
# in exported CloudWatch logs.
NOT_JSON = (
    '{"logGroup":"/aws/lambda/orders-put","logStream":"2026/03/02/[$LATEST]9f","timestamp":17724'
)
NO_MESSAGE = '{"logGroup":"/aws/lambda/orders-put","logStream":"2026/03/02/[$LATEST]9f","timestamp":1772444700000}'
DROPPED_NOTE = (
    "Logs: 2 lines of the log files are not log events (not JSON, without logGroup, "
    "timestamp or message, under a log group name CloudWatch does not allow, or with a "
    "message over 1 MiB) and were left out; `fa2 bundle check` shows where"
)
TRUNCATED_NOTE = (
    "Logs: logs/apigateway-orders-api-access.jsonl.gz could not be read (Unexpected end of "
    "GZIP stream); its events are missing from every result"
)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """The demo bundle with two damaged lines in the orders-put log file."""
    root = Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))
    path = root / "logs" / "lambda-orders-put.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines[2:2] = [NOT_JSON, NO_MESSAGE]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return root


def truncate_access_log(bundle: Path) -> None:
    path = bundle / "logs" / "apigateway-orders-api-access.jsonl.gz"
    path.write_bytes(path.read_bytes()[:20_000])


def engine_over(bundle: Path, *, materialize: bool, cached: bool) -> LogsInsightsEngine:
    files = load_bundle(bundle).source_files("logs")
    cache = BundleCache(bundle) if cached else None
    return LogsInsightsEngine(duckdb.connect(), files, cache=cache, materialize=materialize)


def put_events(engine: LogsInsightsEngine, bundle: Path) -> int:
    result = engine.run(COUNT, [PUT], load_bundle(bundle).window)
    return int(result["results"][0][0]["value"])


@pytest.mark.parametrize("materialize", [True, False], ids=["loaded", "read-in-place"])
def test_lines_that_are_not_events_are_counted_and_left_out_of_every_result(
    bundle: Path, materialize: bool
) -> None:
    intact = engine_over(DEMO_BUNDLE, materialize=materialize, cached=False)
    damaged = engine_over(bundle, materialize=materialize, cached=False)

    assert put_events(damaged, bundle) == put_events(intact, DEMO_BUNDLE)
    assert damaged.dropped_lines == 2
    assert intact.dropped_lines == 0
    assert damaged.data_notes(bundle) == [DROPPED_NOTE]
    assert intact.data_notes(DEMO_BUNDLE) == []


def test_the_log_groups_hold_only_events(bundle: Path) -> None:
    groups = engine_over(bundle, materialize=True, cached=False).log_groups()
    expected = engine_over(DEMO_BUNDLE, materialize=True, cached=False).log_groups()

    assert groups == expected  # no group without a name, no extra events in orders-put


def test_the_cache_remembers_the_lines_it_left_out(bundle: Path, cache_dir: Path) -> None:
    writer = engine_over(bundle, materialize=True, cached=True)
    reader = engine_over(bundle, materialize=False, cached=True)

    assert (writer.from_cache, reader.from_cache) == (False, True)
    assert put_events(reader, bundle) == put_events(writer, bundle)
    assert reader.dropped_lines == 2
    assert reader.data_notes(bundle) == [DROPPED_NOTE]


def test_an_unreadable_file_is_named_alike_read_cold_or_from_the_cache(
    bundle: Path, cache_dir: Path
) -> None:
    truncate_access_log(bundle)
    cold = engine_over(bundle, materialize=False, cached=False)
    put_events(cold, bundle)  # read in place: the first query reads the files
    engine_over(bundle, materialize=True, cached=True)  # writes the cache entry
    cached = engine_over(bundle, materialize=False, cached=True)

    assert cached.from_cache
    assert cold.data_notes(bundle) == cached.data_notes(bundle) == [TRUNCATED_NOTE, DROPPED_NOTE]


def test_the_backend_notes_what_each_source_it_read_left_out(bundle: Path) -> None:
    truncate_access_log(bundle)
    (bundle / "xray" / "broken.json").write_text("{not json", encoding="utf-8")
    backend = LocalBackend(bundle, load_settings())
    assert backend.load_notes == []  # nothing read yet

    backend.list_log_groups()
    backend.find_traces(None, load_bundle(bundle).window, 1)

    assert backend.load_notes[:2] == [TRUNCATED_NOTE, DROPPED_NOTE]
    assert any(
        n.startswith("X-Ray: xray/broken.json could not be read (") for n in backend.load_notes
    )
    assert not any(str(bundle) in n for n in backend.load_notes)  # no path of this machine


@pytest.mark.parametrize("cache", ["off", "inline"])
def test_query_logs_prints_the_note_after_its_result_cold_or_cached(
    bundle: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    monkeypatch.setenv("FA2_BUNDLE_CACHE", cache)
    runner = CliRunner()
    args = ["query", "logs", "--bundle", str(bundle), "-g", PUT, "--format", "json", COUNT]
    for _ in range(2):  # with the cache on, the second run reads the entry the first wrote
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["results"][0][0]["field"] == "events"
        assert result.stderr == f"note: {DROPPED_NOTE}\n"


# ---------------------------------------------------------------- Athena tables

ALB_BUNDLE = DEMO_BUNDLE.parent / "partner-api-slow"


@pytest.fixture
def alb_bundle(tmp_path: Path) -> tuple[Path, str]:
    """A bundle whose first ALB log file was cut short mid-copy, and that file's path."""
    root = Path(shutil.copytree(ALB_BUNDLE, tmp_path / "alb-bundle"))
    first = sorted((root / "alb").glob("*.log.gz"))[0]
    first.write_bytes(first.read_bytes()[:3000])
    return root, first.relative_to(root).as_posix()


@pytest.mark.parametrize("cache", ["off", "inline"])
def test_query_sql_names_the_unreadable_file_of_the_table_it_read_cold_or_cached(
    alb_bundle: tuple[Path, str], cache_dir: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    bundle, cut = alb_bundle
    monkeypatch.setenv("FA2_BUNDLE_CACHE", cache)
    runner = CliRunner()
    args = ["query", "sql", "--bundle", str(bundle), "--format", "json"]
    for _ in range(2):  # with the cache on, the second run reads the entry the first wrote
        result = runner.invoke(app, [*args, "SELECT count(*) AS n FROM alb_access_logs"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["ResultSet"]["Rows"][0]["Data"][0]["VarCharValue"] == "n"
        assert result.stderr == (
            f"note: Athena: {cut} could not be read (Unexpected end of GZIP stream); its rows "
            "are missing from every result\n"
        )


@pytest.mark.parametrize(
    "sql", ["SELECT count(*) FROM cloud_trail_logs", "SELECT 1"], ids=["other-table", "no-table"]
)
def test_query_sql_says_nothing_of_a_table_it_did_not_read(
    alb_bundle: tuple[Path, str], cache_dir: Path, sql: str
) -> None:
    bundle, _ = alb_bundle
    runner = CliRunner()
    runner.invoke(app, ["query", "sql", "--bundle", str(bundle), "SELECT 1 FROM alb_access_logs"])

    result = runner.invoke(app, ["query", "sql", "--bundle", str(bundle), sql])

    assert result.exit_code == 0, result.output
    assert "could not be read" not in result.stderr


def test_the_backend_notes_an_unreadable_athena_file(alb_bundle: tuple[Path, str]) -> None:
    bundle, cut = alb_bundle
    backend = LocalBackend(bundle, load_settings())

    backend.table_schemas()

    assert (
        f"Athena: {cut} could not be read (Unexpected end of GZIP stream); its rows are missing "
        "from every result"
    ) in backend.load_notes


def test_query_sql_names_the_unreadable_file_of_a_table_read_by_its_manifest_alias(
    alb_bundle: tuple[Path, str], cache_dir: Path
) -> None:
    bundle, cut = alb_bundle
    manifest = bundle / "incident.yaml"
    manifest.write_text(
        manifest.read_text() + "athena:\n  database: aiops_db\n  alb_table: my_alb_logs\n"
    )

    result = CliRunner().invoke(
        app, ["query", "sql", "--bundle", str(bundle), "SELECT count(*) FROM my_alb_logs"]
    )

    assert result.exit_code == 0, result.output
    assert f"note: Athena: {cut} could not be read" in result.stderr


def test_a_malformed_file_is_named_without_this_machines_path(
    tmp_path: Path, cache_dir: Path
) -> None:
    bundle = Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))
    (bundle / "cloudtrail" / "zz.json").write_text('{"Records": [ {broken')

    result = CliRunner().invoke(
        app, ["query", "sql", "--bundle", str(bundle), "SELECT count(*) FROM cloud_trail_logs"]
    )

    assert result.exit_code == 0, result.output
    assert "note: Athena: cloudtrail/zz.json could not be read (" in result.stderr
    assert str(tmp_path) not in result.stderr


def test_a_metrics_file_both_metrics_engines_skip_is_noted_once(bundle: Path) -> None:
    from agent.incident import TimeRange
    from agent.telemetry.base import MetricDimension, MetricQuery

    (bundle / "metrics" / "broken.json").write_text("{not json")
    backend = LocalBackend(bundle, load_settings())
    window = load_bundle(bundle).window
    span = TimeRange(start=window.start, end=window.end)
    backend.get_metric_data(
        [
            MetricQuery(
                id="m1",
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions=[MetricDimension(name="FunctionName", value="orders-put")],
            )
        ],
        span,
    )
    backend.run_metrics_insights('SELECT SUM(Errors) FROM "AWS/Lambda"', span)

    notes = [n for n in backend.load_notes if "metrics/broken.json" in n]
    assert len(notes) == 1 and notes[0].startswith("Metrics: metrics/broken.json could not be read")


@pytest.mark.parametrize(
    ("source", "command", "label"),
    [
        ("xray", ["query", "traces"], "X-Ray"),
        ("xray", ["query", "service-graph"], "X-Ray"),
        (
            "metrics",
            ["query", "metrics-insights", 'SELECT SUM(Errors) FROM "AWS/Lambda"'],
            "Metrics",
        ),
        (
            "metrics",
            ["query", "metrics", "--namespace", "AWS/Lambda", "--metric", "Errors"],
            "Metrics",
        ),
    ],
    ids=["traces", "service-graph", "metrics-insights", "metrics"],
)
def test_every_query_command_names_the_files_its_source_could_not_read(
    bundle: Path, source: str, command: list[str], label: str
) -> None:
    (bundle / source / "broken.json").write_text("{not json", encoding="utf-8")

    result = CliRunner().invoke(app, [*command, "--bundle", str(bundle), "--format", "json"])

    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # the answer on stdout stays JSON
    [note] = [line for line in result.stderr.splitlines() if "could not be read" in line]
    assert note.startswith(f"note: {label}: {source}/broken.json could not be read (")
    assert note.endswith("; its data is missing from every result")
