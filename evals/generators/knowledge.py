"""What a team knew before an incident, written into a bundle beside its telemetry
(docs/incident-bundle.md): runbooks (`runbooks/*.md`, searched by `search_runbooks`) and
past incidents (`past-incidents/<thread>.json`, one record each, as `fa2 incidents show`
prints it, seen by `find_similar_incidents`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import yaml

from evals.generators.common import BundleWriter


def runbook(writer: BundleWriter, name: str, text: str) -> None:
    writer.text(f"runbooks/{name}.md", text.strip() + "\n", compress=False)


def past_incident(
    writer: BundleWriter,
    *,
    thread_id: str,
    alarm_name: str,
    resources: list[str],
    started: datetime,
    top_hypothesis: str,
    category: str,
    summary: str,
    feedback: Literal["confirmed", "wrong"] | None,
) -> None:
    """One remembered investigation: its window is the hour from `started`; it was recorded
    when that hour ended, and the verdict given in Slack with ✅/❌ (explicit)."""
    end = started + timedelta(hours=1)
    record: dict[str, Any] = {
        "thread_id": thread_id,
        "title": alarm_name,
        "alarm_name": alarm_name,
        "resources": resources,
        "window": {"start": _iso(started), "end": _iso(end)},
        "top_hypothesis": top_hypothesis,
        "category": category,
        "summary": summary,
        "feedback": feedback,
        "feedback_explicit": feedback is not None,
        "recorded_at": _iso(end),
    }
    writer.json(f"past-incidents/{thread_id}.json", record, indent=2)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def variant_manifest(
    writer: BundleWriter,
    *,
    title: str,
    notes: str,
    tags: list[str],
    red_herrings: list[str] | None = None,
) -> None:
    """Rewrite the manifest another scenario's generator just wrote, for a scenario that is
    that one's telemetry with different knowledge: a new title, notes, added tags and red
    herrings; the rest of the ground truth stays."""
    path = writer.root / "incident.yaml"
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    manifest["title"] = title
    truth = manifest["ground_truth"]
    truth["red_herrings"] = [*truth["red_herrings"], *(red_herrings or [])]
    truth["notes"] = notes
    manifest["tags"] = [*manifest.get("tags", []), *tags]
    writer.manifest(manifest)
