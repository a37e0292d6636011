"""Fixtures for the local (DuckDB) backend: AWS documentation examples as bundle data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from agent.incident import TimeRange
from agent.telemetry.local.athena import AthenaEngine
from agent.telemetry.local.xray import XRayEngine

DATA = Path(__file__).parent / "data"
ALB_DOC_LOG = DATA / "alb" / "aws-doc-examples.log"
CLOUDTRAIL_DIR = DATA / "cloudtrail"


@pytest.fixture(scope="module")
def athena() -> Iterator[AthenaEngine]:
    """The documented ALB example lines and CloudTrail records, loaded once per module."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    yield AthenaEngine(
        con,
        database="aiops_db",
        alb_table="alb_access_logs",
        cloudtrail_table="cloud_trail_logs",
        alb_files=[ALB_DOC_LOG],
        cloudtrail_files=sorted(CLOUDTRAIL_DIR.glob("*.json")),
    )
    con.close()


Rows = list[list[str | None]]


@pytest.fixture(scope="module")
def sql(athena: AthenaEngine) -> Callable[[str], Rows]:
    """Run Athena SQL on the example tables; the data rows (header dropped), NULL as None."""

    def run(query: str) -> Rows:
        answer = athena.run(query)
        return [
            [cell.get("VarCharValue") for cell in row["Data"]]
            for row in answer.response["ResultSet"]["Rows"][1:]
        ]

    return run


@pytest.fixture
def alb_doc_log() -> Path:
    return ALB_DOC_LOG


@pytest.fixture
def cloudtrail_dir() -> Path:
    return CLOUDTRAIL_DIR


XRAY_FILE = DATA / "xray" / "traces.json"
FAULTING_TRACE = "1-69a560cc-5a1b2c3d4e5f60718293a4b5"
HEALTHY_TRACE = "1-69a560cd-00000000000000000000a001"
THROTTLED_TRACE = "1-69a560ce-00000000000000000000b002"


@pytest.fixture(scope="module")
def xray() -> XRayEngine:
    """Three traces: API Gateway -> Lambda -> a faulting DynamoDB PutItem; a healthy GET;
    a request API Gateway throttled (429)."""
    return XRayEngine([XRAY_FILE])


@pytest.fixture
def incident_window() -> TimeRange:
    return TimeRange(
        start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), end=datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    )


LOG_EVENTS = [
    {
        "logGroup": "/aws/lambda/orders-put",
        "logStream": "2026/03/02/[$LATEST]ab12",
        "timestamp": 1772445900123,
        "message": json.dumps(
            {
                "level": "ERROR",
                "message": "PutItem failed",
                "error": {"code": "InternalServerError"},
            }
        ),
    },
    {
        "logGroup": "/aws/lambda/orders-put",
        "logStream": "2026/03/02/[$LATEST]ab12",
        "timestamp": 1772445900724,
        "message": "REPORT RequestId: 3f1c2d4e-0000-4000-8000-000000000001\tDuration: 712.35 ms\tBilled Duration: 713 ms\tMemory Size: 512 MB\tMax Memory Used: 88 MB\t",
    },
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle made of the AWS documentation examples plus a few log events."""
    root = tmp_path_factory.mktemp("bundles") / "orders-incident"
    for source in ("alb", "cloudtrail", "xray", "metrics"):
        shutil.copytree(DATA / source, root / source)
    (root / "logs").mkdir()
    (root / "logs" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in LOG_EVENTS))
    manifest = {
        "version": 1,
        "title": "Orders API faults",
        "alarm": {
            "AlarmName": "orders-api-5xx",
            "NewStateValue": "ALARM",
            "AWSAccountId": "123456789012",
        },
        "window": {"start": "2026-03-02T09:45:00Z", "end": "2026-03-02T10:30:00Z"},
        "athena": {
            "database": "aiops_db",
            "alb_table": "alb_logs",
            "cloudtrail_table": "cloudtrail_logs",
        },
    }
    (root / "incident.yaml").write_text(yaml.safe_dump(manifest))
    return root


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundle cache of the test's own, written inline (no detached writer)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("FA2_CACHE_DIR", str(folder))
    monkeypatch.setenv("FA2_BUNDLE_CACHE", "inline")
    return folder
