"""Reading the evidence the way an on-call engineer does: when did errors start, what do the
error lines say, which changes happened before, which service faults, which target fails.

Everything here is a pure function of recorded `Evidence` (from the ToolMessage artifacts).
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent.baseline.knowledge import (
    Signature,
    match_signature,
)
from agent.incident import TimeRange, as_utc
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


# Lines that are not failures but locate a symptom (the baseline's query when there are no errors).
NOTICE_QUERY = (
    "fields @timestamp, @log, @message | filter @message like /(?i)(warn|slow|latenc|retry|retrying|degraded)/ "
    "| sort @timestamp asc | limit 20"
)

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


# Keys of structured log lines that identify the invocation rather than describe the failure.
_NOISE_KEYS = re.compile(
    r"^(timestamp|time|@timestamp|level|location|cold_start|function_arn|function_memory_size|"
    r"function_request_id|xray_trace_id|trace_id|request_id|requestId|service|exception)$"
)


def _flatten(value: object, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            if not _NOISE_KEYS.match(str(k))
            for p in _flatten(v, f"{prefix}{k}.")
        ]
    if isinstance(value, list):
        return [p for item in value[:3] for p in _flatten(item, prefix)]
    text = str(value)
    return [f"{prefix.rstrip('.')}={text[:80]}"]


def sample_line(text: str, limit: int = 400) -> str:
    """A quotable error line: JSON lines as their telling fields, others whitespace-squeezed."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            stripped = "; ".join(_flatten(parsed))
    line = re.sub(r"\\[tn]|\s+", " ", stripped).strip()
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
                hit.sample = "raw:" + sample_line(text)
            elif not hit.sample:
                hit.sample = sample_line(text)
            hit.weight += max(weight, 1.0)
            if e.id not in hit.evidence_ids:
                hit.evidence_ids.append(e.id)
    for hit in hits.values():
        hit.sample = hit.sample.removeprefix("raw:")
    return sorted(hits.values(), key=lambda h: -h.weight)


def mentioned(name: str, texts: list[str]) -> bool:
    """`name` appears in a text as a whole identifier (`orders` does not match `orders-put`)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return any(pattern.search(t) for t in texts)
