"""`/fa2 findings` end to end with the real report: the offline baseline over a scenario
bundle carrying Security Hub and GuardDuty findings, signed requests into the app, the local
Slack Web API stand-in recording the thread and the uploaded bytes."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from agent.config import Settings
from agent.service import findings_report_from_settings
from slack_app.app import create_app
from slack_app.server import SlackServer
from slack_app.store import SqliteStore
from tests.slack.conftest import ALERTS, SIGNING_SECRET, Driver, make_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import ONCALL, blocks_of

pytestmark = pytest.mark.slow
BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "leaked-access-key"


def _serve(fake: FakeSlack, tmp_path: Path, **overrides: Any) -> tuple[SlackServer, Driver]:
    settings = make_settings(
        fake, model="baseline", bundle=BUNDLE, incident_memory="off", **overrides
    )
    store = SqliteStore(tmp_path / "slack.sqlite")
    server = SlackServer(
        create_app(settings, store=store, progress_interval=0.0),
        signing_secret=SIGNING_SECRET,
        port=0,
    )
    server.start_in_thread()
    return server, Driver(url=server.url, slack=fake.recorder, store=store, investigator=None)  # type: ignore[arg-type]


@pytest.fixture
def offline(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Driver]:
    server, driver = _serve(fake_slack, tmp_path)
    yield driver
    server.shutdown()
    server.server_close()


@pytest.fixture
def offline_ja(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Driver]:
    server, driver = _serve(fake_slack, tmp_path, language="ja")
    yield driver
    server.shutdown()
    server.server_close()


def _uploads(driver: Driver) -> tuple[dict[str, Any], bytes, str]:
    """files.completeUploadExternal's parameters, the PDF's bytes and the markdown."""
    completed = driver.slack.wait_for("files.completeUploadExternal", timeout=120)[0].params
    raw = [call.raw for call in driver.slack.wait_for("/upload", 2)]
    pdf = next(r for r in raw if r.startswith(b"%PDF"))
    markdown = next(r for r in raw if not r.startswith(b"%PDF")).decode("utf-8")
    return completed, pdf, markdown


def test_the_summary_is_the_message_and_the_pdf_and_markdown_are_in_its_thread(
    offline: Driver,
) -> None:
    assert offline.command("findings 7").status == 200

    completed, pdf, markdown = _uploads(offline)
    parent, *in_thread = [p.params for p in offline.slack.of("chat.postMessage")]
    assert "thread_ts" not in parent and parent["channel"] == ALERTS
    assert (
        f"<@{ONCALL}> asked fa2 for the security findings report of the last 7 days"
        in (parent["text"])
    )
    thread_ts = completed["thread_ts"]
    assert completed["channel_id"] == ALERTS
    assert in_thread and all(p["thread_ts"] == thread_ts for p in in_thread)
    expected = findings_report_from_settings(
        days=7, bundle=BUNDLE, settings=Settings(model="baseline", incident_memory="off")
    ).summary_text()
    summary = json.dumps([blocks_of(p) for p in in_thread], ensure_ascii=False)
    assert "8 active finding(s) in the last 7 day(s)" in expected
    assert "8 active finding(s) in the last 7 day(s)" in summary
    assert "UnauthorizedAccess:IAMUser/TorIPCaller" in summary
    titles = [f["title"] for f in json.loads(completed["files"])]
    assert titles == ["fa2 security findings report", "fa2 security findings report (markdown)"]
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "TorIPCaller" in text
    assert "TorIPCaller" in markdown


def test_in_japanese_the_pdf_and_markdown_are_japanese(offline_ja: Driver) -> None:
    offline_ja.command("findings")

    _, pdf, markdown = _uploads(offline_ja)
    summary = json.dumps(
        [blocks_of(p.params) for p in offline_ja.slack.of("chat.postMessage")[1:]],
        ensure_ascii=False,
    )
    assert "過去 7 日のアクティブな検出結果 8 件" in summary
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "検出結果" in text and "検出結果" in markdown


def test_a_pdf_slack_refuses_to_take_is_told_to_the_asker_privately(
    offline: Driver, fake_slack: FakeSlack
) -> None:
    fake_slack.method_errors["files.getUploadURLExternal"] = "file_upload_size_restricted"

    offline.command("findings 3")

    told = offline.slack.wait_until(
        "chat.postEphemeral", "file_upload_size_restricted", timeout=120
    )
    assert told.params["user"] == ONCALL
    assert "could not upload the report" in told.params["text"]


class _DeniedEverything(BaseHTTPRequestHandler):
    """AWS as a role without the findings report's grants sees it: every call AccessDenied."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        target = self.headers.get("x-amz-target", "") or self.path
        action = (
            "securityhub:GetFindings" if "findings" in target.lower() else "guardduty:ListDetectors"
        )
        body = json.dumps(
            {
                "__type": "AccessDeniedException",
                "message": "User: arn:aws:sts::123456789012:assumed-role/fa2-slack/fa2 is not "
                f"authorized to perform: {action} because no identity-based policy allows "
                f"the {action} action",
            }
        ).encode()
        self.send_response(403)
        self.send_header("content-type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-errortype", "AccessDeniedException")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def denied_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0001",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DeniedEverything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_missing_permissions_are_told_as_the_actions_to_grant_never_a_traceback(
    fake_slack: FakeSlack, tmp_path: Path, denied_aws: str
) -> None:
    settings = make_settings(
        fake_slack, model="baseline", endpoint_url=denied_aws, incident_memory="off"
    )
    server = SlackServer(
        create_app(settings, store=SqliteStore(tmp_path / "s.sqlite"), progress_interval=0.0),
        signing_secret=SIGNING_SECRET,
        port=0,
    )
    server.start_in_thread()
    try:
        driver = Driver(url=server.url, slack=fake_slack.recorder, store=None, investigator=None)  # type: ignore[arg-type]
        driver.command("findings 7")
        status = driver.slack.wait_until("chat.update", "could not read the data", timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    text = status.params["text"]
    assert "securityhub:GetFindings" in text and "guardduty:ListDetectors" in text
    assert "Traceback" not in json.dumps(status.params)
    assert driver.slack.of("files.completeUploadExternal") == []


def test_asked_by_a_mention_in_a_thread_the_report_goes_to_that_thread(offline: Driver) -> None:
    from tests.slack.payloads import event_callback, mention

    thread = "1772446621.000200"
    offline.event(event_callback(mention(ALERTS, "findings 7", "1772447400.000100", thread)))

    completed, pdf, _ = _uploads(offline)
    posts = [p.params for p in offline.slack.of("chat.postMessage")]
    assert completed["thread_ts"] == thread and pdf.startswith(b"%PDF-")
    assert posts and all(p["thread_ts"] == thread for p in posts)


@pytest.mark.parametrize(
    ("arguments", "routed"), [("", True), ("14", True), ("look odd after the deploy?", False)]
)
def test_a_mention_is_the_findings_subcommand_only_with_nothing_or_a_number_after_it(
    arguments: str, routed: bool
) -> None:
    from slack_app import findings_command

    assert findings_command.mentioned(arguments, Settings()) is routed
