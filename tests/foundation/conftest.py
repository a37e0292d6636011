"""Fixtures for the foundation tests: AWS payloads from tests/events/, a clean incident
bundle copied from tests/foundation/data/, and default settings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.config import Settings

EVENTS = Path(__file__).resolve().parent.parent / "events"
CLEAN_BUNDLE = Path(__file__).resolve().parent / "data" / "orders-incident"


@pytest.fixture
def settings() -> Settings:
    """Default settings (the root conftest has scrubbed FA2_* variables)."""
    return Settings()


@pytest.fixture
def aws_event() -> Callable[[str], dict[str, Any]]:
    """Load a payload from tests/events/ (shapes from AWS documentation), fresh each call."""

    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
        return data

    return load


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A clean bundle to inject faults into: 3 Lambda log events (gzipped), 2 ALB lines
    (AWS's documented examples), 2 CloudTrail records, 1 X-Ray trace, 3 metric datapoints."""
    return Path(shutil.copytree(CLEAN_BUNDLE, tmp_path / "orders-incident"))
