"""Record-level validation of the AWS formats an incident bundle holds.

Each `check_*` function reads one already-decoded record (or line, for ALB) and returns
its timestamps, or raises `RecordError` saying what is wrong. They never touch files, so
the bundle checker decides how to count, skip and report.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from agent.telemetry.errors import QueryError
from agent.telemetry.instants import as_utc


class RecordError(ValueError):
    """One record does not have the documented shape; the message says how."""


# --- ALB access logs ---------------------------------------------------------------------

# AWS's documented Athena RegexSerDe for ALB access logs (Athena user guide, "Create the
# table for ALB access logs"), anchored, with the fields newer than target_status_code_list
# (classification, classification_reason, conn_trace_id) optional so logs written before
# ALB added them still parse; anything after them is the documented trailing `( .*)?`.
ALB_LINE = re.compile(
    r"^([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) "
    r'([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) "([^ ]*) (.*) (- |[^ ]*)" '
    r'"([^"]*)" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) "([^"]*)" "([^"]*)" "([^"]*)" '
    r'([-.0-9]*) ([^ ]*) "([^"]*)" "([^"]*)" "([^ ]*)" "([^\s]+?)" "([^\s]+)"'
    r'(?: "([^ ]*)" "([^ ]*)")? ?([^ ]*)?( .*)?$'
)

# One ALB field: a double-quoted string (quotes inside are escaped by ALB as \") or a bare token.
_ALB_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^ ]+')

ALB_FIELDS = (
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    '"request"',
    '"user_agent"',
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    '"trace_id"',
    '"domain_name"',
    '"chosen_cert_arn"',
    "matched_rule_priority",
    "request_creation_time",
    '"actions_executed"',
    '"redirect_url"',
    '"error_reason"',
    '"target:port_list"',
    '"target_status_code_list"',
)
ALB_MIN_FIELDS = len(ALB_FIELDS)
ALB_TYPES = {"http", "https", "h2", "grpcs", "ws", "wss"}

# (field index, pattern, what it should look like) for pinpointing a line the regex refuses.
_ALB_FIELD_RULES: tuple[tuple[int, re.Pattern[str], str], ...] = (
    (3, re.compile(r"^[^ ]*:[0-9]*$"), "client ip:port"),
    (4, re.compile(r"^(-|[^ ]*:[0-9]*)$"), "target ip:port or -"),
    (5, re.compile(r"^-?[.0-9]+$"), "seconds or -1"),
    (6, re.compile(r"^-?[.0-9]+$"), "seconds or -1"),
    (7, re.compile(r"^-?[.0-9]+$"), "seconds or -1"),
    (8, re.compile(r"^(-|[0-9]{3})$"), "an HTTP status or -"),
    (9, re.compile(r"^(-|[0-9]{3})$"), "an HTTP status or -"),
    (10, re.compile(r"^-?[0-9]+$"), "a byte count"),
    (11, re.compile(r"^-?[0-9]+$"), "a byte count"),
    (12, re.compile(r'^"\S* .* \S*"$'), 'a quoted "METHOD url protocol"'),
)


def alb_tokens(line: str) -> list[str]:
    return _ALB_TOKEN.findall(line)


def check_alb_line(line: str) -> datetime:
    """The `time` of one ALB access log line, or `RecordError` naming the field at fault."""
    match = ALB_LINE.match(line)
    if match is not None:
        stamp = parse_iso(match.group(2))
        if match.group(1) in ALB_TYPES and stamp is not None:
            return stamp
    return _diagnose_alb_line(line)


def _diagnose_alb_line(line: str) -> datetime:
    """Why a line failed: field count first (the usual cut or merged line), then field by field."""
    tokens = alb_tokens(line)
    if len(tokens) < ALB_MIN_FIELDS:
        raise RecordError(
            f"{len(tokens)} fields; an ALB access log line has at least {ALB_MIN_FIELDS} "
            f"(type … target_status_code_list, space-separated, some quoted)"
        )
    if tokens[0] not in ALB_TYPES:
        raise RecordError(f"field 1 (type) is {tokens[0]!r}; expected one of {sorted(ALB_TYPES)}")
    stamp = parse_iso(tokens[1])
    if stamp is None:
        raise RecordError(
            f"field 2 (time) is {tokens[1]!r}; expected ISO 8601 UTC like 2026-03-02T10:02:00.123456Z"
        )
    for index, pattern, expected in _ALB_FIELD_RULES:
        if not pattern.match(tokens[index]):
            raise RecordError(
                f"field {index + 1} ({ALB_FIELDS[index]}) is {tokens[index]!r}; expected {expected}"
            )
    raise RecordError("does not match AWS's documented ALB access log format (Athena RegexSerDe)")


# --- CloudWatch Logs events (logs/*.jsonl) ---------------------------------------------------

# Epoch milliseconds before 2001-09-09 are almost certainly epoch *seconds* written by mistake.
_MIN_EPOCH_MS = 1_000_000_000_000


def check_log_event(event: Any) -> datetime:
    """The timestamp of one `{"logGroup", "logStream", "timestamp", "message"}` event."""
    if not isinstance(event, dict):
        raise RecordError(f"expected a JSON object per line, got {type(event).__name__}")
    missing = [key for key in ("logGroup", "logStream", "timestamp", "message") if key not in event]
    if missing:
        raise RecordError("missing " + ", ".join(missing))
    for key in ("logGroup", "logStream", "message"):
        if not isinstance(event[key], str):
            raise RecordError(f"{key} must be a string, got {type(event[key]).__name__}")
    if not is_log_group_name(event["logGroup"]):
        raise RecordError(
            f"logGroup {event['logGroup'][:60]!r} is not a CloudWatch log group name (1 to 512 "
            "of a-z, A-Z, 0-9, _ - / . #): the engine leaves its events out"
        )
    stamp = _epoch_ms(event["timestamp"], "timestamp")
    if "ingestionTime" in event:
        _epoch_ms(event["ingestionTime"], "ingestionTime")
    return stamp


def _epoch_ms(value: Any, key: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{key} must be epoch milliseconds (an integer), got {value!r}")
    if value < _MIN_EPOCH_MS:
        raise RecordError(f"{key} {value} looks like epoch seconds; expected epoch milliseconds")
    return datetime.fromtimestamp(value / 1000, tz=UTC)


# --- CloudTrail (cloudtrail/*.json) ----------------------------------------------------------


def cloudtrail_records(document: Any) -> list[Any]:
    if not isinstance(document, dict) or "Records" not in document:
        raise RecordError('expected a CloudTrail log file: {"Records": [...]}')
    records = document["Records"]
    if not isinstance(records, list):
        raise RecordError(f'"Records" must be a list, got {type(records).__name__}')
    return records


def check_cloudtrail_record(record: Any) -> datetime:
    if not isinstance(record, dict):
        raise RecordError(f"expected an event object, got {type(record).__name__}")
    missing = [key for key in ("eventTime", "eventSource", "eventName") if key not in record]
    if missing:
        raise RecordError("missing " + ", ".join(missing))
    stamp = parse_iso(record["eventTime"]) if isinstance(record["eventTime"], str) else None
    if stamp is None:
        raise RecordError(
            f"eventTime {record['eventTime']!r} is not ISO 8601 (2026-03-02T10:02:11Z)"
        )
    return stamp


# --- X-Ray (xray/*.json, BatchGetTraces) -----------------------------------------------------


def xray_traces(document: Any) -> list[Any]:
    if not isinstance(document, dict) or "Traces" not in document:
        raise RecordError(
            'expected the BatchGetTraces shape: {"Traces": [{"Id", "Segments": [...]}]}'
        )
    traces = document["Traces"]
    if not isinstance(traces, list):
        raise RecordError(f'"Traces" must be a list, got {type(traces).__name__}')
    return traces


def check_trace(trace: Any) -> list[datetime]:
    """Segment start and end times of one trace; each segment `Document` is JSON text."""
    if not isinstance(trace, dict):
        raise RecordError(f"expected a trace object, got {type(trace).__name__}")
    if not isinstance(trace.get("Id"), str):
        raise RecordError("missing Id")
    segments = trace.get("Segments")
    if not isinstance(segments, list) or not segments:
        raise RecordError(f"trace {trace['Id']}: Segments must be a non-empty list")
    times: list[datetime] = []
    for index, segment in enumerate(segments):
        where = f"trace {trace['Id']} Segments[{index}]"
        if not isinstance(segment, dict) or not isinstance(segment.get("Document"), str):
            raise RecordError(f"{where}: Document must be the segment document as a JSON string")
        try:
            document = json.loads(segment["Document"])
        except json.JSONDecodeError as exc:
            raise RecordError(f"{where}: Document is not valid JSON ({exc.msg})") from exc
        if not isinstance(document, dict):
            raise RecordError(f"{where}: Document must be a JSON object")
        missing = [key for key in ("id", "name", "start_time") if key not in document]
        if missing:
            raise RecordError(f"{where}: segment document missing " + ", ".join(missing))
        for key in ("start_time", "end_time"):
            value = document.get(key)
            if value is None and key == "end_time":
                continue  # an in-progress segment has no end_time
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RecordError(f"{where}: {key} must be epoch seconds, got {value!r}")
            times.append(datetime.fromtimestamp(value, tz=UTC))
    return times


# --- CloudWatch metrics (metrics/*.json) -----------------------------------------------------


def metric_series(document: Any) -> list[Any]:
    """A metrics file holds one series object or a list of them."""
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        return document
    raise RecordError("expected a metric series object or a list of them")


def check_metric_series(series: Any) -> list[datetime]:
    if not isinstance(series, dict):
        raise RecordError(f"expected a series object, got {type(series).__name__}")
    missing = [
        key for key in ("Namespace", "MetricName", "Timestamps", "Values") if key not in series
    ]
    if missing:
        raise RecordError("missing " + ", ".join(missing))
    label = f"{series['Namespace']}/{series['MetricName']}"
    stamps, values = series["Timestamps"], series["Values"]
    if not isinstance(stamps, list) or not isinstance(values, list):
        raise RecordError(f"{label}: Timestamps and Values must be lists")
    if len(stamps) != len(values):
        raise RecordError(f"{label}: {len(stamps)} Timestamps but {len(values)} Values")
    for dim in series.get("Dimensions") or []:
        if not isinstance(dim, dict) or not {"Name", "Value"} <= set(dim):
            raise RecordError(f"{label}: each dimension must be {{'Name': ..., 'Value': ...}}")
    times = []
    for index, (stamp, value) in enumerate(zip(stamps, values, strict=True)):
        parsed = parse_iso(stamp) if isinstance(stamp, str) else None
        if parsed is None:
            raise RecordError(f"{label}: Timestamps[{index}] {stamp!r} is not ISO 8601")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RecordError(f"{label}: Values[{index}] {value!r} is not a number")
        times.append(parsed)
    return times


def parse_iso(text: str) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


# What the Logs Insights engine reads, shared with `fa2 bundle check` so both say the same.
# An event whose message is longer than MAX_EVENT_BYTES is skipped (no CloudWatch log event
# is that large; a bundle that has one was not exported from CloudWatch). A line longer than
# MAX_LINE_BYTES (DuckDB's JSON object limit, set explicitly) cannot be read at all, and the
# engine then skips its whole file.
MAX_EVENT_BYTES = 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024
# The log group names CloudWatch Logs allows (CreateLogGroup): 1 to 512 of these characters.
# Events under any other name were not exported from CloudWatch, and such a name could carry
# text for the model (a newline and "SYSTEM: ..."): the engine leaves them out, counted.
LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9_\-/.#]{1,512}")


def is_log_group_name(name: str) -> bool:
    return LOG_GROUP_NAME.fullmatch(name) is not None


def too_long_event_reason(size: int) -> str:
    return (
        f"a message of {size:,} bytes, longer than the {MAX_EVENT_BYTES:,} the engine reads per "
        "log event: skipped (no CloudWatch log event is that large)"
    )


def too_long_line_reason(line: int | None = None, size: int | None = None) -> str:
    what = f"line {line} is {size:,} bytes," if line and size else "a line is"
    return (
        f"{what} longer than the {MAX_LINE_BYTES:,} bytes the engine can read as one event, "
        "so the whole file is skipped"
    )


def check_resource_snapshot(document: Any) -> tuple[str, str]:
    """A `resources/*.json` file: one allow-listed call, its request, and AWS's response
    (or error). Returns (service, operation)."""
    if not isinstance(document, dict):
        raise RecordError('expected {"service", "operation", "request", "response"}')
    service, operation = document.get("service"), document.get("operation")
    if not isinstance(service, str) or not isinstance(operation, str):
        raise RecordError(
            '"service" and "operation" must be strings, e.g. "lambda", "GetFunctionConfiguration"'
        )
    request = document.get("request", {})
    if not isinstance(request, dict):
        raise RecordError('"request" must be an object holding the call\'s parameters')
    # The catalogue and the findings shapes are imported by the two checks that use them:
    # a logs query reads this module's limits and needs neither.
    from agent.telemetry.resource_catalog import ResourceRequest

    try:
        built = ResourceRequest.build(service, operation, request)
    except QueryError as exc:
        raise RecordError(exc.message) from exc
    has_response, has_error = "response" in document, "error" in document
    if has_response == has_error:
        raise RecordError(
            'give exactly one of "response" (what AWS answered) or "error" ({"Code", "Message"})'
        )
    if has_response and not isinstance(document["response"], dict):
        raise RecordError('"response" must be the API response object')
    if has_error and not (isinstance(document["error"], dict) and document["error"].get("Code")):
        raise RecordError('"error" must be {"Code": ..., "Message": ...}')
    return built.service, built.operation


def config_items(document: Any) -> list[Any]:
    """A `config/*.json` file: GetResourceConfigHistory's `{"configurationItems": [...]}`."""
    if not isinstance(document, dict) or not isinstance(document.get("configurationItems"), list):
        raise RecordError('expected AWS Config items: {"configurationItems": [...]}')
    return list(document["configurationItems"])


