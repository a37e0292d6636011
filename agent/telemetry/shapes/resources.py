"""Resource responses and configuration history -> `QueryResult`, shared by both backends.

Before anything is shown or kept, `withhold_secrets` takes out what may hold a secret value
(Lambda and ECS environment variable values, API Gateway stage variable values, Run Command
output beyond a redacted excerpt) and every remaining string passes through `redact`. The
names stay: "DB_PASSWORD is set" is evidence, its value never is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from agent.redact import redact
from agent.telemetry.base import QueryResult
from agent.telemetry.resource_catalog import ResourceOperation, ResourceRequest
from agent.telemetry.shapes.values import format_timestamp, text
from agent.telemetry.types import TimeRange, as_utc

WITHHELD = "(value withheld by fa2)"
MAX_OUTPUT_CHARS = 500  # Run Command output kept per plugin
MAX_ROWS = 200
MAX_CHANGE_CHARS = 1500

# Error codes meaning "no such resource" (or a malformed id) across the allow-listed services:
# ResourceNotFoundException, NoSuchEntity, TargetGroupNotFound, InvalidInstanceID.NotFound,
# AWS.SimpleQueueService.NonExistentQueue, DBInstanceNotFound, DeploymentDoesNotExistException,
# InvalidCommandId, ...
NOT_FOUND = re.compile(r"NotFound|NoSuchEntity|NonExistent|DoesNotExist|^Invalid|Malformed")
_NOT_THE_REQUEST = frozenset({"InvalidClientTokenId", "InvalidSignatureException"})
SERVICE_LABELS = {
    "elbv2": "Elastic Load Balancing",
    "ec2": "EC2",
    "iam": "IAM",
    "sqs": "SQS",
    "rds": "RDS",
    "ecs": "ECS",
    "ssm": "Systems Manager",
    "apigateway": "API Gateway",
    "apigatewayv2": "API Gateway",
    "dynamodb": "DynamoDB",
    "secretsmanager": "Secrets Manager",
    "codedeploy": "CodeDeploy",
    "lambda": "Lambda",
}


def rejected_message(request: ResourceRequest, code: str, message: str) -> str | None:
    """What the model reads when AWS says the named resource does not exist (or its id is
    malformed), the same from both backends; None for errors that are not the request's."""
    if code in _NOT_THE_REQUEST or not NOT_FOUND.search(code):
        return None
    label = SERVICE_LABELS.get(request.service, request.service)
    return f"{label} rejected {request.describe()} ({code}): {message}"


CONFIG_COLUMNS = ["captured", "status", "changes", "related_events"]
# Items this long before the window still count as "just before" it; the newest older
# item is kept too, as the state the first change started from.
CONFIG_LOOKBACK = timedelta(hours=24)
MAX_CONFIG_ITEMS = 20


def jsonable(value: Any) -> Any:
    """A response as plain JSON values: boto3's datetimes become ISO 8601 UTC strings, as a
    snapshot written to a bundle holds them."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _withhold_values(mapping: Any) -> Any:
    if isinstance(mapping, Mapping):
        return {k: WITHHELD for k in mapping}
    return mapping


def _redact_strings(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redact_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_strings(v) for v in value]
    return value


def withhold_secrets(op: ResourceOperation, response: dict[str, Any]) -> dict[str, Any]:
    """The response with secret values taken out (see the module docstring)."""
    data = jsonable(response)
    if op.service == "lambda" and isinstance(data.get("Environment"), dict):
        env = dict(data["Environment"])
        env["Variables"] = _withhold_values(env.get("Variables"))
        data["Environment"] = env
    if op.service == "ecs":
        for task in data.get("tasks") or []:
            for override in (task.get("overrides") or {}).get("containerOverrides") or []:
                for variable in override.get("environment") or []:
                    variable["value"] = WITHHELD
    if op.service == "apigateway" and "variables" in data:
        data["variables"] = _withhold_values(data["variables"])
    if op.service == "apigatewayv2" and "StageVariables" in data:
        data["StageVariables"] = _withhold_values(data["StageVariables"])
    if op.service == "ssm":
        for invocation in data.get("CommandInvocations") or []:
            for plugin in invocation.get("CommandPlugins") or []:
                output = str(plugin.get("Output") or "")
                plugin["Output"] = output[:MAX_OUTPUT_CHARS]
    # A secret can still sit in a description, a tag or a policy condition: the generic
    # patterns (keys, tokens, passwords in URLs ...) run over every string.
    result: dict[str, Any] = _redact_strings(data)
    return result


def _items(op: ResourceOperation, response: Mapping[str, Any]) -> list[Any]:
    if op.items is None:
        return [response]
    found = jmespath.search(op.items, response)
    if op.pairs:
        return [{"key": k, "value": v} for k, v in (found or {}).items()]
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


def _cell(expression: str, item: Any) -> str | None:
    try:
        value = jmespath.search(expression, item)
    except JMESPathError:  # a malformed snapshot value; the raw response still has it
        return None
    if value in (None, [], {}):
        return None
    return text(value)


def _truncated(op: ResourceOperation, response: Mapping[str, Any]) -> bool:
    return any(response.get(k) for k in ("NextToken", "NextMarker", "Marker", "nextToken"))


def from_resource_response(
    request: ResourceRequest,
    response: Mapping[str, Any],
    *,
    link: str | None,
) -> QueryResult:
    """One allow-listed call's (already secret-free) response as a compact table; `raw`
    keeps the request and the response in AWS's shape."""
    op = request.spec
    items = _items(op, response)
    rows = [[_cell(expr, item) for _, expr in op.columns] for item in items[:MAX_ROWS]]
    return QueryResult(
        source="resources",
        status="ok" if rows else "empty",
        query=request.describe(),
        columns=[name for name, _ in op.columns],
        rows=rows,
        total_rows=len(items),
        truncated=len(items) > MAX_ROWS or _truncated(op, response),
        link=link,
        raw={
            "service": request.service,
            "operation": request.operation,
            "request": dict(request.params),
            "response": dict(response),
        },
    )


