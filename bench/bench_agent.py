"""Per investigation on the demo bundle with the baseline model: steps, tool calls, characters
of tool output sent to the model, and where the wall time goes (queries, model, the rest:
graph, checkpointing, evidence and rendering). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_agent.py [--runs N] [--bundle DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from agent.alarm import incident_from_bundle
from agent.config import load_settings
from agent.report.markdown import render_markdown
from agent.service import ask, build_backend, investigate
from agent.telemetry.bundle import load_bundle

DEMO = Path(__file__).resolve().parent.parent / "evals" / "scenarios" / "dynamodb-throttling"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bundle", type=Path, default=DEMO)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            model="baseline",
            bundle=args.bundle,
            checkpoint_backend="sqlite",
            checkpoint_path=Path(tmp) / "b.sqlite",
        )
        began = time.perf_counter()
        backend = build_backend(settings)
        incident = incident_from_bundle(load_bundle(args.bundle), settings)
        setup = time.perf_counter() - began
        print(f"bundle {args.bundle.name}: backend + incident ready in {setup:.2f} s")
        print(
            f"{'run':>3} {'steps':>5} {'calls':>5} {'chars':>7} {'wall s':>7} {'query s':>8} {'model s':>8} {'other s':>8} {'render ms':>9}"
        )
        walls, others = [], []
        thread = None
        for run in range(1, args.runs + 1):
            report = investigate(incident, settings=settings, backend=backend)
            t0 = time.perf_counter()
            render_markdown(report)
            render_ms = (time.perf_counter() - t0) * 1000
            u = report.usage
            # queries of one turn overlap: summed query time can exceed the wall time, so the
            # time outside model and queries comes from merged busy intervals
            other = u.overhead_seconds
            walls.append(u.wall_seconds)
            others.append(other)
            thread = report.thread_id
            print(
                f"{run:>3} {u.steps:>5} {u.tool_calls:>5} {u.observation_chars:>7} {u.wall_seconds:>7.2f} "
                f"{u.query_seconds:>8.2f} {u.model_seconds:>8.3f} {other:>8.2f} {render_ms:>9.1f}"
            )
        print(
            f"median wall {statistics.median(walls):.2f} s; median outside model and queries {statistics.median(others):.2f} s"
        )
        if thread:
            t0 = time.perf_counter()
            follow = ask(
                thread,
                "Which requests hit ProvisionedThroughputExceededException?",
                settings=settings,
                backend=backend,
            )
            print(
                f"follow-up: {follow.usage.steps} step(s), {follow.usage.tool_calls} tool call(s), "
                f"{follow.usage.observation_chars} chars, {time.perf_counter() - t0:.2f} s (checkpoint reload included)"
            )


if __name__ == "__main__":
    main()