def check_config_item(item: Any) -> datetime:
    if not isinstance(item, dict):
        raise RecordError(f"expected an object, got {type(item).__name__}")
    missing = [
        k for k in ("resourceType", "resourceId", "configurationItemCaptureTime") if not item.get(k)
    ]
    if missing:
        raise RecordError(f"missing {', '.join(missing)}")
    when = parse_iso(str(item["configurationItemCaptureTime"]))
    if when is None:
        raise RecordError(
            f"configurationItemCaptureTime {item['configurationItemCaptureTime']!r} is not ISO 8601"
        )
    configuration = item.get("configuration")
    if isinstance(configuration, str):
        try:
            json.loads(configuration)
        except json.JSONDecodeError as exc:
            raise RecordError(f"configuration is not JSON ({exc.msg})") from exc
    return when


# --- Security findings (findings/securityhub/*.json, findings/guardduty/*.json) ----------------


def findings_list(document: Any) -> list[Any]:
    """A GetFindings response (Security Hub or GuardDuty): `{"Findings": [...]}`."""
    if not isinstance(document, dict) or not isinstance(document.get("Findings"), list):
        raise RecordError('expected a GetFindings response: {"Findings": [...]}')
    return list(document["Findings"])


def check_finding(item: Any, source: str) -> datetime:
    """One finding read as the local backend reads it; its `UpdatedAt` (what the report's
    period filters on)."""
    from agent.telemetry.shapes.findings import FindingShapeError, from_asff, from_guardduty

    read = from_asff if source == "securityhub" else from_guardduty
    try:
        finding = read(item)
    except FindingShapeError as exc:
        raise RecordError(str(exc)) from exc
    if finding.updated_at is None:
        raise RecordError(
            f"finding {finding.id}: UpdatedAt is missing or not ISO 8601 (2026-03-27T14:30:00Z)"
        )
    return finding.updated_at
