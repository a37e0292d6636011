"""dependency, with thin evidence: the invoice-renderer Lambda times out after 30 s because
the external PDF rendering API it calls has slowed down. The bundle holds only the
function's terse logs and metrics: no X-Ray, no CloudTrail, no load balancer. The logs say
which host is called and how long rendering took; nothing says "error" but the timeouts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import Invocation, LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, add_lambda_metrics, max_by_minute

NAME = "invoice-renderer-thin-evidence"
START, END = utc("2026-04-14T02:00:00Z"), utc("2026-04-14T02:45:00Z")
SLOW = utc("2026-04-14T02:13:00Z")
RENDERER = "render.pdfgen.example.com"


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    rng = ids.rng
    fn = LambdaLogs("invoice-renderer", ids, memory_mb=1024, timeout_s=30.0)
    invocations: list[tuple[datetime, float, bool]] = []
    ages: list[tuple[datetime, float]] = []
    for at in arrivals(rng, START, END, lambda m: 14):
        request_id = ids.uuid4()
        invoice = f"INV-{rng.randint(2026000, 2026999)}"
        render_ms = rng.lognormvariate(6.7, 0.3) if at < SLOW else rng.lognormvariate(10.1, 0.35)
        lines = [
            plain_entry(at, 3, "INFO", request_id, f"rendering {invoice} (3 pages) via {RENDERER}"),
        ]
        timed_out = render_ms + 140 > 30_000
        if timed_out:
            duration = 30_000 + rng.uniform(10, 40)
        else:
            duration = render_ms + rng.uniform(90, 180)
            lines.append(
                plain_entry(
                    at, render_ms + 20, "INFO", request_id, f"pdf rendered in {render_ms:.0f} ms"
                )
            )
            lines.append(
                plain_entry(
                    at, duration - 5, "INFO", request_id, f"stored s3://invoices-prod/{invoice}.pdf"
                )
            )
        fn.invoke(
            Invocation(
                request_id,
                at,
                round(duration, 2),
                lines,
                max_memory_mb=rng.randint(180, 230),
                timed_out=timed_out,
            )
        )
        invocations.append((at, duration, timed_out))
        ages.append(
            (
                at,
                40.0
                if at < SLOW + timedelta(minutes=3)
                else 40.0 + (at - SLOW).total_seconds() * 0.6,
            )
        )
    fn.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    add_lambda_metrics(metrics, "invoice-renderer", invocations)
    metrics.add(
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        {"QueueName": "invoices-to-render"},
        max_by_minute(ages),
        unit="Seconds",
        statistic="Maximum",
    )
    metrics.write(writer)
    errors: dict[datetime, float] = {}
    for at, _, failed in invocations:
        if failed:
            minute = at.replace(second=0, microsecond=0)
            errors[minute] = errors.get(minute, 0.0) + 1
    fired = alarm_on(
        errors,
        "invoice-renderer-errors",
        "invoice-renderer errors",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": "invoice-renderer"},
        threshold=5.0,
    )
    writer.manifest(_manifest(fired))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="invoice-renderer errors",
        architecture="SQS queue invoices-to-render -> Lambda invoice-renderer (Python 3.12, "
        "1024 MB, 30 s timeout) -> the external PDF rendering API and S3 bucket invoices-prod.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"The external PDF rendering API ({RENDERER}) slowed down from ~02:13 "
            "(renders of ~1 s now take 20-40 s), so most invocations hit the 30 s Lambda "
            "timeout; memory and the function itself are unchanged. Evidence is thin: no traces "
            "or change history, only the log lines around the call.",
            "categories": ["dependency"],
            "must_mention": [
                ["pdfgen", "rendering API", "renderer", "PDF", "external", "third-party"],
                ["timed out", "timeout", "slow"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "Task timed out"},
                {"source": "logs", "contains": "pdf rendered in"},
            ],
            "red_herrings": [
                "the SQS queue's age of oldest message rising (a consequence)",
                "raising the Lambda timeout or memory (the renderer is slow, not the function)",
            ],
            "difficulty": "hard",
        },
        tags=["dependency", "thin-evidence", "lambda", "sqs", "logs", "holdout"],
    )
