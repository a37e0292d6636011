"""One configuration for the agent and its deployment: fa2.toml (with a [deploy] table)
and FA2_* / FA2_DEPLOY_* variables; bad values are refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import SettingsError, load_settings
from infra.parameters import load_parameters

FA2_TOML = """
region = "ap-northeast-1"
log_groups = ["/aws/lambda/orders-put"]
athena_output_location = "s3://results-bucket/athena/"
slack_report_channel = "C0ALARMS"

[deploy]
stack_name = "Fa2Prod"
alarm_name_prefixes = ["prod-"]
log_buckets = ["s3://alb-logs/AWSLogs/"]
waf_enabled = true
"""


@pytest.fixture
def fa2_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "fa2.toml"
    path.write_text(FA2_TOML)
    monkeypatch.setenv("FA2_CONFIG", str(path))
    return path


def test_one_file_configures_agent_and_deployment(fa2_toml: Path) -> None:
    params = load_parameters()
    assert params.settings.aws.region == "ap-northeast-1"
    assert params.settings.telemetry.log_groups == ["/aws/lambda/orders-put"]
    assert params.deploy.stack_name == "Fa2Prod"
    assert params.deploy.alarm_name_prefixes == ["prod-"]
    assert params.deploy.waf_enabled is True
    assert params.athena_results is not None
    assert params.athena_results.bucket == "results-bucket"


def test_the_agent_reads_the_same_file_despite_the_deploy_table(fa2_toml: Path) -> None:
    settings = load_settings()
    assert settings.telemetry.log_groups == ["/aws/lambda/orders-put"]


def test_environment_overrides_the_deploy_table(
    fa2_toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_DEPLOY_WAF_ENABLED", "false")
    monkeypatch.setenv("FA2_DEPLOY_ALARM_NAME_PREFIXES", '["staging-"]')
    params = load_parameters()
    assert params.deploy.waf_enabled is False
    assert params.deploy.alarm_name_prefixes == ["staging-"]


def test_unknown_deploy_parameter_is_named() -> None:
    with pytest.raises(SettingsError, match=r"deploy\.waf_enabeld: unknown deploy parameter"):
        load_parameters(deploy={"waf_enabeld": True})


def test_a_token_instead_of_a_secret_name_is_refused() -> None:
    with pytest.raises(SettingsError, match="give the secret's name, never its value"):
        load_parameters(deploy={"slack_bot_token_secret_name": "xoxb-1234-5678-abcdef"})


def test_log_retention_must_be_a_cloudwatch_value() -> None:
    with pytest.raises(
        SettingsError, match=r"deploy\.log_retention_days \[FA2_DEPLOY_LOG_RETENTION_DAYS\]"
    ):
        load_parameters(deploy={"log_retention_days": 10})


def test_alarm_triggers_need_a_report_channel() -> None:
    with pytest.raises(SettingsError, match="slack_report_channel"):
        load_parameters(deploy={"alarm_name_prefixes": ["prod-"]})


def test_log_buckets_need_an_athena_output_location() -> None:
    with pytest.raises(SettingsError, match="athena_output_location"):
        load_parameters(deploy={"log_buckets": ["alb-logs"]})


def test_malformed_topic_arn_is_refused() -> None:
    with pytest.raises(SettingsError, match="is not an SNS topic ARN"):
        load_parameters(slack_report_channel="C1", deploy={"alarm_sns_topic_arns": ["ops-alarms"]})


def test_lambda_timeout_is_the_wall_budget_plus_overhead_capped_at_15_minutes() -> None:
    groups = ["/aws/lambda/orders-put"]
    assert load_parameters(max_wall_seconds=300, log_groups=groups).lambda_timeout_seconds == 420
    assert load_parameters(max_wall_seconds=3000, log_groups=groups).lambda_timeout_seconds == 900


def test_no_log_groups_is_refused_because_every_logs_query_would_be_denied() -> None:
    with pytest.raises(SettingsError, match=r"log_groups \[FA2_LOG_GROUPS\] is empty") as error:
        load_parameters()
    assert len(error.value.problems) == 1, "one line naming the parameter"


def test_no_log_groups_is_accepted_when_logs_are_intentionally_not_queried() -> None:
    params = load_parameters(deploy={"query_logs": False})
    assert params.settings.telemetry.log_groups == [] and params.deploy.query_logs is False


def test_log_groups_with_query_logs_false_is_a_contradiction() -> None:
    with pytest.raises(
        SettingsError, match=r"deploy\.query_logs \[FA2_DEPLOY_QUERY_LOGS\] is false"
    ):
        load_parameters(log_groups=["/aws/lambda/orders-put"], deploy={"query_logs": False})
