"""What every settings group is made of: the group model, flat keys with a prefix, lists
from one environment variable, and the one error type for invalid settings."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict
from pydantic_settings import NoDecode


class SettingsError(Exception):
    """Invalid configuration; str() is one line per problem, `problems` holds the lines."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(
            "invalid fa2 settings:\n" + "\n".join(f"  {line}" for line in self.problems)
        )


def string_list(value: Any) -> Any:
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


class SettingsGroup(BaseModel):
    """A group of settings for one concern. Each field keeps its flat key (`fa2.toml` key and
    `FA2_<KEY>` variable): the field's alias when the group drops a prefix the key carries
    (`slack_bot_token` is `slack.bot_token`), else its name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True)


def prefixed(prefix: str) -> ConfigDict:
    """A group whose flat keys carry `prefix` (`slack_bot_token`) that its fields drop
    (`slack.bot_token`); a field with its own alias keeps it."""
    return ConfigDict(**SettingsGroup.model_config, alias_generator=lambda name: prefix + name)
