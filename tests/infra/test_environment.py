"""The functions get their settings, the table and the secret NAMES from the environment,
never a secret value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.config import load_settings
from infra.functions import EnvironmentTooLargeError, check_environment_size, settings_environment
from tests.infra.conftest import resources


def _environments(template: Any) -> dict[str, dict[str, Any]]:
    return {
        f["Properties"]["Handler"]: f["Properties"]["Environment"]["Variables"]
        for f in resources(template, "AWS::Lambda::Function").values()
    }


@pytest.mark.slow
def test_handlers_are_wired_to_the_table_the_secrets_and_the_settings(full: dict[str, Any]) -> None:
    environments = _environments(full["template"])
    assert set(environments) == {
        "slack_app.lambda_handler.handler",
        "slack_app.alarm_handler.handler",
    }
    for env in environments.values():
        assert env["FA2_CHECKPOINT_BACKEND"] == "dynamodb"
        assert env["FA2_DYNAMODB_TABLE"]["Ref"].startswith("State")
        assert env["FA2_SLACK_BOT_TOKEN_SECRET_NAME"] == "fa2/slack-bot-token"
        assert env["FA2_SLACK_SIGNING_SECRET_SECRET_NAME"] == "fa2/slack-signing-secret"
        assert env["FA2_REGION"] == "eu-west-1"
        assert env["FA2_MODEL"] == "bedrock"
        assert env["FA2_MODEL_ID"] == "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
        assert json.loads(env["FA2_LOG_GROUPS"]) == [
            "/aws/lambda/orders-put",
            "/aws/apigateway/orders-api",
        ]
        assert env["FA2_ATHENA_OUTPUT_LOCATION"] == "s3://fa2-athena-results/fa2/"
        assert env["FA2_SLACK_REPORT_CHANNEL"] == "C0ALARMS"
        assert env["FA2_MAX_WALL_SECONDS"] == "600"


@pytest.mark.slow
def test_settings_in_the_environment_load_back_into_the_same_settings(
    full: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _environments(full["template"])["slack_app.alarm_handler.handler"]
    for key, value in env.items():
        monkeypatch.setenv(key, value if isinstance(value, str) else "fa2-state-table")
    loaded = load_settings()
    configured = full["params"].settings
    assert loaded.telemetry.log_groups == configured.telemetry.log_groups
    assert loaded.slack.channels == configured.slack.channels
    assert (
        loaded.investigator.architecture_description
        == configured.investigator.architecture_description
    )
    assert loaded.checkpoints.backend == "dynamodb"
    assert loaded.checkpoints.dynamodb_table == "fa2-state-table"


@pytest.mark.slow
def test_no_secret_value_anywhere_in_the_template(full: dict[str, Any]) -> None:
    text = json.dumps(full["template"].to_json())
    assert "xoxb-" not in text
    for env in _environments(full["template"]).values():
        assert not {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "FA2_SLACK_BOT_TOKEN"} & set(env)


def test_only_settings_that_differ_from_defaults_are_passed() -> None:
    env = settings_environment(load_settings(xray_enabled=False, max_steps=20, log_groups=[]))
    assert env["FA2_XRAY_ENABLED"] == "false"
    assert env["FA2_MAX_STEPS"] == "20"
    assert env["FA2_LOG_GROUPS"] == "[]"  # always passed, so the console shows it
    assert "FA2_MAX_TOOL_CALLS" not in env  # default


def test_local_only_and_secret_settings_are_never_passed() -> None:
    settings = load_settings(
        bundle="evals/scenarios/dynamodb-throttling",
        endpoint_url="http://127.0.0.1:5000",
        slack_bot_token="xoxb-123-456",
        slack_signing_secret="abc",
    )
    env = settings_environment(settings)
    assert not {
        "FA2_BUNDLE",
        "FA2_ENDPOINT_URL",
        "FA2_SLACK_BOT_TOKEN",
        "FA2_SLACK_SIGNING_SECRET",
    } & set(env)
    assert "xoxb-123-456" not in json.dumps(env)


def test_environment_over_lambdas_4kb_fails_naming_the_largest_variables() -> None:
    env = settings_environment(load_settings(architecture_description="x" * 5000))
    with pytest.raises(EnvironmentTooLargeError, match="FA2_ARCHITECTURE_DESCRIPTION"):
        check_environment_size(env)
