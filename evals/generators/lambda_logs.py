"""CloudWatch Logs events as a Lambda function writes them.

Covers the runtime's own lines (INIT_START, START, END, REPORT, task time-outs), the two
logging styles seen in real functions — Powertools-style JSON lines and the Python
runtime's tab-separated plain lines — and execution environments: each has its own log
stream, is reused while warm, and a cold start adds `Init Duration` to REPORT.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from evals.generators.common import BundleWriter, Ids, epoch_ms, iso_ms_z

RUNTIME_VERSIONS = {
    "python3.12": (
        "python:3.12.v38",
        "arn:aws:lambda:us-east-1::runtime:"
        "7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6",
    ),
    "nodejs20.x": (
        "nodejs:20.v41",
        "arn:aws:lambda:us-east-1::runtime:"
        "c3e1c2a3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f",
    ),
}


@dataclass
class _Environment:
    stream: str
    busy_until: datetime
    retired: bool = False
    version: str = "$LATEST"


@dataclass
class Invocation:
    """What one invocation wrote; `lines` are (milliseconds after START, message)."""

    request_id: str
    start: datetime
    duration_ms: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    max_memory_mb: int = 90
    timed_out: bool = False
    version: str = "$LATEST"  # the published version an alias routed to, or $LATEST


@dataclass
class LambdaLogs:
    """Log events of one function, with a pool of execution environments."""

    function_name: str
    ids: Ids
    memory_mb: int = 512
    runtime: str = "python3.12"
    timeout_s: float = 10.0
    environments: list[_Environment] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    cold_starts: list[datetime] = field(default_factory=list)
    # what GetFunctionConfiguration shows at export: variable names, the last update
    environment: tuple[str, ...] = ()
    last_modified: datetime | None = None
    role: str | None = None

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def sorted_events(self) -> list[dict[str, Any]]:
        return sorted(self.events, key=lambda e: (e["timestamp"], e["logStream"]))

    def write(self, writer: BundleWriter) -> None:
        writer.jsonl(f"logs/lambda-{self.function_name}.jsonl", self.sorted_events())
        self.write_configuration(writer)

    def write_configuration(self, writer: BundleWriter) -> None:
        """The function's configuration as the account holds it at export (its memory and
        time-out as they are at the end of the scenario)."""
        from evals.generators.resources import before, function_configuration, snapshot

        start = writer.window[0] if writer.window else datetime(2026, 3, 1, tzinfo=UTC)
        config = function_configuration(
            self.function_name,
            runtime=self.runtime,
            memory_mb=self.memory_mb,
            timeout_s=self.timeout_s,
            last_modified=self.last_modified or before(start),
            role=self.role,
            environment=self.environment,
        )
        snapshot(
            writer,
            "lambda",
            "GetFunctionConfiguration",
            {"FunctionName": self.function_name},
            config,
            slug=self.function_name,
        )

    def recycle_environments(self) -> None:
        """A configuration or code update retires every warm environment."""
        for env in self.environments:
            env.retired = True

    def _event(self, stream: str, at: datetime, message: str) -> None:
        self.events.append(
            {
                "logGroup": self.log_group,
                "logStream": stream,
                "timestamp": epoch_ms(at),
                "message": message,
            }
        )

    def _acquire(self, at: datetime, version: str) -> tuple[_Environment, float | None]:
        for env in self.environments:
            if not env.retired and env.busy_until <= at and env.version == version:
                return env, None
        stream = f"{at:%Y/%m/%d}/[{version}]{self.ids.hex(32)}"
        env = _Environment(stream=stream, busy_until=at, version=version)
        self.environments.append(env)
        self.cold_starts.append(at)
        init_ms = round(self.ids.rng.uniform(380, 720), 2)
        return env, init_ms

    def invoke(self, call: Invocation) -> float | None:
        """Write the invocation's events; returns the init duration on a cold start."""
        env, init_ms = self._acquire(call.start, call.version)
        start = call.start
        if init_ms is not None:
            runtime_version, arn = RUNTIME_VERSIONS[self.runtime]
            init_at = start - timedelta(milliseconds=init_ms + 3)
            self._event(
                env.stream,
                init_at,
                f"INIT_START Runtime Version: {runtime_version}\tRuntime Version ARN: {arn}\n",
            )
        self._event(
            env.stream, start, f"START RequestId: {call.request_id} Version: {call.version}\n"
        )
        for offset_ms, message in call.lines:
            self._event(env.stream, start + timedelta(milliseconds=offset_ms), message)
        duration = call.duration_ms
        end = start + timedelta(milliseconds=duration)
        if call.timed_out:
            self._event(
                env.stream,
                end,
                f"{iso_ms_z(end)} {call.request_id} Task timed out after "
                f"{duration / 1000:.2f} seconds\n",
            )
        self._event(env.stream, end, f"END RequestId: {call.request_id}\n")
        self._event(env.stream, end, self.report_line(call, init_ms))
        env.busy_until = end + timedelta(milliseconds=1)
        return init_ms

    def report_line(self, call: Invocation, init_ms: float | None) -> str:
        billed = math.ceil(call.duration_ms)
        line = (
            f"REPORT RequestId: {call.request_id}\tDuration: {call.duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {self.memory_mb} MB\t"
            f"Max Memory Used: {call.max_memory_mb} MB\t"
        )
        if init_ms is not None:
            line += f"Init Duration: {init_ms:.2f} ms\t"
        return line + "\n"


