"""The two kinds of answer as a user sees them in the thread: the investigation's answer on
one screen with the report as a file, a follow-up as one short reply citing its evidence
(links intact), the report file again only on "full report", and "Show evidence"."""

from __future__ import annotations

import json
import re

from agent.report.draft import RULE_BASED_NOTE
from slack_app.contract import ACTION_IDS
from slack_app.messages import answer_message, followup_message
from tests.slack.conftest import ALERTS, Driver
from tests.slack.payloads import blocks_of, button_click, event_callback, human_message, mention
from tests.slack.reports import throttling_report

THREAD_TS = "1772447300.000100"
THREAD = f"slack-{ALERTS}-{THREAD_TS}"
E1_LINK = (
    "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights"
)


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def visible_text(blocks: list[dict]) -> str:  # type: ignore[type-arg]
    """The text a reader sees: sections, contexts and headers, links shown by their label."""
    texts = [b["text"]["text"] for b in blocks if b.get("text")]
    texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    return re.sub(r"<[^|>]*\|([^>]*)>", r"\1", "\n".join(texts))


def _investigate(driver: Driver) -> None:
    driver.event(event_callback(mention(ALERTS, "why 5xx on orders?", THREAD_TS)))
    driver.slack.wait_for("files.completeUploadExternal")


def _ask(driver: Driver, question: str, ts: str, posts: int) -> list[dict]:  # type: ignore[type-arg]
    driver.event(event_callback(human_message(ALERTS, question, ts, THREAD_TS)))
    return [c.params for c in driver.slack.wait_for("chat.postMessage", posts)]


def test_the_investigation_answer_is_one_message_that_fits_a_laptop_screen() -> None:
    message = answer_message(throttling_report(), thread_id=THREAD)
    shown = visible_text(message.blocks)
    assert len(message.blocks) <= 8
    assert len(shown) < 1200, "about 20 lines at 600 px: one laptop screen"
    assert shown.count("rule-based") == 1
    assert "*Most likely* · 🔴 high confidence" in shown
    assert "1 ruled out" in shown, "a low-confidence hypothesis is not counted as standing"
    assert "Lambda timeout change" not in shown, "the ruled-out one is in the file only"


def test_every_citation_in_the_summary_statement_and_actions_is_a_link() -> None:
    report = throttling_report().model_copy(
        update={
            "summary": "Throttling since 10:02 [E1], right after UpdateTable [E2].",
            "actions": ["Restore capacity; see E1"],
        }
    )
    shown = dump(answer_message(report, thread_id=THREAD).blocks)
    assert shown.count(f"<{E1_LINK}|E1>") >= 4  # summary, statement, action, evidence list
    assert "[*E2*]" not in shown and "E2" in shown  # no link offline: the id stays plain


def test_arns_of_sso_sessions_are_shortened_in_the_answer() -> None:
    arn = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com"
    report = throttling_report().model_copy(update={"summary": f"UpdateTable by {arn} [E2]."})
    shown = visible_text(answer_message(report, thread_id=THREAD).blocks)
    assert "alice@example.com (role AWSReservedSSO_AdministratorAccess)" in shown
    assert "123456789012" not in shown


def test_a_follow_up_is_one_short_reply_with_only_the_answer_and_its_evidence(
    driver: Driver,
) -> None:
    _investigate(driver)
    before = len(driver.slack.of("chat.postMessage"))
    uploads = len(driver.slack.of("files.completeUploadExternal"))
    posts = _ask(driver, "when did it start?", "1772447400.000100", before + 2)
    new = posts[before:]
    assert len(new) == 2, "the status message and the answer, nothing else"
    answer = blocks_of(new[1])
    shown = visible_text(answer)
    assert all(b["type"] != "header" for b in answer)
    assert shown.startswith("About “when did it start?”: the first throttled PutItem came at 10:03")
    assert len(shown) < 800
    assert f"<{E1_LINK}|E1>" in dump(answer), "E1 links to the console"
    assert "*E2* · Athena SQL on cloud_trail_logs · 1 row · `SELECT eventtime" in dump(answer)
    assert "UpdateTable lowered the write capacity of `orders`" not in shown, "no report again"
    assert len(driver.slack.of("files.completeUploadExternal")) == uploads, "no file again"


