"""The Lambda entry points: the Slack handler acks without the agent stack and runs its work
in a second (lazy) invocation of itself; the alarm handler posts a report to the channel."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from agent.config import Settings
from slack_app.alarm_handler import run_alarm_event
from slack_app.contract import ACTION_IDS
from slack_app.store import SqliteStore
from tests.slack.conftest import ALERTS, SIGNING_SECRET, load_event, make_settings, sign
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import blocks_of, button_click
from tests.slack.reports import ScriptedInvestigator

HEAVY = ("langgraph", "langchain_aws", "matplotlib", "duckdb", "agent.service", "agent.graph")
CONTEXT = SimpleNamespace(
    function_name="fa2-slack",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fa2-slack",
)


def test_the_lambda_entry_module_does_not_import_the_agent_stack() -> None:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "FA2_CHECKPOINT_BACKEND": "memory",
    }
    code = "import sys, slack_app.lambda_handler; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [m for m in loaded if m.startswith(HEAVY)] == []


class _LambdaClient:
    """Records the asynchronous self-invocations Bolt makes for lazy listeners."""

    def __init__(self) -> None:
        self.invocations: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invocations.append(kwargs)
        return {"StatusCode": 202}


@pytest.fixture
def lambda_module(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("FA2_SLACK_API_URL", fake_slack.base_url)
    monkeypatch.setenv("FA2_CHECKPOINT_BACKEND", "memory")
    sys.modules.pop("slack_app.lambda_handler", None)
    module = importlib.import_module("slack_app.lambda_handler")
    module._handler.app.listener_runner.lazy_listener_runner.lambda_client = _LambdaClient()
    return module


def _api_gateway_event(body: str, *, secret: str = SIGNING_SECRET) -> dict[str, Any]:
    timestamp = int(time.time())
    return {
        "version": "2.0",
        "routeKey": "POST /slack/events",
        "rawPath": "/slack/events",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": str(timestamp),
            "x-slack-signature": sign(body, timestamp, secret),
        },
        "requestContext": {
            "http": {"method": "POST", "path": "/slack/events"},
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _feedback_body() -> str:
    from urllib.parse import urlencode

    click = button_click(
        ACTION_IDS["feedback_up"],
        f"slack-{ALERTS}-1.1",
        channel=ALERTS,
        message_ts="1.2",
        thread_ts="1.1",
    )
    return urlencode({"payload": json.dumps(click)})


def test_a_click_is_acked_at_once_and_its_work_runs_in_a_self_invocation(
    lambda_module: ModuleType, fake_slack: FakeSlack
) -> None:
    ack = lambda_module.handler(_api_gateway_event(_feedback_body()), CONTEXT)
    client = lambda_module._handler.app.listener_runner.lazy_listener_runner.lambda_client
    assert ack["statusCode"] == 200
    [invocation] = client.invocations
    assert (
        invocation["InvocationType"] == "Event"
        and invocation["FunctionName"] == CONTEXT.invoked_function_arn
    )
    assert fake_slack.recorder.of("chat.postEphemeral") == []

    lazy_event = json.loads(invocation["Payload"])
    lambda_module.handler(lazy_event, CONTEXT)  # what the second invocation does
    assert (
        "recorded your feedback"
        in fake_slack.recorder.wait_for("chat.postEphemeral")[0].params["text"]
    )


def test_a_bad_signature_is_refused_by_the_lambda_with_401(lambda_module: ModuleType) -> None:
    response = lambda_module.handler(_api_gateway_event(_feedback_body(), secret="forged"), CONTEXT)
    assert response["statusCode"] == 401
    assert (
        lambda_module._handler.app.listener_runner.lazy_listener_runner.lambda_client.invocations
        == []
    )


def _report_settings(fake: FakeSlack) -> Settings:
    return make_settings(fake, slack_report_channel="C0REPORTS1")


def test_an_eventbridge_alarm_event_is_investigated_and_posted_to_the_report_channel(
    fake_slack: FakeSlack,
) -> None:
    investigator = ScriptedInvestigator()
    result = run_alarm_event(
        load_event("eventbridge_metric_alarm.json"),
        _report_settings(fake_slack),
        investigator=investigator,
        store=SqliteStore(":memory:"),
    )
    root, *thread = fake_slack.recorder.of("chat.postMessage")
    assert result == {
        "status": "posted",
        "channel": "C0REPORTS1",
        "thread_ts": thread[0].params["thread_ts"],
        "hypotheses": 2,
    }
    assert root.params["channel"] == "C0REPORTS1" and "went to ALARM" in json.dumps(
        blocks_of(root.params)
    )
    assert {p.params["thread_ts"] for p in thread} == {result["thread_ts"]}
    assert (
        fake_slack.recorder.of("files.completeUploadExternal")[0].params["thread_ts"]
        == result["thread_ts"]
    )
    assert investigator.investigations[0][0].source == "eventbridge"


def test_an_sns_alarm_notification_is_investigated_too(fake_slack: FakeSlack) -> None:
    investigator = ScriptedInvestigator()
    result = run_alarm_event(
        load_event("sns_lambda_alarm.json"),
        _report_settings(fake_slack),
        investigator=investigator,
        store=SqliteStore(":memory:"),
    )
    assert result["status"] == "posted" and investigator.investigations[0][0].source == "sns"


def test_an_event_that_is_not_an_alarm_is_ignored_with_the_reason(fake_slack: FakeSlack) -> None:
    result = run_alarm_event(
        {"detail-type": "EC2 Instance State-change Notification", "detail": {}},
        _report_settings(fake_slack),
        investigator=ScriptedInvestigator(),
        store=SqliteStore(":memory:"),
    )
    assert result["status"] == "ignored" and result["reason"]
    assert fake_slack.recorder.of("chat.postMessage") == []


def test_the_alarm_handler_needs_a_report_channel(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="FA2_SLACK_REPORT_CHANNEL"):
        run_alarm_event(load_event("eventbridge_metric_alarm.json"), make_settings(fake_slack))


# An SNS notification is whatever was published to the topic: name, description and reason
# written to ping the channel, link out and break a code block.
HOSTILE_ALARM = "orders-api-5xx <!channel> <@U123ADMIN> <http://evil.example|click> ```"


def _mrkdwn_texts(value: Any) -> list[str]:
    """The text of every mrkdwn object in blocks (where Slack renders links)."""
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        return own + [t for v in value.values() for t in _mrkdwn_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _mrkdwn_texts(v)]
    return []


def test_a_hostile_sns_alarm_notifies_no_one_and_links_nowhere_in_what_fa2_posts(
    fake_slack: FakeSlack,
) -> None:
    from agent.alarm import parse_alarm
    from tests.slack.mentions import MESSAGE_METHODS, live_mentions, sent_texts

    event = load_event("sns_lambda_alarm.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message |= {
        "AlarmName": HOSTILE_ALARM,
        "AlarmDescription": "@here <!everyone> see <https://evil.example/runbook|the runbook>",
        "NewStateReason": "Threshold Crossed <!subteam^S0ONCALL>",
    }
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    settings = _report_settings(fake_slack)
    incident = parse_alarm(event, settings)
    report = ScriptedInvestigator().report.model_copy(update={"title": incident.title})

    result = run_alarm_event(
        event, settings, investigator=ScriptedInvestigator(report), store=SqliteStore(":memory:")
    )

    assert result["status"] == "posted"
    sent = sent_texts(fake_slack.recorder.calls)
    titles = [
        f.get("title", "")
        for c in fake_slack.recorder.of("files.completeUploadExternal")
        for f in json.loads(c.params["files"])
    ]
    for where, text in [*sent.items(), *(("file title", t) for t in titles)]:
        assert live_mentions(text) == [], where
    rendered = [
        text
        for call in fake_slack.recorder.calls
        if call.path in MESSAGE_METHODS
        for text in [str(call.params.get("text", "")), *_mrkdwn_texts(blocks_of(call.params))]
    ]
    assert not any("<http://evil.example" in text for text in rendered)  # no live link
    assert any("&lt;http://evil.example|click&gt;" in text for text in rendered)  # shown as text
