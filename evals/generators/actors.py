"""The people and machines that call AWS APIs in the scenarios' account (CloudTrail's
userIdentity), shared so that the same dashboard or pipeline looks the same everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evals.generators.cloudtrail import Principal, Trail, poll

TERRAFORM_UA = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) "
    "terraform-provider-aws/5.39.1 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.7 md/GOOS#linux md/GOARCH#amd64"
)

GRAFANA = Principal(
    "AssumedRole",
    "grafana-cloudwatch-reader",
    "grafana",
    source_ip="54.210.3.17",
    role_id="AROAZ6EXAMPLEGRAFAN1",
    user_agent="aws-sdk-go/1.50.8 (go1.21.6; linux; amd64) grafana/10.3.1",
)


def dashboard_poll(
    trail: Trail,
    first: datetime,
    end: datetime,
    alarm_prefix: str,
    *panels: tuple[str, str, dict[str, Any] | None],
) -> None:
    """The team's Grafana dashboard refreshing every 5 minutes from `first`: it lists the
    alarms named `<alarm_prefix>*`, then makes the read-only calls of its other panels
    (eventSource, eventName, request)."""
    alarms = ("monitoring.amazonaws.com", "DescribeAlarms", {"alarmNamePrefix": alarm_prefix})
    poll(trail, GRAFANA, first, end, timedelta(minutes=5), [alarms, *panels])


TERRAFORM_PIPELINE = Principal(
    "AssumedRole",
    "platform-deploy-github",
    "GitHubActions-platform-infra-8152",
    source_ip="4.175.112.9",
    role_id="AROAZ6EXAMPLEDEPLOY1",
    user_agent=TERRAFORM_UA,
)

CODEPIPELINE = Principal(
    "AssumedRole",
    "app-release-codepipeline",
    "1772441843162",
    source_ip="codepipeline.amazonaws.com",
    role_id="AROAZ6EXAMPLECDPIPE1",
    user_agent="codepipeline.amazonaws.com",
)


def sso_user(email: str, *, cli_command: str | None = None, ip: str = "198.51.100.77") -> Principal:
    """A person signed in through IAM Identity Center; with the CLI or the console."""
    if cli_command:
        agent = (
            "aws-cli/2.15.30 Python/3.11.8 Darwin/23.3.0 exe/x86_64 prompt/off "
            f"command/{cli_command}"
        )
        console = False
    else:
        agent = "AWS Internal"
        console = True
    return Principal(
        "AssumedRole",
        "AWSReservedSSO_PowerUserAccess_4f1c2a9b7e3d5c60",
        email,
        source_ip=ip,
        role_id="AROAZ6EXAMPLESSOPWR1",
        user_agent=agent,
        console=console,
    )


def workload_role(role: str, session: str, *, ip: str = "3.91.22.140") -> Principal:
    """A Lambda function's or task's execution role calling AWS from inside the workload."""
    return Principal(
        "AssumedRole",
        role,
        session,
        source_ip=ip,
        role_id="AROAZ6EXAMPLE" + role.upper().replace("-", "")[:7].ljust(7, "0"),
        user_agent="Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.10.215 "
        "md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy "
        "Botocore/1.34.51",
    )
