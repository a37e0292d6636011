"""fa2's settings: one typed `Settings`, from `FA2_*` environment variables and an optional
`fa2.toml` (path from `FA2_CONFIG`, else `./fa2.toml`). Environment wins over the file.

Settings are grouped by concern (`settings.aws`, `.investigator`, `.telemetry`, `.athena`,
`.budgets`, `.prices`, `.checkpoints`, `.slack`, `.knowledge`, `.memory`, `.features`,
`.deploy`); a component takes only its group.
The keys users write stay flat (`FA2_ATHENA_WORKGROUP`, `athena_workgroup = ...`): a new
setting goes into the group of its concern, and its flat key is its name (or its alias).

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
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as PydanticSettingsError

from agent.telemetry.limits import MAX_LOG_GROUPS

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


class _Group(BaseModel):
    """A group of settings for one concern. Each field keeps its flat key (`fa2.toml` key and
    `FA2_<KEY>` variable): the field's alias when the group drops a prefix the key carries
    (`slack_bot_token` is `slack.bot_token`), else its name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True)


def _prefixed(prefix: str) -> ConfigDict:
    """A group whose flat keys carry `prefix` (`slack_bot_token`) that its fields drop
    (`slack.bot_token`); a field with its own alias keeps it."""
    return ConfigDict(**_Group.model_config, alias_generator=lambda name: prefix + name)


class AwsSettings(_Group):
    region: str = Field("us-east-1", description="AWS region of the workload and of Bedrock")
    endpoint_url: str | None = Field(
        None, description="Override AWS endpoints (moto server in tests); never set in production"
    )


class InvestigatorSettings(_Group):
    """Who investigates and what it is told: the model, its language, the architecture."""

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


