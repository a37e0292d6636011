"""The rule-based baseline answers the common forms of a metrics question over a bundle: the
top-N by a statistic, the biggest change between the halves of the period, a series crossing
a threshold, a table running out of capacity; and says what it looked at otherwise."""

from __future__ import annotations

import re

from agent.insight import InsightAnswer
from tests.insight.conftest import Ask


def _cites_only_existing_evidence(answer: InsightAnswer) -> None:
    known = {e.id for e in answer.evidence}
    cited = answer.cited_ids()
    assert cited and set(cited) <= known
    assert answer.supported
    assert not [n for n in answer.notes if "removed unknown citation" in n]


def test_the_orders_table_runs_out_of_write_capacity_after_its_wcu_was_lowered(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Is the orders table running out of write capacity?")
    assert answer.entities == ["orders"]
    text = answer.answer_markdown
    assert text.startswith("**orders** is running out of write capacity")
    assert "against 5 provisioned" in text
    assert "changed from 100 to 5 at 2026-03-02 10:03 UTC" in text
    assert re.search(r"[\d,]+ write throttle events, the first at 2026-03-02 10:02 UTC", text)
    _cites_only_existing_evidence(answer)
    consumed = next(e for e in answer.evidence if "ConsumedWriteCapacityUnits" in e.query)
    assert consumed.link and consumed.link.startswith("bundle://")


def test_the_capacity_chart_draws_consumed_per_second_beside_provisioned(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Is the orders table running out of write capacity?")
    assert answer.chart_png is not None and answer.chart_png.startswith(b"\x89PNG")
    assert [s.split(" ", 1)[1] for s in answer.chart_series] == [
        "orders · ConsumedWriteCapacityUnits (Sum) per second",
        "orders · ProvisionedWriteCapacityUnits (Average)",
    ]


def test_the_function_whose_duration_rose_most_is_named_first(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Which Lambda's p99 rose most?")
    assert answer.entities[0] == "orders-put"
    assert answer.answer_markdown.startswith("**orders-put**'s Average Duration rose most")
    # the bundle keeps Duration only as Average: the answer says so rather than invent a p99
    assert "p99 of Duration is not in the data; this uses Average instead" in answer.answer_markdown
    _cites_only_existing_evidence(answer)
    halves = [e for e in answer.evidence if e.tool == "get_metric_data"][:2]
    assert [h.time_range.label() for h in halves if h.time_range] == [
        "2026-03-02 09:45:00Z – 2026-03-02 10:07:00Z",
        "2026-03-02 10:07:00Z – 2026-03-02 10:30:00Z",
    ]


def test_top_instances_by_disk_name_the_full_one_first(ask: Ask) -> None:
    answer = ask("upload-disk-full-one-instance", "Top 3 instances by disk used")
    assert answer.entities == ["i-00e969f401fb35559", "i-0b026ce0ad518cd64", "i-0b374944ce4bc18b4"]
    assert "ranked all 8 matching series; the chart draws the top 3 [E2]" in answer.answer_markdown
    assert answer.evidence[1].query == (
        'SELECT AVG(disk_used_percent) FROM SCHEMA("CWAgent", InstanceId, fstype, path) '
        "GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 3"
    )
    assert answer.chart_series == [
        "E2 i-00e969f401fb35559",
        "E2 i-0b026ce0ad518cd64",
        "E2 i-0b374944ce4bc18b4",
    ]
    _cites_only_existing_evidence(answer)


def test_a_top_n_question_is_one_metrics_insights_query(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Which Lambda function is slowest by max duration?")
    [query] = [e for e in answer.evidence if e.tool == "run_metrics_insights_query"]
    assert query.query == (
        'SELECT MAX(Duration) FROM SCHEMA("AWS/Lambda", FunctionName) '
        "GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 5"
    )
    assert answer.answer_markdown.startswith(
        f"**orders-put** has the highest MAX(Duration) over the period: 1,211 [{query.id}]."
    )
    assert answer.entities == ["orders-put", "orders-get"]
    # the bundle holds Duration as Average only: the engine's caveat travels with the answer
    assert "Note from the query: approximate" in answer.answer_markdown
    assert len(answer.chart_series) == 2
    _cites_only_existing_evidence(answer)


def test_a_percentile_top_n_reads_get_metric_data_as_metrics_insights_has_none(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Top 5 functions by p99 duration")
    assert not [e for e in answer.evidence if e.tool == "run_metrics_insights_query"]
    assert answer.entities[0] == "orders-put"
    assert "p99 of Duration is not in the data; this uses Average instead" in answer.answer_markdown


def test_a_threshold_question_says_when_the_series_first_crossed(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Did any function have errors above 5?", tz="Asia/Tokyo")
    assert answer.entities == ["orders-put"]
    assert answer.answer_markdown.startswith("Yes: 1 series went above 5.")
    assert "first above at 2026-03-02 10:19 UTC (2026-03-02 19:19 JST)" in answer.answer_markdown
    _cites_only_existing_evidence(answer)


def test_an_unrecognised_question_gets_what_was_looked_at_not_a_guess(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "What will the weather be like tomorrow?")
    assert answer.entities == []
    assert answer.answer_markdown.startswith(
        "The rule-based baseline cannot map this question to the forms it answers"
    )
    assert "It listed 16 metric(s) in AWS/ApiGateway, AWS/DynamoDB, AWS/Lambda [E1]" in (
        answer.answer_markdown
    )
    assert "did not guess" in answer.answer_markdown
    assert answer.chart_png is None


def test_a_metric_the_bundle_lacks_is_said_to_be_missing(ask: Ask) -> None:
    answer = ask("dynamodb-throttling", "Top 5 instances by CPU")
    assert answer.entities == []
    assert answer.answer_markdown.startswith(
        "No series of CPUUtilization for instances (AWS/EC2) was found"
    )


def test_the_answer_states_the_period_in_the_askers_zone_and_in_utc(ask: Ask) -> None:
    answer = ask("kinesis-memory-leak", "Which function has the highest iterator age?", tz="+09:00")
    assert answer.timezone == "UTC+09:00"
    assert "(UTC+09:00)" in answer.period_text and answer.period_text.endswith("UTC (45 min)")
    assert answer.entities[0] == "clickstream-aggregator"
    assert answer.rule_based and answer.model == "baseline (rule-based)"
    assert any("rule-based baseline" in n for n in answer.notes)
