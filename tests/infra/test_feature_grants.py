"""The findings report's and insight's grants: exactly the reads they need, on the narrowest
resources the services allow, and gone when a deployment turns the feature off."""

from __future__ import annotations

from typing import Any

import pytest

from infra.permissions import FINDINGS_ACTIONS
from tests.infra.conftest import (
    ACCOUNT,
    FULL_DEPLOY,
    FULL_SETTINGS,
    REGION,
    as_list,
    policy_statements,
    render,
    resources,
    synth,
)

pytestmark = pytest.mark.slow  # synthesizes CDK stacks (jsii + node)

SLACK_HANDLER = "slack_app.lambda_handler.handler"
ALARM_HANDLER = "slack_app.alarm_handler.handler"


@pytest.fixture(scope="module")
def features_off(clean_environment: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The full stack with both optional features turned off."""
    return synth(
        tmp_path_factory.mktemp("features-off"),
        FULL_DEPLOY,
        **FULL_SETTINGS,
        insight_enabled=False,
        findings_report_enabled=False,
    )["template"]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {action for s in statements for action in as_list(s["Action"])}


def _role_of(template: Any, handler: str) -> str:
    function = next(
        f
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == handler
    )
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


def _statements_of_role(template: Any, role: str) -> list[dict[str, Any]]:
    found = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def _environment(template: Any, handler: str) -> dict[str, Any]:
    return next(
        f["Properties"]["Environment"]["Variables"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == handler
    )


def test_findings_report_reads_security_hub_and_guardduty_and_nothing_else(
    full: dict[str, Any],
) -> None:
    statements = [
        s for s in policy_statements(full["template"]) if _actions([s]) & set(FINDINGS_ACTIONS)
    ]
    assert _actions(statements) == set(FINDINGS_ACTIONS)
    resources_by_action = {
        action: sorted(render(r) for r in as_list(s["Resource"]))
        for s in statements
        for action in as_list(s["Action"])
    }
    assert resources_by_action == {
        # GetFindings takes the `hub` resource: this account's hub in this region only
        "securityhub:GetFindings": [
            f"arn:${{AWS::Partition}}:securityhub:{REGION}:{ACCOUNT}:hub/default"
        ],
        # no resource types in the Service Authorization Reference: "*" is the only choice
        "guardduty:ListDetectors": ["*"],
        "guardduty:ListFindings": ["*"],
        "guardduty:GetFindings": ["*"],
    }


def test_findings_reads_go_to_the_slack_function_only(full: dict[str, Any]) -> None:
    template = full["template"]
    slack = _statements_of_role(template, _role_of(template, SLACK_HANDLER))
    alarm = _statements_of_role(template, _role_of(template, ALARM_HANDLER))
    assert set(FINDINGS_ACTIONS) <= _actions(slack)
    assert not _actions(alarm) & set(FINDINGS_ACTIONS)


def test_turning_the_findings_report_off_removes_its_grants(features_off: Any) -> None:
    granted = _actions(policy_statements(features_off))
    assert not {a for a in granted if a.startswith(("securityhub:", "guardduty:"))}


def test_insight_needs_no_grant_beyond_the_metric_reads_investigations_keep(
    full: dict[str, Any], features_off: Any
) -> None:
    # Metrics Insights runs through GetMetricData with an Expression: no action of its own
    metric_reads = {"cloudwatch:GetMetricData", "cloudwatch:ListMetrics"}
    assert metric_reads <= _actions(policy_statements(full["template"]))
    assert metric_reads <= _actions(policy_statements(features_off))
    cloudwatch = {a for a in _actions(policy_statements(full["template"])) if "cloudwatch:" in a}
    assert cloudwatch == metric_reads | {
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DescribeAlarmHistory",
    }


def test_turned_off_features_reach_the_slack_function_which_refuses_their_commands(
    features_off: Any, full: dict[str, Any]
) -> None:
    off = _environment(features_off, SLACK_HANDLER)
    assert off["FA2_INSIGHT_ENABLED"] == "false"
    assert off["FA2_FINDINGS_REPORT_ENABLED"] == "false"
    on = _environment(full["template"], SLACK_HANDLER)
    assert "FA2_INSIGHT_ENABLED" not in on  # the default (on) is not repeated