class TelemetrySettings(_Group):
    """Where the telemetry is (a bundle, or AWS log groups) and which window is read."""

    bundle: Path | None = Field(None, description="Run offline over this incident bundle")
    log_groups: StringList = Field(default_factory=list, description="CloudWatch log groups (≤ 50)")
    default_logs_query: str = Field(
        "",
        description="Your own Logs Insights query, run by triage beside the standard ones (empty: none)",
    )
    xray_enabled: bool = Field(True, description="Query X-Ray traces (off: the agent skips them)")
    resources_enabled: bool = Field(
        True,
        description="Describe resources (allow-listed read-only calls) and read AWS Config "
        "history (off: the agent has no resource tools and the deployment grants no such reads)",
    )
    window_before_minutes: int = Field(
        30, ge=1, le=24 * 60, description="Analysis window start, minutes before the state change"
    )
    window_after_minutes: int = Field(
        5, ge=0, le=24 * 60, description="Analysis window end, minutes after the state change"
    )
    max_window_hours: int = Field(
        24, ge=1, le=24 * 14, description="Longest time range an investigation may cover"
    )

    @field_validator("log_groups", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _string_list(value)

    @field_validator("log_groups")
    @classmethod
    def _at_most_50(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_LOG_GROUPS:
            raise ValueError(f"at most {MAX_LOG_GROUPS} log groups (got {len(value)})")
        return value


class AthenaSettings(_Group):
    """The Athena tables over ALB access logs and CloudTrail, and where queries run."""

    model_config = _prefixed("athena_")

    database: str = Field("aiops_db", description="Glue/Athena database of the log tables")
    alb_table: str = Field("alb_access_logs", description="Athena table over ALB access logs")
    cloudtrail_table: str = Field(
        "cloud_trail_logs", description="Athena table over CloudTrail logs"
    )
    workgroup: str = Field("primary", description="Athena workgroup queries run in")
    output_location: str | None = Field(None, description="s3://bucket/prefix/ for results")

    @field_validator("database", "alb_table", "cloudtrail_table")
    @classmethod
    def _glue_name(cls, value: str) -> str:
        # Glue names: letters, digits, underscore (hyphen tolerated); the names are also
        # spliced into SQL, so quotes or spaces must never get through.
        if not GLUE_NAME.fullmatch(value):
            raise ValueError("a Glue name: letters, digits and _ (e.g. aiops_db)")
        return value

    @field_validator("cloudtrail_table")
    @classmethod
    def _distinct_tables(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("alb_table"):
            raise ValueError("the same name as athena_alb_table; the two tables need their own")
        return value


class BudgetSettings(_Group):
    """What one investigation may spend."""

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


class PriceSettings(_Group):
    """Public list prices, USD; the one place they are written."""

    logs_insights_usd_per_gb: float = Field(0.005, description="Logs Insights scan price")
    athena_usd_per_tb: float = Field(5.0, description="Athena scan price")
    model_usd_per_1k_input_tokens: float = Field(0.003, description="Model input price")
    model_usd_per_1k_output_tokens: float = Field(0.015, description="Model output price")
    model_usd_per_1k_cache_read_tokens: float = Field(
        0.0003, description="Model price of input tokens read from the prompt cache"
    )
    model_usd_per_1k_cache_write_tokens: float = Field(
        0.00375, description="Model price of input tokens written to the prompt cache"
    )


class CheckpointSettings(_Group):
    """Where thread state (conversation, evidence) is kept between turns."""

    model_config = _prefixed("checkpoint_")

    backend: Literal["sqlite", "dynamodb", "memory"] = Field(
        "sqlite", description="Where thread state (conversation, evidence) is kept"
    )
    path: Path = Field(
        Path(".fa2/checkpoints.sqlite"), description="SQLite checkpoint file (sqlite backend)"
    )
    dynamodb_table: str | None = Field(
        None, alias="dynamodb_table", description="Checkpoint table (dynamodb backend)"
    )
    ttl_days: int = Field(
        30, ge=1, le=3650, description="Days a thread is kept in DynamoDB before it expires (TTL)"
    )


class SlackSettings(_Group):
    """The Slack door: its secrets (also read from their usual `SLACK_*` names) and channels."""

    model_config = _prefixed("slack_")

    bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-...) the app posts with")
    signing_secret: SecretStr | None = Field(
        None, description="Verifies that requests come from Slack"
    )
    app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-...) for Socket Mode"
    )
    api_url: str = Field(
        "https://slack.com/api/",
        description="Base URL of the Slack Web API (a local stand-in in tests)",
    )
    channels: StringList = Field(
        default_factory=list, description="Channel ids fa2 answers in (empty: any it is invited to)"
    )
    auto_investigate: bool = Field(False, description="Start at once on an alarm message")
    max_concurrent_per_channel: int = Field(
        2, ge=1, le=20, description="Investigations running at once in one channel"
    )
    max_concurrent: int = Field(
        4, ge=1, le=100, description="Investigations running at once in the whole workspace"
    )
    max_queued_per_channel: int = Field(
        3, ge=0, le=100, description="Investigations waiting in line in one channel"
    )
    max_queued: int = Field(
        10, ge=0, le=500, description="Investigations waiting in line in the whole workspace"
    )
    max_investigations_per_hour: int = Field(
        30,
        ge=1,
        le=10_000,
        description="Investigations and follow-ups accepted per rolling hour, workspace-wide "
        "(the cost cap: past it requests are refused)",
    )
    report_channel: str | None = Field(
        None, description="Where one-shot alarm-event investigations are posted"
    )

    @field_validator("channels", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _string_list(value)


class KnowledgeSettings(_Group):
    """Runbooks the agent may search: a Bedrock knowledge base on AWS, else a local folder."""

    knowledge_base_id: str | None = Field(
        None,
        pattern=r"^[0-9A-Za-z]{10}$",
        description="Bedrock knowledge base searched by search_runbooks (Retrieve); unset: "
        "the local runbooks folder is indexed instead",
    )
    knowledge_base_results: int = Field(
        5, ge=1, le=100, description="Passages one runbook search returns (numberOfResults)"
    )
    knowledge_base_search_type: Literal["HYBRID", "SEMANTIC"] = Field(
        "HYBRID", description="Retrieve's search type (HYBRID: keywords and vectors)"
    )
    knowledge_base_reranker_model_arn: str | None = Field(
        None,
        pattern=r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+::foundation-model/.+$",
        description="Bedrock reranking model applied to Retrieve's results (unset: none)",
    )
    runbooks_dir: Path | None = Field(
        None,
        description="Folder of markdown/text runbooks searched locally (SQLite FTS5, BM25); "
        "a bundle's own runbooks/ folder is searched too",
    )


class MemorySettings(_Group):
    """Past incidents: where finished investigations are remembered for later ones."""

    incident_memory: Literal["sqlite", "dynamodb", "off"] = Field(
        "sqlite",
        description="Where finished investigations are remembered (find_similar_incidents)",
    )
    incident_memory_path: Path = Field(
        Path(".fa2/incidents.sqlite"), description="SQLite file of past incidents (sqlite)"
    )
    incident_memory_table: str | None = Field(
        None,
        description="DynamoDB table of past incidents (dynamodb; default: dynamodb_table, "
        "the deployed state table)",
    )


class FeatureSettings(_Group):
    """The features beside investigations, each of which a deployment may leave out: off, its
    Slack subcommand is refused and the deployment grants none of the reads only it needs."""

    insight_enabled: bool = Field(
        True,
        description="Metrics questions (`/fa2 insight`); off: the Slack subcommand is refused "
        "(its CloudWatch reads stay: investigations use them too)",
    )
    findings_report_enabled: bool = Field(
        True,
        description="Security findings report (`/fa2 findings`); off: the Slack subcommand is "
        "refused and the deployment grants no Security Hub or GuardDuty read",
    )


# Environment variables read before `FA2_<KEY>` (the Slack secrets' usual names).
_USUAL_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "slack_bot_token": ("SLACK_BOT_TOKEN",),
    "slack_signing_secret": ("SLACK_SIGNING_SECRET",),
    "slack_app_token": ("SLACK_APP_TOKEN",),
}


