"""Athena: read-only SQL (guarded before it is sent), polled to completion, results paged
up to a row cap; table schemas from the Glue Data Catalog Athena reads."""

from __future__ import annotations

import contextlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent.telemetry.aws.errors import call, call_retrying_limits
from agent.telemetry.aws.query_service import QueryService
from agent.telemetry.base import (
    ColumnInfo,
    QueryError,
    QueryResult,
    TableSchema,
    TelemetryUnavailableError,
)
from agent.telemetry.deadline import query_seconds
from agent.telemetry.links import athena_query_url
from agent.telemetry.shapes import from_athena
from agent.telemetry.sql_guard import ensure_read_only

LABEL = "Athena"
FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
PAGE_SIZE = 1000  # GetQueryResults' MaxResults maximum
START_ATTEMPTS = 5
MAX_TABLES = 100
ATHENA_USER_ERROR = 2  # AthenaError.ErrorCategory: 1 system, 2 user, 3 other


class Athena(QueryService):
    @property
    def _workgroup_arn(self) -> str:
        return f"arn:aws:athena:{self.settings.aws.region}:*:workgroup/{self.settings.athena.workgroup}"

    # ------------------------------------------------------------------ schemas

    def table_schemas(self) -> list[TableSchema]:
        """The tables of the configured database (Glue GetTables), partition keys included."""
        database = self.settings.athena.database
        kwargs: dict[str, Any] = {"DatabaseName": database}
        schemas: list[TableSchema] = []
        while len(schemas) < MAX_TABLES:
            try:
                page = call(
                    self.clients.glue.get_tables,
                    action="glue:GetTables",
                    resource=f"arn:aws:glue:{self.settings.aws.region}:*:database/{database}",
                    service_label="Glue Data Catalog",
                    **kwargs,
                )
            except QueryError as exc:
                # The database name is configuration, not something the model can correct.
                raise TelemetryUnavailableError(
                    f"{exc.message} (the Athena database is set by FA2_ATHENA_DATABASE, now {database!r})"
                ) from exc
            for table in page.get("TableList", []):
                columns = (table.get("StorageDescriptor") or {}).get("Columns", []) + table.get(
                    "PartitionKeys", []
                )
                schemas.append(
                    TableSchema(
                        database=database,
                        table=table["Name"],
                        columns=[
                            ColumnInfo(name=c["Name"], type=c.get("Type", "")) for c in columns
                        ],
                        description=table.get("Description", ""),
                    )
                )
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return schemas

    # ------------------------------------------------------------------ queries

    def _start(self, sql: str, deadline: Any) -> str:
        request: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {
                "Database": self.settings.athena.database,
                "Catalog": "AwsDataCatalog",
            },
            "WorkGroup": self.settings.athena.workgroup,
        }
        if self.settings.athena.output_location:
            request["ResultConfiguration"] = {
                "OutputLocation": self.settings.athena.output_location
            }
        response = call_retrying_limits(
            self.clients.athena.start_query_execution,
            waiter=self.waiter,
            deadline=deadline,
            attempts=START_ATTEMPTS,
            action="athena:StartQueryExecution",
            resource=self._workgroup_arn,
            service_label=LABEL,
            **request,
        )
        return str(response["QueryExecutionId"])

    def _stop(self, execution_id: str) -> None:
        # Errors are ignored: the timeout error raised by the caller is what matters.
        with contextlib.suppress(ClientError, BotoCoreError):
            self.clients.athena.stop_query_execution(QueryExecutionId=execution_id)

    def _fetch_rows(self, execution_id: str, max_rows: int) -> tuple[dict[str, Any], bool]:
        """GetQueryResults pages until `max_rows` data rows (+ Athena's header row) are read.
        Returns the merged response and whether rows were left unread."""
        wanted = max_rows + 1  # the first row of a SELECT result repeats the column labels
        kwargs: dict[str, Any] = {
            "QueryExecutionId": execution_id,
            "MaxResults": min(PAGE_SIZE, wanted),
        }
        merged: dict[str, Any] | None = None
        rows: list[dict[str, Any]] = []
        while True:
            page = call(
                self.clients.athena.get_query_results,
                action="athena:GetQueryResults",
                resource=self._workgroup_arn,
                service_label=LABEL,
                **kwargs,
            )
            result_set = page.get("ResultSet", {})
            if merged is None:
                merged = {
                    "ResultSet": {"ResultSetMetadata": result_set.get("ResultSetMetadata", {})}
                }
                if "UpdateCount" in page:
                    merged["UpdateCount"] = page["UpdateCount"]
            rows.extend(result_set.get("Rows", []))
            token = page.get("NextToken")
            if not token or len(rows) >= wanted:
                merged["ResultSet"]["Rows"] = rows
                return merged, bool(token)
            kwargs["NextToken"] = token
            kwargs["MaxResults"] = min(PAGE_SIZE, wanted - len(rows))

    def run(self, sql: str, max_rows: int = 1000) -> QueryResult:
        if max_rows < 1:
            raise QueryError(f"max_rows must be at least 1 (got {max_rows})")
        # Refuse writes, and tables outside the configured database, before anything reaches AWS.
        sql = ensure_read_only(sql, database=self.settings.athena.database)
        timeout_s = query_seconds(self.timeout_s)
        deadline = self.waiter.deadline(timeout_s)
        execution_id = self._start(sql, deadline)
        link = athena_query_url(self.settings.aws.region, execution_id)

        def fetch() -> dict[str, Any]:
            return call(
                self.clients.athena.get_query_execution,
                action="athena:GetQueryExecution",
                resource=self._workgroup_arn,
                service_label=LABEL,
                QueryExecutionId=execution_id,
            )

        response = self.waiter.poll(
            fetch,
            lambda r: r["QueryExecution"]["Status"]["State"] in FINAL_STATES,
            deadline,
        )
        if response is None:
            self._stop(execution_id)
            raise TelemetryUnavailableError(
                f"Athena query {execution_id} did not finish within {timeout_s:.0f} s and was "
                "stopped; filter on the partition/time columns or select fewer columns"
            )
        execution = response["QueryExecution"]
        status = execution["Status"]
        bytes_scanned = int((execution.get("Statistics") or {}).get("DataScannedInBytes") or 0)
        if status["State"] != "SUCCEEDED":
            raise _failure(execution_id, status)
        merged, more = self._fetch_rows(execution_id, max_rows)
        result = from_athena(merged, sql=sql, link=link, bytes_scanned=bytes_scanned)
        statistics = dict(result.statistics)
        for key in (
            "EngineExecutionTimeInMillis",
            "TotalExecutionTimeInMillis",
            "QueryQueueTimeInMillis",
        ):
            value = (execution.get("Statistics") or {}).get(key)
            if isinstance(value, int | float):
                statistics[key] = float(value)
        shown = result.rows[:max_rows]
        return result.model_copy(
            update={
                "rows": shown,
                "status": "ok" if shown else "empty",
                # Rows past the cap are not read, so the total is "at least" when truncated.
                "truncated": more or len(result.rows) > max_rows,
                "statistics": statistics,
                "raw": {**merged, "QueryExecution": execution},
            }
        )


