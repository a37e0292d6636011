"""`/fa2 insight [--days N] QUESTION`: a question about CloudWatch metrics, answered in a
thread with the cited series and a chart (`agent.insight` does the work).

With no question, a form asks for it and for the days. The command checks its arguments
while acking (a wrong `--days` is answered at once, privately); the answer itself runs after
the ack under the same cost guard as investigations (`Jobs.run_guarded`). Nothing here
imports the agent stack at module level: the ack path stays light.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App

from agent.config import Settings
from slack_app.payloads import SlashCommand, ViewSubmission
from slack_app.subcommands import (
    ArgumentError,
    Respond,
    explain_failure,
    parse_days,
    refusal_of,
    start_thread,
    tell,
    upload,
)
from slack_app.text import escape_mrkdwn, plain, truncate

log = logging.getLogger(__name__)

NAME = "insight"
CALLBACK_ID = "fa2_insight_form"
# Metrics Insights queries read the most recent two weeks of metrics.
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 14, 7
USAGE = "/fa2 insight [--days N] QUESTION"
MAX_QUESTION = 1000
QUESTION, DAYS, VALUE = "question", "days", "value"
_DAYS_OPTION = re.compile(r"^--days(?:=|\s+)(\S*)\s*", re.IGNORECASE)


class InsightRequest(BaseModel):
    question: str  # "" asks with the form
    days: int | None = None  # None: the last DEFAULT_DAYS days, or offline the bundle's window


class InsightOrigin(BaseModel):
    """Where the form was opened; kept in the modal's private_metadata."""

    channel: str
    user: str


def parse(arguments: str) -> InsightRequest:
    """`[--days N] QUESTION` -> the request; ArgumentError with the reply for bad days."""
    text = arguments.strip()
    days = None
    option = _DAYS_OPTION.match(text)
    if option:
        days_text = option.group(1) or "(nothing)"
        text = text[option.end() :]
        days = parse_days(days_text, low=MIN_DAYS, high=MAX_DAYS, default=DEFAULT_DAYS, usage=USAGE)
    if len(text) > MAX_QUESTION:
        raise ArgumentError(
            f"the question is {len(text)} characters; keep it under {MAX_QUESTION}."
        )
    return InsightRequest(question=text, days=days)


def refusal(command: SlashCommand, settings: Settings) -> str | None:
    """The private reply the ack gives instead of starting (None: start)."""
    return refusal_of(
        "insight",
        enabled=settings.features.insight_enabled,
        setting="insight_enabled",
        check=parse,
        arguments=command.arguments,
    )


def run(command: SlashCommand, jobs: Any, respond: Respond | None) -> None:
    """After the ack: open the form when no question was given, else answer it."""
    request = parse(command.arguments)
    if not request.question:
        jobs.client.views_open(
            trigger_id=command.trigger_id,
            view=insight_modal(
                InsightOrigin(channel=command.channel_id, user=command.user_id),
                request.days or DEFAULT_DAYS,
            ),
        )
        return
    answer(jobs, request, channel=command.channel_id, user=command.user_id, respond=respond)


def answer(
    jobs: Any,
    request: InsightRequest,
    *,
    channel: str,
    user: str,
    respond: Respond | None = None,
    thread_ts: str | None = None,
) -> Any:
    """Answer in `thread_ts` (asked by a mention there), else in the thread of a new parent
    message; returns the InsightAnswer."""
    if request.days is None and jobs.settings.telemetry.bundle is None:
        request = request.model_copy(update={"days": DEFAULT_DAYS})
    days = request.days
    period = "the bundle's window" if days is None else f"last {days} day{'s' if days != 1 else ''}"
    if thread_ts is None:
        thread_ts = start_thread(
            jobs,
            channel=channel,
            user=user,
            respond=respond,
            text=(
                f"📈 <@{user}> asked fa2 about metrics ({period}): "
                f"{escape_mrkdwn(truncate(request.question, 500))}"
            ),
        )
    if thread_ts is None:
        return None
    zone = jobs.user_time(user).tz
    return jobs.run_guarded(
        "metrics question",
        channel=channel,
        thread_ts=thread_ts,
        title=truncate(request.question, 80),
        work=lambda status: _answer(jobs.settings, request, zone, status),
        publish=lambda result: publish(
            jobs, result, channel=channel, thread_ts=thread_ts, user=user
        ),
        done_line=_done_line,
        explain=explain_failure,
    )


def mentioned(arguments: str, settings: Settings) -> bool:
    """`@fa2 insight QUESTION` is this subcommand; so is the bare word, which is answered
    with the usage (it started a whole investigation of the word "insight")."""
    return True


def on_mention(jobs: Any, arguments: str, *, channel: str, user: str, thread_ts: str) -> Any:
    """`@fa2 insight [--days N] QUESTION` in a channel or a thread: answered in that thread;
    what the ack of the slash command would refuse is told privately instead."""
    command = SlashCommand(
        command="/fa2", text=f"{NAME} {arguments}", channel_id=channel, user_id=user, trigger_id=""
    )
    reason = refusal(command, jobs.settings)
    if reason is None and not parse(arguments).question:
        reason = (
            "Ask a question after the word: `@fa2 insight [--days N] QUESTION`, e.g. "
            "`@fa2 insight top 5 Lambda functions by Duration` (or `/fa2 insight` for the form)."
        )
    if reason is not None:
        tell(jobs, user=user, channel=channel, thread_ts=thread_ts, text=reason)
        return None
    return answer(jobs, parse(arguments), channel=channel, user=user, thread_ts=thread_ts)


