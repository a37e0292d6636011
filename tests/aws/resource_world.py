"""A small account in moto holding one resource for each allow-listed describe call: the
orders service (Lambda + SQS trigger with a DLQ, an ALB in front of an EC2 instance, a role
with managed and inline policies, a secret, a table, a database, an ECS service, REST and
HTTP APIs, a CodeDeploy deployment). `seed()` builds it and returns the ids the calls need.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3

REGION = "us-east-1"
SECRET_VALUE = "pg-Sup3rS3cret-rotation-7781"
ENV_SECRET = "sk_live_51HzQ2eKp9xW"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
DYNAMO_WRITE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "dynamodb:PutItem",
            "Resource": "arn:aws:dynamodb:*:*:table/orders",
        }
    ],
}
DYNAMO_DENY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}],
}


def record(service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """What a bundle exporter writes for one call: the request and AWS's whole response
    (secrets included: withholding them is the backends' job, and is tested on this)."""
    from agent.telemetry.resource_catalog import ResourceRequest
    from agent.telemetry.shapes.resources import jsonable

    built = ResourceRequest.build(service, operation, request)
    response = getattr(_client(service), built.spec.method)(**built.kwargs())
    return {
        "service": service,
        "operation": operation,
        "request": request,
        "response": jsonable(response),
    }


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def seed() -> dict[str, str]:
    ids: dict[str, str] = {}
    iam = _client("iam")
    role = iam.create_role(RoleName="orders-put-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    policy = iam.create_policy(PolicyName="orders-write", PolicyDocument=json.dumps(DYNAMO_WRITE))
    ids["policy_arn"] = policy["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=ids["policy_arn"], PolicyDocument=json.dumps(DYNAMO_DENY), SetAsDefault=True
    )
    iam.attach_role_policy(RoleName="orders-put-role", PolicyArn=ids["policy_arn"])
    iam.put_role_policy(
        RoleName="orders-put-role", PolicyName="logs", PolicyDocument=json.dumps(DYNAMO_WRITE)
    )

    sqs = _client("sqs")
    dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName="orders-events",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
        },
    )["QueueUrl"]
    ids["queue_url"] = queue
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    lam = _client("lambda")
    lam.create_function(
        FunctionName="orders-put",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": _zip()},
        Timeout=3,
        MemorySize=256,
        Environment={"Variables": {"STRIPE_KEY": ENV_SECRET, "TABLE_NAME": "orders"}},
    )
    lam.put_function_concurrency(FunctionName="orders-put", ReservedConcurrentExecutions=5)
    lam.add_permission(
        FunctionName="orders-put",
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )
    mapping = lam.create_event_source_mapping(
        FunctionName="orders-put", EventSourceArn=queue_arn, BatchSize=10, Enabled=False
    )
    ids["mapping_uuid"] = mapping["UUID"]

    ec2 = _client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="orders-web", Description="web", VpcId=vpc)
    ids["group_id"] = group["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ids["group_id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            }
        ],
    )
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    instance = ec2.run_instances(
        ImageId=images[0]["ImageId"],
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.small",
        SubnetId=subnets[0],
        SecurityGroupIds=[ids["group_id"]],
        PrivateIpAddress="10.0.1.23",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "orders-web-1"}]}
        ],
    )["Instances"][0]
    ids["instance_id"] = instance["InstanceId"]

    elb = _client("elbv2")
    balancer = elb.create_load_balancer(Name="orders-alb", Subnets=subnets)["LoadBalancers"][0]
    ids["lb_arn"] = balancer["LoadBalancerArn"]
    target_group = elb.create_target_group(
        Name="orders-web", Protocol="HTTP", Port=8080, VpcId=vpc, HealthCheckPath="/health"
    )["TargetGroups"][0]
    ids["tg_arn"] = target_group["TargetGroupArn"]
    elb.register_targets(
        TargetGroupArn=ids["tg_arn"], Targets=[{"Id": ids["instance_id"], "Port": 8080}]
    )
    elb.create_listener(
        LoadBalancerArn=ids["lb_arn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["tg_arn"]}],
    )

    secrets = _client("secretsmanager")
    secrets.create_secret(Name="orders/db", SecretString=SECRET_VALUE)

    _client("dynamodb").create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )

    rds = _client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="app",
        MasterUserPassword=SECRET_VALUE,
        AllocatedStorage=20,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="orders-cluster",
        Engine="aurora-postgresql",
        MasterUsername="app",
        MasterUserPassword=SECRET_VALUE,
    )

    ecs = _client("ecs")
    ecs.create_cluster(clusterName="orders")
    ecs.register_task_definition(
        family="orders-api",
        # bridge mode: moto's awsvpc task networking is incomplete
        networkMode="bridge",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "api", "image": "orders-api:42", "essential": True, "memory": 512}
        ],
    )
    ecs.create_service(
        cluster="orders", serviceName="orders-api", taskDefinition="orders-api", desiredCount=1
    )
    task = ecs.run_task(
        cluster="orders",
        taskDefinition="orders-api",
        launchType="FARGATE",
        overrides={
            "containerOverrides": [
                {"name": "api", "environment": [{"name": "API_TOKEN", "value": ENV_SECRET}]}
            ]
        },
    )["tasks"][0]
    ids["task_arn"] = task["taskArn"]

    apigw = _client("apigateway")
    api = apigw.create_rest_api(name="orders-api")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="GET",
        type="HTTP",
        integrationHttpMethod="GET",
        uri="https://orders.internal.example.com/",
    )
    deployment = apigw.create_deployment(restApiId=api, stageName="prod")["id"]
    apigw.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/partnerToken", "value": ENV_SECRET}],
    )
    ids.update(rest_api=api, resource_id=root, rest_deployment=deployment)

    v2 = _client("apigatewayv2")
    http_api = v2.create_api(Name="orders-http", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=http_api,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="GET",
        IntegrationUri="https://orders.internal.example.com/",
        PayloadFormatVersion="1.0",
    )["IntegrationId"]
    v2.create_stage(ApiId=http_api, StageName="prod", StageVariables={"dbPassword": ENV_SECRET})
    ids.update(http_api=http_api, integration_id=integration)

    codedeploy = _client("codedeploy")
    codedeploy.create_application(applicationName="orders", computePlatform="Server")
    codedeploy.create_deployment_group(
        applicationName="orders",
        deploymentGroupName="prod",
        serviceRoleArn=role["Role"]["Arn"],
    )
    ids["deployment_id"] = codedeploy.create_deployment(
        applicationName="orders",
        deploymentGroupName="prod",
        revision={
            "revisionType": "S3",
            "s3Location": {"bucket": "orders-releases", "key": "r42.zip", "bundleType": "zip"},
        },
    )["deploymentId"]
    return ids


