"""`Settings`: every group under one object, read from flat keys (`FA2_<KEY>` variables,
`fa2.toml`, keyword arguments) that are routed to their groups."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from pydantic import BaseModel, Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from agent.config.aws import AwsSettings
from agent.config.base import SettingsGroup
from agent.config.features import FeatureSettings
from agent.config.investigator import BudgetSettings, InvestigatorSettings, PriceSettings
from agent.config.knowledge import KnowledgeSettings
from agent.config.slack import SlackSettings
from agent.config.sources import config_file, env_names
from agent.config.storage import CheckpointSettings, MemorySettings
from agent.config.telemetry import AthenaSettings, TelemetrySettings


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


GROUPS: dict[str, type[SettingsGroup]] = {
    name: field.annotation
    for name, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, SettingsGroup)
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
