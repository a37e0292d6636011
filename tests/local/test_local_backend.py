"""LocalBackend: the TelemetryBackend over an incident bundle, answering like the AWS backend."""

from __future__ import annotations

import gzip
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from agent.config import load_settings
from agent.incident import MetricDimension, TimeRange
from agent.telemetry import shapes
from agent.telemetry.base import (
    MetricQuery,
    QueryError,
    TelemetryBackend,
    TelemetryUnavailableError,
)
from agent.telemetry.local import LocalBackend

from .conftest import FAULTING_TRACE

REPO = Path(__file__).resolve().parents[2]
DEMO_BUNDLE = REPO / "evals" / "scenarios" / "dynamodb-throttling"
WINDOW = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)


@pytest.fixture(scope="module")
def backend(bundle: Path) -> LocalBackend:
    return LocalBackend(bundle, load_settings())


def test_it_is_a_telemetry_backend_named_local(backend: LocalBackend) -> None:
    assert isinstance(backend, TelemetryBackend)
    assert backend.name == "local"
    assert backend.capabilities.metric_math is False


def test_athena_answers_with_the_bundle_link_and_the_shared_shape(backend: LocalBackend) -> None:
    sql = "SELECT elb_status_code, count(*) AS requests FROM alb_access_logs GROUP BY 1 ORDER BY 1"
    result = backend.run_athena(sql)
    assert result.source == "athena"
    assert result.columns == ["elb_status_code", "requests"]
    assert result.rows == [["101", "2"], ["200", "4"], ["502", "1"]]
    assert result.link == "bundle://orders-incident/alb"
    assert result.raw is not None
    assert result == shapes.from_athena(
        result.raw,
        sql=sql,
        total_rows=3,
        truncated=False,
        link=result.link,
        bytes_scanned=result.bytes_scanned,
    )


def test_manifest_table_names_resolve_beside_the_configured_ones(backend: LocalBackend) -> None:
    assert backend.run_athena("SELECT count(*) FROM cloudtrail_logs").rows == [["5"]]
    assert (
        backend.run_athena("SELECT count(*) FROM aiops_db.cloud_trail_logs").link
        == "bundle://orders-incident/cloudtrail"
    )


def test_configured_names_are_the_ones_used(bundle: Path) -> None:
    settings = load_settings(athena_database="security", athena_cloudtrail_table="trail")
    backend = LocalBackend(bundle, settings)
    assert backend.run_athena("SELECT count(*) FROM security.trail").rows == [["5"]]
    assert {(s.database, s.table) for s in backend.table_schemas()} >= {
        ("security", "trail"),
        ("security", "alb_access_logs"),
    }


def test_athena_row_cap_keeps_the_total(backend: LocalBackend) -> None:
    result = backend.run_athena("SELECT time FROM alb_access_logs", max_rows=2)
    assert (len(result.rows), result.total_rows, result.truncated) == (2, 7, True)


def test_write_sql_is_refused(backend: LocalBackend) -> None:
    with pytest.raises(QueryError, match="refused"):
        backend.run_athena("DELETE FROM alb_access_logs")


def test_logs_insights_is_wired_to_the_bundle_logs(backend: LocalBackend) -> None:
    assert [g.name for g in backend.list_log_groups("/aws/lambda/")] == ["/aws/lambda/orders-put"]
    result = backend.run_logs_insights(
        "filter @type = 'REPORT' | stats max(@duration) as slowest",
        ["/aws/lambda/orders-put"],
        WINDOW,
    )
    assert result.rows == [["712.35"]]
    assert result.link == "bundle://orders-incident/logs"


def test_traces_summaries_total_and_cap(backend: LocalBackend) -> None:
    result = backend.find_traces(None, WINDOW, limit=2)
    assert (len(result.rows), result.total_rows, result.truncated) == (2, 3, True)
    assert result.query == "GetTraceSummaries (no filter)"
    faults = backend.find_traces('rootcause.fault.entity { name = "DynamoDB" }', WINDOW)
    assert [row[0] for row in faults.rows] == [FAULTING_TRACE]


def test_bad_filter_expression_is_a_query_error(backend: LocalBackend) -> None:
    with pytest.raises(QueryError, match="position"):
        backend.find_traces("http.status >>", WINDOW)


