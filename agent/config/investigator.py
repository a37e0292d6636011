"""Settings of the investigator: the model, its language and the architecture it is told;
what one investigation may spend, and the list prices its cost is counted in."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agent.config.base import SettingsGroup


class InvestigatorSettings(SettingsGroup):
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


class BudgetSettings(SettingsGroup):
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


class PriceSettings(SettingsGroup):
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
