"""CloudTrail management-event records and the log files CloudTrail delivers to S3.

Records follow the documented record contents (eventVersion 1.09): userIdentity with the
session context of an assumed role, eventSource/eventName, request and response
elements, readOnly, eventType, managementEvent, recipientAccountId, eventCategory,
tlsDetails. Files hold about five minutes of records each, named as CloudTrail names them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from evals.generators.common import ACCOUNT_ID, REGION, BundleWriter, Ids, iso_z

# Per-service details CloudTrail records carry.
API_VERSIONS = {
    "dynamodb.amazonaws.com": "2012-08-10",
    "lambda.amazonaws.com": None,
    "rds.amazonaws.com": "2014-10-31",
    "ecs.amazonaws.com": None,
    "ec2.amazonaws.com": None,
}


@dataclass(frozen=True)
class Principal:
    """Who made the call: an assumed role session (humans via SSO, pipelines, workloads),
    an IAM user, or an AWS service."""

    kind: str  # AssumedRole | IAMUser | AWSService
    name: str  # role name, user name or service principal
    session: str = ""
    source_ip: str = "203.0.113.24"
    user_agent: str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22"
    console: bool = False
    role_id: str = "AROAZ6EXAMPLE0ROLE01"
    access_key: str = "AKIAZ6EXAMPLEKEY0001"  # an IAM user's long-term key

    def identity(self, ids: Ids, session_created: datetime) -> dict[str, Any]:
        if self.kind == "AWSService":
            return {"type": "AWSService", "invokedBy": self.name}
        if self.kind == "IAMUser":
            return {
                "type": "IAMUser",
                "principalId": "AIDAZ6EXAMPLEUSER001",
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}",
                "accountId": ACCOUNT_ID,
                "accessKeyId": self.access_key,
                "userName": self.name,
            }
        role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{self.name}"
        if self.name.startswith("AWSReservedSSO_"):
            role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-reserved/sso.amazonaws.com/{self.name}"
        return {
            "type": "AssumedRole",
            "principalId": f"{self.role_id}:{self.session}",
            "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{self.name}/{self.session}",
            "accountId": ACCOUNT_ID,
            "accessKeyId": ids.access_key(),
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": self.role_id,
                    "arn": role_arn,
                    "accountId": ACCOUNT_ID,
                    "userName": self.name,
                },
                "attributes": {
                    "creationDate": iso_z(session_created),
                    "mfaAuthenticated": "false",
                },
            },
        }


@dataclass
class Trail:
    """Collects records for one account and region, then writes CloudTrail files."""

    ids: Ids
    records: list[dict[str, Any]] = field(default_factory=list)

    def call(
        self,
        at: datetime,
        principal: Principal,
        source: str,
        name: str,
        *,
        read_only: bool,
        request: dict[str, Any] | None = None,
        response: dict[str, Any] | None = None,
        resources: list[dict[str, str]] | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        request_id: str | None = None,
        region: str = REGION,
    ) -> dict[str, Any]:
        service = source.split(".")[0]
        record: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": principal.identity(self.ids, at - timedelta(minutes=37)),
            "eventTime": iso_z(at),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": (
                principal.name if principal.kind == "AWSService" else principal.source_ip
            ),
            "userAgent": (
                principal.name if principal.kind == "AWSService" else principal.user_agent
            ),
        }
        if error_code:
            record["errorCode"] = error_code
            record["errorMessage"] = error_message or ""
        record["requestParameters"] = request
        record["responseElements"] = None if error_code else response
        record["requestID"] = request_id or (
            self.ids.dynamodb_request_id() if service == "dynamodb" else self.ids.uuid4()
        )
        record["eventID"] = self.ids.uuid4()
        record["readOnly"] = read_only
        if resources:
            record["resources"] = resources
        record["eventType"] = "AwsApiCall"
        api_version = API_VERSIONS.get(source)
        if api_version:
            record["apiVersion"] = api_version
        record["managementEvent"] = True
        record["recipientAccountId"] = ACCOUNT_ID
        record["eventCategory"] = "Management"
        record["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{service}.{region}.amazonaws.com",
        }
        if principal.console:
            record["sessionCredentialFromConsole"] = "true"
        self.records.append(record)
        return record

    def write(self, writer: BundleWriter) -> None:
        """One file per region and five minutes of eventTime, as CloudTrail delivers them."""
        buckets: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for record in sorted(self.records, key=lambda r: (r["eventTime"], r["eventID"])):
            at = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            if not writer.in_window(at):
                continue
            slot = at.replace(minute=at.minute - at.minute % 5, second=0) + timedelta(minutes=5)
            buckets[(record["awsRegion"], f"{slot:%Y%m%dT%H%MZ}")].append(record)
        for (region, stamp), records in sorted(buckets.items()):
            name = f"{ACCOUNT_ID}_CloudTrail_{region}_{stamp}_{self.ids.alnum(16)}.json"
            writer.json(f"cloudtrail/{name}", {"Records": records})


def table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{table}"


def function_arn(function: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"


def resource(kind: str, arn: str) -> dict[str, str]:
    return {"accountId": ACCOUNT_ID, "type": kind, "ARN": arn}


def poll(
    trail: Trail,
    principal: Principal,
    start: datetime,
    end: datetime,
    every: timedelta,
    calls: list[tuple[str, str, dict[str, Any] | None]],
) -> None:
    """Read-only calls a dashboard or agent repeats: (eventSource, eventName, request)."""
    at = start
    while at < end:
        for offset, (source, name, request) in enumerate(calls):
            trail.call(
                at + timedelta(seconds=2 * offset),
                principal,
                source,
                name,
                read_only=True,
                request=request,
            )
        at += every


def lambda_configuration(
    function: str,
    *,
    modified: datetime,
    revision_id: str,
    timeout: int = 10,
    memory: int = 512,
    runtime: str = "python3.12",
    handler: str = "app.handler",
    description: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The function configuration Lambda returns (UpdateFunctionConfiguration, UpdateFunctionCode)."""
    config: dict[str, Any] = {
        "functionName": function,
        "functionArn": function_arn(function),
        "runtime": runtime,
        "role": f"arn:aws:iam::{ACCOUNT_ID}:role/{function}-role",
        "handler": handler,
        "codeSize": 18234,
        "description": description,
        "timeout": timeout,
        "memorySize": memory,
        "lastModified": modified.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "codeSha256": "pQ8mC3vN1Yw5b2Jf0Wk9hXr7sT4uLzA6eDgH1iKoM2E=",
        "version": "$LATEST",
        "tracingConfig": {"mode": "Active"},
        "revisionId": revision_id,
        "state": "Active",
        "lastUpdateStatus": "InProgress",
        "lastUpdateStatusReason": "The function is being created.",
        "lastUpdateStatusReasonCode": "Creating",
        "packageType": "Zip",
        "architectures": ["arm64"],
        "ephemeralStorage": {"size": 512},
        "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
        "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{function}"},
    }
    config.update(extra or {})
    return config


def update_function_configuration(
    trail: Trail,
    at: datetime,
    principal: Principal,
    function: str,
    change: dict[str, Any],
    **configuration: Any,
) -> None:
    """An UpdateFunctionConfiguration call on `function` that sends `change` (request keys
    such as memorySize or timeout); `configuration` describes the configuration Lambda
    answers with (the keywords of lambda_configuration)."""
    revision_id = trail.ids.uuid4()
    trail.call(
        at,
        principal,
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        read_only=False,
        request={"functionName": function, **change},
        response=lambda_configuration(
            function, modified=at, revision_id=revision_id, **configuration
        ),
        resources=[resource("AWS::Lambda::Function", function_arn(function))],
    )
