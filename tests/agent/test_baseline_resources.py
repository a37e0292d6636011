"""The rule-based investigator's resource rules: which describe calls the telemetry leads
to, and what it reads as wrong in their answers."""

from __future__ import annotations

from agent.baseline.resources import faults, next_calls
from agent.report import Evidence

TOOLS = {"describe_resource", "get_config_history"}
DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/orders-writer-role/orders-put is not "
    "authorized to perform: dynamodb:PutItem on resource: "
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders because no identity-based policy "
    "allows the dynamodb:PutItem action"
)


def logs(*lines: str, group: str = "123456789012:/aws/lambda/orders-put") -> Evidence:
    return Evidence(
        id="E1",
        tool="run_logs_insights_query",
        source="logs",
        query="fields @timestamp, @log, @message",
        columns=["@timestamp", "@log", "@message"],
        rows=[["2026-03-02 10:05:00.000", group, line] for line in lines],
    )


def described(eid: str, query: str, columns: list[str], rows: list[list[str | None]], status: str = "ok", error: str | None = None) -> Evidence:  # fmt: skip
    return Evidence(id=eid, tool="describe_resource", source="resources", query=query,
                    columns=columns, rows=rows, status=status, error=error)  # fmt: skip


def queries(calls: list) -> list[str]:
    return [
        f"{c['args']['service']} {c['args']['operation']} {c['args']['parameters']}" for c in calls
    ]


def test_a_failing_lambda_leads_to_its_configuration() -> None:
    calls = next_calls([logs("ERROR boom")], [], TOOLS, "4")
    assert queries(calls) == ["lambda GetFunctionConfiguration {'FunctionName': 'orders-put'}"]
    assert calls[0]["id"] == "baseline_4_1"


def test_a_target_ip_in_the_5xx_leads_to_its_instance_and_the_target_health() -> None:
    calls = next_calls([], ["10.0.1.23"], TOOLS, "4")
    assert queries(calls) == [
        "ec2 DescribeInstances {'private-ip-address': '10.0.1.23'}",
        "elbv2 DescribeTargetGroups {}",
    ]
    groups = described("E2", "elbv2 DescribeTargetGroups", ["name", "arn"], [["web", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1f"]])  # fmt: skip
    assert queries(next_calls([groups], ["10.0.1.23"], TOOLS, "5"))[-1] == (
        "elbv2 DescribeTargetHealth {'TargetGroupArn': "
        "'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1f'}"
    )


def test_an_access_denied_role_leads_to_its_policies_and_their_default_version() -> None:
    first = next_calls([logs(DENIED)], [], TOOLS, "4")
    assert "iam ListAttachedRolePolicies {'RoleName': 'orders-writer-role'}" in queries(first)
    arn = "arn:aws:iam::123456789012:policy/orders-data-access"
    attached = described("E2", "iam ListAttachedRolePolicies RoleName=orders-writer-role", ["policy", "arn"], [["orders-data-access", arn]])  # fmt: skip
    policy = described("E3", f"iam GetPolicy PolicyArn={arn}", ["policy", "arn", "default_version"], [["orders-data-access", arn, "v2"]])  # fmt: skip
    later = queries(next_calls([logs(DENIED), attached, policy], [], TOOLS, "6"))
    assert f"iam GetPolicyVersion {{'PolicyArn': '{arn}', 'VersionId': 'v2'}}" in later


def test_no_call_is_made_twice() -> None:
    made = described("E2", "lambda GetFunctionConfiguration FunctionName=orders-put", ["function"], [["orders-put"]])  # fmt: skip
    assert next_calls([logs("ERROR boom"), made], [], TOOLS, "5") == []


def test_no_describe_calls_without_the_tool() -> None:
    assert next_calls([logs("ERROR boom")], ["10.0.1.23"], {"run_athena_query"}, "4") == []


def test_unhealthy_targets_are_a_fault_with_their_reason() -> None:
    health = described(
        "E5",
        "elbv2 DescribeTargetHealth TargetGroupArn=arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1f",
        ["target", "port", "state", "reason", "description"],
        [["i-0aaa", "8080", "healthy", None, None],
         ["i-0bbb", "8080", "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]"]],
    )  # fmt: skip
    [fault] = faults([health])
    assert fault.evidence_id == "E5"
    assert "Target.ResponseCodeMismatch" in fault.statement and "1 of 2 targets" in fault.statement


def test_a_policy_version_without_the_denied_action_is_a_permissions_fault() -> None:
    version = described(
        "E6",
        "iam GetPolicyVersion PolicyArn=arn:aws:iam::123456789012:policy/orders-data-access VersionId=v2",
        ["version", "default", "created", "document"],
        [["v2", "true", "2026-01-10T08:00:00.000Z",
          '{"Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"]}]}']],
    )  # fmt: skip
    [fault] = faults([logs(DENIED), version])
    assert fault.category == "permissions"
    assert fault.statement.startswith(
        "the default version v2 of policy orders-data-access does not allow dynamodb:PutItem"
    )


def test_a_redrive_policy_naming_a_missing_queue_is_a_fault() -> None:
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/"
    queue = described("E7", f"sqs GetQueueAttributes QueueUrl={url}orders AttributeNames=All", ["attribute", "value"],
                      [["RedrivePolicy", '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:orders-dlq","maxReceiveCount":5}']])  # fmt: skip
    missing = described("E8", f"sqs GetQueueAttributes QueueUrl={url}orders-dlq AttributeNames=All", [], [], status="error",
                        error="SQS rejected ... (AWS.SimpleQueueService.NonExistentQueue): The specified queue does not exist.")  # fmt: skip
    [fault] = faults([queue, missing])
    assert fault.evidence_id == "E7,E8"
    assert "orders-dlq, which does not exist" in fault.statement


def test_a_disabled_event_source_mapping_is_a_fault() -> None:
    mappings = described(
        "E9",
        "lambda ListEventSourceMappings EventSourceArn=arn:aws:sqs:us-east-1:123456789012:orders",
        ["uuid", "event_source", "function", "state", "state_reason"],
        [["6f1c2a9e", "arn:aws:sqs:us-east-1:123456789012:orders",
          "arn:aws:lambda:us-east-1:123456789012:function:orders-worker", "Disabled", "USER_INITIATED"]],
    )  # fmt: skip
    [fault] = faults([mappings])
    assert fault.statement.startswith(
        "the event source mapping 6f1c2a9e from orders to orders-worker is Disabled (USER_INITIATED)"
    )
