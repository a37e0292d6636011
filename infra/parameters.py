"""Deployment parameters: the agent's own `Settings` plus what only the deployment needs.

One configuration serves both. The agent's settings (region, model ids, log groups, Athena
database / tables / workgroup / output location, X-Ray, budgets, Slack channels, ...) are
the `Settings` fields themselves, read from `fa2.toml` and `FA2_*` variables exactly as the
CLI reads them. The deployment-only parameters live in the `[deploy]` table of the same
`fa2.toml`, and each can be overridden by `FA2_DEPLOY_<NAME>` (environment wins over file,
as for the agent's settings).

    [deploy]
    slack_bot_token_secret_name = "fa2/slack-bot-token"
    alarm_name_prefixes = ["prod-"]
    log_buckets = ["s3://my-alb-logs/AWSLogs/", "my-cloudtrail-bucket"]
    waf_enabled = true
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from agent.config import Settings, SettingsError, load_settings

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)  # fmt: skip
LAMBDA_MAX_TIMEOUT_SECONDS = 900
# Time the function needs around an investigation: Slack calls, rendering, the chart.
INVESTIGATION_OVERHEAD_SECONDS = 120

_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


class S3Location(BaseModel):
    """A bucket, optionally narrowed to a key prefix (`s3://bucket/prefix/`)."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, text: str) -> S3Location:
        body = text.removeprefix("s3://")
        bucket, _, prefix = body.partition("/")
        if not _BUCKET.match(bucket):
            raise ValueError(f"{text!r} is not an S3 bucket name or s3://bucket/prefix URI")
        return cls(bucket=bucket, prefix=prefix)


