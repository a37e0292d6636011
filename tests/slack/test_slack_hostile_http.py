"""Hostile HTTP against `fa2 slack serve`: requests that lie about their length, bodies that
are not UTF-8 or not JSON, timestamps that are not numbers. Each gets a 4xx within a bounded
time; none holds a connection, reaches a listener or leaves a traceback in the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from slack_app.app import create_app
from slack_app.server import SlackServer
from slack_app.store import SqliteStore
from tests.slack.conftest import ALERTS, SIGNING_SECRET, Driver, make_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import event_callback, mention
from tests.slack.reports import ScriptedInvestigator

BODY_TIMEOUT = 0.5


@pytest.fixture
def served(fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> Iterator[Driver]:
    caplog.set_level(logging.DEBUG)
    investigator = ScriptedInvestigator()
    store = SqliteStore(":memory:")
    app = create_app(
        make_settings(fake_slack), investigator=investigator, store=store, progress_interval=0.0
    )
    server = SlackServer(app, signing_secret=SIGNING_SECRET, port=0, body_timeout=BODY_TIMEOUT)
    server.start_in_thread()
    yield Driver(url=server.url, slack=fake_slack.recorder, store=store, investigator=investigator)
    server.shutdown()
    server.server_close()


def raw_exchange(url: str, request: bytes, timeout: float = 5.0) -> bytes:
    """Send `request` as it is and read until the server closes or `timeout` passes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as conn:
        conn.sendall(request)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except TimeoutError:
            return received + b"<still open>"
        return received


def post(url: str, headers: dict[str, str], body: bytes) -> bytes:
    path = urlsplit(url).path
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def status_of(reply: bytes) -> int:
    assert reply.startswith(b"HTTP/1.1 "), reply[:200]
    return int(reply.split(b" ", 2)[1])


def signed_headers(body: bytes, **extra: str) -> dict[str, str]:
    stamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": "v0="
        + hmac.new(SIGNING_SECRET.encode(), b"v0:%d:" % stamp + body, hashlib.sha256).hexdigest(),
        **extra,
    }


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


def test_a_body_shorter_than_its_content_length_gets_408_and_the_connection_closes(
    served: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    request = post(served.url, {"Content-Length": "5000"}, b'{"type": "event_callback"')
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(lambda _: raw_exchange(served.url, request), range(50)))
    assert [status_of(r) for r in replies] == [408] * 50
    assert not any(r.endswith(b"<still open>") for r in replies)
    assert time.monotonic() - started < 5 * BODY_TIMEOUT + 3
    assert no_tracebacks(caplog) == []


def test_a_negative_content_length_is_refused_at_once_with_400(served: Driver) -> None:
    reply = raw_exchange(served.url, post(served.url, {"Content-Length": "-1"}, b"{}"))
    assert status_of(reply) == 400 and not reply.endswith(b"<still open>")


def test_a_non_numeric_content_length_is_refused_with_400(
    served: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    reply = raw_exchange(served.url, post(served.url, {"Content-Length": "abc"}, b"{}"))
    assert status_of(reply) == 400
    assert no_tracebacks(caplog) == []


def test_a_body_over_a_megabyte_is_refused_with_413_before_it_is_read(served: Driver) -> None:
    reply = raw_exchange(served.url, post(served.url, {"Content-Length": "50000000"}, b"{}"))
    assert status_of(reply) == 413


@pytest.mark.parametrize(
    "body",
    [b'{"type": "event_callback", "event": ', b"\xff\xfe\x00junk \xc3\x28", b""],
    ids=["malformed-json", "invalid-utf8", "empty"],
)
def test_unsigned_junk_is_refused_with_401_and_never_parsed(
    served: Driver, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    reply = raw_exchange(served.url, post(served.url, headers, body))
    assert status_of(reply) == 401
    assert no_tracebacks(caplog) == []
    assert served.investigator.investigations == []


@pytest.mark.parametrize(
    "body",
    [b'{"type": "event_callback", "event": ', b"\xff\xfe\x00junk \xc3\x28"],
    ids=["malformed-json", "invalid-utf8"],
)
def test_a_correctly_signed_body_that_is_not_utf8_json_gets_400(
    served: Driver, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    headers = {**signed_headers(body), "Content-Length": str(len(body))}
    reply = raw_exchange(served.url, post(served.url, headers, body))
    assert status_of(reply) == 400
    assert no_tracebacks(caplog) == []


@pytest.mark.parametrize("stamp", ["abc", "1e9", "-5", "", "1772447300.5"])
def test_a_non_numeric_timestamp_gets_401_not_500(
    served: Driver, caplog: pytest.LogCaptureFixture, stamp: str
) -> None:
    body = json.dumps(event_callback(mention(ALERTS, "why 5xx?", "1772447300.000100")))
    response = served.send(body, "application/json", headers={"x-slack-request-timestamp": stamp})
    assert response.status == 401
    assert no_tracebacks(caplog) == []


def test_a_signed_mention_still_starts_an_investigation(served: Driver) -> None:
    body = json.dumps(event_callback(mention(ALERTS, "why 5xx?", "1772447300.000100")))
    assert served.send(body, "application/json").status == 200
    served.slack.wait_for("files.completeUploadExternal")
    assert len(served.investigator.investigations) == 1


def test_health_check_answers_ok(served: Driver) -> None:
    health = served.url.replace("/slack/events", "/healthz")
    reply = raw_exchange(
        health,
        f"GET {urlsplit(health).path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status_of(reply) == 200 and reply.endswith(b"ok")
