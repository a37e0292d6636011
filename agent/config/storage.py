"""Settings of what fa2 keeps: investigation threads (checkpoints) and past incidents."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.config.base import SettingsGroup, prefixed


class CheckpointSettings(SettingsGroup):
    """Where thread state (conversation, evidence) is kept between turns."""

    model_config = prefixed("checkpoint_")

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


class MemorySettings(SettingsGroup):
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
