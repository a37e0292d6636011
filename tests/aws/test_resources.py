"""The AWS backend's resource calls: every allow-listed call against moto (Stubber where moto
lacks the operation), the refusal of anything else, secrets never in a result, and AWS
Config history with its CloudTrail fall-back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.stub import Stubber
from moto import mock_aws

from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.base import QueryError, QueryResult, TelemetryUnavailableError
from agent.telemetry.resource_catalog import OPERATIONS, ResourceRequest
from tests.aws.conftest import INCIDENT, make_settings
from tests.aws.resource_world import ENV_SECRET, SECRET_VALUE, calls, seed
from tests.aws.stubs import not_authorized


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[AwsBackend, dict[str, str]]]:
    with mock_aws():
        clear_client_cache()
        ids = seed()
        yield AwsBackend(make_settings()), ids
    clear_client_cache()


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    """The module's moto world keeps its clients; Stubber tests make their own."""
    yield


def cell(result: QueryResult, column: str) -> str:
    index = result.columns.index(column)
    return " ".join(row[index] or "" for row in result.rows)


def describe(backend: AwsBackend, service: str, operation: str, **params: Any) -> QueryResult:
    return backend.describe_resource(ResourceRequest.build(service, operation, params))


# ---------------------------------------------------------------- the allow-list itself


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.key)
def test_every_allow_listed_call_exists_in_the_aws_api_with_its_parameters(op: Any) -> None:
    model = botocore.session.get_session().get_service_model(op.service)
    assert op.operation in model.operation_names
    assert xform_name(op.operation) == op.method
    members = set(model.operation_model(op.operation).input_shape.members)
    assert {p.name for p in op.params} <= members
    assert not op.filters or "Filters" in members
    assert op.operation.startswith(("Get", "Describe", "List"))  # read-only by name


def test_a_call_outside_the_allow_list_is_refused_with_the_list() -> None:
    with pytest.raises(QueryError) as refused:
        ResourceRequest.build("secretsmanager", "GetSecretValue", {"SecretId": "orders/db"})
    assert "not an allowed read-only call" in refused.value.message
    assert "secretsmanager DescribeSecret(SecretId)" in refused.value.message
    assert "lambda GetFunctionConfiguration(FunctionName, Qualifier?)" in refused.value.message


def test_a_write_call_is_refused_even_on_an_allowed_service() -> None:
    with pytest.raises(QueryError, match="not an allowed read-only call"):
        ResourceRequest.build("lambda", "UpdateFunctionConfiguration", {"FunctionName": "x"})


def test_a_parameter_the_call_does_not_take_is_refused_with_the_ones_it_does() -> None:
    with pytest.raises(QueryError) as refused:
        ResourceRequest.build("dynamodb", "DescribeTable", {"Table": "orders"})
    assert (
        refused.value.message
        == "dynamodb DescribeTable takes no parameter 'Table'; it takes: TableName"
    )


def test_a_missing_required_parameter_is_named() -> None:
    with pytest.raises(QueryError, match="needs TargetGroupArn"):
        ResourceRequest.build("elbv2", "DescribeTargetHealth", {})


def test_ec2_filters_are_given_by_name_and_sent_as_aws_filters() -> None:
    request = ResourceRequest.build("ec2", "DescribeInstances", {"private-ip-address": "10.0.1.23"})
    assert request.kwargs() == {
        "Filters": [{"Name": "private-ip-address", "Values": ["10.0.1.23"]}]
    }
    assert request.describe() == "ec2 DescribeInstances private-ip-address=10.0.1.23"


# ---------------------------------------------------------------- every call against moto


@pytest.mark.parametrize("index", range(28))
def test_every_allow_listed_call_answers_with_a_compact_table_and_a_console_link(
    world: tuple[AwsBackend, dict[str, str]], index: int
) -> None:
    backend, ids = world
    service, operation, params, column, shown = calls(ids)[index]
    result = describe(backend, service, operation, **params)
    assert result.source == "resources"
    assert result.status == "ok", result.error
    assert shown in cell(result, column)
    assert result.link and result.link.startswith("https://")
    assert result.query.startswith(f"{service} {operation}")
    assert result.raw and result.raw["request"] and result.raw["response"]


def test_the_moto_calls_cover_every_allow_listed_call_but_ssm(
    world: tuple[AwsBackend, dict[str, str]],
) -> None:
    covered = {(s, o) for s, o, *_ in calls(world[1])}
    assert {(op.service, op.operation) for op in OPERATIONS} - covered == {
        ("ssm", "ListCommandInvocations")
    }


