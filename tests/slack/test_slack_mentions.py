"""Nothing fa2 sends to Slack can notify anyone: telemetry text with `<!channel>`,
`<@U123ADMIN>` or `@here` shows literally in the fallback `text` of every message, in the
blocks, the modal prefill, file titles and the chart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from agent.incident import Incident
from agent.report import TimelineEntry
from slack_app.blocks import alarm_reply, error_message, status_message
from slack_app.chart import chart_data, render_png
from slack_app.messages import answer_message, evidence_messages
from slack_app.modal import FormOrigin, UserTime, investigation_modal
from slack_app.text import ZERO_WIDTH_SPACE, fallback_text, plain
from tests.slack.conftest import ALERTS, Driver, serve
from tests.slack.fake_slack import FakeSlack
from tests.slack.mentions import live_mentions, sent_texts
from tests.slack.payloads import event_callback, mention
from tests.slack.reports import WINDOW, ScriptedInvestigator, throttling_report

THREAD = "slack-C0ALERTS01-1772446621.000200"
HOSTILE = "db down <!channel> ping <@U123ADMIN> & @here <!subteam^S0ONCALL> a<b>c"


def _hostile_report():  # type: ignore[no-untyped-def]
    report = throttling_report()
    timeline = [
        *report.timeline,
        TimelineEntry(  # cites CloudTrail evidence, so the chart marks it as a change
            time=datetime(2026, 3, 2, 10, 4, tzinfo=UTC),
            event="UpdateFunctionCode $LATEST <!channel> $\\frac{$ @everyone",
            evidence_ids=["E2"],
        ),
    ]
    return report.model_copy(update={"title": f"orders-api-5xx {HOSTILE}", "timeline": timeline})


def _hostile_incident() -> Incident:
    return Incident(
        source="chatbot",
        title=f"orders-api-5xx {HOSTILE}",
        alarm_name=f"orders-api-5xx {HOSTILE}",
        state_change_time=datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
        window=WINDOW,
    )


def test_the_report_fallback_text_shows_mentions_literally() -> None:
    message = answer_message(_hostile_report(), thread_id=THREAD)
    assert live_mentions(message.text) == []
    assert "&lt;!channel&gt;" in message.text and "&lt;@U123ADMIN&gt;" in message.text
    assert f"@{ZERO_WIDTH_SPACE}here" in message.text and "&amp;" in message.text


def test_every_page_of_long_evidence_details_has_a_safe_fallback_text() -> None:
    report = _hostile_report()
    first = report.evidence[0]
    evidence = [first.model_copy(update={"id": f"E{i}", "query": HOSTILE * 100}) for i in range(60)]
    ids = [e.id for e in evidence]
    messages = evidence_messages(report.model_copy(update={"evidence": evidence}), ids)
    assert len(messages) > 1
    assert all(live_mentions(m.text) == [] for m in messages)


def test_the_status_message_fallback_text_shows_mentions_literally() -> None:
    message = status_message(f"why 5xx {HOSTILE}", state="⏳", detail=f"step 1 · {HOSTILE}")
    assert live_mentions(message.text) == []
    assert live_mentions(json.dumps(message.blocks, ensure_ascii=False)) == []
    assert "&lt;!channel&gt;" in message.text


def test_the_alarm_reply_fallback_text_shows_mentions_literally() -> None:
    message = alarm_reply(_hostile_incident(), alarm_key=THREAD)
    assert live_mentions(message.text) == []
    assert "&lt;@U123ADMIN&gt;" in message.text


def test_an_error_message_escapes_what_failed() -> None:
    message = error_message("0a1b2c3d", f"Reading {HOSTILE} failed")
    assert live_mentions(message.text) == [] and "0a1b2c3d" in message.text


def test_cutting_a_fallback_text_never_leaves_half_an_entity() -> None:
    for limit in range(20, 40):
        text = fallback_text("<" * 100, limit=limit)
        assert len(text) <= limit
        assert text.removesuffix("…").replace("&lt;", "") == ""


def test_the_form_prefill_breaks_mention_tokens_but_looks_the_same() -> None:
    view = investigation_modal(
        origin=FormOrigin(channel=ALERTS, user="U0ONCALL1"),
        description=HOSTILE,
        start=WINDOW.start,
        end=WINDOW.end,
        user_time=UserTime(tz="Asia/<!here>"),
        max_window_hours=24,
    )
    assert live_mentions(json.dumps(view, ensure_ascii=False)) == []
    prefill = view["blocks"][0]["element"]["initial_value"]
    assert prefill.replace(ZERO_WIDTH_SPACE, "") == HOSTILE
    assert plain("see <#C0ALERTS01>") == f"see <{ZERO_WIDTH_SPACE}#C0ALERTS01>"


def test_a_chart_whose_labels_look_like_mathtext_still_renders() -> None:
    data = chart_data(_hostile_report(), _hostile_incident(), metric=None)
    assert data is not None and len(data.changes) == 2
    assert render_png(data).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.fixture
def hostile(fake_slack: FakeSlack) -> Iterator[Driver]:
    server, drv = serve(fake_slack, ScriptedInvestigator(report=_hostile_report()))
    yield drv
    server.shutdown()
    server.server_close()


def test_no_message_text_or_file_title_sent_during_an_investigation_can_notify(
    hostile: Driver,
) -> None:
    question = "why 5xx <!here> @channel <!everyone>?"
    hostile.event(event_callback(mention(ALERTS, question, "1772447300.000100")))
    files = hostile.slack.wait_for("files.completeUploadExternal")[0].params
    sent = sent_texts(hostile.slack.calls)
    assert any(k.startswith("chat.update") for k in sent) and len(sent) >= 6
    assert {where: live_mentions(text) for where, text in sent.items() if live_mentions(text)} == {}
    titles = [f["title"] for f in json.loads(files["files"])]
    assert live_mentions(json.dumps(titles, ensure_ascii=False)) == []
    assert len(hostile.slack.wait_for("/upload", 2)) == 2, "the chart rendered despite the `$`"
