"""How the services behave: X-Ray faults and failing dependency edges, Lambda memory, ALB
targets and clients, suspicious API callers and shifted metrics, read from recorded evidence."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.baseline.signals import number, parse_time, rows_as_dicts
from agent.report import Evidence


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


def _target_5xx(row: dict[str, str | None]) -> float:
    """5xx of one target: a target's 500 is also the load balancer's 500, so the two counts
    overlap; the larger is what clients saw from that target."""
    return max(number(row.get("elb_5xx")), number(row.get("target_5xx")))


def alb_5xx_total(evidence: list[Evidence]) -> float:
    for e in evidence:
        if e.status == "ok" and "elb_5xx" in e.columns:
            return sum(_target_5xx(r) for r in rows_as_dicts(e))
    return 0.0


# The columns of the 5xx breakdown the baseline asks for (one row per target and status pair).
ALB_BREAKDOWN_COLUMNS = {"target_ip", "elb_status_code", "target_status_code", "requests"}


@dataclass
class AlbFailures:
    """What the load balancer returned: 5xx by status code and by target."""

    total: float
    codes: list[tuple[str, float]]  # elb status code -> responses, most first
    failing_targets: list[tuple[str, float]]  # targets with 5xx, worst first
    targets: int  # all targets that served requests
    evidence_ids: list[str]


def alb_failures(evidence: list[Evidence]) -> AlbFailures | None:
    """5xx at the load balancer from the per-target triage table and, when run, the
    breakdown by target and status code."""
    per_target, table_id = alb_targets(evidence)
    if not per_target or table_id is None:
        return None
    served = next(len(rows_as_dicts(e)) for e in evidence if e.id == table_id and e.status == "ok")
    codes: dict[str, float] = {}
    ids = [table_id]
    for e in evidence:
        if e.status != "ok" or not set(e.columns) >= ALB_BREAKDOWN_COLUMNS:
            continue
        for row in rows_as_dicts(e):
            code = row.get("elb_status_code") or "?"
            codes[code] = codes.get(code, 0.0) + number(row.get("requests"))
        ids.append(e.id)
        break
    return AlbFailures(
        total=sum(n for _, n in per_target),
        codes=sorted(codes.items(), key=lambda t: -t[1]),
        failing_targets=per_target,
        targets=served,
        evidence_ids=ids,
    )


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


def alb_targets(evidence: list[Evidence]) -> tuple[list[tuple[str, float]], str | None]:
    """(target, its 5xx) for targets with 5xx, worst first, and the evidence id."""
    for e in evidence:
        if e.status == "ok" and "elb_5xx" in e.columns:
            rows = rows_as_dicts(e)
            targets = [(r.get("target_ip") or "-", _target_5xx(r)) for r in rows]
            return sorted((t for t in targets if t[1] > 0), key=lambda t: -t[1]), e.id
    return [], None


def alb_hot_target(evidence: list[Evidence]) -> tuple[str, float, float, str] | None:
    """(target, its 5xx, all 5xx, evidence id) when one target holds most of the 5xx."""
    for e in evidence:
        if e.status != "ok" or "elb_5xx" not in e.columns:
            continue
        rows = rows_as_dicts(e)
        per_target = [(r.get("target_ip") or "-", _target_5xx(r)) for r in rows]
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
    at: datetime | None = None  # the first datapoint at the new level (a time shown in the rows)
    query: str = ""


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
        groups: dict[str, tuple[list[tuple[datetime, float]], list[tuple[datetime, float]]]] = {}
        for row in rows_as_dicts(e):
            at = parse_time(row.get(time_col))
            if at is None:
                continue
            label = (row.get(label_col) if label_col else None) or "metric"
            before, after = groups.setdefault(label, ([], []))
            point = (at, number(row.get(value_col)))
            # compare the level well before (a precursor such as a scale-out may lead the errors
            # by minutes) with the ten minutes after: later recovery must not hide the shift
            if pivot - timedelta(minutes=20) <= at < pivot - timedelta(minutes=3):
                before.append(point)
            elif pivot - timedelta(minutes=1) <= at <= pivot + timedelta(minutes=10):
                after.append(point)
        for label, (before, after) in groups.items():
            b = sum(v for _, v in before) / len(before) if before else 0.0
            a = sum(v for _, v in after) / len(after) if after else 0.0
            if (
                before
                and after
                and ((b == 0 and a > 0) or (b > 0 and (a / b >= 1.75 or a / b <= 1 / 1.75)))
            ):
                first = min(at for at, _ in after) if after else None
                shifts.append(MetricShift(label, round(b, 2), round(a, 2), e.id, first, e.query))
    unique: dict[tuple[str, float, float], MetricShift] = {}
    for shift in shifts:
        unique.setdefault((shift.label, shift.before, shift.after), shift)
    return list(unique.values())


@dataclass
class AlarmPeak:
    """The alarm's own metric at its worst, against its typical level in the window."""

    label: str
    typical: float
    peak: float
    at: datetime
    evidence_id: str


def alarm_peak(evidence: list[Evidence]) -> AlarmPeak | None:
    """The first metric fetched (triage fetches the alarm's) at its highest point, when that
    stands out from the window's median."""
    for e in evidence:
        if e.tool != "get_metric_data" or e.status != "ok" or "timestamp" not in e.columns:
            continue
        series = [
            (at, number(row.get("value")), row.get("label") or "metric")
            for row in rows_as_dicts(e)
            if (at := parse_time(row.get("timestamp"))) is not None
        ]
        if not series:
            return None
        typical = statistics.median(v for _, v, _ in series)
        at, peak, label = max(series, key=lambda t: t[1])
        if peak <= 0 or peak < typical * 1.5:
            return None
        return AlarmPeak(label, round(typical, 3), round(peak, 3), at, e.id)
    return None
