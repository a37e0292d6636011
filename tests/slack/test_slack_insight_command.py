"""`/fa2 insight` end to end with the real agent: the offline baseline over the demo bundle,
signed requests into the app, the local Slack Web API stand-in recording what fa2 sends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from slack_app.app import create_app
from slack_app.insight_command import InsightOrigin, insight_modal
from slack_app.server import SlackServer
from slack_app.store import SqliteStore
from tests.slack.conftest import ALERTS, SIGNING_SECRET, Driver, make_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.payloads import ONCALL, blocks_of, submission

pytestmark = pytest.mark.slow
QUESTION = "Is the orders table running out of write capacity?"


@pytest.fixture
def offline(fake_slack: FakeSlack, demo_bundle_path: Path, tmp_path: Path) -> Iterator[Driver]:
    settings = make_settings(
        fake_slack,
        model="baseline",
        bundle=demo_bundle_path,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp_path / "checkpoints.sqlite",
        incident_memory="off",
    )
    store = SqliteStore(tmp_path / "slack.sqlite")
    app = create_app(settings, store=store, progress_interval=0.0)
    server = SlackServer(app, signing_secret=SIGNING_SECRET, port=0)
    server.start_in_thread()
    yield Driver(url=server.url, slack=fake_slack.recorder, store=store, investigator=None)  # type: ignore[arg-type]
    server.shutdown()
    server.server_close()


def _thread_of_the_answer(driver: Driver) -> tuple[dict, str, list[dict]]:
    """The parent message, its ts (the thread) and the messages posted in that thread."""
    completed = driver.slack.wait_for("files.completeUploadExternal", timeout=120)[0].params
    posts = [p.params for p in driver.slack.of("chat.postMessage")]
    parent = posts[0]
    thread_ts = completed["thread_ts"]
    return parent, thread_ts, [p for p in posts[1:] if p.get("thread_ts") == thread_ts]


def test_the_answer_and_its_chart_go_to_the_thread_of_a_new_parent_message(
    offline: Driver,
) -> None:
    assert offline.command(f"insight --days 2 {QUESTION}").status == 200

    parent, _, in_thread = _thread_of_the_answer(offline)
    assert "thread_ts" not in parent and parent["channel"] == ALERTS
    assert f"<@{ONCALL}> asked fa2 about metrics (last 2 days)" in parent["text"]
    assert len(in_thread) == len(offline.slack.of("chat.postMessage")) - 1  # nothing else
    answer = next(p for p in in_thread if "📈" in json.dumps(blocks_of(p), ensure_ascii=False))
    shown = json.dumps(blocks_of(answer), ensure_ascii=False)
    assert "running out of write capacity" in shown and "orders" in shown
    assert "(JST, UTC+09:00)" in shown and "UTC" in shown  # the asker's zone, from users.info
    status = offline.slack.of("chat.update")[-1].params
    assert "Done:" in status["text"] and "cited series" in status["text"]


def test_the_chart_png_and_the_markdown_are_uploaded_into_the_thread(offline: Driver) -> None:
    offline.command(f"insight {QUESTION}")  # offline with no --days: the bundle's window

    _, thread_ts, _ = _thread_of_the_answer(offline)
    completed = offline.slack.of("files.completeUploadExternal")[0].params
    assert completed["channel_id"] == ALERTS and completed["thread_ts"] == thread_ts
    names = [f["title"] for f in json.loads(completed["files"])]
    assert len(names) == 2 and names[1].startswith("fa2 insight: ")
    uploads = offline.slack.wait_for("/upload", 2)
    png = [u.raw for u in uploads if u.raw.startswith(b"\x89PNG\r\n\x1a\n")]
    markdown = [u.raw.decode() for u in uploads if not u.raw.startswith(b"\x89PNG")]
    assert len(png) == 1 and len(png[0]) > 5_000
    assert len(markdown) == 1 and markdown[0].startswith(f"# {QUESTION}")


def test_a_question_asked_in_the_form_is_answered_in_a_thread_of_its_channel(
    offline: Driver,
) -> None:
    view = insight_modal(InsightOrigin(channel=ALERTS, user=ONCALL), days=1)

    assert offline.interaction(submission(view, question=QUESTION)).status == 200

    parent, _, in_thread = _thread_of_the_answer(offline)
    assert "(last 1 day)" in parent["text"] and in_thread


def test_an_upload_slack_refuses_is_told_to_the_asker_privately(
    offline: Driver, fake_slack: FakeSlack
) -> None:
    fake_slack.method_errors["files.getUploadURLExternal"] = "file_uploads_disabled"

    offline.command(f"insight {QUESTION}")

    told = offline.slack.wait_until("chat.postEphemeral", "file_uploads_disabled", timeout=120)
    assert told.params["user"] == ONCALL and told.params["thread_ts"]
    assert "could not upload the chart" in told.params["text"]
    assert "Traceback" not in json.dumps(told.params)


def test_asked_by_a_mention_in_a_thread_the_answer_goes_to_that_thread(offline: Driver) -> None:
    from tests.slack.payloads import event_callback, mention

    thread = "1772446621.000200"
    offline.event(
        event_callback(mention(ALERTS, f"insight {QUESTION}", "1772447400.000100", thread))
    )

    completed = offline.slack.wait_for("files.completeUploadExternal", timeout=120)[0].params
    posts = [p.params for p in offline.slack.of("chat.postMessage")]
    assert completed["thread_ts"] == thread
    assert posts and all(p["thread_ts"] == thread for p in posts)  # no parent message
    assert any("📈" in json.dumps(blocks_of(p), ensure_ascii=False) for p in posts)
