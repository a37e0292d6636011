"""Whole-process speed of the offline engines beside their floors (issue 19's goals).

    .venv/bin/python bench/bench_engine.py [--runs 5] [--only pattern]...

Every figure is a whole process (interpreter start, imports, reading, answering), the
median of `--runs` runs, fa2 and its floor alternating so both see the same machine load;
the 1-minute load average is printed with each figure (on a shared machine the seconds
move with it, the ratios much less). Each answer is cross-checked against its floor
(grep, awk, raw DuckDB, a plain parse).

Inputs are generated once into FA2_BENCH_DIR (see inputs.py); the issue's sizes are the
default, FA2_BENCH_SCALE=0.1 runs everything at a tenth. "cold" means no bundle cache
(FA2_BUNDLE_CACHE=off: exactly what a first query does before its detached writer
starts); "cached" means the bundle's Parquet cache is in place.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import inputs

ROOT = Path(__file__).resolve().parents[1]
FA2 = [sys.executable, "-m", "cli"]
SCALE = float(os.environ.get("FA2_BENCH_SCALE", "1"))
LOG_COLUMNS = (
    "{'logGroup': 'VARCHAR', 'logStream': 'VARCHAR', 'timestamp': 'BIGINT', "
    "'ingestionTime': 'BIGINT', 'message': 'VARCHAR'}"
)
# Runs a command and reports its own wall time and peak memory (this wrapper's only child).
WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stdout.write(json.dumps({"s": seconds, "mb": peak, "rc": done.returncode,
    "out": done.stdout.decode(errors="replace"), "err": done.stderr.decode(errors="replace")}))
"""


@dataclass
class Run:
    seconds: float
    peak_mb: float
    out: str


def run(command: list[str], env: dict[str, str] | None = None) -> Run:
    environment = {**os.environ, **(env or {})}
    # Timed with bytecode, as an installed fa2 runs (some shells set this variable).
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    wrapped = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=ROOT,
    )
    result = json.loads(wrapped.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result['err']}")
    return Run(result["s"], result["mb"], result["out"])


def median_pair(
    fa2: list[str], floor: list[str], runs: int, env: dict[str, str] | None = None
) -> tuple[Run, Run]:
    """Median runs of fa2 and of its floor, alternating, after one untimed run of each
    (bytecode written, files in the page cache)."""
    run(fa2, env)
    run(floor)
    mine: list[Run] = []
    theirs: list[Run] = []
    for _ in range(runs):
        mine.append(run(fa2, env))
        theirs.append(run(floor))
    return _median(mine), _median(theirs)


def _median(runs: list[Run]) -> Run:
    middle = statistics.median(r.seconds for r in runs)
    chosen = min(runs, key=lambda r: abs(r.seconds - middle))
    return Run(middle, max(r.peak_mb for r in runs), chosen.out)


ROWS: list[tuple[str, str, str, str, str, str]] = []


def report(
    work: str, fa2: float, floor_label: str, floor: float, goal: str, ok: bool, unit: str = "s"
) -> None:
    ratio = f"{fa2 / floor:.2f}x" if floor > 0 else "-"
    load = f"{os.getloadavg()[0]:.1f}"
    ROWS.append((work, f"{fa2:.2f} {unit}", f"{floor_label} {floor:.2f} {unit}", ratio, goal, load))
    print(
        f"  {work}: fa2 {fa2:.3f} {unit}, {floor_label} {floor:.3f} {unit}, {ratio} "
        f"(goal {goal}; load {load})"
    )
    if not ok:
        print(f"  !! {work}: answers differ from the floor", file=sys.stderr)
        raise SystemExit(1)


def raw_logs_count(path: Path) -> list[str]:
    code = (
        "import duckdb; con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
        'print(con.sql("SELECT count(*) FROM read_json('
        f"'{path}', format='newline_delimited', columns={LOG_COLUMNS}) "
        "WHERE message LIKE '%ERROR%'\").fetchall()[0][0])"
    )
    return [sys.executable, "-c", code]


