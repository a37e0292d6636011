"""X-Ray over a bundle: `GetTraceSummaries` (with filter expressions), `BatchGetTraces` and
`GetServiceGraph`, derived from the bundle's `BatchGetTraces`-shaped files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.incident import TimeRange
from agent.telemetry.local.bundle_files import load_json_files
from agent.telemetry.local.xray_filter import Facts, Subject, parse_filter
from agent.telemetry.local.xray_model import Entity, Node, Trace, parse_trace, summarize


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


class _Instance(Subject):
    def __init__(self, facts: Facts) -> None:
        self._facts = facts

    def facts(self) -> Facts:
        return self._facts


class _TraceSubject(Subject):
    def __init__(self, trace: Trace, summary: dict[str, Any]) -> None:
        self.trace = trace
        self.summary = summary

    def facts(self) -> Facts:
        s, http = self.summary, self.summary.get("Http") or {}
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
    """All traces of a bundle, parsed once."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.traces: dict[str, Trace] = {}
        self.unreadable = load_json_files(files, "X-Ray", self._add)
        self.summaries = {trace_id: summarize(trace) for trace_id, trace in self.traces.items()}

    def _add(self, path: Path, document: Any) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("Traces"), list):
            raise TypeError('expected {"Traces": [...]}, as BatchGetTraces returns')
        parsed = [parse_trace(raw) for raw in document["Traces"]]  # all or none of a file
        self.traces.update((trace.id, trace) for trace in parsed)

    def _in_range(self, time_range: TimeRange) -> list[Trace]:
        start, end = time_range.start.timestamp(), time_range.end.timestamp()
        return sorted(
            (t for t in self.traces.values() if start <= t.start < end),
            key=lambda t: (t.start, t.id),
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
        matched = [
            self.summaries[t.id]
            for t in candidates
            if predicate is None or predicate(_TraceSubject(t, self.summaries[t.id]))
        ]
        shown = matched if limit is None else matched[:limit]
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
        found = [self.traces[i].raw for i in trace_ids if i in self.traces]
        return {
            "Traces": found,
            "UnprocessedTraceIds": [i for i in trace_ids if i not in self.traces],
        }

    def service_graph(self, time_range: TimeRange) -> dict[str, Any]:
        """`GetServiceGraph` over the traces that start in `time_range`."""
        traces = self._in_range(time_range)
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
