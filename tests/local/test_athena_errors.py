"""What the local Athena engine tells the author of a wrong query, and the row cap."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryError
from agent.telemetry.local.athena import AthenaEngine


def test_unknown_column_is_named_with_the_table_columns(athena: AthenaEngine) -> None:
    with pytest.raises(QueryError) as caught:
        athena.run("SELECT status_code FROM alb_access_logs")
    message = caught.value.message
    assert "Column 'status_code' cannot be resolved" in message
    assert "columns of aiops_db.alb_access_logs: type, time, elb," in message
    assert "elb_status_code" in message
    assert "cloud_trail_logs" not in message  # only the tables the query uses


def test_unknown_column_in_group_by_is_named_as_unknown_not_as_an_alias_problem(
    athena: AthenaEngine,
) -> None:
    # AWS's DDL calls it lambda_error_reason; the ALB log field is "error_reason".
    with pytest.raises(QueryError) as caught:
        athena.run("SELECT error_reason, count(*) FROM alb_access_logs GROUP BY error_reason")
    assert "Column 'error_reason' cannot be resolved" in caught.value.message
    assert "lambda_error_reason" in caught.value.message


def test_unknown_table_lists_the_available_tables(athena: AthenaEngine) -> None:
    with pytest.raises(
        QueryError,
        match=r"TABLE_NOT_FOUND: Table 'alb_logs' does not exist\. Available tables: aiops_db\.alb_access_logs, aiops_db\.cloud_trail_logs",
    ):
        athena.run("SELECT * FROM alb_logs")


def test_unknown_function_is_named_with_the_supported_ones(athena: AthenaEngine) -> None:
    with pytest.raises(
        QueryError,
        match=r"Function 'geometry_from_text' is not supported.*Supported: from_iso8601_timestamp",
    ):
        athena.run("SELECT geometry_from_text(client_ip) FROM alb_access_logs")


def test_unknown_struct_field_is_named(athena: AthenaEngine) -> None:
    with pytest.raises(QueryError, match="field 'nickname'"):
        athena.run("SELECT useridentity.nickname FROM cloud_trail_logs")


def test_write_statements_never_reach_the_engine(athena: AthenaEngine) -> None:
    with pytest.raises(QueryError, match="refused DROP"):
        athena.run("DROP TABLE alb_access_logs")
    assert athena.run("SELECT count(*) FROM alb_access_logs").total_rows == 1


def test_bad_data_for_a_function_is_a_query_error(athena: AthenaEngine) -> None:
    with pytest.raises(QueryError, match=r"INVALIDINPUT|CONVERSION"):
        athena.run("SELECT date_parse(user_agent, '%Y-%m-%d') FROM alb_access_logs")


def test_rows_are_capped_and_the_total_is_kept(athena: AthenaEngine) -> None:
    answer = athena.run("SELECT time FROM alb_access_logs ORDER BY client_port", max_rows=2)
    rows = answer.response["ResultSet"]["Rows"]
    assert len(rows) == 3  # header + 2
    assert (answer.total_rows, answer.truncated) == (7, True)


def test_result_has_athena_column_info_and_null_without_value(athena: AthenaEngine) -> None:
    answer = athena.run(
        "SELECT target_port, elb_status_code > 500 AS failed FROM alb_access_logs WHERE elb_status_code = 502"
    )
    info = answer.response["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in info] == [
        ("target_port", "integer"),
        ("failed", "boolean"),
    ]
    assert answer.response["ResultSet"]["Rows"][1] == {"Data": [{}, {"VarCharValue": "true"}]}


def test_bytes_scanned_counts_the_files_of_the_tables_read(
    athena: AthenaEngine, alb_doc_log
) -> None:
    answer = athena.run("SELECT count(*) FROM alb_access_logs")
    assert answer.bytes_scanned == alb_doc_log.stat().st_size


def test_a_runaway_query_is_stopped_with_advice(athena: AthenaEngine) -> None:
    runaway = (
        "SELECT count(*) FROM alb_access_logs a CROSS JOIN UNNEST(sequence(1, 3000)) AS t(i) "
        "CROSS JOIN UNNEST(sequence(1, 3000)) AS u(j) CROSS JOIN UNNEST(sequence(1, 3000)) AS v(k) "
        "WHERE (i * j + k) % 7 = 3"
    )
    with pytest.raises(QueryError, match=r"ran longer than 0\.2 s and was stopped"):
        athena.run(runaway, timeout_s=0.2)


def test_information_schema_lists_the_tables_and_columns(sql) -> None:
    rows = sql(
        "SELECT table_name, count(*) FROM information_schema.columns "
        "WHERE table_schema = 'aiops_db' GROUP BY table_name ORDER BY table_name"
    )
    assert rows == [["alb_access_logs", "34"], ["cloud_trail_logs", "29"]]
