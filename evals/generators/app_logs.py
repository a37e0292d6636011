"""Log lines of containers and databases as they reach CloudWatch Logs: JSON application
logs (logback/structlog style), Spring Boot console lines, PostgreSQL (RDS) lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evals.generators.common import epoch_ms, iso_ms_z


def json_line(at: datetime, level: str, logger: str, message: str, **fields: Any) -> str:
    record: dict[str, Any] = {
        "@timestamp": iso_ms_z(at),
        "level": level,
        "logger": logger,
        "message": message,
    }
    record.update(fields)
    return json.dumps(record, separators=(",", ":"))


def spring_line(at: datetime, level: str, thread: str, logger: str, message: str) -> str:
    """Spring Boot's default console pattern."""
    return f"{iso_ms_z(at)} {level:>5} 1 --- [{thread:>15}] {logger:<40} : {message}"


def postgres_line(
    at: datetime, client: str, user: str, database: str, pid: int, level: str, message: str
) -> str:
    """RDS for PostgreSQL's log_line_prefix `%t:%r:%u@%d:[%p]:`."""
    return f"{at:%Y-%m-%d %H:%M:%S} UTC:{client}:{user}@{database}:[{pid}]:{level}:  {message}"


@dataclass
class LogGroup:
    """Events of one CloudWatch Logs group, any number of streams."""

    name: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, stream: str, at: datetime, message: str) -> None:
        self.events.append(
            {
                "logGroup": self.name,
                "logStream": stream,
                "timestamp": epoch_ms(at),
                "message": message,
            }
        )

    def sorted_events(self) -> list[dict[str, Any]]:
        return sorted(self.events, key=lambda e: (e["timestamp"], e["logStream"]))
