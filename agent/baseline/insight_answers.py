"""The baseline's answers to metrics questions, computed from the evidence of its own calls
and written with a citation on every figure. Each reader gets the evidence by the role the
call had (`rank`, `first`/`second` half, `level`, `consumed`/`provisioned`/`throttles`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from agent.baseline.insight_question import Intent
from agent.baseline.insight_series import SeriesSpec, combine, entity_dimension, points_by_id
from agent.baseline.signals import number, rows_as_dicts
from agent.insight.answer import InsightDraft
from agent.report import Evidence


@dataclass(frozen=True)
class Read:
    """One get_metric_data call of the baseline: its role, the series asked, the evidence."""

    role: str
    specs: list[SeriesSpec]
    evidence: Evidence
    period: int = 60  # seconds per point asked for


def fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.3g}"


def at(when: datetime, zone: tzinfo) -> str:
    utc = f"{when:%Y-%m-%d %H:%M} UTC"
    local = when.astimezone(zone)
    if local.utcoffset() == when.utcoffset():
        return utc
    return f"{utc} ({local:%Y-%m-%d %H:%M} {local.tzname()})"


def values_of(read: Read) -> list[tuple[SeriesSpec, list[tuple[datetime, float]]]]:
    by_id = points_by_id(read.evidence)
    return [(spec, by_id.get(f"m{i}", [])) for i, spec in enumerate(read.specs, start=1)]


def _what(spec: SeriesSpec) -> str:
    return f"{spec.statistic} {spec.metric}"


def _substitutions(specs: list[SeriesSpec]) -> str:
    swapped = {(s.substituted, s.statistic, s.metric) for s in specs if s.substituted}
    return "".join(
        f"\n\n{asked} of {metric} is not in the data; this uses {used} instead."
        for asked, used, metric in sorted(swapped)
    )


def _chart_note(chart: Read | None) -> str:
    return f"\n\nThe chart draws them over the period [{chart.evidence.id}]." if chart else ""


def ranking(intent: Intent, read: Read, chart: Read | None, matched: int) -> InsightDraft:
    lowest = intent.lowest
    scored = [
        (spec, combine([v for _, v in points], spec.statistic)) for spec, points in values_of(read)
    ]
    ranked = sorted(
        ((s, v) for s, v in scored if v is not None), key=lambda p: p[1], reverse=not lowest
    )
    cite = f"[{read.evidence.id}]"
    if not ranked:
        return InsightDraft(
            answer=f"None of the {len(scored)} series read has datapoints in the period {cite}.",
        )
    top, value = ranked[0]
    word = "lowest" if lowest else "highest"
    lines = [
        f"**{top.entity}** has the {word} {_what(top)} over the period: {fmt(value)} {cite}.",
        "",
        f"Top {min(intent.count, len(ranked))} by {_what(top)} {cite}:",
    ]
    lines += [f"{i}. {s.entity} — {fmt(v)}" for i, (s, v) in enumerate(ranked[: intent.count], 1)]
    more = (
        f" (the first {len(read.specs)} of {matched} series that match)"
        if matched > len(read.specs)
        else ""
    )
    text = "\n".join(lines) + f"\n\nRead from {len(scored)} series{more}." + _chart_note(chart)
    return InsightDraft(
        answer=text + _substitutions(read.specs),
        entities=[s.entity for s, _ in ranked[: intent.count]],
        chart_evidence_ids=[chart.evidence.id] if chart else [],
        chart_title=f"Top {min(intent.count, len(ranked))} by {_what(top)}",
    )


def ranked_changes(
    intent: Intent, first: Read, second: Read
) -> list[tuple[SeriesSpec, float, float, float]]:
    before = {s: combine([v for _, v in p], s.statistic) for s, p in values_of(first)}
    after = {s: combine([v for _, v in p], s.statistic) for s, p in values_of(second)}
    changes = [
        (s, a, b, b - a)
        for s, a in before.items()
        if a is not None and (b := after.get(s)) is not None
    ]
    return sorted(changes, key=lambda c: c[3], reverse=intent.direction == "up")


def change(intent: Intent, first: Read, second: Read, chart: Read | None) -> InsightDraft:
    changes = ranked_changes(intent, first, second)
    cite = f"[{first.evidence.id}, {second.evidence.id}]"
    verb = "rose" if intent.direction == "up" else "fell"
    if not changes:
        return InsightDraft(
            answer=f"No series has datapoints in both halves of the period {cite}, so no change can be measured."
        )
    spec, a, b, delta = changes[0]
    moved = delta > 0 if intent.direction == "up" else delta < 0
    relative = f", {delta / a:+.0%}" if a else ""
    if moved:
        lead = (
            f"**{spec.entity}**'s {_what(spec)} {verb} most: {fmt(a)} in the first half of the "
            f"period → {fmt(b)} in the second half ({'+' if delta >= 0 else ''}{fmt(delta)}{relative}) {cite}."
        )
    else:
        lead = (
            f"No series {verb}: the {'largest' if intent.direction == 'up' else 'smallest'} change is "
            f"**{spec.entity}**'s {_what(spec)}, {fmt(a)} → {fmt(b)} {cite}."
        )
    lines = [lead, "", f"First half → second half, by change {cite}:"]
    lines += [
        f"{i}. {s.entity} — {fmt(x)} → {fmt(y)} ({'+' if d >= 0 else ''}{fmt(d)})"
        for i, (s, x, y, d) in enumerate(changes[: intent.count], 1)
    ]
    text = "\n".join(lines) + _chart_note(chart) + _substitutions(first.specs)
    return InsightDraft(
        answer=text,
        entities=[s.entity for s, *_ in changes[: intent.count]] if moved else [],
        chart_evidence_ids=[chart.evidence.id] if chart else [],
        chart_title=f"{_what(spec)}: the biggest changes",
    )


def crossing(intent: Intent, reads: list[Read], zone: tzinfo) -> InsightDraft:
    threshold = intent.threshold or 0.0
    side = "above" if intent.above else "below"
    crossed, quiet = [], []
    for read in reads:
        for spec, points in values_of(read):
            beyond = [
                (t, v) for t, v in points if (v > threshold if intent.above else v < threshold)
            ]
            if beyond:
                crossed.append((spec, read, beyond, len(points)))
            elif points:
                peak = max(points, key=lambda p: p[1] if intent.above else -p[1])
                quiet.append((spec, read, peak))
    if crossed:
        lines = [f"Yes: {len(crossed)} series went {side} {fmt(threshold)}."]
        for spec, read, beyond, total in crossed:
            worst = max(beyond, key=lambda p: p[1] if intent.above else -p[1])
            lines.append(
                f"- **{spec.entity}** {_what(spec)}: first {side} at {at(beyond[0][0], zone)}, "
                f"{len(beyond)} of {total} points, extreme {fmt(worst[1])} at {at(worst[0], zone)} [{read.evidence.id}]"
            )
    else:
        lines = [f"No: none of the {len(quiet)} series went {side} {fmt(threshold)}."]
    for spec, read, peak in quiet:
        lines.append(
            f"- {spec.entity} {_what(spec)}: stays {'below' if intent.above else 'above'}, "
            f"closest {fmt(peak[1])} at {at(peak[0], zone)} [{read.evidence.id}]"
        )
    return InsightDraft(
        answer="\n".join(lines) + _substitutions([s for r in reads for s in r.specs]),
        entities=[s.entity for s, *_ in crossed],
        chart_evidence_ids=[r.evidence.id for r in reads],
        chart_title=f"{side} {fmt(threshold)}?",
    )


def capacity(intent: Intent, reads: list[Read], zone: tzinfo) -> InsightDraft:
    kind = intent.capacity
    tables: dict[str, dict[str, Read]] = {}
    for read in reads:
        tables.setdefault(read.specs[0].entity, {})[read.role] = read
    parts, running_out, charts, per_second = [], [], [], []
    for table, by_role in tables.items():
        consumed, provisioned = by_role.get("consumed"), by_role.get("provisioned")
        throttles = by_role.get("throttles")
        facts, verdict = [], False
        throttled = (
            sum(v for _, points in values_of(throttles) for _, v in points) if throttles else 0.0
        )
        if throttles and throttled > 0:
            first = min(t for _, points in values_of(throttles) for t, v in points if v > 0)
            facts.append(
                f"{fmt(throttled)} {kind.lower()} throttle events, the first at {at(first, zone)} "
                f"[{throttles.evidence.id}]"
            )
            verdict = True
        if consumed and provisioned:
            used = dict(values_of(consumed)[0][1])
            limit = dict(values_of(provisioned)[0][1])
            seconds = consumed.period
            shares = [(t, used[t] / seconds, limit[t]) for t in sorted(used) if limit.get(t)]
            if shares:
                when, rate, cap = max(shares, key=lambda s: s[1] / s[2])
                cites = f"[{consumed.evidence.id}, {provisioned.evidence.id}]"
                facts.append(
                    f"consumed {kind.lower()} capacity peaked at {fmt(rate)} units/s against "
                    f"{fmt(cap)} provisioned ({rate / cap:.0%}) at {at(when, zone)} {cites}"
                )
                verdict = verdict or rate / cap >= 0.8
            levels = [v for _, v in sorted(limit.items())]
            if levels and levels[0] != levels[-1]:
                changed = next(t for t, v in sorted(limit.items()) if v != levels[0])
                facts.append(
                    f"provisioned {kind.lower()} capacity changed from {fmt(levels[0])} to "
                    f"{fmt(levels[-1])} at {at(changed, zone)} [{provisioned.evidence.id}]"
                )
            charts += [consumed.evidence.id, provisioned.evidence.id]
            per_second.append(consumed.evidence.id)
        if not facts:
            facts.append("no consumed, provisioned or throttle datapoints in the period")
        lead = "is running out of" if verdict else "has headroom in"
        parts.append(f"**{table}** {lead} {kind.lower()} capacity: " + "; ".join(facts) + ".")
        if verdict:
            running_out.append(table)
    if not parts:
        return InsightDraft(
            answer=f"No DynamoDB table with {kind.lower()} capacity metrics was found."
        )
    return InsightDraft(
        answer="\n\n".join(parts),
        entities=running_out or list(tables),
        chart_evidence_ids=charts,
        chart_per_second=per_second,
        chart_title=f"{kind} capacity: consumed per second vs provisioned",
    )


def insights_ranking(intent: Intent, evidence: Evidence) -> InsightDraft:
    """A Metrics Insights top-N, read from its rows (one per series: label, dimensions, the
    ORDER BY aggregate over the period)."""
    cite = f"[{evidence.id}]"
    function = evidence.query.split("(", 1)[0].removeprefix("SELECT ").strip()
    metric = evidence.query.split("(", 1)[1].split(")", 1)[0] if "(" in evidence.query else ""
    what = f"{function}({metric})"
    ranked = []
    for row in rows_as_dicts(evidence):
        dims = dict(p.split("=", 1) for p in (row.get("dimensions") or "").split(", ") if "=" in p)
        key = entity_dimension(list(dims))
        name = dims.get(key, "") if key else ""
        if row.get("aggregate") not in (None, ""):
            ranked.append((name or row.get("label") or "?", number(row.get("aggregate"))))
    if not ranked:
        return InsightDraft(
            answer=f"The query returned no series with datapoints in the period {cite}."
        )
    word = "lowest" if intent.lowest else "highest"
    top, value = ranked[0]
    lines = [
        f"**{top}** has the {word} {what} over the period: {fmt(value)} {cite}.",
        "",
        f"Top {len(ranked)} by {what} {cite}:",
        *(f"{i}. {name} — {fmt(v)}" for i, (name, v) in enumerate(ranked, 1)),
        "",
        f"One Metrics Insights query ranked {'all' if evidence.row_count > len(ranked) else 'the'} "
        f"{evidence.row_count} matching series; the chart draws the top {len(ranked)} {cite}.",
    ]
    if evidence.error:
        lines.append(f"\nNote from the query: {evidence.error}")
    return InsightDraft(
        answer="\n".join(lines),
        entities=[name for name, _ in ranked],
        chart_evidence_ids=[evidence.id],
        chart_title=f"Top {len(ranked)} by {what}",
    )
