"""The chart of a metrics answer: one line per series, times in the asker's zone, and a
legend under the plot that fits ten long names (the shared part said once, what differs
kept)."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta

from PIL import Image

from agent.insight.chart import MAX_SERIES, ChartLine, chart_lines, legend_names, render_chart
from agent.insight.period import parse_zone
from agent.insight.series import NamedSeries

START = datetime(2026, 3, 2, tzinfo=UTC)
LONG = (
    "payments-platform-prod-eu-west-1-settlement-reconciler-worker-{:02d}-handler · Duration (p99)"
)


def _points(k: int, hours: int = 7 * 24) -> list[tuple[datetime, float]]:
    return [
        (START + timedelta(hours=h), 100 + 10 * k + 30 * math.sin(h / 10 + k)) for h in range(hours)
    ]


def _size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def test_one_series_renders_as_a_png_chart() -> None:
    png = render_chart([ChartLine("E3", "orders-put · Duration (p99)", _points(0))], "p99", UTC)
    assert png.startswith(b"\x89PNG")
    width, height = _size(png)
    assert 900 <= width <= 1100 and 400 <= height <= 600


def test_ten_long_names_keep_what_differs_and_state_the_shared_part_once() -> None:
    names, shared = legend_names([LONG.format(k) for k in range(10)])
    assert names[0] == "…worker-00-handler…" and names[9] == "…worker-09-handler…"
    assert len(set(names)) == 10
    assert (
        shared
        == "payments-platform-prod-eu-west-1-settlement-reconciler-worker-…-handler · Duration (p99)"
    )


def test_names_that_fit_are_kept_whole() -> None:
    assert legend_names(["orders-put · Duration", "orders-get · Duration"]) == (
        ["orders-put · Duration", "orders-get · Duration"],
        None,
    )


def test_ten_series_grow_the_figure_so_the_legend_fits_under_the_plot() -> None:
    one = render_chart([ChartLine("E4", LONG.format(0), _points(0))], "top 10", UTC)
    ten = render_chart(
        [ChartLine("E4", LONG.format(k), _points(k)) for k in range(10)],
        "Top 10 Lambda functions by p99 Duration",
        parse_zone("America/New_York"),
    )
    (one_width, one_height), (ten_width, ten_height) = _size(one), _size(ten)
    assert ten_height > one_height + 40  # five legend rows below the axes
    assert ten_width <= one_width * 1.1  # the legend does not widen the figure


def test_at_most_ten_series_are_drawn_and_a_single_point_is_not_a_line() -> None:
    series = [
        NamedSeries("E2", f"m{k}", f"fn-{k} · Errors (Sum)", "Errors", "Sum", 60, _points(k, 5))
        for k in range(12)
    ]
    series.append(NamedSeries("E3", "m1", "lonely", "Errors", "Sum", 60, _points(0, 1)))
    lines = chart_lines(series, set())
    assert len(lines) == MAX_SERIES and all(line.evidence_id == "E2" for line in lines)


def test_a_sum_named_per_second_is_divided_by_its_period() -> None:
    consumed = NamedSeries(
        "E2", "m1", "orders · ConsumedWriteCapacityUnits (Sum)", "ConsumedWriteCapacityUnits",
        "Sum", 60, [(START, 240.0), (START + timedelta(minutes=1), 120.0)],
    )  # fmt: skip
    [line] = chart_lines([consumed], {"E2"})
    assert line.name.endswith("per second")
    assert [v for _, v in line.points] == [4.0, 2.0]
