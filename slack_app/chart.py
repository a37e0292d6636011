"""A PNG chart for the thread: the alarm metric (or the error rate found in the evidence)
over the investigation window, with the alarm time and each cited change event marked.

matplotlib's object API with the Agg canvas: no pyplot global state, safe in worker threads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from agent.incident import Incident, as_utc
from agent.report import Evidence, Report
from slack_app.investigator import Series

TIME_COLUMNS = ("bin", "time", "minute", "timestamp")
CHANGE_HINTS = ("cloudtrail", "cloud_trail", "eventname")


@dataclass
class ChartData:
    title: str
    label: str
    points: Series
    alarm_time: datetime | None = None
    threshold: float | None = None
    changes: list[tuple[datetime, str]] = field(default_factory=list)


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


def series_from_evidence(evidence: Evidence) -> Series:
    """Points from a result with a time column and a numeric column (e.g. errors per minute)."""
    columns = [c.lower() for c in evidence.columns]
    time_col = next((i for i, c in enumerate(columns) if any(h in c for h in TIME_COLUMNS)), None)
    if time_col is None:
        return []
    for value_col in (i for i in range(len(columns)) if i != time_col):
        points = []
        for row in evidence.rows:
            when = _parse_time(row[time_col] or "") if len(row) > value_col else None
            number = _number(row[value_col]) if when else None
            if when is not None and number is not None:
                points.append((when, number))
        if len(points) >= 2:
            return sorted(points)
    return []


def error_rate_series(report: Report) -> tuple[str, Series] | None:
    """The best time series in the evidence: error queries first, then the longest."""
    candidates = []
    for item in report.evidence:
        points = series_from_evidence(item)
        if points:
            mentions_errors = any(
                w in item.query.lower() for w in ("error", "5xx", "fault", "status")
            )
            candidates.append((mentions_errors, len(points), item.id, points))
    if not candidates:
        return None
    _, _, evidence_id, points = max(candidates, key=lambda c: (c[0], c[1]))
    return f"{evidence_id} (per bin)", points


def change_events(report: Report) -> list[tuple[datetime, str]]:
    """Timeline entries that cite configuration-change evidence (CloudTrail)."""
    evidence = report.evidence_by_id()
    changes = []
    for entry in report.timeline:
        cited = [evidence[i] for i in entry.evidence_ids if i in evidence]
        text = " ".join(f"{e.tool} {e.source} {e.query}".lower() for e in cited)
        if any(hint in text for hint in CHANGE_HINTS):
            changes.append((as_utc(entry.time), entry.event))
    return changes


def chart_data(
    report: Report, incident: Incident, metric: tuple[str, Series] | None
) -> ChartData | None:
    """What to draw: the alarm metric when there is one, else an error rate from the evidence."""
    chosen = metric if metric and len(metric[1]) >= 2 else error_rate_series(report)
    if chosen is None:
        return None
    label, points = chosen
    return ChartData(
        title=incident.alarm_name or incident.title,
        label=label,
        points=points,
        alarm_time=incident.state_change_time,
        threshold=incident.threshold if chosen is metric else None,
        changes=change_events(report),
    )


def literal(text: str) -> str:
    """Text matplotlib draws as written: an unescaped `$` pair starts mathtext, so a CloudTrail
    event mentioning `$LATEST` twice would render as a formula, and `$\\frac{$` would fail."""
    return text.replace("$", r"\$")


def render_png(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.6 + 0.18 * len(data.changes)), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    times = [date2num(t) for t, _ in data.points]
    axes.plot(
        times,
        [v for _, v in data.points],
        color="#1f6feb",
        linewidth=1.6,
        label=literal(data.label),
    )
    if data.threshold is not None:
        axes.axhline(data.threshold, color="#d29922", linestyle=":", linewidth=1, label="threshold")
    if data.alarm_time is not None:
        axes.axvline(date2num(data.alarm_time), color="#cf222e", linewidth=1.4, label="alarm")
    for number, (when, text) in enumerate(data.changes, start=1):
        label = literal(f"C{number}: {text if len(text) <= 70 else text[:69] + '…'}")
        axes.axvline(date2num(when), color="#8250df", linestyle="--", linewidth=1, label=label)
        axes.annotate(
            f"C{number}",
            xy=(date2num(when), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=8,
            color="#8250df",
        )
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M"))
    axes.set_xlabel("UTC")
    axes.set_title(literal(data.title[:80]), fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
