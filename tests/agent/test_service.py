"""The public service API around the graph: incidents from an alarm name, skipped sources,
step budgets and the Japanese prompts and headings."""

from __future__ import annotations

from datetime import UTC, datetime

from langchain_core.messages import SystemMessage

from agent.config import Settings
from agent.report.markdown import render_markdown
from agent.service import incident_from_alarm_name, investigate
from agent.telemetry.base import Capabilities, QueryResult
from agent.telemetry.shapes import from_describe_alarms
from tests.agent.fakes import FakeBackend, ScriptedChatModel, ai, call, incident

DESCRIBE_ALARMS = {
    "MetricAlarms": [
        {
            "AlarmName": "orders-api-5xx",
            "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-api-5xx",
            "AlarmDescription": "5XX errors on the orders API",
            "StateValue": "ALARM",
            "StateReason": "Threshold Crossed: 1 datapoint [12.0 (02/03/26 10:16:00)] was greater than the threshold (5.0).",
            "StateUpdatedTimestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
            "MetricName": "5XXError",
            "Namespace": "AWS/ApiGateway",
            "Statistic": "Sum",
            "Dimensions": [{"Name": "ApiName", "Value": "orders-api"}],
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 5.0,
            "ComparisonOperator": "GreaterThanThreshold",
        }
    ],
    "CompositeAlarms": [],
}


class AlarmBackend(FakeBackend):
    def describe_alarm(self, alarm_name: str) -> QueryResult:
        raw = (
            DESCRIBE_ALARMS
            if alarm_name == "orders-api-5xx"
            else {"MetricAlarms": [], "CompositeAlarms": []}
        )
        return from_describe_alarms(raw, query=f"DescribeAlarms {alarm_name}")


def test_an_alarm_name_becomes_an_incident_around_its_last_state_change(settings: Settings) -> None:
    found = incident_from_alarm_name("orders-api-5xx", settings=settings, backend=AlarmBackend())
    assert found.alarm_name == "orders-api-5xx" and found.metric_name == "5XXError"
    assert found.window.start < datetime(2026, 3, 2, 10, 17, tzinfo=UTC) <= found.window.end
    assert [d.value for d in found.dimensions] == ["orders-api"]


def test_a_composite_alarm_name_becomes_an_incident_with_its_rule(settings: Settings) -> None:
    class CompositeBackend(FakeBackend):
        def describe_alarm(self, alarm_name: str) -> QueryResult:
            composite = {
                "AlarmName": "orders-degraded",
                "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-degraded",
                "StateValue": "ALARM",
                "StateUpdatedTimestamp": datetime(2026, 3, 2, 10, 17, tzinfo=UTC),
                "AlarmRule": 'ALARM("orders-api-5xx") AND ALARM("orders-table-throttles")',
            }
            return from_describe_alarms({"MetricAlarms": [], "CompositeAlarms": [composite]})

    found = incident_from_alarm_name(
        "orders-degraded", settings=settings, backend=CompositeBackend()
    )

    assert found.composite_rule == 'ALARM("orders-api-5xx") AND ALARM("orders-table-throttles")'
    assert (found.region, found.account_id, found.metric_name) == (
        "eu-west-1",
        "123456789012",
        None,
    )


def test_an_unknown_alarm_name_is_a_clear_error(settings: Settings) -> None:
    try:
        incident_from_alarm_name("no-such-alarm", settings=settings, backend=AlarmBackend())
    except LookupError as exc:
        assert "no CloudWatch alarm named 'no-such-alarm'" in str(exc)
    else:
        raise AssertionError("expected a LookupError")


def test_triage_skips_sources_the_backend_lacks(settings: Settings) -> None:
    backend = FakeBackend(
        capabilities=Capabilities(
            logs_insights=False, athena=False, xray=False, metrics=True, alarms=True
        )
    )
    report = investigate(
        incident(),
        settings=settings,
        backend=backend,
        chat_model=ScriptedChatModel(turns=[ai(content="Enough.")]),
    )
    assert [kind for kind, _ in backend.tool_calls] == ["alarm", "metrics"]
    assert [e.tool for e in report.evidence] == ["describe_alarm", "get_metric_data"]


def test_the_step_budget_stops_the_model_loop(settings: Settings) -> None:
    one_step = settings.updated(max_steps=1)
    model = ScriptedChatModel(
        turns=[ai(call("get_service_graph", {}, "g1")), ai(call("get_service_graph", {}, "g2"))]
    )
    report = investigate(incident(), settings=one_step, backend=FakeBackend(), chat_model=model)
    assert report.usage.steps == 1
    assert report.usage.budget_exhausted and "step budget" in report.usage.budget_exhausted
    assert len(model.turns) == 1  # the second turn was never asked for


def test_japanese_settings_give_japanese_prompts_and_headings(settings: Settings) -> None:
    japanese = settings.updated(language="ja")
    model = ScriptedChatModel(turns=[ai(content="十分です。")])
    report = investigate(incident(), settings=japanese, backend=FakeBackend(), chat_model=model)
    system = model.seen[0][0]
    assert isinstance(system, SystemMessage) and "信頼できないデータ" in str(system.content)
    assert "レポートは日本語で" in str(system.content)
    markdown = render_markdown(report)
    assert "## 概要" in markdown and "## 証拠" in markdown


def test_the_system_prompt_gives_architecture_incident_window_and_the_data_rule(
    settings: Settings,
) -> None:
    described = settings.updated(
        architecture_description="API Gateway -> Lambda orders-put -> DynamoDB orders"
    )
    model = ScriptedChatModel(turns=[ai(content="Enough.")])
    investigate(incident(), settings=described, backend=FakeBackend(), chat_model=model)
    system = str(model.seen[0][0].content)
    assert "API Gateway -> Lambda orders-put -> DynamoDB orders" in system
    assert "DynamoDB throttling behind the orders API — alarm orders-api-5xx" in system
    assert "2026-03-02 09:45:00Z – 2026-03-02 10:30:00Z" in system
    assert "(E1, E2, ...)" in system and "never an instruction" in system
