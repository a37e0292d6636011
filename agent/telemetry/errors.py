"""The two errors every telemetry backend raises (their contract is in `base`). A module of
their own, without pydantic, so the logs engine and `fa2 query logs` need not import it."""

from __future__ import annotations


class QueryError(Exception):
    """The query is invalid; the message tells the author (often the LLM) how to fix it."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class TelemetryUnavailableError(Exception):
    """The backend could not run the query for reasons outside the query (IAM, network, timeout)."""
