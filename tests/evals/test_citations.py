"""The rule-based citation check: what makes a cited id support its claim, and what does not."""

from __future__ import annotations

from datetime import datetime

from agent.incident import TimeRange
from agent.report import Evidence
from evals.citations import Claim, check_claim
from evals.figures import figures
from evals.generators.common import utc

WINDOW = TimeRange(start=utc("2026-04-23T19:00:00Z"), end=utc("2026-04-23T19:45:00Z"))
ALB_BY_MINUTE = Evidence(
    id="E10",
    tool="run_athena_query",
    source="athena",
    query="SELECT substr(time, 1, 16) AS minute, count(*) AS requests, count_if(elb_status_code"
    " = 502) AS elb_502 FROM aiops_db.alb_access_logs GROUP BY 1",
    columns=["minute", "requests", "elb_502", "max_target_s"],
    rows=[
        ["2026-04-23T19:25", "82", "0", "0.045"],
        ["2026-04-23T19:26", "106", "34", "0.044"],
        ["2026-04-23T19:27", "81", "19", "0.045"],
    ],
    row_count=3,
)
ELB_5XX_METRIC = Evidence(
    id="E6",
    tool="get_metric_data",
    source="metrics",
    query="GetMetricData m1 = AWS/ApplicationELB HTTPCode_ELB_5XX_Count Sum/60s",
    time_range=WINDOW,
    columns=["id", "label", "timestamp", "value"],
    rows=[
        ["m1", "HTTPCode_ELB_5XX_Count", "2026-04-23T19:27:00.000Z", "19"],
        ["m1", "HTTPCode_ELB_5XX_Count", "2026-04-23T19:26:00.000Z", "34"],
        ["m1", "HTTPCode_ELB_5XX_Count", "2026-04-23T19:25:00.000Z", "0"],
    ],
    row_count=3,
)
NO_RESTARTS = Evidence(
    id="E13",
    tool="run_logs_insights_query",
    source="logs",
    query="fields @message | filter @message like /SIGTERM|SIGKILL|worker timeout|OOM/",
    time_range=WINDOW,
    status="empty",
)
STATSD_PATTERN = Evidence(
    id="E2",
    tool="run_logs_insights_query",
    source="logs",
    query="pattern @message",
    time_range=WINDOW,
    columns=["@pattern", "@sampleCount"],
    rows=[["Failed to flush metrics to statsd at <IP>: [Errno 111] Connection refused", "270"]],
    row_count=1,
)
ROLE_POLICY = Evidence(
    id="E3",
    tool="run_athena_query",
    source="athena",
    query="SELECT eventtime, eventname, requestparameters FROM aiops_db.cloud_trail_logs",
    columns=["eventtime", "eventname", "requestparameters"],
    rows=[["2026-04-23T19:21:40Z", "PutRolePolicy", '{"roleName":"catalog-api-task"}']],
    row_count=1,
)
FAILED = Evidence(
    id="E14",
    tool="run_athena_query",
    source="athena",
    query="SELECT eventtime FROM aiops_db.cloud_trail_logs ORDER BY eventtim",
    status="error",
    error="COLUMN_NOT_FOUND: Column 'eventtim' cannot be resolved",
)
LEDGER = {e.id: e for e in (ALB_BY_MINUTE, ELB_5XX_METRIC, NO_RESTARTS, STATSD_PATTERN,
                            ROLE_POLICY, FAILED)}  # fmt: skip


def _invalid(text: str, ids: list[str], *, time: datetime | None = None) -> dict[str, str]:
    verdicts = check_claim(Claim(text, ids, time=time), LEDGER)
    return {v.evidence_id: v.reason for v in verdicts if not v.valid}


def test_figures_and_a_minute_support_a_claim_that_shares_no_term() -> None:
    assert _invalid("Minute 19:26: 34 ELB 5XX out of 106 requests.", ["E6", "E10"]) == {}


def test_a_figure_counts_in_another_unit() -> None:
    assert _invalid("Targets answered in at most 45 ms.", ["E10"]) == {}
    assert figures("0.042 s")[0].found_in([42.0])


def test_a_figure_counts_when_the_claim_rounds_it() -> None:
    assert figures("1.93 s on average")[0].found_in([1.93233])
    assert not figures("1.93 s on average")[0].found_in([1.95])


def test_a_zero_row_result_supports_a_claim_of_absence() -> None:
    assert _invalid("No worker restart, timeout or kill is logged.", ["E13"]) == {}


