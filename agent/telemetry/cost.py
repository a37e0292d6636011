"""What a query cost, in USD, from the bytes it scanned and the list prices in settings.

Logs Insights bills per GB scanned; Athena per TB scanned, each query rounded up to the
next megabyte with a 10 MB minimum. Decimal units (1 GB = 10^9 bytes) are used: they give
the slightly higher estimate, which is the safe side for a budget. The graph adds these up
per investigation and stops querying once `settings.budgets.max_query_cost_usd` is spent.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent.config import Settings
from agent.telemetry.base import QueryResult

BYTES_PER_GB = 10**9
BYTES_PER_TB = 10**12
BYTES_PER_MB = 10**6
ATHENA_MINIMUM_BYTES = 10 * BYTES_PER_MB


def athena_billed_bytes(bytes_scanned: int) -> int:
    """Athena rounds each query up to the next MB, with a 10 MB minimum (when it scanned at all)."""
    if bytes_scanned <= 0:
        return 0
    rounded = -(-bytes_scanned // BYTES_PER_MB) * BYTES_PER_MB
    return max(rounded, ATHENA_MINIMUM_BYTES)


def query_cost_usd(result: QueryResult, settings: Settings) -> float:
    """The price of one query result; sources billed per request (X-Ray, metrics) count 0 here."""
    if result.source == "logs":
        return result.bytes_scanned / BYTES_PER_GB * settings.prices.logs_insights_usd_per_gb
    if result.source == "athena":
        return (
            athena_billed_bytes(result.bytes_scanned)
            / BYTES_PER_TB
            * settings.prices.athena_usd_per_tb
        )
    return 0.0


def total_query_cost_usd(results: Iterable[QueryResult], settings: Settings) -> float:
    return sum(query_cost_usd(result, settings) for result in results)
