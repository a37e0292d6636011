"""Athena: the read-only guard runs before any call; StartQueryExecution in the configured
workgroup/database/output, polled, results paged up to a row cap, StopQueryExecution on
timeout, DataScannedInBytes kept; schemas from the Glue catalog."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal.models import moto_api_backend

from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws.polling import Waiter
from agent.telemetry.base import QueryError, TelemetryUnavailableError
from tests.aws.conftest import FakeClock, make_settings, post_json
from tests.aws.stubs import (
    athena_column,
    athena_execution,
    athena_row,
    not_authorized,
    polls_within,
)

EXEC_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
SQL = (
    "SELECT target_ip, count(*) AS errors FROM alb_access_logs "
    "WHERE elb_status_code >= 500 GROUP BY target_ip ORDER BY errors DESC"
)
COLUMNS = [athena_column("target_ip", "varchar"), athena_column("errors", "bigint")]
HEADER = athena_row("target_ip", "errors")
START = {
    "QueryString": SQL,
    "QueryExecutionContext": {"Database": "aiops_db", "Catalog": "AwsDataCatalog"},
    "WorkGroup": "primary",
    "ResultConfiguration": {"OutputLocation": "s3://fa2-athena-results/queries/"},
}


def _results(rows: list[dict], token: str | None = None) -> dict:
    page: dict = {
        "UpdateCount": 0,
        "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": COLUMNS}},
    }
    if token:
        page["NextToken"] = token
    return page


# ---------------------------------------------------------------- guard


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE alb_access_logs",
        "INSERT INTO alb_access_logs SELECT * FROM alb_access_logs",
        "UNLOAD (SELECT * FROM alb_access_logs) TO 's3://exfil/' WITH (format = 'JSON')",
        "CREATE TABLE copy AS SELECT * FROM cloud_trail_logs",
        "SELECT 1; DROP TABLE alb_access_logs",
        "MSCK REPAIR TABLE alb_access_logs",
    ],
)
def test_write_statements_are_refused_before_anything_reaches_athena(
    backend: AwsBackend, sql: str
) -> None:
    with (
        Stubber(backend.clients.athena) as stub,
        pytest.raises(QueryError, match=r"refused|statements"),
    ):
        backend.run_athena(sql)
    stub.assert_no_pending_responses()  # and nothing was called: an unstubbed call would raise


# ---------------------------------------------------------------- moto


def test_query_runs_against_moto_in_process_with_posted_rows(moto_backend: AwsBackend) -> None:
    moto_api_backend.set_athena_result(
        rows=[HEADER, athena_row("10.0.1.17", "41"), athena_row("10.0.2.9", "3")],
        column_info=COLUMNS,
        account_id=DEFAULT_ACCOUNT_ID,
        region="us-east-1",
    )
    result = moto_backend.run_athena(SQL)
    assert result.columns == ["target_ip", "errors"]
    assert result.rows == [["10.0.1.17", "41"], ["10.0.2.9", "3"]]
    assert result.link and "#/query-editor/history/" in result.link


def test_query_runs_against_the_moto_server_with_posted_rows(
    server_backend: AwsBackend, moto_server: str
) -> None:
    status = post_json(
        f"{moto_server}/moto-api/static/athena/query-results",
        {"results": [{"rows": [HEADER, athena_row("10.0.1.17", "41")], "column_info": COLUMNS}]},
    )
    assert status == 201
    result = server_backend.run_athena(SQL)
    assert result.rows == [["10.0.1.17", "41"]]
    execution = boto3.client(
        "athena", region_name="us-east-1", endpoint_url=moto_server
    ).get_query_execution(QueryExecutionId=result.link.rsplit("/", 1)[1] if result.link else "")[
        "QueryExecution"
    ]
    assert execution["WorkGroup"] == "primary"
    assert execution["QueryExecutionContext"]["Database"] == "aiops_db"


def test_table_schemas_come_from_the_glue_catalog(
    server_backend: AwsBackend, moto_server: str
) -> None:
    glue = boto3.client("glue", region_name="us-east-1", endpoint_url=moto_server)
    glue.create_database(DatabaseInput={"Name": "aiops_db"})
    glue.create_table(
        DatabaseName="aiops_db",
        TableInput={
            "Name": "alb_access_logs",
            "Description": "ALB access logs",
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "type", "Type": "string"},
                    {"Name": "time", "Type": "string"},
                    {"Name": "elb_status_code", "Type": "int"},
                ]
            },
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
        },
    )
    [schema] = server_backend.table_schemas()
    assert (schema.database, schema.table, schema.description) == (
        "aiops_db",
        "alb_access_logs",
        "ALB access logs",
    )
    assert [(c.name, c.type) for c in schema.columns] == [
        ("type", "string"),
        ("time", "string"),
        ("elb_status_code", "int"),
        ("day", "string"),
    ]


def test_a_missing_database_points_at_the_setting(server_backend: AwsBackend) -> None:
    with pytest.raises(TelemetryUnavailableError, match="FA2_ATHENA_DATABASE, now 'aiops_db'"):
        server_backend.table_schemas()


# ---------------------------------------------------------------- Stubber: results


def test_rows_are_paged_and_bytes_scanned_kept(backend: AwsBackend) -> None:
    with Stubber(backend.clients.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, START)
        stub.add_response(
            "get_query_execution",
            athena_execution(EXEC_ID, "QUEUED"),
            {"QueryExecutionId": EXEC_ID},
        )
        stub.add_response(
            "get_query_execution",
            athena_execution(EXEC_ID, "RUNNING"),
            {"QueryExecutionId": EXEC_ID},
        )
        stub.add_response(
            "get_query_execution",
            athena_execution(EXEC_ID, "SUCCEEDED", scanned=48_211_005),
            {"QueryExecutionId": EXEC_ID},
        )
        stub.add_response(
            "get_query_results",
            _results(
                [HEADER, athena_row("10.0.1.17", "41"), athena_row("10.0.2.9", "3")], token="page-2"
            ),
            {"QueryExecutionId": EXEC_ID, "MaxResults": 4},
        )
        stub.add_response(
            "get_query_results",
            _results([athena_row("10.0.3.4", None)]),
            {"QueryExecutionId": EXEC_ID, "MaxResults": 1, "NextToken": "page-2"},
        )
        result = backend.run_athena(SQL, max_rows=3)
        stub.assert_no_pending_responses()
    assert result.rows == [["10.0.1.17", "41"], ["10.0.2.9", "3"], ["10.0.3.4", None]]
    assert result.bytes_scanned == 48_211_005
    assert result.statistics["EngineExecutionTimeInMillis"] == 1840
    assert not result.truncated


def test_rows_past_the_cap_are_not_read_and_the_result_says_truncated(backend: AwsBackend) -> None:
    with Stubber(backend.clients.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, START)
        stub.add_response(
            "get_query_execution", athena_execution(EXEC_ID, "SUCCEEDED", scanned=1024), None
        )
        stub.add_response(
            "get_query_results",
            _results(
                [HEADER, athena_row("10.0.1.17", "41"), athena_row("10.0.2.9", "3")], token="more"
            ),
            {"QueryExecutionId": EXEC_ID, "MaxResults": 3},
        )
        result = backend.run_athena(SQL, max_rows=2)
        stub.assert_no_pending_responses()
    assert len(result.rows) == 2
    assert result.truncated


# ---------------------------------------------------------------- Stubber: failures


def test_user_error_failure_is_a_query_error_with_athenas_reason(backend: AwsBackend) -> None:
    reason = "COLUMN_NOT_FOUND: line 1:8: Column 'target_addr' cannot be resolved or requester is not authorized to access requested resources"
    with Stubber(backend.clients.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, None)
        stub.add_response(
            "get_query_execution",
            athena_execution(EXEC_ID, "FAILED", reason=reason, category=2),
            None,
        )
        with pytest.raises(QueryError, match=r"COLUMN_NOT_FOUND.*target_addr"):
            backend.run_athena("SELECT target_addr FROM alb_access_logs")


def test_system_error_failure_is_unavailable(backend: AwsBackend) -> None:
    with Stubber(backend.clients.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, None)
        stub.add_response(
            "get_query_execution",
            athena_execution(
                EXEC_ID,
                "FAILED",
                reason="Amazon Athena experienced an internal error while executing this query.",
                category=1,
            ),
            None,
        )
        with pytest.raises(TelemetryUnavailableError, match="internal error"):
            backend.run_athena(SQL)


def test_s3_permission_failure_names_what_to_grant(backend: AwsBackend) -> None:
    reason = "Access denied when writing output to url: s3://fa2-athena-results/queries/a1b2.csv . Please ensure you are allowed to access the S3 bucket."
    with Stubber(backend.clients.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, None)
        stub.add_response(
            "get_query_execution",
            athena_execution(EXEC_ID, "FAILED", reason=reason, category=2),
            None,
        )
        with pytest.raises(TelemetryUnavailableError, match="s3:PutObject"):
            backend.run_athena(SQL)


def test_timeout_stops_the_query_execution(clock: FakeClock) -> None:
    backend = AwsBackend(
        make_settings(), waiter=Waiter(sleep=clock.sleep, clock=clock), query_timeout_s=10
    )
    with Stubber(backend.clients.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, None)
        for _ in range(polls_within(10)):
            stub.add_response("get_query_execution", athena_execution(EXEC_ID, "RUNNING"), None)
        stub.add_response("stop_query_execution", {}, {"QueryExecutionId": EXEC_ID})
        with pytest.raises(
            TelemetryUnavailableError, match="did not finish within 10 s and was stopped"
        ):
            backend.run_athena(SQL)
        stub.assert_no_pending_responses()


def test_throttled_start_is_retried_then_succeeds(backend: AwsBackend, clock: FakeClock) -> None:
    with Stubber(backend.clients.athena) as stub:
        stub.add_client_error(
            "start_query_execution",
            service_error_code="TooManyRequestsException",
            service_message="Rate exceeded",
            modeled_fields={"Reason": "CONCURRENT_QUERY_LIMIT_EXCEEDED"},
        )
        stub.add_response("start_query_execution", {"QueryExecutionId": EXEC_ID}, START)
        stub.add_response("get_query_execution", athena_execution(EXEC_ID, "SUCCEEDED"), None)
        stub.add_response("get_query_results", _results([HEADER]), None)
        result = backend.run_athena(SQL)
        stub.assert_no_pending_responses()
    assert result.status == "empty"
    assert len(clock.sleeps) == 1


def test_access_denied_names_the_athena_action(backend: AwsBackend) -> None:
    resource = "arn:aws:athena:us-east-1:123456789012:workgroup/primary"
    with Stubber(backend.clients.athena) as stub:
        stub.add_client_error(
            "start_query_execution",
            service_error_code="AccessDeniedException",
            service_message=not_authorized("athena:StartQueryExecution", resource),
        )
        with pytest.raises(
            TelemetryUnavailableError,
            match=r"`athena:StartQueryExecution` on `arn:aws:athena:us-east-1:123456789012:workgroup/primary`",
        ):
            backend.run_athena(SQL)


def test_syntax_error_at_start_is_a_query_error(backend: AwsBackend) -> None:
    with Stubber(backend.clients.athena) as stub:
        stub.add_client_error(
            "start_query_execution",
            service_error_code="InvalidRequestException",
            service_message="line 1:8: mismatched input 'FROM'. Expecting: '*', <expression>, <identifier>",
        )
        with pytest.raises(QueryError, match="mismatched input"):
            backend.run_athena("SELECT target_ip FROM alb_access_logs")
