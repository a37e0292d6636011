"""Metrics Insights over a bundle's metric series, aggregated on DuckDB.

Which series a query reads is decided on the series catalog (namespace, metric name,
dimensions: a few hundred entries at most); the datapoints never leave DuckDB until the
answer: one SQL statement buckets them by period, aggregates per group, computes each group's
ORDER BY value over the whole range, orders, and cuts to LIMIT.

A bundle series holds one statistic (what GetMetricData returned when it was recorded), where
CloudWatch keeps every observation. Each FUNCTION reads the statistic that answers it exactly
— SUM the Sum series, MIN the Minimum, MAX the Maximum, COUNT the SampleCount, AVG the Sum and
SampleCount series (their ratio) — and falls back to the series' own statistic otherwise, with
a note saying the value is approximate (AVG over Average series is a mean of averages).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from agent.telemetry.base import QueryError
from agent.telemetry.limits import InsightsRequest
from agent.telemetry.local.metrics_insights.lexer import query_error
from agent.telemetry.local.metrics_insights.loader import TABLE, load_series
from agent.telemetry.local.metrics_insights.parser import (
    Function,
    MetricsInsightsQuery,
    Name,
    parse_metrics_insights,
)
from agent.telemetry.types import TimeRange

OTHER = "Other"  # AWS's name for the group of series lacking a GROUP BY key
# The statistic that answers each function exactly.
EXACT_STATISTIC: dict[str, str] = {
    "SUM": "Sum",
    "MIN": "Minimum",
    "MAX": "Maximum",
    "COUNT": "SampleCount",
}
# Per bucket, over the chosen datapoints (role 'v'; AVG's exact form has roles 's' and 'n').
_BUCKET_SQL: dict[str, str] = {
    "SUM": "sum(value)",
    "MIN": "min(value)",
    "MAX": "max(value)",
    "COUNT": "sum(value)",
    "AVG": "avg(value)",
}
_EXACT_AVG_SQL = "sum(value) FILTER (role = 's') / nullif(sum(value) FILTER (role = 'n'), 0)"
_COUNT_OF_POINTS_SQL = "count(value)"
# ORDER BY FUNCTION(): over one series' datapoints.
_SERIES_SQL: dict[str, str] = {
    "SUM": "sum",
    "MIN": "min",
    "MAX": "max",
    "COUNT": "count",
    "AVG": "avg",
}


@dataclass(frozen=True)
class InsightsAnswer:
    """A GetMetricData-shaped response plus what the flattening needs."""

    response: dict[str, Any]
    dimensions: list[dict[str, str]]
    total_series: int
    note: str | None
    query: MetricsInsightsQuery
    matched: int  # series (of any statistic) the SELECT, FROM and WHERE clauses matched


class MetricsInsightsEngine:
    """Metrics Insights over the series `load_series` put in DuckDB."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> None:
        self._con = con
        self.catalog, self.unreadable = load_series(con, files)

    # ------------------------------------------------------------------ resolution

    def namespaces(self) -> list[str]:
        return sorted({s.namespace for s in self.catalog})

    def _resolve(self, query: MetricsInsightsQuery) -> list[int]:
        """The catalog entries the SELECT, FROM and WHERE clauses match (all statistics)."""
        text = query.text
        namespace = query.namespace.text
        in_namespace = [i for i, s in enumerate(self.catalog) if s.namespace == namespace]
        if not self.catalog:
            raise query_error(
                text, query.namespace.pos, "this bundle has no metrics (metrics/*.json)"
            )
        if not in_namespace:
            raise query_error(
                text,
                query.namespace.pos,
                f"namespace {namespace!r} is not in this bundle; it has: "
                + ", ".join(f'"{n}"' for n in self.namespaces()),
            )
        named = [i for i in in_namespace if self.catalog[i].metric_name == query.metric.text]
        if not named:
            metrics = sorted({self.catalog[i].metric_name for i in in_namespace})
            raise query_error(
                text,
                query.metric.pos,
                f"metric {query.metric.text!r} is not in namespace {namespace!r} in this bundle; "
                f"it has: {', '.join(metrics[:40])}" + (" …" if len(metrics) > 40 else ""),
            )
        known = sorted({k for i in named for k, _ in self.catalog[i].dimensions})
        for used in query.names_used:
            if used.text not in known:
                raise self._unknown_dimension(query, used, known)
        matched = named
        if query.schema_keys is not None:
            wanted = {k.text for k in query.schema_keys}
            matched = [i for i in matched if {k for k, _ in self.catalog[i].dimensions} == wanted]
        for condition in query.where:
            key, value = condition.key.text, condition.value
            if condition.operator == "=":
                matched = [i for i in matched if dict(self.catalog[i].dimensions).get(key) == value]
            else:
                matched = [i for i in matched if dict(self.catalog[i].dimensions).get(key) != value]
        return matched

    def _unknown_dimension(
        self, query: MetricsInsightsQuery, key: Name, known: list[str]
    ) -> QueryError:
        have = ", ".join(known) if known else "no dimensions"
        return query_error(
            query.text,
            key.pos,
            f"no {query.namespace.text} {query.metric.text} series has the dimension "
            f"{key.text!r} (names are case-sensitive); its dimensions: {have}",
        )

    def empty_hint(self, answer: InsightsAnswer, time_range: TimeRange) -> str:
        """Why the answer is empty, naming what would have matched."""
        query = answer.query
        if answer.matched:
            return (
                f"{answer.matched} series matched but none has datapoints in {time_range.label()}"
            )
        sets = sorted(
            {
                ", ".join(k for k, _ in s.dimensions) or "(none)"
                for s in self.catalog
                if s.namespace == query.namespace.text and s.metric_name == query.metric.text
            }
        )
        hints = [f"dimension sets of {query.metric.text}: " + "; ".join(sets)]
        for condition in query.where:
            values = sorted(
                {
                    dict(s.dimensions)[condition.key.text]
                    for s in self.catalog
                    if s.metric_name == query.metric.text
                    and condition.key.text in dict(s.dimensions)
                }
            )
            hints.append(f"values of {condition.key.text}: " + ", ".join(values[:30]))
        return "no series matched the query; " + "; ".join(hints)

    def _choose(
        self, function: Function, matched: Sequence[int]
    ) -> tuple[list[tuple[int, str]], bool]:
        """(sid, role) pairs to aggregate, and whether they answer `function` only approximately."""
        by_key: dict[tuple[Any, ...], dict[str, int]] = {}
        for i in matched:
            series = self.catalog[i]
            by_key.setdefault(series.key, {})[series.statistic] = i
        chosen: list[tuple[int, str]] = []
        approximate = False
        for stats in by_key.values():
            if function == "AVG" and {"Sum", "SampleCount"} <= stats.keys():
                chosen += [(stats["Sum"], "s"), (stats["SampleCount"], "n")]
                continue
            exact = EXACT_STATISTIC.get(function, "Average")
            if exact in stats:
                chosen.append((stats[exact], "v"))
                continue
            fallback = "Average" if "Average" in stats else sorted(stats)[0]
            chosen.append((stats[fallback], "c" if function == "COUNT" else "v"))
            approximate = True
        return chosen, approximate

    # ------------------------------------------------------------------ execution

    def run(self, request: InsightsRequest, time_range: TimeRange) -> InsightsAnswer:
        query = parse_metrics_insights(request.expression)
        matched = self._resolve(query)
        chosen, approximate = self._choose(query.function, matched)
        base = min((self.catalog[sid].period for sid, _ in chosen), default=60)
        if request.period < base or request.period % base:
            raise QueryError(
                f"period {request.period} s: the bundle holds these series at a {base} s period; "
                f"ask for {base} s or a multiple of it"
            )
        group_keys = [k.text for k in query.group_by]
        labels = [
            tuple(dict(self.catalog[sid].dimensions).get(k, OTHER) for k in group_keys)
            for sid, _ in chosen
        ]
        ordered = sorted(set(labels))  # group index = alphabetical rank, AWS's default order
        if query.function == "AVG" and any(role == "v" for _, role in chosen):
            # A mean of recorded averages is exact only for one series at its own period.
            approximate |= len(labels) > len(ordered) or request.period > base
        index = {label: n for n, label in enumerate(ordered)}
        limit = min(query.limit or request.max_series, request.max_series)
        rows = self._aggregate(
            query, chosen, [index[g] for g in labels], request.period, time_range, limit
        )
        # Which statistic stood in, so the note can name it (the reader must say what it used).
        read = sorted({self.catalog[sid].statistic for sid, role in chosen if role in ("v", "c")})
        answer = self._answer(query, rows, ordered, group_keys, read if approximate else [])
        return dataclasses.replace(answer, matched=len(matched))

    def _aggregate(
        self,
        query: MetricsInsightsQuery,
        chosen: list[tuple[int, str]],
        groups: list[int],
        period: int,
        time_range: TimeRange,
        limit: int,
    ) -> list[tuple[int, float, float, float, int]]:
        """(group, bucket epoch, value, order value, groups in total) rows, in answer order."""
        if any(role in "sn" for _, role in chosen):
            bucket_sql = _EXACT_AVG_SQL
        elif any(role == "c" for _, role in chosen):
            bucket_sql = _COUNT_OF_POINTS_SQL
        else:
            bucket_sql = _BUCKET_SQL[query.function]
        order_fn = _SERIES_SQL[query.order_function or query.function]
        direction = "DESC" if query.descending else "ASC"
        order = f"agg {direction} NULLS LAST, grp" if query.order_function else "grp"
        final_order = f"r.agg {direction} NULLS LAST, b.grp" if query.order_function else "b.grp"
        sql = f"""
            WITH chosen AS (
                SELECT unnest($sids::INTEGER[]) AS sid, unnest($roles::VARCHAR[]) AS role,
                       unnest($groups::INTEGER[]) AS grp
            ), buckets AS (
                SELECT c.grp, floor(p.ts / $period) * $period AS bucket, {bucket_sql} AS value
                FROM {TABLE} p JOIN chosen c USING (sid)
                WHERE p.ts >= $start AND p.ts < $end
                GROUP BY c.grp, bucket
                HAVING value IS NOT NULL
            ), ranked AS (
                SELECT grp, {order_fn}(value) AS agg, count(*) OVER () AS total
                FROM buckets GROUP BY grp
                ORDER BY {order} LIMIT $limit
            )
            SELECT b.grp, b.bucket, b.value, r.agg, r.total
            FROM buckets b JOIN ranked r USING (grp)
            ORDER BY {final_order}, b.bucket
        """
        cursor = self._con.cursor()
        try:
            return cursor.execute(
                sql,
                {
                    "sids": [sid for sid, _ in chosen],
                    "roles": [role for _, role in chosen],
                    "groups": groups,
                    "period": float(period),
                    "start": time_range.start.timestamp(),
                    "end": time_range.end.timestamp(),
                    "limit": limit,
                },
            ).fetchall()
        finally:
            cursor.close()

    def _answer(
        self,
        query: MetricsInsightsQuery,
        rows: list[tuple[int, float, float, float, int]],
        groups: list[tuple[str, ...]],
        group_keys: list[str],
        approximated_from: list[str],
    ) -> InsightsAnswer:
        results: list[dict[str, Any]] = []
        dimensions: list[dict[str, str]] = []
        by_group: dict[int, dict[str, Any]] = {}
        for grp, bucket, value, _agg, _total in rows:
            entry = by_group.get(grp)
            if entry is None:
                label = (
                    " ".join(groups[grp])
                    if group_keys
                    else f"{query.function}({query.metric.text})"
                )
                entry = {
                    "Id": "q1",
                    "Label": label,
                    "Timestamps": [],
                    "Values": [],
                    "StatusCode": "Complete",
                }
                by_group[grp] = entry
                results.append(entry)
                dimensions.append(dict(zip(group_keys, groups[grp], strict=True)))
            entry["Timestamps"].append(datetime.fromtimestamp(bucket, tz=UTC).isoformat())
            entry["Values"].append(value)
        note = None
        if approximated_from:
            note = (
                f"approximate: the bundle lacks the statistic {query.function} reads exactly "
                f"({EXACT_STATISTIC.get(query.function, 'Sum and SampleCount')}), so it was "
                f"computed from the series' recorded statistic ({', '.join(approximated_from)})"
            )
        total = int(rows[0][4]) if rows else 0
        return InsightsAnswer(
            response={"MetricDataResults": results, "Messages": []},
            dimensions=dimensions,
            total_series=total,
            note=note,
            query=query,
            matched=0,
        )
