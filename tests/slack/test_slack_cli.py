"""`fa2 slack serve` as a user runs it: a real process answering Slack on /slack/events."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.slack.conftest import SIGNING_SECRET, Driver
from tests.slack.fake_slack import FakeSlack

FA2 = str(Path(sys.executable).with_name("fa2"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "FA2_SLACK_API_URL": fake.base_url,
        "FA2_CHECKPOINT_BACKEND": "memory",
        **extra,
    }


@pytest.mark.slow
def test_serve_answers_slacks_url_verification_and_stops_on_ctrl_c(fake_slack: FakeSlack) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [FA2, "slack", "serve", "--port", str(port)],
        env=_env(fake_slack),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline().strip() for _ in range(2)]
        assert banner[0] == "fa2 Slack app · model bedrock · telemetry from AWS us-east-1"
        assert banner[1] == f"listening on http://127.0.0.1:{port}/slack/events (Ctrl-C to stop)"
        driver = Driver(
            url=f"http://127.0.0.1:{port}/slack/events",
            slack=fake_slack.recorder,
            store=None,
            investigator=None,
        )  # type: ignore[arg-type]
        challenge = {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
        response = driver.event(challenge)
        assert (
            response.status == 200
            and json.loads(response.body)["challenge"] == challenge["challenge"]
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0


def test_serve_without_a_bot_token_says_what_is_missing(fake_slack: FakeSlack) -> None:
    env = _env(fake_slack)
    del env["SLACK_BOT_TOKEN"]
    done = subprocess.run(
        [FA2, "slack", "serve"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)."


def test_socket_mode_needs_an_app_token(fake_slack: FakeSlack) -> None:
    done = subprocess.run(
        [FA2, "slack", "serve", "--socket"],
        env=_env(fake_slack),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "SLACK_APP_TOKEN" in done.stderr


def test_a_port_beyond_65535_is_a_usage_error_not_a_traceback(fake_slack: FakeSlack) -> None:
    done = subprocess.run(
        [FA2, "slack", "serve", "--port", "99999"],
        env=_env(fake_slack),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "Invalid value for '--port'" in done.stderr and "65535" in done.stderr
    assert "Traceback" not in done.stderr
