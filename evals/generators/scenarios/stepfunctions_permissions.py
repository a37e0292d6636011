"""permissions: a least-privilege clean-up rewrites render-report's inline S3 policy to a
prefix the function does not write to; every report execution fails with AccessDenied on
PutObject. A code deployment of another function in the same workflow is the red herring."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import CODEPIPELINE, dashboard_poll, sso_user
from evals.generators.cloudtrail import Trail, function_arn, lambda_configuration, resource
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import Invocation, LambdaLogs, plain_entry, unhandled_python_error
from evals.generators.manifest import alarm_on, manifest, readme_beside
from evals.generators.metrics import MetricFile, count_by_minute
from evals.generators.stepfunctions import StateMachineLogs, TaskRun

NAME = "stepfunctions-permissions"
START, END = utc("2026-03-13T10:00:00Z"), utc("2026-03-13T10:45:00Z")
CODE_DEPLOY = utc("2026-03-13T10:06:40Z")
POLICY_CHANGE = utc("2026-03-13T10:21:07Z")
BUCKET = "reports-prod"
ROLE = "render-report-role"


def _denied(key: str) -> str:
    return (
        "An error occurred (AccessDenied) when calling the PutObject operation: User: "
        f"arn:aws:sts::123456789012:assumed-role/{ROLE}/render-report is not authorized to "
        f'perform: s3:PutObject on resource: "arn:aws:s3:::{BUCKET}/{key}" because no '
        "identity-based policy allows the s3:PutObject action"
    )


class Workflow:
    """report-pipeline: FetchSales -> RenderReport -> NotifyCustomer, each a Lambda task."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.machine = StateMachineLogs("report-pipeline", ids)
        self.functions = {
            name: LambdaLogs(name, ids, memory_mb=mem, runtime="python3.12", timeout_s=60)
            for name, mem in (
                ("fetch-sales", 256),
                ("render-report", 1024),
                ("notify-customer", 128),
            )
        }

    def run(self, at: datetime) -> None:
        rng = self.ids.rng
        customer = f"cust-{rng.randint(1000, 9999)}"
        key = f"reports/{at:%Y-%m-%d}/{customer}/weekly-sales.pdf"
        tasks, t = [], at + timedelta(milliseconds=40)
        fetch_ms = rng.uniform(300, 900)
        lines = [
            plain_entry(
                t,
                fetch_ms - 5,
                "INFO",
                "{rid}",
                f"Fetched {rng.randint(40, 900)} sales rows for {customer}",
            )
        ]
        if rng.random() < 0.06:
            lines.insert(
                0,
                plain_entry(
                    t,
                    120.0,
                    "WARNING",
                    "{rid}",
                    "Sales API returned a partial page (HTTP 206), retrying page 2",
                ),
            )
        tasks.append(
            self._task(
                "FetchSales",
                "fetch-sales",
                t,
                fetch_ms,
                lines,
                output={"customer": customer, "rows": "s3://reports-staging/tmp/rows.json"},
            )
        )
        t += timedelta(milliseconds=fetch_ms + 60)
        render_ms = rng.uniform(1800, 3200)
        if at >= POLICY_CHANGE:
            render_ms = rng.uniform(1500, 2100)
            message = _denied(key)
            trace = unhandled_python_error(
                "ClientError",
                message,
                [
                    ("/var/task/app.py", 71, "handler", "upload(pdf, key)"),
                    (
                        "/var/task/report/storage.py",
                        24,
                        "upload",
                        f's3.put_object(Bucket="{BUCKET}", Key=key, Body=pdf)',
                    ),
                    (
                        "/var/runtime/botocore/client.py",
                        1021,
                        "_make_api_call",
                        "raise error_class(parsed_response, operation_name)",
                    ),
                ],
            )
            cause = json.dumps(
                {
                    "errorMessage": message,
                    "errorType": "ClientError",
                    "requestId": "{rid}",
                    "stackTrace": [
                        '  File "/var/task/app.py", line 71, in handler\n    upload(pdf, key)\n'
                    ],
                }
            )
            tasks.append(
                self._task(
                    "RenderReport",
                    "render-report",
                    t,
                    render_ms,
                    [(render_ms - 3, trace)],
                    error=("ClientError", cause),
                )
            )
        else:
            tasks.append(
                self._task(
                    "RenderReport",
                    "render-report",
                    t,
                    render_ms,
                    [
                        plain_entry(
                            t,
                            render_ms - 4,
                            "INFO",
                            "{rid}",
                            f"Uploaded s3://{BUCKET}/{key} ({rng.randint(180, 900)} KB)",
                        )
                    ],
                    output={"customer": customer, "report": f"s3://{BUCKET}/{key}"},
                )
            )
            t += timedelta(milliseconds=render_ms + 60)
            notify_ms = rng.uniform(60, 140)
            tasks.append(
                self._task(
                    "NotifyCustomer",
                    "notify-customer",
                    t,
                    notify_ms,
                    [
                        plain_entry(
                            t, notify_ms - 2, "INFO", "{rid}", f"Emailed report link to {customer}"
                        )
                    ],
                    output={"sent": True},
                )
            )
        self.machine.execute(at, {"customer": customer, "period": "weekly"}, tasks)

    def _task(
        self,
        state: str,
        function: str,
        start: datetime,
        duration_ms: float,
        lines: list[tuple[float, str]],
        *,
        output: dict[str, Any] | None = None,
        error: tuple[str, str] | None = None,
    ) -> TaskRun:
        request_id = self.ids.uuid4()
        rendered = [(offset, text.replace("{rid}", request_id)) for offset, text in lines]
        self.functions[function].invoke(
            Invocation(
                request_id,
                start,
                duration_ms,
                rendered,
                max_memory_mb=self.ids.rng.randint(90, 180),
            )
        )
        if error:
            error = (error[0], error[1].replace("{rid}", request_id))
        return TaskRun(state, function, duration_ms + 30, error=error, output=output or {})


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=52),
        END,
        "reports-",
        (
            "states.amazonaws.com",
            "ListExecutions",
            {
                "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:report-pipeline",
                "statusFilter": "FAILED",
            },
        ),
    )
    trail.call(
        CODE_DEPLOY,
        CODEPIPELINE,
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        read_only=False,
        request={
            "functionName": "fetch-sales",
            "s3Bucket": "codepipeline-us-east-1-artifacts",
            "s3Key": "reports/fetch-sales/7f3c2b1.zip",
            "publish": False,
        },
        response=lambda_configuration(
            "fetch-sales",
            modified=CODE_DEPLOY,
            revision_id=ids.uuid4(),
            timeout=60,
            memory=256,
            description="Fetch weekly sales rows",
        ),
        resources=[resource("AWS::Lambda::Function", function_arn("fetch-sales"))],
    )
    engineer = sso_user("mia.s@example.com", cli_command="iam.put-role-policy", ip="198.51.100.61")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteDailyReports",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": f"arn:aws:s3:::{BUCKET}/daily/*",
            }
        ],
    }
    trail.call(
        POLICY_CHANGE - timedelta(minutes=2, seconds=13),
        engineer,
        "iam.amazonaws.com",
        "GetRolePolicy",
        read_only=True,
        request={"roleName": ROLE, "policyName": "s3-write"},
    )
    trail.call(
        POLICY_CHANGE,
        engineer,
        "iam.amazonaws.com",
        "PutRolePolicy",
        read_only=False,
        request={"roleName": ROLE, "policyName": "s3-write", "policyDocument": json.dumps(policy)},
        response=None,
    )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    workflow = Workflow(ids)
    for at in arrivals(ids.rng, START, END, lambda m: 3):
        workflow.run(at)
    writer.jsonl(
        "logs/states-report-pipeline.jsonl",
        sorted(workflow.machine.events, key=lambda e: (e["timestamp"], e["logStream"])),
    )
    for function in workflow.functions.values():
        function.write(writer)
    metrics = MetricFile(marks=minutes(START, END))
    workflow.machine.write_metrics(metrics)
    metrics.write(writer)
    _trail(ids).write(writer)
    failed = count_by_minute([r[0] for r in workflow.machine.executions if r[2] == "FAILED"])
    fired_alarm = alarm_on(
        failed,
        "report-pipeline-failed",
        "Failed report-pipeline executions",
        namespace="AWS/States",
        metric="ExecutionsFailed",
        dimensions={
            "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:report-pipeline"
        },
        threshold=1.0,
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="report-pipeline executions failing",
        architecture="EventBridge Scheduler -> Step Functions Standard workflow report-pipeline: "
        "FetchSales (Lambda fetch-sales) -> RenderReport (Lambda render-report, writes the PDF to "
        "S3 bucket reports-prod under reports/) -> NotifyCustomer (Lambda notify-customer).",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "At 10:21 PutRolePolicy replaced the inline policy s3-write of "
            "render-report-role with one that allows s3:PutObject only on reports-prod/daily/*; "
            "render-report writes under reports/, so every RenderReport task fails with "
            "AccessDenied and the executions fail.",
            "categories": ["permissions", "configuration"],
            "must_mention": [
                ["AccessDenied", "not authorized", "s3:PutObject"],
                ["PutRolePolicy", "policy"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "AccessDenied"},
                {"source": "cloudtrail", "contains": "PutRolePolicy"},
            ],
            "red_herrings": [
                "CodePipeline's UpdateFunctionCode of fetch-sales at 10:06 (that step keeps succeeding)",
                "occasional 'Sales API returned a partial page' warnings in fetch-sales",
            ],
            "difficulty": "medium",
        },
        tags=["permissions", "stepfunctions", "lambda", "iam", "logs", "cloudtrail"],
    )
