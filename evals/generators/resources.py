"""Resource snapshots (`resources/`) and AWS Config items (`config/`) as an account would
hold them at export time, in the AWS APIs' own shapes (bundle spec v2).

Nothing here draws from a scenario's random generator: snapshots are written after the
telemetry, and an extra draw would change every byte that follows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from evals.generators.common import ACCOUNT_ID, REGION, BundleWriter, iso_ms_z, iso_z


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text.rsplit("/", 1)[-1].rsplit(":", 1)[-1])[:60]


def snapshot(
    writer: BundleWriter,
    service: str,
    operation: str,
    request: dict[str, Any],
    response: dict[str, Any] | None = None,
    *,
    error: tuple[str, str] | None = None,
    slug: str | None = None,
) -> None:
    """One recorded call: `resources/<service>.<Operation>[.<slug>].json`."""
    document: dict[str, Any] = {"service": service, "operation": operation, "request": request}
    if error is not None:
        document["error"] = {"Code": error[0], "Message": error[1]}
    else:
        document["response"] = response or {}
    name = f"{service}.{operation}" + (f".{_slug(slug)}" if slug else "")
    writer.json(f"resources/{name}.json", document, indent=1)


def role_arn(role: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{role}"


def function_configuration(
    name: str,
    *,
    runtime: str,
    memory_mb: int,
    timeout_s: float,
    last_modified: datetime,
    role: str | None = None,
    handler: str | None = None,
    environment: tuple[str, ...] = (),
) -> dict[str, Any]:
    """GetFunctionConfiguration's response (environment variable values are placeholders:
    fa2 never shows them, and a bundle should not carry real ones)."""
    config: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        "Runtime": runtime,
        "Role": role_arn(role or f"{name}-role"),
        "Handler": handler or ("index.handler" if runtime.startswith("nodejs") else "app.handler"),
        "CodeSize": 48213,
        "Timeout": int(timeout_s),
        "MemorySize": memory_mb,
        "LastModified": last_modified.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "Active"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["arm64"],
        "EphemeralStorage": {"Size": 512},
    }
    if environment:
        config["Environment"] = {
            "Variables": dict.fromkeys(environment, "(exported without values)")
        }
    return config


def config_item(
    resource_type: str,
    resource_id: str,
    captured: datetime,
    configuration: dict[str, Any],
    *,
    name: str | None = None,
    arn: str | None = None,
    related_events: tuple[str, ...] = (),
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One configuration item as GetResourceConfigHistory returns it."""
    return {
        "version": "1.3",
        "accountId": ACCOUNT_ID,
        "configurationItemCaptureTime": iso_ms_z(captured),
        "configurationItemStatus": "OK",
        "configurationStateId": str(int(captured.timestamp() * 1000)),
        "arn": arn,
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": name or resource_id,
        "awsRegion": REGION,
        "tags": tags or {},
        "relatedEvents": list(related_events),
        "relationships": [],
        "configuration": json.dumps(configuration, separators=(",", ":")),
        "supplementaryConfiguration": {},
    }


def config_history(writer: BundleWriter, slug: str, items: list[dict[str, Any]]) -> None:
    writer.json(f"config/{_slug(slug)}.json", {"configurationItems": items}, indent=1)


def before(at: datetime, days: int = 9) -> datetime:
    """A deploy well before the incident (the state the window starts from)."""
    return (at - timedelta(days=days)).replace(hour=14, minute=22, second=5, microsecond=0)


__all__ = [
    "before",
    "config_history",
    "config_item",
    "function_configuration",
    "iso_z",
    "role_arn",
    "snapshot",
]


