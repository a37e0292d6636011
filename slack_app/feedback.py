"""Feedback on a report, and what fa2 remembers of it.

Four buttons end a report: 👍 Helpful / 👎 Not helpful (a vote on the report, kept in the
Slack store as before) and ✅ This was the cause / ❌ This was not it (an explicit verdict on
its top hypothesis). Each marks the thread's remembered investigation (`agent.memory`)
confirmed or wrong, so `find_similar_incidents` shows the mark to later investigations of the
same alarm. A vote never overrides an explicit verdict: "helpful" is about the report as much
as about its cause.

The record is found under `memory_scope(<the thread's AWS account>, <the Slack team id of the
click>)`: the team id comes from Slack's signed payload, so a click in one workspace can never
reach a record of another, even with a thread id copied from there.

Nothing here imports the agent stack at import time (this module is on the ack path).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from slack_bolt import Ack, App

from slack_app.contract import ACTION_IDS
from slack_app.payloads import BlockAction
from slack_app.store import Feedback, now_utc
from slack_app.text import escape_mrkdwn, truncate

if TYPE_CHECKING:
    from slack_app.app import ChannelPolicy
    from slack_app.jobs import Jobs

log = logging.getLogger(__name__)

Verdict = Literal["confirmed", "wrong"]
MarkOutcome = Literal["marked", "kept", "not_found", "memory_off"]


@dataclass(frozen=True)
class FeedbackButton:
    verdict: Verdict
    explicit: bool  # the "this was (not) the cause" choice, not a 👍/👎 vote
    vote: Literal["up", "down"] | None = None


BUTTONS: dict[str, FeedbackButton] = {
    ACTION_IDS["feedback_up"]: FeedbackButton("confirmed", explicit=False, vote="up"),
    ACTION_IDS["feedback_down"]: FeedbackButton("wrong", explicit=False, vote="down"),
    ACTION_IDS["verdict_cause"]: FeedbackButton("confirmed", explicit=True),
    ACTION_IDS["verdict_not_cause"]: FeedbackButton("wrong", explicit=True),
}


def workspace_of(context: Any) -> str | None:
    """The Slack workspace a request comes from, as Bolt read it from the signed payload (the
    org id for an org-wide install whose payload names no team)."""
    return context.get("team_id") or context.get("enterprise_id")


def register_feedback(app: App, jobs: Jobs, policy: ChannelPolicy) -> None:
    """Attach the four feedback buttons' listeners: ack at once, record lazily."""

    def ack_now(ack: Ack) -> None:
        ack()

    def on_feedback(body: dict[str, Any], context: Any) -> None:
        from slack_app.blocks import notice  # the lazy path: Block Kit is not needed to ack

        action = BlockAction.model_validate(body)
        channel = action.channel_id
        if channel is None or not policy.allows(channel):
            return
        try:
            reply = record_feedback(jobs, action, workspace=workspace_of(context))
            jobs.post_private(channel, action.user.id, action.thread_ts, notice(reply))
        except Exception:
            jobs.fail(
                channel, action.thread_ts, "Recording your feedback failed", only_for=action.user.id
            )

    for action_id in BUTTONS:
        app.action(action_id)(ack=ack_now, lazy=[on_feedback])


def record_feedback(jobs: Jobs, action: BlockAction, *, workspace: str | None) -> str:
    """Keep a vote in the Slack store, mark the remembered investigation; the reply to show."""
    button = BUTTONS[action.action.action_id]
    thread_id = action.action.value
    if button.vote is not None:
        jobs.store.record_feedback(
            Feedback(
                thread_id=thread_id,
                user=action.user.id,
                vote=button.vote,
                message_ts=action.message.ts if action.message else None,
                at=now_utc(),
            )
        )
    outcome, hypothesis = remember_verdict(jobs, thread_id, button, workspace=workspace)
    log.info(
        "feedback %s on %s (workspace %s): %s",
        action.action.action_id,
        thread_id,
        workspace,
        outcome,
    )
    return _reply(button, outcome, hypothesis)


def remember_verdict(
    jobs: Jobs, thread_id: str, button: FeedbackButton, *, workspace: str | None
) -> tuple[MarkOutcome, str | None]:
    """Mark the thread's remembered investigation; (what happened, its top hypothesis)."""
    from agent.memory import mark_verdict, memory_scope, open_memory

    memory = open_memory(jobs.settings)
    if memory is None:
        return "memory_off", None
    incident = jobs.investigator.thread_incident(thread_id)
    scope = memory_scope(incident.account_id if incident else None, workspace)
    found = memory.get(scope, thread_id)
    if found is None:
        return "not_found", None
    if not button.explicit and found.feedback_explicit:
        return "kept", found.top_hypothesis
    mark_verdict(memory, scope, thread_id, button.verdict, explicit=button.explicit)
    return "marked", found.top_hypothesis


def _reply(button: FeedbackButton, outcome: MarkOutcome, hypothesis: str | None) -> str:
    shown = f"“{escape_mrkdwn(truncate(hypothesis, 200))}”" if hypothesis else "its top hypothesis"
    if button.vote is not None:
        thanks = "Thanks, fa2 recorded your feedback for this investigation."
        if outcome == "marked":
            word = "a confirmed cause" if button.verdict == "confirmed" else "a wrong lead"
            return f"{thanks} Later investigations of this alarm will see {shown} as {word}."
        if outcome == "kept":
            return f"{thanks} The explicit verdict given on {shown} stands."
        return thanks
    if outcome == "memory_off":
        return "fa2's incident memory is off (FA2_INCIDENT_MEMORY=off): the verdict is not kept."
    if outcome == "not_found":
        return (
            "fa2 remembers no finished investigation for this thread in this workspace, so "
            "there is nothing to mark."
        )
    if button.verdict == "confirmed":
        return (
            f"✅ Noted: {shown} was the cause. Later investigations of the same alarm in this "
            "workspace start from it as a confirmed lead (and still check it against the data)."
        )
    return (
        f"❌ Noted: {shown} was not the cause. Later investigations of the same alarm in this "
        "workspace see it marked wrong."
    )