def powertools_line(
    level: str,
    message: str,
    *,
    at: datetime,
    service: str,
    location: str,
    request_id: str,
    function_name: str,
    memory_mb: int = 512,
    cold_start: bool = False,
    trace_id: str | None = None,
    **extra: Any,
) -> str:
    """A structured log line as AWS Lambda Powertools for Python's Logger writes it."""
    record: dict[str, Any] = {
        "level": level,
        "location": location,
        "message": message,
        "timestamp": at.strftime("%Y-%m-%d %H:%M:%S,") + f"{at.microsecond // 1000:03d}+0000",
        "service": service,
        "cold_start": cold_start,
        "function_name": function_name,
        "function_memory_size": str(memory_mb),
        "function_arn": f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}",
        "function_request_id": request_id,
    }
    record.update(extra)
    if trace_id:
        record["xray_trace_id"] = trace_id
    return json.dumps(record, separators=(",", ":")) + "\n"


def plain_line(level: str, at: datetime, request_id: str, text: str) -> str:
    """The Python runtime's default format: `[LEVEL]\\t<ISO time>\\t<request id>\\t<text>`."""
    return f"[{level}]\t{iso_ms_z(at)}\t{request_id}\t{text}\n"


def plain_entry(
    start: datetime, offset_ms: float, level: str, request_id: str, text: str
) -> tuple[float, str]:
    """A plain_line written `offset_ms` into an invocation that began at `start`, as the
    (offset, message) entry of Invocation.lines."""
    return offset_ms, plain_line(level, start + timedelta(milliseconds=offset_ms), request_id, text)


def unhandled_python_error(
    exc_type: str, message: str, frames: list[tuple[str, int, str, str]]
) -> str:
    """What the Python runtime logs when the handler raises: one event with the traceback.
    Frames are (file, line, function, source line)."""
    lines = [f"[ERROR] {exc_type}: {message}", "Traceback (most recent call last):"]
    for file, line, function, source in frames:
        lines.append(f'  File "{file}", line {line}, in {function}')
        lines.append(f"    {source}")
    return "\n".join(lines) + "\n"


def node_error_line(at: datetime, request_id: str, error_type: str, message: str) -> str:
    """Node.js runtime `console.error` of an error object (tab-separated, like Python)."""
    payload = json.dumps(
        {"errorType": error_type, "errorMessage": message, "name": error_type},
        separators=(",", ":"),
    )
    return f"{iso_ms_z(at)}\t{request_id}\tERROR\t{payload}\n"


def node_info_line(at: datetime, request_id: str, text: str) -> str:
    return f"{iso_ms_z(at)}\t{request_id}\tINFO\t{text}\n"


def node_invoke_error(at: datetime, request_id: str, error: dict[str, Any]) -> str:
    """The Node.js runtime's line for an error the handler did not catch ("Invoke Error")."""
    return f"{iso_ms_z(at)}\t{request_id}\tERROR\tInvoke Error \t{json.dumps(error)}\n"
