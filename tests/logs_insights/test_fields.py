"""Field discovery as CloudWatch does it ("Supported logs and discovered fields")."""

from __future__ import annotations

from tests.logs_insights.conftest import LAMBDA, event

CLOUDTRAIL_STYLE = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "AssumedRole",
        "sessionContext": {"sessionIssuer": {"userName": "deployer"}},
    },
    "eventSource": "dynamodb.amazonaws.com",
    "eventName": "UpdateTable",
    "requestParameters": {
        "tableName": "orders",
        "provisionedThroughput": {"readCapacityUnits": 100, "writeCapacityUnits": 5},
        "items": [{"instanceId": "i-0abc"}, {"instanceId": "i-0def"}],
    },
    "readOnly": False,
}


def test_system_fields(logs):
    engine = logs(event("hello", at=1_234, stream="2026/03/02/[$LATEST]8f2c", ingestion=2_000))

    result = engine.rows("fields @timestamp, @ingestionTime, @logStream, @log, @message")

    assert result == [
        {
            "@timestamp": "2026-03-02 10:00:01.234",
            "@ingestionTime": "2026-03-02 10:00:02.000",
            "@logStream": "2026/03/02/[$LATEST]8f2c",
            "@log": f"123456789012:{LAMBDA}",
            "@message": "hello",
        }
    ]


def test_ingestion_time_defaults_to_the_event_time(logs):
    engine = logs(event("x", at=5))

    assert engine.rows("fields @ingestionTime") == [{"@ingestionTime": "2026-03-02 10:00:00.005"}]


def test_json_messages_are_flattened_to_dotted_keys(logs):
    engine = logs(event(CLOUDTRAIL_STYLE))

    result = engine.rows(
        "fields eventName, userIdentity.type, userIdentity.sessionContext.sessionIssuer.userName, "
        "requestParameters.provisionedThroughput.writeCapacityUnits, readOnly"
    )

    assert result == [
        {
            "eventName": "UpdateTable",
            "userIdentity.type": "AssumedRole",
            "userIdentity.sessionContext.sessionIssuer.userName": "deployer",
            "requestParameters.provisionedThroughput.writeCapacityUnits": "5",
            "readOnly": "false",
        }
    ]


def test_json_arrays_are_indexed_with_dot_numbers(logs):
    engine = logs(event(CLOUDTRAIL_STYLE))

    result = engine.rows(
        'filter requestParameters.items.1.instanceId = "i-0def" | fields requestParameters.items.0.instanceId'
    )

    assert result == [{"requestParameters.items.0.instanceId": "i-0abc"}]


def test_keys_that_contain_dots_are_found(logs):
    engine = logs(
        event({"Attributes": {"EC2.InstanceId": "i-1234567890123"}, "EC2.Region": "us-east-1"})
    )

    assert engine.rows("fields EC2.Region") == [{"EC2.Region": "us-east-1"}]


def test_key_value_text_is_not_discovered(logs):
    # API Gateway execution logs and VPC-style key=value lines need parse, as on AWS
    engine = logs(event("(a1b2) Method completed with status: 502 status=502"))

    assert engine.rows("fields status") == [{}]


def test_lambda_report_fields(logs):
    engine = logs(
        event(
            "REPORT RequestId: 6f1c4f38-0b39-4f4e-9a55-0d0b7f7c0a01\tDuration: 1502.25 ms\t"
            "Billed Duration: 1503 ms\tMemory Size: 512 MB\tMax Memory Used: 188 MB\t"
            "Init Duration: 412.77 ms\t"
        )
    )

    result = engine.rows(
        "fields @type, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, @initDuration"
    )

    assert result == [
        {
            "@type": "REPORT",
            "@requestId": "6f1c4f38-0b39-4f4e-9a55-0d0b7f7c0a01",
            "@duration": "1502.25",
            "@billedDuration": "1503",
            "@memorySize": "512000000",  # bytes, as AWS reports them
            "@maxMemoryUsed": "188000000",
            "@initDuration": "412.77",
        }
    ]


def test_lambda_start_and_end_lines_have_type_and_request_id(logs):
    engine = logs(
        event("START RequestId: 0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002 Version: $LATEST", at=1),
        event("END RequestId: 0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002", at=2),
        event("2026-03-02T10:00:00.003Z\t0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002\tINFO\tsaved", at=3),
    )

    result = engine.rows("fields @type, @requestId, @duration | sort @timestamp asc")

    assert result == [
        {"@type": "START", "@requestId": "0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002"},
        {"@type": "END", "@requestId": "0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002"},
        {"@requestId": "0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002"},
    ]


def test_request_id_links_every_line_of_an_invocation(logs):
    rid = "9d1e2f3a-4b5c-4d6e-8f70-0a1b2c3d4e5f"
    engine = logs(
        event(f"START RequestId: {rid} Version: $LATEST", at=1),
        event(f"[ERROR]\t2026-03-02T10:00:00.002Z\t{rid}\tClientError: AccessDenied\n", at=2),
        event(f"2026-03-02T10:00:00.003Z\t{rid}\tERROR\tInvoke Error \n", at=3),
        event("2026-03-02T10:00:00.004Z\t11111111-2222-4333-8444-555555555555\tINFO\tother", at=4),
        event(f"END RequestId: {rid}", at=5),
    )

    result = engine.rows(f'filter @requestId = "{rid}" | stats count(*) as lines')

    assert result == [{"lines": "4"}]


def test_invocations_without_init_duration_leave_it_out(logs):
    engine = logs(
        event(
            "REPORT RequestId: 0c5d7e0f-54d1-4b1e-9d4c-7a51a3f1e002\tDuration: 48.10 ms\t"
            "Billed Duration: 49 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t"
        )
    )

    assert engine.rows("fields @duration, @initDuration") == [{"@duration": "48.1"}]


def test_non_json_message_starting_with_a_brace_is_plain_text(logs):
    engine = logs(event("{not json at all"))

    assert engine.rows("fields level, @message") == [{"@message": "{not json at all"}]
