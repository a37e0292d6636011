"""The `fa2` typer application. Each area registers its own commands from one module here, and
imports heavy dependencies (DuckDB, LangGraph, boto3) inside its command functions so that
`fa2 --help` stays fast."""

from __future__ import annotations

import typer

from cli import analyze, bundle, config, eval, findings, incidents, insight, mcp, query, slack

app = typer.Typer(
    name="fa2",
    help="fa2 — failure-analysis assistant for AWS workloads.",
    no_args_is_help=True,
    # Plain click help: rich-formatted help imports ~0.17 s of rich and markdown-it.
    rich_markup_mode=None,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print fa2's version."""
    from importlib.metadata import version as dist_version

    typer.echo(f"fa2 {dist_version('fa2')}")


for module in (config, bundle, query, analyze, insight, findings, eval, slack, mcp, incidents):
    module.register(app)
