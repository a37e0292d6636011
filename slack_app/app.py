"""The Bolt app: thin listeners that parse the payload, ack at once and hand the work to
`slack_app.jobs` as lazy listeners (a re-invocation on Lambda, a worker thread when served
locally). Nothing here imports the agent stack; `jobs` imports it when work starts.

Safety checks that must hold before anything runs live in one middleware: Slack's retries
and repeated event ids are dropped, fa2's own and other apps' edits are ignored, and events
from channels outside the allowlist never reach a listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond
from slack_bolt.lazy_listener.thread_runner import ThreadLazyListenerRunner
from slack_sdk import WebClient

from agent.config import Settings
from slack_app import findings_command, insight_command
from slack_app.contract import ACTION_IDS, MODAL_CALLBACK_ID, SLASH_COMMANDS
from slack_app.feedback import register_feedback, workspace_of
from slack_app.investigator import Investigator, ServiceInvestigator
from slack_app.jobs import Jobs
from slack_app.modal import parse_origin, parse_submission
from slack_app.payloads import (
    BlockAction,
    EventCallback,
    MessageEvent,
    SlashCommand,
    ViewSubmission,
)
from slack_app.store import SlackStore, store_from_settings
from slack_app.text import strip_mentions

log = logging.getLogger(__name__)

IGNORED_SUBTYPES = {
    "message_changed",
    "message_deleted",
    "channel_join",
    "channel_leave",
    "thread_broadcast",
}
EVENT_DEDUP_SECONDS = 24 * 3600


class _SameTokenNotice(logging.Filter):
    """Bolt warns that `token` is unused when SLACK_BOT_TOKEN is set and a client is given;
    our client carries that very token, so the warning is noise at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


BOLT_LOGGER = logging.getLogger("fa2.slack.bolt")
BOLT_LOGGER.addFilter(_SameTokenNotice())


class ChannelPolicy:
    def __init__(self, channels: list[str]) -> None:
        self.channels = set(channels)

    def allows(self, channel: str | None) -> bool:
        return not self.channels or channel in self.channels


def work_threads(settings: Settings) -> int:
    """Threads for lazy work: every running and queued investigation, plus a few for forms,
    feedback and messages that start nothing."""
    return settings.slack.max_concurrent + settings.slack.max_queued + 4


def create_app(
    settings: Settings,
    *,
    investigator: Investigator | None = None,
    store: SlackStore | None = None,
    process_before_response: bool = False,
    work_executor: Executor | None = None,
    progress_interval: float = 1.0,
    queue_poll_seconds: float = 1.0,
) -> App:
    """Build the app. `investigator` replaces the real agent (`agent.service`) in tests.

    When served locally, acks run on Bolt's own thread pool and the work (lazy listeners) on
    `work_executor`, so a burst of investigations can never delay an ack. On Lambda the
    adapter replaces the lazy runner with a self-invocation.
    """
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    secret = (
        settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else None
    )
    if not token:
        raise ValueError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    if not secret and not settings.slack.app_token:
        raise ValueError("SLACK_SIGNING_SECRET is not set (needed to verify requests from Slack)")
    app = App(
        client=WebClient(token=token, base_url=settings.slack.api_url),
        signing_secret=secret or "",
        process_before_response=process_before_response,
        token_verification_enabled=False,  # auth.test runs on the first request, not at import
        raise_error_for_unhandled_request=False,
        logger=BOLT_LOGGER,
    )
    app.listener_runner.lazy_listener_runner = ThreadLazyListenerRunner(
        app.logger,
        work_executor
        or ThreadPoolExecutor(max_workers=work_threads(settings), thread_name_prefix="fa2-work"),
    )

    def make_investigator() -> Investigator:  # built on first use: keeps the ack path light
        return investigator if investigator is not None else ServiceInvestigator(settings)

    jobs = Jobs(
        settings=settings,
        store=store or store_from_settings(settings),
        client=app.client,
        investigator_factory=make_investigator,
        progress_interval=progress_interval,
        queue_poll_seconds=queue_poll_seconds,
    )
    register(app, jobs, ChannelPolicy(settings.slack.channels))
    return app


