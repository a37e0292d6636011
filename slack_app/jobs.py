"""The work behind the listeners, run after Slack has been acked: recognise alarms, open the
form, run investigations and follow-ups, publish reports. Every failure a user could see is
turned into a short message with an error id; the details go to the logs under that id.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from agent.config import Settings
from agent.incident import Incident, TimeRange
from agent.report import Report
from slack_app import admission, blocks, messages
from slack_app.admission import Admission
from slack_app.investigator import ConversationLost, Investigator
from slack_app.modal import (
    FormOrigin,
    InvestigationForm,
    UserTime,
    default_range,
    investigation_modal,
)
from slack_app.payloads import thread_id_for
from slack_app.progress import StatusMessage
from slack_app.store import SlackStore
from slack_app.text import escape_mrkdwn, plain, truncate

log = logging.getLogger(__name__)

Result = TypeVar("Result")


def new_error_id() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class Jobs:
    settings: Settings
    store: SlackStore
    client: Any  # slack_sdk WebClient
    investigator_factory: Callable[[], Investigator]
    progress_interval: float = 1.0
    queue_poll_seconds: float = 1.0
    _investigator: Investigator | None = None

    @property
    def investigator(self) -> Investigator:
        if self._investigator is None:
            self._investigator = self.investigator_factory()
        return self._investigator

    def post(self, channel: str, thread_ts: str | None, message: blocks.SlackMessage) -> str:
        response = self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks
        )
        return str(response["ts"])

    def post_private(
        self, channel: str, user: str, thread_ts: str | None, message: blocks.SlackMessage
    ) -> None:
        """`message` shown only to `user` (an ephemeral message)."""
        self.client.chat_postEphemeral(
            channel=channel,
            user=user,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks,
        )

    def fail(
        self, channel: str, thread_ts: str | None, what: str, *, only_for: str | None = None
    ) -> str:
        """Log the exception being handled under a new id and tell the thread that id
        (or only the user `only_for`, as an ephemeral message)."""
        error_id = new_error_id()
        log.exception("%s (error id %s, channel %s, thread %s)", what, error_id, channel, thread_ts)
        message = blocks.error_message(error_id, what)
        try:
            if only_for is None:
                self.post(channel, thread_ts, message)
            else:
                self.post_private(channel, only_for, thread_ts, message)
        except Exception:
            log.exception("could not report error %s to Slack", error_id)
        return error_id

    # --- alarms ------------------------------------------------------------------------

    def on_alarm_message(
        self, event: dict[str, Any], channel: str, ts: str, workspace: str | None = None
    ) -> Incident | None:
        """Reply under an Amazon Q Developer (AWS Chatbot) alarm notification, if it is one."""
        from agent.alarm import AlarmParseError, parse_chatbot_message

        try:
            incident = parse_chatbot_message(event, self.settings)
        except AlarmParseError as exc:
            log.debug("bot message in %s is not an alarm notification: %s", channel, exc)
            return None
        if (incident.state or "ALARM") != "ALARM":
            return None  # OK / INSUFFICIENT_DATA notifications need no investigation
        alarm_key = thread_id_for(channel, ts)
        note = None
        bundle_window = self.outside_bundle(incident)
        if bundle_window is not None:
            note = (
                f"⚠️ fa2 runs offline over a bundle whose telemetry covers "
                f"{bundle_window.label()}; this alarm fired outside it, so fa2 investigates "
                "the bundle's window instead."
            )
            incident = incident.model_copy(update={"window": bundle_window})
        self.store.put_alarm(alarm_key, incident.model_dump_json())
        self.post(channel, ts, blocks.alarm_reply(incident, alarm_key=alarm_key, note=note))
        if self.settings.slack.auto_investigate:
            self.investigate(incident, channel=channel, thread_ts=ts, workspace=workspace)
        return incident

    # --- the form ----------------------------------------------------------------------

    def user_time(self, user_id: str) -> UserTime:
        try:
            user = self.client.users_info(user=user_id)["user"]
            return UserTime(
                tz=user.get("tz") or "UTC",
                tz_label=user.get("tz_label") or "",
                tz_offset=int(user.get("tz_offset") or 0),
            )
        except Exception:  # the form still works in UTC
            log.warning("users.info failed for %s; showing UTC", user_id, exc_info=True)
            return UserTime()

    def open_form(
        self,
        *,
        trigger_id: str,
        origin: FormOrigin,
        description: str,
        start: datetime,
        end: datetime,
    ) -> None:
        view = investigation_modal(
            origin=origin,
            description=description,
            start=start,
            end=end,
            user_time=self.user_time(origin.user or ""),
            max_window_hours=self.settings.telemetry.max_window_hours,
        )
        self.client.views_open(trigger_id=trigger_id, view=view)

    def open_form_for_alarm(
        self, *, trigger_id: str, user: str, alarm_key: str, channel: str, thread_ts: str
    ) -> None:
        stored = self.store.get_alarm(alarm_key)
        origin = FormOrigin(channel=channel, thread_ts=thread_ts, alarm_key=alarm_key, user=user)
        if stored is None:
            window = self.recent_window()  # the alarm expired from the store: start blank
            self.open_form(
                trigger_id=trigger_id,
                origin=origin,
                description="",
                start=window.start,
                end=window.end,
            )
            return
        incident = Incident.model_validate_json(stored)
        description = incident.title
        if incident.state_reason:
            description += f"\n{incident.state_reason}"
        start, end = default_range(
            incident.state_change_time or incident.window.end,
            self.settings.telemetry.window_before_minutes,
            self.settings.telemetry.window_after_minutes,
        )
        if self.outside_bundle(incident) is not None:  # offline: the bundle's window, as told
            start, end = incident.window.start, incident.window.end
        self.open_form(
            trigger_id=trigger_id, origin=origin, description=description, start=start, end=end
        )

    def open_command_form(self, *, trigger_id: str, channel: str, user: str, text: str) -> None:
        """The `/fa2` form: the recent window (the bundle's, offline), the command's text."""
        window = self.recent_window()
        start, end = window.start, window.end
        self.open_form(
            trigger_id=trigger_id,
            origin=FormOrigin(channel=channel, user=user),
            description=text.strip(),
            start=start,
            end=end,
        )

    def on_form(
        self, form: InvestigationForm, origin: FormOrigin, workspace: str | None = None
    ) -> None:
        """A valid submission: build the incident and investigate in the origin's thread."""
        from agent.alarm import incident_from_text

        window = TimeRange(start=form.start, end=form.end)
        context = "\n\n".join(
            p for p in (f"Reported by the on-call engineer: {form.description}", form.context) if p
        )
        stored = self.store.get_alarm(origin.alarm_key) if origin.alarm_key else None
        if stored is not None:
            incident = Incident.model_validate_json(stored).model_copy(
                update={"window": window, "extra_context": context}
            )
        else:
            incident = incident_from_text(
                form.description, form.start, form.end, settings=self.settings
            )
            incident = incident.model_copy(update={"extra_context": form.context})
        thread_ts = origin.thread_ts
        if thread_ts is None:  # the slash command: start a thread for this investigation
            who = f"<@{origin.user}> asked" if origin.user else "Asked"
            thread_ts = self.post(
                origin.channel,
                None,
                blocks.notice(
                    f"🔎 {who} fa2 to investigate: {escape_mrkdwn(truncate(form.description, 500))}"
                ),
            )
        self.investigate(incident, channel=origin.channel, thread_ts=thread_ts, workspace=workspace)

    # --- investigations ----------------------------------------------------------------

    def cost_limits(self) -> admission.CostLimits:
        slack = self.settings.slack
        return admission.CostLimits(
            running_per_channel=slack.max_concurrent_per_channel,
            running=slack.max_concurrent,
            queued_per_channel=slack.max_queued_per_channel,
            queued=slack.max_queued,
            per_hour=slack.max_investigations_per_hour,
            stale_seconds=2 * self.settings.budgets.max_wall_seconds + 60,
        )

    def _admit(self, channel: str, thread_ts: str, thread_id: str, what: str) -> Admission:
        """Take a ticket for this thread, or tell the thread why there is none."""
        limits = self.cost_limits()
        decision = self.store.update_tickets(
            lambda tickets: admission.admit(tickets, channel, thread_id, limits, time.time())
        )
        if decision.outcome == "busy_thread":
            self.post(
                channel,
                thread_ts,
                blocks.notice(
                    "⏳ fa2 is already working in this thread; the answer will appear here."
                ),
            )
        elif decision.outcome == "refused":
            log.info("refused a %s in %s: %s", what, thread_id, decision.reason)
            self.post(
                channel,
                thread_ts,
                blocks.notice(
                    f"🚫 fa2 did not start this {what}: {decision.reason}. Please ask again later."
                ),
            )
        return decision

    def _wait_in_line(self, status: StatusMessage, thread_id: str, first: Admission) -> bool:
        """Poll the queue until this ticket runs (True) or the wait is over (False), keeping
        the status message's position current."""
        limits = self.cost_limits()
        deadline = time.monotonic() + limits.stale_seconds / 2
        shown = first.position
        while time.monotonic() < deadline:
            time.sleep(self.queue_poll_seconds)
            decision = self.store.update_tickets(
                partial(admission.poll, thread_id=thread_id, limits=limits, now=time.time())
            )
            if decision.outcome == "started":
                status.waiting("starting")
                return True
            if decision.outcome != "queued":
                return False
            if decision.position != shown:
                shown = decision.position
                status.waiting(_queued_line(decision))
        self.store.update_tickets(lambda tickets: (None, admission.withdraw(tickets, thread_id)))
        return False

    def _release(self, thread_id: str) -> None:
        try:
            now = time.time()
            self.store.update_tickets(
                lambda tickets: (None, admission.finish(tickets, thread_id, now))
            )
        except Exception:  # a stuck ticket expires after the stale time
            log.warning("could not release the ticket of %s", thread_id, exc_info=True)

    def investigate(
        self, incident: Incident, *, channel: str, thread_ts: str, workspace: str | None = None
    ) -> Report | None:
        """`workspace` (the Slack team id) scopes the past incidents the run reads and leaves."""
        thread_id = thread_id_for(channel, thread_ts)
        return self.run_guarded(
            "investigation",
            channel=channel,
            thread_ts=thread_ts,
            title=incident.title,
            work=lambda status: self.investigator.investigate(
                incident, thread_id=thread_id, on_progress=status, workspace=workspace
            ),
            publish=lambda report: self.publish(
                report, incident, channel=channel, thread_ts=thread_ts, thread_id=thread_id
            ),
        )

    def follow_up(
        self, question: str, *, channel: str, thread_ts: str, workspace: str | None = None
    ) -> Report | None:
        """A question in a thread fa2 answered: the same conversation, with all its evidence.
        The answer is a short threaded reply; "full report" re-attaches the report file."""
        thread_id = thread_id_for(channel, thread_ts)
        if messages.FULL_REPORT.search(question):
            return self.attach_full_report(channel=channel, thread_ts=thread_ts)

        def publish(report: Report) -> None:
            self.post(channel, thread_ts, messages.followup_message(report, thread_id=thread_id))

        return self.run_guarded(
            "follow-up",
            channel=channel,
            thread_ts=thread_ts,
            title=truncate(question, 80),
            work=lambda status: self.investigator.ask(
                thread_id, question, on_progress=status, workspace=workspace
            ),
            publish=publish,
        )

    def attach_full_report(self, *, channel: str, thread_ts: str) -> Report | None:
        """The thread's latest report as the markdown file, with no new investigation."""
        report = self.investigator.thread_report(thread_id_for(channel, thread_ts))
        if report is None:
            self.post(
                channel,
                thread_ts,
                blocks.notice("fa2 no longer has a report for this thread. Start one with /fa2."),
            )
            return None
        self._upload(report, None, channel=channel, thread_ts=thread_ts)
        return report

    def show_evidence(self, *, value: str, channel: str, thread_ts: str | None, user: str) -> None:
        """The "Show evidence" button: the cited evidence's details, for the clicking user."""
        thread_id, ids = messages.parse_show_evidence(value)
        report = self.investigator.thread_report(thread_id)
        if report is None:
            found = [blocks.notice("fa2 no longer has this thread's evidence.")]
        else:
            found = messages.evidence_messages(report, ids)
        for message in found:
            self.post_private(channel, user, thread_ts, message)

    def run_guarded(
        self,
        what: str,
        *,
        channel: str,
        thread_ts: str,
        title: str,
        work: Callable[[StatusMessage], Result],
        publish: Callable[[Result], None],
        done_line: Callable[[Result], str] | None = None,
        explain: Callable[[Exception], str | None] | None = None,
    ) -> Result | None:
        """Run `work` in the thread's slot (the cost guard) with a status message, then
        `publish` its result; `done_line` is the status message's last line (an investigation's
        by default) and `explain` turns a failure the user can act on into its message.

        The slot is released as soon as the agent is done, so a follow-up asked while the
        report is being posted is not turned away.
        """
        thread_id = thread_id_for(channel, thread_ts)
        decision = self._admit(channel, thread_ts, thread_id, what)
        if decision.outcome not in ("started", "queued"):
            return None
        try:
            detail = "starting" if decision.outcome == "started" else _queued_line(decision)
            status = self._status(channel, thread_ts, title, detail)
        except Exception:
            self._release(thread_id)
            self.fail(channel, thread_ts, f"Starting the {what} failed")
            return None
        if decision.outcome == "queued" and not self._wait_in_line(status, thread_id, decision):
            status.fail(f"Not started: the {what} waited in line too long. Please ask again later.")
            return None
        try:
            result = work(status)
        except ConversationLost as exc:
            log.info("%s in %s: %s", what, thread_id, exc)
            status.fail(str(exc))
            return None
        except Exception as exc:
            reason = explain(exc) if explain is not None else None
            if reason is not None:
                log.info("%s in %s refused: %s", what, thread_id, reason)
                status.fail(reason)
                return None
            error_id = new_error_id()
            log.exception("%s failed (error id %s, thread %s)", what, error_id, thread_id)
            status.fail(
                f"The {what} failed (error id `{error_id}`). The details are in fa2's logs."
            )
            return None
        finally:
            self._release(thread_id)
        try:
            status.finish(done_line(result) if done_line else _done_line(result))  # type: ignore[arg-type]
            publish(result)
        except Exception:
            self.fail(channel, thread_ts, f"Posting the {what} failed")
        return result

    def question(
        self, question: str, *, channel: str, ts: str, workspace: str | None = None
    ) -> Report | None:
        """A mention outside any thread: investigate the question over the recent window."""
        from agent.alarm import incident_from_text

        window = self.recent_window()
        incident = incident_from_text(question, window.start, window.end, settings=self.settings)
        return self.investigate(incident, channel=channel, thread_ts=ts, workspace=workspace)

    def outside_bundle(self, incident: Incident) -> TimeRange | None:
        """Offline, the bundle's window when the alarm fired outside it (a notification posted
        today over a bundle recorded another day); None when it fits or fa2 runs on AWS."""
        if self.settings.telemetry.bundle is None or incident.state_change_time is None:
            return None
        window = self.recent_window()
        inside = window.start <= incident.state_change_time <= window.end
        return None if inside else window

    def recent_window(self) -> TimeRange:
        """ "Recent" for a question with no alarm: the last `window_before_minutes`, or, when
        fa2 runs offline over a bundle, the bundle's window (its telemetry is not from today)."""
        if self.settings.telemetry.bundle is not None:
            from agent.alarm import incident_from_bundle
            from agent.telemetry.bundle import load_bundle

            return incident_from_bundle(
                load_bundle(self.settings.telemetry.bundle), self.settings
            ).window
        end = datetime.now(UTC).replace(second=0, microsecond=0)
        return TimeRange(
            start=end - timedelta(minutes=self.settings.telemetry.window_before_minutes), end=end
        )

    def _status(self, channel: str, thread_ts: str, title: str, detail: str) -> StatusMessage:
        first = blocks.status_message(title, state="⏳", detail=detail)
        ts = self.post(channel, thread_ts, first)
        return StatusMessage(
            self.client, channel=channel, ts=ts, title=title, min_interval=self.progress_interval
        )

    # --- publishing --------------------------------------------------------------------

    def publish(
        self, report: Report, incident: Incident, *, channel: str, thread_ts: str, thread_id: str
    ) -> None:
        """The answer (one screen), then the whole report as markdown and the chart as files."""
        self.post(channel, thread_ts, messages.answer_message(report, thread_id=thread_id))
        self.store.mark_answered(thread_id)
        self._upload(report, incident, channel=channel, thread_ts=thread_ts)

    def _upload(
        self, report: Report, incident: Incident | None, *, channel: str, thread_ts: str
    ) -> None:
        from agent.report.markdown import render_markdown

        uploads: list[dict[str, Any]] = [
            {
                "content": render_markdown(report),
                "filename": "fa2-report.md",
                "title": plain(f"fa2 report: {truncate(report.title, 100)}"),
            }
        ]
        png = self._chart(report, incident) if incident is not None else None
        if png is not None:
            uploads.append(
                {"content": png, "filename": "fa2-chart.png", "title": "Alarm metric and changes"}
            )
        self.client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=thread_ts)

    def _chart(self, report: Report, incident: Incident) -> bytes | None:
        from slack_app.chart import chart_data, render_png

        try:
            metric = self.investigator.alarm_series(incident)
        except Exception:  # the chart is a bonus; fall back to the evidence
            log.warning("could not fetch the alarm metric for the chart", exc_info=True)
            metric = None
        data = chart_data(report, incident, metric)
        return render_png(data) if data is not None else None


def _queued_line(decision: Admission) -> str:
    return (
        f"queued · position {decision.position} in line; it starts when a running "
        "investigation finishes"
    )


def _done_line(report: Report) -> str:
    """The status message's last line; its time is the status message's own clock."""
    standing, ruled_out = messages.hypothesis_counts(report)
    found = f"{standing} hypothes{'i' if standing == 1 else 'e'}s"
    if ruled_out:
        found += f" ({ruled_out} ruled out)"
    return f"Done: {found} from {report.usage.tool_calls} queries (${report.usage.cost_usd:.4f})"
