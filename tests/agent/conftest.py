"""Fixtures of the graph tests. No test may reach a real model: any Bedrock request that is
not answered by a botocore Stubber fails loudly (sockets are blocked as well)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.endpoint
import pytest

from agent.alarm import incident_from_bundle
from agent.config import Settings, load_settings
from agent.report import Report
from agent.service import build_backend, investigate
from agent.telemetry.bundle import load_bundle
from tests.agent.fakes import MANIFEST, FakeBackend


class RealModelRequestError(AssertionError):
    """A test tried to call Bedrock for real."""


@pytest.fixture(autouse=True)
def _no_real_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    original = botocore.endpoint.Endpoint.make_request

    def guarded(self: Any, operation_model: Any, request_dict: Any) -> Any:
        if "bedrock" in (self.host or ""):
            raise RealModelRequestError(
                f"real Bedrock request in a test: {operation_model.name} to {self.host}"
            )
        return original(self, operation_model, request_dict)

    monkeypatch.setattr(botocore.endpoint.Endpoint, "make_request", guarded)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        model="baseline", checkpoint_backend="sqlite", checkpoint_path=tmp_path / "threads.sqlite"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Settings]:
    """The demo bundle investigated once per test module by the baseline, its thread kept
    in SQLite so follow-ups can be asked."""
    from tests.conftest import DEMO_BUNDLE

    settings = Settings(
        model="baseline",
        bundle=DEMO_BUNDLE,
        checkpoint_backend="sqlite",
        checkpoint_path=tmp_path_factory.mktemp("threads") / "threads.sqlite",
    )
    incident = incident_from_bundle(load_bundle(DEMO_BUNDLE), settings)
    return investigate(incident, settings=settings, backend=build_backend(settings)), settings


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundle folder holding only MANIFEST; the CLI investigates it against FakeBackend."""
    folder = tmp_path / "orders-incident"
    folder.mkdir()
    (folder / "incident.yaml").write_text(MANIFEST, encoding="utf-8")
    monkeypatch.setenv("FA2_CHECKPOINT_PATH", str(tmp_path / "threads.sqlite"))
    monkeypatch.setattr("agent.service.build_backend", lambda settings: FakeBackend())
    return folder
