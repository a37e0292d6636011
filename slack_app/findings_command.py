"""`/fa2 findings [days]`: the security findings report (Security Hub and GuardDuty) of the
last days, in a thread: a short summary as the message, the PDF and the markdown as files.

The days are checked while acking (a wrong value is answered at once, privately); the report
is built after the ack under the same cost guard as investigations (`Jobs.run_guarded`), in
the deployment's language. Nothing here imports the agent stack at module level.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from agent.config import Settings
from slack_app import blocks
from slack_app.payloads import SlashCommand
from slack_app.subcommands import (
    Respond,
    explain_failure,
    parse_days,
    refusal_of,
    start_thread,
    tell,
    upload,
)
from slack_app.text import escape_mrkdwn, truncate

log = logging.getLogger(__name__)

NAME = "findings"
# Security Hub and GuardDuty keep findings for 90 days; the report compares the period with
# the one before it, so both must fit: at most 45 days.
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 45, 7
USAGE = "/fa2 findings [days]"


def parse(arguments: str) -> int:
    """The days (default 7); ArgumentError with the reply for anything else."""
    return parse_days(arguments, low=MIN_DAYS, high=MAX_DAYS, default=DEFAULT_DAYS, usage=USAGE)


def refusal(command: SlashCommand, settings: Settings) -> str | None:
    """The private reply the ack gives instead of starting (None: start)."""
    return refusal_of(
        "findings",
        enabled=settings.features.findings_report_enabled,
        setting="findings_report_enabled",
        check=parse,
        arguments=command.arguments,
    )


def run(command: SlashCommand, jobs: Any, respond: Respond | None) -> None:
    report(
        jobs,
        parse(command.arguments),
        channel=command.channel_id,
        user=command.user_id,
        respond=respond,
    )


def report(
    jobs: Any,
    days: int,
    *,
    channel: str,
    user: str,
    respond: Respond | None = None,
    thread_ts: str | None = None,
) -> Any:
    """Write the report in `thread_ts` (asked by a mention there), else in the thread of a
    new parent message; returns the FindingsReport."""
    period = f"the last {days} day{'s' if days != 1 else ''}"
    if thread_ts is None:
        thread_ts = start_thread(
            jobs,
            channel=channel,
            user=user,
            respond=respond,
            text=f"🛡️ <@{user}> asked fa2 for the security findings report of {period}",
        )
    if thread_ts is None:
        return None
    settings: Settings = jobs.settings
    return jobs.run_guarded(
        "findings report",
        channel=channel,
        thread_ts=thread_ts,
        title=f"Security findings, {period}",
        work=lambda status: _build(settings, days),
        publish=lambda result: publish(
            jobs, result, channel=channel, thread_ts=thread_ts, user=user
        ),
        done_line=lambda result: "Done: the report is below",
        explain=explain_failure,
    )


def mentioned(arguments: str, settings: Settings) -> bool:
    """`@fa2 findings` or `@fa2 findings 14` is this subcommand; `@fa2 findings look odd?` is
    a question like any other."""
    return not arguments.strip() or arguments.strip().isdigit()


def on_mention(jobs: Any, arguments: str, *, channel: str, user: str, thread_ts: str) -> Any:
    """`@fa2 findings [days]` in a channel or a thread: the report in that thread; what the
    slash command's ack would refuse is told privately instead."""
    command = SlashCommand(
        command="/fa2", text=f"{NAME} {arguments}", channel_id=channel, user_id=user, trigger_id=""
    )
    reason = refusal(command, jobs.settings)
    if reason is not None:
        tell(jobs, user=user, channel=channel, thread_ts=thread_ts, text=reason)
        return None
    return report(jobs, parse(arguments), channel=channel, user=user, thread_ts=thread_ts)


def _build(settings: Settings, days: int) -> Any:
    import agent.service as service

    return service.findings_report_from_settings(
        days=days, settings=settings, language=settings.investigator.language
    )


def publish(jobs: Any, result: Any, *, channel: str, thread_ts: str, user: str) -> None:
    """The summary as the thread's message, then the PDF and the markdown as files."""
    from agent.findings.markdown import findings_to_markdown
    from agent.findings.pdf import findings_to_pdf

    language = jobs.settings.investigator.language
    jobs.post(
        channel, thread_ts, blocks.notice(escape_mrkdwn(truncate(result.summary_text(), 2900)))
    )
    with tempfile.TemporaryDirectory(prefix="fa2-findings-") as folder:
        pdf_path = Path(folder) / "fa2-findings.pdf"
        findings_to_pdf(result, pdf_path, language)
        pdf = pdf_path.read_bytes()
    upload(
        jobs,
        [
            {
                "content": pdf,
                "filename": "fa2-findings.pdf",
                "title": "fa2 security findings report",
            },
            {
                "content": findings_to_markdown(result, language),
                "filename": "fa2-findings.md",
                "title": "fa2 security findings report (markdown)",
            },
        ],
        channel=channel,
        thread_ts=thread_ts,
        user=user,
        what="the report's PDF and markdown",
    )
