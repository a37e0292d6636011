"""`fa2 incidents list | show | forget | mark`: the past incidents fa2 remembers (the store
`incident_memory` names), for the operator: every scope (workspace/account) of the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.config import settings_or_exit

if TYPE_CHECKING:
    from agent.memory import IncidentMemory, PastIncident

EXIT_USAGE = 2
EXIT_NOT_FOUND = 1

incidents_app = typer.Typer(
    help="Past incidents fa2 remembers (find_similar_incidents reads them).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _memory() -> IncidentMemory:
    from agent.memory import open_memory

    settings = settings_or_exit()
    try:
        memory = open_memory(settings)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if memory is None:
        typer.echo("error: incident memory is off (FA2_INCIDENT_MEMORY=off)", err=True)
        raise typer.Exit(EXIT_USAGE)
    return memory


def _thread(memory: IncidentMemory, thread_id: str) -> PastIncident:
    from agent.memory import find_thread

    found = find_thread(memory, thread_id)
    if found is None:
        typer.echo(f"error: no past incident with thread {thread_id!r}", err=True)
        raise typer.Exit(EXIT_NOT_FOUND)
    return found


@incidents_app.command("list")
def list_incidents() -> None:
    """Every remembered incident, newest first, with its scope and feedback."""
    memory = _memory()
    shown = 0
    for scope in memory.scopes():
        for past in memory.in_scope(scope):
            feedback = past.feedback or "-"
            typer.echo(
                f"{past.thread_id}  {past.window.start:%Y-%m-%d %H:%M}Z  {scope}  "
                f"{past.alarm_name or '-'}  [{past.category or '?'}] [{feedback}]  {past.title}"
            )
            shown += 1
    if not shown:
        typer.echo("no past incidents yet")


@incidents_app.command("show")
def show(thread_id: str = typer.Argument(..., help="The investigation's thread id")) -> None:
    """One remembered incident, as JSON."""
    typer.echo(_thread(_memory(), thread_id).model_dump_json(indent=2))


@incidents_app.command("forget")
def forget(thread_id: str = typer.Argument(..., help="The investigation's thread id")) -> None:
    """Delete a remembered incident (its conversation thread is kept)."""
    memory = _memory()
    past = _thread(memory, thread_id)
    memory.forget(past.scope, past.thread_id)
    typer.echo(f"forgot {thread_id}")


@incidents_app.command("mark")
def mark(
    thread_id: str = typer.Argument(..., help="The investigation's thread id"),
    verdict: str = typer.Argument(
        ...,
        metavar="confirmed|wrong|clear",
        help="Its top hypothesis was the cause, was not, or unmark",
    ),
) -> None:
    """Mark a past incident's top hypothesis confirmed or wrong (as Slack feedback does)."""
    if verdict not in {"confirmed", "wrong", "clear"}:
        raise typer.BadParameter(
            f"{verdict!r}: give confirmed, wrong or clear", param_hint="verdict"
        )
    memory = _memory()
    past = _thread(memory, thread_id)
    from agent.memory import mark_verdict

    mark_verdict(memory, past.scope, past.thread_id, None if verdict == "clear" else verdict)  # type: ignore[arg-type]
    typer.echo(f"{thread_id}: {verdict}")


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
