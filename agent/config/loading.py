"""Reading the settings: `load_settings` (every failure one line per problem, naming the key
as the user wrote it), and looking a setting up by its flat key."""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError as PydanticSettingsError

from agent.config.base import SettingsError
from agent.config.settings import GROUPS, SETTING_KEYS, Settings, config_file, env_names


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
