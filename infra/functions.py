"""The two Lambda functions' common shape, and the settings they receive.

Each function gets its own role (no managed policies: the only log writes allowed are to
its own log group), its own log group with a retention, arm64, and the settings as `FA2_*`
environment variables, so the handlers read them with the same `load_settings()` the CLI
uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from agent.config import SETTING_KEYS, Settings, setting_value
from infra.parameters import Parameters

# Settings that make no sense on Lambda (local paths, test endpoints), that the stack sets
# itself, or that hold secret values (these come from Secrets Manager at run time).
NOT_PASSED = frozenset(
    {
        "bundle",
        "endpoint_url",
        "checkpoint_path",
        "checkpoint_backend",
        "dynamodb_table",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "deploy",
    }
)
# Always passed, even at their defaults, so the function's configuration reads plainly.
ALWAYS_PASSED = ("region", "model", "model_id", "log_groups", "slack_report_channel")
LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096
# Length assumed for a CloudFormation reference (a table name) when sizing the environment.
_TOKEN_ALLOWANCE = 96


class EnvironmentTooLargeError(ValueError):
    pass


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, Path):
        return str(value)
    return str(value)


def settings_environment(settings: Settings) -> dict[str, str]:
    """`FA2_*` variables for every setting that differs from its default (plus a core set)."""
    defaults = Settings.model_construct()
    env: dict[str, str] = {}
    for name in [*SETTING_KEYS, "deploy"]:
        if name in NOT_PASSED:
            continue
        value = setting_value(settings, name)
        if value is None:
            continue
        if name in ALWAYS_PASSED or value != setting_value(defaults, name):
            env[f"FA2_{name.upper()}"] = _env_value(value)
    return env


def check_environment_size(env: dict[str, str]) -> None:
    """Lambda refuses more than 4 KB of environment variables: fail at synth, not deploy."""
    size = sum(
        len(key) + (_TOKEN_ALLOWANCE if "${Token[" in value else len(value.encode()))
        for key, value in env.items()
    )
    if size > LAMBDA_ENVIRONMENT_LIMIT_BYTES:
        largest = sorted(env, key=lambda key: len(env[key]), reverse=True)[:3]
        raise EnvironmentTooLargeError(
            f"the functions' settings take {size} bytes of environment variables, over "
            f"Lambda's 4 KB; the largest are {', '.join(largest)} (shorten "
            "architecture_description or list fewer log groups)"
        )


class Fa2Function(Construct):
    """One fa2 Lambda function: own role, own log group, arm64, settings in the environment."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        params: Parameters,
        code: lambda_.Code,
        handler: str,
        description: str,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"fa2 {construct_id}: read-only telemetry, its own logs",
        )
        self.log_group = logs.LogGroup(
            self, "Logs", retention=_retention(params.deploy.log_retention_days)
        )
        # Its own log group is the only thing the function may write logs to.
        self.log_group.grant_write(self.role)
        check_environment_size(environment)
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=_runtime(params.deploy.python_version),
            architecture=lambda_.Architecture.ARM_64,
            code=code,
            handler=handler,
            role=self.role,
            memory_size=params.deploy.lambda_memory_mb,
            timeout=Duration.seconds(params.lambda_timeout_seconds),
            environment=environment,
            log_group=self.log_group,
            # A retried investigation would answer twice: fail once, visibly.
            retry_attempts=0,
        )


def _runtime(version: str) -> lambda_.Runtime:
    return {
        "3.11": lambda_.Runtime.PYTHON_3_11,
        "3.12": lambda_.Runtime.PYTHON_3_12,
        "3.13": lambda_.Runtime.PYTHON_3_13,
    }[version]


_RETENTION_NAMES = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS",
    30: "ONE_MONTH", 60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS",
    150: "FIVE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR", 400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS", 1827: "FIVE_YEARS",
    2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}  # fmt: skip


def _retention(days: int) -> logs.RetentionDays:
    return logs.RetentionDays[_RETENTION_NAMES[days]]
