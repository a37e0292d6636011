"""`describe_resource` and `get_config_history` as the model uses them: each call is evidence
with its request, a link and the rendered table; a call outside the allow-list comes back as
an observation listing what is allowed; nothing runs where the backend has no resources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from agent.config import Settings
from agent.telemetry.local import LocalBackend
from tests.agent.fakes import MANIFEST, FakeBackend, call
from tests.agent.helpers import context, run_tool_calls

FUNCTION = {
    "FunctionName": "orders-put",
    "Timeout": 3,
    "MemorySize": 256,
    "Environment": {"Variables": {"DB_PASSWORD": "pg-Secret-77812", "TABLE_NAME": "orders"}},
}


@pytest.fixture
def backend(tmp_path: Path, settings: Settings) -> LocalBackend:
    (tmp_path / "incident.yaml").write_text(MANIFEST, "utf-8")
    (tmp_path / "resources").mkdir()
    snapshot = {
        "service": "lambda",
        "operation": "GetFunctionConfiguration",
        "request": {"FunctionName": "orders-put"},
        "response": FUNCTION,
    }
    (tmp_path / "resources" / "lambda.GetFunctionConfiguration.json").write_text(
        json.dumps(snapshot), "utf-8"
    )
    item = {
        "configurationItemCaptureTime": "2026-03-02T10:02:10Z",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::Lambda::Function",
        "resourceId": "orders-put",
        "configuration": json.dumps({"timeout": 3}),
    }
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "items.json").write_text(
        json.dumps({"configurationItems": [item]}), "utf-8"
    )
    return LocalBackend(tmp_path, settings)


def _message(result: dict) -> ToolMessage:
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    return message


def test_a_describe_call_is_evidence_with_its_request_link_and_table(
    settings: Settings, backend: LocalBackend
) -> None:
    ctx = context(settings, backend)
    args = {
        "service": "lambda",
        "operation": "GetFunctionConfiguration",
        "parameters": {"FunctionName": "orders-put"},
    }
    message = _message(run_tool_calls(ctx, call("describe_resource", args, "c1")))
    [evidence] = ctx.ledger.recorded
    assert evidence.source == "resources"
    assert evidence.query == "lambda GetFunctionConfiguration FunctionName=orders-put"
    assert evidence.link and evidence.link.endswith(
        "/resources/lambda.GetFunctionConfiguration.json"
    )
    assert evidence.rows[0][evidence.columns.index("timeout_s")] == "3"
    assert message.content.startswith("[E1] describe_resource · resources · status ok")
    assert "pg-Secret-77812" not in message.content and "DB_PASSWORD" in message.content


def test_a_call_outside_the_allow_list_comes_back_listing_the_allowed_ones(
    settings: Settings, backend: LocalBackend
) -> None:
    ctx = context(settings, backend)
    args = {
        "service": "secretsmanager",
        "operation": "GetSecretValue",
        "parameters": {"SecretId": "db"},
    }
    message = _message(run_tool_calls(ctx, call("describe_resource", args, "c1")))
    assert message.status == "error"
    assert "secretsmanager GetSecretValue is not an allowed read-only call" in message.content
    assert "secretsmanager DescribeSecret(SecretId)" in message.content


def test_config_history_is_evidence_over_the_incident_window(
    settings: Settings, backend: LocalBackend
) -> None:
    ctx = context(settings, backend)
    args = {"resource_type": "AWS::Lambda::Function", "resource_id": "orders-put"}
    message = _message(run_tool_calls(ctx, call("get_config_history", args, "c1")))
    [evidence] = ctx.ledger.recorded
    assert evidence.source == "config"
    assert evidence.time_range == ctx.window
    assert evidence.query == "GetResourceConfigHistory AWS::Lambda::Function orders-put"
    assert "(first recorded state)" in message.content


def test_a_malformed_resource_type_is_an_observation_the_model_can_fix(
    settings: Settings, backend: LocalBackend
) -> None:
    ctx = context(settings, backend)
    args = {"resource_type": "lambda function", "resource_id": "orders-put"}
    message = _message(run_tool_calls(ctx, call("get_config_history", args, "c1")))
    assert message.status == "error"
    assert "is not an AWS Config type such as AWS::Lambda::Function" in message.content


def test_a_backend_without_resources_answers_that_the_source_is_missing(
    settings: Settings,
) -> None:
    ctx = context(settings, FakeBackend())
    args = {"service": "dynamodb", "operation": "DescribeTable", "parameters": {"TableName": "o"}}
    message = _message(run_tool_calls(ctx, call("describe_resource", args, "c1")))
    assert "not run" in message.content and "resources" in message.content
    assert ctx.ledger.recorded == []
