"""The baseline's judgement on recorded evidence (pure functions, no graph): which change
explains an error, and which cannot."""

from __future__ import annotations

from agent.baseline.analysis import analyse
from agent.baseline.writer import write_report
from agent.report import Evidence
from tests.agent.fakes import CLOUDTRAIL_COLUMNS, PTEE_LINE, WINDOW


def _errors_per_minute(first_error_minute: int, evidence_id: str = "E1") -> Evidence:
    rows: list[list[str | None]] = [
        [f"2026-03-02 10:{m:02d}:00.000", "12"] for m in range(first_error_minute, 30)
    ]
    return Evidence(
        id=evidence_id,
        tool="run_logs_insights_query",
        source="logs",
        query="stats count(*) by bin(1m)",
        time_range=WINDOW,
        columns=["bin(1m)", "errors"],
        rows=rows,
        row_count=len(rows),
    )


def _lines(evidence_id: str, log_group: str, *lines: str) -> Evidence:
    rows: list[list[str | None]] = [["2026-03-02 10:05:00.000", log_group, line] for line in lines]
    return Evidence(
        id=evidence_id,
        tool="run_logs_insights_query",
        source="logs",
        query="fields @message",
        columns=["@timestamp", "@log", "@message"],
        rows=rows,
        row_count=len(rows),
    )


def _trail(evidence_id: str, *rows: list[str | None]) -> Evidence:
    return Evidence(
        id=evidence_id,
        tool="run_athena_query",
        source="athena",
        query="SELECT ... FROM cloud_trail_logs",
        columns=CLOUDTRAIL_COLUMNS,
        rows=list(rows),
        row_count=len(rows),
    )


OOM = "RequestId: 9f1c Error: Runtime exited with error: signal: killed Runtime.ExitError"


def test_a_memory_setting_explains_out_of_memory_better_than_a_closer_concurrency_change() -> None:
    evidence = [
        _errors_per_minute(3),
        _lines("E2", "/aws/lambda/thumbnailer", OOM, OOM),
        _trail(
            "E3",
            [
                "2026-03-02T10:00:05Z",
                "lambda.amazonaws.com",
                "UpdateFunctionConfiguration20150331v2",
                "arn:aws:sts::123456789012:assumed-role/terraform/ci",
                "10.0.0.1",
                '{"functionName":"thumbnailer","memorySize":128}',
                None,
            ],
            [
                "2026-03-02T10:02:10Z",
                "lambda.amazonaws.com",
                "PutFunctionConcurrency20171031",
                "arn:aws:sts::123456789012:assumed-role/ops/sam",
                "10.0.0.2",
                '{"functionName":"thumbnailer","reservedConcurrentExecutions":50}',
                None,
            ],
        ),
    ]
    findings = analyse(evidence, ["/aws/lambda/thumbnailer"])
    assert findings.blamed is not None
    assert findings.blamed.change.name == "UpdateFunctionConfiguration"
    top = write_report(findings).hypotheses[0]
    assert top.category == "configuration"
    assert "memorySize=128" in top.statement


def test_raising_capacity_is_never_blamed_for_throttling() -> None:
    provisioned = Evidence(
        id="E4",
        tool="get_metric_data",
        source="metrics",
        query="AWS/DynamoDB/ProvisionedWriteCapacityUnits{TableName=orders} Average/300s",
        columns=["id", "label", "timestamp", "value"],
        rows=[
            ["m1", "ProvisionedWriteCapacityUnits", f"2026-03-02T{t}:00.000Z", v]
            for t, v in (("09:45", "1000"), ("09:50", "1000"), ("10:05", "3000"), ("10:10", "3000"))
        ],
        row_count=4,
    )
    evidence = [
        _errors_per_minute(6),
        _lines("E2", "/aws/lambda/orders-put", PTEE_LINE),
        _trail(
            "E3",
            [
                "2026-03-02T10:02:14Z",
                "dynamodb.amazonaws.com",
                "UpdateTable",
                "arn:aws:iam::123456789012:user/ops",
                "10.0.0.3",
                '{"tableName":"orders","provisionedThroughput":{"writeCapacityUnits":3000}}',
                None,
            ],
        ),
        provisioned,
    ]
    findings = analyse(evidence, ["/aws/lambda/orders-put"])
    assert findings.blamed is None
    assert any(
        "raised the provisioned capacity (1000 → 3000)" in r for r in findings.changes[0].reasons
    )
