"""`fa2 config show` and `fa2 config check`: the effective settings, secrets masked, and
where each value came from. Invalid settings print one line per problem and exit 2."""

from __future__ import annotations

import json
import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from agent.config import Settings

# agent.config (pydantic-settings, ~0.2 s) is imported inside the functions that need it:
# every `fa2` command imports this module to register its commands.

MASK = "********"
EXIT_INVALID = 2

config_app = typer.Typer(help="Show and check fa2's settings.", no_args_is_help=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def settings_or_exit() -> Settings:
    """Settings for a command, or the problems on stderr and exit status 2 (no traceback)."""
    from agent.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo("invalid fa2 settings:", err=True)
        for line in exc.problems:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def effective_settings(settings: Settings) -> list[dict[str, Any]]:
    """One row per setting: name, value (secrets masked), origin, description."""
    from agent.config import SETTING_KEYS, Settings, env_names, secret_fields, setting_value

    secrets = set(secret_fields())
    from_file = _file_keys()
    rows = []
    fields = {key: where.info for key, where in SETTING_KEYS.items()}
    fields["deploy"] = Settings.model_fields["deploy"]
    for name, field in fields.items():
        value = setting_value(settings, name)
        if name in secrets:
            shown: Any = MASK if value is not None else None
        elif isinstance(value, os.PathLike):
            shown = os.fspath(value)
        else:
            shown = value
        rows.append(
            {
                "name": name,
                "value": shown,
                "origin": _origin(name, from_file),
                "env": " / ".join(env_names(name)),
                "description": field.description or "",
            }
        )
    return rows


def _file_keys() -> set[str]:
    from agent.config import config_file

    path = config_file()
    if path is None or not path.is_file():
        return set()
    return set(tomllib.loads(path.read_text(encoding="utf-8")))


def _origin(name: str, from_file: set[str]) -> str:
    from agent.config import config_file, env_names

    for env in env_names(name):
        if env in os.environ:
            return f"env {env}"
    if name in from_file:
        return str(config_file())
    return "default"


def _show(output: OutputFormat) -> None:
    settings = settings_or_exit()
    rows = effective_settings(settings)
    if output is OutputFormat.json:
        typer.echo(json.dumps({row["name"]: row["value"] for row in rows}, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    from agent.config import config_file

    source = config_file()
    table = Table(title=f"fa2 settings (file: {source or 'none'})", title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("value", overflow="fold")
    table.add_column("from", style="dim")
    table.add_column("environment variable", style="dim")
    for row in rows:
        value = row["value"]
        text = (
            "(not set)"
            if value is None
            else json.dumps(value)
            if isinstance(value, list)
            else str(value)
        )
        table.add_row(row["name"], text, row["origin"], row["env"])
    Console(soft_wrap=False).print(table)


def advice(settings: Settings) -> list[str]:
    """Settings that are valid but will limit what an investigation can do."""
    notes = []
    if settings.telemetry.bundle is None:
        if not settings.telemetry.log_groups:
            notes.append(
                "log_groups is empty: Logs Insights queries need log groups (FA2_LOG_GROUPS)"
            )
        if settings.athena.output_location is None:
            notes.append(
                "athena_output_location is not set: Athena needs it unless the workgroup "
                f"'{settings.athena.workgroup}' defines one (FA2_ATHENA_OUTPUT_LOCATION)"
            )
    elif not settings.telemetry.bundle.is_dir():
        notes.append(f"bundle {settings.telemetry.bundle} is not a folder (FA2_BUNDLE)")
    if settings.investigator.model == "bedrock" and not settings.investigator.model_id:
        notes.append("model is bedrock but model_id is empty (FA2_MODEL_ID)")
    if settings.slack.bot_token is None or settings.slack.signing_secret is None:
        notes.append("Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): CLI only")
    return notes


SQLITE_HEADER = b"SQLite format 3\x00"


def storage_problems(settings: Settings) -> list[str]:
    """SQLite files that every investigation opens and that cannot be used (a folder, a file
    that is not a database): `fa2 analyze` would refuse them, so `check` says so first."""
    files = []
    if settings.checkpoints.backend == "sqlite":
        files.append(("checkpoint_path", "FA2_CHECKPOINT_PATH", settings.checkpoints.path))
    if settings.memory.incident_memory == "sqlite":
        files.append(
            (
                "incident_memory_path",
                "FA2_INCIDENT_MEMORY_PATH",
                settings.memory.incident_memory_path,
            )
        )
    problems = []
    for key, env, configured in files:
        path = Path(configured).expanduser()
        if path.is_dir():
            problems.append(f"{key} [{env}]: {path} is a folder; give a file path inside it")
        elif path.is_file() and path.stat().st_size:
            with path.open("rb") as handle:
                if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                    problems.append(f"{key} [{env}]: {path} is not a SQLite database")
    return problems


@config_app.command("show")
def show(
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json"),
) -> None:
    """Print the effective settings (environment over fa2.toml over defaults), secrets masked."""
    _show(output)


@config_app.command("check")
def check() -> None:
    """Validate the settings: exit 0 when valid (with advice), 2 with one line per problem."""
    from agent.config import config_file

    settings = settings_or_exit()
    problems = storage_problems(settings)
    if problems:
        typer.echo("invalid fa2 settings:", err=True)
        for line in problems:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(EXIT_INVALID)
    source = config_file()
    typer.echo(
        f"fa2 settings are valid (file: {source or 'none'}; model: {settings.investigator.model})."
    )
    for note in advice(settings):
        typer.echo(f"  note: {note}")


def register(app: typer.Typer) -> None:
    """Add `fa2 config ...` to the top-level app."""
    app.add_typer(config_app, name="config")
