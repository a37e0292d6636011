"""Resource state by rule: which describe calls the rule-based investigator makes from what
the telemetry showed, and what it reads in their answers.

The rules are the ones an on-call engineer follows without thinking:
- a target IP in the load balancer's 5xx -> which instance it is (DescribeInstances), and
  the target groups' health (DescribeTargetGroups, then DescribeTargetHealth);
- a Lambda function that logs errors -> its configuration (GetFunctionConfiguration);
- an AccessDenied naming a role -> the policies attached to it and their default version's
  document (ListAttachedRolePolicies, ListRolePolicies, GetPolicy, GetPolicyVersion);
- an alarm on a queue -> the queue's attributes, its consumers (ListEventSourceMappings)
  and the dead-letter queue its redrive policy names.
Each answer can lead to the next call, so `next_calls` is asked again after every turn
until it has nothing new. `faults` reads what is wrong in the answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolCall

from agent.baseline.signals import rows_as_dicts
from agent.report import Evidence

MAX_CALLS_PER_TURN = 6
UNHEALTHY = {"unhealthy", "draining", "unavailable"}
_ARN_PARTS = re.compile(r"arn:aws:[a-z0-9-]+:([a-z]{2}-[a-z]+-\d):(\d{12}):")
_ROLE = re.compile(r"assumed-role/([\w+=,.@-]+)/")
_DENIED = re.compile(r"not authorized to perform:?\s*([\w-]+:\w+)")
_LAMBDA_GROUP = re.compile(r"^(?:\d{12}:)?/aws/lambda/([\w-]+)$")  # @log is account:group


@dataclass
class ResourceFault:
    """Something wrong that only the resource's state shows."""

    statement: str
    category: str
    evidence_id: str


def _region_account(evidence: list[Evidence]) -> tuple[str, str]:
    for e in evidence:
        for row in e.rows:
            for cell in row:
                match = _ARN_PARTS.search(cell or "")
                if match:
                    return match.group(1), match.group(2)
    return "us-east-1", "123456789012"


def _texts(evidence: list[Evidence]) -> list[str]:
    return [cell for e in evidence if e.source == "logs" for row in e.rows for cell in row if cell]


def _describe(evidence: list[Evidence]) -> dict[str, Evidence]:
    """The resource calls already made, by query (one line: service, operation, params)."""
    return {e.query: e for e in evidence if e.tool == "describe_resource"}


def _call(service: str, operation: str, **params: Any) -> tuple[str, dict[str, Any]]:
    query = " ".join([service, operation, *(f"{k}={v}" for k, v in params.items())])
    args = {"service": service, "operation": operation, "parameters": dict(params)}
    return query, args


def _failing_functions(evidence: list[Evidence]) -> list[str]:
    names: list[str] = []
    for e in evidence:
        if e.source != "logs" or e.status != "ok":
            continue
        for row in rows_as_dicts(e):
            match = _LAMBDA_GROUP.match(row.get("@log") or row.get("log") or "")
            if match and match.group(1) not in names:
                names.append(match.group(1))
    return names


def _alarm_queues(evidence: list[Evidence]) -> list[str]:
    queues = []
    for e in evidence:
        if e.tool in ("describe_alarm", "get_metric_data") and "AWS/SQS" in e.query:
            queues += re.findall(r"QueueName=([\w-]+)", e.query)
        if e.tool == "describe_alarm":
            for row in rows_as_dicts(e):
                if (row.get("namespace") or "") == "AWS/SQS":
                    queues += re.findall(r"QueueName=([\w-]+)", row.get("dimensions") or "")
    return list(dict.fromkeys(queues))


