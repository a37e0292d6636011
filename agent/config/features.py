"""Settings of the features beside investigations that a deployment may leave out."""

from __future__ import annotations

from pydantic import Field

from agent.config.base import SettingsGroup


class FeatureSettings(SettingsGroup):
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