def test_no_secret_value_is_in_any_result(world: tuple[AwsBackend, dict[str, str]]) -> None:
    backend, ids = world
    for service, operation, params, *_ in calls(ids):
        dumped = describe(backend, service, operation, **params).model_dump_json()
        assert SECRET_VALUE not in dumped, f"{service} {operation}"
        assert ENV_SECRET not in dumped, f"{service} {operation}"


def test_lambda_environment_keeps_the_names_and_withholds_the_values(
    world: tuple[AwsBackend, dict[str, str]],
) -> None:
    result = describe(world[0], "lambda", "GetFunctionConfiguration", FunctionName="orders-put")
    assert cell(result, "env_var_names") == '["STRIPE_KEY","TABLE_NAME"]'
    assert result.raw is not None
    assert result.raw["response"]["Environment"]["Variables"] == {
        "STRIPE_KEY": "(value withheld by fa2)",
        "TABLE_NAME": "(value withheld by fa2)",
    }


def test_target_health_names_the_target_and_its_state(
    world: tuple[AwsBackend, dict[str, str]],
) -> None:
    backend, ids = world
    result = describe(backend, "elbv2", "DescribeTargetHealth", TargetGroupArn=ids["tg_arn"])
    assert result.columns == ["target", "port", "state", "reason", "description"]
    assert result.rows[0][:2] == [ids["instance_id"], "8080"]


def test_a_resource_that_does_not_exist_is_a_query_error_naming_the_call(
    world: tuple[AwsBackend, dict[str, str]],
) -> None:
    with pytest.raises(QueryError) as error:
        describe(world[0], "dynamodb", "DescribeTable", TableName="ordres")
    assert error.value.message.startswith(
        "DynamoDB rejected dynamodb DescribeTable TableName=ordres (ResourceNotFoundException)"
    )


# ---------------------------------------------------------------- Stubber: what moto lacks


@pytest.fixture
def stubbed() -> Iterator[AwsBackend]:
    clear_client_cache()
    yield AwsBackend(make_settings())
    clear_client_cache()


def test_ssm_command_invocations_show_status_and_a_redacted_output_excerpt(
    stubbed: AwsBackend,
) -> None:
    ssm = stubbed.clients.client("ssm")
    output = "restarting nginx\nexport DB_PASSWORD=hunter22\n" + "x" * 900
    with Stubber(ssm) as stub:
        stub.add_response(
            "list_command_invocations",
            {
                "CommandInvocations": [
                    {
                        "CommandId": "0b3f6d1e-7c2a-4c43-9a51-2f1d4c6e8a90",
                        "InstanceId": "i-0a1b2c3d4e5f67890",
                        "DocumentName": "AWS-RunShellScript",
                        "Status": "Failed",
                        "RequestedDateTime": datetime(2026, 3, 2, 10, 1, tzinfo=UTC),
                        "CommandPlugins": [{"Name": "aws:runShellScript", "Output": output}],
                    }
                ]
            },
            {"CommandId": "0b3f6d1e-7c2a-4c43-9a51-2f1d4c6e8a90", "Details": True},
        )
        result = describe(
            stubbed,
            "ssm",
            "ListCommandInvocations",
            CommandId="0b3f6d1e-7c2a-4c43-9a51-2f1d4c6e8a90",
        )
    assert cell(result, "status") == "Failed"
    assert "restarting nginx" in cell(result, "output")
    assert "hunter22" not in result.model_dump_json()
    assert "x" * 600 not in result.model_dump_json()  # an excerpt, not the whole output


def test_access_denied_names_the_iam_action_of_the_call(stubbed: AwsBackend) -> None:
    iam = stubbed.clients.client("iam")
    with Stubber(iam) as stub:
        stub.add_client_error(
            "get_role",
            service_error_code="AccessDenied",
            service_message=not_authorized("iam:GetRole", "arn:aws:iam::123456789012:role/orders"),
            http_status_code=403,
        )
        with pytest.raises(TelemetryUnavailableError) as denied:
            describe(stubbed, "iam", "GetRole", RoleName="orders")
    assert "needs IAM permission `iam:GetRole`" in str(denied.value)


def _item(captured: str, configuration: dict[str, Any], event: str | None = None) -> dict[str, Any]:
    return {
        "version": "1.3",
        "accountId": "123456789012",
        "configurationItemCaptureTime": datetime.fromisoformat(captured),
        "configurationItemStatus": "OK",
        "resourceType": "AWS::Lambda::Function",
        "resourceId": "orders-put",
        "resourceName": "orders-put",
        "configuration": json.dumps(configuration),
        "supplementaryConfiguration": {},
        "tags": {},
        "relatedEvents": [event] if event else [],
    }