def load_balancer_snapshots(
    writer: BundleWriter,
    *,
    target_group: str,
    target_group_arn: str,
    load_balancer_arn: str,
    targets: list[tuple[str, str, int, bool]],
    health_check_path: str = "/health",
    unhealthy: dict[str, tuple[str, str]] | None = None,
) -> None:
    """What the account shows of a load balancer's target group at export: the group with
    its health check, each registered target's health, and the EC2 instances behind it.
    `targets` are (id, private ip, port, still registered); `unhealthy` maps a target id to
    the (reason code, description) DescribeTargetHealth gives for it."""
    ip_targets = not any(t[0].startswith("i-") for t in targets)
    snapshot(
        writer,
        "elbv2",
        "DescribeTargetGroups",
        {},
        {
            "TargetGroups": [
                {
                    "TargetGroupArn": target_group_arn,
                    "TargetGroupName": target_group,
                    "Protocol": "HTTP",
                    "Port": targets[0][2] if targets else 80,
                    "VpcId": "vpc-0c3d5e7f9a1b2c4d6",
                    "HealthCheckProtocol": "HTTP",
                    "HealthCheckPort": "traffic-port",
                    "HealthCheckEnabled": True,
                    "HealthCheckIntervalSeconds": 15,
                    "HealthCheckTimeoutSeconds": 5,
                    "HealthyThresholdCount": 3,
                    "UnhealthyThresholdCount": 2,
                    "HealthCheckPath": health_check_path,
                    "Matcher": {"HttpCode": "200"},
                    "LoadBalancerArns": [load_balancer_arn],
                    "TargetType": "ip" if ip_targets else "instance",
                    "ProtocolVersion": "HTTP1",
                    "IpAddressType": "ipv4",
                }
            ]
        },
    )
    descriptions = []
    for target_id, ip, port, registered in targets:
        if not registered:
            continue
        health: dict[str, str] = {"State": "healthy"}
        if unhealthy and target_id in unhealthy:
            reason, text = unhealthy[target_id]
            health = {"State": "unhealthy", "Reason": reason, "Description": text}
        descriptions.append(
            {
                "Target": {"Id": ip if ip_targets else target_id, "Port": port},
                "HealthCheckPort": str(port),
                "TargetHealth": health,
            }
        )
    snapshot(
        writer,
        "elbv2",
        "DescribeTargetHealth",
        {"TargetGroupArn": target_group_arn},
        {"TargetHealthDescriptions": descriptions},
        slug=target_group,
    )
    instances = [
        {
            "InstanceId": target_id,
            "InstanceType": "m6g.large",
            "PrivateIpAddress": ip,
            "State": {"Code": 16, "Name": "running"}
            if registered
            else {"Code": 48, "Name": "terminated"},
            "SubnetId": "subnet-0a1b2c3d4e5f60718",
            "VpcId": "vpc-0c3d5e7f9a1b2c4d6",
            "SecurityGroups": [
                {"GroupId": "sg-0f1e2d3c4b5a69788", "GroupName": f"{target_group}-web"}
            ],
            "Tags": [{"Key": "Name", "Value": f"{target_group}-{index + 1}"}],
        }
        for index, (target_id, ip, _port, registered) in enumerate(targets)
        if target_id.startswith("i-")
    ]
    snapshot(
        writer,
        "ec2",
        "DescribeInstances",
        {},
        {
            "Reservations": [
                {
                    "ReservationId": "r-0" + target_group_arn[-16:],
                    "OwnerId": ACCOUNT_ID,
                    "Instances": instances,
                }
            ]
        }
        if instances
        else {"Reservations": []},
    )


def queue_snapshots(
    writer: BundleWriter,
    *,
    queue: str,
    function: str,
    dlq: str | None,
    max_receive_count: int,
    batch_size: int,
    visibility_timeout_s: int,
    mapping_uuid: str,
    mapping_state: str = "Enabled",
    mapping_reason: str = "USER_INITIATED",
    mapping_modified: datetime | None = None,
    dlq_exists: bool = True,
) -> None:
    """An SQS-triggered function's queue (GetQueueAttributes, with its redrive policy), its
    event source mapping, and the dead-letter queue (or AWS's error when it is gone)."""
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}"
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{queue}"
    attributes = {
        "QueueArn": arn,
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "CreatedTimestamp": "1767225600",
        "LastModifiedTimestamp": "1767225600",
        "VisibilityTimeout": str(visibility_timeout_s),
        "MaximumMessageSize": "262144",
        "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "20",
        "SqsManagedSseEnabled": "true",
    }
    if dlq:
        attributes["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq}",
                "maxReceiveCount": max_receive_count,
            },
            separators=(",", ":"),
        )
    snapshot(
        writer,
        "sqs",
        "GetQueueAttributes",
        {"QueueUrl": url, "AttributeNames": ["All"]},
        {"Attributes": attributes},
        slug=queue,
    )
    if dlq:
        dlq_url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{dlq}"
        if dlq_exists:
            snapshot(
                writer,
                "sqs",
                "GetQueueAttributes",
                {"QueueUrl": dlq_url, "AttributeNames": ["All"]},
                {
                    "Attributes": {
                        "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq}",
                        "MessageRetentionPeriod": "1209600",
                        "RedriveAllowPolicy": '{"redrivePermission":"allowAll"}',
                    }
                },
                slug=dlq,
            )
        else:
            snapshot(
                writer,
                "sqs",
                "GetQueueAttributes",
                {"QueueUrl": dlq_url, "AttributeNames": ["All"]},
                error=(
                    "AWS.SimpleQueueService.NonExistentQueue",
                    "The specified queue does not exist.",
                ),
                slug=dlq,
            )
    modified = mapping_modified or datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
    snapshot(
        writer,
        "lambda",
        "ListEventSourceMappings",
        {},
        {
            "EventSourceMappings": [
                {
                    "UUID": mapping_uuid,
                    "BatchSize": batch_size,
                    "MaximumBatchingWindowInSeconds": 0,
                    "EventSourceArn": arn,
                    "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}",
                    "LastModified": modified.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00"),
                    "State": mapping_state,
                    "StateTransitionReason": mapping_reason,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                }
            ]
        },
        slug=queue,
    )
