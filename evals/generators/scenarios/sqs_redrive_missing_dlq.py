"""configuration: order-events' redrive policy still names order-events-dlq, which a
clean-up script deleted last week. Messages that keep failing (one marketplace's orders
without a postcode) are never moved out: they come back every visibility timeout, their
receive count climbs far past maxReceiveCount, and the queue's oldest message ages until
the alarm fires. Only the queue's attributes and the DLQ's NonExistentQueue show why."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile
from evals.generators.queue_consumer import Batch, BatchResult, SqsConsumer

NAME = "sqs-redrive-missing-dlq"
START, END = utc("2026-04-14T13:00:00Z"), utc("2026-04-14T13:45:00Z")
BAD_FROM = utc("2026-04-14T13:06:00Z")
QUEUE, DLQ, FUNCTION = "order-events", "order-events-dlq", "order-fulfiller"
MAX_RECEIVE_COUNT = 5  # what the redrive policy says; nothing is ever moved
MARKETPLACES = ["web", "ios", "android", "partner-zalo", "partner-kite"]


def _body(ids: Ids, at: datetime) -> dict[str, Any]:
    market = ids.rng.choice(MARKETPLACES)
    address: dict[str, Any] = {
        "city": "Lyon",
        "country": "FR",
        "postcode": f"690{ids.rng.randint(10, 99)}",
    }
    if market == "partner-kite" and at >= BAD_FROM:
        del address["postcode"]  # the partner's new export drops the field
    return {"orderId": f"ord-{ids.upper_alnum(10)}", "marketplace": market, "address": address}


def handler(batch: Batch, ids: Ids) -> BatchResult:
    rng, rid, t0 = ids.rng, batch.request_id, batch.start
    lines = [plain_entry(t0, 1.0, "INFO", rid, f"Fulfilling {len(batch.messages)} order events")]
    elapsed, failed = 2.0, []
    for message in batch.messages:
        body = message.body
        elapsed += rng.uniform(25, 60)
        if "postcode" not in body["address"]:
            failed.append(message.message_id)
            lines.append(
                plain_entry(
                    t0,
                    elapsed,
                    "ERROR",
                    rid,
                    f"Order {body['orderId']} ({body['marketplace']}) rejected by carrier API: "
                    f"400 address.postcode is required; message {message.message_id} "
                    f"receive count {message.receive_count}, returned to the queue",
                )
            )
            continue
        lines.append(
            plain_entry(t0, elapsed, "INFO", rid, f"Order {body['orderId']} booked with carrier")
        )
    lines.append(plain_entry(t0, elapsed + 2, "INFO", rid, f"Batch done: failed={len(failed)}"))
    return BatchResult(elapsed + 3, lines, failed, max_memory_mb=rng.randint(140, 152))


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(FUNCTION, ids, memory_mb=512, runtime="python3.12", timeout_s=30)
    consumer = SqsConsumer(
        QUEUE,
        function,
        handler,
        ids,
        visibility_timeout=timedelta(seconds=90),
        max_receive_count=10**6,  # the DLQ is gone: SQS has nowhere to move them
    )
    sends = [(at, _body(ids, at)) for at in arrivals(ids.rng, START, END, lambda m: 30)]
    consumer.run(sends, START, END)
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    consumer.write_metrics(metrics)
    metrics.write(writer)
    consumer.max_receive_count = MAX_RECEIVE_COUNT  # as the redrive policy states it
    consumer.write_resources(writer, DLQ, dlq_exists=False)
    age = next(
        s for s in metrics.series["AWS/SQS"] if s["MetricName"] == "ApproximateAgeOfOldestMessage"
    )
    values = {utc(t): v for t, v in zip(age["Timestamps"], age["Values"], strict=True)}
    fired = alarm_on(
        values,
        "order-events-oldest-message-age",
        "Order events waiting too long",
        namespace="AWS/SQS",
        metric="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": QUEUE},
        threshold=600.0,
        statistic="MAXIMUM",
    )
    writer.manifest(
        manifest(
            title="Order events ageing in the queue",
            architecture="Shop front ends and partners -> SQS queue order-events (redrive "
            "policy: order-events-dlq after 5 receives) -> Lambda order-fulfiller (Python, "
            "batch size 10, ReportBatchItemFailures) -> carrier API.",
            alarm=fired,
            start=START,
            end=END,
            ground_truth={
                "root_cause": "The redrive policy of order-events names the dead-letter queue "
                "order-events-dlq, which no longer exists (GetQueueAttributes on it: "
                "AWS.SimpleQueueService.NonExistentQueue). Order events that always fail "
                "(partner-kite orders without a postcode since 13:06) are never moved out after "
                "5 receives: they return every 90 s, receive counts climb past 5, and the "
                "oldest message's age grows until the alarm fires.",
                "categories": ["configuration"],
                "must_mention": [
                    ["order-events-dlq", "dead-letter", "DLQ", "redrive"],
                    ["does not exist", "NonExistentQueue", "missing", "deleted"],
                ],
                "key_evidence": [{"source": "resources", "contains": "deadLetterTargetArn"}],
                "red_herrings": [
                    "the carrier API's 400 for partner-kite orders (the messages that should "
                    "have gone to the DLQ, not why they stay)"
                ],
                "difficulty": "hard",
            },
            tags=["configuration", "sqs", "lambda", "resources", "dlq"],
            version=2,
        )
    )
    writer.readme(readme_beside(__file__))