def _failure(execution_id: str, status: dict[str, Any]) -> Exception:
    """FAILED with a user-error category (syntax, unknown column/table) goes back to the
    model; access problems and service errors are infrastructure."""
    reason = (
        status.get("StateChangeReason")
        or (status.get("AthenaError") or {}).get("ErrorMessage")
        or ""
    )
    if status["State"] == "CANCELLED":
        return TelemetryUnavailableError(
            f"Athena query {execution_id} was cancelled: {reason}".rstrip(": ")
        )
    lowered = reason.lower()
    # Not "not authorized to access requested resources": Athena appends that to every
    # COLUMN_NOT_FOUND / TABLE_NOT_FOUND message.
    if (
        "access denied" in lowered
        or "accessdenied" in lowered
        or "is not authorized to perform" in lowered
    ):
        return TelemetryUnavailableError(
            f"Athena query {execution_id} failed on permissions: {reason} (the role needs s3:GetObject "
            "and s3:ListBucket on the log buckets, s3:PutObject on the query result location, and "
            "glue:GetTable/glue:GetPartitions on the database)"
        )
    category = (status.get("AthenaError") or {}).get("ErrorCategory")
    if category == ATHENA_USER_ERROR or (category is None and _looks_like_query_error(reason)):
        return QueryError(f"Athena rejected the query: {reason}")
    return TelemetryUnavailableError(
        f"Athena query {execution_id} failed: {reason or 'no reason given'}"
    )


def _looks_like_query_error(reason: str) -> bool:
    markers = (
        "SYNTAX_ERROR",
        "COLUMN_NOT_FOUND",
        "TABLE_NOT_FOUND",
        "FUNCTION_NOT_FOUND",
        "mismatched input",
        "TYPE_MISMATCH",
    )
    return any(marker.lower() in reason.lower() for marker in markers)
