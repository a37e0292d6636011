"""An embedded CloudWatch Logs Insights engine: Logs Insights QL over bundle logs, on DuckDB.

`parse_query` validates a query on its own; `LogsInsightsEngine` loads a bundle's log
events once and runs queries with AWS's result shape. See README.md in this folder for
what is supported and where behaviour differs from AWS.
"""

from agent.telemetry.local.logs_insights.ast import Query
from agent.telemetry.local.logs_insights.engine import LogsInsightsEngine
from agent.telemetry.local.logs_insights.parser import parse_query

__all__ = ["LogsInsightsEngine", "Query", "parse_query"]
