"""Ranking past incidents against the one at hand: the same alarm or a shared resource first,
then similar words (error patterns, hypothesis, summary) by SQLite FTS5's BM25 over an
in-memory index of the scope's records. Hand-written ranking on top of FTS5 because the
match rules (same alarm, same resource) are fa2's own."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from pydantic import BaseModel

from agent.memory import PastIncident
from agent.telemetry.runbook_index import words

SAME_ALARM = 10.0
SHARED_RESOURCE = 5.0
MAX_TERMS = 48


class SimilarIncident(BaseModel):
    incident: PastIncident
    score: float
    reasons: list[str]


def rank_similar(
    records: Sequence[PastIncident],
    *,
    alarm_name: str | None,
    resources: Sequence[str],
    text: str,
    exclude_thread: str | None = None,
    limit: int = 5,
) -> list[SimilarIncident]:
    candidates = [r for r in records if r.thread_id != exclude_thread]
    if not candidates:
        return []
    text_scores = _text_scores(candidates, text)
    wanted = {r.lower() for r in resources}
    ranked = []
    for index, record in enumerate(candidates):
        reasons = []
        score = 0.0
        if alarm_name and record.alarm_name == alarm_name:
            score += SAME_ALARM
            reasons.append("same alarm")
        shared = sorted(wanted & {r.lower() for r in record.resources})
        if shared:
            score += SHARED_RESOURCE
            reasons.append("same resource: " + ", ".join(shared))
        if text_scores.get(index):
            score += text_scores[index]
            reasons.append("similar error text")
        if score > 0:
            ranked.append(SimilarIncident(incident=record, score=round(score, 3), reasons=reasons))
    ranked.sort(key=lambda s: (-s.score, -s.incident.recorded_at.timestamp()))
    return ranked[:limit]


def _text_scores(records: Sequence[PastIncident], text: str) -> dict[int, float]:
    terms = words(text)[:MAX_TERMS]
    if not terms:
        return {}
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE past USING fts5(body)")
        db.executemany(
            "INSERT INTO past (rowid, body) VALUES (?, ?)",
            [(i, " ".join(words(r.text()))) for i, r in enumerate(records)],
        )
        expression = " OR ".join(f'"{t}"' for t in terms)
        rows = db.execute(
            "SELECT rowid, bm25(past) FROM past WHERE past MATCH ?", (expression,)
        ).fetchall()
    finally:
        db.close()
    # bm25() is negative, lower is better; squash to (0, 1] so words never outweigh an alarm
    return {int(rowid): round(min(1.0, -rank), 3) + 0.001 for rowid, rank in rows}
