"""Reading the evidence the way an on-call engineer does: when did errors start, what do the
error lines say, which changes happened before, which service faults, which target fails.

Everything here is a pure function of recorded `Evidence` (from the ToolMessage artifacts).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.baseline.knowledge import (
    RESOURCE_KEYS,
    Signature,
    change_kind,
    match_signature,
    service_of,
)
from agent.models import TimeRange, as_utc
from agent.report import Evidence


def rows_as_dicts(evidence: Evidence) -> list[dict[str, str | None]]:
    return [dict(zip(evidence.columns, row, strict=False)) for row in evidence.rows]


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    text = (
        value.strip().replace(" ", "T", 1)
        if "T" not in value and len(value) > 10
        else value.strip()
    )
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    if text.isdigit():  # epoch milliseconds or seconds
        number = int(text)
        return as_utc(datetime.fromtimestamp(number / 1000 if number > 10**11 else number))
    return None


def number(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0


# --- the error rate and its onset -----------------------------------------------------


def is_error_rate(e: Evidence) -> bool:
    return e.status == "ok" and any(c.startswith("bin(") for c in e.columns)


def error_series(e: Evidence) -> list[tuple[datetime, float]]:
    time_col = next(c for c in e.columns if c.startswith("bin("))
    value_col = next((c for c in e.columns if c != time_col), None)
    series = []
    for row in rows_as_dicts(e):
        at = parse_time(row.get(time_col))
        if at is not None and value_col:
            series.append((at, number(row.get(value_col))))
    return sorted(series)


def onset(series: list[tuple[datetime, float]], window: TimeRange | None = None) -> datetime | None:
    """The first minute of a sustained rise above the early-window level: minutes with no
    row count as zero, the level is the median of the first third of the window, and the
    rise must hold for three minutes (or to the end of the data)."""
    if not series or max(v for _, v in series) < 3:
        return None
    counts = {at.replace(second=0, microsecond=0): v for at, v in series}
    first = min(counts)
    if window is not None:
        first = min(first, window.start.replace(second=0, microsecond=0))
    last = max(counts)
    grid = [
        first + timedelta(minutes=i) for i in range(int((last - first).total_seconds() // 60) + 1)
    ]
    values = [counts.get(at, 0.0) for at in grid]
    early = values[: max(3, len(values) // 3)]
    level = statistics.median(early)
    spread = statistics.median(abs(v - level) for v in early)
    threshold = level + max(2.0, 3 * spread)
    for index, value in enumerate(values):
        ahead = values[index : index + 3]
        if value >= threshold and all(v >= threshold for v in ahead):
            return grid[index]
    return None


# --- error lines ------------------------------------------------------------------------

TEXT_COLUMNS = ("@message", "@pattern", "message", "exception", "@logSamples", "error")


def error_texts(e: Evidence) -> list[tuple[str, float]]:
    """(text, weight) for each row of a result that holds log text (pattern or raw lines)."""
    if e.source != "logs" or e.status != "ok":
        return []
    text_cols = [c for c in e.columns if c in TEXT_COLUMNS or c.endswith("message")]
    if not text_cols:
        return []
    count_col = next(
        (c for c in e.columns if c in ("@sampleCount", "count", "count(*)", "n", "errors")), None
    )
    out = []
    for row in rows_as_dicts(e):
        text = " ".join(row.get(c) or "" for c in text_cols).strip()
        if text:
            out.append((text, number(row.get(count_col)) if count_col else 1.0))
    return out


@dataclass
class SignatureHit:
    signature: Signature
    weight: float = 0.0
    evidence_ids: list[str] = field(default_factory=list)
    sample: str = ""  # one real error line, for the report to quote
    detail: str = ""  # the text that matched, e.g. "NullPointerException"

    @property
    def name(self) -> str:
        """The label, plus what matched when the label is generic."""
        label = self.signature.label
        return (
            f"{label} ({self.detail})"
            if self.detail and self.detail.lower() not in label.lower()
            else label
        )


def _sample_line(text: str, limit: int = 260) -> str:
    line = re.sub(r"\\[tn]|\s+", " ", text).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def signatures(evidence: list[Evidence]) -> list[SignatureHit]:
    """Known error signatures across the log evidence, heaviest first. The quoted sample is a
    raw line when one matched (pattern results hold placeholders)."""
    hits: dict[str, SignatureHit] = {}
    for e in evidence:
        raw = "@message" in e.columns
        for text, weight in error_texts(e):
            signature = match_signature(text)
            if signature is None:
                continue
            found = signature.pattern.search(text)
            hit = hits.setdefault(
                signature.label, SignatureHit(signature, detail=found.group(0) if found else "")
            )
            if raw and not hit.sample.startswith("raw:"):
                hit.sample = "raw:" + _sample_line(text)
            elif not hit.sample:
                hit.sample = _sample_line(text)
            hit.weight += max(weight, 1.0)
            if e.id not in hit.evidence_ids:
                hit.evidence_ids.append(e.id)
    for hit in hits.values():
        hit.sample = hit.sample.removeprefix("raw:")
    return sorted(hits.values(), key=lambda h: -h.weight)


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{2,}")
_STOP = {
    "error",
    "errors",
    "failed",
    "true",
    "false",
    "null",
    "info",
    "level",
    "message",
    "timestamp",
    "the",
    "for",
    "and",
}


def mentioned(name: str, texts: list[str]) -> bool:
    """`name` appears in a text as a whole identifier (`orders` does not match `orders-put`)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return any(pattern.search(t) for t in texts)