def logs_query(bundle: Path, query: str) -> list[str]:
    return [*FA2, "query", "logs", "--bundle", str(bundle), "--format", "json", query]


def logs_value(out: str, field: str) -> str:
    return next(c["value"] for c in json.loads(out)["results"][0] if c["field"] == field)


def bench_logs(events: int, runs: int, goal: str, cache_dir: Path) -> None:
    bundle = inputs.logs_bundle(events)
    path = bundle / "logs" / "orders-put.jsonl"
    query = "filter @message like /ERROR/ | stats count(*) as errors"
    fa2, raw = median_pair(
        logs_query(bundle, query), raw_logs_count(path), runs, {"FA2_BUNDLE_CACHE": "off"}
    )
    grep = subprocess.run(["grep", "-c", "ERROR", str(path)], capture_output=True, text=True)
    same = logs_value(fa2.out, "errors") == raw.out.strip() == grep.stdout.strip()
    report(
        f"cold query logs, {events:,} events", fa2.seconds, "raw DuckDB", raw.seconds, goal, same
    )
    cached_env = {"FA2_BUNDLE_CACHE": "inline", "FA2_CACHE_DIR": str(cache_dir)}
    run(logs_query(bundle, query), cached_env)  # writes the cache
    warm, start = median_pair(
        logs_query(bundle, query), [sys.executable, "-c", "pass"], runs, cached_env
    )
    same = logs_value(warm.out, "errors") == raw.out.strip()
    report(
        f"cached query logs, {events:,} events",
        warm.seconds,
        "python -c pass",
        start.seconds,
        f"<= start + 0.3 s: {warm.seconds - start.seconds:+.2f} s",
        same,
    )


def alb_read_csv_options() -> str:
    """The read_csv options the engine uses for ALB lines (space-separated, quoted)."""
    from agent.telemetry.local.athena_tables import _ALB_EXTRA_FIELDS, _ALB_LOG_FIELDS

    names = [*_ALB_LOG_FIELDS, *(f"extra_{i}" for i in range(_ALB_EXTRA_FIELDS))]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    return (
        f"columns = {columns}, header = false, delim = ' ', quote = '\\\"', escape = '\\\"', "
        "auto_detect = false, null_padding = true, strict_mode = false"
    )


def bench_alb(lines: int, runs: int, cache_dir: Path) -> None:
    bundle = inputs.alb_bundle(lines)
    path = bundle / "alb" / "shop-alb.log"
    sql = "SELECT elb_status_code, count(*) AS n FROM alb_access_logs GROUP BY 1 ORDER BY 1"
    raw_code = (
        "import duckdb\n"
        "con = duckdb.connect()\ncon.execute('SET enable_progress_bar = false')\n"
        f'rows = con.sql("SELECT TRY_CAST(elb_status_code AS INTEGER) AS s, count(*) FROM '
        f"read_csv('{path}', {alb_read_csv_options()}) GROUP BY 1 ORDER BY 1\").fetchall()\n"
        "print(sum(n for _, n in rows), len(rows))"
    )
    fa2_command = [*FA2, "query", "sql", "--bundle", str(bundle), "--format", "json", sql]
    fa2, raw = median_pair(
        fa2_command, [sys.executable, "-c", raw_code], runs, {"FA2_BUNDLE_CACHE": "off"}
    )
    answer = json.loads(fa2.out)["ResultSet"]["Rows"][1:]
    total = sum(int(r["Data"][1]["VarCharValue"]) for r in answer)
    same = raw.out.split() == [str(total), str(len(answer))] and total == lines
    report(
        f"cold query sql, {lines:,} ALB lines",
        fa2.seconds,
        "raw DuckDB",
        raw.seconds,
        "<= 2x",
        same,
    )
    report("  its peak memory", fa2.peak_mb, "raw DuckDB", raw.peak_mb, "<= 2x", True, "MB")
    cached_env = {"FA2_BUNDLE_CACHE": "inline", "FA2_CACHE_DIR": str(cache_dir)}
    run(fa2_command, cached_env)
    warm, start = median_pair(fa2_command, [sys.executable, "-c", "pass"], runs, cached_env)
    report(
        f"cached query sql, {lines:,} ALB lines",
        warm.seconds,
        "python -c pass",
        start.seconds,
        f"<= start + 0.3 s: {warm.seconds - start.seconds:+.2f} s",
        json.loads(warm.out)["ResultSet"]["Rows"][1:] == answer,
    )


