"""What a finished investigation leaves behind for later ones, and remembering it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from agent.incident import Incident
from agent.memory import IncidentMemory, PastIncident
from agent.report import Report

logger = logging.getLogger(__name__)


def incident_resources(incident: Incident) -> list[str]:
    """The resources the alarm watches: its dimension values (`orders`, `orders-put`)."""
    dimensions = [*incident.dimensions, *(d for m in incident.metrics for d in m.dimensions)]
    return list(dict.fromkeys(d.value for d in dimensions if d.value))


def past_incident(incident: Incident, report: Report, scope: str) -> PastIncident:
    top = report.hypotheses[0] if report.hypotheses else None
    return PastIncident(
        scope=scope,
        thread_id=report.thread_id or "",
        title=incident.title,
        alarm_name=incident.alarm_name,
        resources=incident_resources(incident),
        window=incident.window,
        top_hypothesis=top.statement if top else None,
        category=top.category if top else None,
        summary=report.summary[:2000],
        recorded_at=datetime.now(UTC),
    )


def remember(memory: IncidentMemory, incident: Incident, report: Report, scope: str) -> None:
    """Store the investigation (keeping feedback already given on its thread). A store that
    fails is logged, never the end of a finished investigation."""
    try:
        record = past_incident(incident, report, scope)
        earlier = memory.get(scope, record.thread_id)
        if earlier is not None:
            record = record.model_copy(
                update={
                    "feedback": earlier.feedback,
                    "feedback_explicit": earlier.feedback_explicit,
                }
            )
        memory.save(record)
    except Exception:  # the report is done; memory is a bonus
        logger.exception("could not remember incident %s", report.thread_id)
