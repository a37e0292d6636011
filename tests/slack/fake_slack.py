"""A local HTTP server playing the Slack Web API: answers the methods fa2 calls and records
every call per path, so tests can wait for and inspect what the app sent to Slack."""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UFA2BOT01"
BOT_ID = "BFA2BOT01"
USER_TZ = {"tz": "Asia/Tokyo", "tz_label": "Japan Standard Time", "tz_offset": 32400}


@dataclass
class Call:
    path: str
    params: dict[str, Any]
    raw: bytes = b""


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, call: Call) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def of(self, path: str) -> list[Call]:
        with self.changed:
            return [c for c in self.calls if c.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Block until `count` calls to `path` were made (the app works after acking)."""
        with self.changed:
            self.changed.wait_for(
                lambda: len([c for c in self.calls if c.path == path]) >= count, timeout
            )
        found = self.of(path)
        assert len(found) >= count, (
            f"expected {count} call(s) to {path}, got {len(found)}: {self.paths()}"
        )
        return found

    def wait_until(self, path: str, contains: str, timeout: float = 20.0) -> Call:
        """Block until a call to `path` whose parameters contain `contains` was made."""

        def match() -> Call | None:
            return next(
                (
                    c
                    for c in self.calls
                    if c.path == path and contains in json.dumps(c.params, ensure_ascii=False)
                ),
                None,
            )

        with self.changed:
            self.changed.wait_for(lambda: match() is not None, timeout)
            found = match()
        assert found is not None, f"no {path} call containing {contains!r}: {self.paths()}"
        return found

    def paths(self) -> list[str]:
        with self.changed:
            return [c.path for c in self.calls]


class FakeSlack(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recorder = Recorder()
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.fail_methods: set[str] = set()
        self.method_errors: dict[str, str] = {}  # method -> the error code Slack answers

    @property
    def response_url(self) -> str:
        """A slash command's response_url, served here (recorded as `commands/response`)."""
        return f"http://127.0.0.1:{self.server_address[1]}/api/commands/response"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"

    def next_ts(self) -> str:
        with self._lock:
            return f"1772447000.{next(self._ts):06d}"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in self.fail_methods:
            return {"ok": False, "error": "internal_error"}
        if method in self.method_errors:
            return {"ok": False, "error": self.method_errors[method]}
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team_id": "T0001",
                "user": "fa2",
            }
        if method in ("chat.postMessage", "chat.update"):
            ts = params.get("ts") or self.next_ts()
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V0FA2FORM", **params.get("view", {})}}
        if method == "users.info":
            return {"ok": True, "user": {"id": params.get("user"), **USER_TZ}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            port = self.server_address[1]
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{port}/upload/{file_id}",
            }
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files", "[]"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}


class _Handler(BaseHTTPRequestHandler):
    server: FakeSlack

    def _handle(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        params: dict[str, Any] = dict(parse_qsl(url.query))
        content_type = self.headers.get("content-type", "")
        if url.path.startswith("/upload/"):
            self.server.recorder.add(
                Call(path=url.path.rsplit("/", 1)[0], params={"file": url.path}, raw=raw)
            )
            self._send(200, b"OK - 1", "text/plain")
            return
        if "json" in content_type and raw:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode()))
        method = url.path.removeprefix("/api/")
        self.server.recorder.add(Call(path=method, params=params, raw=raw))
        self._send(200, json.dumps(self.server.answer(method, params)).encode(), "application/json")

    do_GET = _handle
    do_POST = _handle

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return
