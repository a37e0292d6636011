"""configuration: a cost-saving change lowers thumbnailer's memory from 1024 MB to 128 MB;
once the (VPC-attached) function has applied it, large images kill the runtime. In between,
someone sets a reserved concurrency of 50 on the same function: the change closest to the
onset, and harmless (concurrency stays far below 50, no throttles)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, dashboard_poll, sso_user
from evals.generators.cloudtrail import Trail, function_arn, resource, update_function_configuration
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.knowledge import runbook
from evals.generators.lambda_logs import Invocation, LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, add_lambda_metrics, count_by_minute, mean_by_minute
from evals.generators.resources import before, config_history, config_item

NAME = "lambda-memory-downsized"
START, END = utc("2026-04-06T09:40:00Z"), utc("2026-04-06T10:25:00Z")
MEMORY_CHANGE = utc("2026-04-06T10:00:05Z")
# a VPC-attached function takes a while to apply a configuration update (LastUpdateStatus
# InProgress); new environments get 128 MB from then on
MEMORY_EFFECTIVE = MEMORY_CHANGE + timedelta(seconds=165)
CONCURRENCY_CHANGE = utc("2026-04-06T10:02:10Z")
FUNCTION = "thumbnailer"


def _memory_limit(at: datetime) -> int:
    return 1024 if at < MEMORY_EFFECTIVE else 128


def _process(function: LambdaLogs, ids: Ids, at: datetime) -> tuple[datetime, float, bool]:
    """One S3 ObjectCreated event: resize the image into three thumbnails."""
    rng = ids.rng
    rid = ids.uuid4()
    key = f"uploads/{at:%Y/%m/%d}/{ids.hex(12)}.jpg"
    size_mb = round(rng.lognormvariate(1.2, 0.7), 1)  # phone photos: ~1-15 MB
    limit = _memory_limit(at)
    needed = int(62 + size_mb * 13)
    duration = 180 + size_mb * rng.uniform(55, 75)
    lines = [
        plain_entry(
            at, 2.0, "INFO", rid, f"Processing s3://media-uploads-prod/{key} ({size_mb} MB)"
        )
    ]
    if needed > limit:
        killed_at = duration * rng.uniform(0.3, 0.6)
        lines.append(
            (
                killed_at,
                f"RequestId: {rid} Error: Runtime exited with error: signal: killed\nRuntime.ExitError\n",
            )
        )
        function.invoke(Invocation(rid, at, killed_at, lines, max_memory_mb=limit))
        # the killed environment is gone
        for env in function.environments:
            if not env.retired and env.busy_until > at:
                env.retired = True
        return at, killed_at, True
    if rng.random() < 0.03:
        lines.append(
            plain_entry(
                at, duration * 0.5, "WARNING", rid, "EXIF orientation tag missing, assuming 1"
            )
        )
    lines.append(
        plain_entry(
            at,
            duration - 2,
            "INFO",
            rid,
            f"Wrote 3 thumbnails to s3://media-thumbnails-prod/{key.replace('uploads/', 'thumbs/')}",
        )
    )
    used = min(limit, needed + rng.randint(0, 12))
    function.invoke(Invocation(rid, at, duration, lines, max_memory_mb=used))
    return at, duration, False


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    fn = [resource("AWS::Lambda::Function", function_arn(FUNCTION))]
    dashboard_poll(
        trail,
        START + timedelta(seconds=23),
        END,
        "media-",
        (
            "lambda.amazonaws.com",
            "GetFunctionConfiguration20150331v2",
            {"functionName": FUNCTION},
        ),
    )
    update_function_configuration(
        trail,
        MEMORY_CHANGE,
        TERRAFORM_PIPELINE,
        FUNCTION,
        {"memorySize": 128},
        timeout=30,
        memory=128,
        description="Resize uploaded images",
    )
    engineer = sso_user(
        "sam.o@example.com", cli_command="lambda.put-function-concurrency", ip="198.51.100.31"
    )
    trail.call(
        CONCURRENCY_CHANGE,
        engineer,
        "lambda.amazonaws.com",
        "PutFunctionConcurrency20171031",
        read_only=False,
        request={"functionName": FUNCTION, "reservedConcurrentExecutions": 50},
        response={"reservedConcurrentExecutions": 50},
        resources=fn,
    )
    return trail


def _config_history(writer: BundleWriter) -> None:
    """What AWS Config recorded of the function: 1024 MB since the last deploy, 128 MB
    from Terraform's change (captured a few seconds after it)."""
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"

    def state(memory: int, modified: datetime) -> dict[str, object]:
        return {
            "functionName": FUNCTION,
            "runtime": "python3.12",
            "memorySize": memory,
            "timeout": 30,
            "lastModified": modified.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        }

    deployed = before(START)
    items = [
        config_item("AWS::Lambda::Function", FUNCTION, deployed, state(1024, deployed), arn=arn),
        config_item(
            "AWS::Lambda::Function",
            FUNCTION,
            MEMORY_CHANGE + timedelta(seconds=41),
            state(128, MEMORY_CHANGE),
            arn=arn,
        ),
    ]
    config_history(writer, FUNCTION, items)


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(FUNCTION, ids, memory_mb=1024, runtime="python3.12", timeout_s=30)
    calls = []
    recycled = False
    for at in arrivals(ids.rng, START, END, lambda m: 30):
        if not recycled and at >= MEMORY_EFFECTIVE:
            function.recycle_environments()
            function.memory_mb = 128
            recycled = True
        calls.append(_process(function, ids, at))
    function.last_modified = MEMORY_CHANGE
    function.write(writer)
    _config_history(writer)
    metrics = MetricFile(marks=minutes(START, END))
    f = {"FunctionName": FUNCTION}
    errors = count_by_minute([c[0] for c in calls if c[2]])
    add_lambda_metrics(metrics, FUNCTION, calls)
    concurrency = {
        m: max(1.0, round(v * 30 / 60_000, 1))
        for m, v in mean_by_minute([(c[0], c[1]) for c in calls]).items()
    }
    metrics.add("AWS/Lambda", "ConcurrentExecutions", f, concurrency, statistic="Maximum")
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = alarm_on(
        errors,
        "thumbnailer-errors",
        "Errors in thumbnailer",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": FUNCTION},
        threshold=5.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))
    runbook(writer, "thumbnailer", RUNBOOK)
    runbook(writer, "lambda-timeouts", GENERIC_RUNBOOK)


