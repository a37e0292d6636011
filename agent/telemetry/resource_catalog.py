"""The allow-list of read-only resource calls fa2 may make, and nothing else.

Each entry names the AWS service (boto3's name for it), the API operation, the parameters
it takes (AWS's own names), the IAM action it needs with the resource ARNs IAM can scope it
to, and how its response is shown to the model (`items`, `columns`: JMESPath expressions,
the library botocore itself uses for this). Both telemetry backends, the tool, the CLI, the
bundle checker and the CDK stack read this one table, so the list the model is offered,
the calls that can run and the permissions granted cannot drift apart.

`ResourceRequest.build` is the single gate: an operation that is not listed here is refused
with the list, a parameter the operation does not take is refused with the ones it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.telemetry.base import QueryError

ParamKind = Literal["str", "list", "int", "bool"]
ParamValue = str | int | bool | list[Any]  # list[str], or EC2 Filters ([{Name, Values}])


class ParamSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    kind: ParamKind = "str"
    required: bool = False


class ResourceOperation(BaseModel):
    """One allow-listed call."""

    model_config = ConfigDict(frozen=True)
    service: str  # boto3 client name: lambda, elbv2, ec2, iam, ...
    operation: str  # the API operation: GetFunctionConfiguration, ...
    params: tuple[ParamSpec, ...] = ()
    # EC2-style filters the call accepts; given as parameters named after the filter
    # (`private-ip-address=10.0.1.23`) and sent as `Filters=[{Name, Values}]`.
    filters: tuple[str, ...] = ()
    defaults: tuple[tuple[str, ParamValue], ...] = ()
    iam_action: str
    # ARN patterns IAM accepts for the action ({partition}, {region}, {account}); empty when
    # the action has no resource types and IAM only accepts "*".
    iam_resources: tuple[str, ...] = ()
    items: str | None = None  # JMESPath to the list shown one row per item (None: one row)
    pairs: bool = False  # `items` is a mapping shown one row per key (SQS attributes)
    columns: tuple[tuple[str, str], ...] = ()  # (column, JMESPath within an item)
    summary: str = ""  # what the call tells, for the tool description

    @property
    def key(self) -> str:
        return f"{self.service} {self.operation}"

    @property
    def method(self) -> str:
        """boto3's snake_case method name."""
        out = []
        for index, char in enumerate(self.operation):
            previous = self.operation[index - 1] if index else ""
            following = self.operation[index + 1] if index + 1 < len(self.operation) else ""
            if char.isupper() and index and (previous.islower() or following.islower()):
                out.append("_")
            out.append(char.lower())
        return "".join(out)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def usage(self) -> str:
        parts = [f"{p.name}{'' if p.required else '?'}" for p in self.params]
        parts += [f"{f}?" for f in self.filters]
        return f"{self.key}({', '.join(parts)})"


def _p(name: str, kind: ParamKind = "str", required: bool = False) -> ParamSpec:
    return ParamSpec(name=name, kind=kind, required=required)


def _req(name: str, kind: ParamKind = "str") -> ParamSpec:
    return _p(name, kind, True)


_FN = "arn:{partition}:lambda:{region}:{account}:function:*"
_ROLE = "arn:{partition}:iam::{account}:role/*"
_POLICIES = ("arn:{partition}:iam::{account}:policy/*", "arn:{partition}:iam::aws:policy/*")
_APIGW = "arn:{partition}:apigateway:{region}::"

