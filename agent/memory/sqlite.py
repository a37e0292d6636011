"""Past incidents in a local SQLite file, one row per (scope, thread)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from agent.memory import PastIncident


class MemoryConfigError(ValueError):
    """The configured incident memory file cannot be used: named with its setting."""


class SqliteIncidentMemory:
    def __init__(self, path: Path) -> None:
        path = Path(path).expanduser()
        where = f"incident_memory_path {path} (FA2_INCIDENT_MEMORY_PATH)"
        if path.is_dir():
            raise MemoryConfigError(
                f"{where} is a folder; give a file path such as {path}/incidents.sqlite"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS past_incidents ("
                "scope TEXT NOT NULL, thread_id TEXT NOT NULL, record TEXT NOT NULL, "
                "PRIMARY KEY (scope, thread_id))"
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise MemoryConfigError(
                f"{where}: not a usable SQLite database ({exc}); move the file away, point "
                "FA2_INCIDENT_MEMORY_PATH elsewhere, or set FA2_INCIDENT_MEMORY=off"
            ) from exc
        self._lock = threading.Lock()

    def save(self, incident: PastIncident) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO past_incidents VALUES (?, ?, ?)",
                (incident.scope, incident.thread_id, incident.model_dump_json()),
            )
            self._db.commit()

    def get(self, scope: str, thread_id: str) -> PastIncident | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM past_incidents WHERE scope = ? AND thread_id = ?",
                (scope, thread_id),
            ).fetchone()
        return PastIncident.model_validate_json(row[0]) if row else None

    def in_scope(self, scope: str) -> list[PastIncident]:
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM past_incidents WHERE scope = ?", (scope,)
            ).fetchall()
        found = [PastIncident.model_validate_json(r[0]) for r in rows]
        return sorted(found, key=lambda p: p.recorded_at, reverse=True)

    def forget(self, scope: str, thread_id: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM past_incidents WHERE scope = ? AND thread_id = ?", (scope, thread_id)
            )
            self._db.commit()
        return cursor.rowcount > 0

    def scopes(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT scope FROM past_incidents").fetchall()
        return sorted(r[0] for r in rows)
