"""Step Functions (Standard) execution history as the state machine's CloudWatch Logs
logging writes it (level ALL), and the AWS/States metric points."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from evals.generators.common import ACCOUNT_ID, REGION, Ids, epoch_ms
from evals.generators.metrics import MetricFile, count_by_minute, mean_by_minute


@dataclass
class TaskRun:
    """One Task state that invokes a Lambda function: its duration, output or error."""

    state: str
    function: str
    duration_ms: float
    error: tuple[str, str] | None = None  # (error, cause)
    output: dict[str, Any] = field(default_factory=dict)


@dataclass
class StateMachineLogs:
    name: str
    ids: Ids
    events: list[dict[str, Any]] = field(default_factory=list)
    executions: list[tuple[datetime, float, str]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{self.name}"

    @property
    def log_group(self) -> str:
        return f"/aws/vendedlogs/states/{self.name}-Logs"

    def execute(self, start: datetime, input_: dict[str, Any], tasks: list[TaskRun]) -> str:
        """Log one execution that runs `tasks` in order until one fails; returns its status."""
        execution = self.ids.uuid4()
        history = _History(
            self,
            f"arn:aws:states:{REGION}:{ACCOUNT_ID}:execution:{self.name}:{execution}",
            f"states/{self.name}/{start:%Y-%m-%d-%H-%M}/{self.ids.hex(8)}",
            start,
        )
        emit = history.emit
        emit(
            "ExecutionStarted",
            {
                "input": json.dumps(input_),
                "inputDetails": {"truncated": False},
                "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{self.name}-role",
            },
        )
        payload = input_
        for task in tasks:
            fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{task.function}"
            emit("TaskStateEntered", {"input": json.dumps(payload), "name": task.state}, 8)
            emit(
                "TaskScheduled",
                {
                    "parameters": json.dumps({"FunctionName": fn_arn, "Payload": payload}),
                    "region": REGION,
                    "resource": "invoke",
                    "resourceType": "lambda",
                },
                2,
            )
            emit("TaskStarted", {"resource": "invoke", "resourceType": "lambda"}, 14)
            if task.error:
                error, cause = task.error
                emit(
                    "TaskFailed",
                    {
                        "cause": cause,
                        "error": error,
                        "resource": "invoke",
                        "resourceType": "lambda",
                    },
                    task.duration_ms,
                )
                emit("ExecutionFailed", {"cause": cause, "error": error}, 12)
                self._done(start, history.at, "FAILED")
                return "FAILED"
            output = {"ExecutedVersion": "$LATEST", "Payload": task.output, "StatusCode": 200}
            emit(
                "TaskSucceeded",
                {"output": json.dumps(output), "resource": "invoke", "resourceType": "lambda"},
                task.duration_ms,
            )
            emit("TaskStateExited", {"name": task.state, "output": json.dumps(output)}, 3)
            payload = task.output
        emit("ExecutionSucceeded", {"output": json.dumps(payload)}, 9)
        self._done(start, history.at, "SUCCEEDED")
        return "SUCCEEDED"

    def _done(self, start: datetime, end: datetime, status: str) -> None:
        self.executions.append((start, (end - start).total_seconds() * 1000, status))

    def write_metrics(self, metrics: MetricFile) -> None:
        dims = {"StateMachineArn": self.arn}
        runs = self.executions
        metrics.add("AWS/States", "ExecutionsStarted", dims, count_by_minute([r[0] for r in runs]))
        for status, name in (("SUCCEEDED", "ExecutionsSucceeded"), ("FAILED", "ExecutionsFailed")):
            metrics.add(
                "AWS/States", name, dims, count_by_minute([r[0] for r in runs if r[2] == status])
            )
        metrics.add(
            "AWS/States",
            "ExecutionTime",
            dims,
            mean_by_minute([(r[0], r[1]) for r in runs]),
            unit="Milliseconds",
            statistic="Average",
            fill=None,
        )


@dataclass
class _History:
    """The numbered events of one execution, each `gap_ms` after the previous one."""

    machine: StateMachineLogs
    execution_arn: str
    stream: str
    at: datetime
    last_id: int = 0

    def emit(self, kind: str, details: dict[str, Any], gap_ms: float = 0) -> None:
        self.at += timedelta(milliseconds=gap_ms)
        self.last_id += 1
        message = {
            "id": str(self.last_id),
            "type": kind,
            "details": details,
            "previous_event_id": str(self.last_id - 1),
            "event_timestamp": str(epoch_ms(self.at)),
            "execution_arn": self.execution_arn,
            "redrive_count": "0",
        }
        self.machine.events.append(
            {
                "logGroup": self.machine.log_group,
                "logStream": self.stream,
                "timestamp": epoch_ms(self.at),
                "message": json.dumps(message, separators=(",", ":")),
            }
        )