OPERATIONS: tuple[ResourceOperation, ...] = (
    # ---------------------------------------------------------------- Lambda
    ResourceOperation(
        service="lambda",
        operation="GetFunctionConfiguration",
        params=(_req("FunctionName"), _p("Qualifier")),
        iam_action="lambda:GetFunctionConfiguration",
        iam_resources=(_FN,),
        columns=(
            ("function", "FunctionName"),
            ("runtime", "Runtime"),
            ("handler", "Handler"),
            ("memory_mb", "MemorySize"),
            ("timeout_s", "Timeout"),
            ("state", "State"),
            ("last_update", "LastUpdateStatus"),
            ("last_modified", "LastModified"),
            ("version", "Version"),
            ("role", "Role"),
            ("env_var_names", "keys(Environment.Variables || `{}`)"),
            ("layers", "Layers[].Arn"),
            ("vpc_subnets", "VpcConfig.SubnetIds"),
            ("dead_letter", "DeadLetterConfig.TargetArn"),
        ),
        summary="timeout, memory, runtime, role, environment variable NAMES (values are withheld), layers",
    ),
    ResourceOperation(
        service="lambda",
        operation="GetFunctionConcurrency",
        params=(_req("FunctionName"),),
        iam_action="lambda:GetFunctionConcurrency",
        iam_resources=(_FN,),
        columns=(("reserved_concurrency", "ReservedConcurrentExecutions"),),
        summary="reserved concurrency (empty: unreserved)",
    ),
    ResourceOperation(
        service="lambda",
        operation="GetPolicy",
        params=(_req("FunctionName"), _p("Qualifier")),
        iam_action="lambda:GetPolicy",
        iam_resources=(_FN,),
        columns=(("policy", "Policy"), ("revision", "RevisionId")),
        summary="the function's resource-based policy (who may invoke it)",
    ),
    ResourceOperation(
        service="lambda",
        operation="ListEventSourceMappings",
        params=(_p("FunctionName"), _p("EventSourceArn")),
        iam_action="lambda:ListEventSourceMappings",
        items="EventSourceMappings",
        columns=(
            ("uuid", "UUID"),
            ("event_source", "EventSourceArn"),
            ("function", "FunctionArn"),
            ("state", "State"),
            ("state_reason", "StateTransitionReason"),
            ("batch_size", "BatchSize"),
            ("last_modified", "LastModified"),
            ("last_result", "LastProcessingResult"),
        ),
        summary="event source mappings (SQS/Kinesis/DynamoDB triggers) and whether enabled",
    ),
    # ---------------------------------------------------------------- ELBv2
    ResourceOperation(
        service="elbv2",
        operation="DescribeTargetGroups",
        params=(_p("TargetGroupArns", "list"), _p("Names", "list"), _p("LoadBalancerArn")),
        iam_action="elasticloadbalancing:DescribeTargetGroups",
        items="TargetGroups",
        columns=(
            ("name", "TargetGroupName"),
            ("arn", "TargetGroupArn"),
            ("protocol", "Protocol"),
            ("port", "Port"),
            ("target_type", "TargetType"),
            (
                "health_check",
                "join(' ', [HealthCheckProtocol || '', HealthCheckPort || '', HealthCheckPath || ''])",
            ),
            ("healthy_codes", "Matcher.HttpCode"),
            (
                "thresholds",
                "join('/', [to_string(HealthyThresholdCount), to_string(UnhealthyThresholdCount)])",
            ),
            ("load_balancers", "LoadBalancerArns"),
        ),
        summary="target groups with their health-check settings",
    ),
    ResourceOperation(
        service="elbv2",
        operation="DescribeTargetHealth",
        params=(_req("TargetGroupArn"),),
        iam_action="elasticloadbalancing:DescribeTargetHealth",
        items="TargetHealthDescriptions",
        columns=(
            ("target", "Target.Id"),
            ("port", "Target.Port"),
            ("state", "TargetHealth.State"),
            ("reason", "TargetHealth.Reason"),
            ("description", "TargetHealth.Description"),
        ),
        summary="each target's health state and the reason code (e.g. Target.ResponseCodeMismatch)",
    ),
    ResourceOperation(
        service="elbv2",
        operation="DescribeListeners",
        params=(_p("LoadBalancerArn"), _p("ListenerArns", "list")),
        iam_action="elasticloadbalancing:DescribeListeners",
        items="Listeners",
        columns=(
            ("listener", "ListenerArn"),
            ("port", "Port"),
            ("protocol", "Protocol"),
            ("default_actions", "DefaultActions"),
        ),
        summary="listeners and their default actions",
    ),
    # ---------------------------------------------------------------- EC2
    ResourceOperation(
        service="ec2",
        operation="DescribeInstances",
        params=(_p("InstanceIds", "list"),),
        filters=("private-ip-address", "instance-id", "tag:Name", "instance-state-name", "vpc-id"),
        iam_action="ec2:DescribeInstances",
        items="Reservations[].Instances[]",
        columns=(
            ("instance", "InstanceId"),
            ("private_ip", "PrivateIpAddress"),
            ("state", "State.Name"),
            ("type", "InstanceType"),
            ("launched", "LaunchTime"),
            ("name", "Tags[?Key=='Name'].Value | [0]"),
            ("security_groups", "SecurityGroups[].GroupId"),
            ("subnet", "SubnetId"),
        ),
        summary="instances: id <-> private IP <-> tags, state (filter e.g. private-ip-address=10.0.1.23)",
    ),
    ResourceOperation(
        service="ec2",
        operation="DescribeSecurityGroups",
        params=(_p("GroupIds", "list"), _p("GroupNames", "list")),
        filters=("group-name", "group-id", "vpc-id"),
        iam_action="ec2:DescribeSecurityGroups",
        items="SecurityGroups",
        columns=(
            ("group", "GroupId"),
            ("name", "GroupName"),
            ("vpc", "VpcId"),
            ("ingress", "IpPermissions"),
            ("egress", "IpPermissionsEgress"),
        ),
        summary="security groups with their ingress and egress rules",
    ),
    # ---------------------------------------------------------------- IAM
    ResourceOperation(
        service="iam",
        operation="GetRole",
        params=(_req("RoleName"),),
        iam_action="iam:GetRole",
        iam_resources=(_ROLE,),
        columns=(
            ("role", "Role.RoleName"),
            ("arn", "Role.Arn"),
            ("created", "Role.CreateDate"),
            ("trust_policy", "Role.AssumeRolePolicyDocument"),
            ("last_used", "Role.RoleLastUsed.LastUsedDate"),
        ),
        summary="a role and its trust policy",
    ),
    ResourceOperation(
        service="iam",
        operation="ListAttachedRolePolicies",
        params=(_req("RoleName"),),
        iam_action="iam:ListAttachedRolePolicies",
        iam_resources=(_ROLE,),
        items="AttachedPolicies",
        columns=(("policy", "PolicyName"), ("arn", "PolicyArn")),
        summary="managed policies attached to a role",
    ),
    ResourceOperation(
        service="iam",
        operation="ListRolePolicies",
        params=(_req("RoleName"),),
        iam_action="iam:ListRolePolicies",
        iam_resources=(_ROLE,),
        items="PolicyNames",
        columns=(("policy", "@"),),
        summary="names of a role's inline policies",
    ),
    ResourceOperation(
        service="iam",
        operation="GetRolePolicy",
        params=(_req("RoleName"), _req("PolicyName")),
        iam_action="iam:GetRolePolicy",
        iam_resources=(_ROLE,),
        columns=(("role", "RoleName"), ("policy", "PolicyName"), ("document", "PolicyDocument")),
        summary="an inline policy's document",
    ),
    ResourceOperation(
        service="iam",
        operation="GetPolicy",
        params=(_req("PolicyArn"),),
        iam_action="iam:GetPolicy",
        iam_resources=_POLICIES,
        columns=(
            ("policy", "Policy.PolicyName"),
            ("arn", "Policy.Arn"),
            ("default_version", "Policy.DefaultVersionId"),
            ("updated", "Policy.UpdateDate"),
            ("attachments", "Policy.AttachmentCount"),
        ),
        summary="a managed policy and its default version id",
    ),
    ResourceOperation(
        service="iam",
        operation="ListPolicyVersions",
        params=(_req("PolicyArn"),),
        iam_action="iam:ListPolicyVersions",
        iam_resources=_POLICIES,
        items="Versions",
        columns=(
            ("version", "VersionId"),
            ("default", "IsDefaultVersion"),
            ("created", "CreateDate"),
        ),
        summary="a managed policy's versions and which is the default",
    ),
    ResourceOperation(
        service="iam",
        operation="GetPolicyVersion",
        params=(_req("PolicyArn"), _req("VersionId")),
        iam_action="iam:GetPolicyVersion",
        iam_resources=_POLICIES,
        columns=(
            ("version", "PolicyVersion.VersionId"),
            ("default", "PolicyVersion.IsDefaultVersion"),
            ("created", "PolicyVersion.CreateDate"),
            ("document", "PolicyVersion.Document"),
        ),
        summary="the document of one managed-policy version (CloudTrail shows only its id)",
    ),
    # ---------------------------------------------------------------- Secrets Manager
    ResourceOperation(
        service="secretsmanager",
        operation="DescribeSecret",
        params=(_req("SecretId"),),
        iam_action="secretsmanager:DescribeSecret",
        iam_resources=("arn:{partition}:secretsmanager:{region}:{account}:secret:*",),
        columns=(
            ("secret", "Name"),
            ("rotation_enabled", "RotationEnabled"),
            ("rotation_lambda", "RotationLambdaARN"),
            ("rotation_rules", "RotationRules"),
            ("last_rotated", "LastRotatedDate"),
            ("last_changed", "LastChangedDate"),
            ("versions_to_stages", "VersionIdsToStages"),
        ),
        summary="rotation settings, versions and their stages (never the secret's value)",
    ),
    # ---------------------------------------------------------------- SQS
    ResourceOperation(
        service="sqs",
        operation="GetQueueAttributes",
        params=(_req("QueueUrl"), _p("AttributeNames", "list")),
        defaults=(("AttributeNames", ["All"]),),
        iam_action="sqs:GetQueueAttributes",
        iam_resources=("arn:{partition}:sqs:{region}:{account}:*",),
        items="Attributes",
        pairs=True,
        columns=(("attribute", "key"), ("value", "value")),
        summary="queue attributes: RedrivePolicy (DLQ), retention, visibility timeout, depth",
    ),
    # ---------------------------------------------------------------- DynamoDB
    ResourceOperation(
        service="dynamodb",
        operation="DescribeTable",
        params=(_req("TableName"),),
        iam_action="dynamodb:DescribeTable",
        iam_resources=("arn:{partition}:dynamodb:{region}:{account}:table/*",),
        columns=(
            ("table", "Table.TableName"),
            ("status", "Table.TableStatus"),
            ("billing_mode", "Table.BillingModeSummary.BillingMode || 'PROVISIONED'"),
            ("read_capacity", "Table.ProvisionedThroughput.ReadCapacityUnits"),
            ("write_capacity", "Table.ProvisionedThroughput.WriteCapacityUnits"),
            ("last_decrease", "Table.ProvisionedThroughput.LastDecreaseDateTime"),
            ("key_schema", "Table.KeySchema"),
            ("indexes", "Table.GlobalSecondaryIndexes[].IndexName"),
            ("items", "Table.ItemCount"),
        ),
        summary="capacity mode, provisioned read/write capacity, keys and indexes",
    ),
    # ---------------------------------------------------------------- RDS
    ResourceOperation(
        service="rds",
        operation="DescribeDBInstances",
        params=(_p("DBInstanceIdentifier"),),
        iam_action="rds:DescribeDBInstances",
        iam_resources=("arn:{partition}:rds:{region}:{account}:db:*",),
        items="DBInstances",
        columns=(
            ("instance", "DBInstanceIdentifier"),
            ("engine", "join(' ', [Engine || '', EngineVersion || ''])"),
            ("class", "DBInstanceClass"),
            ("status", "DBInstanceStatus"),
            ("endpoint", "Endpoint.Address"),
            ("multi_az", "MultiAZ"),
            ("parameter_groups", "DBParameterGroups[].ParameterGroupName"),
            ("pending", "PendingModifiedValues"),
        ),
        summary="DB instances: class, status, endpoint, parameter groups, pending changes",
    ),
    ResourceOperation(
        service="rds",
        operation="DescribeDBClusters",
        params=(_p("DBClusterIdentifier"),),
        iam_action="rds:DescribeDBClusters",
        iam_resources=("arn:{partition}:rds:{region}:{account}:cluster:*",),
        items="DBClusters",
        columns=(
            ("cluster", "DBClusterIdentifier"),
            ("engine", "join(' ', [Engine || '', EngineVersion || ''])"),
            ("status", "Status"),
            ("endpoint", "Endpoint"),
            ("members", "DBClusterMembers[].DBInstanceIdentifier"),
            ("capacity", "ServerlessV2ScalingConfiguration"),
        ),
        summary="DB clusters: status, endpoints, members",
    ),
    # ---------------------------------------------------------------- ECS
    ResourceOperation(
        service="ecs",
        operation="DescribeServices",
        params=(_req("cluster"), _req("services", "list")),
        iam_action="ecs:DescribeServices",
        iam_resources=("arn:{partition}:ecs:{region}:{account}:service/*",),
        items="services",
        columns=(
            ("service", "serviceName"),
            ("status", "status"),
            ("desired", "desiredCount"),
            ("running", "runningCount"),
            ("task_definition", "taskDefinition"),
            ("deployments", "deployments[].[status, taskDefinition, rolloutState, failedTasks]"),
            ("recent_events", "events[:5].message"),
        ),
        summary="services: desired/running counts, deployments and rollout state, recent events",
    ),
    ResourceOperation(
        service="ecs",
        operation="DescribeTasks",
        params=(_req("cluster"), _req("tasks", "list")),
        iam_action="ecs:DescribeTasks",
        iam_resources=("arn:{partition}:ecs:{region}:{account}:task/*",),
        items="tasks",
        columns=(
            ("task", "taskArn"),
            ("last_status", "lastStatus"),
            ("stop_code", "stopCode"),
            ("stopped_reason", "stoppedReason"),
            ("task_definition", "taskDefinitionArn"),
            ("containers", "containers[].[name, lastStatus, exitCode, reason]"),
        ),
        summary="tasks: status, why they stopped, container exit codes",
    ),
    # ---------------------------------------------------------------- API Gateway
    ResourceOperation(
        service="apigateway",
        operation="GetStage",
        params=(_req("restApiId"), _req("stageName")),
        iam_action="apigateway:GET",
        iam_resources=(_APIGW + "/restapis/*/stages/*",),
        columns=(
            ("stage", "stageName"),
            ("deployment", "deploymentId"),
            ("updated", "lastUpdatedDate"),
            ("method_settings", "methodSettings"),
            ("variable_names", "keys(variables || `{}`)"),
            ("tracing", "tracingEnabled"),
        ),
        summary="REST API stage: deployment, throttling/method settings, stage variable names",
    ),
    ResourceOperation(
        service="apigateway",
        operation="GetIntegration",
        params=(_req("restApiId"), _req("resourceId"), _req("httpMethod")),
        iam_action="apigateway:GET",
        iam_resources=(_APIGW + "/restapis/*/resources/*/methods/*/integration",),
        columns=(
            ("type", "type"),
            ("method", "httpMethod"),
            ("uri", "uri"),
            ("timeout_ms", "timeoutInMillis"),
            ("connection", "connectionType"),
        ),
        summary="REST API method integration: backend URI, type, timeout",
    ),
    ResourceOperation(
        service="apigatewayv2",
        operation="GetStage",
        params=(_req("ApiId"), _req("StageName")),
        iam_action="apigateway:GET",
        iam_resources=(_APIGW + "/apis/*/stages/*",),
        columns=(
            ("stage", "StageName"),
            ("deployment", "DeploymentId"),
            ("auto_deploy", "AutoDeploy"),
            ("default_route", "DefaultRouteSettings"),
            ("variable_names", "keys(StageVariables || `{}`)"),
            ("updated", "LastUpdatedDate"),
        ),
        summary="HTTP/WebSocket API stage: deployment, throttling, stage variable names",
    ),
    ResourceOperation(
        service="apigatewayv2",
        operation="GetIntegration",
        params=(_req("ApiId"), _req("IntegrationId")),
        iam_action="apigateway:GET",
        iam_resources=(_APIGW + "/apis/*/integrations/*",),
        columns=(
            ("type", "IntegrationType"),
            ("uri", "IntegrationUri"),
            ("method", "IntegrationMethod"),
            ("timeout_ms", "TimeoutInMillis"),
            ("payload_format", "PayloadFormatVersion"),
        ),
        summary="HTTP API integration: backend URI, type, timeout",
    ),
    # ---------------------------------------------------------------- CodeDeploy
    ResourceOperation(
        service="codedeploy",
        operation="GetDeployment",
        params=(_req("deploymentId"),),
        iam_action="codedeploy:GetDeployment",
        iam_resources=("arn:{partition}:codedeploy:{region}:{account}:deploymentgroup:*",),
        columns=(
            ("deployment", "deploymentInfo.deploymentId"),
            ("application", "deploymentInfo.applicationName"),
            ("group", "deploymentInfo.deploymentGroupName"),
            ("status", "deploymentInfo.status"),
            ("created", "deploymentInfo.createTime"),
            ("completed", "deploymentInfo.completeTime"),
            ("error", "deploymentInfo.errorInformation"),
            ("overview", "deploymentInfo.deploymentOverview"),
            ("rollback", "deploymentInfo.rollbackInfo"),
        ),
        summary="a deployment's status, timing, error and rollback",
    ),
    # ---------------------------------------------------------------- SSM
    ResourceOperation(
        service="ssm",
        operation="ListCommandInvocations",
        params=(_p("CommandId"), _p("InstanceId"), _p("Details", "bool")),
        defaults=(("Details", True),),
        iam_action="ssm:ListCommandInvocations",
        items="CommandInvocations",
        columns=(
            ("command", "CommandId"),
            ("instance", "InstanceId"),
            ("document", "DocumentName"),
            ("status", "Status"),
            ("requested", "RequestedDateTime"),
            ("output", "CommandPlugins[].Output"),
        ),
        summary="Run Command invocations: status and an output excerpt",
    ),
)

