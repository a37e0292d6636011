"""X-Ray traces as `BatchGetTraces` returns them -> what `GetTraceSummaries` and
`GetServiceGraph` derive from them: per-trace facts, the trace's service nodes and edges,
and the root causes of faults and errors.

Conventions followed (X-Ray developer guide, "Segment documents" and the API reference):
- the root segment is the one without `parent_id`; `Http`, `ResponseTime`, `HasFault` and
  `HasError` of the summary come from it; `HasThrottle` is set if any segment or subsegment
  was throttled (429);
- a subsegment with `namespace` `aws` or `remote` is a call to a downstream service: when
  no segment of the trace names it as parent, it stands for an inferred node (DynamoDB, SQS);
- a root cause is the deepest faulting (erroring) entity, reported as the service that
  holds it and the entity path to it, with its exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Segment documents are JSON text inside JSON: orjson parses them ~4x faster than json.
from orjson import loads

REMOTE_NAMESPACES = ("aws", "remote")


@dataclass
class Entity:
    """A segment or subsegment, with its service (the segment that holds it)."""

    doc: dict[str, Any]
    service: Node
    parent: Entity | None
    children: list[Entity] = field(default_factory=list)
    downstream: list[Entity] = field(default_factory=list)  # segments this entity called

    @property
    def name(self) -> str:
        return str(self.doc.get("name", ""))

    @property
    def remote(self) -> bool:
        return self.doc.get("namespace") in REMOTE_NAMESPACES

    def flag(self, name: str) -> bool:
        return bool(self.doc.get(name))

    @property
    def seconds(self) -> float:
        start, end = self.doc.get("start_time"), self.doc.get("end_time")
        return max(0.0, float(end) - float(start)) if start is not None and end is not None else 0.0

    def exceptions(self) -> list[dict[str, Any]]:
        cause = self.doc.get("cause")
        if not isinstance(cause, dict):
            return []
        return [
            {"Name": e.get("type"), "Message": e.get("message")}
            for e in cause.get("exceptions") or []
            if isinstance(e, dict)
        ]

    def walk(self) -> Iterator[Entity]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Node:
    """A service of the service graph: X-Ray identifies it by name and type."""

    name: str
    type: str
    account_id: str | None = field(default=None, compare=False)
    # Other names a filter may use for an inferred node (its subsegment's name, `DynamoDB`).
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def called(self, name: str) -> bool:
        return name == self.name or name in self.aliases

    def service_id(self) -> dict[str, Any]:
        sid: dict[str, Any] = {"Name": self.name, "Names": [self.name], "Type": self.type}
        if self.account_id:
            sid["AccountId"] = self.account_id
        return sid


@dataclass
class Call:
    """One request over an edge (caller -> callee), as the caller saw it."""

    source: Node
    target: Node
    entity: Entity  # the caller's subsegment, or the callee's segment when there is none


@dataclass
class Trace:
    id: str
    duration: float
    documents: list[dict[str, Any]]
    segments: list[Entity]
    root: Entity | None
    calls: list[Call]
    start: float
    raw: dict[str, Any]

    def nodes(self) -> list[Node]:
        seen: dict[Node, None] = {}
        for segment in self.segments:
            seen[segment.service] = None
        for call in self.calls:
            seen[call.target] = None
        return list(seen)

    def entities(self) -> Iterator[Entity]:
        for segment in self.segments:
            yield from segment.walk()


def _node_of(doc: dict[str, Any]) -> Node:
    aws = doc.get("aws") or {}
    account = aws.get("account_id") or (aws.get("api_gateway") or {}).get("account_id")
    return Node(str(doc.get("name", "")), str(doc.get("origin") or "unknown"), account)


def _inferred_node(doc: dict[str, Any]) -> Node:
    """The downstream node a remote subsegment calls (e.g. `DynamoDB` -> AWS::DynamoDB::Table)."""
    name = str(doc.get("name", ""))
    if doc.get("namespace") != "aws":
        return Node(name, "remote")
    aws = doc.get("aws") or {}
    kinds = {
        "DynamoDB": "AWS::DynamoDB::Table",
        "SQS": "AWS::SQS::Queue",
        "SNS": "AWS::SNS::Topic",
        "S3": "AWS::S3::Bucket",
    }
    kind = kinds.get(name, f"AWS::{name}")
    if name == "DynamoDB" and aws.get("table_name"):
        return Node(str(aws["table_name"]), kind, aliases=(name,))
    return Node(name, kind)


def _build(doc: dict[str, Any], service: Node, parent: Entity | None) -> Entity:
    entity = Entity(doc, service, parent)
    for sub in sorted(doc.get("subsegments") or [], key=lambda d: float(d.get("start_time") or 0)):
        entity.children.append(_build(sub, service, entity))
    return entity


def segment_documents(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The trace's segment documents, parsed (they are JSON text), in start-time order."""
    documents = []
    for segment in raw.get("Segments") or []:
        document = segment.get("Document")
        documents.append(loads(document) if isinstance(document, str) else dict(document or {}))
    documents.sort(key=lambda d: float(d.get("start_time") or 0))
    return documents


