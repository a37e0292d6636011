"""What the baseline cites besides the cause, the way an SRE always looks: the load
balancer's 5xx by target and status code, the resource metric that saturates at the onset,
and, when nothing explains the alarm, the symptoms it examined and what would settle it."""

from __future__ import annotations

from agent.baseline.analysis import analyse
from agent.baseline.writer import write_report
from agent.report import Evidence
from tests.agent.fakes import WINDOW

TRAIL_COLUMNS = ["eventtime", "eventsource", "eventname", "principal", "requestparameters"]
NPE_LINE = (
    "2026-03-02 10:05:12.431 ERROR 1 --- [nio-8080-exec-7] c.e.shop.CartPricingService : "
    'java.lang.NullPointerException: Cannot invoke "Coupon.getRate()" because "coupon" is null'
)
POOL_LINE = (
    '{"level":"error","msg":"query failed","error":"FATAL: remaining connection slots are reserved '
    'for non-replication superuser connections","path":"/api/stock"}'
)
SLOW_LINE = (
    '{"level":"WARN","logger":"search.http","message":"slow request","path":"/v1/search?q=erfg",'
    '"duration_ms":1281}'
)


def _errors_per_minute(first_minute: int) -> Evidence:
    rows: list[list[str | None]] = [
        [f"2026-03-02 10:{m:02d}:00.000", "40"] for m in range(first_minute, 30)
    ]
    return Evidence(
        id="E1",
        tool="run_logs_insights_query",
        source="logs",
        query="stats count(*) as errors by bin(1m)",
        time_range=WINDOW,
        columns=["bin(1m)", "errors"],
        rows=rows,
        row_count=len(rows),
    )


def _lines(evidence_id: str, log_group: str, line: str, query: str = "fields @message") -> Evidence:
    return Evidence(
        id=evidence_id,
        tool="run_logs_insights_query",
        source="logs",
        query=query,
        columns=["@timestamp", "@log", "@message"],
        rows=[["2026-03-02 10:05:12.431", log_group, line]],
        row_count=1,
    )


def _deploy(evidence_id: str) -> Evidence:
    row: list[str | None] = [
        "2026-03-02T10:03:30Z",
        "ecs.amazonaws.com",
        "UpdateService",
        "arn:aws:sts::123456789012:assumed-role/release/pipeline",
        '{"cluster":"shop","service":"checkout","taskDefinition":"checkout:42"}',
    ]
    return Evidence(
        id=evidence_id,
        tool="run_athena_query",
        source="athena",
        query="SELECT eventtime, eventsource, eventname FROM aiops_db.cloud_trail_logs",
        columns=TRAIL_COLUMNS,
        rows=[row],
        row_count=1,
    )


def _alb_per_target(evidence_id: str, rows: list[list[str | None]]) -> Evidence:
    return Evidence(
        id=evidence_id,
        tool="run_athena_query",
        source="athena",
        query="SELECT target_ip, count(*) AS requests ... FROM aiops_db.alb_access_logs",
        columns=["target_ip", "requests", "elb_5xx", "target_5xx", "avg_target_seconds"],
        rows=rows,
        row_count=len(rows),
    )


def _alb_breakdown(evidence_id: str, rows: list[list[str | None]]) -> Evidence:
    return Evidence(
        id=evidence_id,
        tool="run_athena_query",
        source="athena",
        query="SELECT target_ip, elb_status_code, ... FROM aiops_db.alb_access_logs WHERE elb_status_code >= 500",
        columns=["target_ip", "elb_status_code", "target_status_code", "requests"],
        rows=rows,
        row_count=len(rows),
    )


def _metric(evidence_id: str, name: str, values: list[float], first_minute: int = 0) -> Evidence:
    rows: list[list[str | None]] = [
        ["m1", name, f"2026-03-02T10:{first_minute + i:02d}:00Z", f"{v:g}"]
        for i, v in enumerate(values)
    ]
    return Evidence(
        id=evidence_id,
        tool="get_metric_data",
        source="metrics",
        query=f"GetMetricData m1 = AWS/RDS {name}{{DBInstanceIdentifier=shop-db}} Maximum/60s",
        time_range=WINDOW,
        columns=["id", "label", "timestamp", "value"],
        rows=rows,
        row_count=len(rows),
    )