BY_KEY: dict[tuple[str, str], ResourceOperation] = {
    (op.service, op.operation): op for op in OPERATIONS
}
SERVICES: tuple[str, ...] = tuple(dict.fromkeys(op.service for op in OPERATIONS))

# AWS Config's history and its CloudTrail fall-back: the other half of the family.
CONFIG_HISTORY_ACTION = "config:GetResourceConfigHistory"
# Config keys some types by an id the model rarely knows (an IAM role's AROA... id): the
# name is resolved to it with ListDiscoveredResources.
CONFIG_DISCOVER_ACTION = "config:ListDiscoveredResources"
CLOUDTRAIL_LOOKUP_ACTION = "cloudtrail:LookupEvents"


def allowed_list() -> str:
    """The allow-list as the model and a person read it."""
    return "; ".join(op.usage() for op in OPERATIONS)


def find_operation(service: str, operation: str) -> ResourceOperation:
    op = BY_KEY.get((service.strip().lower(), operation.strip()))
    if op is None:
        # A case slip ("getfunctionconfiguration") is still the allowed call.
        op = next(
            (
                o
                for o in OPERATIONS
                if o.service == service.strip().lower()
                and o.operation.lower() == operation.strip().lower()
            ),
            None,
        )
    if op is None:
        raise QueryError(
            f"{service} {operation} is not an allowed read-only call; fa2 may only call: "
            f"{allowed_list()}"
        )
    return op


