"""fa2's settings: one typed `Settings`, from `FA2_*` environment variables and an optional
`fa2.toml` (path from `FA2_CONFIG`, else `./fa2.toml`). Environment wins over the file.

Covers what the AWS sample's `parameter.ts` covers, plus budgets, prices and Slack.
Invalid settings fail at start-up with `SettingsError`, one line per problem naming the key
and the accepted values.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as PydanticSettingsError

MAX_LOG_GROUPS = 50  # StartQuery accepts at most 50 log groups
GLUE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,254}")


class SettingsError(Exception):
    """Invalid configuration; str() is one line per problem, `problems` holds the lines."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(
            "invalid fa2 settings:\n" + "\n".join(f"  {line}" for line in self.problems)
        )


def _string_list(value: Any) -> Any:
    """Lists from the environment: a JSON array (`["a","b"]`) or comma-separated (`a,b`)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f'not a valid JSON array ({exc.msg}); use ["a", "b"] or a,b') from exc
    return [item.strip() for item in text.split(",") if item.strip()]


# A list setting read from one environment variable (JSON array or comma-separated).
StringList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FA2_",
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
    )

    # --- AWS ---
    region: str = Field("us-east-1", description="AWS region of the workload and of Bedrock")
    endpoint_url: str | None = Field(
        None, description="Override AWS endpoints (moto server in tests); never set in production"
    )
    # --- model ---
    model: Literal["baseline", "bedrock"] = Field(
        "bedrock", description="Investigator: Bedrock Claude, or the offline rule-based baseline"
    )
    model_id: str = Field(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        min_length=1,
        description="Bedrock model or inference-profile id",
    )
    fallback_model_id: str | None = Field(
        "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        description="Used when the main model is throttled or unavailable",
    )
    language: Literal["en", "ja"] = Field("en", description="Language of prompts and reports")
    architecture_description: str = Field(
        "", description="The workload's architecture, given to the agent as context"
    )
    # --- telemetry ---
    bundle: Path | None = Field(None, description="Run offline over this incident bundle")
    log_groups: StringList = Field(default_factory=list, description="CloudWatch log groups (≤ 50)")
    default_logs_query: str = Field(
        "",
        description="Your own Logs Insights query, run by triage beside the standard ones (empty: none)",
    )
    athena_database: str = Field("aiops_db", description="Glue/Athena database of the log tables")
    athena_alb_table: str = Field(
        "alb_access_logs", description="Athena table over ALB access logs"
    )
    athena_cloudtrail_table: str = Field(
        "cloud_trail_logs", description="Athena table over CloudTrail logs"
    )
    athena_workgroup: str = Field("primary", description="Athena workgroup queries run in")
    athena_output_location: str | None = Field(None, description="s3://bucket/prefix/ for results")
    xray_enabled: bool = Field(True, description="Query X-Ray traces (off: the agent skips them)")
    window_before_minutes: int = Field(
        30, ge=1, le=24 * 60, description="Analysis window start, minutes before the state change"
    )
    window_after_minutes: int = Field(
        5, ge=0, le=24 * 60, description="Analysis window end, minutes after the state change"
    )
    max_window_hours: int = Field(
        24, ge=1, le=24 * 14, description="Longest time range an investigation may cover"
    )
    # --- budgets ---
    max_steps: int = Field(12, ge=1, le=200, description="LLM turns per investigation")
    max_tool_calls: int = Field(30, ge=1, le=500, description="Tool calls per investigation")
    max_tokens: int = Field(400_000, ge=1000, description="Input + output tokens")
    max_wall_seconds: int = Field(
        300, ge=10, le=3600, description="Wall-clock limit of one investigation"
    )
    max_query_cost_usd: float = Field(
        1.0, ge=0, description="Estimated Logs Insights + Athena scan cost per investigation"
    )
    max_result_rows: int = Field(
        50, ge=1, le=10_000, description="Rows of a result shown to the model"
    )
    # --- prices (public list prices, USD; one place) ---
    logs_insights_usd_per_gb: float = Field(0.005, description="Logs Insights scan price")
    athena_usd_per_tb: float = Field(5.0, description="Athena scan price")
    model_usd_per_1k_input_tokens: float = Field(0.003, description="Model input price")
    model_usd_per_1k_output_tokens: float = Field(0.015, description="Model output price")
    # --- conversation state ---
    checkpoint_backend: Literal["sqlite", "dynamodb", "memory"] = Field(
        "sqlite", description="Where thread state (conversation, evidence) is kept"
    )
    checkpoint_path: Path = Field(
        Path(".fa2/checkpoints.sqlite"), description="SQLite checkpoint file (sqlite backend)"
    )
    dynamodb_table: str | None = Field(None, description="Checkpoint table (dynamodb backend)")
    checkpoint_ttl_days: int = Field(
        30, ge=1, le=3650, description="Days a thread is kept in DynamoDB before it expires (TTL)"
    )
    # --- Slack ---
    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("slack_bot_token", "SLACK_BOT_TOKEN", "FA2_SLACK_BOT_TOKEN"),
        description="Bot token (xoxb-...) the app posts with",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "slack_signing_secret", "SLACK_SIGNING_SECRET", "FA2_SLACK_SIGNING_SECRET"
        ),
        description="Verifies that requests come from Slack",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("slack_app_token", "SLACK_APP_TOKEN", "FA2_SLACK_APP_TOKEN"),
        description="App-level token (xapp-...) for Socket Mode",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        description="Base URL of the Slack Web API (a local stand-in in tests)",
    )
    slack_channels: StringList = Field(
        default_factory=list, description="Channel ids fa2 answers in (empty: any it is invited to)"
    )
    slack_auto_investigate: bool = Field(False, description="Start at once on an alarm message")
    slack_max_concurrent_per_channel: int = Field(
        2, ge=1, le=20, description="Investigations running at once in one channel"
    )
    slack_max_concurrent: int = Field(
        4, ge=1, le=100, description="Investigations running at once in the whole workspace"
    )
    slack_max_queued_per_channel: int = Field(
        3, ge=0, le=100, description="Investigations waiting in line in one channel"
    )
    slack_max_queued: int = Field(
        10, ge=0, le=500, description="Investigations waiting in line in the whole workspace"
    )
    slack_max_investigations_per_hour: int = Field(
        30,
        ge=1,
        le=10_000,
        description="Investigations and follow-ups accepted per rolling hour, workspace-wide "
        "(the cost cap: past it requests are refused)",
    )
    slack_report_channel: str | None = Field(
        None, description="Where one-shot alarm-event investigations are posted"
    )
    # --- deployment ---
    deploy: dict[str, Any] = Field(
        default_factory=dict,
        description="The [deploy] table of fa2.toml: AWS CDK parameters, validated by "
        "infra/parameters.py; the agent ignores it",
    )

    @field_validator("log_groups", "slack_channels", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _string_list(value)

    @field_validator("log_groups")
    @classmethod
    def _at_most_50(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_LOG_GROUPS:
            raise ValueError(f"at most {MAX_LOG_GROUPS} log groups (got {len(value)})")
        return value

    @field_validator("athena_database", "athena_alb_table", "athena_cloudtrail_table")
    @classmethod
    def _glue_name(cls, value: str) -> str:
        # Glue names: letters, digits, underscore (hyphen tolerated); the names are also
        # spliced into SQL, so quotes or spaces must never get through.
        if not GLUE_NAME.fullmatch(value):
            raise ValueError("a Glue name: letters, digits and _ (e.g. aiops_db)")
        return value

    @field_validator("athena_cloudtrail_table")
    @classmethod
    def _distinct_tables(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("athena_alb_table"):
            raise ValueError("the same name as athena_alb_table; the two tables need their own")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = config_file()
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


def config_file() -> Path | None:
    """The fa2.toml in effect: `FA2_CONFIG` if set, else ./fa2.toml if it exists."""
    explicit = os.environ.get("FA2_CONFIG")
    if explicit:
        return Path(explicit)
    default = Path("fa2.toml")
    return default if default.is_file() else None


def env_names(field_name: str) -> list[str]:
    """The environment variables that set `field_name` (aliases first, as pydantic reads them)."""
    field = Settings.model_fields[field_name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice).upper() for choice in alias.choices if str(choice).isupper()]
    return [f"FA2_{field_name.upper()}"]


def secret_fields() -> list[str]:
    """Settings whose values must never be printed."""
    return [
        name
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    ]


def _describe(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error["loc"]]
    key = ".".join(loc) or "(settings)"
    field_name = loc[0] if loc else ""
    if field_name in Settings.model_fields:
        where = " or ".join(env_names(field_name))
    else:
        where = "not a setting"
    message = str(error["msg"]).removeprefix("Value error, ")
    expected = (error.get("ctx") or {}).get("expected")
    if expected and str(expected) not in message:
        message = f"{message} (accepted: {expected})"
    if error.get("type") == "extra_forbidden":
        return f"{key} [{where}]: unknown setting (check the spelling in fa2.toml)"
    shown = "'***'" if field_name in secret_fields() else repr(error.get("input"))
    if len(shown) > 80:
        shown = shown[:79] + "…"
    return f"{key} [{where}]: {message}; got {shown}"


def load_settings(**overrides: Any) -> Settings:
    """Build `Settings`, turning every failure into `SettingsError`, one line per problem."""
    path = config_file()
    if path is not None:
        if path.is_dir():
            raise SettingsError([f"FA2_CONFIG: {path} is a folder; give the path of a fa2.toml"])
        if not path.is_file():
            raise SettingsError([f"FA2_CONFIG: {path} does not exist"])
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError([f"{path}: not valid TOML: {exc}"]) from exc
        except OSError as exc:
            raise SettingsError([f"{path}: cannot read it: {exc.strerror or exc}"]) from exc
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError([_describe(dict(err)) for err in exc.errors()]) from exc
    except PydanticSettingsError as exc:  # a value the environment source could not decode
        raise SettingsError([str(exc)]) from exc
