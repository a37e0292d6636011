"""deployment: CodeDeploy shifts profile-api's `live` alias to version 42 (10 % canary for
five minutes, then all traffic). Version 42 crashes on profiles without preferences
(TypeError reading 'locale'); API Gateway answers 502. The alarm fires only once the
canary is promoted. Enabling TTL on another table shortly before is the red herring."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from evals.generators.actors import CODEPIPELINE, TERRAFORM_PIPELINE, dashboard_poll
from evals.generators.cloudtrail import (
    Principal,
    Trail,
    function_arn,
    lambda_configuration,
    resource,
    table_arn,
)
from evals.generators.common import BundleWriter, Ids, arrivals, minutes, seeded_rng, utc
from evals.generators.lambda_logs import LambdaLogs, node_info_line, node_invoke_error
from evals.generators.manifest import manifest, readme_beside
from evals.generators.metrics import MetricFile
from evals.generators.serverless_api import Call, HandlerResult, Route, ServerlessApi, api_alarm
from evals.generators.xray import aws_call

NAME = "lambda-canary-release"
START, END = utc("2026-03-30T09:00:00Z"), utc("2026-03-30T09:45:00Z")
TTL_CHANGE = utc("2026-03-30T09:04:51Z")
PUBLISH, CANARY, PROMOTE = (
    utc("2026-03-30T09:10:02Z"),
    utc("2026-03-30T09:10:40Z"),
    utc("2026-03-30T09:15:45Z"),
)
TYPE_ERROR = "Cannot read properties of undefined (reading 'locale')"


def _version(at: datetime, ids: Ids) -> str:
    if at >= PROMOTE:
        return "42"
    if at >= CANARY and ids.rng.random() < 0.1:
        return "42"
    return "41"


def get_profile(call: Call, ids: Ids) -> HandlerResult:
    rng = ids.rng
    version = _version(call.at, ids)
    read_ms = rng.uniform(3, 8)
    start = call.at + timedelta(milliseconds=2)
    sub = aws_call(
        ids,
        "DynamoDB",
        "GetItem",
        start,
        start + timedelta(milliseconds=read_ms),
        resource={"table_name": "profiles", "resource_names": ["profiles"]},
    )
    duration = read_ms + rng.uniform(6, 15)
    profile = call.path.rsplit("/", 1)[-1]
    has_preferences = rng.random() > 0.35
    if version == "42" and not has_preferences:
        error = {
            "errorType": "TypeError",
            "errorMessage": TYPE_ERROR,
            "stack": [
                f"TypeError: {TYPE_ERROR}",
                "    at formatProfile (file:///var/task/index.mjs:88:41)",
                "    at Runtime.handler (file:///var/task/index.mjs:23:12)",
            ],
        }
        line = node_invoke_error(call.at + timedelta(milliseconds=duration), call.request_id, error)
        return HandlerResult(
            502,
            duration,
            [(duration, line)],
            [sub],
            function_error=("TypeError", TYPE_ERROR),
            version=version,
            max_memory_mb=rng.randint(74, 80),
        )
    if rng.random() < 0.04:
        line = node_info_line(
            call.at + timedelta(milliseconds=duration),
            call.request_id,
            f"profile {profile} not found",
        )
        return HandlerResult(
            404, duration, [(duration, line)], [sub], version=version, response_length=41
        )
    line = node_info_line(
        call.at + timedelta(milliseconds=duration),
        call.request_id,
        f"served profile {profile} (preferences={'yes' if has_preferences else 'default'})",
    )
    return HandlerResult(
        200,
        duration,
        [(duration, line)],
        [sub],
        version=version,
        max_memory_mb=rng.randint(74, 82),
        response_length=1240,
    )


def _trail(ids: Ids) -> Trail:
    trail = Trail(ids)
    dashboard_poll(
        trail,
        START + timedelta(seconds=8),
        END,
        "profile-",
    )
    trail.call(
        TTL_CHANGE,
        TERRAFORM_PIPELINE,
        "dynamodb.amazonaws.com",
        "UpdateTimeToLive",
        read_only=False,
        request={
            "tableName": "profile-sessions",
            "timeToLiveSpecification": {"enabled": True, "attributeName": "expiresAt"},
        },
        response={"timeToLiveSpecification": {"enabled": True, "attributeName": "expiresAt"}},
        resources=[resource("AWS::DynamoDB::Table", table_arn("profile-sessions"))],
    )
    fn = [resource("AWS::Lambda::Function", function_arn("profile-api"))]
    # the configuration of the code CodePipeline uploads, then publishes as version 42
    built = partial(
        lambda_configuration,
        "profile-api",
        modified=PUBLISH - timedelta(seconds=21),
        runtime="nodejs20.x",
        handler="index.handler",
        memory=256,
    )
    trail.call(
        PUBLISH - timedelta(seconds=21),
        CODEPIPELINE,
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        read_only=False,
        request={
            "functionName": "profile-api",
            "s3Bucket": "codepipeline-us-east-1-artifacts",
            "s3Key": "profile-api/b7e41c9.zip",
            "publish": False,
        },
        response=built(revision_id=ids.uuid4()),
        resources=fn,
    )
    trail.call(
        PUBLISH,
        CODEPIPELINE,
        "lambda.amazonaws.com",
        "PublishVersion20150331",
        read_only=False,
        request={
            "functionName": "profile-api",
            "description": "b7e41c9 profile formatting refactor",
        },
        response=built(
            revision_id=ids.uuid4(),
            description="b7e41c9 profile formatting refactor",
            extra={"version": "42", "functionArn": function_arn("profile-api") + ":42"},
        ),
        resources=fn,
    )
    codedeploy = Principal(
        "AssumedRole",
        "codedeploy-profile-api",
        "AWSCodeDeploy",
        source_ip="codedeploy.amazonaws.com",
        user_agent="codedeploy.amazonaws.com",
        role_id="AROAZ6EXAMPLECDDEPL1",
    )
    for at, weights, version in ((CANARY, {"42": 0.1}, "41"), (PROMOTE, {}, "42")):
        trail.call(
            at,
            codedeploy,
            "lambda.amazonaws.com",
            "UpdateAlias20150331",
            read_only=False,
            request={
                "functionName": "profile-api",
                "name": "live",
                "functionVersion": version,
                "routingConfig": {"additionalVersionWeights": weights},
            },
            response={
                "aliasArn": function_arn("profile-api") + ":live",
                "name": "live",
                "functionVersion": version,
                "routingConfig": {"additionalVersionWeights": weights},
                "revisionId": ids.uuid4(),
            },
            resources=fn,
        )
    return trail


def generate(writer: BundleWriter) -> None:
    ids = Ids(seeded_rng(NAME))
    writer.window = (START, END)
    function = LambdaLogs("profile-api", ids, memory_mb=256, runtime="nodejs20.x", timeout_s=10)
    api = ServerlessApi("profile-api", "p3r8f1l2xz", "prod", ids, trace_sample_rate=0.15)
    api.route(
        "get",
        Route(
            "GET",
            "/profiles/{profileId}",
            function,
            get_profile,
            lambda ids: f"/profiles/usr_{ids.alnum(10)}",
        ),
    )
    for at in arrivals(ids.rng, START, END, lambda m: 42):
        api.request("get", at)
    api.write(writer, [function])
    metrics = MetricFile(marks=minutes(START, END))
    api.write_metrics(metrics, [function])
    metrics.write(writer)
    _trail(ids).write(writer)
    fired_alarm = api_alarm(
        api, "profile-api-5xx", "5XX errors on the profile API", "5XXError", threshold=5.0
    )
    writer.manifest(_manifest(fired_alarm))
    writer.readme(readme_beside(__file__))


def _manifest(fired_alarm: dict[str, Any]) -> dict[str, Any]:
    return manifest(
        title="profile-api 5XX",
        architecture="API Gateway (REST, profile-api, stage prod) -> Lambda profile-api through "
        "its alias live (Node.js 20; deployed by CodePipeline + CodeDeploy, "
        "Canary10Percent5Minutes) -> DynamoDB table profiles.",
        alarm=fired_alarm,
        start=START,
        end=END,
        ground_truth={
            "root_cause": "Version 42 of profile-api (published 09:10, canary 10 % from 09:10:40, "
            "promoted to 100 % by CodeDeploy UpdateAlias at 09:15:45) throws TypeError: Cannot "
            "read properties of undefined (reading 'locale') for profiles without preferences; "
            "API Gateway returns 502. Roll the live alias back to version 41.",
            "category": "deployment",
            "must_mention": [
                ["version 42", "UpdateAlias", "deploy", "release", "canary", "PublishVersion"],
                ["TypeError", "locale", "preferences"],
            ],
            "key_evidence": [
                {"source": "logs", "contains": "TypeError"},
                {"source": "cloudtrail", "contains": "UpdateAlias"},
            ],
            "red_herrings": [
                "Terraform enabling TTL on the profile-sessions table (UpdateTimeToLive) at 09:04"
            ],
            "difficulty": "easy",
        },
        tags=["deployment", "serverless", "lambda", "apigateway", "logs", "cloudtrail", "xray"],
    )
