"""Past incidents a bundle carries (`past-incidents/*.json`, docs/incident-bundle.md): what
the team's memory held when the incident happened, so an offline run (a demo, an eval) sees
the same leads a deployed fa2 would.

Each file is one record as `fa2 incidents show THREAD` prints it; its `scope` may be left
out and is in any case replaced by the scope of the investigation reading it (a bundle is
one workspace's and one account's). The records are read-only: a run over the bundle still
remembers itself in the configured store, never in the bundle.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ConfigDict, ValidationError

from agent.memory import IncidentMemory, PastIncident
from agent.telemetry.bundle import KNOWLEDGE_LAYOUT

PAST_INCIDENTS_FOLDER = "past-incidents"
SUFFIXES = KNOWLEDGE_LAYOUT[PAST_INCIDENTS_FOLDER]


class BundlePastIncident(PastIncident):
    """A bundle's record: every field of `PastIncident`, `scope` optional, nothing else."""

    model_config = ConfigDict(extra="forbid")
    scope: str = "-/-"


class PastIncidentFileError(ValueError):
    """A past-incident file that cannot be used; the message names the file and the field."""


def read_past_incident(path: Path) -> PastIncident:
    """One record file, validated; a clear error naming the file and the field otherwise."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PastIncidentFileError(f"{path.name}: not a JSON document ({exc})") from None
    try:
        record = BundlePastIncident.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        raise PastIncidentFileError(f"{path.name}: {problems}") from None
    if not record.thread_id:
        raise PastIncidentFileError(f"{path.name}: thread_id: must not be empty")
    return PastIncident.model_validate(record.model_dump())


def bundle_past_incidents(root: Path, scope: str) -> list[PastIncident]:
    """The bundle's past incidents in `scope`, newest first (none when it has no folder)."""
    folder = Path(root) / PAST_INCIDENTS_FOLDER
    if not folder.is_dir():
        return []
    resolved = folder.resolve()
    records = [
        read_past_incident(path).model_copy(update={"scope": scope})
        for path in sorted(folder.rglob("*"))
        # a link out of the folder is never read (a bundle is untrusted input)
        if path.is_file()
        and path.name.endswith(SUFFIXES)
        and path.resolve().is_relative_to(resolved)
    ]
    return sorted(records, key=lambda p: p.recorded_at, reverse=True)


class WithBundleIncidents:
    """The configured store (or none) with a bundle's past incidents added to what the
    investigation's scope reads. Writes go to the store only."""

    def __init__(self, store: IncidentMemory | None, records: list[PastIncident]) -> None:
        self.store = store
        self.records = records

    def save(self, incident: PastIncident) -> None:
        if self.store is not None:
            self.store.save(incident)

    def get(self, scope: str, thread_id: str) -> PastIncident | None:
        found = self.store.get(scope, thread_id) if self.store is not None else None
        return found or next(
            (r for r in self.records if r.scope == scope and r.thread_id == thread_id), None
        )

    def in_scope(self, scope: str) -> list[PastIncident]:
        stored = self.store.in_scope(scope) if self.store is not None else []
        held = {r.thread_id for r in stored}
        carried = [r for r in self.records if r.scope == scope and r.thread_id not in held]
        return sorted([*stored, *carried], key=lambda p: p.recorded_at, reverse=True)

    def forget(self, scope: str, thread_id: str) -> bool:
        return self.store.forget(scope, thread_id) if self.store is not None else False

    def scopes(self) -> list[str]:
        stored = self.store.scopes() if self.store is not None else []
        return sorted({*stored, *(r.scope for r in self.records)})


def with_bundle_incidents(
    store: IncidentMemory | None, bundle: Path | None, scope: str
) -> IncidentMemory | None:
    """What an investigation over `bundle` reads: the store plus the bundle's records."""
    records = bundle_past_incidents(bundle, scope) if bundle is not None else []
    return WithBundleIncidents(store, records) if records else store
