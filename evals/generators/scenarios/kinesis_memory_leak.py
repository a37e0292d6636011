"""resource-exhaustion: clickstream-aggregator keeps every session it has seen in a
module-level dict, so a warm environment's memory grows with each record. At night it is
recycled before it fills up; with the morning traffic it runs out of its 512 MB within
minutes, the batch is retried from the same position, and the iterator age climbs. Only
the function's logs (REPORT lines) show it. Late-event warnings are the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import BundleWriter, Ids, minutes, seeded_rng, utc
from evals.generators.lambda_logs import Invocation, LambdaLogs, plain_entry
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, add_kinesis_consumer_metrics

NAME = "kinesis-memory-leak"
START, END = utc("2026-03-25T07:30:00Z"), utc("2026-03-25T08:15:00Z")
MEMORY_MB = 512
BASE_MB, LEAK_MB_PER_RECORD = 148.0, 0.12
BATCH_WINDOW = timedelta(seconds=5)
MAX_BATCH = 1000


def _rate(at: datetime) -> float:
    """Records per second per shard: night level, then the morning ramp from 07:40."""
    ramp = min(1.0, max(0.0, (at - utc("2026-03-25T07:40:00Z")).total_seconds() / 600))
    return 25 + 140 * ramp


class Shard:
    def __init__(self, shard_id: str, function: LambdaLogs, ids: Ids) -> None:
        self.shard_id, self.function, self.ids = shard_id, function, ids
        self.backlog_since: datetime = START  # arrival time of the oldest unprocessed record
        self.pending = 0.0
        self.memory_mb = BASE_MB
        self.ages: list[tuple[datetime, float]] = []
        self.calls: list[tuple[datetime, float, bool]] = []
        self.sequence = (
            49650000000000000000000000000000000000000000000000000000 + ids.rng.randrange(10**9)
        )

    def run(self) -> None:
        at = START
        while at < END:
            self.pending += _rate(at) * BATCH_WINDOW.total_seconds()
            at = self._invoke(at) if self.pending >= 1 else at + BATCH_WINDOW

    def _invoke(self, at: datetime) -> datetime:
        rng = self.ids.rng
        records = int(min(self.pending, MAX_BATCH))
        self.ages.append((at, (at - self.backlog_since).total_seconds() * 1000))
        rid = self.ids.uuid4()
        warm = any(not e.retired and e.busy_until <= at for e in self.function.environments)
        if not warm:
            self.memory_mb = BASE_MB
        duration = 40 + records * rng.uniform(5.5, 6.5)  # one DynamoDB update per record
        lines: list[tuple[float, str]] = []
        if rng.random() < 0.15:
            lines.append(
                plain_entry(
                    at,
                    12.0,
                    "WARNING",
                    rid,
                    f"Dropped {rng.randint(3, 60)} late events older than 15 minutes (shard {self.shard_id})",
                )
            )
        needed = self.memory_mb + LEAK_MB_PER_RECORD * records
        if needed > MEMORY_MB:
            # killed part-way through: the whole batch is retried from the same position
            duration *= (MEMORY_MB - self.memory_mb) / max(1.0, needed - self.memory_mb)
            duration = max(duration, 30.0)
            lines.append(
                (
                    duration,
                    f"RequestId: {rid} Error: Runtime exited with error: signal: killed\nRuntime.ExitError\n",
                )
            )
            self.function.invoke(Invocation(rid, at, duration, lines, max_memory_mb=MEMORY_MB))
            for env in self.function.environments:
                if env.busy_until >= at + timedelta(milliseconds=duration):
                    env.retired = True
            self.calls.append((at, duration, True))
            return at + timedelta(milliseconds=duration + 800)
        self.memory_mb = needed
        sessions = max(1, records // rng.randint(4, 9))
        lines.append(
            plain_entry(
                at,
                duration - 2,
                "INFO",
                rid,
                f"Aggregated {records} records into {sessions} sessions (shard {self.shard_id}, last sequence {self.sequence + records})",
            )
        )
        self.function.invoke(
            Invocation(rid, at, duration, lines, max_memory_mb=int(self.memory_mb))
        )
        self.calls.append((at, duration, False))
        self.sequence += records
        self.pending -= records
        share = records / max(1.0, records + self.pending)
        self.backlog_since += (at - self.backlog_since) * share
        return max(at + timedelta(milliseconds=duration + 5), at + timedelta(seconds=1))


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs(
        "clickstream-aggregator", ids, memory_mb=MEMORY_MB, runtime="python3.12", timeout_s=120
    )
    shards = [Shard(f"shardId-00000000000{n}", function, ids) for n in range(2)]
    for shard in shards:
        shard.run()
    function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    ages = add_kinesis_consumer_metrics(
        metrics,
        "clickstream-aggregator",
        "clickstream",
        ages=[a for s in shards for a in s.ages],
        invocations=[c for s in shards for c in s.calls],
        incoming={m: _rate(m) * 60 * len(shards) for m in metrics.marks},
    )
    metrics.write(writer)
    fired_alarm = alarm_on(
        ages,
        "clickstream-iterator-age",
        "Kinesis consumer more than a minute behind",
        namespace="AWS/Lambda",
        metric="IteratorAge",
        dimensions={"FunctionName": "clickstream-aggregator"},
        threshold=60000.0,
        statistic="MAXIMUM",
        digits=0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="clickstream-aggregator falling behind",
        architecture="Kinesis Data Stream clickstream (2 shards) -> Lambda clickstream-aggregator "
        "(Python 3.12, 512 MB, batch size 1000, 5 s batching window, one concurrent batch per "
        "shard) -> DynamoDB session aggregates.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "clickstream-aggregator leaks memory across warm invocations (Max "
            "Memory Used grows batch after batch up to the 512 MB limit); with the morning "
            "traffic the environments run out of memory within minutes ('Runtime exited with "
            "error: signal: killed'), each killed batch is retried from the same position, "
            "and the iterator age climbs.",
            "category": "resource-exhaustion",
            "must_mention": [
                ["memory", "out of memory", "OOM", "signal: killed", "Max Memory Used"],
                ["leak", "grow", "512"],
            ],
            "key_evidence": [{"source": "logs", "contains": "signal: killed"}],
            "red_herrings": [
                "frequent 'Dropped ... late events' warnings (normal for this stream)"
            ],
            "difficulty": "hard",
        },
        tags=["resource-exhaustion", "kinesis", "lambda", "logs-only"],
    )
