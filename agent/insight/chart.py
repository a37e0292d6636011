"""The chart of a metrics answer: the series it relies on, on one time axis in the asker's
zone, one colour each, and a legend under the plot that grows with the number of series (a
top-10 of long function names still fits; each name is cut in the middle, where names
sharing a prefix and a suffix differ least).

matplotlib's object API with the Agg canvas: no pyplot global state, safe in worker threads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from agent.chart_text import literal, middle_short, short
from agent.insight.period import zone_name
from agent.insight.series import NamedSeries

MAX_SERIES = 10  # a top-10; more lines than that no one can tell apart
LEGEND_CHARS = 60
CONTEXT_CHARS = 12
# Colour-blind-safe and distinct in print (Okabe–Ito, then Tableau's extras).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#8c564b",
    "#7f7f7f",
)


@dataclass(frozen=True)
class ChartLine:
    evidence_id: str
    name: str
    points: list[tuple[datetime, float]]


_SEPARATORS = "-_/.: "


def _common_prefix(names: list[str]) -> str:
    """The characters all names start with (the lexically first and last bound the rest)."""
    low, high = min(names), max(names)
    size = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
    return low[:size]


def legend_names(names: list[str], limit: int = LEGEND_CHARS) -> tuple[list[str], str | None]:
    """Legend entries that fit, and a legend title when they were shortened. Names that
    share a long prefix and suffix (`…-worker-07-handler · Duration`) keep what differs and
    the title says the shared part once; otherwise a long name is cut in the middle."""
    if len(names) < 2 or all(len(n) <= limit for n in names):
        return [middle_short(n, limit) for n in names], None
    prefix = _common_prefix(names)
    prefix = prefix[: max(prefix.rfind(c) for c in _SEPARATORS) + 1]
    suffix = _common_prefix([n[::-1] for n in names])[::-1]
    cut = [i for i in (suffix.find(c) for c in _SEPARATORS) if i >= 0]
    suffix = suffix[min(cut) :] if cut else ""
    if len(prefix) + len(suffix) < 8:
        return [middle_short(n, limit) for n in names], None
    # a word of the shared part on each side keeps an entry readable: `…worker-07-handler…`
    before = prefix[-CONTEXT_CHARS:]
    before = before[
        min((i + 1 for i in (before.find(c) for c in _SEPARATORS) if i >= 0), default=0) :
    ]
    after = suffix[:CONTEXT_CHARS]
    after = after[: max((after.rfind(c) for c in _SEPARATORS if after.rfind(c) > 0), default=0)]
    after = after.rstrip(" ·")
    entries = [
        ("…" if len(before) < len(prefix) else "")
        + before
        + n[len(prefix) : len(n) - len(suffix)]
        + after
        + ("…" if len(after) < len(suffix) else "")
        for n in names
    ]
    return [middle_short(e, limit) for e in entries], f"{prefix}…{suffix}"


def chart_lines(series: list[NamedSeries], per_second: set[str]) -> list[ChartLine]:
    """The lines to draw: at most `MAX_SERIES` series with two points or more; a series named
    in `per_second` (by its name, metric or evidence id) is a Sum divided by its period."""
    lines = []
    for item in series:
        if len(item.points) < 2:
            continue
        keys = {item.name, item.evidence_id, item.metric or ""} - {""}
        if keys & per_second and item.period:
            points = [(t, v / item.period) for t, v in item.points]
            name = f"{item.name} per second"
        else:
            points, name = list(item.points), item.name
        lines.append(ChartLine(item.evidence_id, name, points))
        if len(lines) == MAX_SERIES:
            break
    return lines


def render_chart(lines: list[ChartLine], title: str, zone: tzinfo = UTC) -> bytes:
    """The lines as one PNG chart, times in `zone`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
    from matplotlib.figure import Figure

    legend_rows = len(lines) if len(lines) <= 4 else (len(lines) + 1) // 2
    figure = Figure(figsize=(9, 4.4 + 0.22 * legend_rows), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    names, shared = legend_names([line.name for line in lines])
    for index, (line, name) in enumerate(zip(lines, names, strict=True)):
        axes.plot(
            [date2num(t) for t, _ in line.points],
            [v for _, v in line.points],
            color=PALETTE[index % len(PALETTE)],
            linewidth=1.6,
            linestyle="-" if index < len(PALETTE) else "--",
            label=literal(f"{line.evidence_id} {name}"),
        )
    span = max((line.points[-1][0] - line.points[0][0]).total_seconds() for line in lines)
    pattern = "%H:%M" if span <= 36 * 3600 else "%m-%d %H:%M"
    axes.xaxis.set_major_locator(AutoDateLocator(tz=zone, maxticks=8))
    axes.xaxis.set_major_formatter(DateFormatter(pattern, tz=zone))
    axes.set_xlabel(f"time ({zone_name(zone)})", fontsize=9)
    axes.set_title(literal(short(title, 90)), fontsize=10)
    axes.grid(alpha=0.3)
    lowest = min(v for line in lines for _, v in line.points)
    if lowest >= 0:
        axes.set_ylim(bottom=0)
    axes.tick_params(labelsize=8)
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=1 if len(lines) <= 4 else 2,
        fontsize=8,
        frameon=False,
        title=literal(short(shared, 100)) if shared else None,
        title_fontsize=8,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