def _wanted(evidence: list[Evidence], failing_ips: list[str]) -> list[tuple[str, dict[str, Any]]]:
    region, account = _region_account(evidence)
    made = _describe(evidence)
    wanted: list[tuple[str, dict[str, Any]]] = []
    # the load balancer's failing targets, and every target group's health
    for ip in failing_ips[:2]:
        wanted.append(_call("ec2", "DescribeInstances", **{"private-ip-address": ip}))
    if failing_ips:
        wanted.append(_call("elbv2", "DescribeTargetGroups"))
    groups = made.get("elbv2 DescribeTargetGroups")
    if groups and groups.status == "ok":
        for row in rows_as_dicts(groups)[:3]:
            if row.get("arn"):
                wanted.append(_call("elbv2", "DescribeTargetHealth", TargetGroupArn=row["arn"]))
    # failing functions' configuration
    for name in _failing_functions(evidence)[:2]:
        wanted.append(_call("lambda", "GetFunctionConfiguration", FunctionName=name))
    # a role denied an action: its policies and the document of their default version
    texts = _texts(evidence)
    roles = list(dict.fromkeys(m for t in texts if _DENIED.search(t) for m in _ROLE.findall(t)))
    for role in roles[:1]:
        wanted.append(_call("iam", "ListAttachedRolePolicies", RoleName=role))
        wanted.append(_call("iam", "ListRolePolicies", RoleName=role))
        attached = made.get(f"iam ListAttachedRolePolicies RoleName={role}")
        for row in rows_as_dicts(attached)[:3] if attached and attached.status == "ok" else []:
            policy_arn = row.get("arn") or ""
            if policy_arn and ":aws:policy/" not in policy_arn:  # AWS-managed: not the change
                wanted.append(_call("iam", "GetPolicy", PolicyArn=policy_arn))
        inline = made.get(f"iam ListRolePolicies RoleName={role}")
        for row in rows_as_dicts(inline)[:2] if inline and inline.status == "ok" else []:
            if row.get("policy"):
                wanted.append(
                    _call("iam", "GetRolePolicy", RoleName=role, PolicyName=row["policy"])
                )
    for e in made.values():
        if e.query.startswith("iam GetPolicy ") and e.status == "ok":
            for row in rows_as_dicts(e):
                arn, version = row.get("arn"), row.get("default_version")
                if arn and version:
                    wanted.append(
                        _call("iam", "GetPolicyVersion", PolicyArn=arn, VersionId=version)
                    )
    # a queue's alarm: its attributes, its consumers and its dead-letter queue
    for queue in _alarm_queues(evidence)[:1]:
        url = f"https://sqs.{region}.amazonaws.com/{account}/{queue}"
        wanted.append(_call("sqs", "GetQueueAttributes", QueueUrl=url))
        wanted.append(
            _call(
                "lambda",
                "ListEventSourceMappings",
                EventSourceArn=f"arn:aws:sqs:{region}:{account}:{queue}",
            )
        )
        attributes = made.get(f"sqs GetQueueAttributes QueueUrl={url} AttributeNames=All")
        dlq = _dead_letter_arn(attributes)
        if dlq:
            _, _, _, dlq_region, dlq_account, dlq_name = dlq.split(":", 5)
            dlq_url = f"https://sqs.{dlq_region}.amazonaws.com/{dlq_account}/{dlq_name}"
            wanted.append(_call("sqs", "GetQueueAttributes", QueueUrl=dlq_url))
    return wanted


def _dead_letter_arn(attributes: Evidence | None) -> str | None:
    if attributes is None or attributes.status != "ok":
        return None
    for row in rows_as_dicts(attributes):
        if row.get("attribute") == "RedrivePolicy" and row.get("value"):
            try:
                policy = json.loads(row["value"] or "")
            except json.JSONDecodeError:
                return None
            arn = policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
            return str(arn) if arn and str(arn).count(":") == 5 else None
    return None


