"""API Gateway (REST API) access logs in JSON, as configured with the usual
`$context` variables, written to a CloudWatch Logs group."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evals.generators.common import Ids, epoch_ms

# The access-log format the scenarios' stages use ($context variables, in this order).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationErrorMessage": "$context.integrationErrorMessage",
    "errorMessage": "$context.error.message",
    "xrayTraceId": "$context.xrayTraceId",
    "userAgent": "$context.identity.userAgent",
}


@dataclass
class ApiRequest:
    """One request through the stage, as its access-log line reports it."""

    at: datetime
    method: str
    resource_path: str
    path: str
    status: int
    response_latency_ms: int
    integration_status: int | None = None
    integration_latency_ms: int | None = None
    response_length: int = 0
    error_message: str | None = None
    integration_error: str | None = None
    trace_id: str | None = None
    source_ip: str = "203.0.113.10"
    user_agent: str = "okhttp/4.12.0"


@dataclass
class ApiAccessLogs:
    api_id: str
    stage: str
    ids: Ids
    events: list[dict[str, Any]] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)

    @property
    def log_group(self) -> str:
        return f"API-Gateway-Access-Logs_{self.api_id}/{self.stage}"

    def log(self, request: ApiRequest) -> str:
        """Record the access-log line; returns the API Gateway request id."""
        if not self.streams:
            self.streams = [self.ids.hex(32) for _ in range(3)]
        request_id = self.ids.uuid4()
        dash = "-"
        line = {
            "requestId": request_id,
            "extendedRequestId": self.ids.apigw_extended_id(),
            "ip": request.source_ip,
            "caller": dash,
            "user": dash,
            "requestTime": request.at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "httpMethod": request.method,
            "resourcePath": request.resource_path,
            "path": request.path,
            "status": str(request.status),
            "protocol": "HTTP/1.1",
            "responseLength": str(request.response_length),
            "responseLatency": str(request.response_latency_ms),
            "integrationStatus": (
                str(request.integration_status) if request.integration_status else dash
            ),
            "integrationLatency": (
                str(request.integration_latency_ms)
                if request.integration_latency_ms is not None
                else dash
            ),
            "integrationErrorMessage": request.integration_error or dash,
            "errorMessage": request.error_message or dash,
            "xrayTraceId": request.trace_id or dash,
            "userAgent": request.user_agent,
        }
        stream = self.streams[self.ids.rng.randrange(len(self.streams))]
        self.events.append(
            {
                "logGroup": self.log_group,
                "logStream": stream,
                "timestamp": epoch_ms(request.at) + request.response_latency_ms,
                "message": json.dumps(line, separators=(",", ":")),
            }
        )
        return request_id
