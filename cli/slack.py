"""`fa2 slack serve`: run the Slack app locally, over HTTP (`--port`) or Socket Mode
(`--socket`). With `FA2_MODEL=baseline FA2_BUNDLE=DIR` it runs fully offline over a bundle."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import typer

from cli.config import settings_or_exit

EXIT_USAGE = 2

slack_app_cli = typer.Typer(
    help="Run fa2's Slack app.", no_args_is_help=True, rich_markup_mode=None
)


@slack_app_cli.command()
def serve(
    port: int = typer.Option(
        3000,
        min=0,  # 0: any free port (the URL printed says which)
        max=65535,
        help="HTTP port; Slack posts to http://HOST:PORT/slack/events",
    ),
    host: str = typer.Option(
        "127.0.0.1", help="Interface to bind (0.0.0.0 behind a tunnel or proxy)"
    ),
    socket: bool = typer.Option(
        False, "--socket", help="Socket Mode with SLACK_APP_TOKEN instead of HTTP"
    ),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=1000,
        help="Worker threads (default: the running + queued investigation limits + 4)",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug details"),
) -> None:
    """Serve the Slack app until Ctrl-C."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = settings_or_exit()
    if settings.slack.bot_token is None:
        raise _usage("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…).")
    if socket and settings.slack.app_token is None:
        raise _usage(
            "--socket needs SLACK_APP_TOKEN (an app-level token, xapp-…, with connections:write)."
        )
    if not socket and settings.slack.signing_secret is None:
        raise _usage("SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret).")

    from slack_app.app import create_app, work_threads

    executor = ThreadPoolExecutor(
        max_workers=workers or work_threads(settings), thread_name_prefix="fa2-slack-worker"
    )
    app = create_app(settings, work_executor=executor)
    where = (
        f"bundle {settings.telemetry.bundle}"
        if settings.telemetry.bundle
        else f"AWS {settings.aws.region}"
    )
    typer.echo(f"fa2 Slack app · model {settings.investigator.model} · telemetry from {where}")
    if socket:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack.app_token is not None
        typer.echo("connecting to Slack over Socket Mode (Ctrl-C to stop)")
        SocketModeHandler(app, settings.slack.app_token.get_secret_value()).start()
        return

    from slack_app.server import SlackServer

    try:
        assert settings.slack.signing_secret is not None
        server = SlackServer(
            app,
            signing_secret=settings.slack.signing_secret.get_secret_value(),
            host=host,
            port=port,
        )
    except OSError as exc:
        raise _usage(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    typer.echo(f"listening on {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        server.server_close()
        executor.shutdown(wait=False, cancel_futures=True)


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.add_typer(slack_app_cli, name="slack")
