"""The full time series behind the evidence of a metrics question.

Evidence keeps a compact table (at most `MAX_EVIDENCE_ROWS` rows, what a citation shows);
the chart needs every point. `SeriesLedger` is the evidence ledger that also keeps the typed
series (`QueryResult.series`) of each result under its evidence id, so the chart reads what
the query returned without re-querying or re-parsing a table.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from agent.ledger import MAX_EVIDENCE_ROWS, EvidenceLedger
from agent.report import Evidence
from agent.telemetry.base import QueryResult
from agent.telemetry.types import MetricSeries

# `m1 = AWS/Lambda Duration{FunctionName=orders-put} Average/60s` (shapes.metric_data_query)
_METRIC_PART = re.compile(
    r"(?P<id>\w+) = (?P<ns>\S+) (?P<name>[^{\s]+)\{(?P<dims>[^}]*)\} (?P<stat>[\w.]+)/(?P<period>\d+)s"
)


@dataclass(frozen=True)
class NamedSeries:
    """One series of one piece of evidence, named for a legend."""

    evidence_id: str
    series_id: str
    name: str  # `orders-put · Duration (Average)`
    metric: str | None  # `Duration`
    statistic: str | None
    period: int | None  # seconds per point, when the query says
    points: list[tuple[datetime, float]]


class SeriesLedger(EvidenceLedger):
    """An `EvidenceLedger` that also keeps each result's typed series by evidence id."""

    def __init__(self, existing: Iterable[Evidence] = ()) -> None:
        super().__init__(existing)
        self._series_lock = threading.Lock()
        self._series: dict[str, list[MetricSeries]] = {}

    def record(
        self,
        tool: str,
        result: QueryResult,
        *,
        call_id: str | None = None,
        max_rows: int = MAX_EVIDENCE_ROWS,
    ) -> Evidence:
        evidence = super().record(tool, result, call_id=call_id, max_rows=max_rows)
        if result.series:
            with self._series_lock:
                self._series[evidence.id] = list(result.series)
        return evidence

    def series_of(self, evidence: Evidence) -> list[NamedSeries]:
        """The series of one piece of evidence, each with a legend name."""
        with self._series_lock:
            series = list(self._series.get(evidence.id, []))
        parts = {m["id"]: m for m in _METRIC_PART.finditer(evidence.query)}
        named = []
        for item in series:
            part = parts.get(item.id)
            if part is not None:
                dims = [d.split("=", 1)[-1] for d in part["dims"].split(",") if d]
                who = " ".join(dims) or part["ns"]
                name = f"{who} · {part['name']} ({part['stat']})"
                metric, statistic = part["name"], part["stat"]
                period: int | None = int(part["period"])
            else:  # a Metrics Insights series: its label names the group (`orders-put`)
                name = item.label or item.id
                metric, statistic, period = None, None, _spacing(item.points)  # type: ignore[assignment]
            named.append(
                NamedSeries(evidence.id, item.id, name, metric, statistic, period, item.points)
            )
        return named


def _spacing(points: list[tuple[datetime, float]]) -> int | None:
    """The smallest gap between points, in seconds: the period of a series whose query does
    not state it."""
    gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(points)]
    positive = [g for g in gaps if g > 0]
    return int(min(positive)) if positive else None
