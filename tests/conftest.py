"""Shared fixtures. Sockets are blocked for every test except loopback (pytest-socket, see
pyproject addopts), so an accidental call to AWS, Bedrock or Slack fails loudly."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_BUNDLE = REPO_ROOT / "evals" / "scenarios" / "dynamodb-throttling"


# A bug inside a tool fails the test: in production it becomes an error observation
# (agent.tools.base); here it must not be hidden. Set for the whole session (module-scoped
# fixtures and subprocesses included); a test of the lenient behaviour unsets it for itself.
STRICT_TOOL_ERRORS = "FA2_RAISE_TOOL_ERRORS"


# What a module- or session-scoped fixture sees: it is set up before any function-scoped
# fixture below runs, so without these it would read the user's AWS profile and write
# ./.fa2 of the checkout (past incidents, checkpoints) and the user's cache.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="fa2-tests-"))
SESSION_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "FA2_BUNDLE_CACHE": "off",
    "FA2_CACHE_DIR": str(_SESSION_DIR / "fa2-cache"),
    "FA2_INCIDENT_MEMORY_PATH": str(_SESSION_DIR / "incidents.sqlite"),
    "FA2_CHECKPOINT_PATH": str(_SESSION_DIR / "checkpoints.sqlite"),
}


# Knobs of the test run itself, read at collection: kept from the caller's environment.
TEST_RUN_KNOBS = {STRICT_TOOL_ERRORS, "FA2_LOGHUB_DIR", "FA2_EVAL_BEDROCK"}


# The caller's AWS settings, for the one opt-in test that talks to Bedrock for real.
CALLER_AWS_ENV = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}


def pytest_configure(config: pytest.Config) -> None:
    os.environ[STRICT_TOOL_ERRORS] = "1"
    for key in list(os.environ):
        if key.startswith(("AWS_", "FA2_", "SLACK_")) and key not in TEST_RUN_KNOBS:
            del os.environ[key]
    os.environ.update(SESSION_ENV)


def _checkout_state_stamp() -> dict[str, float]:
    folder = REPO_ROOT / ".fa2"
    return {p.name: p.stat().st_mtime for p in folder.glob("*")} if folder.is_dir() else {}


_CHECKOUT_STATE_AT_START = _checkout_state_stamp()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No test may write the checkout's own ./.fa2 (the user's past incidents and threads):
    a fixture or subprocess that escaped the session's folder fails the run."""
    if _checkout_state_stamp() != _CHECKOUT_STATE_AT_START:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nFAILED: a test wrote {REPO_ROOT / '.fa2'} (use the test's own folder)")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no shared config: nothing can reach a real account."""
    for key in list(os.environ):
        if key.startswith(("AWS_", "FA2_", "SLACK_")) and key != STRICT_TOOL_ERRORS:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(autouse=True)
def _no_bundle_cache(_no_real_aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test writes the user's cache or starts a background cache writer: caching is off
    (the cache tests turn it on, in a folder of their own)."""
    monkeypatch.setenv("FA2_BUNDLE_CACHE", "off")
    monkeypatch.setenv("FA2_CACHE_DIR", str(tmp_path / "fa2-cache"))
    # Past incidents go to the test's own folder, never ./.fa2 of the checkout.
    monkeypatch.setenv("FA2_INCIDENT_MEMORY_PATH", str(tmp_path / "incidents.sqlite"))


@pytest.fixture
def demo_bundle_path() -> Path:
    return DEMO_BUNDLE