def salient_tokens(texts: list[str], limit: int = 12) -> list[str]:
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(
            t for t in _TOKEN.findall(text) if t.lower() not in _STOP and not t.isdigit()
        )
    return [t for t, _ in counter.most_common(limit)]


# --- changes (CloudTrail writes) ---------------------------------------------------------


_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")


@dataclass
class Change:
    time: datetime
    event_name: str
    event_source: str
    principal: str
    parameters: str
    resources: list[str]
    evidence_id: str
    error_code: str | None = None

    @property
    def service(self) -> str:
        return service_of(self.event_source)

    @property
    def name(self) -> str:
        """The API name without CloudTrail's version suffix (UpdateFunctionConfiguration20150331v2)."""
        return _VERSION_SUFFIX.sub("", self.event_name)

    @property
    def kind(self) -> str:
        # UpdateService that only sets desiredCount is scaling, not a new version
        if (
            self.name == "UpdateService"
            and "desiredCount" in self.parameters
            and "taskDefinition" not in self.parameters
        ):
            return "capacity"
        return change_kind(self.name)

    def settings(self, limit: int = 3) -> str:
        """A few scalar request parameters beyond the resource names, e.g. writeCapacityUnits=5."""
        try:
            data = json.loads(self.parameters) if self.parameters else {}
        except json.JSONDecodeError:
            return ""
        pairs: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    if isinstance(inner, str | int | float | bool) and key not in RESOURCE_KEYS:
                        text = str(inner)
                        if len(text) <= 60 and text != "HIDDEN_DUE_TO_SECURITY_REASONS":
                            pairs.append(f"{key}={text}")
                    else:
                        walk(inner)

        walk(data)
        return ", ".join(pairs[:limit])

    def describe(self) -> str:
        target = ", ".join(self.resources) or self.service
        who = (
            self.principal.split(":", 5)[-1]
            if self.principal.startswith("arn:")
            else self.principal
        )
        setting = self.settings()
        setting = f" ({setting})" if setting else ""
        return f"{self.name} on {target}{setting} by {who or 'unknown principal'} at {self.time:%H:%M:%S}Z"


def _resources(parameters: str) -> list[str]:
    try:
        data = json.loads(parameters) if parameters else {}
    except json.JSONDecodeError:
        return []
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in RESOURCE_KEYS and isinstance(inner, str):
                    found.append(
                        inner.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                        if inner.startswith("arn:")
                        else inner
                    )
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return list(dict.fromkeys(found))


