"""`lambda-env-misconfig`'s telemetry, with the team's memory: a month earlier the same alarm
fired because someone set the function's reserved concurrency to 0, and that cause was
confirmed in Slack (✅). This time the cause is different (a misspelled webhook host in the
environment): the confirmed past cause is a red herring the report must not blame."""

from __future__ import annotations

from evals.generators.common import BundleWriter, utc
from evals.generators.knowledge import past_incident, variant_manifest
from evals.generators.manifest import readme_beside
from evals.generators.scenarios import lambda_env_misconfig as base

NAME = "payment-notifier-past-cause-differs"
PAST_CAUSE = (
    "PutFunctionConcurrency set payment-notifier's reserved concurrency to 0; every invocation "
    "was throttled (TooManyRequestsException) and the batches went to the DLQ"
)


def generate(writer: BundleWriter) -> None:
    base.generate(writer)
    variant_manifest(
        writer,
        title="Payment notifier errors on an alarm whose past cause was confirmed as throttling",
        notes="The telemetry of lambda-env-misconfig; the bundle's memory holds a confirmed "
        "past incident on payment-notifier-errors with another cause.",
        tags=["past-incidents"],
        red_herrings=[
            "the confirmed past incident on the same alarm: PutFunctionConcurrency set reserved "
            "concurrency to 0 ('TooManyRequestsException')"
        ],
    )
    past_incident(
        writer,
        thread_id="slack-C0PAY7NTF-1770822000.000100",
        alarm_name="payment-notifier-errors",
        resources=["payment-notifier"],
        started=utc("2026-02-11T15:00:00Z"),
        top_hypothesis=PAST_CAUSE + " [E2, E6].",
        category="capacity",
        summary="Reserved concurrency 0 on payment-notifier (a typo in a Terraform variable); "
        "restoring 20 ended the errors.",
        feedback="confirmed",
    )
    writer.readme(readme_beside(__file__))
