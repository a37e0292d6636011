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


def source_unavailable(source: str, root: object, exc: Exception) -> TelemetryUnavailableError:
    """The error for a bundle whose `source` data could not be loaded: unreadable data is not
    the query's fault, so the source is unavailable (its first line says why)."""
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    return TelemetryUnavailableError(
        f"could not load the bundle's {source} data from {root}: {message}"
    )