def _answer(settings: Settings, request: InsightRequest, zone: str, progress: Any) -> Any:
    import agent.service as service

    return service.insight_from_settings(
        request.question, days=request.days, settings=settings, tz=zone, on_progress=progress
    )


def _done_line(result: Any) -> str:
    cited = len(result.cited_evidence())
    return f"Done: {cited} cited series from {result.usage.tool_calls} queries"


def publish(jobs: Any, result: Any, *, channel: str, thread_ts: str, user: str) -> None:
    """The answer's blocks in the thread, then the chart and the markdown as files."""
    from agent.insight.render import insight_to_markdown
    from slack_app.insight_blocks import insight_blocks, insight_fallback_text

    jobs.client.chat_postMessage(
        channel=channel,
        thread_ts=thread_ts,
        text=insight_fallback_text(result),
        blocks=insight_blocks(result),
    )
    files: list[dict[str, Any]] = []
    if result.chart_png:
        files.append(
            {
                "content": result.chart_png,
                "filename": "fa2-insight-chart.png",
                "title": plain(truncate(result.chart_title or result.question, 100)),
            }
        )
    files.append(
        {
            "content": insight_to_markdown(result),
            "filename": "fa2-insight.md",
            "title": plain(f"fa2 insight: {truncate(result.question, 100)}"),
        }
    )
    upload(
        jobs,
        files,
        channel=channel,
        thread_ts=thread_ts,
        user=user,
        what="the chart and the answer's markdown",
    )


# --- the form -------------------------------------------------------------------------------


def insight_modal(origin: InsightOrigin, days: int = DEFAULT_DAYS) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": origin.model_dump_json(),  # two ids: far under Slack's 3000
        "title": {"type": "plain_text", "text": "Ask fa2 about metrics"},
        "submit": {"type": "plain_text", "text": "Ask"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": QUESTION,
                "label": {"type": "plain_text", "text": "Question"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": VALUE,
                    "multiline": True,
                    "max_length": MAX_QUESTION,
                    "placeholder": {
                        "type": "plain_text",
                        "text": "Which Lambda function's p99 duration rose most this week?",
                    },
                },
            },
            {
                "type": "input",
                "block_id": DAYS,
                "label": {"type": "plain_text", "text": "Days to look back"},
                "element": {
                    "type": "number_input",
                    "action_id": VALUE,
                    "is_decimal_allowed": False,
                    "min_value": str(MIN_DAYS),
                    "max_value": str(MAX_DAYS),
                    "initial_value": str(days),
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"{MIN_DAYS}–{MAX_DAYS} days (Metrics Insights reads the last "
                        f"two weeks). The answer goes to a new thread in <#{origin.channel}>.",
                    }
                ],
            },
        ],
    }


def parse_submission(view: dict[str, Any]) -> tuple[InsightOrigin, InsightRequest] | dict[str, str]:
    """The form's origin and request, or Slack's `errors` map (block id -> message)."""
    values = view.get("state", {}).get("values", {})
    question = str((values.get(QUESTION, {}).get(VALUE, {}) or {}).get("value") or "").strip()
    days_text = str((values.get(DAYS, {}).get(VALUE, {}) or {}).get("value") or "")
    errors: dict[str, str] = {}
    if not question:
        errors[QUESTION] = "Ask a question about your metrics."
    try:
        days = parse_days(days_text, low=MIN_DAYS, high=MAX_DAYS, default=DEFAULT_DAYS, usage=USAGE)
    except ArgumentError:
        errors[DAYS] = f"A whole number of days from {MIN_DAYS} to {MAX_DAYS}."
        days = DEFAULT_DAYS
    if errors:
        return errors
    try:
        origin = InsightOrigin.model_validate_json(view.get("private_metadata") or "")
    except ValidationError:
        return {QUESTION: "This form has expired; run /fa2 insight again."}
    return origin, InsightRequest(question=question, days=days)


def register(app: App, jobs: Any, allows: Any) -> None:
    """The form's submission listener (only when insight is on)."""
    if not jobs.settings.features.insight_enabled:
        return

    def validate(ack: Ack, body: dict[str, Any]) -> None:
        parsed = parse_submission(ViewSubmission.model_validate(body).view)
        if isinstance(parsed, dict):
            ack(response_action="errors", errors=parsed)
        else:
            ack()

    def start(body: dict[str, Any]) -> None:
        parsed = parse_submission(ViewSubmission.model_validate(body).view)
        if isinstance(parsed, dict):
            return
        origin, request = parsed
        if not allows(origin.channel):
            return
        try:
            answer(jobs, request, channel=origin.channel, user=origin.user)
        except Exception:
            jobs.fail(
                origin.channel, None, "Starting the metrics question failed", only_for=origin.user
            )

    app.view(CALLBACK_ID)(ack=validate, lazy=[start])
