"""`check_bundle` on a small bundle, clean and with one injected fault at a time: each
fault is named with its file and line, skipped, and never crashes the check."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.bundle_check import MAX_PROBLEMS_PER_FILE, check_bundle
from agent.telemetry.bundle import iter_lines

LOGS = "logs/orders-put.jsonl.gz"
ALB = "alb/orders-alb.log"
CLOUDTRAIL = "cloudtrail/123456789012_CloudTrail_us-east-1_20260302T1000Z_a1.json"
XRAY = "xray/traces.json"
METRICS = "metrics/apigateway.json"


def _lines(path: Path) -> list[str]:
    return [line for _, line in iter_lines(path)]


def _counts(path: Path) -> dict[str, int]:
    return {source.source: source.records for source in check_bundle(path).sources}


def _append_log_lines(bundle: Path, *lines: str) -> None:
    path = bundle / LOGS
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text + "".join(line + "\n" for line in lines))


def _append_alb_lines(bundle: Path, *lines: str) -> None:
    with (bundle / ALB).open("a", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))


def _alb_line(bundle: Path, old: str = "", new: str = "") -> str:
    """The bundle's first ALB line (AWS's documented example), with `old` replaced once."""
    return _lines(bundle / ALB)[0].replace(old, new, 1)


def _log_event(bundle: Path, **changes: object) -> str:
    """The bundle's first log event with some keys changed (None removes the key)."""
    event = dict(json.loads(_lines(bundle / LOGS)[0]), **changes)
    return json.dumps({key: value for key, value in event.items() if value is not None})


def _rewrite_json(
    bundle: Path, file: str, change: Callable[[Any], Any], indent: int | None = 2
) -> None:
    path = bundle / file
    path.write_text(
        json.dumps(change(json.loads(path.read_text(encoding="utf-8"))), indent=indent),
        encoding="utf-8",
    )


def _drop_event_time(document: dict[str, Any]) -> dict[str, Any]:
    del document["Records"][1]["eventTime"]
    return document


def test_clean_bundle_reports_every_source_with_counts_and_no_problems(bundle: Path) -> None:
    report = check_bundle(bundle)

    assert report.usable
    assert report.problems == []
    assert _counts(bundle) == {"logs": 3, "alb": 2, "cloudtrail": 2, "xray": 1, "metrics": 3}
    assert report.title == "DynamoDB throttling behind the orders API"


def test_time_span_per_source(bundle: Path) -> None:
    alb = next(s for s in check_bundle(bundle).sources if s.source == "alb")

    assert alb.first is not None and alb.first.isoformat() == "2026-03-02T10:02:00.186641+00:00"
    assert alb.last is not None and alb.last.isoformat() == "2026-03-02T10:17:00.186641+00:00"


