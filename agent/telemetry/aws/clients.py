"""boto3 clients, created once per process and reused (a warm Lambda keeps them).

Keyed by service, region and endpoint, so tests pointing at a moto server and production
code never share a client. Every call is bounded: connect and read timeouts, and botocore's
adaptive retry mode (exponential back-off plus client-side rate limiting when throttled).
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

from agent.config import Settings

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
MAX_RETRIES = 4  # botocore's `max_attempts` counts retries after the first try

_CLIENTS: dict[tuple[str, str, str | None], Any] = {}
_SESSION: boto3.session.Session | None = None
_LOCK = threading.Lock()


def boto_config() -> Config:
    return Config(
        retries={"mode": "adaptive", "max_attempts": MAX_RETRIES},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        user_agent_extra="fa2",
    )


def get_client(service: str, *, region: str, endpoint_url: str | None = None) -> Any:
    """The process-wide client for `service` in `region` (at `endpoint_url`, if set)."""
    key = (service, region, endpoint_url)
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            # One session for the process, used only under the lock (boto3 sessions are
            # not thread-safe): it caches the service models, so later clients are cheap.
            global _SESSION
            if _SESSION is None:
                _SESSION = boto3.session.Session()
            session = _SESSION
            make_client: Any = session.client  # typed per service literal; ours is a str
            client = make_client(
                service, region_name=region, endpoint_url=endpoint_url, config=boto_config()
            )
            _CLIENTS[key] = client
        return client


def clear_client_cache() -> None:
    """Forget every cached client (tests switch between moto, Stubber and servers)."""
    with _LOCK:
        _CLIENTS.clear()


class AwsClients:
    """The clients one backend uses, resolved lazily from the process-wide cache."""

    def __init__(self, settings: Settings) -> None:
        self.region = settings.aws.region
        self.endpoint_url = settings.aws.endpoint_url

    def _get(self, service: str) -> Any:
        return get_client(service, region=self.region, endpoint_url=self.endpoint_url)

    def client(self, service: str) -> Any:
        """Any service's client (the resource calls span many services)."""
        return self._get(service)

    @property
    def logs(self) -> Any:
        return self._get("logs")

    @property
    def athena(self) -> Any:
        return self._get("athena")

    @property
    def glue(self) -> Any:
        return self._get("glue")

    @property
    def xray(self) -> Any:
        return self._get("xray")

    @property
    def cloudwatch(self) -> Any:
        return self._get("cloudwatch")

    @property
    def bedrock_agent_runtime(self) -> Any:
        return self._get("bedrock-agent-runtime")
