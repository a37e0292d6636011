"""A bundle's metric files read by DuckDB itself (`read_json`, gzip included): the series
catalog (what each series measures) comes back to Python, the datapoints stay in one DuckDB
table, `metrics_insights_points(sid, ts, value)`, for the engine's SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.local.scan_cache import unreadable_reason
from agent.telemetry.types import metric_statistic

TABLE = "metrics_insights_points"


@dataclass(frozen=True)
class CatalogSeries:
    """One recorded series: what it measures, never its points (those stay in DuckDB)."""

    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]  # sorted by name: CloudWatch matches them as a set
    statistic: str
    period: int

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        return (self.namespace, self.metric_name, self.dimensions)


# The bundle format's keys (docs/incident-bundle.md), typed; a key a file lacks reads as NULL.
_COLUMNS = {
    "Namespace": "VARCHAR",
    "MetricName": "VARCHAR",
    "Dimensions": "STRUCT(Name VARCHAR, Value VARCHAR)[]",
    "Statistic": "VARCHAR",
    "Period": "BIGINT",
    "Timestamps": "VARCHAR[]",
    "Values": "DOUBLE[]",
}
_RAW = f"{TABLE}_raw"


def load_series(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path]
) -> tuple[list[CatalogSeries], list[tuple[Path, str]]]:
    """Fill TABLE from `files`; the catalog (sid = index) and the files or series skipped."""
    unreadable: list[tuple[Path, str]] = []
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_RAW} (file INTEGER, item BIGINT, namespace VARCHAR, "
        "metric VARCHAR, dims STRUCT(Name VARCHAR, Value VARCHAR)[], statistic VARCHAR, "
        "period BIGINT, ts VARCHAR[], vals DOUBLE[])"
    )
    for index, path in enumerate(files):
        try:
            con.execute(
                f"INSERT INTO {_RAW} SELECT ?, row_number() OVER (), Namespace, MetricName, "
                'Dimensions, Statistic, Period, Timestamps, "Values" '
                "FROM read_json(?, columns = ?, format = 'auto')",
                [index, str(path), _COLUMNS],
            )
        except duckdb.Error as exc:  # one unreadable file is skipped and named
            unreadable.append((path, unreadable_reason(exc)))
    if files and len(unreadable) == len(files):
        path, reason = unreadable[0]
        raise ValueError(
            f"none of the {len(files)} metrics file(s) could be read ({one_visible_line(path.name)}: {reason})"
        )
    catalog, rows = _catalog(con, files, unreadable)
    con.execute(
        f"""CREATE OR REPLACE TABLE {TABLE} AS
        SELECT sid, epoch(t) AS ts, v AS value FROM (
            SELECT m.sid, TRY_CAST(unnest(r.ts) AS TIMESTAMPTZ) AS t, unnest(r.vals) AS v
            FROM {_RAW} r
            JOIN (SELECT unnest($files::INTEGER[]) AS file, unnest($items::BIGINT[]) AS item,
                         unnest($sids::INTEGER[]) AS sid) m USING (file, item)
        ) WHERE t IS NOT NULL AND v IS NOT NULL""",
        {
            "files": [file for file, _, _ in rows],
            "items": [item for _, item, _ in rows],
            "sids": [sid for _, _, sid in rows],
        },
    )
    con.execute(f"DROP TABLE {_RAW}")
    return catalog, unreadable


def _catalog(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], unreadable: list[tuple[Path, str]]
) -> tuple[list[CatalogSeries], list[tuple[int, int, int]]]:
    """One series per (namespace, metric, dimensions, statistic) — a later recording replaces
    an earlier one, as the GetMetricData reader does — and the raw row each sid reads."""
    rows = con.execute(
        "SELECT file, item, namespace, metric, dims, statistic, period, len(ts), len(vals) "
        f"FROM {_RAW} ORDER BY file, item"
    ).fetchall()
    latest: dict[tuple[Any, ...], tuple[int, int, CatalogSeries]] = {}
    for file, item, namespace, metric, dims, statistic, period, n_ts, n_vals in rows:
        stat = metric_statistic(statistic or "Average")
        if not namespace or not metric or stat is None or n_ts != n_vals:
            unreadable.append((files[file], f"series {item} is not in the bundle format"))
            continue
        series = CatalogSeries(
            namespace=namespace,
            metric_name=metric,
            dimensions=tuple(sorted((str(d["Name"]), str(d["Value"])) for d in dims or [])),
            statistic=stat,
            period=int(period or 60),
        )
        latest[(*series.key, stat)] = (file, item, series)
    ordered = sorted(latest.values(), key=lambda entry: (entry[2].key, entry[2].statistic))
    return [s for _, _, s in ordered], [(f, i, sid) for sid, (f, i, _) in enumerate(ordered)]
