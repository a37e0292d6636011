"""Benchmark the local Athena engine on generated ALB access logs.

    .venv/bin/python bench/bench_athena.py [--lines 1000000] [--keep DIR]

Generates ALB access log lines in AWS's documented format (the same field layout as the
documentation's examples: 12 targets, one hour, ~3 % 5xx concentrated on two targets) into
a temporary file, then prints: the time to load them into the `alb_access_logs` table, the
time of "5xx count per target per minute" in Athena SQL (guard + translation + DuckDB),
and the same count done by `awk` over the raw file as the floor, with the ratios. The two
answers are checked to be equal. One run each, file in the page cache.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from agent.telemetry.local.athena import AthenaEngine
from agent.telemetry.local.hardening import harden

QUERY = (
    "SELECT target_ip, date_trunc('minute', from_iso8601_timestamp(time)) AS minute, "
    "count(*) AS errors FROM alb_access_logs WHERE elb_status_code >= 500 GROUP BY 1, 2"
)
# The same count over the raw lines: field 9 is elb_status_code, 5 is target:port, 2 is time.
AWK = (
    '$9 >= 500 { n = split($5, t, ":"); key = t[1] " " substr($2, 1, 16); c[key]++ } '
    "END { total = 0; for (k in c) { groups++; total += c[k] } print groups, total }"
)
TARGETS = [f"10.0.{i // 4}.{10 + i}" for i in range(12)]
FAILING = set(TARGETS[:2])
PATHS = ["/orders", "/orders/{id}", "/cart", "/health", "/products?page=2", "/login"]
AGENTS = [
    "curl/8.4.0",
    "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0",
    "python-requests/2.31",
    "okhttp/4.12.0",
]


def alb_line(rng: random.Random, at: datetime) -> str:
    target = rng.choice(TARGETS)
    failing = target in FAILING and rng.random() < 0.12
    status = (
        rng.choice((500, 502, 503, 504))
        if failing
        else rng.choices((200, 201, 301, 404), (80, 10, 5, 5))[0]
    )
    target_status = "-" if status in (502, 504) else str(status)
    path = rng.choice(PATHS).replace("{id}", str(rng.randrange(10**6)))
    created = at - timedelta(milliseconds=rng.randrange(1, 900))
    trace = f"Root=1-{int(at.timestamp()):08x}-{rng.getrandbits(96):024x}"
    return (
        f"https {at:%Y-%m-%dT%H:%M:%S.%fZ} app/shop-alb/50dc6c495c0c9188 "
        f"198.51.100.{rng.randrange(1, 255)}:{rng.randrange(1024, 65535)} {target}:8080 "
        f"0.000 {rng.random() * 0.4:.3f} 0.000 {status} {target_status} {rng.randrange(100, 900)} "
        f'{rng.randrange(200, 20000)} "{rng.choice(("GET", "POST", "PUT"))} https://shop.example.com:443{path} HTTP/1.1" '
        f'"{rng.choice(AGENTS)}" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/73e2d6bc24d8a067 "
        f'"{trace}" "shop.example.com" '
        '"arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" '
        f'1 {created:%Y-%m-%dT%H:%M:%S.%fZ} "forward" "-" "-" "{target}:8080" "{target_status}" "-" "-" '
        f"TID_{rng.getrandbits(64):016x}"
    )


def generate(path: Path, lines: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    step = 3600 / lines
    with path.open("w", encoding="utf-8") as handle:
        for i in range(lines):
            handle.write(alb_line(rng, start + timedelta(seconds=i * step)) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="ALB log lines to generate")
    parser.add_argument("--keep", type=Path, help="write the log file here and keep it")
    parser.add_argument(
        "--hardened",
        action="store_true",
        help="load on a hardened connection, as LocalBackend does (locked configuration)",
    )
    args = parser.parse_args()
    awk = shutil.which("awk")
    if awk is None:
        print("awk is not installed: cannot measure the floor", file=sys.stderr)
        return 1
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-athena-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "alb.log"
    try:
        began = time.perf_counter()
        generate(log, args.lines)
        size = log.stat().st_size
        print(
            f"generated {args.lines:,} ALB lines, {size / 1e6:.0f} MB, in {time.perf_counter() - began:.1f} s"
        )

        con = duckdb.connect(config={"autoinstall_known_extensions": False})
        if args.hardened:
            harden(con, allowed_dirs=[folder])
        began = time.perf_counter()
        engine = AthenaEngine(
            con,
            database="aiops_db",
            alb_table="alb_access_logs",
            cloudtrail_table="cloud_trail_logs",
            alb_files=[log],
            cloudtrail_files=[],
        )
        load_s = time.perf_counter() - began
        began = time.perf_counter()
        answer = engine.run(QUERY, max_rows=1_000_000)
        query_s = time.perf_counter() - began
        rows = answer.response["ResultSet"]["Rows"][1:]
        errors = sum(int(row["Data"][2]["VarCharValue"]) for row in rows)

        began = time.perf_counter()
        out = subprocess.run(
            [awk, AWK, str(log)], check=True, capture_output=True, text=True
        ).stdout.split()
        awk_s = time.perf_counter() - began
        awk_groups, awk_errors = int(out[0]), int(out[1])
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        print(
            f"load into alb_access_logs : {load_s:6.2f} s  ({args.lines / load_s:,.0f} lines/s, peak RSS {peak_mb:,.0f} MB)"
        )
        print(
            f"5xx per target per minute : {query_s:6.3f} s  ({len(rows)} groups, {errors:,} errors)"
        )
        print(
            f"awk, same count (floor)   : {awk_s:6.3f} s  ({awk_groups} groups, {awk_errors:,} errors)"
        )
        print(f"query / awk               : {query_s / awk_s:6.2f}x")
        print(f"(load + query) / awk      : {(load_s + query_s) / awk_s:6.2f}x")
        if (len(rows), errors) != (awk_groups, awk_errors):
            print("MISMATCH between the SQL answer and awk", file=sys.stderr)
            return 1
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
