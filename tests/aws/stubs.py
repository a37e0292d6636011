"""Real response shapes (from the AWS API references) for Stubber-driven tests, and helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.telemetry.aws.polling import Backoff

ACCOUNT = "123456789012"
ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/fa2-agent/fa2"


def not_authorized(action: str, resource: str) -> str:
    """AWS's wording when an identity policy lacks an action."""
    return (
        f"User: {ROLE} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


def polls_within(budget: float) -> int:
    """How many status polls fit in `budget` seconds with the default back-off."""
    polls, elapsed = 0, 0.0
    for interval in Backoff().intervals():
        polls += 1
        if elapsed >= budget:
            break
        elapsed += min(interval, budget - elapsed)
        if elapsed >= budget:
            break
    return polls


def logs_row(timestamp: str, message: str, ptr: str) -> list[dict[str, str]]:
    return [
        {"field": "@timestamp", "value": timestamp},
        {"field": "@message", "value": message},
        {"field": "@ptr", "value": ptr},
    ]


THROTTLED_PUT = (
    "[ERROR] 2026-03-02T10:16:58.123Z 6f1c2a9e-4c55-4b7e-9d0a-2f1f3c9b7e21 "
    "ProvisionedThroughputExceededException: An error occurred (ProvisionedThroughputExceededException) "
    "when calling the PutItem operation (reached max retries: 9): The level of configured provisioned "
    "throughput for the table was exceeded. Consider increasing your provisioning level with the "
    "UpdateTable API."
)


def logs_complete(
    rows: list[list[dict[str, str]]], bytes_scanned: float = 1_843_200.0
) -> dict[str, Any]:
    return {
        "results": rows,
        "statistics": {
            "recordsMatched": float(len(rows)),
            "recordsScanned": 5120.0,
            "bytesScanned": bytes_scanned,
        },
        "status": "Complete",
    }


def athena_execution(
    execution_id: str,
    state: str,
    *,
    reason: str | None = None,
    category: int | None = None,
    scanned: int = 0,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "State": state,
        "SubmissionDateTime": datetime(2026, 3, 2, 10, 20, tzinfo=UTC),
    }
    if reason:
        status["StateChangeReason"] = reason
    if category:
        status["AthenaError"] = {
            "ErrorCategory": category,
            "ErrorType": 1006,
            "Retryable": False,
            "ErrorMessage": reason,
        }
    return {
        "QueryExecution": {
            "QueryExecutionId": execution_id,
            "Query": "SELECT 1",
            "StatementType": "DML",
            "ResultConfiguration": {
                "OutputLocation": f"s3://fa2-athena-results/queries/{execution_id}.csv"
            },
            "QueryExecutionContext": {"Database": "aiops_db", "Catalog": "AwsDataCatalog"},
            "Status": status,
            "Statistics": {
                "EngineExecutionTimeInMillis": 1840,
                "DataScannedInBytes": scanned,
                "TotalExecutionTimeInMillis": 2012,
                "QueryQueueTimeInMillis": 95,
            },
            "WorkGroup": "primary",
        }
    }


def athena_column(name: str, type_: str) -> dict[str, Any]:
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": type_,
        "Precision": 2147483647 if type_ == "varchar" else 19,
        "Scale": 0,
        "Nullable": "UNKNOWN",
        "CaseSensitive": type_ == "varchar",
    }


def athena_row(*values: str | None) -> dict[str, Any]:
    return {"Data": [{"VarCharValue": v} if v is not None else {} for v in values]}