def test_gzip_and_plain_files_are_read_alike(bundle: Path) -> None:
    alb_lines, log_lines = _lines(bundle / ALB), _lines(bundle / LOGS)
    (bundle / ALB).unlink()
    with gzip.open(bundle / "alb" / "orders-alb.log.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(alb_lines) + "\n")
    (bundle / LOGS).unlink()
    (bundle / "logs" / "orders-put.jsonl").write_text("\n".join(log_lines) + "\n", encoding="utf-8")

    report = check_bundle(bundle)

    assert report.problems == []
    assert _counts(bundle)["alb"] == 2 and _counts(bundle)["logs"] == 3


# name -> (inject, file, line, words of the message)
FAULTS: dict[str, tuple[Callable[[Path], None], str, int | None, str]] = {
    "log line not JSON": (
        lambda b: _append_log_lines(b, "START RequestId: 1234 Version: $LATEST"),
        LOGS,
        4,
        "not valid JSON",
    ),
    "log event missing message": (
        lambda b: _append_log_lines(b, _log_event(b, message=None)),
        LOGS,
        4,
        "log event missing message",
    ),
    "log timestamp in seconds": (
        lambda b: _append_log_lines(b, _log_event(b, timestamp=1772446620)),
        LOGS,
        4,
        "looks like epoch seconds",
    ),
    "log event is a list": (
        lambda b: _append_log_lines(b, "[1, 2]"),
        LOGS,
        4,
        "expected a JSON object per line",
    ),
    "ALB line cut short": (
        lambda b: _append_alb_lines(b, _alb_line(b)[:120]),
        ALB,
        3,
        "an ALB access log line has at least 27",
    ),
    "ALB bad timestamp": (
        lambda b: _append_alb_lines(
            b, _alb_line(b, "2026-03-02T10:02:00.186641Z", "02/Mar/2026:10:02:00")
        ),
        ALB,
        3,
        "field 2 (time)",
    ),
    "ALB bad status code": (
        lambda b: _append_alb_lines(b, _alb_line(b, " 200 200 ", " OK 200 ")),
        ALB,
        3,
        "field 9 (elb_status_code) is 'OK'",
    ),
    "CloudTrail file is a bare list": (
        lambda b: _rewrite_json(b, CLOUDTRAIL, lambda doc: doc["Records"], indent=None),
        CLOUDTRAIL,
        1,
        'expected a CloudTrail log file: {"Records": [...]}',
    ),
    "CloudTrail record without eventTime": (
        lambda b: _rewrite_json(b, CLOUDTRAIL, _drop_event_time),
        CLOUDTRAIL,
        29,
        "Records[1]: missing eventTime",
    ),
    "CloudTrail file not JSON": (
        lambda b: (b / CLOUDTRAIL).write_text('{"Records": [\n{"eventTime": \n', encoding="utf-8"),
        CLOUDTRAIL,
        3,
        "not valid JSON",
    ),
    "X-Ray not BatchGetTraces shape": (
        lambda b: _rewrite_json(b, XRAY, lambda doc: doc["Traces"], indent=None),
        XRAY,
        1,
        "expected the BatchGetTraces shape",
    ),
    "X-Ray segment document not JSON": (
        lambda b: (b / XRAY).write_text(
            json.dumps(
                {"Traces": [{"Id": "1-abc", "Segments": [{"Id": "s1", "Document": "{oops"}]}]}
            ),
            encoding="utf-8",
        ),
        XRAY,
        1,
        "Document is not valid JSON",
    ),
    "metrics Timestamps and Values differ": (
        lambda b: _rewrite_json(b, METRICS, lambda doc: [{**doc[0], "Values": [0, 7]}]),
        METRICS,
        2,
        "3 Timestamps but 2 Values",
    ),
    "file named .gz that is not gzip": (
        lambda b: (b / "logs" / "api.jsonl.gz").write_bytes(b'{"message": "plain text"}\n'),
        "logs/api.jsonl.gz",
        None,
        "Not a gzipped file",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_injected_fault_is_named_with_file_and_line(bundle: Path, fault: str) -> None:
    inject, file, line, message = FAULTS[fault]
    inject(bundle)

    report = check_bundle(bundle)

    errors = [(p.file, p.line) for p in report.errors if message in p.message]
    assert errors == [(file, line)], [p.model_dump() for p in report.problems]
    assert report.usable  # the rest of the bundle is still readable


def test_a_cut_gzip_counts_no_record_as_the_engines_skip_it_whole(bundle: Path) -> None:
    events = "".join(line + "\n" for line in _lines(bundle / LOGS)) * 200
    compressed = gzip.compress(events.encode("utf-8"))
    (bundle / LOGS).write_bytes(compressed[: len(compressed) // 2])

    report = check_bundle(bundle)

    logs = next(s for s in report.sources if s.source == "logs")
    assert logs.records == 0 and logs.skipped > 0
    cut = [p for p in report.errors if p.file == LOGS]
    assert len(cut) == 1 and "cannot be read to its end (" in cut[0].message
    assert cut[0].message.endswith("fa2's engines skip the whole file")


def test_an_empty_gzip_file_is_named_as_the_engines_refuse_it(bundle: Path) -> None:
    (bundle / "logs" / "empty.jsonl.gz").write_bytes(b"")

    report = check_bundle(bundle)

    assert [(p.file, p.message) for p in report.errors] == [
        (
            "logs/empty.jsonl.gz",
            "an empty file is not a gzip stream; fa2's engines skip the whole file",
        )
    ]
    assert report.usable


def test_bad_lines_are_skipped_and_good_ones_still_counted(bundle: Path) -> None:
    _append_log_lines(bundle, "not json", _log_event(bundle, timestamp=1772446621000))

    logs = next(s for s in check_bundle(bundle).sources if s.source == "logs")

    assert (logs.records, logs.skipped) == (4, 1)


def test_timestamps_outside_the_window_are_one_warning_per_file(bundle: Path) -> None:
    _append_log_lines(
        bundle,
        _log_event(bundle, timestamp=1772440000000),
        _log_event(bundle, timestamp=1772450000000),
    )

    report = check_bundle(bundle)

    (warning,) = report.problems
    assert warning.severity == "warning"
    assert (warning.file, warning.line) == (LOGS, 4)
    assert warning.message.startswith("2 timestamps outside the window 2026-03-02 09:45:00Z")
    assert report.usable


def test_unknown_files_are_warnings_saying_what_is_expected(bundle: Path) -> None:
    (bundle / "logs" / "orders-put.json").write_text("{}", encoding="utf-8")
    (bundle / "notes.txt").write_text("todo", encoding="utf-8")

    report = check_bundle(bundle)

    assert [(p.severity, p.file) for p in report.problems] == [
        ("warning", "logs/orders-put.json"),
        ("warning", "notes.txt"),
    ]
    assert "logs files must be logs/*.jsonl[.gz]" in report.problems[0].message


def test_problems_per_file_are_capped_with_a_summary(bundle: Path) -> None:
    _append_log_lines(bundle, *["garbage"] * (MAX_PROBLEMS_PER_FILE + 5))

    report = check_bundle(bundle)

    assert len(report.errors) == MAX_PROBLEMS_PER_FILE + 1
    assert report.errors[-1].message == "… and 5 more bad records in this file (not listed)"


def test_folder_without_manifest_is_not_usable(tmp_path: Path) -> None:
    report = check_bundle(tmp_path)

    assert not report.usable
    assert report.errors[0].file == "incident.yaml"
    assert "no incident.yaml" in report.errors[0].message


def test_invalid_manifest_is_not_usable(bundle: Path) -> None:
    manifest = bundle / "incident.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "end: '2026-03-02T10:30:00Z'", "end: '2026-03-02T09:00:00Z'"
        ),
        encoding="utf-8",
    )

    report = check_bundle(bundle)

    assert not report.usable
    assert "must be after start" in report.errors[0].message


def test_manifest_with_malformed_alarm_is_not_usable(bundle: Path) -> None:
    manifest = bundle / "incident.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "NewStateValue: ALARM", "NewStateValue: FIRING"
        ),
        encoding="utf-8",
    )

    report = check_bundle(bundle)

    assert not report.usable
    assert report.errors[0].message.startswith(
        "alarm: SNS alarm notification: field 'NewStateValue'"
    )


def test_bundle_with_no_readable_telemetry_is_not_usable(bundle: Path) -> None:
    for folder in ("logs", "alb", "cloudtrail", "xray", "metrics"):
        for file in (bundle / folder).iterdir():
            file.write_text("", encoding="utf-8")

    report = check_bundle(bundle)

    assert not report.usable
    assert report.errors[-1].message == "no readable telemetry in any source folder"
