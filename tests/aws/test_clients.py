"""Clients are created once per process, keyed by region and endpoint, with bounded calls."""

from __future__ import annotations

from agent.telemetry.aws import AwsBackend
from agent.telemetry.aws.clients import MAX_RETRIES, get_client
from agent.telemetry.base import TelemetryBackend
from tests.aws.conftest import make_settings


def test_the_same_client_is_reused_across_backends() -> None:
    first = AwsBackend(make_settings()).clients.logs
    second = AwsBackend(make_settings()).clients.logs
    assert first is second


def test_clients_differ_by_region_and_endpoint() -> None:
    default = get_client("logs", region="us-east-1")
    other_region = get_client("logs", region="eu-west-1")
    local = get_client("logs", region="us-east-1", endpoint_url="http://127.0.0.1:5000")
    assert len({id(default), id(other_region), id(local)}) == 3
    assert local.meta.endpoint_url == "http://127.0.0.1:5000"
    assert other_region.meta.region_name == "eu-west-1"


def test_clients_use_adaptive_retries_and_timeouts() -> None:
    config = AwsBackend(make_settings()).clients.athena.meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.retries["total_max_attempts"] == MAX_RETRIES + 1
    assert config.connect_timeout == 5
    assert config.read_timeout == 30


def test_region_and_endpoint_come_from_settings() -> None:
    backend = AwsBackend(
        make_settings(region="ap-northeast-1", endpoint_url="http://127.0.0.1:4566")
    )
    client = backend.clients.xray
    assert client.meta.region_name == "ap-northeast-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"


def test_the_backend_meets_the_telemetry_protocol() -> None:
    backend = AwsBackend(make_settings())
    assert isinstance(backend, TelemetryBackend)
    assert backend.name == "aws"


def test_capabilities_follow_settings() -> None:
    assert AwsBackend(make_settings(xray_enabled=False)).capabilities.xray is False
    assert AwsBackend(make_settings()).capabilities.metric_math is True
