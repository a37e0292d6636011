"""AWS Lambda entry point for alarm events (EventBridge "CloudWatch Alarm State Change", or
the SNS notification of an alarm action): investigate at once and post the report to
`FA2_SLACK_REPORT_CHANNEL`, in a thread under a short "alarm fired" message.

No Slack request waits on this function, so it may import the agent stack directly.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from agent.config import Settings, load_settings
from slack_app import blocks
from slack_app.investigator import Investigator, ServiceInvestigator
from slack_app.jobs import Jobs
from slack_app.secrets import with_slack_secrets
from slack_app.store import SlackStore, store_from_settings
from slack_app.text import escape_mrkdwn

log = logging.getLogger(__name__)


def run_alarm_event(
    event: dict[str, Any] | str,
    settings: Settings,
    *,
    investigator: Investigator | None = None,
    store: SlackStore | None = None,
) -> dict[str, Any]:
    """Investigate the alarm in `event` and post to the report channel; returns a summary."""
    from agent.alarm import AlarmParseError, parse_alarm

    if not settings.slack.report_channel:
        raise ValueError("FA2_SLACK_REPORT_CHANNEL is not set: where should the report go?")
    if settings.slack.bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    try:
        incident = parse_alarm(event, settings)
    except AlarmParseError as exc:
        log.warning("ignoring an event that is not an alarm: %s", exc)
        return {"status": "ignored", "reason": str(exc)}
    if (incident.state or "ALARM") != "ALARM":
        return {"status": "ignored", "reason": f"alarm state is {incident.state}"}
    client = WebClient(
        token=settings.slack.bot_token.get_secret_value(), base_url=settings.slack.api_url
    )
    jobs = Jobs(
        settings=settings,
        store=store or store_from_settings(settings),
        client=client,
        investigator_factory=lambda: investigator or ServiceInvestigator(settings),
    )
    channel = settings.slack.report_channel
    when = (
        f"{incident.state_change_time:%Y-%m-%d %H:%M:%S}Z" if incident.state_change_time else "now"
    )
    root = jobs.post(
        channel,
        None,
        blocks.notice(
            f"🚨 *{escape_mrkdwn(incident.alarm_name or incident.title)}* went to ALARM at {when}; fa2 is investigating."
        ),
    )
    report = jobs.investigate(incident, channel=channel, thread_ts=root)
    return {
        "status": "posted" if report is not None else "failed",
        "channel": channel,
        "thread_ts": root,
        "hypotheses": len(report.hypotheses) if report is not None else 0,
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_alarm_event(event, with_slack_secrets(load_settings()))
