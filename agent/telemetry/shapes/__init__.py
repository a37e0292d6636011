"""AWS API response shapes -> `QueryResult`, shared by the AWS and the local backend.

Both backends produce the AWS-shaped response (the local one builds it from the bundle), then
call the same function here, so a tool cannot tell which backend answered. Each function
keeps the response as `raw` and flattens it into a compact table of strings: the columns an
investigator reads first, not every field of the API.

Timestamps may arrive as `datetime` (boto3), epoch seconds (X-Ray JSON) or ISO strings (AWS
CLI / local); they are all rendered as ISO 8601 UTC.
"""

from __future__ import annotations

from agent.telemetry.shapes.cloudwatch import (
    ALARM_COLUMNS,
    from_describe_alarms,
    from_list_metrics,
    from_metric_data,
    list_metrics_query,
    metric_data_query,
)
from agent.telemetry.shapes.logs_athena import from_athena, from_logs_insights
from agent.telemetry.shapes.metrics_insights import INSIGHTS_COLUMNS, from_metrics_insights
from agent.telemetry.shapes.values import Row, format_number, format_timestamp
from agent.telemetry.shapes.xray import (
    SERVICE_GRAPH_COLUMNS,
    TRACE_SEGMENT_COLUMNS,
    TRACE_SUMMARY_COLUMNS,
    from_batch_get_traces,
    from_service_graph,
    from_trace_summaries,
)

__all__ = [
    "ALARM_COLUMNS",
    "INSIGHTS_COLUMNS",
    "SERVICE_GRAPH_COLUMNS",
    "TRACE_SEGMENT_COLUMNS",
    "TRACE_SUMMARY_COLUMNS",
    "Row",
    "format_number",
    "format_timestamp",
    "from_athena",
    "from_batch_get_traces",
    "from_describe_alarms",
    "from_list_metrics",
    "from_logs_insights",
    "from_metric_data",
    "from_metrics_insights",
    "from_service_graph",
    "from_trace_summaries",
    "list_metrics_query",
    "metric_data_query",
]
