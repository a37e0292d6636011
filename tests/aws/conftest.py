"""Fixtures for the AWS backend: settings, an instant clock, moto (in-process and as a
threaded server on 127.0.0.1) and Stubber-wrapped clients."""

from __future__ import annotations

import json
import random
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from agent.config import Settings, load_settings
from agent.incident import TimeRange
from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.aws.polling import Waiter

LOG_GROUP = "/aws/lambda/orders-put"
INCIDENT = TimeRange(
    start=datetime(2026, 3, 2, 9, 45, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
)


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def waiter(clock: FakeClock) -> Waiter:
    return Waiter(sleep=clock.sleep, clock=clock, rng=random.Random(7))


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "model": "baseline",
        "log_groups": [LOG_GROUP],
        "athena_output_location": "s3://fa2-athena-results/queries/",
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    """Clients are cached per process; each test starts with none."""
    clear_client_cache()
    yield
    clear_client_cache()


@pytest.fixture
def backend(settings: Settings, waiter: Waiter) -> AwsBackend:
    """A backend whose clients a test wraps in `Stubber`; nothing reaches the network."""
    return AwsBackend(settings, waiter=waiter, query_timeout_s=30)


@pytest.fixture
def moto_backend(settings: Settings, waiter: Waiter) -> Iterator[AwsBackend]:
    with mock_aws():
        yield AwsBackend(settings, waiter=waiter, query_timeout_s=30)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def server_backend(moto_server: str, waiter: Waiter) -> AwsBackend:
    """A backend talking HTTP to the moto server through `endpoint_url`, state reset first."""
    post_json(f"{moto_server}/moto-api/reset", {})
    return AwsBackend(make_settings(endpoint_url=moto_server), waiter=waiter, query_timeout_s=30)


def post_json(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)
