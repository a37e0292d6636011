"""The demo bundle end to end with the real local backend and the baseline: it names the
throttled table and the UpdateTable change, cites both, clears the red herring, and a
follow-up asked from a new process finds the thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import Settings
from agent.report import Report

REPO = Path(__file__).resolve().parents[2]


def test_names_the_throttled_table_and_the_update_table_change(
    demo: tuple[Report, Settings],
) -> None:
    report, _ = demo
    top = report.hypotheses[0]
    assert top.category == "capacity" and top.confidence.value == "high"
    assert "UpdateTable" in top.statement and "orders" in top.statement
    assert "ProvisionedThroughputExceededException" in top.statement


def test_cites_the_throttling_log_lines_and_the_cloudtrail_record(
    demo: tuple[Report, Settings],
) -> None:
    report, _ = demo
    cited = [report.evidence_by_id()[i] for i in report.hypotheses[0].evidence_ids]
    as_text = [json.dumps(e.model_dump(mode="json")) for e in cited]
    assert any(
        e.source == "logs" and "ProvisionedThroughputExceededException" in t
        for e, t in zip(cited, as_text, strict=True)
    )
    assert any(
        e.source == "athena" and "UpdateTable" in t for e, t in zip(cited, as_text, strict=True)
    )


def test_does_not_blame_the_red_herring_lambda_configuration_change(
    demo: tuple[Report, Settings],
) -> None:
    report, _ = demo
    blamed = [h for h in report.hypotheses if h.confidence.value != "low"]
    assert all("UpdateFunctionConfiguration" not in h.statement for h in blamed)


@pytest.mark.slow
def test_a_follow_up_from_a_new_process_resumes_the_thread(demo: tuple[Report, Settings]) -> None:
    report, settings = demo
    env = {**os.environ, "FA2_CHECKPOINT_PATH": str(settings.checkpoints.path)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "ask",
            "--thread",
            str(report.thread_id),
            "--format",
            "json",
            "Which table was throttled?",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["thread_id"] == report.thread_id
    assert "orders" in answer["summary"]
    assert len(answer["evidence"]) > len(
        report.evidence
    )  # earlier evidence kept, new evidence added