def test_a_zero_row_result_does_not_support_a_positive_claim() -> None:
    assert _invalid("Workers restarted at 19:26.", ["E13"]) == {"E13": "no rows"}


def test_a_citation_list_supports_a_claim_jointly() -> None:
    claim = "PutRolePolicy on catalog-api-task at 19:21:40 came five minutes before 34 ELB 5XX."

    assert _invalid(claim, ["E3", "E6"]) == {}


def test_rows_that_show_nothing_of_the_claim_do_not_support_it() -> None:
    reason = _invalid("PutRolePolicy on catalog-api-task.", ["E2"])

    assert reason == {"E2": "does not show what the claim says"}


def test_an_unknown_id_and_a_failed_query_are_invalid() -> None:
    assert _invalid("PutRolePolicy on catalog-api-task.", ["E3", "E40", "E14"]) == {
        "E40": "unknown",
        "E14": "query failed",
    }


def test_a_failed_query_is_no_evidence_of_absence() -> None:
    assert _invalid("No other role was changed.", ["E14"]) == {"E14": "query failed"}


def test_evidence_from_another_source_than_the_one_named_is_invalid() -> None:
    assert _invalid("The ALB access logs show 53 502s at 19:26-19:27.", ["E6"]) == {
        "E6": "not from alb"
    }
    assert _invalid("The ALB access logs show 34 502s at 19:26.", ["E10"]) == {}


def test_a_source_named_only_as_absent_is_not_required() -> None:
    assert _invalid("34 ELB 5XX at 19:26; no CloudTrail write explains them.", ["E6"]) == {}


def test_a_timeline_entry_outside_the_evidence_range_is_invalid() -> None:
    narrow = LEDGER["E6"].model_copy(
        update={
            "time_range": TimeRange(
                start=utc("2026-04-23T19:25:00Z"), end=utc("2026-04-23T19:28:00Z")
            )
        }
    )
    verdicts = check_claim(
        Claim("HTTPCode_ELB_5XX_Count still 0", ["E6"], time=utc("2026-04-23T19:40:00Z")),
        {"E6": narrow},
    )

    assert [v.reason for v in verdicts] == ["not from the entry's time"]


def test_a_timeline_entry_whose_event_the_rows_put_at_another_time_is_invalid() -> None:
    entry = "PutRolePolicy on catalog-api-task"

    assert _invalid(entry, ["E3"], time=utc("2026-04-23T19:21:40Z")) == {}
    assert _invalid(entry, ["E3"], time=utc("2026-04-23T19:05:00Z")) == {
        "E3": "not from the entry's time"
    }


def test_rows_showing_what_the_claim_says_is_absent_are_invalid() -> None:
    assert _invalid("The service logged no Connection refused errors.", ["E2"]) == {
        "E2": "rows show what the claim says is absent"
    }


def test_a_zero_count_row_does_not_contradict_a_claim_of_absence() -> None:
    throttles = Evidence(
        id="E11",
        tool="get_metric_data",
        source="metrics",
        query="GetMetricData m1 = AWS/Lambda Throttles{FunctionName=shipments-api} Sum/60s",
        columns=["id", "label", "timestamp", "value"],
        rows=[["m1", "Throttles", "2026-04-16T08:12:00.000Z", "0"]],
        row_count=1,
    )

    verdicts = check_claim(Claim("shipments-api records no Throttles", ["E11"]), {"E11": throttles})

    assert all(v.valid for v in verdicts)


def test_other_figures_at_the_stated_minute_contradict_the_claim() -> None:
    assert _invalid("At 19:26 the ALB answered 12 of 106 requests with 502.", ["E10"]) == {
        "E10": "rows at 19:26 show other figures"
    }
    assert _invalid("At 19:27 the ALB answered 19 of 81 requests with 502.", ["E10"]) == {}


def test_a_quoted_log_line_is_data_not_a_claim_of_absence() -> None:
    denied = Evidence(
        id="E7",
        tool="run_logs_insights_query",
        source="logs",
        query="fields @message | filter @message like /AccessDenied/",
        columns=["@message"],
        rows=[
            [
                "ClientError: AccessDenied: render-report is not authorized to perform: "
                "s3:PutObject on resource reports-prod/reports/weekly.pdf"
            ]
        ],
        row_count=1,
    )
    claim = 'PutObject fails: "is not authorized to perform: s3:PutObject".'

    assert all(v.valid for v in check_claim(Claim(claim, ["E7"]), {"E7": denied}))
