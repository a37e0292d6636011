"""Fixtures of the metrics-insight tests: scenario bundles read by the local backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.config import Settings
from agent.insight import InsightAnswer, answer_metrics_question
from agent.telemetry.bundle import load_manifest
from agent.telemetry.local import LocalBackend
from tests.conftest import REPO_ROOT

SCENARIOS = REPO_ROOT / "evals" / "scenarios"

Ask = Callable[..., InsightAnswer]


@pytest.fixture
def ask() -> Ask:
    """Ask a question of a scenario bundle over its whole window, with the baseline."""

    def run(scenario: str, question: str, tz: str = "UTC") -> InsightAnswer:
        folder: Path = SCENARIOS / scenario
        settings = Settings(bundle=folder)
        return answer_metrics_question(
            question,
            time_range=load_manifest(folder).window,
            backend=LocalBackend(folder, settings),
            user_timezone=tz,
            settings=settings,
        )

    return run