def _bad_deploy_behind_alb() -> list[Evidence]:
    return [
        _errors_per_minute(5),
        _lines("E2", "/ecs/checkout", NPE_LINE),
        _deploy("E3"),
        _alb_per_target(
            "E4",
            [
                ["10.0.12.31", "400", "192", "192", "0.2"],
                ["10.0.13.58", "390", "169", "169", "0.2"],
                ["10.0.12.77", "410", "0", "0", "0.1"],
                ["10.0.13.90", "405", "0", "0", "0.1"],
            ],
        ),
        _alb_breakdown(
            "E5", [["10.0.12.31", "500", "500", "192"], ["10.0.13.58", "500", "500", "169"]]
        ),
    ]


def test_the_leading_hypothesis_cites_the_targets_that_return_the_5xx() -> None:
    report = write_report(analyse(_bad_deploy_behind_alb(), ["/ecs/checkout"]))
    lead = report.hypotheses[0]
    assert "UpdateService" in lead.statement
    assert {"E4", "E5"} <= set(lead.evidence_ids)
    assert "2 of 4 targets (10.0.12.31, 10.0.13.58)" in lead.statement
    assert "500 ×361" in lead.statement


def test_a_target_500_is_not_counted_twice_as_the_load_balancer_500() -> None:
    findings = analyse(_bad_deploy_behind_alb(), ["/ecs/checkout"])
    assert findings.alb_5xx == 361


def test_the_leading_hypothesis_cites_the_resource_metric_that_saturates_at_the_onset() -> None:
    connections = _metric("E6", "DatabaseConnections", [60.0] * 6 + [170.0] * 20)
    evidence = [_errors_per_minute(6), _lines("E2", "/ecs/stock", POOL_LINE), connections]
    report = write_report(analyse(evidence, ["/ecs/stock"]))
    lead = report.hypotheses[0]
    assert lead.confidence != "low"
    assert "E6" in lead.evidence_ids
    assert "DatabaseConnections 60 → 160.83 at the onset" in lead.statement


def test_a_metric_that_falls_is_not_called_saturation() -> None:
    requests = _metric("E6", "DatabaseConnections", [170.0] * 6 + [20.0] * 20)
    evidence = [_errors_per_minute(6), _lines("E2", "/ecs/stock", POOL_LINE), requests]
    findings = analyse(evidence, ["/ecs/stock"])
    assert findings.shifts and not findings.saturation


def test_an_inconclusive_report_cites_the_symptoms_it_examined_and_what_it_lacks() -> None:
    latency = _metric("E1", "TargetResponseTime", [0.07] * 21 + [1.25] + [0.07] * 10)
    warnings = _lines(
        "E2",
        "/ecs/search",
        SLOW_LINE,
        query="fields @timestamp, @log, @message | filter @message like /(?i)(warn|slow|latenc|retry|retrying|degraded)/ "
        "| sort @timestamp asc | limit 20",
    )
    report = write_report(analyse([latency, warnings], ["/ecs/search"]))
    assert report.summary.startswith("Inconclusive: insufficient evidence")
    assert "TargetResponseTime peaked at 1.25 at 10:21Z (typical 0.07) [E1]" in report.summary
    assert "message=slow request" in report.summary and "[E2]" in report.summary
    assert "traces of the affected requests" in report.summary
    assert "found no error lines" in report.summary  # warnings are not errors
    assert all(h.confidence == "low" for h in report.hypotheses)
    assert {"E1", "E2"} <= {i for h in report.hypotheses for i in h.evidence_ids}


def test_a_stalled_consumer_with_no_logs_asks_for_the_consumers_logs() -> None:
    age = _metric(
        "E1", "ApproximateAgeOfOldestMessage", [0.0] * 8 + [60.0 * i for i in range(1, 15)]
    )
    report = write_report(analyse([age], []))
    assert "Inconclusive" in report.summary
    assert "[E1]" in report.summary
    assert "the logs of the component behind ApproximateAgeOfOldestMessage" in report.summary
