"""The investigation form: what happened, the time range, optional context.

Times are picked with Slack's `datetimepicker`, which shows them in the user's own timezone
and returns UTC epoch seconds, so nobody converts GMT by hand. The form also shows the
user's timezone (from `users.info`) next to the UTC range fa2 will use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from slack_app.contract import MODAL_CALLBACK_ID
from slack_app.limits import MAX_PRIVATE_METADATA
from slack_app.text import escape_mrkdwn, plain, truncate

DESCRIPTION, START, END, CONTEXT = "description", "start", "end", "context"
VALUE = "value"  # the action_id of every input element


class FormOrigin(BaseModel):
    """Where the form was opened; kept in the modal's private_metadata."""

    channel: str
    thread_ts: str | None = None  # None: the slash command; fa2 starts a new thread
    alarm_key: str | None = None  # the alarm fa2 recognised, in the store
    user: str | None = None


class UserTime(BaseModel):
    """The user's timezone as `users.info` reports it."""

    tz: str = "UTC"
    tz_label: str = "Coordinated Universal Time"
    tz_offset: int = 0  # seconds east of UTC

    def offset_label(self) -> str:
        sign = "+" if self.tz_offset >= 0 else "-"
        minutes = abs(self.tz_offset) // 60
        return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class InvestigationForm(BaseModel):
    """A valid submission, in UTC."""

    description: str
    start: datetime
    end: datetime
    context: str | None = None


def default_range(
    at: datetime, before_minutes: int, after_minutes: int
) -> tuple[datetime, datetime]:
    """The prefilled range: the alarm time minus `before` to plus `after`, whole minutes."""
    at = at.astimezone(UTC).replace(second=0, microsecond=0)
    return at - timedelta(minutes=before_minutes), at + timedelta(minutes=after_minutes)


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": VALUE},
    }


def investigation_modal(
    *,
    origin: FormOrigin,
    description: str,
    start: datetime,
    end: datetime,
    user_time: UserTime,
    max_window_hours: int,
) -> dict[str, Any]:
    """The modal view for `views.open`."""
    metadata = origin.model_dump_json(exclude_none=True)
    if len(metadata) > MAX_PRIVATE_METADATA:  # never happens with Slack ids; keep the contract
        raise ValueError("form origin does not fit in private_metadata")
    tz_note = (
        f"Times are shown in your timezone, {escape_mrkdwn(user_time.tz)} ({user_time.offset_label()}). "
        f"fa2 works in UTC: prefilled {start:%Y-%m-%d %H:%M}Z – {end:%H:%M}Z. "
        f"At most {max_window_hours} h."
    )
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK_ID,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "fa2 investigation"},
        "submit": {"type": "plain_text", "text": "Investigate"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(
                DESCRIPTION,
                "What happened?",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "initial_value": truncate(plain(description), 3000),
                    "placeholder": {
                        "type": "plain_text",
                        "text": "e.g. 5XX errors on the orders API",
                    },
                },
            ),
            _input(
                START,
                "From",
                {"type": "datetimepicker", "initial_date_time": int(start.timestamp())},
            ),
            _input(
                END, "To", {"type": "datetimepicker", "initial_date_time": int(end.timestamp())}
            ),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": tz_note}]},
            _input(
                CONTEXT,
                "Anything else fa2 should know?",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "placeholder": {
                        "type": "plain_text",
                        "text": "a deploy at 10:00, a related ticket…",
                    },
                },
                optional=True,
            ),
        ],
    }


def _value(values: dict[str, Any], block_id: str) -> Any:
    element = values.get(block_id, {}).get(VALUE, {})
    if element.get("type") == "datetimepicker":
        return element.get("selected_date_time")
    return element.get("value")


def _utc(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), tz=UTC) if epoch is not None else None


def parse_submission(
    view: dict[str, Any], *, max_window_hours: int, now: datetime | None = None
) -> InvestigationForm | dict[str, str]:
    """The submitted form, or field errors keyed by block id (for `response_action: errors`)."""
    values = view.get("state", {}).get("values", {})
    description = (_value(values, DESCRIPTION) or "").strip()
    context = (_value(values, CONTEXT) or "").strip() or None
    start, end = _utc(_value(values, START)), _utc(_value(values, END))
    now = now or datetime.now(UTC)
    errors: dict[str, str] = {}
    if not description:
        errors[DESCRIPTION] = "Describe what happened; one line is enough."
    if start is None:
        errors[START] = "Pick the start of the time range."
    if end is None:
        errors[END] = "Pick the end of the time range."
    if start is not None and end is not None:
        if end <= start:
            errors[END] = f"The end must be after the start ({start:%Y-%m-%d %H:%M} UTC)."
        elif end - start > timedelta(hours=max_window_hours):
            hours = (end - start).total_seconds() / 3600
            errors[END] = (
                f"The range is {hours:.1f} h; fa2 looks at most {max_window_hours} h at once."
            )
        if start > now:
            errors[START] = "The start is in the future."
    if errors or start is None or end is None:
        return errors
    try:
        return InvestigationForm(description=description, start=start, end=end, context=context)
    except ValidationError as exc:  # defensive: the checks above cover the model's rules
        return {DESCRIPTION: truncate(str(exc.errors()[0]["msg"]), 150)}


def parse_origin(view: dict[str, Any]) -> FormOrigin:
    return FormOrigin.model_validate_json(view.get("private_metadata") or "{}")
