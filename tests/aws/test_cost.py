"""Query cost in USD from bytes scanned and the list prices held in settings."""

from __future__ import annotations

import pytest

from agent.telemetry.base import QueryResult
from agent.telemetry.cost import athena_billed_bytes, query_cost_usd, total_query_cost_usd
from tests.aws.conftest import make_settings


def test_logs_insights_cost_is_gb_scanned_times_the_per_gb_price() -> None:
    result = QueryResult(source="logs", query="fields @message", bytes_scanned=20 * 10**9)
    assert query_cost_usd(result, make_settings()) == pytest.approx(20 * 0.005)


def test_athena_cost_is_tb_scanned_times_the_per_tb_price() -> None:
    result = QueryResult(source="athena", query="SELECT 1", bytes_scanned=2 * 10**12)
    assert query_cost_usd(result, make_settings(athena_usd_per_tb=5.0)) == pytest.approx(10.0)


def test_athena_bills_at_least_ten_megabytes_rounded_up_to_whole_megabytes() -> None:
    assert athena_billed_bytes(1) == 10 * 10**6
    assert athena_billed_bytes(12_300_001) == 13 * 10**6
    assert athena_billed_bytes(0) == 0


def test_prices_come_from_settings() -> None:
    result = QueryResult(source="logs", query="q", bytes_scanned=10**9)
    assert query_cost_usd(result, make_settings(logs_insights_usd_per_gb=0.0076)) == pytest.approx(
        0.0076
    )


def test_sources_billed_per_request_cost_nothing_here_and_totals_add_up() -> None:
    settings = make_settings()
    results = [
        QueryResult(source="xray", query="GetTraceSummaries"),
        QueryResult(source="logs", query="q", bytes_scanned=10**9),
        QueryResult(source="athena", query="SELECT 1", bytes_scanned=10**12),
    ]
    assert query_cost_usd(results[0], settings) == 0.0
    assert total_query_cost_usd(results, settings) == pytest.approx(0.005 + 5.0)