def _coerce(op: ResourceOperation, spec: ParamSpec, value: object) -> ParamValue:
    if spec.kind == "list":
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
    elif spec.kind == "int":
        try:
            return int(str(value))
        except ValueError:
            pass
    elif spec.kind == "bool":
        text = str(value).strip().lower()
        if text in {"true", "1", "yes"}:
            return True
        if text in {"false", "0", "no"}:
            return False
    elif isinstance(value, str | int):
        return str(value).strip()
    raise QueryError(f"{op.key}: parameter {spec.name} must be a {spec.kind}, got {value!r}")


class ResourceRequest(BaseModel):
    """One validated call: what runs against AWS and what a bundle snapshot is matched on."""

    model_config = ConfigDict(frozen=True)
    service: str
    operation: str
    params: dict[str, ParamValue] = Field(default_factory=dict)

    @property
    def spec(self) -> ResourceOperation:
        return BY_KEY[(self.service, self.operation)]

    @classmethod
    def build(
        cls, service: str, operation: str, params: Mapping[str, object] | None = None
    ) -> ResourceRequest:
        """Validate a call against the allow-list (see the module docstring)."""
        op = find_operation(service, operation)
        out: dict[str, ParamValue] = {}
        filters: list[dict[str, object]] = []
        for name, value in (params or {}).items():
            spec = op.param(name)
            if spec is not None:
                out[spec.name] = _coerce(op, spec, value)
            elif name in op.filters or (name.startswith("tag:") and "tag:Name" in op.filters):
                values = value if isinstance(value, list) else str(value).split(",")
                filters.append({"Name": name, "Values": [str(v).strip() for v in values]})
            else:
                accepted = [p.name for p in op.params] + list(op.filters)
                raise QueryError(
                    f"{op.key} takes no parameter {name!r}; it takes: "
                    f"{', '.join(accepted) or '(none)'}"
                )
        missing = [p.name for p in op.params if p.required and p.name not in out]
        if missing:
            raise QueryError(f"{op.key} needs {', '.join(missing)} ({op.usage()})")
        for name, default in op.defaults:
            out.setdefault(name, default)
        if filters:
            out["Filters"] = filters  # as AWS takes them
        return cls(service=op.service, operation=op.operation, params=out)

    def kwargs(self) -> dict[str, object]:
        """The boto3 call's keyword arguments."""
        return dict(self.params)

    def describe(self) -> str:
        """The request as one line: `lambda GetFunctionConfiguration FunctionName=orders-put`."""
        parts = []
        for name, value in self.params.items():
            if name == "Filters" and isinstance(value, list):
                for f in value:
                    assert isinstance(f, dict)
                    parts.append(f"{f['Name']}={','.join(f['Values'])}")
            elif isinstance(value, list):
                parts.append(f"{name}={','.join(value)}")
            else:
                parts.append(f"{name}={value}")
        return " ".join([self.service, self.operation, *parts])
