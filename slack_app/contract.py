"""What the Slack app listens to and needs. The Slack app manifest (infra/) and the Bolt
listeners (slack_app/) are both checked against this one list."""

from __future__ import annotations

REQUEST_PATH = "/slack/events"  # events, interactivity and the slash command all post here

SLASH_COMMANDS: tuple[str, ...] = ("/fa2",)
# `/fa2 <subcommand> ...`; any other text opens the investigation form. The manifest's usage
# hint names each one.
SUBCOMMANDS: tuple[str, ...] = ("insight", "findings")

BOT_EVENTS: tuple[str, ...] = (
    "app_mention",  # @fa2 questions, in a thread (follow-up) or not (question-driven investigation)
    "message.channels",  # alarm notifications and follow-ups in public channels
    "message.groups",  # the same in private channels
)

BOT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "chat:write",
    "commands",
    "files:write",  # report markdown, charts, the findings PDF (files_upload_v2)
    "users:read",  # the user's timezone, shown in the form
)

ACTION_IDS: dict[str, str] = {
    "analyze": "fa2_analyze",
    "feedback_up": "fa2_feedback_up",
    "feedback_down": "fa2_feedback_down",
    "show_evidence": "fa2_show_evidence",
    # the explicit verdict on the report's top hypothesis (remembered for later incidents)
    "verdict_cause": "fa2_verdict_cause",
    "verdict_not_cause": "fa2_verdict_not_cause",
}

MODAL_CALLBACK_ID = "fa2_investigation_form"
