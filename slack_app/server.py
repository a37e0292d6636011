"""A small HTTP server that hands Slack's requests to the Bolt app (`fa2 slack serve`).

Bolt's own `app.start()` blocks and cannot be stopped; this one binds any port (0 for tests),
runs each request in its own thread and shuts down cleanly. Listeners ack on the request
thread; the work runs on the app's worker pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest

from slack_app.contract import REQUEST_PATH

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000  # Slack payloads are far smaller; refuse anything larger


class _SlackRequestHandler(BaseHTTPRequestHandler):
    server: SlackServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/healthz":
            self._reply(200, {"content-type": ["text/plain"]}, b"ok")
        else:
            self._reply(404, {}, b"")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        if url.path != REQUEST_PATH:
            self._reply(404, {}, b"")
            return
        if length > MAX_BODY_BYTES:
            self._reply(413, {}, b"")
            return
        body = self.rfile.read(length).decode("utf-8")
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in self.headers.items():
            headers[key.lower()] = [*headers.get(key.lower(), []), value]
        response = self.server.app.dispatch(
            BoltRequest(body=body, query=url.query, headers=headers)
        )
        self._reply(response.status, response.headers, response.body.encode("utf-8"))

    def _reply(self, status: int, headers: Mapping[str, Sequence[str]], body: bytes) -> None:
        self.send_response(status)
        for key, values in headers.items():
            if key.lower() != "content-length":
                for value in values:
                    self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class SlackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 resets bursts of Slack requests

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 3000) -> None:
        super().__init__((host, port), _SlackRequestHandler)
        self.app = app

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{REQUEST_PATH}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="fa2-slack-server", daemon=True)
        thread.start()
        return thread
