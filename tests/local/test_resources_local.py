"""The local backend's resource snapshots and configuration items (bundle spec v2), the
checker's view of them, and the two tools over them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.bundle_check import check_bundle
from agent.config import Settings, load_settings
from agent.telemetry.base import QueryError
from agent.telemetry.local import LocalBackend
from agent.telemetry.resource_catalog import ResourceRequest
from tests.agent.fakes import MANIFEST, WINDOW

TG_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-web/6d0ecf831eec9f09"
)
INSTANCES = {
    "Reservations": [
        {
            "ReservationId": "r-1",
            "Instances": [
                {"InstanceId": "i-0aaa1111", "PrivateIpAddress": "10.0.1.23", "State": {"Name": "running"},
                 "Tags": [{"Key": "Name", "Value": "orders-web-1"}]},
                {"InstanceId": "i-0bbb2222", "PrivateIpAddress": "10.0.2.41", "State": {"Name": "running"},
                 "Tags": [{"Key": "Name", "Value": "orders-web-2"}]},
            ],
        }
    ]
}  # fmt: skip
TARGET_HEALTH = {
    "TargetHealthDescriptions": [
        {"Target": {"Id": "i-0aaa1111", "Port": 8080}, "HealthCheckPort": "8080",
         "TargetHealth": {"State": "healthy"}},
        {"Target": {"Id": "i-0bbb2222", "Port": 8080}, "HealthCheckPort": "8080",
         "TargetHealth": {"State": "unhealthy", "Reason": "Target.ResponseCodeMismatch",
                          "Description": "Health checks failed with these codes: [404]"}},
    ]
}  # fmt: skip
FUNCTION = {
    "FunctionName": "orders-put",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders-put",
    "Runtime": "python3.12",
    "Timeout": 3,
    "MemorySize": 256,
    "Environment": {"Variables": {"DB_PASSWORD": "s3cr3t-Value-991", "TABLE_NAME": "orders"}},
}


def _config_item(captured: str, timeout: int, event: str) -> dict[str, Any]:
    return {
        "configurationItemCaptureTime": captured,
        "configurationItemStatus": "OK",
        "resourceType": "AWS::Lambda::Function",
        "resourceId": "orders-put",
        "resourceName": "orders-put",
        "configuration": json.dumps({"functionName": "orders-put", "timeout": timeout}),
        "relatedEvents": [event],
    }


def _write(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "incident.yaml").write_text(MANIFEST.replace("version: 1", "version: 2"), "utf-8")
    res = tmp_path / "resources"
    _write(res / "ec2.DescribeInstances.json", {"service": "ec2", "operation": "DescribeInstances", "request": {}, "response": INSTANCES})  # fmt: skip
    _write(res / "elbv2.DescribeTargetHealth.json", {"service": "elbv2", "operation": "DescribeTargetHealth", "request": {"TargetGroupArn": TG_ARN}, "response": TARGET_HEALTH})  # fmt: skip
    _write(res / "lambda.GetFunctionConfiguration.json", {"service": "lambda", "operation": "GetFunctionConfiguration", "request": {"FunctionName": "orders-put"}, "response": FUNCTION})  # fmt: skip
    _write(
        res / "sqs.GetQueueAttributes.orders-dlq.json",
        {
            "service": "sqs",
            "operation": "GetQueueAttributes",
            "request": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq"},
            "error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "The specified queue does not exist."},
        },
    )  # fmt: skip
    _write(
        tmp_path / "config" / "orders-put.json",
        {
            "configurationItems": [
                _config_item("2026-02-20T08:00:00Z", 15, "e-old"),
                _config_item("2026-03-02T10:02:10Z", 3, "e-new"),
            ]
        },
    )
    _write(
        tmp_path / "cloudtrail" / "trail.json",
        {
            "Records": [
                {
                    "eventVersion": "1.08",
                    "eventID": "c1",
                    "eventTime": "2026-03-02T10:05:00Z",
                    "eventSource": "sqs.amazonaws.com",
                    "eventName": "SetQueueAttributes",
                    "awsRegion": "us-east-1",
                    "readOnly": False,
                    "userIdentity": {"arn": "arn:aws:iam::123456789012:user/ops"},
                    "requestParameters": {
                        "queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders-events",
                        "attributes": {"RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:orders-dlq\"}"},
                    },
                }
            ]
        },
    )  # fmt: skip
    return tmp_path


@pytest.fixture
def settings() -> Settings:
    return load_settings(region="us-east-1", model="baseline")


def call(backend: LocalBackend, service: str, operation: str, **params: Any) -> Any:
    return backend.describe_resource(ResourceRequest.build(service, operation, params))


def test_a_snapshot_answers_the_same_call_with_secret_values_withheld(
    bundle: Path, settings: Settings
) -> None:
    result = call(
        LocalBackend(bundle, settings),
        "lambda",
        "GetFunctionConfiguration",
        FunctionName="orders-put",
    )
    assert result.rows[0][result.columns.index("timeout_s")] == "3"
    assert result.rows[0][result.columns.index("env_var_names")] == '["DB_PASSWORD","TABLE_NAME"]'
    assert "s3cr3t-Value-991" not in result.model_dump_json()
    assert result.link == f"bundle://{bundle.name}/resources/lambda.GetFunctionConfiguration.json"


def test_a_function_arn_finds_the_snapshot_taken_by_name(bundle: Path, settings: Settings) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:orders-put"
    result = call(
        LocalBackend(bundle, settings), "lambda", "GetFunctionConfiguration", FunctionName=arn
    )
    assert result.status == "ok"


def test_a_listing_of_every_instance_answers_a_private_ip_filter(
    bundle: Path, settings: Settings
) -> None:
    result = call(
        LocalBackend(bundle, settings),
        "ec2",
        "DescribeInstances",
        **{"private-ip-address": "10.0.2.41"},
    )
    assert [row[:2] for row in result.rows] == [["i-0bbb2222", "10.0.2.41"]]


def test_target_health_shows_the_reason_only_it_knows(bundle: Path, settings: Settings) -> None:
    result = call(
        LocalBackend(bundle, settings), "elbv2", "DescribeTargetHealth", TargetGroupArn=TG_ARN
    )
    assert result.rows[1] == [
        "i-0bbb2222", "8080", "unhealthy", "Target.ResponseCodeMismatch",
        "Health checks failed with these codes: [404]",
    ]  # fmt: skip


def test_a_resource_without_snapshot_is_an_error_naming_what_the_bundle_holds(
    bundle: Path, settings: Settings
) -> None:
    with pytest.raises(QueryError) as error:
        call(LocalBackend(bundle, settings), "dynamodb", "DescribeTable", TableName="orders")
    assert error.value.message.startswith(
        "no snapshot of this resource in the bundle: dynamodb DescribeTable TableName=orders; "
        "the bundle holds: ec2 DescribeInstances; elbv2 DescribeTargetHealth TargetGroupArn="
    )


def test_a_recorded_aws_error_is_answered_as_the_aws_backend_words_it(
    bundle: Path, settings: Settings
) -> None:
    with pytest.raises(QueryError) as error:
        call(LocalBackend(bundle, settings), "sqs", "GetQueueAttributes",
             QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq")  # fmt: skip
    assert "(AWS.SimpleQueueService.NonExistentQueue): The specified queue does not exist." in str(
        error.value
    )
    assert error.value.message.startswith("SQS rejected sqs GetQueueAttributes")


def test_config_history_diffs_each_item_against_the_one_before(
    bundle: Path, settings: Settings
) -> None:
    result = LocalBackend(bundle, settings).get_config_history(
        "AWS::Lambda::Function", "orders-put", WINDOW
    )
    assert [row[2] for row in result.rows] == [
        "(state before the window: the baseline the next change starts from)",
        "configuration.timeout: 15 -> 3",
    ]
    assert result.rows[1][3] == "e-new"


def test_config_history_without_items_falls_back_to_cloudtrail_writes(
    bundle: Path, settings: Settings
) -> None:
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/orders-events"
    result = LocalBackend(bundle, settings).get_config_history("AWS::SQS::Queue", url, WINDOW)
    assert result.error and result.error.startswith("AWS Config has not recorded this resource")
    assert [row[1] for row in result.rows] == ["CloudTrail SetQueueAttributes"]
    assert "orders-dlq" in (result.rows[0][2] or "")


def test_a_bundle_without_resources_offers_no_describe_but_still_config_history(
    tmp_path: Path, settings: Settings
) -> None:
    (tmp_path / "incident.yaml").write_text(MANIFEST, "utf-8")
    _write(tmp_path / "cloudtrail" / "t.json", {"Records": []})
    capabilities = LocalBackend(tmp_path, settings).capabilities
    assert (capabilities.resources, capabilities.config_history) == (False, True)


def test_resources_off_in_settings_turns_the_family_off(bundle: Path) -> None:
    capabilities = LocalBackend(
        bundle, load_settings(model="baseline", resources_enabled=False)
    ).capabilities
    assert (capabilities.resources, capabilities.config_history) == (False, False)


def test_bundle_check_counts_snapshots_and_config_items(bundle: Path) -> None:
    report = check_bundle(bundle)
    counts = {s.source: s.records for s in report.sources}
    assert counts["resources"] == 4 and counts["config"] == 2
    assert not report.errors


def test_bundle_check_names_a_snapshot_of_a_call_outside_the_allow_list(bundle: Path) -> None:
    _write(bundle / "resources" / "secretsmanager.GetSecretValue.json",
           {"service": "secretsmanager", "operation": "GetSecretValue", "request": {"SecretId": "x"}, "response": {}})  # fmt: skip
    problems = [p for p in check_bundle(bundle).errors if "GetSecretValue" in p.file]
    assert len(problems) == 1
    assert "not an allowed read-only call" in problems[0].message


def test_bundle_check_names_a_config_item_without_capture_time(bundle: Path) -> None:
    _write(bundle / "config" / "bad.json", {"configurationItems": [{"resourceType": "AWS::SQS::Queue", "resourceId": "q"}]})  # fmt: skip
    problems = [p for p in check_bundle(bundle).errors if p.file == "config/bad.json"]
    assert problems[0].message == "configurationItems[0]: missing configurationItemCaptureTime"


# ---------------------------------------------------------------- fa2 query resource


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from cli import app

    return CliRunner().invoke(app, ["query", *args])


def test_query_resource_prints_the_aws_response_with_values_withheld(bundle: Path) -> None:
    result = _cli("resource", "-b", str(bundle), "lambda", "GetFunctionConfiguration",
                  "--param", "FunctionName=orders-put")  # fmt: skip
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["Timeout"] == 3
    assert response["Environment"]["Variables"]["DB_PASSWORD"] == "(value withheld by fa2)"


def test_query_resource_outside_the_allow_list_exits_2_with_the_list(bundle: Path) -> None:
    result = _cli(
        "resource", "-b", str(bundle), "secretsmanager", "GetSecretValue", "-p", "SecretId=x"
    )
    assert result.exit_code == 2
    assert "not an allowed read-only call" in result.stderr


def test_query_config_history_prints_the_configuration_items(bundle: Path) -> None:
    result = _cli("config-history", "-b", str(bundle), "AWS::Lambda::Function", "orders-put")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["configurationItems"]
    assert [i["configurationItemCaptureTime"] for i in items] == [
        "2026-02-20T08:00:00Z",
        "2026-03-02T10:02:10Z",
    ]
