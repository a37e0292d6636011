"""data: gateway gw-7731, first to get firmware 4.2.0, starts sending gzip-compressed
payloads to the device-telemetry stream. The consumer cannot decode them
(UnicodeDecodeError on byte 0x8b), raises, and the event source mapping retries the same
batch again and again: shard 1, where gw-7731's partition key lands, stops moving and the
iterator age climbs; shard 0 is fine. A memory increase on the same function earlier is
the red herring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evals.generators.actors import TERRAFORM_PIPELINE, dashboard_poll
from evals.generators.cloudtrail import Trail, update_function_configuration
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.kinesis_consumer import KinesisRecord, KinesisShard, ShardBatch
from evals.generators.lambda_logs import LambdaLogs, plain_entry, unhandled_python_error
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, add_kinesis_consumer_metrics, count_by_minute
from evals.generators.queue_consumer import BatchResult

NAME = "kinesis-poison-record"
START, END = utc("2026-04-21T06:00:00Z"), utc("2026-04-21T06:45:00Z")
MEMORY_CHANGE = utc("2026-04-21T06:05:40Z")
FIRMWARE_AT = utc("2026-04-21T06:14:07Z")
FUNCTION = "telemetry-enricher"
BAD_GATEWAY = "gw-7731"
GATEWAYS = {
    0: ["gw-1042", "gw-2210", "gw-3385", "gw-5127", "gw-6604"],
    1: ["gw-1186", "gw-4471", BAD_GATEWAY, "gw-8093", "gw-9350"],
}
DECODE_ERROR = (
    "UnicodeDecodeError",
    "'utf-8' codec can't decode byte 0x8b in position 1: invalid start byte",
)
FRAMES = [
    ("/var/task/app.py", 42, "handler", 'readings = [decode(r) for r in event["Records"]]'),
    ("/var/task/app.py", 42, "<listcomp>", 'readings = [decode(r) for r in event["Records"]]'),
    (
        "/var/task/app.py",
        27,
        "decode",
        'return json.loads(base64.b64decode(record["kinesis"]["data"]))',
    ),
    (
        "/var/lang/lib/python3.12/json/__init__.py",
        341,
        "loads",
        "s = s.decode(detect_encoding(s), 'surrogatepass')",
    ),
]


def _reading(ids: Ids, gateway: str) -> dict[str, Any]:
    return {
        "gateway": gateway,
        "sensor": f"{gateway}-s{ids.rng.randint(1, 24):02d}",
        "temp_c": round(ids.rng.gauss(21, 4), 2),
        "gzip": gateway == BAD_GATEWAY,
    }


def _handler(batch: ShardBatch, ids: Ids) -> BatchResult:
    rng, rid, t0 = ids.rng, batch.request_id, batch.start
    first, last = batch.records[0].sequence, batch.records[-1].sequence
    lines = [
        plain_entry(
            t0,
            1.0,
            "INFO",
            rid,
            f"Received {len(batch.records)} records from {batch.shard_id} "
            f"(sequence {first}..{last})",
        )
    ]
    bad = next(
        (n for n, r in enumerate(batch.records) if r.data["gzip"] and r.arrival >= FIRMWARE_AT),
        None,
    )
    if bad is not None:
        ms = 3 + bad * 0.05 + rng.uniform(0.5, 2)
        lines.append((ms, unhandled_python_error(*DECODE_ERROR, FRAMES)))
        return BatchResult(ms + 1, lines, function_error=True, max_memory_mb=rng.randint(101, 106))
    ms = 6 + len(batch.records) * rng.uniform(0.9, 1.3)  # enrich + one BatchWriteItem per 25
    for record in batch.records:
        if record.data["temp_c"] < 12 and rng.random() < 0.3:
            lines.append(
                plain_entry(
                    t0,
                    ms / 2,
                    "WARNING",
                    rid,
                    f"Reading out of calibration range for {record.data['sensor']}: "
                    f"{record.data['temp_c']} C, flagged",
                )
            )
    lines.append(
        plain_entry(t0, ms - 1, "INFO", rid, f"Enriched and stored {len(batch.records)} readings")
    )
    return BatchResult(ms, lines, max_memory_mb=rng.randint(104, 118))


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=36),
        END,
        "telemetry-",
        ("kinesis.amazonaws.com", "DescribeStreamSummary", {"streamName": "device-telemetry"}),
    )
    update_function_configuration(
        trail,
        MEMORY_CHANGE,
        TERRAFORM_PIPELINE,
        FUNCTION,
        {"memorySize": 512},
        timeout=60,
        memory=512,
        description="Enrich device telemetry and store it",
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(FUNCTION, ids, memory_mb=256, timeout_s=60)
    shards = []
    for n in (0, 1):
        records = [
            KinesisRecord(gateway, at, _reading(ids, gateway))
            for at in arrivals(ids.rng, START, END, lambda m: 240)
            for gateway in [ids.rng.choice(GATEWAYS[n])]
        ]
        shard = KinesisShard(f"shardId-00000000000{n}", function, _handler, ids)
        shard.feed(records, START)
        shards.append(shard)
    for mark in minutes(START, END):
        if mark == MEMORY_CHANGE.replace(second=0):
            for shard in shards:
                shard.advance(MEMORY_CHANGE)
            function.memory_mb = 512  # Terraform's update: new environments with 512 MB
            function.recycle_environments()
        for shard in shards:
            shard.advance(mark + timedelta(minutes=1))
    function.last_modified = MEMORY_CHANGE
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    ages = add_kinesis_consumer_metrics(
        metrics,
        FUNCTION,
        "device-telemetry",
        ages=[a for s in shards for a in s.ages],
        invocations=sorted(c for s in shards for c in s.invocations),
        incoming=count_by_minute([r.arrival for s in shards for r in s.records]),
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = alarm_on(
        ages,
        "telemetry-iterator-age",
        "device-telemetry consumer more than a minute behind",
        namespace="AWS/Lambda",
        metric="IteratorAge",
        dimensions={"FunctionName": FUNCTION},
        threshold=60000.0,
        statistic="MAXIMUM",
        digits=0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="telemetry-enricher falling behind",
        architecture="IoT gateways (outside AWS) -> Kinesis Data Stream device-telemetry (2 "
        "shards, partition key = gateway id) -> Lambda telemetry-enricher (Python 3.12, batch "
        "size 100, MaximumRetryAttempts -1, no bisect on error) -> DynamoDB readings.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": f"From 06:14 gateway {BAD_GATEWAY} (the first on firmware 4.2.0) sends "
            "gzip-compressed payloads; telemetry-enricher cannot decode them (UnicodeDecodeError: "
            "'utf-8' codec can't decode byte 0x8b — the gzip header) and raises, and the event "
            "source mapping retries the same batch of shardId-000000000001 indefinitely. That "
            "shard stops progressing and the iterator age climbs; shard 0 is unaffected. A "
            "poison record / producer data-format change, not a capacity or code-release "
            "problem: skip the record (bisect on error, a retry limit with an on-failure "
            "destination) and fix the producer.",
            "category": "data",
            "must_mention": [
                ["UnicodeDecodeError", "0x8b", "gzip", "decode", "malformed", "poison"],
                ["shardId-000000000001", "shard", "retri", "retry", "same batch"],
            ],
            "key_evidence": [{"source": "logs", "contains": "UnicodeDecodeError"}],
            "red_herrings": [
                "Terraform's UpdateFunctionConfiguration of telemetry-enricher (memory 256 -> "
                "512 MB) at 06:05",
                "routine 'Reading out of calibration range' warnings",
            ],
            "difficulty": "hard",
        },
        tags=["holdout", "data", "kinesis", "lambda", "logs", "metrics", "cloudtrail"],
    )
