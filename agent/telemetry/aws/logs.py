"""CloudWatch Logs: Logs Insights queries (start, poll, stop on budget) and log-group listing."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent.telemetry.aws.errors import call, call_retrying_limits
from agent.telemetry.aws.polling import Deadline
from agent.telemetry.aws.query_service import QueryService
from agent.telemetry.base import LogGroupInfo, QueryError, QueryResult, TelemetryUnavailableError
from agent.telemetry.deadline import query_seconds
from agent.telemetry.limits import checked_log_groups
from agent.telemetry.links import logs_insights_url
from agent.telemetry.shapes import from_logs_insights
from agent.telemetry.types import TimeRange

LABEL = "CloudWatch Logs Insights"
MAX_RESULT_LIMIT = 10_000  # StartQuery's `limit` maximum
MAX_LIST_LOG_GROUPS = 1_000
FINAL_STATES = frozenset({"Complete", "Failed", "Cancelled", "Timeout", "Unknown"})
START_ATTEMPTS = 6  # StartQuery tries while the account's concurrent-query limit is reached


def _log_group_arn(region: str, name: str) -> str:
    return f"arn:aws:logs:{region}:*:log-group:{name}"


class LogsInsights(QueryService):
    # ------------------------------------------------------------------ log groups

    def list_log_groups(self, prefix: str | None = None) -> list[LogGroupInfo]:
        """DescribeLogGroups, all pages up to 1,000 groups."""
        kwargs: dict[str, Any] = {"logGroupNamePrefix": prefix} if prefix else {}
        resource = _log_group_arn(self.settings.aws.region, f"{prefix or ''}*")
        groups: list[LogGroupInfo] = []
        while len(groups) < MAX_LIST_LOG_GROUPS:
            page = call(
                self.clients.logs.describe_log_groups,
                action="logs:DescribeLogGroups",
                resource=resource,
                service_label="CloudWatch Logs",
                **kwargs,
            )
            for group in page.get("logGroups", []):
                groups.append(
                    LogGroupInfo(name=group["logGroupName"], stored_bytes=group.get("storedBytes"))
                )
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return groups[:MAX_LIST_LOG_GROUPS]

    # ------------------------------------------------------------------ Logs Insights

    def _resolve_log_groups(self, log_groups: Sequence[str]) -> list[str]:
        groups = checked_log_groups(log_groups)
        if not groups:
            groups = list(self.settings.telemetry.log_groups)
        if not groups:
            raise QueryError(
                "no log groups to query: name one or more log groups (none are configured in "
                "FA2_LOG_GROUPS); list_log_groups shows what exists"
            )
        return groups

    def _start(self, request: dict[str, Any], groups: list[str], deadline: Deadline) -> str:
        response = call_retrying_limits(
            self.clients.logs.start_query,
            waiter=self.waiter,
            deadline=deadline,
            attempts=START_ATTEMPTS,
            action="logs:StartQuery",
            resource=", ".join(_log_group_arn(self.settings.aws.region, g) for g in groups[:3]),
            service_label=LABEL,
            **request,
        )
        return str(response["queryId"])

    def _stop(self, query_id: str) -> None:
        """Best effort: a query left running keeps scanning (and billing) for up to 60 minutes."""
        # Errors are ignored: the timeout error raised by the caller is what matters.
        with contextlib.suppress(ClientError, BotoCoreError):
            self.clients.logs.stop_query(queryId=query_id)

    def run(
        self,
        query: str,
        log_groups: Sequence[str],
        time_range: TimeRange,
        limit: int | None = None,
    ) -> QueryResult:
        if not query.strip():
            raise QueryError(
                "empty Logs Insights query: write e.g. `fields @timestamp, @message | limit 20`"
            )
        groups = self._resolve_log_groups(log_groups)
        request: dict[str, Any] = {
            "logGroupNames": groups,
            # StartQuery takes whole epoch seconds: widen outwards so no event is lost.
            "startTime": math.floor(time_range.start.timestamp()),
            "endTime": math.ceil(time_range.end.timestamp()),
            "queryString": query,
        }
        if limit is not None:
            if limit < 1:
                raise QueryError(f"limit must be at least 1 (got {limit})")
            request["limit"] = min(limit, MAX_RESULT_LIMIT)
        link = logs_insights_url(self.settings.aws.region, query, groups, time_range)
        timeout_s = query_seconds(self.timeout_s)
        deadline = self.waiter.deadline(timeout_s)
        query_id = self._start(request, groups, deadline)

        def fetch() -> dict[str, Any]:
            return call(
                self.clients.logs.get_query_results,
                action="logs:GetQueryResults",
                resource=_log_group_arn(self.settings.aws.region, groups[0]),
                service_label=LABEL,
                queryId=query_id,
            )

        response = self.waiter.poll(fetch, lambda r: r.get("status") in FINAL_STATES, deadline)
        if response is None:
            self._stop(query_id)
            raise TelemetryUnavailableError(
                f"Logs Insights query {query_id} did not finish within {timeout_s:.0f} s and was "
                f"stopped; narrow the time range ({time_range.label()}), query fewer log groups "
                "or filter earlier in the query"
            )
        response = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        response["queryId"] = query_id
        result = from_logs_insights(
            response, query=query, time_range=time_range, link=link, max_rows=limit
        )
        if result.status == "error":
            result = result.model_copy(
                update={"error": _failure_advice(str(response.get("status")), query_id)}
            )
        return result


def _failure_advice(status: str, query_id: str) -> str:
    if status == "Timeout":
        return (
            f"Logs Insights query {query_id} timed out in the service (status Timeout): narrow the "
            "time range or query fewer log groups"
        )
    if status == "Failed":
        return (
            f"Logs Insights query {query_id} failed in the service (status Failed, no reason given): "
            "simplify the query (fewer fields, a filter before stats) or narrow the time range"
        )
    return f"Logs Insights query {query_id} ended with status {status} before completing"
