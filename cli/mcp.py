"""`fa2 mcp`: serve fa2's read-only telemetry tools, `investigate` and `ask` to MCP clients,
over stdio (what Claude Desktop and Amazon Q Developer CLI launch) or, with `--http`,
streamable HTTP on `--host`/`--port` (path /mcp)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from cli.config import settings_or_exit

EXIT_USAGE = 2


def mcp(
    bundle: Path | None = typer.Option(
        None,
        "--bundle",
        "-b",
        help="Serve this incident bundle (offline); default: FA2_BUNDLE, else the AWS account",
    ),
    http: bool = typer.Option(
        False, "--http", help="Streamable HTTP on --host/--port (path /mcp) instead of stdio"
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to bind with --http"),
    port: int = typer.Option(8000, min=1, max=65535, help="Port with --http"),
) -> None:
    """Run fa2 as an MCP server (stdio unless --http)."""
    from agent.memory.sqlite import MemoryConfigError
    from agent.telemetry.base import TelemetryUnavailableError
    from agent.telemetry.bundle import BundleError
    from mcp_server import build_server

    # stdout is the protocol channel on stdio: logs go to stderr only.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = settings_or_exit()
    if bundle is not None:
        settings = settings.updated(bundle=bundle)
    try:
        server = build_server(settings)
    except (BundleError, TelemetryUnavailableError, MemoryConfigError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if http:
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)
