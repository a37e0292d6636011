"""Bench inputs: incident bundles of a given size, generated once and kept.

Generating 3M log events takes a while, so every bundle is written once into
`FA2_BENCH_DIR` (default: a folder in the system temp dir) under a name that states its
content and size, and reused by later runs. Each bundle is a valid incident bundle
(incident.yaml + one source folder) that `fa2 query ...` reads as it is.

    logs_bundle(n)    n Lambda log events (START/END/REPORT, JSON app lines, ERROR lines)
    alb_bundle(n)     n ALB access log lines (the layout of AWS's documented examples)
    xray_bundle(n)    n X-Ray traces: the dynamodb-throttling scenario's traces, repeated
                      with fresh ids and shifted times
"""

from __future__ import annotations

import gzip
import json
import os
import random
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(os.environ.get("FA2_BENCH_DIR") or Path(tempfile.gettempdir()) / "fa2-bench")
XRAY_SOURCE = ROOT / "evals" / "scenarios" / "dynamodb-throttling" / "xray" / "traces.json.gz"


def manifest(title: str, start: datetime, end: datetime) -> str:
    return (
        "version: 1\n"
        f"title: '{title}'\n"
        "window:\n"
        f"  start: '{start:%Y-%m-%dT%H:%M:%SZ}'\n"
        f"  end: '{end:%Y-%m-%dT%H:%M:%SZ}'\n"
    )


def _bundle(name: str, write: Callable[[Path], str]) -> Path:
    """The bundle `name` under BENCH_DIR, written by `write(root) -> incident.yaml` if absent.
    A bundle appears whole or not at all (written aside, then renamed)."""
    root = BENCH_DIR / name
    if (root / "incident.yaml").is_file():
        return root
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=BENCH_DIR))
    text = write(staging)
    (staging / "incident.yaml").write_text(text, encoding="utf-8")
    staging.rename(root)
    return root


def logs_bundle(events: int) -> Path:
    """A bundle with `events` Lambda log events in logs/orders-put.jsonl (~200 bytes each)."""
    from bench_logs_insights import SPAN_MS, START_MS, write_events

    def write(root: Path) -> str:
        (root / "logs").mkdir()
        write_events(root / "logs" / "orders-put.jsonl", events)
        start = datetime.fromtimestamp(START_MS / 1000, UTC)
        end = datetime.fromtimestamp((START_MS + SPAN_MS) / 1000 + 60, UTC)
        return manifest(f"bench: {events} Lambda log events", start, end)

    return _bundle(f"logs-{events}", write)


def alb_bundle(lines: int) -> Path:
    """A bundle with `lines` ALB access log lines (one hour from 10:00) in alb/shop-alb.log."""
    from bench_athena import generate

    def write(root: Path) -> str:
        (root / "alb").mkdir()
        generate(root / "alb" / "shop-alb.log", lines)
        start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
        return manifest(f"bench: {lines} ALB lines", start, start + timedelta(hours=1, minutes=1))

    return _bundle(f"alb-{lines}", write)


def xray_bundle(traces: int, per_file: int = 2000) -> Path:
    """A bundle with `traces` traces in xray/traces-NNN.json (`per_file` traces each)."""

    def write(root: Path) -> str:
        with gzip.open(XRAY_SOURCE, "rt", encoding="utf-8") as handle:
            originals = json.load(handle)["Traces"]
        (root / "xray").mkdir()
        rng = random.Random(7)
        batch: list[dict[str, object]] = []
        first = last = None
        for index in range(traces):
            original = originals[index % len(originals)]
            shift = (index // len(originals)) * 0.001  # keep every copy inside the window
            new_id = f"1-69a55c1f-{rng.getrandbits(96):024x}"
            segments = []
            for segment in original["Segments"]:
                document = json.loads(segment["Document"])
                _retrace(document, original["Id"], new_id, shift)
                segments.append({"Id": segment["Id"], "Document": json.dumps(document)})
                start = document.get("start_time")
                if start is not None:
                    first = start if first is None else min(first, start)
                    last = start if last is None else max(last, start)
            batch.append({**original, "Id": new_id, "Segments": segments})
            if len(batch) == per_file or index == traces - 1:
                name = f"traces-{index // per_file:03d}.json"
                (root / "xray" / name).write_text(json.dumps({"Traces": batch}), encoding="utf-8")
                batch = []
        assert first is not None and last is not None
        start = datetime.fromtimestamp(int(first) - 60, UTC)
        end = datetime.fromtimestamp(int(last) + 120, UTC)
        return manifest(f"bench: {traces} X-Ray traces", start, end)

    return _bundle(f"xray-{traces}", write)


def _retrace(document: dict[str, object], old_id: str, new_id: str, shift: float) -> None:
    if document.get("trace_id") == old_id:
        document["trace_id"] = new_id
    for key in ("start_time", "end_time"):
        value = document.get(key)
        if isinstance(value, int | float):
            document[key] = round(value + shift, 6)
    for sub in document.get("subsegments") or []:  # type: ignore[attr-defined]
        _retrace(sub, old_id, new_id, shift)