class DeployOptions(BaseSettings):
    """Parameters only the deployment needs (`[deploy]` in fa2.toml, `FA2_DEPLOY_*`)."""

    model_config = SettingsConfigDict(env_prefix="FA2_DEPLOY_", extra="forbid")

    stack_name: str = Field("Fa2", description="CloudFormation stack name")
    account: str | None = Field(
        None, description="AWS account id; default: the CLI's account (CDK_DEFAULT_ACCOUNT)"
    )
    slack_bot_token_secret_name: str = Field(
        "fa2/slack-bot-token", description="Secrets Manager secret holding the bot token (xoxb-...)"
    )
    slack_signing_secret_secret_name: str = Field(
        "fa2/slack-signing-secret", description="Secrets Manager secret holding the signing secret"
    )
    alarm_name_prefixes: list[str] = Field(
        default_factory=list,
        description="Alarms whose names start with one of these are investigated when they go "
        "to ALARM (EventBridge rule); empty: no rule",
    )
    alarm_sns_topic_arns: list[str] = Field(
        default_factory=list,
        description="Existing SNS topics (alarm actions) whose notifications are investigated",
    )
    log_buckets: list[str] = Field(
        default_factory=list,
        description="Buckets (or s3://bucket/prefix/) holding the ALB and CloudTrail logs Athena reads",
    )
    query_logs: bool = Field(
        True,
        description="Grant Logs Insights queries on log_groups; false: logs are intentionally "
        "not queried (log_groups must then be empty)",
    )
    waf_enabled: bool = Field(False, description="Put an AWS WAF web ACL in front of the API")
    waf_rate_limit: int = Field(
        1000, ge=10, le=2_000_000_000, description="Requests per 5 minutes per IP before WAF blocks"
    )
    log_retention_days: int = Field(30, description="Retention of fa2's own Lambda logs")
    lambda_memory_mb: int = Field(2048, ge=512, le=10240)
    python_version: Literal["3.11", "3.12", "3.13"] = "3.12"
    api_rate_limit: int = Field(
        50, ge=1, le=10_000, description="API Gateway stage throttling (requests per second)"
    )
    bundle_dependencies: bool = Field(
        True,
        description="Bundle the Python dependencies into the Lambda code (needs PyPI); false "
        "synthesizes offline for inspection (the CDK CLI's deploy bundles regardless)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init values come from fa2.toml's [deploy] table: the environment overrides them.
        return (env_settings, init_settings)

    @field_validator("stack_name")
    @classmethod
    def _stack_name(cls, value: str) -> str:
        if not _STACK_NAME.match(value):
            raise ValueError("letters, digits and hyphens, starting with a letter")
        return value

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{12}", value):
            raise ValueError("a 12-digit AWS account id")
        return value

    @field_validator("slack_bot_token_secret_name", "slack_signing_secret_secret_name")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        if not _SECRET_NAME.match(value) or value.startswith("arn:"):
            raise ValueError(
                "a Secrets Manager secret NAME (letters, digits, /_+=.@-), not a value"
            )
        if value.startswith(("xoxb-", "xoxp-", "xapp-")):
            raise ValueError(
                "this looks like a Slack token: give the secret's name, never its value"
            )
        return value

    @field_validator("alarm_name_prefixes")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        if any(not prefix.strip() for prefix in value):
            raise ValueError("alarm name prefixes must not be empty")
        return value

    @field_validator("alarm_sns_topic_arns")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        for arn in value:
            if not _SNS_TOPIC_ARN.match(arn):
                raise ValueError(
                    f"{arn!r} is not an SNS topic ARN (arn:aws:sns:region:account:name)"
                )
        return value

    @field_validator("log_buckets")
    @classmethod
    def _buckets(cls, value: list[str]) -> list[str]:
        for location in value:
            S3Location.parse(location)
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs retention must be one of {list(LOG_RETENTION_DAYS)}")
        return value


class Parameters(BaseModel):
    """Everything the stack is built from: the agent's settings and the deploy options."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    settings: Settings
    deploy: DeployOptions

    @model_validator(mode="after")
    def _consistent(self) -> Parameters:
        triggers = self.deploy.alarm_name_prefixes or self.deploy.alarm_sns_topic_arns
        if triggers and not self.settings.slack.report_channel:
            raise ValueError(
                "alarm triggers (alarm_name_prefixes / alarm_sns_topic_arns) post to "
                "slack_report_channel [FA2_SLACK_REPORT_CHANNEL], which is not set"
            )
        if self.deploy.log_buckets and not self.settings.athena.output_location:
            raise ValueError(
                "log_buckets are read through Athena, which needs athena_output_location "
                "[FA2_ATHENA_OUTPUT_LOCATION] (s3://bucket/prefix/ for query results)"
            )
        if self.settings.athena.output_location:
            S3Location.parse(self.settings.athena.output_location)
        self._check_log_groups()
        return self

    def _check_log_groups(self) -> None:
        """Logs Insights is granted on the listed groups only: with none, every query the agent
        ran would fail with AccessDenied, so an empty list must be a stated choice."""
        if self.deploy.query_logs and not self.settings.telemetry.log_groups:
            raise ValueError(
                "log_groups [FA2_LOG_GROUPS] is empty, so fa2 would get no logs:StartQuery "
                "permission and every Logs Insights query would fail; list the log groups to "
                "query, or set deploy.query_logs [FA2_DEPLOY_QUERY_LOGS] = false"
            )
        if not self.deploy.query_logs and self.settings.telemetry.log_groups:
            raise ValueError(
                "deploy.query_logs [FA2_DEPLOY_QUERY_LOGS] is false but log_groups "
                "[FA2_LOG_GROUPS] lists groups to query; empty one or set the other to true"
            )

    @property
    def has_alarm_trigger(self) -> bool:
        return bool(self.deploy.alarm_name_prefixes or self.deploy.alarm_sns_topic_arns)

    @property
    def athena_results(self) -> S3Location | None:
        location = self.settings.athena.output_location
        return S3Location.parse(location) if location else None

    @property
    def log_bucket_locations(self) -> list[S3Location]:
        return [S3Location.parse(location) for location in self.deploy.log_buckets]

    @property
    def lambda_timeout_seconds(self) -> int:
        """Long enough for the investigation's own wall-time budget, within Lambda's maximum."""
        return min(
            LAMBDA_MAX_TIMEOUT_SECONDS,
            self.settings.budgets.max_wall_seconds + INVESTIGATION_OVERHEAD_SECONDS,
        )

    @property
    def account(self) -> str | None:
        return self.deploy.account or os.environ.get("CDK_DEFAULT_ACCOUNT")


def load_parameters(*, deploy: dict[str, Any] | None = None, **settings: Any) -> Parameters:
    """Read fa2.toml / FA2_* (agent settings) and its [deploy] table / FA2_DEPLOY_* (deployment).

    Keyword arguments override both (tests build stacks from explicit values this way).
    Every problem becomes one line of `SettingsError`, naming the key.
    """
    agent_settings = load_settings(**settings)
    file_values: dict[str, Any] = getattr(agent_settings, "deploy", None) or {}
    deploy_values = {**file_values, **(deploy or {})}
    try:
        options = DeployOptions(**deploy_values)
    except ValidationError as exc:
        raise SettingsError([_describe_deploy_error(dict(err)) for err in exc.errors()]) from exc
    try:
        return Parameters(settings=agent_settings, deploy=options)
    except ValidationError as exc:
        raise SettingsError(
            [str(err["msg"]).removeprefix("Value error, ") for err in exc.errors()]
        ) from exc


def _describe_deploy_error(error: dict[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(deploy)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        return f"deploy.{key}: unknown deploy parameter (check the spelling in fa2.toml [deploy])"
    env = f"FA2_DEPLOY_{key.split('.')[0].upper()}"
    return f"deploy.{key} [{env}]: {message}; got {error.get('input')!r}"
