"""insufficient evidence: the consumers of email-outbox stop receiving for twelve minutes
and the queue's oldest message ages; the consumers run outside AWS and send no telemetry.
The bundle has the queue's metrics and the account's CloudTrail, which shows only a
cost-allocation tagging job touching the queue: the tempting, unsupported explanation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import dashboard_poll
from evals.generators.cloudtrail import Principal, Trail
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, add_queue_metrics

NAME = "queue-consumers-stalled"
START, END = utc("2026-04-03T11:00:00Z"), utc("2026-04-03T11:45:00Z")
STALL = (utc("2026-04-03T11:07:20Z"), utc("2026-04-03T11:19:40Z"))
TAGGED = utc("2026-04-03T11:02:37Z")
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/email-outbox"


def _simulate(
    ids: Ids,
) -> tuple[
    list[datetime], list[datetime], list[tuple[datetime, float]], list[tuple[datetime, float]]
]:
    """Sent and received times, backlog and oldest age sampled every 10 s."""
    sent = arrivals(ids.rng, START, END, lambda m: 95)
    received: list[datetime] = []
    backlog: list[tuple[datetime, float]] = []
    ages: list[tuple[datetime, float]] = []
    waiting: list[datetime] = []
    index, at = 0, START
    while at < END:
        while index < len(sent) and sent[index] <= at:
            waiting.append(sent[index])
            index += 1
        stalled = STALL[0] <= at < STALL[1]
        if not stalled:
            take = min(len(waiting), 60)  # the workers drain up to 6 messages a second
            received.extend(
                at + timedelta(milliseconds=ids.rng.randint(0, 9999)) for _ in range(take)
            )
            waiting = waiting[take:]
        backlog.append((at, float(len(waiting))))
        ages.append((at, (at - waiting[0]).total_seconds() if waiting else 0.0))
        at += timedelta(seconds=10)
    return sent, received, backlog, ages


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=5),
        END,
        "email-",
        (
            "sqs.amazonaws.com",
            "GetQueueAttributes",
            {"queueUrl": QUEUE_URL, "attributeNames": ["All"]},
        ),
    )
    tagger = Principal(
        "AssumedRole",
        "cost-allocation-tagger",
        "tagger-lambda",
        source_ip="3.92.14.201",
        role_id="AROAZ6EXAMPLETAGGER1",
        user_agent="Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.10.215 md/arch#x86_64 lang/python#3.12.3 cfg/retry-mode#legacy Botocore/1.34.51",
    )
    for offset, queue in enumerate(["email-outbox", "email-outbox-dlq", "sms-outbox"]):
        trail.call(
            TAGGED + timedelta(seconds=3 * offset),
            tagger,
            "sqs.amazonaws.com",
            "TagQueue",
            read_only=False,
            request={
                "queueUrl": f"https://sqs.us-east-1.amazonaws.com/123456789012/{queue}",
                "tags": {"cost-center": "cc-4410", "owner": "messaging"},
            },
            response=None,
        )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    sent, received, backlog, ages = _simulate(ids)
    metrics = MetricFile(marks=minutes(START, END))
    # the workers delete each message as soon as they receive it
    age = add_queue_metrics(
        metrics,
        "email-outbox",
        sent=sent,
        received=received,
        deleted=received,
        backlog=backlog,
        oldest_age=ages,
    )
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = alarm_on(
        age,
        "email-outbox-age",
        "Oldest message in email-outbox older than 5 minutes",
        namespace="AWS/SQS",
        metric="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": "email-outbox"},
        threshold=300.0,
        statistic="MAXIMUM",
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="email-outbox messages waiting",
        architecture="Producers in this account -> SQS queue email-outbox -> email workers "
        "running in the company data centre (long polling with an IAM user's keys; they send "
        "no logs, metrics or traces to AWS).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Not determinable from this bundle: from 11:07 to 11:19 nothing received "
            "messages from email-outbox (NumberOfMessagesReceived 0, sends unchanged), so the "
            "oldest message aged past 5 minutes; the consumers run outside AWS and left no "
            "telemetry here, and no change in the account explains a stop. The next step is the "
            "workers' own logs and hosts.",
            "category": "insufficient-evidence",
            "must_mention": [
                [
                    "insufficient",
                    "not enough evidence",
                    "inconclusive",
                    "cannot determine",
                    "undetermined",
                ]
            ],
            "key_evidence": [{"source": "metrics", "contains": "NumberOfMessagesReceived"}],
            "red_herrings": [
                "a cost-allocation job's TagQueue on email-outbox at 11:02 (tags cannot stop consumers)"
            ],
            "difficulty": "medium",
        },
        tags=["insufficient-evidence", "sqs", "metrics-led", "cloudtrail"],
    )