def test_get_traces_and_service_graph(backend: LocalBackend) -> None:
    trace = backend.get_traces([FAULTING_TRACE])
    assert trace.query == f"BatchGetTraces {FAULTING_TRACE}"
    assert any(row[3].strip() == "DynamoDB" and row[9] == "true" for row in trace.rows)
    graph = backend.get_service_graph(WINDOW)
    assert ["orders-put", "AWS::Lambda::Function", "orders"] in [row[:3] for row in graph.rows]
    with pytest.raises(QueryError, match="no trace ids"):
        backend.get_traces([" "])


def test_metrics_list_and_alarm(backend: LocalBackend) -> None:
    query = MetricQuery(
        namespace="AWS/DynamoDB",
        metric_name="WriteThrottleEvents",
        dimensions=[MetricDimension(name="TableName", value="orders")],
        statistic="Sum",
        period=600,
    )
    result = backend.get_metric_data([query], WINDOW)
    # periods count from the range start (09:45), as GetMetricData's do
    assert result.rows == [
        ["m1", "WriteThrottleEvents", "2026-03-02T09:55:00.000Z", "55"],
        ["m1", "WriteThrottleEvents", "2026-03-02T10:05:00.000Z", "212"],
    ]
    assert "AWS/DynamoDB WriteThrottleEvents{TableName=orders} Sum/600s" in result.query
    assert len(backend.list_metrics(namespace="AWS/Lambda").rows) == 1
    assert backend.describe_alarm("orders-api-5xx").rows[0][:2] == ["orders-api-5xx", "ALARM"]
    with pytest.raises(QueryError, match="used twice"):
        backend.get_metric_data([query, query], WINDOW)


def test_queries_run_concurrently_from_threads(backend: LocalBackend) -> None:
    def one(i: int) -> list:
        if i % 3 == 0:
            return backend.run_athena(
                "SELECT count(*) FROM alb_access_logs WHERE elb_status_code >= 500"
            ).rows
        if i % 3 == 1:
            return backend.run_logs_insights(
                "stats count(*) as n", ["/aws/lambda/orders-put"], WINDOW
            ).rows
        return backend.find_traces("fault", WINDOW).rows

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(24)))
    assert all(results[i] == results[i % 3] for i in range(24))


@pytest.mark.skipif(not DEMO_BUNDLE.is_dir(), reason="demo bundle not present")
def test_demo_bundle_answers_the_questions_of_its_incident() -> None:
    backend = LocalBackend(DEMO_BUNDLE, load_settings())
    window = backend.bundle.window
    writes = backend.run_athena(
        "SELECT eventname, json_extract_scalar(requestparameters, '$.provisionedThroughput.writeCapacityUnits') "
        "FROM cloud_trail_logs WHERE eventname = 'UpdateTable'"
    )
    assert writes.rows == [["UpdateTable", "5"]]
    throttled = backend.find_traces("throttle", window)
    assert throttled.total_rows > 0
    assert "ProvisionedThroughputExceededException" in (throttled.rows[0][-1] or "")


def test_unreadable_bundle_data_makes_the_source_unavailable_not_the_query_wrong(
    tmp_path: Path,
) -> None:
    (tmp_path / "cloudtrail").mkdir()
    (tmp_path / "cloudtrail" / "trail.json").write_text('{"Records": [{"eventName": ')
    (tmp_path / "incident.yaml").write_text(
        yaml.safe_dump(
            {
                "title": "t",
                "window": {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"},
            }
        )
    )
    backend = LocalBackend(tmp_path, load_settings())
    with pytest.raises(TelemetryUnavailableError, match="could not load the bundle's athena data"):
        backend.run_athena("SELECT count(*) FROM cloud_trail_logs")


def test_gzipped_alb_and_cloudtrail_files_are_read(tmp_path: Path, bundle: Path) -> None:
    for source in ("alb", "cloudtrail"):
        (tmp_path / source).mkdir()
        for file in (bundle / source).iterdir():
            (tmp_path / source / (file.name + ".gz")).write_bytes(gzip.compress(file.read_bytes()))
    shutil.copy(bundle / "incident.yaml", tmp_path / "incident.yaml")
    backend = LocalBackend(tmp_path, load_settings())
    assert backend.run_athena("SELECT count(*) FROM alb_access_logs").rows == [["7"]]
    assert backend.run_athena("SELECT count(*) FROM cloud_trail_logs").rows == [["5"]]
