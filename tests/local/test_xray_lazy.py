"""X-Ray loads traces without summarising them: a filter reads the root segment's facts,
and only the summaries a response shows are built. The quick facts must say exactly what
the full summary says, or a filter would match differently from the summary it returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.telemetry.bundle import load_bundle
from agent.telemetry.local.xray import XRayEngine, _QuickFacts, _summary_facts, _TraceSubject

from .conftest import XRAY_FILE

REPO = Path(__file__).resolve().parents[2]
SCENARIOS_WITH_TRACES = sorted(p.parent.parent for p in REPO.glob("evals/scenarios/*/xray/*"))


@pytest.mark.parametrize(
    "files",
    [[XRAY_FILE]] + [load_bundle(root).source_files("xray") for root in SCENARIOS_WITH_TRACES[:4]],
    ids=["test-data"] + [root.name for root in SCENARIOS_WITH_TRACES[:4]],
)
def test_quick_facts_equal_the_full_summary_facts_for_every_trace(files: list[Path]) -> None:
    engine = XRayEngine(files)
    assert engine.records
    for record in engine.records.values():
        subject = _TraceSubject(engine, record)
        quick = _QuickFacts(subject)
        full = _summary_facts(engine.summary(record.id))
        for key in _QuickFacts._CHEAP:
            assert quick[key] == full[key], (record.id, key)


def test_a_fault_filter_builds_summaries_only_for_the_traces_it_returns(
    incident_window,
) -> None:
    engine = XRayEngine([XRAY_FILE])
    response, matched = engine.trace_summaries("fault", incident_window, limit=50)
    assert matched == len(response["TraceSummaries"]) == 1
    assert set(engine._summaries) == {s["Id"] for s in response["TraceSummaries"]}


def test_an_annotation_filter_falls_back_to_the_full_summary(incident_window) -> None:
    engine = XRayEngine([XRAY_FILE])
    everything, _ = engine.trace_summaries(None, incident_window)
    annotated = [s for s in everything["TraceSummaries"] if s["Annotations"]]
    if not annotated:
        pytest.skip("the test traces carry no annotations")
    key, values = next(iter(annotated[0]["Annotations"].items()))
    value = next(iter(values[0]["AnnotationValue"].values()))
    literal = f'"{value}"' if isinstance(value, str) else str(value).lower()
    _, matched = engine.trace_summaries(f"annotation.{key} = {literal}", incident_window)
    assert matched >= 1
