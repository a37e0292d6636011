"""The triage's ALB table over real ALB log lines: a target that never answered (`-1` in
target_processing_time) is counted apart and kept out of the average, which it would drag
down, even below zero."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from agent.incident import TimeRange
from agent.telemetry.local.athena import AthenaEngine
from agent.triage import alb_5xx_sql

ANSWERED = (
    "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 "
    "192.168.131.39:2817 10.0.0.1:80 0.000 {seconds} 0.000 200 200 34 366 "
    '"GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - '
    "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "
    '"Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z '
    '"forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90'
)
UNANSWERED = (
    "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 "
    "192.168.131.39:2817 10.0.0.1:80 0.000 -1 -1 504 - 34 366 "
    '"GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - '
    "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "
    '"Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z '
    '"forward" "-" "-" "10.0.0.1:80" "-" "-" "-" TID_1234abcd5678ef91'
)
WINDOW = TimeRange(
    start=datetime(2018, 7, 2, 22, 0, tzinfo=UTC), end=datetime(2018, 7, 2, 23, 0, tzinfo=UTC)
)


def test_requests_the_target_never_answered_are_counted_not_averaged(tmp_path: Path) -> None:
    log = tmp_path / "alb.log"
    lines = [ANSWERED.format(seconds="0.200"), ANSWERED.format(seconds="0.400"), UNANSWERED]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    engine = AthenaEngine(
        con,
        database="aiops_db",
        alb_table="alb_access_logs",
        cloudtrail_table="cloud_trail_logs",
        alb_files=[log],
        cloudtrail_files=[],
    )
    answer = engine.run(alb_5xx_sql("aiops_db.alb_access_logs", WINDOW))
    header, row = (
        [cell.get("VarCharValue") for cell in r["Data"]]
        for r in answer.response["ResultSet"]["Rows"]
    )
    found = dict(zip(header, row, strict=True))
    assert (found["requests"], found["elb_5xx"], found["no_target_answer"]) == ("3", "1", "1")
    assert float(found["avg_target_seconds"] or "nan") == 0.3
