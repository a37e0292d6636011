"""Settings of the AWS account fa2 reads."""

from __future__ import annotations

from pydantic import Field

from agent.config.base import SettingsGroup


class AwsSettings(SettingsGroup):
    region: str = Field("us-east-1", description="AWS region of the workload and of Bedrock")
    endpoint_url: str | None = Field(
        None, description="Override AWS endpoints (moto server in tests); never set in production"
    )
