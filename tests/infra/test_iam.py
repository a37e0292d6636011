"""Least privilege: named actions only, reads only on telemetry, every resource scoped
except the actions IAM accepts on "*" alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agent.telemetry.resource_catalog import OPERATIONS
from infra.permissions import RESOURCE_UNSCOPABLE_ACTIONS, UNSCOPABLE_ACTIONS
from tests.infra.conftest import ACCOUNT, REGION, RERANKER, as_list, policy_statements, render

pytestmark = pytest.mark.slow  # synthesizes CDK stacks (jsii + node)

# The only writes fa2 makes, each to fa2's own resources or the Athena results prefix.
ALLOWED_WRITES = {
    "logs:CreateLogStream": r"\$\{(SlackHandler|AlarmHandler)Logs\w+\.Arn\}",
    "logs:PutLogEvents": r"\$\{(SlackHandler|AlarmHandler)Logs\w+\.Arn\}",
    "dynamodb:PutItem": r"\$\{State\w+\.Arn\}",
    "dynamodb:UpdateItem": r"\$\{State\w+\.Arn\}",
    "dynamodb:DeleteItem": r"\$\{State\w+\.Arn\}",
    "dynamodb:BatchWriteItem": r"\$\{State\w+\.Arn\}",
    "s3:PutObject": r"arn:\$\{AWS::Partition\}:s3:::fa2-athena-results/fa2/\*",
    "s3:AbortMultipartUpload": r"arn:\$\{AWS::Partition\}:s3:::fa2-athena-results/fa2/\*",
    "athena:StartQueryExecution": r".*:athena:eu-west-1:\d{12}:workgroup/fa2",
    "athena:StopQueryExecution": r".*:athena:eu-west-1:\d{12}:workgroup/fa2",
    "lambda:InvokeFunction": r"\$\{SlackHandlerFunction\w+\.Arn\}",
}
READ_VERBS = (
    "Get",
    "List",
    "Describe",
    "BatchGet",
    "Query",
    "Start",
    "Stop",
    "Invoke",
    "Lookup",
    "Retrieve",
    "Rerank",
)
# API Gateway's management API is authorised by HTTP verb: GET reads.
READ_ACTIONS = {"apigateway:GET"}


def _grants(template: Any) -> list[tuple[str, list[str], dict[str, Any]]]:
    return [
        (action, [render(r) for r in as_list(s["Resource"])], s)
        for s in policy_statements(template)
        for action in as_list(s["Action"])
    ]


def _resources_for(template: Any, action: str) -> list[str]:
    return sorted({r for a, rs, _ in _grants(template) for r in rs if a == action})


def test_no_action_uses_a_wildcard(full: dict[str, Any]) -> None:
    actions = {action for action, _, _ in _grants(full["template"])}
    assert actions
    assert not [a for a in actions if "*" in a]


def test_only_allow_statements(full: dict[str, Any]) -> None:
    assert {s["Effect"] for s in policy_statements(full["template"])} == {"Allow"}


def test_writes_touch_only_fa2_resources_and_the_results_prefix(full: dict[str, Any]) -> None:
    for action, resources, _ in _grants(full["template"]):
        verb = action.split(":", 1)[1]
        if action in ALLOWED_WRITES:
            for resource in resources:
                assert re.fullmatch(ALLOWED_WRITES[action], resource), (action, resource)
        else:
            assert verb.startswith(READ_VERBS) or action in READ_ACTIONS, (
                f"unexpected non-read action {action}"
            )


def test_wildcard_resources_only_for_actions_iam_cannot_scope(full: dict[str, Any]) -> None:
    for action, resources, _ in _grants(full["template"]):
        if "*" in resources:
            assert action in UNSCOPABLE_ACTIONS, f"{action} is granted on *"


def test_logs_insights_queries_only_the_configured_log_groups(full: dict[str, Any]) -> None:
    expected = sorted(
        f"arn:${{AWS::Partition}}:logs:{REGION}:{ACCOUNT}:log-group:{group}{suffix}"
        for group in ("/aws/lambda/orders-put", "/aws/apigateway/orders-api")
        for suffix in ("", ":*")
    )
    assert _resources_for(full["template"], "logs:StartQuery") == expected
    assert _resources_for(full["template"], "logs:GetQueryResults") == expected


def test_bedrock_invocation_limited_to_the_configured_models(full: dict[str, Any]) -> None:
    template = full["template"]
    profile = (
        f"arn:${{AWS::Partition}}:bedrock:{REGION}:{ACCOUNT}:"
        "inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
    )
    plain_model = (
        f"arn:${{AWS::Partition}}:bedrock:{REGION}::foundation-model/"
        "anthropic.claude-3-haiku-20240307-v1:0"
    )
    routed_model = "arn:${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert _resources_for(template, "bedrock:InvokeModelWithResponseStream") == sorted(
        [profile, plain_model, routed_model]
    )
    # InvokeModel also on the knowledge base's reranking model (its own statement)
    assert _resources_for(template, "bedrock:InvokeModel") == sorted(
        [profile, plain_model, routed_model, RERANKER]
    )
    routed = [s for _, rs, s in _grants(template) if routed_model in rs]
    assert routed
    for statement in routed:
        condition = statement["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"]
        assert [render(arn) for arn in as_list(condition)] == [profile]


def test_retrieve_is_granted_exactly_on_the_configured_knowledge_base(
    full: dict[str, Any],
) -> None:
    template = full["template"]
    knowledge_base = f"arn:${{AWS::Partition}}:bedrock:{REGION}:{ACCOUNT}:knowledge-base/KB12345678"
    assert _resources_for(template, "bedrock:Retrieve") == [knowledge_base]
    # one statement per function role (Slack, alarm), each granting Retrieve alone
    statements = [s for s in policy_statements(template) if s.get("Sid") == "KnowledgeBaseRetrieve"]
    assert statements
    assert all(as_list(s["Action"]) == ["bedrock:Retrieve"] for s in statements)
    assert _resources_for(template, "bedrock:Rerank") == ["*"]


def test_no_knowledge_base_no_retrieve(minimal: dict[str, Any]) -> None:
    actions = {action for action, _, _ in _grants(minimal["template"])}
    assert not actions & {"bedrock:Retrieve", "bedrock:Rerank"}


def test_baseline_model_gets_no_bedrock_and_no_xray(minimal: dict[str, Any]) -> None:
    actions = {action for action, _, _ in _grants(minimal["template"])}
    assert not {a for a in actions if a.startswith(("bedrock:", "xray:", "athena:", "s3:"))}


def test_logs_insights_is_granted_on_the_listed_groups_only_when_logs_are_queried(
    full: dict[str, Any], minimal: dict[str, Any]
) -> None:
    assert _resources_for(minimal["template"], "logs:StartQuery") == []  # query_logs = false
    granted = _resources_for(full["template"], "logs:StartQuery")
    assert (
        f"arn:${{AWS::Partition}}:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders-put"
        in granted
    )


def test_athena_reads_only_the_configured_catalog_and_workgroup(full: dict[str, Any]) -> None:
    template = full["template"]
    assert _resources_for(template, "athena:StartQueryExecution") == [
        f"arn:${{AWS::Partition}}:athena:{REGION}:{ACCOUNT}:workgroup/fa2"
    ]
    glue = f"arn:${{AWS::Partition}}:glue:{REGION}:{ACCOUNT}"
    assert _resources_for(template, "glue:GetTable") == sorted(
        [
            f"{glue}:catalog",
            f"{glue}:database/aiops_db",
            f"{glue}:table/aiops_db/alb_access_logs",
            f"{glue}:table/aiops_db/cloud_trail_logs",
        ]
    )


def test_s3_reads_the_log_buckets_and_writes_only_results(full: dict[str, Any]) -> None:
    template = full["template"]
    s3 = "arn:${AWS::Partition}:s3:::"
    assert _resources_for(template, "s3:GetObject") == sorted(
        [f"{s3}alb-logs-123/AWSLogs/*", f"{s3}cloudtrail-123/*", f"{s3}fa2-athena-results/fa2/*"]
    )
    assert _resources_for(template, "s3:PutObject") == [f"{s3}fa2-athena-results/fa2/*"]
    assert _resources_for(template, "s3:ListBucket") == sorted(
        [f"{s3}alb-logs-123", f"{s3}cloudtrail-123", f"{s3}fa2-athena-results"]
    )


def test_secrets_readable_are_exactly_the_two_named_ones(full: dict[str, Any]) -> None:
    secret_actions = {a for a, _, _ in _grants(full["template"]) if a.startswith("secretsmanager:")}
    # DescribeSecret (rotation, versions, stages: never a value) is a resource read
    assert secret_actions == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    resources = set(_resources_for(full["template"], "secretsmanager:GetSecretValue"))
    assert resources == {
        f"arn:${{AWS::Partition}}:secretsmanager:{REGION}:{ACCOUNT}:secret:fa2/slack-bot-token-??????",
        f"arn:${{AWS::Partition}}:secretsmanager:{REGION}:{ACCOUNT}:secret:fa2/slack-signing-secret-??????",
    }


def test_table_access_only_on_the_state_table(full: dict[str, Any]) -> None:
    for action, resources, _ in _grants(full["template"]):
        # DescribeTable reads a table's settings (capacity, keys), never its items
        if action.startswith("dynamodb:") and action != "dynamodb:DescribeTable":
            assert all(re.fullmatch(r"\$\{State\w+\.Arn\}", r) for r in resources), action


def test_no_managed_policies(full: dict[str, Any]) -> None:
    roles = full["template"].find_resources("AWS::IAM::Role").values()
    assert roles
    assert all("ManagedPolicyArns" not in role["Properties"] for role in roles)


RESOURCE_SERVICES = ("lambda:", "elasticloadbalancing:", "ec2:", "iam:", "secretsmanager:DescribeSecret",
                     "sqs:", "dynamodb:DescribeTable", "rds:", "ecs:", "apigateway:", "codedeploy:",
                     "ssm:", "config:", "cloudtrail:")  # fmt: skip


def _resource_reads(template: Any) -> set[str]:
    return {
        action
        for action, _, _ in _grants(template)
        if action.startswith(RESOURCE_SERVICES) and action != "lambda:InvokeFunction"
    }


def test_resource_reads_are_exactly_the_allow_listed_actions(full: dict[str, Any]) -> None:
    expected = {op.iam_action for op in OPERATIONS} | {
        "config:GetResourceConfigHistory",
        "config:ListDiscoveredResources",
        "cloudtrail:LookupEvents",
    }
    assert _resource_reads(full["template"]) == expected


def test_each_scopable_resource_read_is_granted_only_on_its_resource_type(
    full: dict[str, Any],
) -> None:
    for op in OPERATIONS:
        if op.iam_action in RESOURCE_UNSCOPABLE_ACTIONS:
            continue
        granted = _resources_for(full["template"], op.iam_action)
        assert "*" not in granted, op.iam_action
        for pattern in op.iam_resources:
            rendered = pattern.format(partition="${AWS::Partition}", region=REGION, account=ACCOUNT)
            assert rendered in granted, (op.iam_action, rendered, granted)


def test_secrets_are_described_in_this_account_and_region_only(full: dict[str, Any]) -> None:
    described = _resources_for(full["template"], "secretsmanager:DescribeSecret")
    assert described == [f"arn:${{AWS::Partition}}:secretsmanager:{REGION}:{ACCOUNT}:secret:*"]


def test_resources_off_grants_no_resource_read(minimal: dict[str, Any]) -> None:
    assert _resource_reads(minimal["template"]) == set()


def test_the_knowledge_base_grants_never_push_a_role_into_a_managed_overflow_policy(
    full: dict[str, Any],
) -> None:
    assert not full["template"].to_json()["Resources"].keys() & {
        name
        for name, res in full["template"].to_json()["Resources"].items()
        if res["Type"] == "AWS::IAM::ManagedPolicy"
    }
