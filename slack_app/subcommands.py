"""What `/fa2 insight` and `/fa2 findings` share: the days argument, the thread each answer
gets, private replies to the asker, uploads into the thread, and the failures a user can act
on (a missing IAM permission, a bad period) told as such rather than as an error id.

A slash command is never sent from a thread (Slack gives it no `thread_ts`), so each command
posts one parent message in the channel and answers in its thread. This module runs on the
ack path's side of the import line: the agent stack is imported only inside functions that
run after the ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_app import blocks
from slack_app.text import escape_mrkdwn

log = logging.getLogger(__name__)

# Slack's errors when the bot may not post where the command was typed.
CANNOT_POST = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_dm_bot"}
)

Respond = Callable[..., Any]


class ArgumentError(ValueError):
    """A subcommand's arguments are wrong; the message is the whole reply to the user."""


def parse_days(text: str, *, low: int, high: int, default: int, usage: str) -> int:
    """A whole number of days in [low, high] (`default` when `text` is empty)."""
    text = text.strip()
    if not text:
        return default
    try:
        days = int(text)
    except ValueError:
        raise ArgumentError(
            f"`{escape_mrkdwn(text[:40])}` is not a number of days. Usage: `{usage}`"
        ) from None
    if not low <= days <= high:
        raise ArgumentError(f"days must be from {low} to {high}; got {days}. Usage: `{usage}`")
    return days


def refusal_of(
    subcommand: str, *, enabled: bool, setting: str, check: Callable[[str], object], arguments: str
) -> str | None:
    """The private reply the ack gives instead of starting `/fa2 <subcommand>` (None: start):
    the feature is turned off, or `check` refuses the arguments."""
    if not enabled:
        return (
            f"`/fa2 {subcommand}` is turned off in this deployment "
            f"(`{setting} = false`); ask your fa2 administrator."
        )
    try:
        check(arguments)
    except ArgumentError as exc:
        return str(exc)
    return None


def tell(
    jobs: Any,
    *,
    user: str,
    channel: str,
    text: str,
    respond: Respond | None = None,
    thread_ts: str | None = None,
) -> None:
    """A private reply to `user`: through the command's response_url when there is one (it
    works in any conversation), else an ephemeral message in `channel`, else a direct message
    from the app."""
    message = blocks.notice(text)
    if respond is not None:
        try:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
            return
        except Exception:
            log.warning("response_url reply failed; trying an ephemeral message", exc_info=True)
    try:
        jobs.post_private(channel, user, thread_ts, message)
        return
    except Exception:
        log.warning("ephemeral message in %s failed; sending a DM", channel, exc_info=True)
    try:
        jobs.client.chat_postMessage(channel=user, text=message.text, blocks=message.blocks)
    except Exception:
        log.exception("could not tell %s: %s", user, text)


def slack_error(exc: Exception) -> str | None:
    """Slack's error code of a failed Web API call (`not_in_channel`), if it is one."""
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "") or None
    return None


def start_thread(
    jobs: Any, *, channel: str, user: str, text: str, respond: Respond | None = None
) -> str | None:
    """Post the parent message (already-escaped mrkdwn) and return its ts; when fa2 may not
    post here, tell the user why and what to do, and return None."""
    try:
        return str(jobs.post(channel, None, blocks.notice(text)))
    except Exception as exc:
        code = slack_error(exc)
        if code not in CANNOT_POST:
            raise
        log.info("cannot post in %s: %s", channel, code)
        tell(
            jobs,
            user=user,
            channel=channel,
            respond=respond,
            text=(
                f"fa2 cannot post in this conversation (Slack says `{code}`), so it cannot "
                "start the thread its answer goes to. Invite it with `/invite @fa2` and ask "
                "again, or ask in a channel it is in (in a direct message, use fa2's own "
                "Messages tab)."
            ),
        )
        return None


def explain_failure(exc: Exception) -> str | None:
    """The message for a failure the user can act on (a missing IAM permission, throttling,
    a query or period fa2 cannot run, a bad bundle); None for anything else (an error id).
    Plain text: the status message it ends escapes it (escaped here too, `<` showed as `&lt;`)."""
    from agent.insight.period import PeriodError
    from agent.telemetry.base import QueryError, TelemetryUnavailableError
    from agent.telemetry.bundle import BundleError

    if isinstance(exc, TelemetryUnavailableError):
        return f"fa2 could not read the data: {exc}"
    if isinstance(exc, QueryError | BundleError | PeriodError | ArgumentError):
        return f"fa2 could not answer: {exc}"
    return None


def upload(
    jobs: Any,
    files: list[dict[str, Any]],
    *,
    channel: str,
    thread_ts: str,
    user: str,
    what: str,
) -> bool:
    """Upload `files` (files_upload_v2 entries) into the thread; on failure tell the user
    privately what Slack said (uploads turned off, too large, scope missing)."""
    try:
        jobs.client.files_upload_v2(file_uploads=files, channel=channel, thread_ts=thread_ts)
        return True
    except Exception as exc:
        code = slack_error(exc) or type(exc).__name__
        log.warning("uploading %s to %s failed: %s", what, channel, code, exc_info=True)
        hint = (
            " (the app needs the `files:write` scope: reinstall it from the manifest)"
            if code in ("missing_scope", "not_allowed_token_type")
            else ""
        )
        tell(
            jobs,
            user=user,
            channel=channel,
            thread_ts=thread_ts,
            text=f"⚠️ fa2 could not upload {escape_mrkdwn(what)}: Slack says `{code}`{hint}.",
        )
        return False
