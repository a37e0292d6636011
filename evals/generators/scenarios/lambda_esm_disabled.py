"""configuration: a Terraform run for another stack flips the event source mapping of
shipment-sync to disabled. Nothing errors: the function simply stops being invoked, and
shipment-updates' backlog and oldest-message age grow until the alarm fires. CloudTrail's
UpdateEventSourceMapping names only the mapping's UUID; ListEventSourceMappings ties it to
the queue and the function and says Disabled. A queue tag change is the red herring."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, sso_user
from evals.generators.cloudtrail import Trail
from evals.generators.common import (
    ACCOUNT_ID,
    BundleWriter,
    Ids,
    arrivals,
    minutes,
    seeded_rng,
    utc,
)
from evals.generators.lambda_logs import LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile
from evals.generators.queue_consumer import Batch, BatchResult, Message, SqsConsumer

NAME = "lambda-esm-disabled"
START, END = utc("2026-04-28T10:00:00Z"), utc("2026-04-28T10:45:00Z")
TAGGED = utc("2026-04-28T10:03:51Z")
DISABLED = utc("2026-04-28T10:07:18Z")
QUEUE, DLQ, FUNCTION = "shipment-updates", "shipment-updates-dlq", "shipment-sync"
MAPPING = str(uuid.uuid5(uuid.NAMESPACE_URL, f"esm/{QUEUE}"))  # as write_resources names it
QUEUE_URL = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT_ID}/{QUEUE}"


class StoppedConsumer(SqsConsumer):
    """Lambda's pollers stop when the mapping is disabled: messages stay in the queue."""

    def _invoke(self, chunk: list[Message], at: datetime, queue: list[Message]) -> None:
        if at >= DISABLED:
            return
        super()._invoke(chunk, at, queue)


def _body(ids: Ids, at: datetime) -> dict[str, Any]:
    return {
        "shipmentId": f"shp-{ids.upper_alnum(9)}",
        "status": ids.rng.choice(["PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]),
        "carrier": ids.rng.choice(["dhl", "ups", "colissimo"]),
    }


def handler(batch: Batch, ids: Ids) -> BatchResult:
    rng, rid, t0 = ids.rng, batch.request_id, batch.start
    lines = [plain_entry(t0, 1.0, "INFO", rid, f"Syncing {len(batch.messages)} shipment updates")]
    elapsed = 2.0
    for message in batch.messages:
        elapsed += rng.uniform(15, 40)
        body = message.body
        lines.append(
            plain_entry(
                t0, elapsed, "INFO", rid, f"Shipment {body['shipmentId']} -> {body['status']}"
            )
        )
    return BatchResult(elapsed + 2, lines, max_memory_mb=rng.randint(101, 109))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    ops = sso_user("nina.p@example.com", cli_command="sqs.tag-queue", ip="198.51.100.58")
    trail.call(
        TAGGED,
        ops,
        "sqs.amazonaws.com",
        "TagQueue",
        read_only=False,
        request={"queueUrl": QUEUE_URL, "tags": {"cost-center": "logistics-42"}},
    )
    trail.call(
        DISABLED,
        TERRAFORM_PIPELINE,
        "lambda.amazonaws.com",
        "UpdateEventSourceMapping20150331",
        read_only=False,
        request={"uUID": MAPPING, "enabled": False},
        response={"uUID": MAPPING, "state": "Disabling", "batchSize": 10},
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(FUNCTION, ids, memory_mb=256, runtime="python3.12", timeout_s=30)
    consumer = StoppedConsumer(QUEUE, function, handler, ids)
    sends = [(at, _body(ids, at)) for at in arrivals(ids.rng, START, END, lambda m: 26)]
    consumer.run(sends, START, END)
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    consumer.write_metrics(metrics)
    metrics.write(writer)
    _trail(ids).write(writer)
    consumer.write_resources(
        writer,
        DLQ,
        mapping_state="Disabled",
        mapping_reason="USER_INITIATED",
        mapping_modified=DISABLED + timedelta(seconds=4),
    )
    age = next(
        s for s in metrics.series["AWS/SQS"] if s["MetricName"] == "ApproximateAgeOfOldestMessage"
    )
    values = {utc(t): v for t, v in zip(age["Timestamps"], age["Values"], strict=True)}
    fired = alarm_on(
        values,
        "shipment-updates-oldest-message-age",
        "Shipment updates waiting too long",
        namespace="AWS/SQS",
        metric="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": QUEUE},
        threshold=300.0,
        statistic="MAXIMUM",
    )
    writer.manifest(
        manifest(
            title="Shipment updates not processed",
            architecture="Carriers' webhooks -> SQS queue shipment-updates -> Lambda "
            "shipment-sync (event source mapping, batch size 10) -> the orders database.",
            alarm=fired,
            start=START,
            end=END,
            ground_truth={
                "root_cause": "At 10:07:18 a Terraform run disabled the event source mapping "
                f"{MAPPING} (UpdateEventSourceMapping, enabled=false; CloudTrail names only the "
                "UUID). ListEventSourceMappings shows it is the SQS trigger from "
                "shipment-updates to shipment-sync, now Disabled: the function is no longer "
                "invoked, so messages pile up and the oldest message's age grows.",
                "categories": ["configuration", "deployment"],
                "must_mention": [
                    ["event source mapping", "trigger", MAPPING],
                    ["disabled"],
                ],
                "key_evidence": [{"source": "resources", "contains": "Disabled"}],
                "red_herrings": ["the TagQueue on shipment-updates at 10:03 (a cost tag)"],
                "difficulty": "medium",
            },
            tags=["configuration", "sqs", "lambda", "resources", "no-errors"],
            version=2,
        )
    )
    writer.readme(readme_beside(__file__))
