"""`describe_resource` and `get_config_history`: what the resources look like and how their
configuration changed — the next thing an on-call engineer opens after the telemetry.

Only the read-only calls of `agent.telemetry.resource_catalog` can run; anything else comes
back as an error listing them. Secret values never leave the backend (see
`agent.telemetry.shapes.resources`).
"""

from __future__ import annotations

import inspect
import re

from langchain_core.tools import tool
from langgraph.types import Command
from pydantic import BaseModel, Field

from agent.run_context import InvestigationContext
from agent.telemetry.base import QueryError, QueryResult
from agent.telemetry.resource_catalog import OPERATIONS, ResourceRequest
from agent.tools.base import Runtime, execute

_CALLS = "\n".join(f"- {op.usage()}: {op.summary}" for op in OPERATIONS)
RESOURCE_TYPE = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$")


class DescribeResourceInput(BaseModel):
    service: str = Field(
        description="The AWS service as boto3 names it: lambda, elbv2, ec2, iam, "
        "secretsmanager, sqs, dynamodb, rds, ecs, apigateway, apigatewayv2, codedeploy, ssm."
    )
    operation: str = Field(
        description="The read-only API operation, e.g. GetFunctionConfiguration, "
        "DescribeTargetHealth, ListAttachedRolePolicies (only the listed calls are allowed)."
    )
    parameters: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="The operation's parameters by their AWS names, e.g. "
        '{"FunctionName": "orders-put"}, {"TargetGroupArn": "arn:aws:elasticloadbalancing:..."}; '
        "EC2 filters by filter name, e.g. "
        '{"private-ip-address": "10.0.1.23"}; lists as JSON arrays or comma-separated.',
    )


@tool("describe_resource", args_schema=DescribeResourceInput)
def describe_resource(
    service: str,
    operation: str,
    parameters: dict[str, str | list[str]] | None = None,
    *,
    runtime: Runtime,
) -> Command:
    """Read a resource's current state or configuration with one read-only AWS call. Allowed
    calls (`?` marks an optional parameter):

    {calls}

    Environment and stage variable values and secret values are never returned (names are)."""
    try:
        request: ResourceRequest | None = ResourceRequest.build(service, operation, parameters)
        error = None
    except QueryError as exc:
        request, error = None, exc
    query = request.describe() if request else f"{service} {operation}"

    def run(ctx: InvestigationContext) -> QueryResult:
        if request is None:
            assert error is not None
            raise error
        return ctx.backend.describe_resource(request)

    return execute(
        runtime,
        tool="describe_resource",
        source="resources",
        query=query,
        run=run,
        capability="resources",
    )


# The allow-list is written into the description the model reads, from the one table.
describe_resource.description = inspect.cleandoc(describe_resource.description).replace(
    "{calls}", _CALLS
)


class ConfigHistoryInput(BaseModel):
    resource_type: str = Field(
        description="AWS Config resource type, e.g. AWS::Lambda::Function, AWS::IAM::Role, "
        "AWS::IAM::Policy, AWS::EC2::SecurityGroup, AWS::SQS::Queue, AWS::DynamoDB::Table, "
        "AWS::ElasticLoadBalancingV2::TargetGroup, AWS::Lambda::EventSourceMapping."
    )
    resource_id: str = Field(
        description="The resource's id or name as AWS Config knows it: function name, role "
        "name, policy ARN, security group id (sg-...), queue URL, table name, target group ARN."
    )


@tool("get_config_history", args_schema=ConfigHistoryInput)
def get_config_history(resource_type: str, resource_id: str, *, runtime: Runtime) -> Command:
    """What changed on one resource: its AWS Config configuration items over the incident
    window and just before it, each with the fields it changed (`path: old -> new`). When
    Config does not record the resource, the CloudTrail writes on it instead (and says so)."""
    kind, ident = resource_type.strip(), resource_id.strip()
    query = f"GetResourceConfigHistory {kind} {ident}"

    def run(ctx: InvestigationContext) -> QueryResult:
        if not RESOURCE_TYPE.match(kind):
            raise QueryError(
                f"resource_type {resource_type!r} is not an AWS Config type such as "
                "AWS::Lambda::Function or AWS::IAM::Role"
            )
        if not ident:
            raise QueryError("resource_id is empty: give the resource's id or name")
        return ctx.backend.get_config_history(kind, ident, ctx.window)

    return execute(
        runtime,
        tool="get_config_history",
        source="config",
        query=query,
        run=run,
        capability="config_history",
        time_range=runtime.context.window,
    )
