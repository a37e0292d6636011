"""data: one tenant's invoices start arriving with a locale-formatted amount ("1.234,50");
the SQS consumer cannot parse them, retries them three times and dead-letters them.
Everything is in the function's logs; an S3 connection-pool warning is the red herring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile
from evals.generators.queue_consumer import Batch, BatchResult, SqsConsumer

NAME = "sqs-poison-message"
START, END = utc("2026-03-11T08:00:00Z"), utc("2026-03-11T08:45:00Z")
BAD_FROM = utc("2026-03-11T08:11:20Z")
TENANTS = ["acme-de", "globex-us", "initech-uk", "umbrella-fr", "hooli-us", "stark-us"]
POOL_WARNING_AT = (utc("2026-03-11T08:04:30Z"), utc("2026-03-11T08:07:10Z"))


def _body(ids: Ids, at: datetime) -> dict[str, Any]:
    tenant = ids.rng.choice(TENANTS)
    cents = ids.rng.randint(1500, 480000)
    amount = f"{cents / 100:.2f}"
    if tenant == "acme-de" and at >= BAD_FROM:
        # billing-export's new release formats amounts with the tenant's locale
        euros, rest = divmod(cents, 100)
        amount = f"{euros:,}".replace(",", ".") + f",{rest:02d}"
    return {
        "invoiceId": f"inv-{ids.upper_alnum(8)}",
        "tenant": tenant,
        "amount": amount,
        "currency": "EUR" if tenant.endswith(("-de", "-fr")) else "USD",
        "lines": ids.rng.randint(1, 12),
        "source": "billing-export",
    }


def handler(batch: Batch, ids: Ids) -> BatchResult:
    rng = ids.rng
    rid, t0 = batch.request_id, batch.start

    lines = [
        plain_entry(t0, 1.0, "INFO", rid, f"Processing batch of {len(batch.messages)} messages")
    ]
    elapsed, failed = 3.0, []
    for message in batch.messages:
        body = message.body
        elapsed += rng.uniform(18, 45)
        if POOL_WARNING_AT[0] <= t0 < POOL_WARNING_AT[1] and rng.random() < 0.3:
            lines.append(
                plain_entry(
                    t0,
                    elapsed,
                    "WARNING",
                    rid,
                    "Connection pool is full, discarding connection: "
                    "invoice-archive-prod.s3.amazonaws.com. Connection pool size: 10",
                )
            )
        if "," in body["amount"]:
            failed.append(message.message_id)
            lines.append(
                plain_entry(
                    t0,
                    elapsed,
                    "ERROR",
                    rid,
                    f"Failed to process message {message.message_id} "
                    f"(invoice {body['invoiceId']}, tenant {body['tenant']}, receive count "
                    f"{message.receive_count}): InvalidOperation: "
                    "[<class 'decimal.ConversionSyntax'>] while parsing field 'amount' "
                    f"value '{body['amount']}'",
                )
            )
            continue
        lines.append(
            plain_entry(
                t0,
                elapsed,
                "INFO",
                rid,
                f"Stored invoice {body['invoiceId']} for {body['tenant']} "
                f"({body['lines']} lines, {body['amount']} {body['currency']})",
            )
        )
    elapsed += 2
    lines.append(
        plain_entry(
            t0,
            elapsed,
            "INFO",
            rid,
            f"Batch done: processed={len(batch.messages) - len(failed)} failed={len(failed)}",
        )
    )
    return BatchResult(elapsed + 1, lines, failed, max_memory_mb=rng.randint(118, 131))


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs("invoice-writer", ids, memory_mb=256, runtime="python3.12", timeout_s=60)
    consumer = SqsConsumer("invoice-events", function, handler, ids)
    sends = [(at, _body(ids, at)) for at in arrivals(ids.rng, START, END, lambda m: 38)]
    consumer.run(sends, START, END)
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    consumer.write_metrics(metrics, dlq="invoice-events-dlq")
    consumer.write_resources(writer, "invoice-events-dlq")
    metrics.write(writer)
    dlq = next(s for s in metrics.series["AWS/SQS"] if s["Dimensions"][0]["Value"].endswith("dlq"))
    values = {utc(t): v for t, v in zip(dlq["Timestamps"], dlq["Values"], strict=True)}
    fired_alarm = alarm_on(
        values,
        "invoice-events-dlq-not-empty",
        "Messages in the invoice DLQ",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": "invoice-events-dlq"},
        threshold=10.0,
        statistic="MAXIMUM",
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="Invoices piling up in the dead-letter queue",
        architecture="Producer billing-export (another team's account) -> SQS queue "
        "invoice-events (redrive to invoice-events-dlq after 3 receives) -> Lambda "
        "invoice-writer (Python, batch size 10, ReportBatchItemFailures) -> S3 archive.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Since 08:11 the producer sends invoices of tenant acme-de with the "
            "amount formatted for the German locale (e.g. '1.234,50'); invoice-writer fails to "
            "parse them (decimal.InvalidOperation / ConversionSyntax), they are retried three "
            "times and moved to the DLQ. A data/contract problem upstream, not an "
            "infrastructure fault.",
            "category": "data",
            "must_mention": [
                ["InvalidOperation", "ConversionSyntax", "parse", "pars"],
                ["amount", "acme-de", "locale", "1.234"],
            ],
            "key_evidence": [{"source": "logs", "contains": "ConversionSyntax"}],
            "red_herrings": ["urllib3 'Connection pool is full' warnings for S3 at 08:04-08:07"],
            "difficulty": "medium",
        },
        tags=["data", "sqs", "lambda", "logs-only", "dlq"],
    )