def test_config_history_shows_what_each_item_changed(stubbed: AwsBackend) -> None:
    config = stubbed.clients.client("config")
    newest_first = [
        _item("2026-03-02T10:02:10+00:00", {"timeout": 3, "memorySize": 256}, "4b9c7d1e-event"),
        _item("2026-02-20T08:00:00+00:00", {"timeout": 15, "memorySize": 256}),
    ]
    with Stubber(config) as stub:
        stub.add_response(
            "get_resource_config_history",
            {"configurationItems": newest_first},
            {
                "resourceType": "AWS::Lambda::Function",
                "resourceId": "orders-put",
                "laterTime": INCIDENT.end,
                "chronologicalOrder": "Reverse",
                "limit": 20,
            },
        )
        result = stubbed.get_config_history("AWS::Lambda::Function", "orders-put", INCIDENT)
    assert result.source == "config"
    assert result.columns == ["captured", "status", "changes", "related_events"]
    assert [row[0] for row in result.rows] == [
        "2026-02-20T08:00:00.000Z",
        "2026-03-02T10:02:10.000Z",
    ]
    assert result.rows[1][2] == "configuration.timeout: 15 -> 3"
    assert result.rows[1][3] == "4b9c7d1e-event"
    assert result.link and "config/home" in result.link


def test_config_not_recording_falls_back_to_cloudtrail_writes_and_says_so(
    stubbed: AwsBackend,
) -> None:
    config = stubbed.clients.client("config")
    trail = stubbed.clients.client("cloudtrail")
    write = {
        "eventID": "9f0e1d2c",
        "eventName": "UpdateFunctionConfiguration20150331v2",
        "eventTime": "2026-03-02T10:02:10Z",
        "userIdentity": {"arn": "arn:aws:iam::123456789012:user/deployer"},
        "requestParameters": {"functionName": "orders-put", "timeout": 3},
    }
    read = dict(write, eventID="1a2b", eventName="GetFunction", readOnly=True)
    with Stubber(config) as config_stub, Stubber(trail) as trail_stub:
        config_stub.add_client_error(
            "get_resource_config_history",
            service_error_code="NoAvailableConfigurationRecorderException",
            service_message="There are no configuration recorders available.",
        )
        trail_stub.add_response(
            "lookup_events",
            {
                "Events": [
                    {
                        "EventId": e["eventID"],
                        "EventName": e["eventName"],
                        "ReadOnly": "true" if e.get("readOnly") else "false",
                        "EventTime": datetime(2026, 3, 2, 10, 2, 10, tzinfo=UTC),
                        "CloudTrailEvent": json.dumps(e),
                    }
                    for e in (write, read)
                ]
            },
        )
        result = stubbed.get_config_history("AWS::Lambda::Function", "orders-put", INCIDENT)
    assert result.status == "ok"
    assert result.error and result.error.startswith("AWS Config is not recording in this region")
    assert len(result.rows) == 1  # the read is not a change
    assert result.rows[0][1] == "CloudTrail UpdateFunctionConfiguration20150331v2"
    assert "deployer" in (result.rows[0][2] or "") and '"timeout":3' in (result.rows[0][2] or "")


def test_config_history_resolves_a_role_name_to_configs_resource_id(stubbed: AwsBackend) -> None:
    config = stubbed.clients.client("config")
    with Stubber(config) as stub:
        stub.add_client_error(
            "get_resource_config_history", service_error_code="ResourceNotDiscoveredException"
        )
        stub.add_response(
            "list_discovered_resources",
            {
                "resourceIdentifiers": [
                    {
                        "resourceType": "AWS::IAM::Role",
                        "resourceId": "AROAEXAMPLEID",
                        "resourceName": "orders-put-role",
                    }
                ]
            },
            {"resourceType": "AWS::IAM::Role", "resourceName": "orders-put-role", "limit": 5},
        )
        stub.add_response(
            "get_resource_config_history",
            {
                "configurationItems": [
                    dict(_item("2026-03-02T10:00:00+00:00", {}), resourceType="AWS::IAM::Role")
                ]
            },
            {
                "resourceType": "AWS::IAM::Role",
                "resourceId": "AROAEXAMPLEID",
                "laterTime": INCIDENT.end,
                "chronologicalOrder": "Reverse",
                "limit": 20,
            },
        )
        result = stubbed.get_config_history("AWS::IAM::Role", "orders-put-role", INCIDENT)
    assert result.rows[0][2] == "(first recorded state)"