class Settings(BaseSettings):
    """All of fa2's settings, one group per concern; hand a component only its group.

    Sources stay flat (`FA2_REGION`, `region = ...` in fa2.toml, `Settings(region=...)`):
    each flat key is routed to its group before validation (`SETTING_KEYS`)."""

    model_config = SettingsConfigDict(env_prefix="FA2_", extra="forbid", validate_default=True)

    aws: AwsSettings = Field(default_factory=lambda: AwsSettings.model_validate({}))
    investigator: InvestigatorSettings = Field(
        default_factory=lambda: InvestigatorSettings.model_validate({})
    )
    telemetry: TelemetrySettings = Field(
        default_factory=lambda: TelemetrySettings.model_validate({})
    )
    athena: AthenaSettings = Field(default_factory=lambda: AthenaSettings.model_validate({}))
    budgets: BudgetSettings = Field(default_factory=lambda: BudgetSettings.model_validate({}))
    prices: PriceSettings = Field(default_factory=lambda: PriceSettings.model_validate({}))
    checkpoints: CheckpointSettings = Field(
        default_factory=lambda: CheckpointSettings.model_validate({})
    )
    slack: SlackSettings = Field(default_factory=lambda: SlackSettings.model_validate({}))
    knowledge: KnowledgeSettings = Field(
        default_factory=lambda: KnowledgeSettings.model_validate({})
    )
    memory: MemorySettings = Field(default_factory=lambda: MemorySettings.model_validate({}))
    features: FeatureSettings = Field(default_factory=lambda: FeatureSettings.model_validate({}))
    deploy: dict[str, Any] = Field(
        default_factory=dict,
        description="The [deploy] table of fa2.toml: AWS CDK parameters, validated by "
        "infra/parameters.py; the agent ignores it",
    )

    @model_validator(mode="before")
    @classmethod
    def _route_flat_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        routed: dict[str, Any] = {}
        for key, value in data.items():
            if key in SETTING_KEYS and not (key in GROUPS and isinstance(value, dict | BaseModel)):
                group = SETTING_KEYS[key].group
                table = routed.setdefault(group, {})
                if isinstance(table, BaseModel):
                    table = routed[group] = table.model_dump(by_alias=True, exclude_unset=True)
                table[key] = value
            elif key in GROUPS and isinstance(routed.get(key), dict):
                nested = value.model_dump(by_alias=True) if isinstance(value, BaseModel) else value
                routed[key] = {**nested, **routed[key]}
            else:
                routed[key] = value
        return routed

    def updated(self, **values: Any) -> Settings:
        """A copy with some settings replaced, named by their flat keys (`bundle=...`)."""
        changes: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            if key not in SETTING_KEYS:
                raise TypeError(f"{key!r} is not a setting")
            changes.setdefault(SETTING_KEYS[key].group, {})[SETTING_KEYS[key].field] = value
        replaced = {}
        for group, fields in changes.items():
            current = getattr(self, group)
            replaced[group] = type(current).model_validate(current.model_dump() | fields)
        return self.model_copy(update=replaced)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            _FlatEnvironment(settings_cls),
            env_settings,  # FA2_DEPLOY (JSON), the one setting outside the groups
        ]
        toml_path = config_file()
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


