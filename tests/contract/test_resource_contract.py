"""The resource tools cannot tell the backends apart: every allow-listed call recorded from
moto into a bundle's `resources/` answers from the local backend with the same table as the
AWS backend gives live — same columns, same rows, the same secrets withheld."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from agent.config import load_settings
from agent.telemetry.aws import AwsBackend, clear_client_cache
from agent.telemetry.base import QueryResult
from agent.telemetry.local import LocalBackend
from agent.telemetry.resource_catalog import ResourceRequest
from tests.agent.fakes import MANIFEST
from tests.aws.resource_world import ENV_SECRET, calls, record, seed

World = tuple[AwsBackend, LocalBackend, list[tuple[str, str, dict[str, Any], str, str]]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root: Path = tmp_path_factory.mktemp("bundle")
    (root / "incident.yaml").write_text(MANIFEST, encoding="utf-8")
    (root / "resources").mkdir()
    settings = load_settings(region="us-east-1", model="baseline")
    with mock_aws():
        clear_client_cache()
        ids = seed()
        table = calls(ids)
        for index, (service, operation, params, *_) in enumerate(table):
            path = root / "resources" / f"{service}.{operation}.{index}.json"
            path.write_text(json.dumps(record(service, operation, params)), encoding="utf-8")
        yield AwsBackend(settings), LocalBackend(root, settings), table
    clear_client_cache()


def _steady(result: QueryResult) -> list[list[str | None]]:
    """The rows without what moto advances on every read (an ECS task's lastStatus moves
    PENDING -> ... -> STOPPED one step per DescribeTasks)."""
    moving = {i for i, c in enumerate(result.columns) if c == "last_status"}
    return [[None if i in moving else v for i, v in enumerate(row)] for row in result.rows]


@pytest.mark.parametrize("index", range(28))
def test_local_and_aws_backends_answer_a_call_with_the_same_table(world: World, index: int) -> None:
    aws, local, table = world
    service, operation, params, *_ = table[index]
    request = ResourceRequest.build(service, operation, params)
    live, offline = aws.describe_resource(request), local.describe_resource(request)
    assert (offline.source, offline.status, offline.query) == (live.source, live.status, live.query)
    assert offline.columns == live.columns
    assert _steady(offline) == _steady(live)
    assert offline.link and offline.link.startswith("bundle://")
    assert live.link and live.link.startswith("https://")
    assert ENV_SECRET not in offline.model_dump_json()
