"""Console deep links to the resource a describe call read, and to its AWS Config timeline,
so a person opens exactly what the agent saw."""

from __future__ import annotations

from urllib.parse import quote

from agent.telemetry.links import console_base
from agent.telemetry.resource_catalog import ResourceRequest


def _first(value: object) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _name(arn_or_name: str) -> str:
    """`arn:aws:lambda:...:function:orders-put` -> `orders-put`; a plain name stays."""
    if not arn_or_name.startswith("arn:"):
        return arn_or_name
    return arn_or_name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _filter(request: ResourceRequest, name: str) -> str:
    for entry in request.params.get("Filters") or []:  # type: ignore[union-attr]
        if isinstance(entry, dict) and entry.get("Name") == name and entry.get("Values"):
            return str(entry["Values"][0])
    return ""


def resource_console_url(region: str, request: ResourceRequest) -> str:
    """The console page of the resource the request names (the service's list page when the
    request names none)."""
    base, p = console_base(region), request.params
    q = f"region={region}"
    service = request.service
    if service == "lambda":
        function = _name(_first(p.get("FunctionName")))
        if function:
            tab = "configure" if request.operation != "ListEventSourceMappings" else "triggers"
            return f"{base}/lambda/home?{q}#/functions/{quote(function, safe='')}?tab={tab}"
        return f"{base}/lambda/home?{q}#/functions"
    if service == "elbv2":
        arn = _first(p.get("TargetGroupArn") or p.get("TargetGroupArns"))
        if arn:
            return f"{base}/ec2/home?{q}#TargetGroup:targetGroupArn={quote(arn, safe='')}"
        balancer = _first(p.get("LoadBalancerArn"))
        if balancer:
            return f"{base}/ec2/home?{q}#LoadBalancer:loadBalancerArn={quote(balancer, safe='')}"
        return f"{base}/ec2/home?{q}#TargetGroups:"
    if service == "ec2":
        if request.operation == "DescribeSecurityGroups":
            group = _first(p.get("GroupIds")) or _filter(request, "group-id")
            if group:
                return f"{base}/ec2/home?{q}#SecurityGroup:groupId={quote(group, safe='')}"
            return f"{base}/ec2/home?{q}#SecurityGroups:"
        instance = _first(p.get("InstanceIds")) or _filter(request, "instance-id")
        if instance:
            return f"{base}/ec2/home?{q}#InstanceDetails:instanceId={quote(instance, safe='')}"
        ip = _filter(request, "private-ip-address")
        if ip:
            return f"{base}/ec2/home?{q}#Instances:privateIpAddress={quote(ip, safe='')}"
        return f"{base}/ec2/home?{q}#Instances:"
    if service == "iam":
        iam = "https://console.aws.amazon.com/iam/home"
        if region.startswith(("cn-", "us-gov-")):
            iam = f"{base}/iam/home"
        role = _first(p.get("RoleName"))
        if role:
            return f"{iam}#/roles/details/{quote(role, safe='')}?section=permissions"
        return (
            f"{iam}#/policies/details/{quote(_first(p.get('PolicyArn')), safe='')}?section=versions"
        )
    if service == "secretsmanager":
        return f"{base}/secretsmanager/secret?name={quote(_name(_first(p.get('SecretId'))), safe='')}&{q}"
    if service == "sqs":
        return f"{base}/sqs/v3/home?{q}#/queues/{quote(_first(p.get('QueueUrl')), safe='')}"
    if service == "dynamodb":
        return f"{base}/dynamodbv2/home?{q}#table?name={quote(_first(p.get('TableName')), safe='')}"
    if service == "rds":
        if request.operation == "DescribeDBClusters":
            cluster = quote(_first(p.get("DBClusterIdentifier")), safe="")
            return f"{base}/rds/home?{q}#database:id={cluster};is-cluster=true"
        instance = quote(_first(p.get("DBInstanceIdentifier")), safe="")
        return f"{base}/rds/home?{q}#database:id={instance};is-cluster=false"
    if service == "ecs":
        cluster = quote(_name(_first(p.get("cluster"))), safe="")
        if request.operation == "DescribeServices":
            svc = quote(_name(_first(p.get("services"))), safe="")
            return f"{base}/ecs/v2/clusters/{cluster}/services/{svc}/health?{q}"
        task = quote(_name(_first(p.get("tasks"))), safe="")
        return f"{base}/ecs/v2/clusters/{cluster}/tasks/{task}/configuration?{q}"
    if service in ("apigateway", "apigatewayv2"):
        api = quote(_first(p.get("restApiId") or p.get("ApiId")), safe="")
        return f"{base}/apigateway/main/apis/{api}/stages?api={api}&{q}"
    if service == "codedeploy":
        deployment = quote(_first(p.get("deploymentId")), safe="")
        return f"{base}/codesuite/codedeploy/deployments/{deployment}?{q}"
    if service == "ssm":
        command = quote(_first(p.get("CommandId")), safe="")
        return f"{base}/systems-manager/run-command/{command}?{q}"
    return f"{base}/console/home?{q}"


def config_timeline_url(region: str, resource_type: str, resource_id: str) -> str:
    """AWS Config's resource timeline (the console's view of GetResourceConfigHistory)."""
    return (
        f"{console_base(region)}/config/home?region={region}#/resources/timeline?"
        f"resourceId={quote(resource_id, safe='')}&resourceType={quote(resource_type, safe='')}"
    )


def cloudtrail_resource_url(region: str, resource_id: str) -> str:
    """CloudTrail event history filtered to one resource name (LookupEvents' console view)."""
    return (
        f"{console_base(region)}/cloudtrailv2/home?region={region}#/events?"
        f"ResourceName={quote(resource_id, safe='')}"
    )
