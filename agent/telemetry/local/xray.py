"""X-Ray over a bundle: `GetTraceSummaries` (with filter expressions), `BatchGetTraces` and
`GetServiceGraph`, derived from the bundle's `BatchGetTraces`-shaped files.

Loading parses the files and each trace's segment documents (orjson) and nothing more. A
trace's entity tree and its summary (root causes are the costly part) are built when first
needed and kept: a filter such as `fault` or `responsetime > 2` reads the root segment only,
so `GetTraceSummaries` builds summaries for the traces it shows, not for every trace.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from agent.telemetry.local.bundle_files import load_json_files
from agent.telemetry.local.xray_filter import Facts, Subject, parse_filter
from agent.telemetry.local.xray_model import (
    Entity,
    Node,
    Trace,
    parse_trace,
    root_document,
    segment_documents,
    summarize,
    trace_duration,
    trace_start,
)
from agent.telemetry.types import TimeRange


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def _entity_facts(entity: Entity) -> Facts:
    status = ((entity.doc.get("http") or {}).get("response") or {}).get("status")
    flags = {flag: entity.flag(flag) for flag in ("fault", "error", "throttle")}
    return {
        **flags,
        "ok": not any(flags.values()),
        "responsetime": entity.seconds,
        "duration": entity.seconds,
        "http.status": status,
        "name": entity.service.name,
        "type": entity.service.type,
    }


def _summary_facts(s: dict[str, Any]) -> Facts:
    """Every filter fact of a trace, from its `TraceSummary`."""
    http = s.get("Http") or {}
    facts: Facts = {
        "fault": s["HasFault"],
        "error": s["HasError"],
        "throttle": s["HasThrottle"],
        "ok": not (s["HasFault"] or s["HasError"] or s["HasThrottle"]),
        "partial": s["IsPartial"],
        "responsetime": s["ResponseTime"],
        "duration": s["Duration"],
        "http.status": http.get("HttpStatus"),
        "http.url": http.get("HttpURL"),
        "http.method": http.get("HttpMethod"),
        "http.useragent": http.get("UserAgent"),
        "http.clientip": http.get("ClientIp"),
        "user": [u["UserName"] for u in s.get("Users") or []],
    }
    for key, values in (s.get("Annotations") or {}).items():
        facts[f"annotation.{key}"] = [next(iter(v["AnnotationValue"].values())) for v in values]
    return facts


class _Instance(Subject):
    def __init__(self, facts: Facts) -> None:
        self._facts = facts

    def facts(self) -> Facts:
        return self._facts


@dataclass
class _Record:
    """One trace as loaded: its raw `BatchGetTraces` entry and parsed segment documents."""

    id: str
    raw: dict[str, Any]
    documents: list[dict[str, Any]]
    start: float


def _throttled(document: dict[str, Any]) -> bool:
    if document.get("throttle"):
        return True
    return any(_throttled(sub) for sub in document.get("subsegments") or [])


class _QuickFacts(Mapping[str, Any]):
    """A trace's filter facts, read from its root segment where they come from (as the
    summary computes them); any other fact falls back to the full summary."""

    _CHEAP = frozenset(
        ("fault", "error", "throttle", "ok", "partial", "responsetime", "duration")
    ) | frozenset(("http.status", "http.url", "http.method", "http.useragent", "http.clientip"))

    def __init__(self, subject: _TraceSubject) -> None:
        self._subject = subject
        self._full: Facts | None = None

    def __getitem__(self, key: str) -> Any:
        if key not in self._CHEAP:
            if self._full is None:
                self._full = _summary_facts(self._subject.summary)
            return self._full[key]
        record = self._subject.record
        root = root_document(record.documents)
        doc = root or {}
        match key:
            case "fault" | "error":
                return bool(root and doc.get(key))
            case "throttle":
                return any(_throttled(d) for d in record.documents)
            case "ok":
                return not (self["fault"] or self["error"] or self["throttle"])
            case "partial":
                return False
            case "duration":
                return round(trace_duration(record.raw, record.documents), 6)
            case "responsetime":
                if root is None:
                    return self["duration"]
                start, end = doc.get("start_time"), doc.get("end_time")
                seconds = (
                    max(0.0, float(end) - float(start))
                    if start is not None and end is not None
                    else 0.0
                )
                return round(seconds, 6)
        http = doc.get("http") or {}
        request, response = http.get("request") or {}, http.get("response") or {}
        return {
            "http.status": response.get("status"),
            "http.url": request.get("url"),
            "http.method": request.get("method"),
            "http.useragent": request.get("user_agent"),
            "http.clientip": request.get("client_ip"),
        }[key]

    def __iter__(self) -> Iterator[str]:
        if self._full is None:
            self._full = _summary_facts(self._subject.summary)
        return iter(self._full)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _TraceSubject(Subject):
    def __init__(self, engine: XRayEngine, record: _Record) -> None:
        self._engine = engine
        self.record = record

    @property
    def trace(self) -> Trace:
        return self._engine.trace(self.record.id)

    @property
    def summary(self) -> dict[str, Any]:
        return self._engine.summary(self.record.id)

    def facts(self) -> Facts:
        return _QuickFacts(self)  # type: ignore[return-value]

    def services(self, name: str | None) -> Iterable[Subject]:
        for segment in self.trace.segments:
            if name is None or segment.service.called(name):
                yield _Instance(_entity_facts(segment))
        for call in self.trace.calls:  # inferred nodes have no segment: their calls stand in
            if call.target not in {s.service for s in self.trace.segments} and (
                name is None or call.target.called(name)
            ):
                yield _Instance(
                    {
                        **_entity_facts(call.entity),
                        "name": call.target.name,
                        "type": call.target.type,
                    }
                )

    def edges(self, source: str, target: str) -> Iterable[Subject]:
        for call in self.trace.calls:
            if call.source.called(source) and call.target.called(target):
                yield _Instance(_entity_facts(call.entity))

    def root_causes(self, kind: str, level: str) -> Iterable[Subject]:
        key = {"fault": "FaultRootCauses", "error": "ErrorRootCauses"}.get(
            kind, "ResponseTimeRootCauses"
        )
        for cause in self.summary.get(key) or []:
            for service in cause.get("Services") or []:
                if level == "service":
                    yield _Instance({"name": service.get("Name"), "type": service.get("Type")})
                    continue
                for entity in service.get("EntityPath") or []:
                    exceptions = entity.get("Exceptions") or []
                    yield _Instance(
                        {
                            "name": entity.get("Name"),
                            "remote": entity.get("Remote", False),
                            "exception.name": [e.get("Name") for e in exceptions],
                            "exception.message": [e.get("Message") for e in exceptions],
                        }
                    )


def _statistics(entities: Sequence[Entity]) -> dict[str, Any]:
    fault = sum(1 for e in entities if e.flag("fault"))
    throttle = sum(1 for e in entities if e.flag("throttle") and not e.flag("fault"))
    error = sum(1 for e in entities if e.flag("error") and not e.flag("fault"))
    return {
        "OkCount": len(entities) - fault - error,
        "ErrorStatistics": {
            "ThrottleCount": throttle,
            "OtherCount": error - throttle,
            "TotalCount": error,
        },
        "FaultStatistics": {"OtherCount": fault, "TotalCount": fault},
        "TotalCount": len(entities),
        "TotalResponseTime": round(sum(e.seconds for e in entities), 6),
    }


def _histogram(entities: Sequence[Entity]) -> list[dict[str, Any]]:
    counts: dict[float, int] = {}
    for entity in entities:
        bucket = round(entity.seconds, 3)
        counts[bucket] = counts.get(bucket, 0) + 1
    return [{"Value": value, "Count": count} for value, count in sorted(counts.items())]


class XRayEngine:
    """All traces of a bundle, parsed once; trees and summaries built on first use."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.records: dict[str, _Record] = {}
        self._traces: dict[str, Trace] = {}
        self._summaries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()  # the agent's tools query from several threads
        self.unreadable = load_json_files(files, "X-Ray", self._add, loads=orjson.loads)

    def _add(self, path: Path, document: Any) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("Traces"), list):
            raise TypeError('expected {"Traces": [...]}, as BatchGetTraces returns')
        records = []  # all or none of a file
        for raw in document["Traces"]:
            documents = segment_documents(raw)
            records.append(_Record(str(raw.get("Id")), raw, documents, trace_start(documents)))
        self.records.update((record.id, record) for record in records)

    def trace(self, trace_id: str) -> Trace:
        """The entity tree of a trace (built once)."""
        trace = self._traces.get(trace_id)
        if trace is None:
            record = self.records[trace_id]
            trace = parse_trace(record.raw, record.documents)
            with self._lock:
                trace = self._traces.setdefault(trace_id, trace)
        return trace

    def summary(self, trace_id: str) -> dict[str, Any]:
        """The `TraceSummary` of a trace (built once)."""
        summary = self._summaries.get(trace_id)
        if summary is None:
            summary = summarize(self.trace(trace_id))
            with self._lock:
                summary = self._summaries.setdefault(trace_id, summary)
        return summary

    def _in_range(self, time_range: TimeRange) -> list[_Record]:
        start, end = time_range.start.timestamp(), time_range.end.timestamp()
        return sorted(
            (r for r in self.records.values() if start <= r.start < end),
            key=lambda r: (r.start, r.id),
        )

    def trace_summaries(
        self, filter_expression: str | None, time_range: TimeRange, limit: int | None = None
    ) -> tuple[dict[str, Any], int]:
        """`GetTraceSummaries` response with at most `limit` summaries, and how many matched."""
        predicate = (
            parse_filter(filter_expression)
            if filter_expression and filter_expression.strip()
            else None
        )
        candidates = self._in_range(time_range)
        matched = [r for r in candidates if predicate is None or predicate(_TraceSubject(self, r))]
        shown = [self.summary(r.id) for r in (matched if limit is None else matched[:limit])]
        response = {
            "TraceSummaries": [
                {
                    **s,
                    "StartTime": _iso(s["StartTime"]),
                    "MatchedEventTime": _iso(s["MatchedEventTime"]),
                }
                for s in shown
            ],
            "ApproximateTime": _iso(time_range.end.timestamp()),
            "TracesProcessedCount": len(candidates),
        }
        return response, len(matched)

    def batch_get_traces(self, trace_ids: Sequence[str]) -> dict[str, Any]:
        found = [self.records[i].raw for i in trace_ids if i in self.records]
        return {
            "Traces": found,
            "UnprocessedTraceIds": [i for i in trace_ids if i not in self.records],
        }

    def service_graph(self, time_range: TimeRange) -> dict[str, Any]:
        """`GetServiceGraph` over the traces that start in `time_range`."""
        traces = [self.trace(record.id) for record in self._in_range(time_range)]
        node_entities: dict[Node, list[Entity]] = {}
        edge_entities: dict[tuple[Node, Node], list[Entity]] = {}
        roots: set[Node] = set()
        for trace in traces:
            if trace.root is not None:
                roots.add(trace.root.service)
            for segment in trace.segments:
                node_entities.setdefault(segment.service, []).append(segment)
            for call in trace.calls:
                edge_entities.setdefault((call.source, call.target), []).append(call.entity)
                if call.target not in {s.service for s in trace.segments}:
                    node_entities.setdefault(call.target, []).append(call.entity)
        nodes = list(node_entities)
        reference = {node: index for index, node in enumerate(nodes)}
        start, end = _iso(time_range.start.timestamp()), _iso(time_range.end.timestamp())
        services = []
        for node in nodes:
            edges = [
                {
                    "ReferenceId": reference[target],
                    "StartTime": start,
                    "EndTime": end,
                    "SummaryStatistics": _statistics(calls),
                    "ResponseTimeHistogram": _histogram(calls),
                    "Aliases": [],
                    "EdgeType": "REQUEST",
                }
                for (source, target), calls in edge_entities.items()
                if source == node
            ]
            services.append(
                {
                    "ReferenceId": reference[node],
                    **node.service_id(),
                    "Root": node in roots,
                    "State": "active",
                    "StartTime": start,
                    "EndTime": end,
                    "Edges": edges,
                    "SummaryStatistics": _statistics(node_entities[node]),
                    "DurationHistogram": _histogram(node_entities[node]),
                    "ResponseTimeHistogram": _histogram(node_entities[node]),
                }
            )
        return {
            "StartTime": start,
            "EndTime": end,
            "Services": services,
            "ContainsOldGroupVersions": False,
        }
