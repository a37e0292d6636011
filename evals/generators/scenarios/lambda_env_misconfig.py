"""configuration: an engineer edits payment-notifier's environment variables in the
console and mistypes the partner webhook host; every call fails with ENOTFOUND. The
variables are hidden in CloudTrail, so the link is the timing. A queue retention change
by Terraform a few minutes earlier is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, dashboard_poll, sso_user
from evals.generators.cloudtrail import Trail, function_arn, resource, update_function_configuration
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import LambdaLogs, node_info_line, node_invoke_error
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, count_by_minute
from evals.generators.queue_consumer import Batch, BatchResult, SqsConsumer

NAME = "lambda-env-misconfig"
START, END = utc("2026-03-12T16:00:00Z"), utc("2026-03-12T16:45:00Z")
RETENTION_CHANGE = utc("2026-03-12T16:03:27Z")
ENV_CHANGE = utc("2026-03-12T16:09:31Z")
BAD_HOST = "hooks.partner-pay.exmaple.com"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/payment-events"


def _invoke_error(at: datetime, request_id: str) -> str:
    """The Node.js runtime's line for an error the handler did not catch."""
    payload = {
        "errorType": "Error",
        "errorMessage": f"getaddrinfo ENOTFOUND {BAD_HOST}",
        "code": "ENOTFOUND",
        "errno": -3008,
        "syscall": "getaddrinfo",
        "hostname": BAD_HOST,
        "stack": [
            f"Error: getaddrinfo ENOTFOUND {BAD_HOST}",
            "    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)",
        ],
    }
    return node_invoke_error(at, request_id, payload)


class Notifier:
    """payment-notifier: POSTs each payment to the partner's webhook."""

    def __init__(self, function: LambdaLogs) -> None:
        self.function = function

    def __call__(self, batch: Batch, ids: Ids) -> BatchResult:
        rng, rid, t0 = ids.rng, batch.request_id, batch.start
        # environments started after the change read the new (wrong) variable
        stream_born = self._environment_start(t0)
        if stream_born is not None and stream_born >= ENV_CHANGE:
            elapsed = rng.uniform(4, 30)
            return BatchResult(
                elapsed + 1,
                [(elapsed, _invoke_error(t0 + timedelta(milliseconds=elapsed), rid))],
                function_error=True,
                max_memory_mb=rng.randint(78, 84),
            )
        lines, elapsed = [], 2.0
        for message in batch.messages:
            body = message.body
            call_ms = rng.uniform(90, 210)
            elapsed += call_ms
            if rng.random() < 0.02:
                lines.append(
                    (
                        elapsed,
                        node_info_line(
                            t0 + timedelta(milliseconds=elapsed),
                            rid,
                            f"WARN partner responded 429 for payment {body['paymentId']}, retrying in 200 ms",
                        ),
                    )
                )
                elapsed += 200 + rng.uniform(90, 160)
            lines.append(
                (
                    elapsed,
                    node_info_line(
                        t0 + timedelta(milliseconds=elapsed),
                        rid,
                        f"notified partner for payment {body['paymentId']} (200 in {call_ms:.0f} ms)",
                    ),
                )
            )
        return BatchResult(elapsed + 2, lines, max_memory_mb=rng.randint(80, 92))

    def _environment_start(self, at: datetime) -> datetime | None:
        """When the environment that will serve `at` was created (None: a new one)."""
        for env, born in zip(self.function.environments, self.function.cold_starts, strict=True):
            if not env.retired and env.busy_until <= at:
                return born
        return at


def _trail(ids: Ids, function: LambdaLogs) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=29),
        END,
        "payments-",
        ("lambda.amazonaws.com", "ListFunctions20150331", {"maxItems": 50}),
    )
    trail.call(
        RETENTION_CHANGE,
        TERRAFORM_PIPELINE,
        "sqs.amazonaws.com",
        "SetQueueAttributes",
        read_only=False,
        request={"queueUrl": QUEUE_URL, "attributes": {"MessageRetentionPeriod": "1209600"}},
        response=None,
    )
    engineer = sso_user("tom.h@example.com", ip="198.51.100.140")
    target = [resource("AWS::Lambda::Function", function_arn("payment-notifier"))]
    trail.call(
        ENV_CHANGE - timedelta(seconds=48),
        engineer,
        "lambda.amazonaws.com",
        "GetFunctionConfiguration20150331v2",
        read_only=True,
        request={"functionName": "payment-notifier"},
        resources=target,
    )
    hidden = {"variables": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    update_function_configuration(
        trail,
        ENV_CHANGE,
        engineer,
        "payment-notifier",
        {"environment": hidden},
        timeout=30,
        memory=256,
        runtime="nodejs20.x",
        handler="index.handler",
        description="Notify the payment partner",
        extra={"environment": hidden},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(
        "payment-notifier", ids, memory_mb=256, runtime="nodejs20.x", timeout_s=30
    )
    consumer = SqsConsumer("payment-events", function, Notifier(function), ids, batch_size=5)
    sends = [
        (at, {"paymentId": f"pay_{ids.alnum(14)}"})
        for at in arrivals(ids.rng, START, END, lambda m: 22)
    ]
    # the console save publishes new configuration: running environments are replaced
    first = [(at, body) for at, body in sends if at < ENV_CHANGE]
    consumer.run(first, START, ENV_CHANGE)
    function.recycle_environments()
    consumer.run([(at, body) for at, body in sends if at >= ENV_CHANGE], ENV_CHANGE, END)
    consumer.sent = [at for at, _ in sends]
    function.last_modified = ENV_CHANGE
    function.environment = ("PARTNER_WEBHOOK_URL", "PARTNER_API_KEY_SECRET_ARN", "LOG_LEVEL")
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    consumer.write_metrics(metrics, dlq="payment-events-dlq")
    consumer.write_resources(writer, "payment-events-dlq")
    metrics.write(writer)
    _trail(ids, function).write(writer)
    errors = count_by_minute([p[0] for p in consumer.invocations if p[2]])
    fired_alarm = alarm_on(
        errors,
        "payment-notifier-errors",
        "Errors in payment-notifier",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": "payment-notifier"},
        threshold=5.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="payment-notifier errors",
        architecture="SQS queue payment-events -> Lambda payment-notifier (Node.js 20, batch "
        "size 5) -> HTTPS webhook of the payment partner (host from the environment variable "
        "PARTNER_WEBHOOK_URL). Failed batches retry; after 3 receives messages go to "
        "payment-events-dlq.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "At 16:09:31 an engineer changed payment-notifier's environment "
            "variables in the console (UpdateFunctionConfiguration); the new partner webhook "
            f"host is misspelled ({BAD_HOST}), so every invocation fails with getaddrinfo "
            "ENOTFOUND and the batches retry into the DLQ. Restore the previous "
            "PARTNER_WEBHOOK_URL.",
            "category": "configuration",
            "must_mention": [
                ["ENOTFOUND", "getaddrinfo", "DNS"],
                ["UpdateFunctionConfiguration", "environment variable", "configuration change"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "ENOTFOUND"},
                {"source": "cloudtrail", "contains": "UpdateFunctionConfiguration"},
            ],
            "red_herrings": [
                "Terraform's SetQueueAttributes on payment-events (retention 4 -> 14 days) at "
                "16:03",
                "occasional partner 429 responses that are retried successfully",
            ],
            "difficulty": "medium",
        },
        tags=["configuration", "sqs", "lambda", "logs", "cloudtrail"],
    )
