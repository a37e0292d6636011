"""Slack payloads as Slack sends them (Events API envelope, block_actions, view_submission),
built around the ids the flow produced."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

from slack_app.contract import MODAL_CALLBACK_ID
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID

ONCALL = "U0ONCALL1"
_ids = itertools.count(1)


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": "T0001",
        "api_app_id": "A0FA2APP0",
        "type": "event_callback",
        "event_id": event_id or f"Ev0TEST{next(_ids):05d}",
        "event_time": 1772446700,
        "authorizations": [{"team_id": "T0001", "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def human_message(channel: str, text: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel": channel,
        "user": ONCALL,
        "text": text,
        "ts": ts,
        "channel_type": "channel",
        "team": "T0001",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def mention(channel: str, text: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    return {
        **human_message(channel, f"<@{BOT_USER_ID}> {text}", ts, thread_ts),
        "type": "app_mention",
    }


def own_message(channel: str, ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "bot_message",
        "channel": channel,
        "bot_id": BOT_ID,
        "user": BOT_USER_ID,
        "text": "fa2 can investigate orders-api-5xx",
        "ts": ts,
    }


def button_click(
    action_id: str, value: str, *, channel: str, message_ts: str, thread_ts: str
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": ONCALL, "username": "oncall", "name": "oncall", "team_id": "T0001"},
        "api_app_id": "A0FA2APP0",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
            "thread_ts": thread_ts,
        },
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "team": {"id": "T0001", "domain": "example"},
        "channel": {"id": channel, "name": "alerts"},
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": message_ts,
            "thread_ts": thread_ts,
            "text": "fa2",
        },
        "response_url": "https://hooks.slack.com/actions/T0001/1/xyz",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "type": "button",
                "action_ts": "1772447001.000100",
                "text": {"type": "plain_text", "text": "x"},
            }
        ],
    }


def submission(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The view_submission for `view` (as sent to views.open) with its initial values submitted,
    overridden per block id by `changes` (text, or epoch seconds for the time pickers)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "datetimepicker":
            state = {
                "type": "datetimepicker",
                "selected_date_time": element.get("initial_date_time"),
            }
            key = "selected_date_time"
        else:
            state = {"type": "plain_text_input", "value": element.get("initial_value")}
            key = "value"
        if block["block_id"] in changes:
            state[key] = changes[block["block_id"]]
        values[block["block_id"]] = {element["action_id"]: state}
    submitted = copy.deepcopy(view)
    submitted.update(
        {
            "id": "V0FA2FORM",
            "callback_id": view.get("callback_id", MODAL_CALLBACK_ID),
            "state": {"values": values},
            "hash": "156772938.1827394",
        }
    )
    return {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": ONCALL, "name": "oncall"},
        "api_app_id": "A0FA2APP0",
        "token": "legacy",
        "trigger_id": "12466734323.1395872398",
        "view": submitted,
    }


def blocks_of(call_params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = call_params.get("blocks", [])
    return json.loads(blocks) if isinstance(blocks, str) else blocks
