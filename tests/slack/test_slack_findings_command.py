"""`/fa2 findings` end to end with the real report: the offline baseline over a scenario
bundle carrying Security Hub and GuardDuty findings, signed requests into the app, the local
Slack Web API stand-in recording the thread and the uploaded bytes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
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