def changes(evidence: list[Evidence]) -> list[Change]:
    found: dict[tuple[str, str, str], Change] = {}
    for e in evidence:
        cols = {c.lower() for c in e.columns}
        if e.status != "ok" or not {"eventname", "eventtime"} <= cols:
            continue
        for row in rows_as_dicts(e):
            low = {k.lower(): v for k, v in row.items()}
            at = parse_time(low.get("eventtime"))
            name = low.get("eventname") or ""
            if at is None or not name or name.startswith(("Get", "List", "Describe")):
                continue
            params = low.get("requestparameters") or ""
            key = (low.get("eventtime") or "", name, params)
            found.setdefault(
                key,
                Change(
                    time=at,
                    event_name=name,
                    event_source=low.get("eventsource") or "",
                    principal=low.get("principal") or low.get("useridentity") or "",
                    parameters=params,
                    resources=_resources(params),
                    evidence_id=e.id,
                    error_code=low.get("errorcode") or None,
                ),
            )
    return sorted(found.values(), key=lambda c: c.time)


# --- X-Ray, ALB, metrics -------------------------------------------------------------------


def faulting_services(evidence: list[Evidence]) -> list[tuple[str, float, str, str]]:
    """(service name, fault+error+throttle count, evidence id, node type) from service-graph results."""
    out = []
    for e in evidence:
        if e.tool != "get_service_graph" or e.status != "ok":
            continue
        for row in rows_as_dicts(e):
            low = {k.lower(): v for k, v in row.items()}
            name = low.get("service") or low.get("name") or low.get("node") or ""
            bad = sum(
                number(v)
                for k, v in low.items()
                if any(w in k for w in ("fault", "error", "throttle")) and "rate" not in k
            )
            if name and bad > 0:
                out.append((name, bad, e.id, low.get("type") or ""))
    return sorted(out, key=lambda t: -t[1])


@dataclass
class FailingEdge:
    caller: str
    downstream: str
    bad: float
    requests: float
    avg_seconds: float
    evidence_id: str


def failing_edge(evidence: list[Evidence]) -> FailingEdge | None:
    """The service-graph edge (a call from one service to a dependency) with the most faults,
    errors and throttles; the slower one wins a tie."""
    best: FailingEdge | None = None
    for e in evidence:
        if e.tool != "get_service_graph" or e.status != "ok" or "downstream" not in e.columns:
            continue
        for row in rows_as_dicts(e):
            downstream = row.get("downstream")
            if not downstream or downstream == "NULL":
                continue
            bad = sum(number(row.get(k)) for k in ("faults", "errors", "throttles"))
            edge = FailingEdge(
                caller=row.get("service") or "?",
                downstream=downstream,
                bad=bad,
                requests=number(row.get("requests")),
                avg_seconds=number(row.get("avg_response_time")),
                evidence_id=e.id,
            )
            if bad > 0 and (
                best is None or (edge.bad, edge.avg_seconds) > (best.bad, best.avg_seconds)
            ):
                best = edge
    return best


@dataclass
class MemoryPressure:
    first_avg_mb: float
    last_avg_mb: float
    peak_mb: float
    size_mb: float
    evidence_id: str


def memory_pressure(evidence: list[Evidence]) -> MemoryPressure | None:
    """Lambda REPORT lines whose Max Memory Used reaches the configured memory size."""
    for e in evidence:
        if e.status != "ok" or not {"max_memory_mb", "memory_size_mb"} <= set(e.columns):
            continue
        rows = rows_as_dicts(e)
        time_col = next((c for c in e.columns if c.startswith("bin(")), None)
        if time_col:
            rows.sort(key=lambda r: r.get(time_col) or "")
        peak = max(number(r.get("max_memory_mb")) for r in rows)
        size = max(number(r.get("memory_size_mb")) for r in rows)
        if size and peak >= 0.9 * size:
            averages = [number(r.get("avg_memory_mb")) for r in rows]
            return MemoryPressure(
                round(averages[0]), round(averages[-1]), round(peak), round(size), e.id
            )
    return None


def fault_trace_ids(evidence: list[Evidence], limit: int = 3) -> list[str]:
    for e in evidence:
        if e.tool == "find_traces" and e.status == "ok":
            ids = [
                v
                for row in rows_as_dicts(e)
                for k, v in row.items()
                if k.lower() in ("id", "trace_id", "traceid") and v
            ]
            if ids:
                return ids[:limit]
    return []


def alb_5xx_total(evidence: list[Evidence]) -> float:
    for e in evidence:
        if e.status == "ok" and "elb_5xx" in e.columns:
            return sum(
                number(r.get("elb_5xx")) + number(r.get("target_5xx")) for r in rows_as_dicts(e)
            )
    return 0.0


