"""What a bundle carries beside its telemetry: past incidents (`past-incidents/*.json`) that an
offline investigation sees through `find_similar_incidents`, validated by `fa2 bundle check`,
and runbooks that are part of the layout, not unknown files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.bundle_check import check_bundle
from agent.config import load_settings
from agent.memory import PastIncident
from agent.memory.bundle import (
    PastIncidentFileError,
    bundle_past_incidents,
    read_past_incident,
    with_bundle_incidents,
)
from agent.memory.sqlite import SqliteIncidentMemory
from agent.service import investigate
from agent.telemetry.bundle import load_bundle
from cli import app
from evals.generators import SCENARIOS_DIR

SEEN_BEFORE = SCENARIOS_DIR / "upload-disk-full-seen-before"
CONFIRMED = "slack-C0OPS4UPL-1770626400.000100"
SCOPE = "T0ACME/123456789012"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    copy = tmp_path / "bundle"
    shutil.copytree(SEEN_BEFORE, copy)
    return copy


def _record(bundle: Path) -> Path:
    return bundle / "past-incidents" / f"{CONFIRMED}.json"


def test_a_bundles_past_incidents_are_read_into_the_investigations_scope() -> None:
    found = bundle_past_incidents(SEEN_BEFORE, SCOPE)
    assert [p.thread_id for p in found] == [CONFIRMED, "slack-C0OPS4UPL-1767949200.000100"]
    assert {p.scope for p in found} == {SCOPE}
    assert (found[0].feedback, found[0].alarm_name) == ("confirmed", "media-upload-5xx")


def test_a_record_with_an_unknown_field_or_a_bad_verdict_is_refused_by_name(bundle: Path) -> None:
    record = json.loads(_record(bundle).read_text())
    _record(bundle).write_text(json.dumps({**record, "feedback": "maybe", "owner": "sam"}))
    with pytest.raises(PastIncidentFileError) as error:
        read_past_incident(_record(bundle))
    assert f"{CONFIRMED}.json" in str(error.value)
    assert "feedback" in str(error.value) and "owner" in str(error.value)


def test_bundle_check_counts_the_knowledge_and_reports_a_broken_record(bundle: Path) -> None:
    assert check_bundle(SEEN_BEFORE).knowledge == {"past-incidents": 2, "runbooks": 1}
    assert check_bundle(SEEN_BEFORE).problems == []
    _record(bundle).write_text("{not json")
    report = check_bundle(bundle)
    [problem] = report.errors
    assert problem.file == f"past-incidents/{CONFIRMED}.json"
    assert problem.message.startswith("past incident: not a JSON document")


def test_bundle_check_in_the_cli_names_the_knowledge_folders() -> None:
    result = CliRunner().invoke(app, ["bundle", "check", str(SEEN_BEFORE)])
    assert result.exit_code == 0, result.output
    assert "past-incidents: 2 files" in result.output and "runbooks: 1 file" in result.output


def test_runbooks_and_past_incidents_are_not_unknown_files() -> None:
    bundle = load_bundle(SEEN_BEFORE)
    assert bundle.unknown_files == []
    assert sorted(bundle.knowledge_files) == ["past-incidents", "runbooks"]


def test_the_bundles_records_come_beside_the_stores_and_writes_go_to_the_store(
    tmp_path: Path,
) -> None:
    store = SqliteIncidentMemory(tmp_path / "incidents.sqlite")
    memory = with_bundle_incidents(store, SEEN_BEFORE, SCOPE)
    assert memory is not None
    mine = bundle_past_incidents(SEEN_BEFORE, SCOPE)[1].model_copy(update={"thread_id": "fa2-mine"})
    memory.save(mine)
    assert [p.thread_id for p in store.in_scope(SCOPE)] == ["fa2-mine"]
    assert {p.thread_id for p in memory.in_scope(SCOPE)} == {
        CONFIRMED,
        "slack-C0OPS4UPL-1767949200.000100",
        "fa2-mine",
    }
    assert memory.in_scope("T0OTHER/123456789012") == []


def test_without_a_store_the_bundles_records_are_still_read(tmp_path: Path) -> None:
    memory = with_bundle_incidents(None, SEEN_BEFORE, SCOPE)
    assert memory is not None and len(memory.in_scope(SCOPE)) == 2
    assert with_bundle_incidents(None, tmp_path, SCOPE) is None  # a bundle without any


def test_an_offline_run_sees_the_bundles_past_incidents_but_remembers_itself_elsewhere(
    tmp_path: Path,
) -> None:
    settings = load_settings(model="baseline", bundle=SEEN_BEFORE, checkpoint_backend="memory")
    from agent.alarm import incident_from_bundle

    incident = incident_from_bundle(load_bundle(SEEN_BEFORE), settings)
    report = investigate(incident, settings=settings, workspace="T0ACME")
    similar = [e for e in report.evidence if e.tool == "find_similar_incidents"]
    assert similar and similar[0].rows[0][0] == CONFIRMED
    stored = SqliteIncidentMemory(tmp_path / "incidents.sqlite")  # the conftest's path
    assert [p.thread_id for s in stored.scopes() for p in stored.in_scope(s)] == [report.thread_id]
    assert not list((SEEN_BEFORE / "past-incidents").glob("fa2-*.json"))


def test_what_fa2_incidents_show_prints_is_a_valid_bundle_record(tmp_path: Path) -> None:
    """`fa2 incidents show THREAD > bundle/past-incidents/THREAD.json` makes a record."""
    shown = bundle_past_incidents(SEEN_BEFORE, "T0ACME/123456789012")[0].model_dump_json(indent=2)
    (tmp_path / "past-incidents").mkdir()
    (tmp_path / "past-incidents" / "shown.json").write_text(shown)
    [read] = bundle_past_incidents(tmp_path, "T0OTHER/-")
    assert read == PastIncident.model_validate_json(shown).model_copy(update={"scope": "T0OTHER/-"})
