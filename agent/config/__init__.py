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

One module per concern: `aws`, `investigator` (model, budgets, prices), `telemetry` (and
Athena), `storage` (checkpoints, past incidents), `slack`, `knowledge`, `features`; `base`
holds what every group is made of, `settings` routes the flat keys to their groups, `loading`
reads and checks them. Import from `agent.config`; a new group is a module here plus its
field on `Settings`.

The names below are imported on first use (PEP 562), so `agent.config.sources`, which a
fast command reads, does not pull pydantic-settings in with the package. A name exported
here is in `__all__` and in `_HOMES` (where it lives); a test holds the two equal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.config.aws import AwsSettings
    from agent.config.base import SettingsError, SettingsGroup, StringList
    from agent.config.features import FeatureSettings
    from agent.config.investigator import BudgetSettings, InvestigatorSettings, PriceSettings
    from agent.config.knowledge import KnowledgeSettings
    from agent.config.loading import load_settings, secret_fields, setting_value
    from agent.config.settings import GROUPS, SETTING_KEYS, SettingKey, Settings
    from agent.config.slack import SlackSettings
    from agent.config.sources import config_file, env_names
    from agent.config.storage import CheckpointSettings, MemorySettings
    from agent.config.telemetry import GLUE_NAME, AthenaSettings, TelemetrySettings

__all__ = [
    "GLUE_NAME",
    "GROUPS",
    "SETTING_KEYS",
    "AthenaSettings",
    "AwsSettings",
    "BudgetSettings",
    "CheckpointSettings",
    "FeatureSettings",
    "InvestigatorSettings",
    "KnowledgeSettings",
    "MemorySettings",
    "PriceSettings",
    "SettingKey",
    "Settings",
    "SettingsError",
    "SettingsGroup",
    "SlackSettings",
    "StringList",
    "TelemetrySettings",
    "config_file",
    "env_names",
    "load_settings",
    "secret_fields",
    "setting_value",
]

# Where each public name lives.
_HOMES = {
    "AwsSettings": "aws",
    "SettingsError": "base",
    "SettingsGroup": "base",
    "StringList": "base",
    "FeatureSettings": "features",
    "BudgetSettings": "investigator",
    "InvestigatorSettings": "investigator",
    "PriceSettings": "investigator",
    "KnowledgeSettings": "knowledge",
    "load_settings": "loading",
    "secret_fields": "loading",
    "setting_value": "loading",
    "GROUPS": "settings",
    "SETTING_KEYS": "settings",
    "SettingKey": "settings",
    "Settings": "settings",
    "config_file": "sources",
    "env_names": "sources",
    "SlackSettings": "slack",
    "CheckpointSettings": "storage",
    "MemorySettings": "storage",
    "GLUE_NAME": "telemetry",
    "AthenaSettings": "telemetry",
    "TelemetrySettings": "telemetry",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'agent.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"agent.config.{home}"), name)
    globals()[name] = value
    return value