# ---------------------------------------------------------------- configuration history


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Leaf paths of a JSON value: {"a.b[0]": "x"} (hand-written: a dozen lines beat a
    diff dependency for JSON that is a few kilobytes)."""
    out: dict[str, str] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and value and all(isinstance(v, Mapping | list) for v in value):
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{index}]"))
    else:
        out[prefix or "(value)"] = text(value) or ""
    return out


def _parsed(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _state(item: Mapping[str, Any]) -> dict[str, str]:
    state = {
        "configuration": _parsed(item.get("configuration")),
        "supplementaryConfiguration": {
            k: _parsed(v) for k, v in (item.get("supplementaryConfiguration") or {}).items()
        },
        "tags": item.get("tags") or {},
    }
    return _flatten(state)


def changes_between(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    """What changed from one configuration item to the next, one `path: old -> new` each."""
    if before is None:
        return "(state before the window: the baseline the next change starts from)"
    old, new = _state(before), _state(after)
    parts = []
    for path in sorted(old.keys() | new.keys()):
        if old.get(path) != new.get(path):
            parts.append(f"{path}: {old.get(path, '(absent)')} -> {new.get(path, '(absent)')}")
    summary = "; ".join(parts) or "(no configuration change)"
    if len(summary) > MAX_CHANGE_CHARS:
        summary = summary[: MAX_CHANGE_CHARS - 1] + "…"
    return summary


def select_history(items: Sequence[Mapping[str, Any]], window: TimeRange) -> list[dict[str, Any]]:
    """Items captured up to the window's end, oldest first: those since a little before the
    window, plus the newest older one (the state the first change started from)."""
    timed = []
    for item in items:
        captured = _capture_time(item)
        if captured is not None and captured <= window.end:
            timed.append((captured, dict(item)))
    timed.sort(key=lambda pair: pair[0])
    since = window.start - CONFIG_LOOKBACK
    recent = [item for captured, item in timed if captured >= since]
    older = [item for captured, item in timed if captured < since]
    chosen = ([older[-1]] if older else []) + recent
    return chosen[-MAX_CONFIG_ITEMS:]


def _capture_time(item: Mapping[str, Any]) -> datetime | None:
    value = item.get("configurationItemCaptureTime")
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def from_config_history(
    items: Sequence[Mapping[str, Any]],
    *,
    resource_type: str,
    resource_id: str,
    time_range: TimeRange,
    link: str | None,
) -> QueryResult:
    """GetResourceConfigHistory items (oldest first) with the fields each one changed."""
    clean = [_redact_strings(jsonable(item)) for item in items]
    rows: list[list[str | None]] = []
    previous: Mapping[str, Any] | None = None
    for item in clean:
        related = ", ".join(item.get("relatedEvents") or []) or None
        changes = changes_between(previous, item)
        captured = _capture_time(item)
        if previous is None and captured is not None and captured >= time_range.start:
            changes = "(first recorded state)"
        rows.append(
            [
                format_timestamp(item.get("configurationItemCaptureTime")),
                item.get("configurationItemStatus"),
                changes,
                related,
            ]
        )
        previous = item
    return QueryResult(
        source="config",
        status="ok" if rows else "empty",
        query=f"GetResourceConfigHistory {resource_type} {resource_id}",
        time_range=time_range,
        columns=list(CONFIG_COLUMNS),
        rows=rows,
        total_rows=len(rows),
        link=link,
        raw={"configurationItems": clean},
    )


def from_lookup_events(
    events: Sequence[Mapping[str, Any]],
    *,
    resource_type: str,
    resource_id: str,
    time_range: TimeRange,
    link: str | None,
    why: str,
) -> QueryResult:
    """CloudTrail LookupEvents (writes on the resource), in the config history's columns,
    for when AWS Config has no history of it."""
    clean = [_redact_strings(jsonable(e)) for e in events]
    writes = [e for e in clean if str(e.get("ReadOnly", "false")).lower() != "true"]
    writes.sort(key=lambda e: str(e.get("EventTime") or ""))
    rows: list[list[str | None]] = []
    for event in writes:
        detail = _parsed(event.get("CloudTrailEvent")) or {}
        params = detail.get("requestParameters") if isinstance(detail, Mapping) else None
        who = detail.get("userIdentity", {}).get("arn") if isinstance(detail, Mapping) else None
        error = detail.get("errorCode") if isinstance(detail, Mapping) else None
        change = f"{event.get('EventName')} by {who or event.get('Username') or '?'}"
        if params:
            change += f": {text(params)}"
        if error:
            change += f" (failed: {error})"
        rows.append(
            [
                format_timestamp(event.get("EventTime")),
                f"CloudTrail {event.get('EventName')}",
                change[:MAX_CHANGE_CHARS],
                event.get("EventId"),
            ]
        )
    return QueryResult(
        source="config",
        status="ok" if rows else "empty",
        query=f"GetResourceConfigHistory {resource_type} {resource_id} -> "
        f"CloudTrail LookupEvents ResourceName={resource_id}",
        time_range=time_range,
        columns=list(CONFIG_COLUMNS),
        rows=rows,
        total_rows=len(rows),
        error=f"{why}; showing the CloudTrail writes on {resource_id} instead",
        link=link,
        raw={"Events": writes, "ConfigUnavailable": why},
    )
