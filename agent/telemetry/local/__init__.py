"""The local telemetry backend: an incident bundle queried with AWS's query languages.

One in-memory DuckDB database holds the bundle's log events and Athena tables, each loaded
once, on first use (a CLI query of one kind loads only its source); every query runs on its
own cursor, so the agent's tools can query concurrently. X-Ray and metrics are small and
answered in Python. Each answer is first built in the AWS API's
response shape, then flattened by `agent.telemetry.shapes` exactly as the AWS backend
flattens real responses, so a tool cannot tell the two backends apart.

Importing a submodule (`agent.telemetry.local.logs_insights`, `.scan_cache`, ...) runs this
file first, so it imports nothing itself: `LocalBackend` (with DuckDB, the bundle loader, the
runbook index and the AWS response shapes) is loaded on first access, and `fa2 query logs`
starts without it (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.telemetry.local.backend import LocalBackend

__all__ = ["LocalBackend"]


def __getattr__(name: str) -> Any:
    if name == "LocalBackend":
        from agent.telemetry.local.backend import LocalBackend

        return LocalBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