PLAIN_XRAY = """
import glob, json, sys
total = faults = 0
for path in sorted(glob.glob(sys.argv[1] + "/xray/*.json")):
    with open(path) as handle:
        for trace in json.load(handle)["Traces"]:
            documents = [json.loads(s["Document"]) for s in trace["Segments"]]
            root = next((d for d in documents if not d.get("parent_id") and not d.get("inferred")), None)
            total += 1
            faults += bool(root and root.get("fault"))
print(faults)
"""


def bench_xray(traces: int, runs: int) -> None:
    bundle = inputs.xray_bundle(traces)
    command = [*FA2, "query", "traces", "--bundle", str(bundle), "--filter", "fault"]
    fa2, plain = median_pair(command, [sys.executable, "-c", PLAIN_XRAY, str(bundle)], runs)
    shown = re.search(r"(\d+) of (\d+) rows", fa2.out)
    same = shown is not None and shown.group(2) == plain.out.strip()
    report(
        f"query traces --filter fault, {traces:,} traces",
        fa2.seconds,
        "plain parse+count",
        plain.seconds,
        "<= 3x",
        same,
    )


def bench_pattern(events: int, runs: int, cache_dir: Path) -> None:
    bundle = inputs.logs_bundle(events)
    path = bundle / "logs" / "orders-put.jsonl"
    query = "pattern @message"
    grep = ["grep", "-c", "RequestId", str(path)]
    for label, env in (
        ("cold", {"FA2_BUNDLE_CACHE": "off"}),
        ("cached", {"FA2_BUNDLE_CACHE": "inline", "FA2_CACHE_DIR": str(cache_dir)}),
    ):
        if label == "cached":
            run(logs_query(bundle, query), env)
        fa2, floor = median_pair(logs_query(bundle, query), grep, runs, env)
        rows = json.loads(fa2.out)["results"]
        counted = sum(int(c["value"]) for r in rows for c in r if c["field"] == "@sampleCount")
        report(
            f"{label} pattern @message, {events:,} events",
            fa2.seconds,
            "grep -c",
            floor.seconds,
            "<= 5x",
            counted == events,
        )


def bench_help(runs: int) -> None:
    fa2_bin = Path(sys.executable).with_name("fa2")
    command = [str(fa2_bin)] if fa2_bin.exists() else [*FA2]
    fa2, start = median_pair([*command, "--help"], [sys.executable, "-c", "pass"], runs)
    report(
        "fa2 --help (bytecode cached)",
        fa2.seconds,
        "python -c pass",
        start.seconds,
        "<= 0.2 s",
        True,
    )


SECTIONS = ("help", "logs", "alb", "xray", "pattern")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); default: every section",
    )
    args = parser.parse_args()
    only = set(args.only or SECTIONS)
    if shutil.which("grep") is None:
        print("grep is needed for the floors", file=sys.stderr)
        return 1
    size = lambda n: max(1000, int(n * SCALE))  # noqa: E731
    cache_dir = Path(tempfile.mkdtemp(prefix="fa2-bench-cache-"))
    try:
        print(f"inputs in {inputs.BENCH_DIR} (generated once); scale {SCALE:g}")
        if "help" in only:
            bench_help(args.runs)
        if "logs" in only:
            bench_logs(size(300_000), args.runs, "<= 2x", cache_dir)
            bench_logs(size(3_000_000), args.runs, "<= 1.5x", cache_dir)
        if "alb" in only:
            bench_alb(size(1_000_000), args.runs, cache_dir)
        if "xray" in only:
            bench_xray(size(20_000), args.runs)
        if "pattern" in only:
            bench_pattern(size(1_000_000), args.runs, cache_dir)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    print()
    print("| work | fa2 | floor | ratio | goal | load |\n|---|---|---|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
