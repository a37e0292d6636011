"""Slack app figures: import time of the Lambda entry module vs the full agent stack
(`python -X importtime`), and ack latency of the local server under concurrent load.

    .venv/bin/python bench/bench_slack.py [--rounds 3] [--concurrency 20]

Slack drops a request that is not acked within 3 s; the Lambda entry module's import is on
that path at every cold start, the agent stack is not (it loads in the lazy invocation).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack.conftest import make_settings, sign  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.payloads import event_callback, mention  # noqa: E402
from tests.slack.reports import ScriptedInvestigator  # noqa: E402

ENV = {
    **os.environ,
    "SLACK_BOT_TOKEN": "xoxb-bench",
    "SLACK_SIGNING_SECRET": "bench-secret",
    "FA2_CHECKPOINT_BACKEND": "memory",
}


def import_seconds(module: str, runs: int) -> tuple[float, float]:
    """Median cumulative import time of `module` (-X importtime) and median process wall time."""
    cumulative, wall = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        wall.append(time.perf_counter() - started)
        for line in done.stderr.splitlines():
            parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
            if len(parts) == 3 and parts[2] == module:
                cumulative.append(int(parts[1]) / 1e6)
    return statistics.median(cumulative), statistics.median(wall)


def ack_latencies(concurrency: int, rounds: int) -> list[float]:
    """Seconds from sending to the ack for `concurrency` simultaneous signed event callbacks."""
    from slack_app.app import create_app
    from slack_app.server import SlackServer
    from slack_app.store import SqliteStore

    fake = FakeSlack()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    settings = make_settings(
        fake,
        slack_channels=[],
        slack_signing_secret="bench-secret",
        slack_max_concurrent_per_channel=20,
    )
    executor = ThreadPoolExecutor(max_workers=4)
    app = create_app(
        settings,
        investigator=ScriptedInvestigator(),
        store=SqliteStore(":memory:"),
        work_executor=executor,
    )
    server = SlackServer(app, signing_secret="bench-secret", port=0)
    server.start_in_thread()

    def send(number: int) -> float:
        payload = event_callback(
            mention(f"C{number:09d}", "why did checkout return 5xx?", f"1772447300.{number:06d}")
        )
        body = json.dumps(payload)
        stamp = int(time.time())
        request = urllib.request.Request(
            server.url,
            data=body.encode(),
            method="POST",
            headers={
                "content-type": "application/json",
                "x-slack-request-timestamp": str(stamp),
                "x-slack-signature": sign(body, stamp, "bench-secret"),
            },
        )
        barrier.wait()
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()
            assert reply.status == 200
        return time.perf_counter() - started

    latencies: list[float] = []
    for round_number in range(rounds):
        barrier = threading.Barrier(concurrency)
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            offset = round_number * concurrency
            latencies += list(pool.map(send, range(offset, offset + concurrency)))
        time.sleep(1.0)  # let the workers drain between rounds
    server.shutdown()
    executor.shutdown(wait=True)  # the workers still talk to the stand-in Slack
    fake.shutdown()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="import measurements per module")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    print(
        "import time (median of",
        args.runs,
        "runs; cumulative -X importtime, and process wall time)",
    )
    modules = {
        "slack_app.lambda_handler": "the Slack Lambda's ack path (Bolt, settings, listeners, app built)",
        "agent.service": "the agent stack (LangGraph, langchain-aws, tools, backends)",
        "matplotlib.backends.backend_agg": "the chart renderer (loaded in the lazy invocation)",
    }
    for module, what in modules.items():
        cumulative, wall = import_seconds(module, args.runs)
        print(
            f"  {module:32s} {cumulative * 1000:6.0f} ms  (process {wall * 1000:5.0f} ms)  {what}"
        )

    latencies = sorted(ack_latencies(args.concurrency, args.rounds))
    p50 = statistics.median(latencies)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(
        f"ack latency, {args.concurrency} concurrent signed app_mention events x {args.rounds} rounds "
        f"({len(latencies)} requests, local server, 4 workers)"
    )
    print(
        f"  p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   max {latencies[-1] * 1000:6.1f} ms"
    )


if __name__ == "__main__":
    main()