def next_calls(
    evidence: list[Evidence], failing_ips: list[str], tools: set[str], turn: str
) -> list[ToolCall]:
    """The describe calls the rules ask for that have not been made yet."""
    if "describe_resource" not in tools:
        return []
    made = {e.query.replace(" AttributeNames=All", "").replace(" Details=True", "") for e in evidence if e.tool == "describe_resource"}  # fmt: skip
    calls: list[ToolCall] = []
    seen: set[str] = set()
    for query, args in _wanted(evidence, failing_ips):
        if query in made or query in seen:
            continue
        seen.add(query)
        calls.append(
            ToolCall(
                name="describe_resource",
                args=args,
                id=f"baseline_{turn}_{len(calls) + 1}",
                type="tool_call",
            )
        )
    return calls[:MAX_CALLS_PER_TURN]


def faults(evidence: list[Evidence]) -> list[ResourceFault]:
    """What the resource answers say is wrong, most decisive first."""
    found: list[ResourceFault] = []
    by_query = _describe(evidence)
    for e in by_query.values():
        if e.status != "ok":
            continue
        rows = rows_as_dicts(e)
        if e.query.startswith("elbv2 DescribeTargetHealth"):
            bad = [r for r in rows if (r.get("state") or "") in UNHEALTHY]
            if bad and len(bad) < len(rows) + 1:
                targets = ", ".join(
                    f"{r.get('target')} {r.get('state')} ({r.get('reason')}: {r.get('description')})"
                    for r in bad[:3]
                )
                found.append(
                    ResourceFault(
                        f"{len(bad)} of {len(rows)} targets fail the load balancer's health "
                        f"check: {targets}",
                        "configuration",
                        e.id,
                    )
                )
        elif e.query.startswith("lambda ListEventSourceMappings"):
            for r in rows:
                if (r.get("state") or "") in ("Disabled", "Disabling"):
                    found.append(
                        ResourceFault(
                            f"the event source mapping {r.get('uuid')} from "
                            f"{(r.get('event_source') or '').rsplit(':', 1)[-1]} to "
                            f"{(r.get('function') or '').rsplit(':', 1)[-1]} is {r.get('state')}"
                            f" ({r.get('state_reason') or 'no reason given'}): nothing consumes "
                            "the queue",
                            "configuration",
                            e.id,
                        )
                    )
        elif e.query.startswith("iam GetPolicyVersion"):
            denied = {a for t in _texts(evidence) for a in _DENIED.findall(t)}
            document = " ".join(r.get("document") or "" for r in rows)
            version = rows[0].get("version") if rows else "?"
            policy = e.query.split("PolicyArn=", 1)[-1].split(" ", 1)[0].rsplit("/", 1)[-1]
            for action in sorted(denied):
                service = action.split(":", 1)[0]
                if action not in document and f"{service}:*" not in document:
                    granted = sorted(set(re.findall(re.escape(service) + r":[A-Z]\w*", document)))
                    found.append(
                        ResourceFault(
                            f"the default version {version} of policy {policy} does not allow "
                            f"{action}: its document grants only "
                            f"{', '.join(granted) or 'other actions'}",
                            "permissions",
                            e.id,
                        )
                    )
    for e in evidence:  # a redrive policy naming a queue that does not exist
        if e.tool != "describe_resource" or e.status != "error":
            continue
        if "GetQueueAttributes" in e.query and "NonExistentQueue" in (e.error or ""):
            missing = e.query.split("QueueUrl=", 1)[-1].split(" ", 1)[0].rsplit("/", 1)[-1]
            source = next(
                (
                    s
                    for s in by_query.values()
                    if s.status == "ok" and (_dead_letter_arn(s) or "").endswith(f":{missing}")
                ),
                None,
            )
            if source is not None:
                queue = source.query.split("QueueUrl=", 1)[-1].split(" ", 1)[0].rsplit("/", 1)[-1]
                found.append(
                    ResourceFault(
                        f"the redrive policy of {queue} names the dead-letter queue {missing}, "
                        "which does not exist (NonExistentQueue): failing messages are never "
                        "moved out and are received again and again",
                        "configuration",
                        source.id,
                    )
                )
                found[-1].evidence_id = f"{source.id},{e.id}"
    return found
