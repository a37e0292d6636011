"""`upload-disk-full-one-instance`'s telemetry, with the team's memory: two months earlier the
same alarm fired because one instance's disk filled up, and the on-call engineer confirmed
that cause in Slack (✅). The shortcut: the confirmed past cause is the first hypothesis to
check, and this time the evidence supports it (`No space left on device`, one target)."""

from __future__ import annotations

from evals.generators.common import BundleWriter, utc
from evals.generators.knowledge import past_incident, runbook, variant_manifest
from evals.generators.manifest import readme_beside
from evals.generators.scenarios import upload_disk_full_one_instance as base

NAME = "upload-disk-full-seen-before"

RUNBOOK = """
# media-upload-5xx: 5xx from the upload service

## Diagnose
1. Look for `No space left on device` in the upload service's logs, per instance: uploads are
   spooled to /tmp before they go to S3.

## Mitigate
1. Take the instance whose disk is full out of the target group and replace it (`aws autoscaling terminate-instance-in-auto-scaling-group --no-should-decrement-desired-capacity`).
2. Clean spool files older than an hour from /tmp on the others.
"""


def generate(writer: BundleWriter) -> None:
    base.generate(writer)
    variant_manifest(
        writer,
        title="Upload 5xx again, on the alarm whose disk-full cause was confirmed before",
        notes="The telemetry of upload-disk-full-one-instance; the bundle's memory holds a "
        "confirmed past incident on media-upload-5xx with the same cause, and a runbook.",
        tags=["past-incidents", "runbooks"],
    )
    past_incident(
        writer,
        thread_id="slack-C0OPS4UPL-1770626400.000100",
        alarm_name="media-upload-5xx",
        resources=["app/media-alb/cffb9cf31dc6a5be"],
        started=utc("2026-02-09T08:40:00Z"),
        top_hypothesis="The root volume of one upload instance (i-0b3c71d9e2a4f6058) filled up: "
        "uploads spooled to /tmp failed with OSError [Errno 28] No space left on device [E3, E9].",
        category="resource-exhaustion",
        summary="One of the media-upload instances ran out of disk; replacing it ended the 5xx.",
        feedback="confirmed",
    )
    # an older one on the same alarm whose hypothesis people marked wrong
    past_incident(
        writer,
        thread_id="slack-C0OPS4UPL-1767949200.000100",
        alarm_name="media-upload-5xx",
        resources=["app/media-alb/cffb9cf31dc6a5be"],
        started=utc("2026-01-09T09:00:00Z"),
        top_hypothesis="ModifyLoadBalancerAttributes lowered the idle timeout of media-alb [E4].",
        category="configuration",
        summary="5xx during a deploy; the load balancer change was not the cause.",
        feedback="wrong",
    )
    runbook(writer, "media-upload-5xx", RUNBOOK)
    writer.readme(readme_beside(__file__))
