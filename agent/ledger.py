"""The evidence ledger: every tool result becomes `Evidence` E1, E2, ... with the exact query,
time range, row count, a compact redacted table and its link; reports cite those ids.

One ledger serves one run of the graph. Ids keep counting across follow-ups in a thread
(the ledger is seeded with the thread's earlier evidence), and parallel tool calls get
distinct ids (allocation is locked).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from agent.redact import redact, redact_cell
from agent.report import Evidence, Hypothesis, TimelineEntry
from agent.telemetry.base import QueryResult, QueryTable

EVIDENCE_ID = re.compile(r"^E(\d+)$")

# What one recorded result keeps (the model sees even less, see `agent.tools.render`).
MAX_EVIDENCE_ROWS = 50
MAX_CELL_CHARS = 2000  # whole log lines: the model sees less (agent.tools.observation)
_TABLE_FIELDS = set(QueryTable.model_fields)


def _clip(value: str | None, limit: int = MAX_CELL_CHARS) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


class EvidenceLedger:
    """Allocates evidence ids and keeps what was recorded in this run."""

    def __init__(self, existing: Iterable[Evidence] = ()) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, Evidence] = {}
        self._recorded: list[Evidence] = []
        self._next = 1
        self._reserved: dict[str, str] = {}  # tool-call id -> evidence id
        for evidence in existing:
            self._known[evidence.id] = evidence
            match = EVIDENCE_ID.match(evidence.id)
            if match:
                self._next = max(self._next, int(match.group(1)) + 1)

    def reserve(self, call_ids: Iterable[str]) -> None:
        """Number the tool calls of one turn in the order the model made them, so ids do not
        depend on which concurrent query finishes first."""
        with self._lock:
            for call_id in call_ids:
                if call_id not in self._reserved:
                    self._reserved[call_id] = f"E{self._next}"
                    self._next += 1

    def record(
        self,
        tool: str,
        result: QueryResult,
        *,
        call_id: str | None = None,
        max_rows: int = MAX_EVIDENCE_ROWS,
    ) -> Evidence:
        """Turn one query result into evidence (thread-safe); the id is the one reserved for
        `call_id`, else the next free one."""
        rows = [[_clip(redact_cell(cell)) for cell in row] for row in result.rows[:max_rows]]
        with self._lock:
            evidence_id = self._reserved.pop(call_id, None) if call_id else None
            if evidence_id is None:
                evidence_id = f"E{self._next}"
                self._next += 1
            # The table as the query returned it, less what the ledger does not keep.
            table = {name: getattr(result, name) for name in _TABLE_FIELDS} | {
                "query": redact(result.query),
                "rows": rows,
                "truncated": result.truncated or len(result.rows) > max_rows,
                "error": redact(result.error) if result.error else None,
            }
            evidence = Evidence(
                **table,
                id=evidence_id,
                tool=tool,
                row_count=result.total_rows if result.total_rows else len(result.rows),
                records_matched=_stat(result, "recordsMatched"),
                records_scanned=_stat(result, "recordsScanned"),
            )
            self._known[evidence_id] = evidence
            self._recorded.append(evidence)
        return evidence

    def set_cost(self, evidence_id: str, cost_usd: float) -> None:
        with self._lock:
            evidence = self._known[evidence_id]
            updated = evidence.model_copy(update={"cost_usd": cost_usd})
            self._known[evidence_id] = updated
            self._recorded = [updated if e.id == evidence_id else e for e in self._recorded]

    def find(self, evidence_id: str) -> Evidence | None:
        """The evidence with this id, from this run or earlier in the thread."""
        with self._lock:
            return self._known.get(evidence_id)

    @property
    def recorded(self) -> list[Evidence]:
        """Evidence recorded in this run, in id order."""
        with self._lock:
            return list(self._recorded)

    def all(self) -> list[Evidence]:
        with self._lock:
            return sorted(self._known.values(), key=_id_order)


def _id_order(evidence: Evidence) -> int:
    match = EVIDENCE_ID.match(evidence.id)
    return int(match.group(1)) if match else 0


_CITATION_GROUP = re.compile(r"\s?\[((?:E\d+)(?:\s*[,;]\s*E\d+)*)\]")


def strip_unknown_citations(text: str, known: set[str]) -> str:
    """Remove citations of evidence that does not exist from prose: "[E5, E99]" -> "[E5]"."""

    def keep(match: re.Match[str]) -> str:
        ids = [i for i in re.split(r"\s*[,;]\s*", match.group(1)) if i in known]
        return f" [{', '.join(ids)}]" if ids else ""

    return _CITATION_GROUP.sub(keep, text)


def validate_hypotheses(hypotheses: list[Hypothesis], known: set[str]) -> list[Hypothesis]:
    """Drop citations to evidence that does not exist; flag the hypothesis when that happens and
    mark it unsupported when no valid citation is left."""
    validated = []
    for hypothesis in hypotheses:
        kept = [eid for eid in dict.fromkeys(hypothesis.evidence_ids) if eid in known]
        removed = [eid for eid in hypothesis.evidence_ids if eid not in known]
        flags = list(hypothesis.flags)
        flags.extend(f"removed unknown citation {eid}" for eid in dict.fromkeys(removed))
        supported = bool(kept)
        if not supported:
            flags.append("unsupported: no valid evidence cited")
        validated.append(
            hypothesis.model_copy(
                update={
                    "evidence_ids": kept,
                    "flags": flags,
                    "supported": supported,
                    "statement": strip_unknown_citations(hypothesis.statement, known),
                    "reasoning": strip_unknown_citations(hypothesis.reasoning, known),
                }
            )
        )
    return validated


def validate_timeline(entries: list[TimelineEntry], known: set[str]) -> list[TimelineEntry]:
    """Timeline entries keep only citations that exist."""
    return [
        entry.model_copy(update={"evidence_ids": [e for e in entry.evidence_ids if e in known]})
        for entry in entries
    ]


def _stat(result: QueryResult, name: str) -> int | None:
    value = result.statistics.get(name)
    return None if value is None else int(value)