@dataclass
class Caller:
    principal: str
    address: str
    calls: float
    failed: float
    apis: float
    regions: float
    evidence_id: str


def suspicious_callers(evidence: list[Evidence]) -> list[Caller]:
    """Principals refused on many different APIs from one address: enumeration with stolen or
    misused credentials, not an application bug."""
    found = []
    for e in evidence:
        if e.status != "ok" or not {"principal", "failed", "apis"} <= set(e.columns):
            continue
        for row in rows_as_dicts(e):
            caller = Caller(
                principal=row.get("principal") or "unknown principal",
                address=row.get("sourceipaddress") or "?",
                calls=number(row.get("calls")),
                failed=number(row.get("failed")),
                apis=number(row.get("apis")),
                regions=number(row.get("regions")),
                evidence_id=e.id,
            )
            if caller.failed >= 10 and caller.apis >= 5:
                found.append(caller)
    return sorted(found, key=lambda c: -c.failed)


@dataclass
class TrafficSource:
    user_agent: str
    clients: float
    requests: float
    share: float
    errors_5xx: float
    first_seen: str
    evidence_id: str


def traffic_source(evidence: list[Evidence]) -> TrafficSource | None:
    """A user agent from few addresses sending a large share of all requests."""
    for e in evidence:
        if e.status != "ok" or not {"user_agent", "clients", "requests"} <= set(e.columns):
            continue
        rows = rows_as_dicts(e)
        total = sum(number(r.get("requests")) for r in rows)
        if not rows or total <= 0:
            continue
        top = max(rows, key=lambda r: number(r.get("requests")))
        source = TrafficSource(
            user_agent=top.get("user_agent") or "-",
            clients=number(top.get("clients")),
            requests=number(top.get("requests")),
            share=number(top.get("requests")) / total,
            errors_5xx=number(top.get("errors_5xx")),
            first_seen=top.get("first_seen") or "",
            evidence_id=e.id,
        )
        if source.share >= 0.3 and source.clients <= 20:
            return source
    return None


def alb_hot_target(evidence: list[Evidence]) -> tuple[str, float, float, str] | None:
    """(target, its 5xx, all 5xx, evidence id) when one target holds most of the 5xx."""
    for e in evidence:
        if e.status != "ok" or "elb_5xx" not in e.columns:
            continue
        rows = rows_as_dicts(e)
        per_target = [
            (r.get("target_ip") or "-", number(r.get("elb_5xx")) + number(r.get("target_5xx")))
            for r in rows
        ]
        total = sum(v for _, v in per_target)
        if total >= 5:
            target, worst = max(per_target, key=lambda t: t[1])
            return target, worst, total, e.id
    return None


@dataclass
class MetricShift:
    label: str
    before: float
    after: float
    evidence_id: str


def metric_shifts(evidence: list[Evidence], pivot: datetime | None) -> list[MetricShift]:
    """Series whose level after `pivot` differs markedly from before it."""
    if pivot is None:
        return []
    shifts = []
    for e in evidence:
        if e.tool != "get_metric_data" or e.status != "ok":
            continue
        label_col = next((c for c in ("label", "id", "metric") if c in e.columns), None)
        time_col = next((c for c in e.columns if c.lower() in ("timestamp", "time")), None)
        value_col = next((c for c in e.columns if c.lower() == "value"), None)
        if not (time_col and value_col):
            continue
        groups: dict[str, tuple[list[float], list[float]]] = {}
        for row in rows_as_dicts(e):
            at = parse_time(row.get(time_col))
            if at is None:
                continue
            label = (row.get(label_col) if label_col else None) or "metric"
            before, after = groups.setdefault(label, ([], []))
            (after if at >= pivot - timedelta(minutes=1) else before).append(
                number(row.get(value_col))
            )
        for label, (before, after) in groups.items():
            b = sum(before) / len(before) if before else 0.0
            a = sum(after) / len(after) if after else 0.0
            if (b == 0 and a > 0) or (b > 0 and (a / b >= 3 or a / b <= 1 / 3)):
                shifts.append(MetricShift(label, round(b, 2), round(a, 2), e.id))
    return shifts
