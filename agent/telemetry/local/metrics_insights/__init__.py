"""An embedded CloudWatch Metrics Insights engine: the documented query language over a
bundle's metric series, aggregated on DuckDB. See docs/metrics-insights.md for what is
supported and where it differs from AWS.

The package exports the parser only (the AWS backend uses it to check a query and read its
GROUP BY keys without importing DuckDB); the executor is `.engine.MetricsInsightsEngine`.
"""

from agent.telemetry.local.metrics_insights.parser import (
    MetricsInsightsQuery,
    parse_metrics_insights,
)

__all__ = ["MetricsInsightsQuery", "parse_metrics_insights"]
