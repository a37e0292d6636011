"""The Slack app served on 127.0.0.1, driven with correctly signed HTTP requests, against a
local stand-in for the Slack Web API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.config import Settings
from slack_app.app import create_app
from slack_app.server import SlackServer
from slack_app.store import SqliteStore
from tests.slack.fake_slack import FakeSlack, Recorder
from tests.slack.reports import ScriptedInvestigator

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ALERTS = "C0ALERTS01"
EVENTS_DIR = Path(__file__).resolve().parents[1] / "events"


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / name).read_text())


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Driver:
    """Sends requests to the served app the way Slack does."""

    url: str
    slack: Recorder
    store: SqliteStore
    investigator: ScriptedInvestigator

    def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        request = urllib.request.Request(self.url, data=body.encode(), method="POST")
        request.add_header("content-type", content_type)
        request.add_header("x-slack-request-timestamp", str(timestamp))
        request.add_header("x-slack-signature", signature or sign(body, timestamp))
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return Response(reply.status, reply.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def event(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.send(json.dumps(payload), "application/json", **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded", **kwargs)

    def command(
        self,
        text: str,
        channel: str = ALERTS,
        *,
        response_url: str = "https://hooks.slack.com/commands/T0001/1/abc",
        **kwargs: Any,
    ) -> Response:
        body = urllib.parse.urlencode(
            {
                "token": "legacy",
                "team_id": "T0001",
                "channel_id": channel,
                "channel_name": "alerts",
                "user_id": "U0ONCALL1",
                "user_name": "oncall",
                "command": "/fa2",
                "text": text,
                "response_url": response_url,
                "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                "api_app_id": "A0FA2APP0",
            }
        )
        return self.send(body, "application/x-www-form-urlencoded", **kwargs)


def make_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.base_url,
        "slack_channels": [ALERTS],
        "checkpoint_backend": "memory",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    server = FakeSlack()
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def serve(
    fake: FakeSlack, investigator: ScriptedInvestigator, **overrides: Any
) -> tuple[SlackServer, Driver]:
    store = SqliteStore(":memory:")
    app = create_app(
        make_settings(fake, **overrides),
        investigator=investigator,
        store=store,
        progress_interval=0.0,
        queue_poll_seconds=0.05,
    )
    server = SlackServer(app, signing_secret=SIGNING_SECRET, port=0)
    server.start_in_thread()
    return server, Driver(
        url=server.url, slack=fake.recorder, store=store, investigator=investigator
    )


@pytest.fixture
def driver(fake_slack: FakeSlack) -> Iterator[Driver]:
    server, drv = serve(fake_slack, ScriptedInvestigator())
    yield drv
    server.shutdown()
    server.server_close()
