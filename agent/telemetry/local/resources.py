"""Resource snapshots and configuration items from a bundle's `resources/` and `config/`.

A snapshot is one recorded call: `{"service", "operation", "request", "response"}` (or
`"error": {"Code", "Message"}` when AWS answered with one). A call is answered from the
snapshot whose request is the same (a name and its ARN count as the same resource), or by
narrowing a broader listing the way AWS would (DescribeInstances of every instance answers
`private-ip-address=10.0.1.23`). Nothing matching: `no snapshot of this resource in the
bundle`, with what the bundle does hold.

Configuration history reads `config/*.json` (GetResourceConfigHistory's shape); without
items for the resource it falls back, like the AWS backend, to the CloudTrail writes on it
(LookupEvents' shape, built from the bundle's trail).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import jmespath

from agent.telemetry import bundle_formats as fmt
from agent.telemetry.base import QueryError, QueryResult, TelemetryUnavailableError
from agent.telemetry.bundle import open_text
from agent.telemetry.resource_catalog import BY_KEY, ParamValue, ResourceRequest
from agent.telemetry.shapes.resources import (
    CONFIG_LOOKBACK,
    from_config_history,
    from_lookup_events,
    from_resource_response,
    rejected_message,
    select_history,
    withhold_secrets,
)
from agent.telemetry.types import TimeRange, as_utc

MAX_LISTED = 12  # snapshots named in a "no snapshot" error

# (service, operation) -> parameter or filter name -> JMESPath of the item field it selects
# on. `Reservations[].Instances[]` items are narrowed per instance.
NARROWING: dict[tuple[str, str], dict[str, str]] = {
    ("ec2", "DescribeInstances"): {
        "InstanceIds": "InstanceId",
        "instance-id": "InstanceId",
        "private-ip-address": "PrivateIpAddress",
        "instance-state-name": "State.Name",
        "vpc-id": "VpcId",
    },
    ("ec2", "DescribeSecurityGroups"): {
        "GroupIds": "GroupId",
        "GroupNames": "GroupName",
        "group-id": "GroupId",
        "group-name": "GroupName",
        "vpc-id": "VpcId",
    },
    ("elbv2", "DescribeTargetGroups"): {
        "TargetGroupArns": "TargetGroupArn",
        "Names": "TargetGroupName",
        "LoadBalancerArn": "LoadBalancerArns",
    },
    ("elbv2", "DescribeListeners"): {"ListenerArns": "ListenerArn"},
    ("lambda", "ListEventSourceMappings"): {
        "FunctionName": "FunctionArn",
        "EventSourceArn": "EventSourceArn",
    },
    ("rds", "DescribeDBInstances"): {"DBInstanceIdentifier": "DBInstanceIdentifier"},
    ("rds", "DescribeDBClusters"): {"DBClusterIdentifier": "DBClusterIdentifier"},
    ("ecs", "DescribeServices"): {"services": "serviceName"},
    ("ecs", "DescribeTasks"): {"tasks": "taskArn"},
    ("ssm", "ListCommandInvocations"): {"CommandId": "CommandId", "InstanceId": "InstanceId"},
}


def same_resource(a: str, b: str) -> bool:
    """A name and an ARN ending in it name the same resource (Secrets Manager ARNs carry a
    6-character suffix after the name)."""
    if a == b:
        return True
    for arn, name in ((a, b), (b, a)):
        if arn.startswith("arn:") and not name.startswith("arn:"):
            tail = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
            if tail == name or (":secret:" in arn and tail[:-7] == name):
                return True
    return False


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def _same(asked: ParamValue, held: ParamValue) -> bool:
    if isinstance(asked, list) and asked and isinstance(asked[0], dict):
        return _filters(asked) == _filters(held)
    a, h = _values(asked), _values(held)
    return len(a) == len(h) and all(any(same_resource(x, y) for y in h) for x in a)


def _filters(value: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, Mapping):
            out[str(entry.get("Name"))] = sorted(_values(entry.get("Values")))
    return out


def _constraints(params: Mapping[str, ParamValue]) -> dict[str, list[str]]:
    """Parameters and filters as one name -> accepted values mapping."""
    out = {k: _values(v) for k, v in params.items() if k != "Filters"}
    out.update(_filters(params.get("Filters")))
    return out


class Snapshot:
    def __init__(self, path: Path, service: str, operation: str, request: dict[str, Any], document: dict[str, Any]) -> None:  # fmt: skip
        self.path = path
        self.service = service
        self.operation = operation
        self.request = request
        self.document = document

    def describe(self) -> str:
        try:
            return ResourceRequest.build(self.service, self.operation, self.request).describe()
        except QueryError:
            return f"{self.service} {self.operation}"


def load_snapshots(files: Iterable[Path]) -> list[Snapshot]:
    snapshots = []
    for path in files:
        with open_text(path) as handle:
            document = json.load(handle)
        service, operation = fmt.check_resource_snapshot(document)
        snapshots.append(
            Snapshot(path, service, operation, document.get("request") or {}, document)
        )
    return snapshots


def _narrowed(
    request: ResourceRequest, response: dict[str, Any], extra: Mapping[str, list[str]]
) -> dict[str, Any] | None:
    """`response` (a broader listing) cut down to what `extra` selects; None if the call
    cannot be narrowed on one of them."""
    fields = NARROWING.get((request.service, request.operation), {})

    def keep(item: Any) -> bool:
        for name, wanted in extra.items():
            if name.startswith("tag:"):
                path = f"Tags[?Key=='{name[4:]}'].Value"
            elif name in fields:
                path = fields[name]
            else:
                return False
            found = _values(jmespath.search(path, item))
            if not any(same_resource(w, f) for w in wanted for f in found):
                return False
        return True

    if any(n not in fields and not n.startswith("tag:") for n in extra):
        return None
    op = request.spec
    data = json.loads(json.dumps(response))
    if op.items == "Reservations[].Instances[]":
        for reservation in data.get("Reservations") or []:
            reservation["Instances"] = [i for i in reservation.get("Instances") or [] if keep(i)]
        data["Reservations"] = [r for r in data.get("Reservations") or [] if r["Instances"]]
        return data
    if op.items and isinstance(data.get(op.items), list):
        data[op.items] = [item for item in data[op.items] if keep(item)]
        return data
    return None


class ResourceSnapshots:
    """Answers `describe_resource` and `get_config_history` from one bundle."""

    def __init__(
        self,
        snapshot_files: Sequence[Path],
        config_files: Sequence[Path],
        trail_files: Sequence[Path],
        reference: Callable[[str], str],
    ) -> None:
        self.snapshots = load_snapshots(snapshot_files)
        self.config_files = list(config_files)
        self.trail_files = list(trail_files)
        self.reference = reference
        self._items: list[dict[str, Any]] | None = None

    # ---------------------------------------------------------------- describe

    def describe(self, request: ResourceRequest) -> QueryResult:
        same_call = [
            s
            for s in self.snapshots
            if (s.service, s.operation) == (request.service, request.operation)
        ]
        asked = _constraints(request.params)
        for snapshot in same_call:
            held = _constraints(self._with_defaults(snapshot))
            if held.keys() == asked.keys() and all(_same(asked[k], held[k]) for k in asked):
                return self._answer(request, snapshot, snapshot.document.get("response"))
        for snapshot in same_call:
            held = _constraints(self._with_defaults(snapshot))
            if not held.keys() <= asked.keys() or "error" in snapshot.document:
                continue
            if not all(_same(asked[k], held[k]) for k in held):
                continue
            extra = {k: v for k, v in asked.items() if k not in held}
            narrowed = _narrowed(request, snapshot.document.get("response") or {}, extra)
            if narrowed is not None:
                return self._answer(request, snapshot, narrowed)
        held_calls = sorted({s.describe() for s in self.snapshots})
        listing = "; ".join(held_calls[:MAX_LISTED]) or "(none)"
        if len(held_calls) > MAX_LISTED:
            listing += f"; … {len(held_calls) - MAX_LISTED} more"
        raise QueryError(
            f"no snapshot of this resource in the bundle: {request.describe()}; "
            f"the bundle holds: {listing}"
        )

    def _with_defaults(self, snapshot: Snapshot) -> dict[str, Any]:
        try:
            return dict(
                ResourceRequest.build(snapshot.service, snapshot.operation, snapshot.request).params
            )
        except QueryError:
            return dict(snapshot.request)

    def _answer(self, request: ResourceRequest, snapshot: Snapshot, response: Any) -> QueryResult:
        error = snapshot.document.get("error")
        if isinstance(error, Mapping):
            code, message = str(error.get("Code") or "Error"), str(error.get("Message") or "")
            text = rejected_message(request, code, message)
            if text is None:
                raise TelemetryUnavailableError(
                    f"{request.spec.iam_action} failed ({code}): {message}"
                )
            raise QueryError(text)
        op = BY_KEY[(request.service, request.operation)]
        link = self.reference(f"resources/{snapshot.path.name}")
        return from_resource_response(
            request, withhold_secrets(op, dict(response or {})), link=link
        )

    # ---------------------------------------------------------------- config history

    def _config_items(self) -> list[dict[str, Any]]:
        if self._items is None:
            items: list[dict[str, Any]] = []
            for path in self.config_files:
                with open_text(path) as handle:
                    items.extend(fmt.config_items(json.load(handle)))
            self._items = items
        return self._items

    def config_history(
        self, resource_type: str, resource_id: str, time_range: TimeRange
    ) -> QueryResult:
        if not self.config_files:
            why = "AWS Config was not recording (the bundle has no config/ items)"
            return self._trail_writes(resource_type, resource_id, time_range, why)
        mine = [
            item
            for item in self._config_items()
            if item.get("resourceType") == resource_type
            and any(
                same_resource(resource_id, str(item.get(key)))
                for key in ("resourceId", "resourceName", "arn")
                if item.get(key)
            )
        ]
        items = select_history(mine, time_range)
        if not items:
            why = (
                "AWS Config has not recorded this resource (ResourceNotDiscoveredException)"
                if not mine
                else "AWS Config holds no configuration item of this resource up to the window's end"
            )
            return self._trail_writes(resource_type, resource_id, time_range, why)
        return from_config_history(
            items,
            resource_type=resource_type,
            resource_id=resource_id,
            time_range=time_range,
            link=self.reference("config"),
        )

    def _trail_writes(
        self, resource_type: str, resource_id: str, time_range: TimeRange, why: str
    ) -> QueryResult:
        start, end = time_range.start - CONFIG_LOOKBACK, time_range.end
        events = []
        for path in self.trail_files:
            with open_text(path) as handle:
                records = fmt.cloudtrail_records(json.load(handle))
            for record in records:
                when = _event_time(record)
                if when is None or not start <= when <= end or not _touches(record, resource_id):
                    continue
                events.append(_lookup_event(record))
        return from_lookup_events(
            events,
            resource_type=resource_type,
            resource_id=resource_id,
            time_range=time_range,
            link=self.reference("cloudtrail"),
            why=why,
        )


def _event_time(record: Any) -> datetime | None:
    if not isinstance(record, Mapping):
        return None
    parsed = fmt.parse_iso(str(record.get("eventTime") or ""))
    return as_utc(parsed) if parsed else None


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


def _touches(record: Mapping[str, Any], resource_id: str) -> bool:
    """LookupEvents' ResourceName match: the event's resources, or (as CloudTrail derives
    them) a resource name or ARN among its request parameters."""
    for resource in record.get("resources") or []:
        if isinstance(resource, Mapping) and same_resource(resource_id, str(resource.get("ARN"))):
            return True
    return any(
        same_resource(resource_id, leaf) for leaf in _leaves(record.get("requestParameters"))
    )


def _lookup_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudTrail record in LookupEvents' `Events[]` shape."""
    identity = record.get("userIdentity") or {}
    username = identity.get("userName") or str(identity.get("arn") or "").rsplit("/", 1)[-1]
    return {
        "EventId": record.get("eventID"),
        "EventName": record.get("eventName"),
        "ReadOnly": "true" if record.get("readOnly") is True else "false",
        "EventTime": record.get("eventTime"),
        "EventSource": record.get("eventSource"),
        "Username": username or None,
        "Resources": [
            {"ResourceType": r.get("type"), "ResourceName": r.get("ARN")}
            for r in record.get("resources") or []
            if isinstance(r, Mapping)
        ],
        "CloudTrailEvent": json.dumps(record),
    }
