"""Settings of where telemetry is read: the bundle or the log groups, the window, and the
Athena tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from agent.config.base import SettingsGroup, StringList, prefixed, string_list
from agent.config.sources import (
    DEFAULT_ALB_TABLE,
    DEFAULT_ATHENA_DATABASE,
    DEFAULT_CLOUDTRAIL_TABLE,
)
from agent.telemetry.limits import MAX_LOG_GROUPS

GLUE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,254}")


class TelemetrySettings(SettingsGroup):
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
        return string_list(value)

    @field_validator("log_groups")
    @classmethod
    def _at_most_50(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_LOG_GROUPS:
            raise ValueError(f"at most {MAX_LOG_GROUPS} log groups (got {len(value)})")
        return value


class AthenaSettings(SettingsGroup):
    """The Athena tables over ALB access logs and CloudTrail, and where queries run."""

    model_config = prefixed("athena_")

    database: str = Field(
        DEFAULT_ATHENA_DATABASE, description="Glue/Athena database of the log tables"
    )
    alb_table: str = Field(DEFAULT_ALB_TABLE, description="Athena table over ALB access logs")
    cloudtrail_table: str = Field(
        DEFAULT_CLOUDTRAIL_TABLE, description="Athena table over CloudTrail logs"
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
