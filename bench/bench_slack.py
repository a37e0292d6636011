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
import resource
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


# --- cold start: whole processes, as Lambda runs them --------------------------------------

ANALYZE_CHILD = """
import json, sys, time, urllib.parse
from types import SimpleNamespace
started = time.perf_counter()
from slack_app.lambda_handler import handler
imported = time.perf_counter()
body = sys.stdin.read()
event = json.loads(body)
handler(event, SimpleNamespace(function_name="fa2-slack",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fa2-slack"))
print(json.dumps({"import": imported - started, "total": time.perf_counter() - started}))
"""


def _whole_process(args: list[str], env: dict[str, str], stdin: str = "") -> float:
    """CPU seconds (user + system) of one whole child process. On a shared, loaded machine wall
    time mostly measures the queue for a core; an import is CPU-bound, so its CPU time is what
    an idle Lambda core would take."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _without_bytecode(env: dict[str, str], scratch: str) -> dict[str, str]:
    """No .pyc to load (as the old bundle shipped): every module is compiled at import."""
    return {**env, "PYTHONPYCACHEPREFIX": scratch, "PYTHONDONTWRITEBYTECODE": "1"}


def ack_path_process(runs: int) -> dict[str, float]:
    """Median wall time of a fresh process importing the Lambda entry module, with and
    without bytecode (Lambda's cold start pays this before Slack's 3 s start counting)."""
    import tempfile

    compileall = [sys.executable, "-m", "compileall", "-q", "-j", "0"]
    subprocess.run([*compileall, "agent", "slack_app"], cwd=ROOT, check=True, capture_output=True)
    args = [sys.executable, "-c", "import slack_app.lambda_handler"]
    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        for label, env in (("bytecode", ENV), ("no bytecode", _without_bytecode(ENV, scratch))):
            figures[label] = statistics.median(_whole_process(args, env) for _ in range(runs))
    figures["python startup"] = statistics.median(
        _whole_process([sys.executable, "-c", "pass"], ENV) for _ in range(runs)
    )
    return figures


def cold_analyze_click(runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of a fresh process (a cold Lambda) that handles the Analyze click's
    lazy invocation: wall until the local Slack stand-in receives `views.open`, CPU of the
    whole process (which also answers users.info and views.open over loopback)."""
    from urllib.parse import urlencode

    from slack_app.contract import ACTION_IDS
    from tests.slack.payloads import button_click

    fake = FakeSlack()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    env = {**ENV, "FA2_SLACK_API_URL": fake.base_url}
    seconds = []
    for number in range(runs):
        click = button_click(
            ACTION_IDS["analyze"], f"slack-C0ALERTS01-{number}.1", channel="C0ALERTS01",
            message_ts=f"{number}.2", thread_ts=f"{number}.1",
        )  # fmt: skip
        body = urlencode({"payload": json.dumps(click)})
        stamp = int(time.time())
        event = {
            "version": "2.0",
            "headers": {
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(stamp),
                "x-slack-signature": sign(body, stamp, "bench-secret"),
                "x-slack-bolt-lazy-only": "1",
                "x-slack-bolt-lazy-function-name": "open_alarm_form",
            },
            "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
            "body": body,
            "isBase64Encoded": False,
        }
        before = len(fake.recorder.of("views.open"))
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", ANALYZE_CHILD], env=env, cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        child.stdin.write(json.dumps(event))  # type: ignore[union-attr]
        child.stdin.close()  # type: ignore[union-attr]
        fake.recorder.wait_for("views.open", before + 1, timeout=30)
        wall = time.perf_counter() - started
        child.wait(timeout=30)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
        seconds.append((wall, cpu))
    fake.shutdown()
    return seconds


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

    cold = ack_path_process(args.runs)
    print(f"whole process CPU time, median of {args.runs} (a cold start pays it before the ack)")
    print(f"  python -c pass                    {cold['python startup'] * 1000:6.0f} ms")
    for label in ("bytecode", "no bytecode"):
        print(f"  import slack_app.lambda_handler   {cold[label] * 1000:6.0f} ms  ({label})")
    clicks = cold_analyze_click(args.runs)
    wall = statistics.median(w for w, _ in clicks)
    cpu = statistics.median(c for _, c in clicks)
    print(
        "cold Analyze click (fresh process: import, lazy listener, users.info, views.open): "
        f"CPU {cpu * 1000:.0f} ms, wall to views.open {wall * 1000:.0f} ms (medians)"
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
