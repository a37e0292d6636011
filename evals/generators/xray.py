"""X-Ray segment documents and `BatchGetTraces`-shaped files.

The builders return plain dicts with the fields real SDKs and AWS services send: id,
trace_id, name, start_time/end_time (epoch seconds), origin, http.request/response, aws,
error/fault/throttle flags, cause with exceptions, and subsegments (namespace "aws" for
AWS SDK calls, "remote" for HTTP calls to other services).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import ACCOUNT_ID, REGION, BundleWriter, Ids


def _t(at: datetime) -> float:
    return round(at.timestamp(), 3)


def _flags(doc: dict[str, Any], status: int | None, throttle: bool = False) -> None:
    if status is None:
        return
    if status >= 500:
        doc["fault"] = True
    elif status == 429 or throttle:
        doc["error"] = True
        doc["throttle"] = True
    elif status >= 400:
        doc["error"] = True


def exception_cause(ids: Ids, exc_type: str, message: str, *, remote: bool) -> dict[str, Any]:
    return {
        "working_directory": "/var/task",
        "exceptions": [
            {"id": ids.segment_id(), "message": message, "type": exc_type, "remote": remote}
        ],
    }


def aws_call(
    ids: Ids,
    service: str,
    operation: str,
    start: datetime,
    end: datetime,
    *,
    status: int = 200,
    resource: dict[str, Any] | None = None,
    throttle: bool = False,
    retries: int = 0,
    error_type: str | None = None,
    error_message: str | None = None,
) -> dict[str, Any]:
    """An AWS SDK call subsegment (e.g. DynamoDB PutItem, SQS SendMessage)."""
    aws: dict[str, Any] = {
        "operation": operation,
        "region": REGION,
        "request_id": ids.dynamodb_request_id() if service == "DynamoDB" else ids.uuid4(),
        "retries": retries,
    }
    aws.update(resource or {})
    doc: dict[str, Any] = {
        "id": ids.segment_id(),
        "name": service,
        "start_time": _t(start),
        "end_time": _t(end),
        "namespace": "aws",
        "http": {"response": {"status": status, "content_length": 2 if status < 300 else 196}},
        "aws": aws,
    }
    _flags(doc, status, throttle)
    if error_type:
        doc["cause"] = exception_cause(ids, error_type, error_message or "", remote=True)
    return doc


def remote_http(
    ids: Ids,
    host: str,
    method: str,
    url: str,
    start: datetime,
    end: datetime,
    *,
    status: int | None,
    error_type: str | None = None,
    error_message: str | None = None,
) -> dict[str, Any]:
    """An outgoing HTTP call subsegment; status None means no response (time-out, reset)."""
    doc: dict[str, Any] = {
        "id": ids.segment_id(),
        "name": host,
        "start_time": _t(start),
        "end_time": _t(end),
        "namespace": "remote",
        "http": {"request": {"method": method, "url": url}},
    }
    if status is not None:
        doc["http"]["response"] = {"status": status, "content_length": 312}
        _flags(doc, status)
    else:
        doc["fault"] = True
    if error_type:
        doc["cause"] = exception_cause(ids, error_type, error_message or "", remote=True)
    return doc


def sql_call(
    ids: Ids, database: str, url: str, start: datetime, end: datetime, *, error: str | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": ids.segment_id(),
        "name": database,
        "start_time": _t(start),
        "end_time": _t(end),
        "namespace": "remote",
        "sql": {"url": url, "database_type": "PostgreSQL", "driver_version": "psycopg 3.1.18"},
    }
    if error:
        doc["fault"] = True
        doc["cause"] = exception_cause(ids, error.split(":")[0], error, remote=True)
    return doc


def local(name: str, ids: Ids, start: datetime, end: datetime, *subs: dict[str, Any]) -> dict:
    doc: dict[str, Any] = {"id": ids.segment_id(), "name": name, "start_time": _t(start)}
    doc["end_time"] = _t(end)
    if subs:
        doc["subsegments"] = list(subs)
    return doc


@dataclass
class TraceBuilder:
    """Assembles the segments of one trace; parents link through `parent_id`."""

    ids: Ids
    trace_id: str
    segments: list[dict[str, Any]] = field(default_factory=list)

    def segment(
        self,
        name: str,
        origin: str,
        start: datetime,
        end: datetime,
        *,
        parent_id: str | None = None,
        http_request: dict[str, Any] | None = None,
        status: int | None = None,
        aws: dict[str, Any] | None = None,
        resource_arn: str | None = None,
        subsegments: list[dict[str, Any]] | None = None,
        cause: tuple[str, str] | None = None,
        annotations: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.ids.segment_id(),
            "name": name,
            "start_time": _t(start),
            "trace_id": self.trace_id,
            "end_time": _t(end),
        }
        if parent_id:
            doc["parent_id"] = parent_id
        doc["origin"] = origin
        if resource_arn:
            doc["resource_arn"] = resource_arn
        if http_request or status is not None:
            doc["http"] = {}
            if http_request:
                doc["http"]["request"] = http_request
            if status is not None:
                doc["http"]["response"] = {"status": status}
        if aws:
            doc["aws"] = aws
        _flags(doc, status)
        if cause:
            doc["fault"] = True
            doc["cause"] = exception_cause(self.ids, cause[0], cause[1], remote=False)
        if annotations:
            doc["annotations"] = annotations
        if subsegments:
            doc["subsegments"] = subsegments
        self.segments.append(doc)
        return doc

    def lambda_pair(
        self,
        function: str,
        start: datetime,
        end: datetime,
        *,
        parent_id: str | None,
        request_id: str,
        calls: list[dict[str, Any]],
        cold_init_ms: float | None = None,
        function_error: tuple[str, str] | None = None,
    ) -> None:
        """The Lambda service segment and the function segment under it."""
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"
        service = self.segment(
            function,
            "AWS::Lambda",
            start,
            end,
            parent_id=parent_id,
            status=200,
            aws={"request_id": request_id},
            resource_arn=arn,
        )
        if function_error:
            service["error"] = True
        body_start = start + timedelta(milliseconds=2)
        subs: list[dict[str, Any]] = []
        if cold_init_ms is not None:
            subs.append(
                local(
                    "Initialization", self.ids, start - timedelta(milliseconds=cold_init_ms), start
                )
            )
        invocation = local("Invocation", self.ids, body_start, end - timedelta(milliseconds=1))
        if calls:
            invocation["subsegments"] = calls
        if function_error:
            invocation["fault"] = True
            invocation["cause"] = exception_cause(self.ids, *function_error, remote=False)
        subs.append(invocation)
        subs.append(local("Overhead", self.ids, end - timedelta(milliseconds=1), end))
        self.segment(
            function,
            "AWS::Lambda::Function",
            body_start,
            end,
            parent_id=service["id"],
            aws={"account_id": ACCOUNT_ID, "function_arn": arn, "resource_names": [function]},
            subsegments=subs,
            cause=function_error,
        )


@dataclass
class TraceStore:
    traces: list[TraceBuilder] = field(default_factory=list)

    def add(self, trace: TraceBuilder) -> None:
        self.traces.append(trace)

    def write(self, writer: BundleWriter, name: str = "traces") -> None:
        out = []
        for trace in self.traces:
            starts = [s["start_time"] for s in trace.segments]
            ends = [s["end_time"] for s in trace.segments]
            out.append(
                {
                    "Id": trace.trace_id,
                    "Duration": round(max(ends) - min(starts), 3),
                    "LimitExceeded": False,
                    "Segments": [
                        {"Id": s["id"], "Document": json.dumps(s, separators=(",", ":"))}
                        for s in trace.segments
                    ],
                }
            )
        writer.json(f"xray/{name}.json", {"Traces": out, "UnprocessedTraceIds": []})
