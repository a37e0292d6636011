"""Benchmark the embedded Logs Insights engine on generated Lambda logs.

    .venv/bin/python bench/bench_logs_insights.py [--events 1000000] [--keep DIR]

Generates Lambda-style CloudWatch Logs events (START/END/REPORT platform lines, JSON
application logs, tab-separated ERROR lines; ~250 bytes each) into a temporary bundle
file, then prints: load time (events/s), peak RSS, and the time of three queries, each
beside `grep -c ERROR` over the same file as the floor (one run each, file in page cache).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from agent.incident import TimeRange
from agent.telemetry.local.logs_insights import LogsInsightsEngine
from agent.telemetry.local.logs_insights.patterns import assign_patterns, grouping_accuracy

START_MS = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp() * 1000)
SPAN_MS = 2 * 3600 * 1000
QUERIES = {
    "filter+stats": "filter @message like /ERROR/ | stats count(*) by bin(5m)",
    "parse+pct": 'filter @type = "REPORT" | parse @message "Duration: * ms" as d '
    "| stats pct(d, 50), pct(d, 95), pct(d, 99), avg(d)",
    "pattern": "filter @message like /ERROR/ | pattern @message",
    "pattern (all events)": "pattern @message",
}


def lambda_events(count: int, seed: int = 7) -> Iterator[dict[str, object]]:
    """Invocations of one function: START, 1-3 application lines, END, REPORT."""
    rng = random.Random(seed)
    streams = [f"2026/03/02/[$LATEST]{uuid.UUID(int=rng.getrandbits(128)).hex}" for _ in range(8)]
    produced = 0
    while produced < count:
        request = str(uuid.UUID(int=rng.getrandbits(128)))
        stream = rng.choice(streams)
        ts = START_MS + rng.randrange(SPAN_MS)
        when = datetime.fromtimestamp(ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        duration = rng.lognormvariate(4.0, 0.6)
        lines = [f"START RequestId: {request} Version: $LATEST"]
        order = f"o-{rng.randrange(10**6):06d}"
        lines.append(
            json.dumps(
                {
                    "timestamp": when,
                    "level": "INFO",
                    "requestId": request,
                    "message": "order received",
                    "orderId": order,
                    "items": rng.randrange(1, 9),
                }
            )
        )
        if rng.random() < 0.06:
            lines.append(
                f"{when}\t{request}\tERROR\tProvisionedThroughputExceededException: The level of "
                f"configured provisioned throughput for the table was exceeded (orderId {order})"
            )
        elif rng.random() < 0.3:
            lines.append(f"{when}\t{request}\tWARN\tslow write to orders took {int(duration)} ms")
        lines.append(f"END RequestId: {request}")
        lines.append(
            f"REPORT RequestId: {request}\tDuration: {duration:.2f} ms\tBilled Duration: "
            f"{int(duration) + 1} ms\tMemory Size: 256 MB\tMax Memory Used: {rng.randrange(70, 120)} MB\t"
        )
        for offset, message in enumerate(lines):
            if produced >= count:
                return
            produced += 1
            yield {
                "logGroup": "/aws/lambda/orders-put",
                "logStream": stream,
                "timestamp": ts + offset,
                "message": message,
            }


def write_events(path: Path, count: int) -> int:
    with path.open("w", encoding="utf-8") as handle:
        for event in lambda_events(count):
            handle.write(json.dumps(event, separators=(",", ":")) + "\n")
    return path.stat().st_size


# Drain's grouping accuracy in Zhu et al., "Tools and Benchmarks for Automated Log Parsing",
# ICSE-SEIP 2019 (Loghub 2k samples)
DRAIN_PUBLISHED = {"HDFS": 0.998, "Apache": 1.0}
ROOT = Path(__file__).resolve().parents[1]
LOGHUB_DIRS = [ROOT / "tests" / "data" / "loghub", ROOT.parent / "shared" / "data" / "loghub"]


def pattern_accuracy(loghub: Path | None) -> None:
    """Grouping accuracy of `pattern` on the Loghub 2k samples, beside Drain's published figures."""
    folders = [loghub] if loghub else LOGHUB_DIRS
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    for dataset, published in DRAIN_PUBLISHED.items():
        found = [f / dataset / f"{dataset}_2k.log_structured.csv" for f in folders]
        path = next((p for p in found if p.is_file()), None)
        if path is None:
            print(
                f"pattern accuracy {dataset}: sample not found (--loghub DIR, from logpai/loghub)"
            )
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        predicted = assign_patterns(con, [r["Content"] for r in records])
        accuracy = grouping_accuracy([r["EventId"] for r in records], predicted)
        print(
            f"pattern grouping accuracy {dataset} 2k: {accuracy:.4f} "
            f"(Drain published {published:.3f}); {len(set(predicted))} patterns"
        )


def timed(action: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    return time.perf_counter() - start, result


def grep_seconds(path: Path) -> float:
    grep = shutil.which("grep") or "grep"
    subprocess.run([grep, "-c", "ERROR", str(path)], capture_output=True, check=False)  # warm cache
    start = time.perf_counter()
    subprocess.run([grep, "-c", "ERROR", str(path)], capture_output=True, check=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the events here and keep them")
    parser.add_argument(
        "--loghub",
        type=Path,
        default=Path(os.environ["FA2_LOGHUB_DIR"]) if os.environ.get("FA2_LOGHUB_DIR") else None,
        help="folder with HDFS/ and Apache/ Loghub 2k samples (default: tests/data/loghub)",
    )
    args = parser.parse_args(argv)

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fa2-bench-logs-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "orders-put.jsonl"
    try:
        seconds, size = timed(lambda: write_events(path, args.events))
        print(f"generated {args.events:,} events, {int(size) / 1e6:.0f} MB in {seconds:.1f} s")  # type: ignore[call-overload]
        grep = grep_seconds(path)
        print(f"grep -c ERROR (floor): {grep * 1000:.0f} ms")

        con = duckdb.connect(config={"autoinstall_known_extensions": False})
        seconds, engine = timed(lambda: LogsInsightsEngine(con, [path]))
        assert isinstance(engine, LogsInsightsEngine)
        rate = args.events / seconds
        print(f"load: {seconds:.2f} s = {rate:,.0f} events/s (aim >= 300,000)")
        window = TimeRange(
            start=datetime.fromtimestamp(START_MS / 1000, UTC),
            end=datetime.fromtimestamp((START_MS + SPAN_MS + 60_000) / 1000, UTC),
        )
        groups = [g.name for g in engine.log_groups()]
        print(f"{'query':<22}{'time':>10}{'x grep':>9}  rows  matched")
        for label, query in QUERIES.items():
            seconds, result = timed(lambda q=query: engine.run(q, groups, window))
            assert isinstance(result, dict)
            print(
                f"{label:<22}{seconds * 1000:>8.0f}ms{seconds / grep:>8.1f}x  "
                f"{len(result['results']):>4}  {int(result['statistics']['recordsMatched']):,}"
            )
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak_mb:,.0f} MB")
        pattern_accuracy(args.loghub)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
