"""Serves the Bolt app over HTTP for `fa2 slack serve` (and the end-to-end tests): uvicorn runs
a small Starlette app whose one route hands Slack's requests to Bolt through slack-bolt's
Starlette adapter (`to_bolt_request` / `to_starlette_response`).

HTTP itself (parsing, `Content-Length`, chunking, keep-alive, malformed requests) is
uvicorn's and h11's. What is ours, in this order, before Bolt sees a request:

1. the body is read within `body_timeout` seconds and at most `MAX_BODY_BYTES` (a
   `Content-Length` larger than the body cannot hold a connection);
2. the Slack signature is checked on the raw bytes (a missing, bad or non-numeric
   `X-Slack-Request-Timestamp` or signature is a 401), so unsigned junk is never parsed;
3. only then is the body decoded and parsed; what is not UTF-8 or not JSON is a 400.

Bolt's own `dispatch` is synchronous: it runs on Starlette's thread pool so that one slow
ack never blocks the event loop. Listeners ack there; the work runs on the app's lazy pool.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
import threading
import time
from hashlib import sha256

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from slack_app.contract import REQUEST_PATH

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything larger
BODY_TIMEOUT_SECONDS = 10.0  # Slack sends the whole body at once; a slow body is not Slack
SIGNATURE_MAX_AGE_SECONDS = 5 * 60  # Slack's documented replay window


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def signature_problem(secret: bytes, body: bytes, request: Request) -> str | None:
    """Why the request is not signed by Slack, or None when it is.

    Slack's scheme (HMAC-SHA256 of `v0:{timestamp}:{body}`), computed on the raw bytes by
    hand: slack_sdk's `SignatureVerifier` decodes the body as UTF-8 first and raises on
    bytes that are not, and `int()`s the timestamp unchecked."""
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    if not timestamp.isascii() or not timestamp.isdigit():
        return "missing or non-numeric X-Slack-Request-Timestamp"
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return "X-Slack-Request-Timestamp is more than 5 minutes away"
    expected = (
        "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, sha256).hexdigest()
    )
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "bad X-Slack-Signature"
    return None


def asgi_app(
    app: App,
    signing_secret: str,
    *,
    body_timeout: float = BODY_TIMEOUT_SECONDS,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Starlette:
    """The Starlette app: `POST /slack/events` to Bolt, `GET /healthz`."""
    secret = signing_secret.encode()

    async def slack_events(request: Request) -> Response:
        try:
            body = await asyncio.wait_for(_read_body(request, max_body_bytes), body_timeout)
        except TimeoutError:
            return PlainTextResponse("request body not received in time", status_code=408)
        except _TooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        except ClientDisconnect:
            return PlainTextResponse("client disconnected", status_code=400)
        problem = signature_problem(secret, body, request)
        if problem is not None:
            log.info("refused an unsigned request from %s: %s", _client(request), problem)
            return PlainTextResponse("invalid request signature", status_code=401)
        try:
            bolt_request = to_bolt_request(request, body)
        except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError: signed, yet not Slack's
            log.warning("signed request with an unreadable body: %s", type(exc).__name__)
            return PlainTextResponse("malformed request body", status_code=400)
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(REQUEST_PATH, slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


class SlackServer:
    """uvicorn on a socket bound at construction (port 0 picks a free one; a busy port fails
    here, as `OSError`), served in the foreground or in a thread, stopped cleanly."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        host: str = "127.0.0.1",
        port: int = 3000,
        body_timeout: float = BODY_TIMEOUT_SECONDS,
    ) -> None:
        if not signing_secret:
            raise ValueError("the HTTP server needs the signing secret to verify requests")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self._socket.listen(128)  # bursts of Slack requests queue instead of being reset
        self.server_address = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            asgi_app(app, signing_secret, body_timeout=body_timeout),
            http="h11",
            lifespan="off",
            log_config=None,  # fa2's logging configuration applies
            access_log=False,
            timeout_keep_alive=5,
            limit_concurrency=512,  # past it uvicorn answers 503 instead of queueing forever
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host!s}:{port}{REQUEST_PATH}"

    def serve_forever(self) -> None:
        """Serve until Ctrl-C (uvicorn handles SIGINT/SIGTERM in the main thread)."""
        self._server.run(sockets=[self._socket])

    def start_in_thread(self) -> threading.Thread:
        self._thread = threading.Thread(
            target=self.serve_forever, name="fa2-slack-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise RuntimeError("the Slack HTTP server did not start within 10 s")
            time.sleep(0.01)
        return self._thread

    def shutdown(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def server_close(self) -> None:
        self._socket.close()
