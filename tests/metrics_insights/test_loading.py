"""The engine reads the bundle's metric files with DuckDB: gzipped files, a file holding one
series or a list, missing datapoints (null values), a later recording of a series replacing an
earlier one; a broken file is skipped and named, and a bundle whose every metrics file is
broken makes the source unavailable, not the query wrong."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from agent.config import load_settings
from agent.telemetry.base import TelemetryUnavailableError
from agent.telemetry.local import LocalBackend
from tests.metrics_insights.conftest import HOUR

QUERY = 'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName'


def _series(function: str, values: list[float | None]) -> dict:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": function}],
        "Statistic": "Sum",
        "Period": 60,
        "Timestamps": [f"2026-03-02T10:0{m}:00Z" for m in range(len(values))],
        "Values": values,
    }


def _bundle(root: Path, files: dict[str, bytes]) -> LocalBackend:
    (root / "metrics").mkdir(parents=True)
    (root / "incident.yaml").write_text(
        yaml.safe_dump(
            {
                "title": "t",
                "window": {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"},
            }
        )
    )
    for name, content in files.items():
        (root / "metrics" / name).write_bytes(content)
    return LocalBackend(root, load_settings(model="baseline"))


def test_gzipped_single_and_listed_series_are_all_read(tmp_path: Path) -> None:
    backend = _bundle(
        tmp_path,
        {
            "put.json.gz": gzip.compress(json.dumps(_series("orders-put", [1, None, 3])).encode()),
            "get.json": json.dumps([_series("orders-get", [0, 2])]).encode(),
        },
    )
    result = backend.run_metrics_insights(QUERY, HOUR)
    assert [(row[0], row[2]) for row in result.rows] == [("orders-get", "2"), ("orders-put", "4")]
    assert [len(s.points) for s in result.series] == [2, 2]  # the null datapoint is no point


def test_a_later_recording_of_a_series_replaces_the_earlier(tmp_path: Path) -> None:
    backend = _bundle(
        tmp_path,
        {
            "a-first.json": json.dumps(_series("orders-put", [1, 1])).encode(),
            "b-again.json": json.dumps(_series("orders-put", [5, 5])).encode(),
        },
    )
    [row] = backend.run_metrics_insights(QUERY, HOUR).rows
    assert row[2] == "10"


def test_a_broken_file_is_skipped_and_the_others_answer(tmp_path: Path) -> None:
    backend = _bundle(
        tmp_path,
        {
            "good.json": json.dumps(_series("orders-put", [2])).encode(),
            "broken.json": b'{"Namespace": ',
        },
    )
    assert [row[2] for row in backend.run_metrics_insights(QUERY, HOUR).rows] == ["2"]


def test_no_readable_metrics_file_makes_the_source_unavailable(tmp_path: Path) -> None:
    backend = _bundle(tmp_path, {"broken.json": b"[{"})
    with pytest.raises(TelemetryUnavailableError, match="metrics"):
        backend.run_metrics_insights(QUERY, HOUR)