GROUPS: dict[str, type[_Group]] = {
    name: field.annotation
    for name, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, _Group)
}


class SettingKey(NamedTuple):
    """Where a flat key (`athena_workgroup`) lives: its group and its field there."""

    group: str
    field: str
    info: FieldInfo


SETTING_KEYS: dict[str, SettingKey] = {
    (info.alias or name): SettingKey(group, name, info)
    for group, model in GROUPS.items()
    for name, info in model.model_fields.items()
}


class _FlatEnvironment(PydanticBaseSettingsSource):
    """`FA2_<KEY>` (and the usual `SLACK_*` names), case-insensitive, as flat keys."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every key at once

    def __call__(self) -> dict[str, Any]:
        environment = {name.upper(): value for name, value in os.environ.items()}
        found: dict[str, Any] = {}
        for key in SETTING_KEYS:
            for name in env_names(key):
                if name in environment:
                    found[key] = environment[name]
                    break
        return found


def config_file() -> Path | None:
    """The fa2.toml in effect: `FA2_CONFIG` if set, else ./fa2.toml if it exists."""
    explicit = os.environ.get("FA2_CONFIG")
    if explicit:
        return Path(explicit)
    default = Path("fa2.toml")
    return default if default.is_file() else None


def env_names(key: str) -> list[str]:
    """The environment variables that set the flat key `key`, in the order they are read."""
    return [*_USUAL_ENV_NAMES.get(key, ()), f"FA2_{key.upper()}"]


def secret_fields() -> list[str]:
    """Flat keys of the settings whose values must never be printed."""
    return [key for key, where in SETTING_KEYS.items() if "SecretStr" in str(where.info.annotation)]


def setting_value(settings: Settings, key: str) -> Any:
    """The value of the flat key `key` (`deploy` included)."""
    if key not in SETTING_KEYS:
        return getattr(settings, key)
    where = SETTING_KEYS[key]
    return getattr(getattr(settings, where.group), where.field)


def _describe(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error["loc"]]
    if len(loc) > 1 and loc[0] in GROUPS:
        # name a setting by its flat key, as the user wrote it (pydantic may give the field)
        flat = {(where.group, where.field): key for key, where in SETTING_KEYS.items()}
        loc = [flat.get((loc[0], loc[1]), loc[1]), *loc[2:]]
    key = ".".join(loc) or "(settings)"
    field_name = loc[0] if loc else ""
    if field_name in SETTING_KEYS or field_name == "deploy":
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
