"""The ALB and CloudTrail tables have the columns and types of AWS's documented Athena DDL,
and AWS's documented example log lines / records land in the right columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from agent.telemetry.local.athena import AthenaEngine
from agent.telemetry.local.athena_tables import ALB_COLUMNS, ALB_INPUT_REGEX, alb_select_sql

DDL_ALB_COLUMN_NAMES = [
    "type",
    "time",
    "elb",
    "client_ip",
    "client_port",
    "target_ip",
    "target_port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request_verb",
    "request_url",
    "request_proto",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "lambda_error_reason",
    "target_port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
]


def _serde_value(text: str, hive_type: str) -> object:
    """What Hive's RegexSerDe makes of a captured group: numbers that do not parse are NULL."""
    if hive_type == "string":
        return text
    try:
        return float(text) if hive_type == "double" else int(text)
    except ValueError:
        return None


def test_alb_table_has_the_documented_columns_and_types(athena: AthenaEngine) -> None:
    schema = {s.table: s for s in athena.table_schemas()}["alb_access_logs"]
    assert [c.name for c in schema.columns] == DDL_ALB_COLUMN_NAMES
    types = {c.name: c.type for c in schema.columns}
    assert (types["elb_status_code"], types["target_status_code"], types["sent_bytes"]) == (
        "integer",
        "varchar",
        "bigint",
    )
    assert types["target_processing_time"] == "double"


def test_every_documented_alb_example_line_splits_exactly_as_the_documented_regex(
    alb_doc_log: Path,
) -> None:
    regex = re.compile(ALB_INPUT_REGEX)
    con = duckdb.connect()
    loaded = con.execute(alb_select_sql([alb_doc_log])).fetchall()
    lines = alb_doc_log.read_text().splitlines()
    assert len(loaded) == len(lines) == 7
    for line, row in zip(lines, loaded, strict=True):
        match = regex.fullmatch(line)
        assert match is not None, line
        expected = [
            _serde_value(g, t) for g, (_, t) in zip(match.groups(), ALB_COLUMNS, strict=True)
        ]
        assert list(row) == expected


def test_failed_lambda_line_keeps_dash_strings_and_nulls_numbers(sql) -> None:
    rows = sql(
        "SELECT elb_status_code, target_status_code, target_ip, target_port, lambda_error_reason "
        "FROM alb_access_logs WHERE lambda_error_reason <> '-'",
    )
    assert rows == [["502", "-", "", None, "LambdaInvalidResponse"]]


def test_a_line_the_format_does_not_match_becomes_a_null_row(
    tmp_path: Path, alb_doc_log: Path
) -> None:
    log = tmp_path / "broken.log"
    log.write_text(alb_doc_log.read_text().splitlines()[0] + "\nthis is not an ALB log line\n")
    con = duckdb.connect()
    rows = con.execute(alb_select_sql([log])).fetchall()
    assert rows[0][0] == "http"
    assert all(value is None for value in rows[1])


def test_newer_fields_after_conn_trace_id_are_tolerated(tmp_path: Path, alb_doc_log: Path) -> None:
    line = alb_doc_log.read_text().splitlines()[0] + ' "-" "-" "-"'
    log = tmp_path / "newer.log"
    log.write_text(line + "\n")
    row = duckdb.connect().execute(alb_select_sql([log])).fetchone()
    assert row is not None
    assert row[-1] == "TID_1234abcd5678ef90"


def test_cloudtrail_table_has_the_documented_nested_types(athena: AthenaEngine) -> None:
    schema = {s.table: s for s in athena.table_schemas()}["cloud_trail_logs"]
    types = {c.name: c.type for c in schema.columns}
    assert types["useridentity"].startswith("row(type varchar, principalid varchar, arn varchar")
    assert "sessionissuer row(type varchar" in types["useridentity"]
    assert types["resources"] == "array(row(arn varchar, accountid varchar, type varchar))"
    assert types["requestparameters"] == types["responseelements"] == types["readonly"] == "varchar"
    assert [c.name for c in schema.columns][:3] == ["eventversion", "useridentity", "eventtime"]


def test_cloudtrail_records_keep_request_parameters_as_json_text(sql) -> None:
    rows = sql(
        "SELECT requestparameters, useridentity.sessioncontext.sessionissuer.username, readonly "
        "FROM cloud_trail_logs WHERE eventname = 'UpdateTable'",
    )
    parameters, issuer, read_only = rows[0]
    assert json.loads(parameters or "") == {
        "tableName": "orders",
        "provisionedThroughput": {"readCapacityUnits": 100, "writeCapacityUnits": 5},
    }
    assert (issuer, read_only) == ("OpsRole", "false")