# The team's runbook for this function (its title names it) and a generic one that shares
# words with the incident but names neither the alarm nor the function.
RUNBOOK = """
# thumbnailer: errors and killed invocations

The thumbnailer resizes every upload to the media bucket; `thumbnailer-errors` fires when
more than a few invocations fail in a minute.

## Diagnose
1. Read the REPORT lines: `Max Memory Used` equal to `Memory Size` means the function ran out
   of memory (`Runtime exited with error: signal: killed`).
2. Check CloudTrail for `UpdateFunctionConfiguration` on thumbnailer (memorySize, timeout).

## Mitigate
1. Set thumbnailer's memory back to 1024 MB (`aws lambda update-function-configuration --function-name thumbnailer --memory-size 1024`); images over 5 MB need it.
2. Re-drive the failed S3 events from the DLQ once the errors stop.
"""

GENERIC_RUNBOOK = """
# Lambda timeouts

## Mitigate
1. Raise the function timeout only after checking the downstream latency; a timeout hides a
   slow dependency.
"""


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="thumbnailer errors",
        architecture="S3 bucket media-uploads-prod (ObjectCreated) -> Lambda thumbnailer (Python "
        "3.12, Pillow, VPC-attached) -> S3 bucket media-thumbnails-prod. Configuration managed by "
        "Terraform.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Terraform's UpdateFunctionConfiguration at 10:00:05 lowered thumbnailer's "
            "memory from 1024 MB to 128 MB (applied ~10:02:50, the function is VPC-attached); every "
            "image over ~5 MB now exhausts the memory (Max "
            "Memory Used 128 MB, 'Runtime exited with error: signal: killed'). Restore 1024 MB.",
            "categories": ["configuration", "resource-exhaustion"],
            "must_mention": [
                ["memorySize", "128", "memory"],
                ["UpdateFunctionConfiguration", "1024", "lowered", "reduced"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "signal: killed"},
                {"source": "cloudtrail", "contains": "memorySize"},
            ],
            "red_herrings": [
                "PutFunctionConcurrency (reserved concurrency 50) on the same function at 10:02:10, "
                "the change closest to the onset; concurrency stays far below 50 and Throttles is 0",
            ],
            "difficulty": "hard",
        },
        tags=["configuration", "lambda", "s3", "logs", "cloudtrail", "two-changes"],
    )
