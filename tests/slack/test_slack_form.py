"""The investigation form: invalid input comes back as field errors in the modal."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_app.contract import ACTION_IDS
from slack_app.modal import (
    FormOrigin,
    InvestigationForm,
    UserTime,
    investigation_modal,
    parse_submission,
)
from tests.slack.conftest import ALERTS, Driver, load_event
from tests.slack.payloads import blocks_of, button_click, submission

START = datetime(2026, 3, 2, 9, 47, tzinfo=UTC)
END = datetime(2026, 3, 2, 10, 22, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _view() -> dict:
    return investigation_modal(
        origin=FormOrigin(channel=ALERTS, thread_ts="1772446621.000200", user="U0ONCALL1"),
        description="orders-api-5xx in ALARM",
        start=START,
        end=END,
        user_time=UserTime(tz="America/Los_Angeles", tz_offset=-8 * 3600),
        max_window_hours=24,
    )


def _parse(**changes: object) -> InvestigationForm | dict[str, str]:
    return parse_submission(submission(_view(), **changes)["view"], max_window_hours=24, now=NOW)


def test_the_prefilled_form_submits_as_a_utc_range() -> None:
    form = _parse(context="deploy at 10:00")
    assert form == InvestigationForm(
        description="orders-api-5xx in ALARM", start=START, end=END, context="deploy at 10:00"
    )


def test_an_end_before_the_start_is_a_field_error_on_the_end() -> None:
    errors = _parse(end=int(START.timestamp()) - 60)
    assert errors == {"end": "The end must be after the start (2026-03-02 09:47 UTC)."}


def test_a_range_over_the_maximum_is_a_field_error_naming_the_limit() -> None:
    errors = _parse(start=int(END.timestamp()) - 30 * 3600)
    assert errors == {"end": "The range is 30.0 h; fa2 looks at most 24 h at once."}


def test_an_empty_description_is_a_field_error() -> None:
    assert _parse(description="   \n ") == {
        "description": "Describe what happened; one line is enough."
    }


def test_a_start_in_the_future_is_a_field_error() -> None:
    later = int(NOW.timestamp()) + 3600
    assert _parse(start=later, end=later + 600) == {"start": "The start is in the future."}


def test_the_form_shows_the_users_timezone_with_its_offset() -> None:
    note = next(b for b in _view()["blocks"] if b["type"] == "context")["elements"][0]["text"]
    assert "America/Los_Angeles (UTC-08:00)" in note and "2026-03-02 09:47Z – 10:22Z" in note


def test_an_invalid_submission_is_answered_with_response_action_errors(driver: Driver) -> None:
    driver.event(load_event("chatbot_slack_attachments.json"))
    reply = driver.slack.wait_for("chat.postMessage")[0].params
    value = next(b["accessory"]["value"] for b in blocks_of(reply) if b.get("accessory"))
    click = button_click(
        ACTION_IDS["analyze"],
        value,
        channel=ALERTS,
        message_ts="1772447000.000001",
        thread_ts="1772446621.000200",
    )
    driver.interaction(click)
    view = driver.slack.wait_for("views.open")[0].params["view"]
    start = view["blocks"][1]["element"]["initial_date_time"]

    response = driver.interaction(submission(view, description="", end=start - 60))

    assert response.status == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            "description": "Describe what happened; one line is enough.",
            "end": "The end must be after the start (2026-03-02 09:47 UTC).",
        },
    }
    assert driver.investigator.investigations == []
