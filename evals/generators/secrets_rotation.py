"""A Secrets Manager rotation as it shows up in the telemetry: the `RotateSecret` call, the
rotation function's four steps (createSecret, setSecret, testSecret, finishSecret) with
the log lines of AWS's rotation templates, and the Secrets Manager calls the function's
role makes (GetRandomPassword, PutSecretValue for AWSPENDING, UpdateSecretVersionStage to
AWSCURRENT)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from evals.generators.actors import workload_role
from evals.generators.cloudtrail import Principal, Trail, resource
from evals.generators.common import ACCOUNT_ID, REGION, Ids
from evals.generators.lambda_logs import Invocation, LambdaLogs, plain_line

SOURCE = "secretsmanager.amazonaws.com"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


@dataclass(frozen=True)
class Secret:
    name: str
    suffix: str  # the six random characters Secrets Manager appends to the ARN

    @property
    def arn(self) -> str:
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{self.name}-{self.suffix}"


def _step_lines(
    step: str, secret: Secret, user: str, engine: str, version: str, at: datetime, rid: str
) -> list[tuple[float, str]]:
    """What the RDS single-user rotation template logs in each step."""
    arn = secret.arn
    text = {
        "createSecret": f"createSecret: Successfully put secret for ARN {arn} and version {version}.",
        "setSecret": f"setSecret: Successfully set password for user {user} in {engine} DB for "
        f"secret arn {arn}.",
        "testSecret": f"testSecret: Successfully signed into {engine} DB for secret arn {arn}.",
        "finishSecret": f"finishSecret: Successfully set AWSCURRENT stage to version {version} "
        f"for secret {arn}.",
    }[step]
    return [(35.0, plain_line("INFO", at + timedelta(milliseconds=35), rid, text))]


def rotate(
    trail: Trail,
    function: LambdaLogs,
    ids: Ids,
    *,
    secret: Secret,
    requested_by: Principal,
    at: datetime,
    db_user: str,
    engine: str = "PostgreSQL",
    rotation_days: int = 30,
) -> datetime:
    """Record a rotation requested at `at` (e.g. turning rotation on in the console, which
    rotates at once); returns when the new password was set in the database (setSecret)."""
    version = ids.uuid4()
    target = [resource("AWS::SecretsManager::Secret", secret.arn)]
    trail.call(
        at,
        requested_by,
        SOURCE,
        "RotateSecret",
        read_only=False,
        request={
            "secretId": secret.name,
            "clientRequestToken": version,
            "rotationLambdaARN": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:"
            f"{function.function_name}",
            "rotationRules": {"automaticallyAfterDays": rotation_days},
            "rotateImmediately": True,
        },
        response={"aRN": secret.arn, "name": secret.name, "versionId": version},
        resources=target,
    )
    role = workload_role(f"{function.function_name}-role", function.function_name)
    step_at = at + timedelta(milliseconds=ids.rng.randint(600, 900))
    password_set = step_at
    for step in STEPS:
        rid = ids.uuid4()
        duration = ids.rng.uniform(180, 420) if step in ("setSecret", "testSecret") else 90.0
        lines = _step_lines(step, secret, db_user, engine, version, step_at, rid)
        function.invoke(Invocation(rid, step_at, duration, lines, max_memory_mb=78))
        calls: list[tuple[str, dict[str, Any]]] = [
            ("DescribeSecret", {"secretId": secret.arn}),
        ]
        if step == "createSecret":
            calls += [
                ("GetSecretValue", {"secretId": secret.arn, "versionStage": "AWSCURRENT"}),
                ("GetRandomPassword", {"excludeCharacters": "/@\"'\\"}),
                (
                    "PutSecretValue",
                    {
                        "secretId": secret.arn,
                        "clientRequestToken": version,
                        "versionStages": ["AWSPENDING"],
                    },
                ),
            ]
        elif step in ("setSecret", "testSecret"):
            calls.append(("GetSecretValue", {"secretId": secret.arn, "versionStage": "AWSPENDING"}))
            if step == "setSecret":
                password_set = step_at + timedelta(milliseconds=duration * 0.8)
        else:
            calls.append(
                (
                    "UpdateSecretVersionStage",
                    {
                        "secretId": secret.arn,
                        "versionStage": "AWSCURRENT",
                        "moveToVersionId": version,
                        "removeFromVersionId": ids.uuid4(),
                    },
                )
            )
        for n, (name, request) in enumerate(calls):
            trail.call(
                step_at + timedelta(milliseconds=20 + 30 * n),
                role,
                SOURCE,
                name,
                read_only=name in ("DescribeSecret", "GetSecretValue", "GetRandomPassword"),
                request=request,
                response={"aRN": secret.arn, "name": secret.name, "versionId": version}
                if name in ("PutSecretValue", "UpdateSecretVersionStage")
                else None,
                resources=target if name != "GetRandomPassword" else None,
            )
        step_at += timedelta(milliseconds=duration + ids.rng.randint(150, 400))
    return password_set
