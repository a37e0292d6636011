"""What the model reads from each tool, over a real scenario bundle: every requested metric
series accounted for, time series oldest first, a table shown whole, truncation notes that
count right and say what was not read. The texts are compared with snapshots in
`snapshots/model_view/` (UPDATE_SNAPSHOTS=1 rewrites them after a deliberate change)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from agent.config import Settings
from agent.run_context import InvestigationContext
from agent.telemetry.local import LocalBackend
from tests.agent.fakes import call
from tests.agent.helpers import context, run_tool_calls

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "dynamodb-throttling"
SNAPSHOTS = Path(__file__).parent / "snapshots" / "model_view"


@pytest.fixture
def offline(settings: Settings) -> InvestigationContext:
    local = settings.updated(bundle=DEMO_BUNDLE)
    return context(local, LocalBackend(DEMO_BUNDLE, local))


# The data fence carries a random id per result (agent/tools/fence.py); snapshots show it as
# `<data>` … `</data>` so they stay stable.
FENCE_ID = re.compile(r"<(/?)data-[0-9a-f]{8}>")


def observe(ctx: InvestigationContext, name: str, args: dict) -> str:
    result = run_tool_calls(ctx, call(name, args, "c1"))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    return FENCE_ID.sub(r"<\1data>", str(message.content))


def matches_snapshot(name: str, text: str) -> bool:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text + "\n", encoding="utf-8")
    return text + "\n" == path.read_text(encoding="utf-8")


def _metric(name: str, statistic: str = "Sum", **dims: str) -> dict:
    namespace = "AWS/Lambda" if name in {"Errors", "Duration"} else "AWS/DynamoDB"
    return {
        "namespace": namespace,
        "metric_name": name,
        "dimensions": dims,
        "statistic": statistic,
    }


def test_every_requested_series_gets_a_status_and_the_good_ones_are_kept(
    offline: InvestigationContext,
) -> None:
    text = observe(
        offline,
        "get_metric_data",
        {
            "metrics": [
                _metric("WriteThrottleEvents", TableName="orders"),
                _metric("WriteThrottleEvents", "Minimum", TableName="orders"),
                _metric("ReadThrottleEvents", TableName="orders"),
                _metric("Errors", FunctionName="orders-put"),
            ],
            "start": "2026-03-02T10:00:00Z",
            "end": "2026-03-02T10:04:00Z",
        },
    )
    assert "status ok" in text
    assert "m1: ok, 4 datapoint(s)" in text
    assert "m2: statistic not available — " in text and "available: Sum" in text
    assert "m3: no such metric — the bundle has no AWS/DynamoDB/ReadThrottleEvents" in text
    assert "m4: ok, 4 datapoint(s)" in text
    assert matches_snapshot("get_metric_data_mixed", text)


def test_metric_rows_are_oldest_first(offline: InvestigationContext) -> None:
    text = observe(
        offline,
        "get_metric_data",
        {
            "metrics": [_metric("WriteThrottleEvents", TableName="orders")],
            "start": "2026-03-02T10:00:00Z",
            "end": "2026-03-02T10:05:00Z",
        },
    )
    stamps = [line.split(" | ")[2] for line in text.splitlines() if line.startswith("m1 | ")]
    assert len(stamps) == 5 and stamps == sorted(stamps)


def test_a_request_whose_every_series_is_refused_is_an_error_naming_each(
    offline: InvestigationContext,
) -> None:
    text = observe(
        offline,
        "get_metric_data",
        {"metrics": [_metric("WriteThrottleEvents", "p99", TableName="orders")]},
    )
    assert "status error" in text
    assert "m1: statistic not available" in text and "available: Sum" in text


def test_list_metrics_says_which_statistics_exist(offline: InvestigationContext) -> None:
    text = observe(offline, "list_metrics", {"namespace": "AWS/DynamoDB"})
    assert "namespace | metric_name | dimensions | statistics" in text
    assert "AWS/DynamoDB | ProvisionedWriteCapacityUnits | TableName=orders | Average" in text


def test_one_table_is_listed_whole_a_row_per_column(offline: InvestigationContext) -> None:
    text = observe(offline, "list_tables", {"table": "alb_access_logs"})
    assert "column | type" in text
    for column in ("target_port_list", "target_status_code_list", "classification_reason"):
        assert f"\n{column} | " in text
    assert "…" not in text and "were not read" not in text


def test_rows_the_model_cannot_see_are_counted_and_called_unread(
    offline: InvestigationContext,
) -> None:
    query = "fields @timestamp, @message | filter @message like /orders/ | limit 150"
    text = observe(offline, "run_logs_insights_query", {"query": query})
    shown = text.split("<data>\n", 1)[1].split("\n</data>")[0].splitlines()[1:]
    count_line = text.splitlines()[2]
    assert count_line.startswith(
        f"150 row(s), the first {len(shown)} shown below; the other {150 - len(shown)} were not read"
    )
    assert "cite" not in text.split("</data>")[-1]


def test_a_short_result_has_no_truncation_note(offline: InvestigationContext) -> None:
    text = observe(offline, "run_logs_insights_query", {"query": "stats count(*) by bin(5m)"})
    assert text.splitlines()[2].startswith("9 row(s)")
    assert "not read" not in text and "capped" not in text


def test_athena_evidence_carries_the_range_its_where_clause_covers(
    offline: InvestigationContext,
) -> None:
    sql = (
        "SELECT eventname, count(*) AS calls FROM aiops_db.cloud_trail_logs "
        "WHERE from_iso8601_timestamp(eventtime) BETWEEN from_iso8601_timestamp('2026-03-02T09:55:00Z') "
        "AND from_iso8601_timestamp('2026-03-02T10:05:00Z') GROUP BY eventname"
    )
    text = observe(offline, "run_athena_query", {"sql": sql})
    assert text.splitlines()[0].endswith("· 2026-03-02 09:55:00Z – 2026-03-02 10:05:00Z")


def test_athena_evidence_without_a_time_filter_says_so(offline: InvestigationContext) -> None:
    text = observe(
        offline, "run_athena_query", {"sql": "SELECT count(*) AS n FROM aiops_db.cloud_trail_logs"}
    )
    assert "no time filter in the SQL" in text.splitlines()[0]


def test_logs_insights_description_names_the_aggregations_and_the_split_fields() -> None:
    from agent.tools.logs_insights import LogsInsightsInput

    text = LogsInsightsInput.model_fields["query"].description or ""
    assert "no count_if" in text and "sum(@message like /timeout/)" in text
    assert "@logStream" in text and "@log`" in text


# ---------------------------------------------------------------- triage and the briefing

PARTNER_BUNDLE = DEMO_BUNDLE.parent / "partner-api-slow"


def _triage_of(bundle: Path, settings: Settings) -> tuple[str, list[dict]]:
    from agent.incident import TimeRange
    from agent.prompts import incident_briefing
    from agent.sources import describe_sources, survey
    from agent.telemetry.bundle import load_bundle
    from agent.triage import plan_triage

    local = settings.updated(bundle=bundle)
    ctx = context(local, LocalBackend(bundle, local))
    window = load_bundle(bundle).manifest.window
    ctx.incident = ctx.incident.model_copy(
        update={"window": TimeRange(start=window.start, end=window.end)}
    )
    ctx.log_groups = [g.name for g in ctx.backend.list_log_groups()]
    sources = survey(ctx)
    briefing = incident_briefing(ctx.incident, ctx.log_groups, "en", describe_sources(sources))
    return briefing, [dict(c) for c in plan_triage(ctx, sources=sources)]


def test_the_briefing_lists_the_data_that_exists(settings: Settings) -> None:
    briefing, calls = _triage_of(DEMO_BUNDLE, settings)
    assert "- log groups: /aws/lambda/orders-get (4346 events), /aws/lambda/orders-put" in briefing
    assert "aiops_db.alb_access_logs (ALB access logs, 0 rows in the window)" in briefing
    assert "aiops_db.cloud_trail_logs (CloudTrail, 34 rows in the window)" in briefing
    assert "- X-Ray: traces in the window" in briefing
    assert "AWS/DynamoDB (4)" in briefing
    sqls = [c["args"].get("sql", "") for c in calls]
    assert not any("alb_access_logs" in sql for sql in sqls)  # no ALB: not queried
    assert matches_snapshot("briefing_dynamodb_throttling", briefing)


def test_triage_cites_the_alarm_itself_first(settings: Settings) -> None:
    _, calls = _triage_of(DEMO_BUNDLE, settings)
    assert calls[0]["name"] == "describe_alarm"


def test_triage_counts_warnings_per_minute_and_patterns_them(offline: InvestigationContext) -> None:
    from agent.triage import DEGRADATION_PATTERNS, SEVERITY_BY_MINUTE

    text = observe(offline, "run_logs_insights_query", {"query": SEVERITY_BY_MINUTE})
    assert "bin(1m) | error | warn | lines" in text
    patterns = observe(offline, "run_logs_insights_query", {"query": DEGRADATION_PATTERNS})
    assert "Price lookup slow (pricing cache miss)" in patterns
    assert "START RequestId" not in patterns and "REPORT RequestId" not in patterns


def test_alb_latency_leaves_out_requests_the_target_never_answered(settings: Settings) -> None:
    _, calls = _triage_of(PARTNER_BUNDLE, settings)
    [alb] = [c["args"]["sql"] for c in calls if "alb_access_logs" in c["args"].get("sql", "")]
    assert "count_if(target_processing_time = -1) AS no_target_answer" in alb
    assert "CASE WHEN target_processing_time >= 0 THEN target_processing_time END" in alb


def test_cloudtrail_writes_show_what_each_call_changed(offline: InvestigationContext) -> None:
    from agent.triage import cloudtrail_writes_sql

    text = observe(
        offline,
        "run_athena_query",
        {"sql": cloudtrail_writes_sql("aiops_db.cloud_trail_logs", offline.window)},
    )
    assert "| changed" in text.split("<data>\n")[1].splitlines()[0]
    assert (
        "tableName=orders; provisionedThroughput.readCapacityUnits=100; "
        "provisionedThroughput.writeCapacityUnits=5" in text
    )
    assert "functionName=orders-put; timeout=15" in text


def test_cloudtrail_rows_show_the_compact_change_once(offline: InvestigationContext) -> None:
    from agent.triage import cloudtrail_writes_sql

    text = observe(
        offline,
        "run_athena_query",
        {"sql": cloudtrail_writes_sql("aiops_db.cloud_trail_logs", offline.window)},
    )
    header = text.split("<data>\n")[1].splitlines()[0]
    assert "requestparameters" not in header and header.endswith("| changed")
    assert '{"tableName":"orders"' not in text
    assert "note: requestparameters is shown as `changed`" in text
    [evidence] = offline.ledger.recorded
    assert "requestparameters" in evidence.columns  # the report and the rules keep the raw JSON


def test_alb_triage_says_when_each_target_came_and_went(settings: Settings) -> None:
    _, calls = _triage_of(PARTNER_BUNDLE, settings)
    [alb] = [c["args"]["sql"] for c in calls if "alb_access_logs" in c["args"].get("sql", "")]
    assert "min(time) AS first_seen, max(time) AS last_seen" in alb


def test_on_aws_the_survey_does_not_pay_for_counting_athena_rows(settings: Settings) -> None:
    from agent.sources import describe_sources, survey
    from agent.telemetry.base import Capabilities
    from tests.agent.fakes import FakeBackend

    backend = FakeBackend(capabilities=Capabilities(recorded=False))  # as the AWS backend
    ctx = context(settings, backend)
    lines = describe_sources(survey(ctx))
    assert not any(kind == "athena" for kind, _ in backend.calls)
    assert "aiops_db.cloud_trail_logs (CloudTrail, rows in the window not counted)" in "\n".join(
        lines
    )


def test_the_briefing_says_what_the_bundle_could_not_give(
    settings: Settings, tmp_path: Path
) -> None:
    import gzip
    import shutil

    bundle = Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))
    access_log = bundle / "logs" / "apigateway-orders-api-access.jsonl.gz"
    access_log.write_bytes(access_log.read_bytes()[:20_000])  # cut short mid-copy
    put = bundle / "logs" / "lambda-orders-put.jsonl.gz"
    lines = gzip.decompress(put.read_bytes()).decode().splitlines()
    lines[2] = '{"logGroup":"/aws/lambda/orders-put","timestamp":17724'
    put.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))

    briefing, _ = _triage_of(bundle, settings)

    assert (
        "- Logs: logs/apigateway-orders-api-access.jsonl.gz could not be read (Unexpected end "
        "of GZIP stream); its events are missing from every result" in briefing
    )
    assert "- Logs: 1 line of the log files is not a log event (" in briefing


def test_a_source_the_survey_could_not_look_at_is_named_in_the_briefing(
    settings: Settings,
) -> None:
    from agent.sources import describe_sources, survey
    from agent.telemetry.base import TelemetryUnavailableError
    from tests.agent.fakes import FakeBackend

    class NoCatalog(FakeBackend):
        def table_schemas(self):  # type: ignore[no-untyped-def]
            raise TelemetryUnavailableError("AccessDenied: glue:GetTables")

    lines = describe_sources(survey(context(settings, NoCatalog())))
    assert "- Athena tables: could not be surveyed (AccessDenied: glue:GetTables)" in lines
