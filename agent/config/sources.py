"""Where the settings come from, readable without pydantic: the fa2.toml in effect, the
environment variables of a flat key, and whether any of some keys is set at all.

A command that must start fast (`fa2 query sql`) asks `set_anywhere` for the few keys it
reads: when none is set it uses their defaults (`DEFAULT_*` here, which the settings models
use too) and never imports pydantic-settings, a sixth of a cached query's time; when one is,
it loads `Settings` as every other command does, with its validation and its messages."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

DEFAULT_ATHENA_DATABASE = "aiops_db"
DEFAULT_ALB_TABLE = "alb_access_logs"
DEFAULT_CLOUDTRAIL_TABLE = "cloud_trail_logs"

# Environment variables read before `FA2_<KEY>` (the Slack secrets' usual names).
_USUAL_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "slack_bot_token": ("SLACK_BOT_TOKEN",),
    "slack_signing_secret": ("SLACK_SIGNING_SECRET",),
    "slack_app_token": ("SLACK_APP_TOKEN",),
}


def config_file() -> Path | None:
    """The fa2.toml in effect: `FA2_CONFIG` if set, else ./fa2.toml if it exists."""
    explicit = os.environ.get("FA2_CONFIG")
    if explicit:
        return Path(explicit)
    default = Path("fa2.toml")
    return default if default.is_file() else None


def env_names(key: str) -> list[str]:
    """The environment variables that set the flat key `key`, in the order they are read."""
    return [*_USUAL_ENV_NAMES.get(key, ()), f"FA2_{key.upper()}"]


def set_anywhere(keys: Iterable[str]) -> bool:
    """Whether a fa2.toml is in effect or the environment sets any of the flat `keys`
    (names compared without case, as `Settings` reads them)."""
    if config_file() is not None:
        return True
    environment = {name.upper() for name in os.environ}
    return any(name in environment for key in keys for name in env_names(key))