def root_document(documents: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The root segment: the first without a parent that X-Ray did not infer."""
    return next((d for d in documents if not d.get("parent_id") and not d.get("inferred")), None)


def trace_start(documents: list[dict[str, Any]]) -> float:
    starts = [float(d["start_time"]) for d in documents if d.get("start_time") is not None]
    return min(starts) if starts else 0.0


def trace_duration(raw: dict[str, Any], documents: list[dict[str, Any]]) -> float:
    duration = raw.get("Duration")
    if duration is None:
        starts = [float(d["start_time"]) for d in documents if d.get("start_time") is not None]
        ends = [float(d["end_time"]) for d in documents if d.get("end_time") is not None]
        duration = (max(ends) - min(starts)) if starts and ends else 0.0
    return float(duration)


def parse_trace(raw: dict[str, Any], documents: list[dict[str, Any]] | None = None) -> Trace:
    """The entity tree of one trace; `documents` if its segments are already parsed."""
    if documents is None:
        documents = segment_documents(raw)
    segments = [_build(doc, _node_of(doc), None) for doc in documents]
    by_id = {e.doc.get("id"): e for s in segments for e in s.walk()}
    root_doc = root_document(documents)
    root = next((s for s in segments if s.doc is root_doc), None)
    calls: list[Call] = []
    called: set[str] = set()
    for segment in segments:  # a segment whose parent is another service's entity is called by it
        caller = by_id.get(segment.doc.get("parent_id"))
        if caller is not None:
            caller.downstream.append(segment)
        if caller is not None and caller.service != segment.service:
            calls.append(
                Call(caller.service, segment.service, caller if caller.remote else segment)
            )
            called.add(str(caller.doc.get("id")))
    for segment in segments:  # remote subsegments that no segment answers: inferred nodes
        for entity in segment.walk():
            if entity.remote and str(entity.doc.get("id")) not in called:
                calls.append(Call(entity.service, _inferred_node(entity.doc), entity))
    return Trace(
        id=str(raw.get("Id")),
        duration=trace_duration(raw, documents),
        documents=documents,
        segments=segments,
        root=root,
        calls=calls,
        start=trace_start(documents),
        raw=raw,
    )


def _has_flag(entity: Entity, flag: str, memo: dict[int, bool]) -> bool:
    """`flag` set on the entity or anywhere below it, following calls into other segments
    (memoised per entity: asking it of every entity would otherwise be quadratic)."""
    known = memo.get(id(entity))
    if known is None:
        known = entity.flag(flag) or any(
            _has_flag(child, flag, memo) for child in (*entity.children, *entity.downstream)
        )
        memo[id(entity)] = known
    return known


def _cause(entity: Entity, client_impacting: bool) -> dict[str, Any]:
    """One root cause: the service holding `entity` and the path to it inside the service."""
    path = []
    node: Entity | None = entity
    while node is not None:
        path.append({"Name": node.name, "Exceptions": node.exceptions(), "Remote": node.remote})
        node = node.parent
    service = entity.service.service_id()
    service.update({"EntityPath": list(reversed(path)), "Inferred": False})
    return {"Services": [service], "ClientImpacting": client_impacting}


def root_causes(trace: Trace, flag: str) -> list[dict[str, Any]]:
    """`FaultRootCauses` / `ErrorRootCauses`: the deepest entities with `flag` set."""
    impacting = trace.root is not None and trace.root.flag(flag)
    causes = []
    memo: dict[int, bool] = {}
    for entity in trace.entities():
        below = (*entity.children, *entity.downstream)
        if not entity.flag(flag) or any(_has_flag(child, flag, memo) for child in below):
            continue  # not set here, or it continues deeper (a subsegment or a called service)
        causes.append(_cause(entity, impacting))
    return causes


def response_time_root_causes(trace: Trace) -> list[dict[str, Any]]:
    """`ResponseTimeRootCauses`: from the root, follow the slowest call while it takes at
    least half of its caller's time; where that stops, the time is spent (an approximation
    of X-Ray's analysis, which weighs every entity on the critical path)."""
    if trace.root is None:
        return []
    entity = trace.root
    while True:
        below = (*entity.children, *entity.downstream)
        slowest = max(below, key=lambda e: e.seconds, default=None)
        if slowest is None or slowest.seconds < entity.seconds / 2:
            break
        entity = slowest
    return [_cause(entity, True)]


def _annotations(trace: Trace) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for entity in trace.entities():
        for key, value in (entity.doc.get("annotations") or {}).items():
            typed: dict[str, Any]
            if isinstance(value, bool):
                typed = {"BooleanValue": value}
            elif isinstance(value, int | float):
                typed = {"NumberValue": value}
            else:
                typed = {"StringValue": str(value)}
            out.setdefault(key, []).append(
                {"AnnotationValue": typed, "ServiceIds": [entity.service.service_id()]}
            )
    return out


def summarize(trace: Trace) -> dict[str, Any]:
    """One `TraceSummary`, as `GetTraceSummaries` reports it."""
    root = trace.root
    root_doc = root.doc if root else {}
    request = (root_doc.get("http") or {}).get("request") or {}
    response = (root_doc.get("http") or {}).get("response") or {}
    http = {
        key: value
        for key, value in {
            "HttpURL": request.get("url"),
            "HttpStatus": response.get("status"),
            "HttpMethod": request.get("method"),
            "UserAgent": request.get("user_agent"),
            "ClientIp": request.get("client_ip"),
        }.items()
        if value is not None
    }
    arns = sorted({str(d["resource_arn"]) for d in trace.documents if d.get("resource_arn")})
    return {
        "Id": trace.id,
        "StartTime": trace.start,
        "Duration": round(trace.duration, 6),
        "ResponseTime": round(root.seconds, 6) if root else round(trace.duration, 6),
        "HasFault": bool(root and root.flag("fault")),
        "HasError": bool(root and root.flag("error")),
        "HasThrottle": any(e.flag("throttle") for e in trace.entities()),
        "IsPartial": False,
        "Http": http,
        "Annotations": _annotations(trace),
        "Users": [{"UserName": str(root_doc["user"])}] if root_doc.get("user") else [],
        "ServiceIds": [node.service_id() for node in trace.nodes()],
        "ResourceARNs": [{"ARN": arn} for arn in arns],
        "EntryPoint": root.service.service_id() if root else None,
        "FaultRootCauses": root_causes(trace, "fault"),
        "ErrorRootCauses": root_causes(trace, "error"),
        "ResponseTimeRootCauses": response_time_root_causes(trace),
        "Revision": 1,
        "MatchedEventTime": trace.start,
    }
