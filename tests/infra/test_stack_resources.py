"""The stack holds every resource fa2 needs on AWS, wired to each other."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk.assertions import Match

from slack_app.contract import REQUEST_PATH
from tests.infra.conftest import ALARM_TOPIC, as_list, render, resources

pytestmark = pytest.mark.slow  # synthesizes CDK stacks (jsii + node)


def _function(template: Any, handler: str) -> dict[str, Any]:
    functions = [
        f
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == handler
    ]
    assert len(functions) == 1, f"one function with handler {handler}"
    return functions[0]["Properties"]


def test_full_stack_has_every_resource(full: dict[str, Any]) -> None:
    template = full["template"]
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.resource_count_is("AWS::Lambda::Function", 2)
    template.resource_count_is("AWS::Logs::LogGroup", 2)
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.resource_count_is("AWS::ApiGateway::Stage", 1)
    template.resource_count_is("AWS::ApiGateway::Method", 1)
    template.resource_count_is("AWS::Events::Rule", 1)
    template.resource_count_is("AWS::SNS::Subscription", 1)
    template.resource_count_is("AWS::WAFv2::WebACL", 1)
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template.resource_count_is("AWS::SecretsManager::Secret", 0)  # read by name, never created


def test_minimal_stack_has_no_alarm_function_and_no_waf(minimal: dict[str, Any]) -> None:
    template = minimal["template"]
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::Events::Rule", 0)
    template.resource_count_is("AWS::SNS::Subscription", 0)
    template.resource_count_is("AWS::WAFv2::WebACL", 0)


def test_state_table_has_string_pk_sk_and_ttl(full: dict[str, Any]) -> None:
    full["template"].has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": Match.array_with(
                [
                    {"AttributeName": "PK", "AttributeType": "S"},
                    {"AttributeName": "SK", "AttributeType": "S"},
                ]
            ),
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
        },
    )


@pytest.mark.parametrize(
    "handler", ["slack_app.lambda_handler.handler", "slack_app.alarm_handler.handler"]
)
def test_functions_run_python_on_arm64(full: dict[str, Any], handler: str) -> None:
    function = _function(full["template"], handler)
    assert function["Architectures"] == ["arm64"]
    assert function["Runtime"] == "python3.12"
    assert function["MemorySize"] == 2048


def test_timeout_covers_the_investigation_wall_time_budget(full: dict[str, Any]) -> None:
    budget = full["params"].settings.budgets.max_wall_seconds
    for handler in ("slack_app.lambda_handler.handler", "slack_app.alarm_handler.handler"):
        timeout = _function(full["template"], handler)["Timeout"]
        assert budget < timeout <= 900


def test_async_invocations_are_not_retried(full: dict[str, Any]) -> None:
    configs = resources(full["template"], "AWS::Lambda::EventInvokeConfig").values()
    assert len(configs) == 2
    assert all(c["Properties"]["MaximumRetryAttempts"] == 0 for c in configs)


def test_each_function_logs_to_its_own_group_with_retention(full: dict[str, Any]) -> None:
    template = full["template"]
    groups = resources(template, "AWS::Logs::LogGroup")
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {90}
    used = {
        f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for f in resources(template, "AWS::Lambda::Function").values()
    }
    assert used == set(groups)


def test_api_routes_only_post_on_the_slack_request_path(full: dict[str, Any]) -> None:
    template = full["template"]
    api_resources = resources(template, "AWS::ApiGateway::Resource")
    by_id = {logical: r["Properties"] for logical, r in api_resources.items()}

    def path_of(logical: str) -> str:
        props = by_id[logical]
        parent = props["ParentId"]
        prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    (method,) = resources(template, "AWS::ApiGateway::Method").values()
    props = method["Properties"]
    assert props["HttpMethod"] == "POST"
    assert path_of(props["ResourceId"]["Ref"]) == REQUEST_PATH
    assert props["Integration"]["Type"] == "AWS_PROXY"
    slack_function = next(
        logical
        for logical, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "slack_app.lambda_handler.handler"
    )
    assert slack_function in render(props["Integration"]["Uri"])


def test_stack_outputs_the_request_url_for_the_manifest(full: dict[str, Any]) -> None:
    outputs = full["template"].find_outputs("SlackRequestUrl")
    (output,) = outputs.values()
    url = render(output["Value"])
    assert url.startswith("https://${SlackApi")
    assert re.fullmatch(r".*/\$\{SlackApiDeploymentStageprod\w+\}" + REQUEST_PATH, url)


def test_slack_function_may_invoke_itself_for_lazy_listeners(full: dict[str, Any]) -> None:
    template = full["template"]
    slack_function = next(
        logical
        for logical, f in resources(template, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "slack_app.lambda_handler.handler"
    )
    invokes = [
        s
        for policy in resources(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "lambda:InvokeFunction" in as_list(s["Action"])
    ]
    assert len(invokes) == 1
    assert as_list(invokes[0]["Resource"]) == [{"Fn::GetAtt": [slack_function, "Arn"]}]


def test_alarm_rule_matches_alarm_state_changes_by_name_prefix(full: dict[str, Any]) -> None:
    (rule,) = resources(full["template"], "AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [{"prefix": "prod-"}, {"prefix": "orders-"}],
            "state": {"value": ["ALARM"]},
        },
    }
    (target,) = rule["Properties"]["Targets"]
    assert "AlarmHandler" in render(target["Arn"])
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 0


def test_alarm_topics_deliver_to_the_alarm_function(full: dict[str, Any]) -> None:
    (subscription,) = resources(full["template"], "AWS::SNS::Subscription").values()
    props = subscription["Properties"]
    assert props["Protocol"] == "lambda"
    assert props["TopicArn"] == ALARM_TOPIC
    assert "AlarmHandler" in render(props["Endpoint"])


def test_waf_rate_limits_each_ip_on_the_api_stage(full: dict[str, Any]) -> None:
    template = full["template"]
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    (rule,) = props["Rules"]
    assert rule["Action"] == {"Block": {}}
    assert rule["Statement"]["RateBasedStatement"] == {"Limit": 600, "AggregateKeyType": "IP"}
    (association,) = resources(template, "AWS::WAFv2::WebACLAssociation").values()
    stage_arn = render(association["Properties"]["ResourceArn"])
    assert re.search(r":apigateway:eu-west-1::/restapis/\$\{SlackApi\w+\}/stages/", stage_arn)