def calls(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(service, operation, parameters, a column, a value it must show) for every call moto
    answers; SSM ListCommandInvocations is answered by Stubber (moto lacks it)."""
    return [
        ("lambda", "GetFunctionConfiguration", {"FunctionName": "orders-put"}, "timeout_s", "3"),
        ("lambda", "GetFunctionConcurrency", {"FunctionName": "orders-put"}, "reserved_concurrency", "5"),
        ("lambda", "GetPolicy", {"FunctionName": "orders-put"}, "policy", "apigateway.amazonaws.com"),
        ("lambda", "ListEventSourceMappings", {"FunctionName": "orders-put"}, "state", "Disabled"),
        ("elbv2", "DescribeTargetGroups", {"Names": ["orders-web"]}, "health_check", "/health"),
        ("elbv2", "DescribeTargetHealth", {"TargetGroupArn": ids["tg_arn"]}, "target", ids["instance_id"]),
        ("elbv2", "DescribeListeners", {"LoadBalancerArn": ids["lb_arn"]}, "port", "80"),
        ("ec2", "DescribeInstances", {"private-ip-address": "10.0.1.23"}, "instance", ids["instance_id"]),
        ("ec2", "DescribeSecurityGroups", {"GroupIds": [ids["group_id"]]}, "ingress", "8080"),
        ("iam", "GetRole", {"RoleName": "orders-put-role"}, "trust_policy", "lambda.amazonaws.com"),
        ("iam", "ListAttachedRolePolicies", {"RoleName": "orders-put-role"}, "policy", "orders-write"),
        ("iam", "ListRolePolicies", {"RoleName": "orders-put-role"}, "policy", "logs"),
        ("iam", "GetRolePolicy", {"RoleName": "orders-put-role", "PolicyName": "logs"}, "document", "dynamodb:PutItem"),
        ("iam", "GetPolicy", {"PolicyArn": ids["policy_arn"]}, "default_version", "v2"),
        ("iam", "ListPolicyVersions", {"PolicyArn": ids["policy_arn"]}, "version", "v2"),
        ("iam", "GetPolicyVersion", {"PolicyArn": ids["policy_arn"], "VersionId": "v2"}, "document", "Deny"),
        ("secretsmanager", "DescribeSecret", {"SecretId": "orders/db"}, "versions_to_stages", "AWSCURRENT"),
        ("sqs", "GetQueueAttributes", {"QueueUrl": ids["queue_url"]}, "value", "orders-dlq"),
        ("dynamodb", "DescribeTable", {"TableName": "orders"}, "write_capacity", "5"),
        ("rds", "DescribeDBInstances", {"DBInstanceIdentifier": "orders-db"}, "class", "db.t3.micro"),
        ("rds", "DescribeDBClusters", {"DBClusterIdentifier": "orders-cluster"}, "cluster", "orders-cluster"),
        ("ecs", "DescribeServices", {"cluster": "orders", "services": ["orders-api"]}, "desired", "1"),
        ("ecs", "DescribeTasks", {"cluster": "orders", "tasks": [ids["task_arn"]]}, "task", ids["task_arn"]),
        ("apigateway", "GetStage", {"restApiId": ids["rest_api"], "stageName": "prod"}, "variable_names", "partnerToken"),
        ("apigateway", "GetIntegration", {"restApiId": ids["rest_api"], "resourceId": ids["resource_id"], "httpMethod": "GET"}, "uri", "orders.internal.example.com"),
        ("apigatewayv2", "GetStage", {"ApiId": ids["http_api"], "StageName": "prod"}, "variable_names", "dbPassword"),
        ("apigatewayv2", "GetIntegration", {"ApiId": ids["http_api"], "IntegrationId": ids["integration_id"]}, "type", "HTTP_PROXY"),
        ("codedeploy", "GetDeployment", {"deploymentId": ids["deployment_id"]}, "group", "prod"),
    ]  # fmt: skip
