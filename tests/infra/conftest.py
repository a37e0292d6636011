"""Two stacks, synthesized once per session without dependency bundling (no network):
`full` with every optional part on, `minimal` with the defaults (and logs not queried)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ALARM_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops-alarms"
RERANKER = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.rerank-v1:0"
FULL_SETTINGS: dict[str, Any] = {
    "region": REGION,
    "model": "bedrock",
    "model_id": "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "fallback_model_id": "anthropic.claude-3-haiku-20240307-v1:0",
    "log_groups": ["/aws/lambda/orders-put", "/aws/apigateway/orders-api"],
    "athena_database": "aiops_db",
    "athena_alb_table": "alb_access_logs",
    "athena_cloudtrail_table": "cloud_trail_logs",
    "athena_workgroup": "fa2",
    "athena_output_location": "s3://fa2-athena-results/fa2/",
    "slack_report_channel": "C0ALARMS",
    "slack_channels": ["C0ALARMS", "C0ONCALL"],
    "architecture_description": "API Gateway -> Lambda orders-put -> DynamoDB orders",
    "max_wall_seconds": 600,
    "knowledge_base_id": "KB12345678",
    "knowledge_base_reranker_model_arn": RERANKER,
}
FULL_DEPLOY: dict[str, Any] = {
    "account": ACCOUNT,
    "stack_name": "Fa2Test",
    "alarm_name_prefixes": ["prod-", "orders-"],
    "alarm_sns_topic_arns": [ALARM_TOPIC],
    "log_buckets": ["s3://alb-logs-123/AWSLogs/", "cloudtrail-123"],
    "waf_enabled": True,
    "waf_rate_limit": 600,
    "log_retention_days": 90,
    "bundle_dependencies": False,
}


@pytest.fixture(scope="session")
def clean_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No FA2_* from the developer's shell and an empty fa2.toml: only the test's values."""
    empty = tmp_path_factory.mktemp("config") / "fa2.toml"
    empty.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith(("FA2_", "SLACK_", "CDK_")):
                patch.delenv(key)
        patch.setenv("FA2_CONFIG", str(empty))
        yield


def synth(outdir: Path, deploy: dict[str, Any], **settings: Any) -> dict[str, Any]:
    from aws_cdk.assertions import Template

    from infra.app import build_app
    from infra.parameters import load_parameters

    params = load_parameters(deploy=deploy, **settings)
    _, stack = build_app(params, outdir=str(outdir))
    return {"template": Template.from_stack(stack), "stack": stack, "params": params}


@pytest.fixture(scope="session")
def full(clean_environment: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return synth(tmp_path_factory.mktemp("full"), FULL_DEPLOY, **FULL_SETTINGS)


@pytest.fixture(scope="session")
def minimal(clean_environment: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return synth(
        tmp_path_factory.mktemp("minimal"),
        {"bundle_dependencies": False, "account": ACCOUNT, "query_logs": False},
        model="baseline",
        xray_enabled=False,
        resources_enabled=False,
    )


def resources(template: Any, resource_type: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources(resource_type)
    return found


def policy_statements(template: Any) -> list[dict[str, Any]]:
    """Every statement of every identity policy in the stack."""
    statements = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        statements += policy["Properties"]["PolicyDocument"]["Statement"]
    for role in resources(template, "AWS::IAM::Role").values():
        for inline in role["Properties"].get("Policies", []):
            statements += inline["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def render(value: Any) -> str:
    """A CloudFormation value as text: Fn::Join flattened, references as ${Name}."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(render(part) for part in parts)
        if "Ref" in value:
            return "${" + value["Ref"] + "}"
        if "Fn::GetAtt" in value:
            return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    return str(value)