def register(app: App, jobs: Jobs, policy: ChannelPolicy) -> None:
    """Attach fa2's middleware and listeners to `app`."""
    # `/fa2 insight ...` and `/fa2 findings ...` (or the same after an @fa2 mention); any
    # other /fa2 text opens the investigation form.
    subcommands = {module.NAME: module for module in (insight_command, findings_command)}

    @app.use
    def drop_repeats_and_noise(
        request: BoltRequest, body: dict[str, Any], context: Any, next: Callable[[], None]
    ) -> BoltResponse | None:
        if request.lazy_only or body.get("type") != "event_callback":
            next()
            return None
        callback = EventCallback.model_validate(body)
        event = callback.event
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        if event.get("type") in ("message", "app_mention"):
            own = event.get("user") == context.bot_user_id or (
                event.get("bot_id") is not None and event.get("bot_id") == context.bot_id
            )
            if (
                own
                or event.get("subtype") in IGNORED_SUBTYPES
                or not policy.allows(event.get("channel"))
            ):
                return BoltResponse(status=200, body="")
        if callback.event_id and not jobs.store.claim(
            f"event:{callback.event_id}", EVENT_DEDUP_SECONDS
        ):
            log.info("dropping repeated event %s (retry %s)", callback.event_id, retry)
            return BoltResponse(status=200, body="")
        next()
        return None

    def ack_now(ack: Ack) -> None:
        ack()

    def on_message(body: dict[str, Any], context: Any) -> None:
        event = MessageEvent.model_validate(body["event"])
        if event.mentions(context.bot_user_id):
            return  # the app_mention listener answers it
        if event.bot_id is not None:
            try:
                jobs.on_alarm_message(body["event"], event.channel, event.ts, workspace_of(context))
            except Exception:
                jobs.fail(event.channel, event.ts, "Reading the alarm notification failed")
        elif (
            event.in_thread
            and strip_mentions(event.text)
            and jobs.store.is_answered(event.thread_id)
        ):
            jobs.follow_up(
                strip_mentions(event.text),
                channel=event.channel,
                thread_ts=event.root_ts,
                workspace=workspace_of(context),
            )

    def on_mention(body: dict[str, Any], context: Any) -> None:
        event = MessageEvent.model_validate(body["event"])
        question = strip_mentions(event.text)
        word, _, rest = question.partition(" ")
        subcommand = subcommands.get(word.lower())
        if not question:
            jobs.post(event.channel, event.root_ts, _help_message())
        elif subcommand is not None and subcommand.mentioned(rest, jobs.settings):
            # `@fa2 insight ...` / `@fa2 findings [days]`: answered in this thread
            subcommand.on_mention(
                jobs, rest, channel=event.channel, user=event.user or "", thread_ts=event.root_ts
            )
        elif event.in_thread and jobs.store.is_answered(event.thread_id):
            jobs.follow_up(
                question,
                channel=event.channel,
                thread_ts=event.root_ts,
                workspace=workspace_of(context),
            )
        else:
            jobs.question(
                question, channel=event.channel, ts=event.root_ts, workspace=workspace_of(context)
            )

    app.event("message")(ack=ack_now, lazy=[on_message])
    app.event("app_mention")(ack=ack_now, lazy=[on_mention])

    def open_alarm_form(body: dict[str, Any]) -> None:
        action = BlockAction.model_validate(body)
        channel, thread_ts = action.channel_id, action.thread_ts
        if channel is None or thread_ts is None or not policy.allows(channel):
            return
        try:
            jobs.open_form_for_alarm(
                trigger_id=action.trigger_id,
                user=action.user.id,
                alarm_key=action.action.value,
                channel=channel,
                thread_ts=thread_ts,
            )
        except Exception:
            jobs.fail(channel, thread_ts, "Opening the form failed", only_for=action.user.id)

    app.action(ACTION_IDS["analyze"])(ack=ack_now, lazy=[open_alarm_form])

    register_feedback(app, jobs, policy)  # 👍/👎 and the verdict buttons (slack_app/feedback.py)

    def show_evidence(body: dict[str, Any]) -> None:
        action = BlockAction.model_validate(body)
        channel = action.channel_id
        if channel is None or not policy.allows(channel):
            return
        try:
            jobs.show_evidence(
                value=action.action.value,
                channel=channel,
                thread_ts=action.thread_ts,
                user=action.user.id,
            )
        except Exception:
            jobs.fail(
                channel, action.thread_ts, "Showing the evidence failed", only_for=action.user.id
            )

    app.action(ACTION_IDS["show_evidence"])(ack=ack_now, lazy=[show_evidence])

    def ack_command(ack: Ack, body: dict[str, Any]) -> None:
        command = SlashCommand.model_validate(body)
        subcommand = subcommands.get(command.subcommand)
        if not policy.allows(command.channel_id):
            ack(text="fa2 is not enabled in this channel.")
        elif subcommand is not None and (refusal := subcommand.refusal(command, jobs.settings)):
            ack(text=refusal)
        else:
            ack()

    def open_command_form(body: dict[str, Any], respond: Respond) -> None:
        command = SlashCommand.model_validate(body)
        if not policy.allows(command.channel_id):
            return
        subcommand = subcommands.get(command.subcommand)
        if subcommand is not None:
            if subcommand.refusal(command, jobs.settings) is not None:
                return  # the ack told the user
            try:
                subcommand.run(command, jobs, respond if command.response_url else None)
            except Exception:
                jobs.fail(
                    command.channel_id,
                    None,
                    f"Starting /fa2 {subcommand.NAME} failed",
                    only_for=command.user_id,
                )
            return
        try:
            jobs.open_command_form(
                trigger_id=command.trigger_id,
                channel=command.channel_id,
                user=command.user_id,
                text=command.text,
            )
        except Exception:
            jobs.fail(command.channel_id, None, "Opening the form failed", only_for=command.user_id)

    for command_name in SLASH_COMMANDS:
        app.command(command_name)(ack=ack_command, lazy=[open_command_form])

    def validate_form(ack: Ack, body: dict[str, Any]) -> None:
        submission = ViewSubmission.model_validate(body)
        parsed = parse_submission(
            submission.view, max_window_hours=jobs.settings.telemetry.max_window_hours
        )
        if isinstance(parsed, dict):
            ack(response_action="errors", errors=parsed)
        else:
            ack()

    def start_from_form(body: dict[str, Any], context: Any) -> None:
        submission = ViewSubmission.model_validate(body)
        parsed = parse_submission(
            submission.view, max_window_hours=jobs.settings.telemetry.max_window_hours
        )
        origin = parse_origin(submission.view)
        if isinstance(parsed, dict) or not policy.allows(origin.channel):
            return
        try:
            jobs.on_form(parsed, origin, workspace_of(context))
        except Exception:
            jobs.fail(origin.channel, origin.thread_ts, "Starting the investigation failed")

    app.view(MODAL_CALLBACK_ID)(ack=validate_form, lazy=[start_from_form])
    insight_command.register(app, jobs, policy.allows)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error(
            "unhandled error in a Slack listener (request type %s)",
            body.get("type"),
            exc_info=error,
        )


def _help_message() -> Any:
    from slack_app.blocks import notice

    return notice(
        "Ask me about an incident, e.g. `@fa2 why did checkout return 5xx in the last 30 minutes?`, "
        "or use `/fa2` to open the investigation form. In a thread I answered, just ask a follow-up. "
        "`/fa2 insight QUESTION` answers a question about metrics; `/fa2 findings [days]` "
        "reports the security findings."
    )