def test_cloudtrail_null_and_absent_json_values_are_sql_null(sql) -> None:
    rows = sql(
        "SELECT responseelements, errorcode, useridentity.sessioncontext FROM cloud_trail_logs "
        "WHERE eventname = 'DeleteBucket'",
    )
    assert rows == [[None, None, None]]


def test_every_record_of_every_file_is_loaded(sql, cloudtrail_dir: Path) -> None:
    records = sum(len(json.loads(p.read_text())["Records"]) for p in cloudtrail_dir.glob("*.json"))
    assert sql("SELECT count(*) FROM cloud_trail_logs") == [[str(records)]]


def test_documented_start_instances_record_lands_in_the_documented_columns(sql) -> None:
    rows = sql(
        "SELECT eventversion, useridentity.type, useridentity.username, useridentity.accesskeyid, "
        "useridentity.sessioncontext.attributes.mfaauthenticated, eventtime, eventsource, awsregion, "
        "sourceipaddress, json_extract_scalar(requestparameters, '$.instancesSet.items[0].instanceId'), "
        "requestid, eventid, readonly, eventtype, recipientaccountid, eventcategory, "
        "sessioncredentialfromconsole, tlsdetails.tlsversion, tlsdetails.clientprovidedhostheader, resources "
        "FROM cloud_trail_logs WHERE eventname = 'StartInstances'"
    )
    assert rows == [
        [
            "1.08",
            "IAMUser",
            "Mateo",
            "AKIAIOSFODNN7EXAMPLE",
            "false",
            "2026-03-02T09:17:28Z",
            "ec2.amazonaws.com",
            "us-east-1",
            "192.0.2.0",
            "i-EXAMPLE56126103cb",
            "e4336db0-149f-4a6b-844d-EXAMPLEb9d16",
            "e755e09c-42f9-4c5c-9064-EXAMPLE228c7",
            "false",
            "AwsApiCall",
            "123456789012",
            "Management",
            "true",
            "TLSv1.2",
            "ec2.us-east-1.amazonaws.com",
            None,
        ]
    ]


DOC_HTTP_LINE = (
    "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 "
    '10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" '
    '"curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/'
    '73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z '
    '"forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90'
)
VARIANTS = {
    "user agent with spaces": DOC_HTTP_LINE.replace(
        '"curl/7.46.0"', '"Mozilla/5.0 (Windows NT 10.0; Win64) Chrome/126"'
    ),
    "malformed request": DOC_HTTP_LINE.replace(
        '"GET http://www.example.com:80/ HTTP/1.1"', '"- - - "'
    ),
    "url with query": DOC_HTTP_LINE.replace(
        "http://www.example.com:80/", "http://www.example.com:80/a?b=1&c=%20"
    ),
    "no target (ELB 460)": DOC_HTTP_LINE.replace(
        "10.0.0.1:80 0.000 0.001 0.000 200 200", "- -1 -1 -1 460 -"
    ),
    "classified request": DOC_HTTP_LINE.replace(
        '"-" "-" TID', '"Ambiguous" "UndefinedContentLengthSemantics" TID'
    ),
    "without conn_trace_id": DOC_HTTP_LINE.removesuffix(" TID_1234abcd5678ef90"),
}


@pytest.mark.parametrize("line", VARIANTS.values(), ids=VARIANTS.keys())
def test_edge_case_lines_split_as_the_documented_regex(tmp_path: Path, line: str) -> None:
    match = re.compile(ALB_INPUT_REGEX).fullmatch(line)
    assert match is not None
    log = tmp_path / "edge.log"
    log.write_text(line + "\n")
    row = duckdb.connect().execute(alb_select_sql([log])).fetchone()
    assert list(row or ()) == [
        _serde_value(g, t) for g, (_, t) in zip(match.groups(), ALB_COLUMNS, strict=True)
    ]


def test_table_descriptions_give_rows_and_time_span(athena) -> None:
    descriptions = {s.table: s.description for s in athena.table_schemas()}
    assert descriptions["cloud_trail_logs"] == (
        "CloudTrail events: 5 rows from 1 file(s) of the bundle, "
        "eventtime from 2026-03-02T09:17:28Z to 2026-03-02T10:07:30Z"
    )
    assert descriptions["alb_access_logs"].startswith("ALB access logs: 7 rows from 1 file(s)")
