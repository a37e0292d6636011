"""Threads checkpointed before the state was typed (incident, evidence and report kept as JSON
dicts, the evidence also copied into each ToolMessage) still load and answer follow-ups.

The fixture is a real thread: `fa2 analyze --bundle evals/scenarios/queue-consumers-stalled
--model baseline --thread legacy-dict-thread` run by fa2 at b33aa8b with the SQLite
checkpointer, pruned to its latest checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.checkpoints import open_checkpointer
from agent.config import Settings, load_settings
from agent.incident import Incident
from agent.report import Evidence, Report
from agent.service import ask, thread_values
from tests.conftest import REPO_ROOT

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "checkpoints"
THREAD = "legacy-dict-thread"


@pytest.fixture
def old_thread(tmp_path: Path) -> Settings:
    path = tmp_path / "threads.sqlite"
    shutil.copyfile(FIXTURE / "dict-state-thread.sqlite", path)
    return load_settings(
        model="baseline",
        checkpoint_backend="sqlite",
        checkpoint_path=path,
        # The thread names the bundle where it was made; point at this checkout's copy.
        bundle=REPO_ROOT / "evals" / "scenarios" / "queue-consumers-stalled",
    )


def _raw_values(settings: Settings) -> dict[str, object]:
    with open_checkpointer(settings) as saver:
        checkpoint = saver.get_tuple({"configurable": {"thread_id": THREAD}})
    assert checkpoint is not None
    return dict(checkpoint.checkpoint["channel_values"])


def test_the_fixture_holds_a_thread_checkpointed_as_dicts(old_thread: Settings) -> None:
    raw = _raw_values(old_thread)

    assert isinstance(raw["incident"], dict)
    assert isinstance(raw["report"], dict)
    assert all(isinstance(e, dict) for e in raw["evidence"])  # type: ignore[attr-defined]


def test_an_old_thread_reads_as_the_same_models_a_new_one_holds(old_thread: Settings) -> None:
    values = thread_values(THREAD, old_thread)

    assert isinstance(values.incident, Incident)
    assert values.incident.title == "email-outbox messages waiting"
    assert isinstance(values.report, Report)
    assert [e.id for e in values.evidence] == [f"E{n}" for n in range(1, 11)]
    assert all(isinstance(e, Evidence) for e in values.evidence)
    assert values.finished


def test_an_old_thread_answers_a_follow_up_as_it_did_before_the_state_was_typed(
    old_thread: Settings,
) -> None:
    answer = ask(THREAD, "which queue is backing up?", settings=old_thread)

    # What fa2 at b33aa8b answered over this thread.
    assert answer.summary == (
        "Rule-based answer to “which queue is backing up?”: No log line in the window mentions "
        "backing. The investigation's conclusion stands: Observed without an explanation around "
        "11:09Z: ApproximateAgeOfOldestMessage 0 → 426.94; ApproximateNumberOfMessagesVisible "
        "0 → 670.83; NumberOfMessagesDeleted 95.67 → 10; NumberOfMessagesReceived 95.67 → 10. "
        "[E4, E7, E8, E9]"
    )
    assert answer.hypotheses[0].evidence_ids == ["E4", "E7", "E8", "E9"]
    assert [e.id for e in answer.evidence] == [f"E{n}" for n in range(1, 11)]


def test_after_a_follow_up_the_thread_is_checkpointed_as_models(old_thread: Settings) -> None:
    ask(THREAD, "which queue is backing up?", settings=old_thread)

    raw = _raw_values(old_thread)

    assert isinstance(raw["incident"], Incident)
    assert isinstance(raw["report"], Report)
    assert all(isinstance(e, Evidence) for e in raw["evidence"])  # type: ignore[attr-defined]
