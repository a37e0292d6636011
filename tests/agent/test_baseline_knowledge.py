"""The rule-based baseline uses what the team knew (agent/baseline/prior.py): a runbook titled
after the alarm or a failing resource becomes a cited action; a confirmed past incident on the
same alarm is checked first, leads only when this incident's evidence shows it again, and is
listed as not supported when it does not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.alarm import incident_from_bundle
from agent.baseline.prior import AlarmFacts, alarm_facts, runbook_advice
from agent.config import load_settings
from agent.prompts import incident_briefing
from agent.report import Evidence, Report
from agent.service import investigate
from agent.telemetry.base import Capabilities
from agent.telemetry.bundle import load_bundle
from agent.tools import tools_for
from evals.generators import SCENARIOS_DIR
from tests.conftest import DEMO_BUNDLE


def _baseline(bundle: Path) -> Report:
    """The offline investigation, with incident memory off: only the bundle's records show."""
    settings = load_settings(
        model="baseline", bundle=bundle, checkpoint_backend="memory", incident_memory="off"
    )
    return investigate(incident_from_bundle(load_bundle(bundle), settings), settings=settings)


def _tool_of(report: Report, evidence_id: str) -> str:
    return report.evidence_by_id()[evidence_id].tool


def test_a_runbook_titled_after_the_alarm_becomes_an_action_citing_its_passage() -> None:
    report = _baseline(SCENARIOS_DIR / "dynamodb-hot-partition")
    [followed] = [a for a in report.actions if a.startswith("Follow the runbook")]
    assert "“events-api-5xx: 5xx from the events API” (runbooks/events-api-5xx.md)" in followed
    assert "write sharding" in followed
    cited = followed.rsplit("[", 1)[1].rstrip("]")
    assert _tool_of(report, cited) == "search_runbooks"


@pytest.mark.parametrize(
    ("scenario", "runbook"),
    [
        ("lambda-memory-downsized", "runbooks/thumbnailer.md"),
        ("dynamodb-hot-partition", "runbooks/events-api-5xx.md"),
        ("upload-disk-full-seen-before", "runbooks/media-upload-5xx.md"),
    ],
)
def test_every_scenario_with_a_titled_runbook_cites_it_in_its_actions(
    scenario: str, runbook: str
) -> None:
    report = _baseline(SCENARIOS_DIR / scenario)
    [followed] = [a for a in report.actions if f"({runbook})" in a]
    assert _tool_of(report, followed.rsplit("[", 1)[1].rstrip("]")) == "search_runbooks"


def test_a_runbook_that_only_shares_words_is_not_followed() -> None:
    report = _baseline(SCENARIOS_DIR / "dynamodb-hot-partition")
    assert not any("provisioned WCU" in a for a in report.actions)


def test_a_confirmed_past_cause_seen_again_in_the_evidence_leads_and_is_cited() -> None:
    report = _baseline(SCENARIOS_DIR / "upload-disk-full-seen-before")
    lead, second = report.hypotheses[:2]
    assert lead.category == "resource-exhaustion"
    assert "No space left on device" in lead.statement and "10.0.71.16" in lead.statement
    assert "find_similar_incidents" in {_tool_of(report, i) for i in lead.evidence_ids}
    assert "confirmed" in lead.reasoning and "2026-02-09" in lead.reasoning
    assert "ModifyLoadBalancerAttributes" in second.statement
    assert "10.0.71.16" in report.actions[0]  # the fix is on the instance, not the ALB


def test_without_the_memory_the_same_telemetry_blames_the_load_balancer_change() -> None:
    report = _baseline(SCENARIOS_DIR / "upload-disk-full-one-instance")
    assert "ModifyLoadBalancerAttributes" in report.hypotheses[0].statement


def test_a_confirmed_past_cause_the_evidence_does_not_show_is_listed_as_not_supported() -> None:
    report = _baseline(SCENARIOS_DIR / "payment-notifier-past-cause-differs")
    lead, checked = report.hypotheses[:2]
    assert "UpdateFunctionConfiguration" in lead.statement and lead.category == "configuration"
    assert "PutFunctionConcurrency" not in lead.statement
    assert checked.statement.startswith("Checked and not supported this time")
    assert checked.confidence == "low" and "PutFunctionConcurrency" in checked.statement


def test_a_confirmed_past_cause_of_the_kind_the_lead_already_has_is_cited_on_it(
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "dynamodb-throttling"
    shutil.copytree(DEMO_BUNDLE, bundle)
    (bundle / "past-incidents").mkdir()
    record = {
        "thread_id": "slack-C0ORD-1769000000.000100",
        "title": "orders-api-5xx",
        "alarm_name": "orders-api-5xx",
        "resources": ["orders-api"],
        "window": {"start": "2026-01-21T12:00:00Z", "end": "2026-01-21T13:00:00Z"},
        "top_hypothesis": "UpdateTable lowered the write capacity of orders [E4].",
        "category": "capacity",
        "feedback": "confirmed",
        "recorded_at": "2026-01-21T13:05:00Z",
    }
    (bundle / "past-incidents" / "orders.json").write_text(json.dumps(record))
    lead = _baseline(bundle).hypotheses[0]
    assert "UpdateTable" in lead.statement
    assert "The same cause was confirmed for this alarm on 2026-01-21" in lead.reasoning


def test_the_alarm_is_read_from_the_briefing() -> None:
    settings = load_settings(model="baseline", bundle=DEMO_BUNDLE)
    incident = incident_from_bundle(load_bundle(DEMO_BUNDLE), settings)
    facts = alarm_facts(incident_briefing(incident, ["/aws/lambda/orders-put"], "en"))
    assert facts == AlarmFacts(name="orders-api-5xx", resources=("orders-api",))


def test_a_title_names_a_resource_only_as_a_whole_name() -> None:
    passages = Evidence(
        id="E9",
        tool="search_runbooks",
        source="runbooks",
        query="search runbooks: orders",
        row_count=1,
        columns=["source", "heading", "passage", "score"],
        rows=[["runbooks/r.md", "Reorders-queue backlog › Mitigate", "1. Purge it.", "2.1"]],
    )
    assert runbook_advice([passages], ["orders"]) is None
    assert runbook_advice([passages], ["reorders-queue"]) is not None


def test_find_similar_incidents_is_offered_only_with_a_memory_to_search() -> None:
    capabilities = Capabilities()
    offered = {t.name for t in tools_for(capabilities, memory=False)}
    assert "find_similar_incidents" not in offered
    assert "find_similar_incidents" in {t.name for t in tools_for(capabilities)}
