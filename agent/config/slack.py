"""Settings of the Slack door."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator

from agent.config.base import SettingsGroup, StringList, prefixed, string_list


class SlackSettings(SettingsGroup):
    """The Slack door: its secrets (also read from their usual `SLACK_*` names) and channels."""

    model_config = prefixed("slack_")

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
        return string_list(value)