def test_full_report_re_attaches_the_report_file_without_a_new_investigation(
    driver: Driver,
) -> None:
    _investigate(driver)
    driver.event(
        event_callback(human_message(ALERTS, "full report please", "1772447500.000100", THREAD_TS))
    )
    files = driver.slack.wait_for("files.completeUploadExternal", 2)[-1].params
    titles = [f["title"] for f in json.loads(files["files"])]
    assert titles == [titles[0]] and titles[0].startswith("fa2 report")
    assert driver.investigator.questions == []


def test_show_evidence_shows_the_cited_queries_to_the_user_who_clicked(driver: Driver) -> None:
    _investigate(driver)
    answer = driver.slack.of("chat.postMessage")[-1].params
    button = next(
        e
        for b in blocks_of(answer)
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_IDS["show_evidence"]
    )
    click = button_click(
        ACTION_IDS["show_evidence"],
        button["value"],
        channel=ALERTS,
        message_ts="1772447000.000009",
        thread_ts=THREAD_TS,
    )
    assert driver.interaction(click).status == 200
    shown = driver.slack.wait_for("chat.postEphemeral")[0].params
    assert shown["user"] == "U0ONCALL1" and shown["thread_ts"] == THREAD_TS
    details = dump(blocks_of(shown))
    assert "ProvisionedThroughputExceededException" in details  # E1's query
    assert "FROM aiops_db.cloud_trail_logs" in details  # E2's whole query
    assert "UpdateTable | orders" in details  # E2's rows


def test_the_follow_up_message_cites_old_and_new_evidence_each_with_link_or_query() -> None:
    report = throttling_report()
    new = report.evidence[1].model_copy(
        update={"id": "E20", "query": "SELECT 1 FROM cloud_trail_logs"}
    )
    report = report.model_copy(
        update={
            "summary": "Two writes before the errors [E2]; nothing else since [E20]; onset [E1].",
            "evidence": [*report.evidence, new],
        }
    )
    shown = dump(followup_message(report, thread_id=THREAD).blocks)
    assert f"<{E1_LINK}|E1>" in shown
    assert "*E2* · Athena SQL on cloud_trail_logs · 1 row · `SELECT eventtime" in shown
    assert "*E20* · Athena SQL on cloud_trail_logs" in shown
    assert "`SELECT 1 FROM cloud_trail_logs`" in shown


SURVEY_DENIED = (
    "Athena tables: could not be surveyed (AccessDeniedException: User: arn:aws:sts::123456789012:"
    "assumed-role/fa2-agent/fa2 is not authorized to perform: glue:GetTables)"
)
MODEL_DOWN = (
    "Model: us.anthropic.claude-sonnet-4-5-20250929-v1:0 unavailable (ThrottlingException); "
    "falling back"
)


def test_the_answer_says_what_the_run_could_not_see_beside_its_facts() -> None:
    report = throttling_report()
    report = report.model_copy(
        update={"notes": [*report.notes, MODEL_DOWN, SURVEY_DENIED, RULE_BASED_NOTE]}
    )
    message = answer_message(report, thread_id=THREAD)
    shown = visible_text(message.blocks)
    assert "⚠️ Model: us.anthropic.claude-sonnet-4-5-20250929-v1:0 unavailable" in shown
    assert "⚠️ Athena tables: could not be surveyed (AccessDeniedException" in shown
    assert shown.count("rule-based") == 1, "the facts say it; the note is not repeated"
    assert len(message.blocks) <= 8 and len(shown) < 1200, "still one laptop screen"


def test_notes_beyond_the_first_two_are_counted_and_none_can_ping_the_channel() -> None:
    hostile = "X-Ray: xray/<!channel>.json could not be read (" + "x" * 600 + ")"
    report = throttling_report().model_copy(
        update={"notes": [hostile, SURVEY_DENIED, MODEL_DOWN, "Past incidents: unreadable"]}
    )
    blocks = answer_message(report, thread_id=THREAD).blocks
    shown = visible_text(blocks)
    assert "<!channel>" not in dump(blocks) and "&lt;!channel&gt;" in dump(blocks)
    assert "x" * 300 not in shown, "a long note is cut; the report file has it whole"
    assert "_… 2 more note(s) in the report file_" in shown
    assert MODEL_DOWN not in shown
