"""Benchmark `fa2 bundle check` (agent.bundle_check) on a generated bundle.

    .venv/bin/python bench/bench_bundle_check.py [--log-events 200000] [--alb-lines 100000]

Writes a bundle with gzipped CloudWatch Logs events and ALB access log lines (AWS's
documented example line with varied fields; 1 in 1000 lines broken on purpose), then prints
the time to check it, records per second per source, and the number of problems found.
One run, files in page cache.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from agent.bundle_check import check_bundle

START_MS = 1772444700000  # 2026-03-02T09:45:00Z
SPAN_MS = 45 * 60 * 1000
MANIFEST = """version: 1
title: bundle-check benchmark
alarm: {AlarmName: bench, NewStateValue: ALARM, StateChangeTime: "2026-03-02T10:17:00.000+0000",
        Trigger: {MetricName: 5XXError, Namespace: AWS/ApiGateway, Statistic: SUM, Period: 60}}
window: {start: "2026-03-02T09:45:00Z", end: "2026-03-02T10:30:00Z"}
"""
ALB = (
    "http {time} app/orders-alb/50dc6c495c0c9188 192.168.{a}.{b}:{port} 10.0.0.{t}:80 0.000 {dur} 0.000 "
    '{status} {status} 34 366 "GET http://orders.example.com:80/orders/{order} HTTP/1.1" '
    '"Mozilla/5.0 (X11; Linux x86_64)" - - '
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders/73e2d6bc24d8a067 "
    '"Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 {time} "forward" "-" "-" '
    '"10.0.0.{t}:80" "{status}" "-" "-" TID_1234abcd5678ef90'
)


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}000Z"


def write_bundle(root: Path, log_events: int, alb_lines: int, rng: random.Random) -> None:
    (root / "logs").mkdir(parents=True)
    (root / "alb").mkdir()
    (root / "incident.yaml").write_text(MANIFEST, encoding="utf-8")
    with gzip.open(
        root / "logs" / "orders-put.jsonl.gz", "wt", encoding="utf-8", compresslevel=1
    ) as out:
        for i in range(log_events):
            if i % 1000 == 999:
                out.write("START RequestId: broken line\n")
                continue
            event = {
                "logGroup": "/aws/lambda/orders-put",
                "logStream": "2026/03/02/[$LATEST]ab12",
                "timestamp": START_MS + rng.randrange(SPAN_MS),
                "message": json.dumps({"level": "INFO", "message": "order saved", "orderId": i}),
            }
            out.write(json.dumps(event) + "\n")
    with (root / "alb" / "orders-alb.log").open("w", encoding="utf-8") as out:
        for i in range(alb_lines):
            line = ALB.format(
                time=_iso(START_MS + rng.randrange(SPAN_MS)),
                a=rng.randrange(256),
                b=rng.randrange(256),
                port=rng.randrange(1024, 65535),
                t=rng.randrange(1, 9),
                dur=f"{rng.random():.3f}",
                status=rng.choice(["200", "200", "200", "502"]),
                order=i,
            )
            out.write((line[:100] if i % 1000 == 999 else line) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log-events", type=int, default=200_000)
    parser.add_argument("--alb-lines", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fa2-bench-bundle-"))
    try:
        write_bundle(root / "bundle", args.log_events, args.alb_lines, random.Random(7))
        started = time.perf_counter()
        report = check_bundle(root / "bundle")
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"bundle check: {elapsed:.2f} s for {report.records + sum(s.skipped for s in report.sources)} lines"
    )
    for source in report.sources:
        lines = source.records + source.skipped
        print(f"  {source.source:<5} {lines:>8} lines  {source.skipped:>5} bad")
    print(
        f"  throughput {(report.records / elapsed):,.0f} records/s; problems reported: {len(report.problems)}"
    )
    return 0 if report.usable else 1


if __name__ == "__main__":
    sys.exit(main())
