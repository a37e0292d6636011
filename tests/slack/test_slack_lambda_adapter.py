"""Our Lambda adapter (`slack_app.lambda_adapter`) behaves as Bolt's `aws_lambda` adapter does,
event for event, and keeps boto3 off the Slack Lambda's import path (the ack path)."""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.stub import Stubber
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.aws_lambda import handler as bolt_adapter
from slack_sdk import WebClient

from slack_app import lambda_adapter
from tests.slack.conftest import SIGNING_SECRET, sign
from tests.slack.fake_slack import FakeSlack

CONTEXT = SimpleNamespace(
    function_name="fa2-slack",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fa2-slack",
)
CLICK = {
    "type": "block_actions",
    "user": {"id": "U0ONCALL01", "username": "oncall", "team_id": "T0FA2TEAM1"},
    "team": {"id": "T0FA2TEAM1", "domain": "fa2"},
    "channel": {"id": "C0ALERTS01", "name": "alerts"},
    "container": {"type": "message", "message_ts": "1772447300.000200"},
    "trigger_id": "1234.5678.abcd",
    "actions": [{"action_id": "fa2_feedback_up", "block_id": "b1", "type": "button", "value": "x"}],
    "response_url": "https://hooks.slack.com/actions/T0FA2TEAM1/1/abc",
}


def _gateway_event(body: str, *, base64_body: bool = False, version: str = "2.0") -> dict[str, Any]:
    stamp = int(time.time())
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(stamp),
        "x-slack-signature": sign(body, stamp, SIGNING_SECRET),
    }
    sent = base64.b64encode(body.encode()).decode() if base64_body else body
    if version == "1.0":
        return {
            "version": "1.0",
            "httpMethod": "POST",
            "headers": headers,
            "multiValueHeaders": {"Cookie": ["session=abc"]},
            "queryStringParameters": None,
            "requestContext": {"httpMethod": "POST", "stage": "prod"},
            "body": sent,
            "isBase64Encoded": base64_body,
        }
    return {
        "version": "2.0",
        "rawPath": "/slack/events",
        "headers": headers,
        "cookies": ["session=abc", "theme=dark"],
        "queryStringParameters": {"team": "T0FA2TEAM1"},
        "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
        "body": sent,
        "isBase64Encoded": base64_body,
    }


EVENTS = {
    "v2 plain body": _gateway_event(urlencode({"payload": json.dumps(CLICK)})),
    "v2 base64 body": _gateway_event(urlencode({"payload": json.dumps(CLICK)}), base64_body=True),
    "v1 with a Cookie header": _gateway_event(
        urlencode({"payload": json.dumps(CLICK)}), version="1.0"
    ),
    "v2 JSON event, no cookies": {
        **_gateway_event(json.dumps({"type": "url_verification", "challenge": "c-123"})),
        "cookies": None,
    },
}


@pytest.mark.parametrize("event", EVENTS.values(), ids=EVENTS.keys())
def test_an_api_gateway_event_becomes_the_same_bolt_request_as_with_bolts_adapter(
    event: dict[str, Any],
) -> None:
    ours = lambda_adapter.to_bolt_request(copy.deepcopy(event))
    bolts = bolt_adapter.to_bolt_request(copy.deepcopy(event))
    assert (ours.raw_body, ours.query, ours.headers, ours.body) == (
        bolts.raw_body,
        bolts.query,
        bolts.headers,
        bolts.body,
    )


def test_a_bolt_response_becomes_the_same_lambda_response_as_with_bolts_adapter() -> None:
    response = BoltResponse(
        status=200,
        body='{"response_action": "clear"}',
        headers={"content-type": "application/json", "set-cookie": ["a=1", "b=2"]},
    )
    assert lambda_adapter.to_aws_response(response) == bolt_adapter.to_aws_response(response)
    assert lambda_adapter.not_found() == bolt_adapter.not_found()


class _Calls:
    def __init__(self) -> None:
        self.lazy: list[str] = []


def _app(calls: _Calls, fake_slack: FakeSlack) -> App:
    app = App(
        client=WebClient(token="xoxb-test", base_url=fake_slack.base_url),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )

    def ack_now(ack: Any) -> None:
        ack()

    def record_feedback(body: dict[str, Any]) -> None:
        calls.lazy.append(body["actions"][0]["action_id"])

    app.action("fa2_feedback_up")(ack=ack_now, lazy=[record_feedback])
    return app


@pytest.fixture
def lambda_client() -> Iterator[Any]:
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def test_a_click_is_acked_and_its_lazy_listener_self_invokes_with_the_payload_bolt_expects(
    lambda_client: Any, fake_slack: FakeSlack
) -> None:
    calls = _Calls()
    handler = lambda_adapter.SlackRequestHandler(_app(calls, fake_slack))
    handler.app.listener_runner.lazy_listener_runner.lambda_client = lambda_client  # type: ignore[attr-defined]
    # signed now, not at collection: Bolt refuses a request signed over five minutes ago,
    # and a full test run under load reaches this test later than that
    event = _gateway_event(urlencode({"payload": json.dumps(CLICK)}))
    expected = copy.deepcopy(event)
    expected["headers"] |= {
        "cookie": event["cookies"],
        "x-slack-bolt-lazy-only": "1",
        "x-slack-bolt-lazy-function-name": "record_feedback",
    }
    expected["method"] = "NONE"
    lambda_client.stubber.add_response(
        "invoke",
        {"StatusCode": 202},
        {
            "FunctionName": CONTEXT.invoked_function_arn,
            "InvocationType": "Event",
            "Payload": json.dumps(expected),
        },
    )

    ack = handler.handle(copy.deepcopy(event), CONTEXT)
    assert ack["statusCode"] == 200 and calls.lazy == []

    lazy = handler.handle(json.loads(json.dumps(expected)), CONTEXT)  # the second invocation
    assert lazy["statusCode"] == 200 and calls.lazy == ["fa2_feedback_up"]


@pytest.mark.parametrize(
    "event",
    [
        {"requestContext": {"http": {"method": "GET"}}, "isBase64Encoded": False},
        {"requestContext": {}, "isBase64Encoded": False},
    ],
    ids=["GET without OAuth", "no method"],
)
def test_a_request_that_is_not_a_slack_post_gets_the_same_404_as_with_bolts_adapter(
    event: dict[str, Any], fake_slack: FakeSlack
) -> None:
    ours = lambda_adapter.SlackRequestHandler(_app(_Calls(), fake_slack))
    bolts = bolt_adapter.SlackRequestHandler(_app(_Calls(), fake_slack))
    assert ours.handle(copy.deepcopy(event), CONTEXT) == bolts.handle(copy.deepcopy(event), CONTEXT)
    assert ours.handle(copy.deepcopy(event), CONTEXT) == lambda_adapter.not_found()


def test_importing_the_slack_lambda_entry_module_does_not_import_boto3() -> None:
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
    assert [m for m in loaded if m.split(".")[0] in ("boto3", "botocore", "s3transfer")] == []
