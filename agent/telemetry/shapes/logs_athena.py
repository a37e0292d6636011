"""`GetQueryResults` of CloudWatch Logs Insights and of Athena -> `QueryResult`."""

from __future__ import annotations

from typing import Any

from agent.telemetry.base import QueryResult
from agent.telemetry.shapes.values import Row, finish
from agent.telemetry.types import TimeRange

_FAILED_QUERY_STATES = {"Failed", "Cancelled", "Timeout", "Unknown"}


# ---------------------------------------------------------------- CloudWatch Logs Insights


def from_logs_insights(
    response: dict[str, Any],
    *,
    query: str,
    time_range: TimeRange | None = None,
    link: str | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """`GetQueryResults` (Logs): `results` is a list of rows, each a list of
    `{"field", "value"}`; the internal `@ptr` field is dropped. Columns are the fields in
    order of first appearance (a field missing from a row is None there)."""
    columns: list[str] = []
    records: list[dict[str, str]] = []
    for result in response.get("results") or []:
        record: dict[str, str] = {}
        for cell in result:
            field = cell.get("field")
            if not field or field == "@ptr":
                continue
            if field not in record and field not in columns:
                columns.append(field)
            record[field] = cell.get("value")
        records.append(record)
    rows: list[Row] = [[record.get(c) for c in columns] for record in records]
    stats = {
        k: float(v)
        for k, v in (response.get("statistics") or {}).items()
        if isinstance(v, int | float)
    }
    status = response.get("status")
    if status in _FAILED_QUERY_STATES:
        return QueryResult(
            source="logs",
            status="error",
            query=query,
            time_range=time_range,
            error=f"Logs Insights query ended with status {status}",
            link=link,
            statistics=stats,
            raw=response,
        )
    return finish(
        source="logs",
        query=query,
        time_range=time_range,
        link=link,
        columns=columns,
        rows=rows,
        raw=response,
        max_rows=max_rows,
        bytes_scanned=int(stats.get("bytesScanned", 0)),
        statistics=stats,
    )


# ---------------------------------------------------------------- Athena


def from_athena(
    result_set: dict[str, Any],
    *,
    sql: str,
    total_rows: int | None = None,
    truncated: bool = False,
    link: str | None = None,
    bytes_scanned: int = 0,
    time_range: TimeRange | None = None,
    header_row: bool | None = None,
) -> QueryResult:
    """Athena `GetQueryResults`: `ResultSet.ResultSetMetadata.ColumnInfo` and `ResultSet.Rows`
    (each `{"Data": [{"VarCharValue": ...}, {}]}`; a missing `VarCharValue` is NULL).

    Accepts the whole response or just its `ResultSet`. For SELECT, Athena's first row repeats
    the column labels: `header_row=None` drops it when it does, True/False forces it.
    """
    rs = result_set.get("ResultSet", result_set)
    infos = (rs.get("ResultSetMetadata") or {}).get("ColumnInfo") or []
    columns = [str(info.get("Label") or info.get("Name")) for info in infos]
    rows: list[Row] = [
        [cell.get("VarCharValue") for cell in row.get("Data") or []] for row in rs.get("Rows") or []
    ]
    if rows and (header_row or (header_row is None and rows[0] == columns)):
        rows = rows[1:]
    if not columns and rows:
        columns = [f"_col{i}" for i in range(len(rows[0]))]
    raw = result_set if "ResultSet" in result_set else {"ResultSet": result_set}
    return finish(
        source="athena",
        query=sql,
        time_range=time_range,
        link=link,
        columns=columns,
        rows=rows,
        raw=raw,
        total_rows=total_rows if total_rows is not None else len(rows),
        truncated=truncated,
        bytes_scanned=bytes_scanned,
        statistics={"DataScannedInBytes": float(bytes_scanned)},
    )
