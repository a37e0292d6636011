"""X-Ray: trace summaries (filter expression, range split to the API's maximum, pages),
full traces (BatchGetTraces, 5 ids per call) and the service graph."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.telemetry.aws.errors import call
from agent.telemetry.aws.polling import Deadline
from agent.telemetry.aws.query_service import QueryService
from agent.telemetry.base import QueryError, QueryResult, TelemetryUnavailableError
from agent.telemetry.deadline import query_seconds
from agent.telemetry.limits import FIND_TRACES_LIMIT, checked_trace_ids
from agent.telemetry.links import xray_service_map_url, xray_trace_url, xray_traces_url
from agent.telemetry.shapes import from_batch_get_traces, from_service_graph, from_trace_summaries
from agent.telemetry.types import TimeRange

LABEL = "X-Ray"
# GetTraceSummaries rejects a StartTime..EndTime span longer than 24 hours; longer windows
# are queried as consecutive slices.
MAX_SUMMARY_RANGE = timedelta(hours=24)
BATCH_GET_TRACES_IDS = 5  # BatchGetTraces accepts at most 5 trace ids per call
MAX_SUMMARY_PAGES = 20  # per slice: X-Ray may return many sparse pages while it scans


def _whole_seconds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """X-Ray takes Unix seconds; widen outwards to whole seconds."""
    floor = datetime.fromtimestamp(math.floor(start.timestamp()), tz=UTC)
    ceil = datetime.fromtimestamp(math.ceil(end.timestamp()), tz=UTC)
    return floor, ceil


def split_range(
    time_range: TimeRange, step: timedelta = MAX_SUMMARY_RANGE
) -> Iterator[tuple[datetime, datetime]]:
    """Consecutive [start, end) slices of at most `step`, newest first (recent traces matter most)."""
    end = time_range.end
    while end > time_range.start:
        start = max(time_range.start, end - step)
        yield start, end
        end = start


class XRay(QueryService):
    def _call(self, method: str, action: str, **kwargs: Any) -> dict[str, Any]:
        return call(
            getattr(self.clients.xray, method),
            action=action,
            resource="*",  # X-Ray read actions are not resource-scoped
            service_label=LABEL,
            **kwargs,
        )

    def find_traces(
        self, filter_expression: str | None, time_range: TimeRange, limit: int = FIND_TRACES_LIMIT
    ) -> QueryResult:
        if limit < 1:
            raise QueryError(f"limit must be at least 1 (got {limit})")
        expression = (filter_expression or "").strip()
        timeout_s = query_seconds(self.timeout_s)
        deadline = self.waiter.deadline(timeout_s)
        summaries: list[dict[str, Any]] = []
        matched = processed = 0
        more = reached_end = False
        for page, last in self._summary_pages(expression, time_range, deadline):
            reached_end = last
            found = page.get("TraceSummaries", [])
            matched += len(found)
            processed += int(page.get("TracesProcessedCount") or 0)
            summaries.extend(found[: max(0, limit - len(summaries))])
            if len(summaries) >= limit and not last:
                # Enough to show; reading on would only refine the count (and cost calls).
                more = True
                break
        more = more or not reached_end  # the page cap cut a slice short
        query = f"GetTraceSummaries {expression}" if expression else "GetTraceSummaries (no filter)"
        response = {"TraceSummaries": summaries, "TracesProcessedCount": processed}
        result = from_trace_summaries(
            response,
            query=query,
            time_range=time_range,
            link=xray_traces_url(self.settings.aws.region, expression or None, time_range),
        )
        # When truncated, `total_rows` counts the summaries read so far: a lower bound.
        return result.model_copy(
            update={"total_rows": matched, "truncated": more or matched > len(summaries)}
        )

    def _summary_pages(
        self, expression: str, time_range: TimeRange, deadline: Deadline
    ) -> Iterator[tuple[dict[str, Any], bool]]:
        """GetTraceSummaries pages over ≤ 24-hour slices, newest first; flags the last page."""
        slices = list(split_range(time_range))
        for index, (slice_start, slice_end) in enumerate(slices):
            start, end = _whole_seconds(slice_start, slice_end)
            kwargs: dict[str, Any] = {
                "StartTime": start,
                "EndTime": end,
                "TimeRangeType": "TraceId",
            }
            if expression:
                kwargs["FilterExpression"] = expression
            for _ in range(MAX_SUMMARY_PAGES):
                if deadline.expired:
                    raise TelemetryUnavailableError(
                        f"X-Ray trace search did not finish within {deadline.seconds:.0f} s; narrow the "
                        "time range or the filter expression"
                    )
                page = self._call("get_trace_summaries", "xray:GetTraceSummaries", **kwargs)
                token = page.get("NextToken")
                yield page, not token and index == len(slices) - 1
                if not token:
                    break
                kwargs["NextToken"] = token

    def get_traces(self, trace_ids: Sequence[str]) -> QueryResult:
        ids = checked_trace_ids(trace_ids)
        traces: list[dict[str, Any]] = []
        unprocessed: list[str] = []
        for i in range(0, len(ids), BATCH_GET_TRACES_IDS):
            kwargs: dict[str, Any] = {"TraceIds": ids[i : i + BATCH_GET_TRACES_IDS]}
            while True:
                page = self._call("batch_get_traces", "xray:BatchGetTraces", **kwargs)
                traces.extend(page.get("Traces", []))
                unprocessed.extend(page.get("UnprocessedTraceIds", []))
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        response = {"Traces": traces, "UnprocessedTraceIds": unprocessed}
        link = xray_trace_url(self.settings.aws.region, ids[0])
        result = from_batch_get_traces(response, query="BatchGetTraces " + " ".join(ids), link=link)
        if unprocessed and not traces:
            return result.model_copy(
                update={
                    "error": f"no trace found for: {', '.join(unprocessed)} (X-Ray keeps traces 30 days)"
                }
            )
        return result

    def get_service_graph(self, time_range: TimeRange) -> QueryResult:
        start, end = _whole_seconds(time_range.start, time_range.end)
        kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end}
        services: list[dict[str, Any]] = []
        first: dict[str, Any] = {}
        while True:
            page = self._call("get_service_graph", "xray:GetServiceGraph", **kwargs)
            first = first or page
            services.extend(page.get("Services", []))
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        response = {
            "StartTime": first.get("StartTime"),
            "EndTime": first.get("EndTime"),
            "Services": services,
            "ContainsOldGroupVersions": first.get("ContainsOldGroupVersions", False),
        }
        return from_service_graph(
            response,
            time_range=time_range,
            link=xray_service_map_url(self.settings.aws.region, time_range),
        )
