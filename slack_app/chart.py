"""A PNG chart for the thread that tells the story at a glance: the alarm metric (or, for a
question, the series the answer relies on) over the window, the alarm's threshold and the
time it fired, and each change the report cites, the cause drawn apart from the changes it
dismissed. Every mark is labelled with the report's own evidence id (E5), so the chart, the
message and the report file name the same things; labels stay short (the file has details).

matplotlib's object API with the Agg canvas: no pyplot global state, safe in worker threads.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from agent.chart_text import (
    LABEL_CHARS as LABEL_CHARS,  # re-exported: the tests measure labels by it
)
from agent.chart_text import literal, short
from agent.incident import Incident, as_utc
from agent.report import Confidence, Evidence, Report
from slack_app.investigator import Series

TIME_COLUMNS = ("bin", "time", "minute", "timestamp")
CHANGE_HINTS = ("cloudtrail", "cloud_trail", "eventname")
SOURCE_NAMES = {
    "run_logs_insights_query": "Logs Insights",
    "run_athena_query": "Athena",
    "get_metric_data": "CloudWatch",
}
_METRIC_QUERY = re.compile(
    r"(?P<ns>[\w/.-]+) (?P<name>\w+)\{[^}]*\} (?P<stat>\w+)/(?P<period>\d+)s"
)
_EVENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]+")


@dataclass
class ChangeMark:
    time: datetime
    label: str  # "E5 UpdateTable on orders"
    cause: bool


@dataclass
class ChartData:
    title: str
    label: str  # the series' legend entry
    points: Series
    y_label: str = "value"
    alarm_time: datetime | None = None
    threshold: float | None = None
    changes: list[ChangeMark] = field(default_factory=list)


def _parse_time(value: str) -> datetime | None:
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def series_from_evidence(evidence: Evidence) -> tuple[str, Series]:
    """(value column, points) from a result with a time column and a numeric column."""
    columns = [c.lower() for c in evidence.columns]
    time_col = next((i for i, c in enumerate(columns) if any(h in c for h in TIME_COLUMNS)), None)
    if time_col is None:
        return "", []
    for value_col in (i for i in range(len(columns)) if i != time_col):
        points = []
        for row in evidence.rows:
            when = _parse_time(row[time_col] or "") if len(row) > value_col else None
            number = _number(row[value_col]) if when else None
            if when is not None and number is not None:
                points.append((when, number))
        if len(points) >= 2:
            return evidence.columns[value_col], sorted(points)
    return "", []


def describe_series(evidence: Evidence, column: str) -> tuple[str, str]:
    """(title, y-axis label) of an evidence series: the metric's name, or what was counted."""
    metric = _METRIC_QUERY.search(evidence.query)
    if metric:
        name = f"{metric['ns']} {metric['name']}"
        return (
            f"{evidence.id} · {name}",
            f"{metric['name']} ({metric['stat']} per {metric['period']} s)",
        )
    per = re.search(r"bin\((\w+)\)", evidence.query)
    unit = f" per {per.group(1)}" if per else ""
    where = SOURCE_NAMES.get(evidence.tool, evidence.tool)
    return f"{evidence.id} · {column}{unit} ({where})", f"{column}{unit}"


def relied_on_series(report: Report) -> tuple[Evidence, str, Series] | None:
    """The time series the answer relies on: the first series among the evidence the top
    hypothesis (then the summary) cites, else the error-rate series of the evidence."""
    by_id = report.evidence_by_id()
    cited: list[str] = []
    if report.hypotheses:
        cited += report.hypotheses[0].evidence_ids
    cited += re.findall(r"\bE\d+\b", report.summary)
    for evidence_id in dict.fromkeys(cited):
        if evidence_id in by_id:
            column, points = series_from_evidence(by_id[evidence_id])
            if points:
                return by_id[evidence_id], column, points
    candidates = []
    for item in report.evidence:
        column, points = series_from_evidence(item)
        if points:
            errors = any(w in item.query.lower() for w in ("error", "5xx", "fault", "status"))
            candidates.append((errors, len(points), item, column, points))
    if not candidates:
        return None
    _, _, item, column, points = max(candidates, key=lambda c: (c[0], c[1]))
    return item, column, points


def change_marks(report: Report) -> list[ChangeMark]:
    """Timeline entries that cite configuration-change evidence (CloudTrail), each labelled
    with its evidence id; the one the top hypothesis blames is the cause."""
    evidence = report.evidence_by_id()
    top = next((h for h in report.hypotheses if h.confidence != Confidence.low), None)
    marks = []
    for entry in report.timeline:
        cited = [evidence[i] for i in entry.evidence_ids if i in evidence]
        text = " ".join(f"{e.tool} {e.source} {e.query}".lower() for e in cited)
        if not any(hint in text for hint in CHANGE_HINTS):
            continue
        name = _EVENT_NAME.match(entry.event)
        blamed = top is not None and (
            entry.event[:40] in top.statement
            or (name is not None and name.group(0) in top.statement)
        )
        ids = "/".join(e.id for e in cited)
        words = entry.event.split(" by ")[0].split(" (")[0]
        marks.append(ChangeMark(as_utc(entry.time), short(f"{ids} {words}"), blamed))
    return marks


def chart_data(
    report: Report, incident: Incident, metric: tuple[str, Series] | None
) -> ChartData | None:
    """What to draw: the alarm metric when there is one, else the series the answer uses."""
    changes = change_marks(report)
    if metric and len(metric[1]) >= 2:
        label, points = metric
        return ChartData(
            title=incident.alarm_name or incident.title,
            label=short(label),
            points=points,
            y_label=label,
            alarm_time=incident.state_change_time,
            threshold=incident.threshold,
            changes=changes,
        )
    found = relied_on_series(report)
    if found is None:
        return None
    evidence, column, points = found
    title, y_label = describe_series(evidence, column)
    return ChartData(
        title=title,
        label=short(title),
        points=points,
        y_label=y_label,
        alarm_time=incident.state_change_time if incident.alarm_name else None,
        changes=changes,
    )


CAUSE, DISMISSED = "#cf222e", "#8c959f"


def render_png(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.6), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    times = [date2num(t) for t, _ in data.points]
    axes.plot(
        times,
        [v for _, v in data.points],
        color="#1f6feb",
        linewidth=1.8,
        label=literal(data.label),
    )
    if data.threshold is not None:
        axes.axhline(
            data.threshold, color="#bf8700", linestyle="--", linewidth=1.2,
            label=literal(f"threshold {data.threshold:g}"),
        )  # fmt: skip
    if data.alarm_time is not None:
        axes.axvline(
            date2num(data.alarm_time),
            color="#1b1f24",
            linewidth=1.2,
            label=f"alarm {data.alarm_time:%H:%M}Z",
        )
    for mark in data.changes:
        x = date2num(mark.time)
        if mark.cause:
            axes.axvline(x, color=CAUSE, linewidth=2.2, label=literal(f"cause: {mark.label}"))
        else:
            axes.axvline(
                x,
                color=DISMISSED,
                linestyle=":",
                linewidth=1.4,
                label=literal(f"dismissed: {mark.label}"),
            )
        axes.annotate(
            literal(mark.label.split(" ")[0]),
            xy=(x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
            color=CAUSE if mark.cause else DISMISSED,
            fontweight="bold" if mark.cause else "normal",
        )
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    axes.set_xlabel("time (UTC)")
    axes.set_ylabel(literal(short(data.y_label, 40)), fontsize=9)
    axes.set_title(literal(short(data.title, 80)), fontsize=10)
    axes.grid(alpha=0.3)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
