"""What the rule-based investigator knows: error signatures (what an error line means, which
AWS service it implicates, which root-cause category it points to) and what kind of change
a CloudTrail write event is."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    label: str  # how the report names it
    pattern: re.Pattern[str]
    category: str
    service: str | None  # the AWS service (CloudTrail eventSource prefix) it implicates


def _sig(label: str, regex: str, category: str, service: str | None) -> Signature:
    return Signature(label, re.compile(regex, re.I), category, service)


# Most specific first: the first matching signature names an error line.
SIGNATURES: tuple[Signature, ...] = (
    # Per-partition limits: the table as a whole has capacity, one key range is overloaded by
    # the access pattern, so table-level capacity changes do not explain it.
    _sig(
        "hot partition key",
        r"KeyRangeThroughputExceeded|hot partition|hot key",
        "traffic",
        None,
    ),
    _sig(
        "ProvisionedThroughputExceededException",
        r"ProvisionedThroughputExceeded",
        "capacity",
        "dynamodb",
    ),
    _sig(
        "DynamoDB throttling",
        r"ThrottlingException.*dynamodb|dynamodb.*throttl|RequestLimitExceeded",
        "capacity",
        "dynamodb",
    ),
    _sig(
        "Lambda throttling (TooManyRequestsException)",
        r"TooManyRequestsException|Rate Exceeded|ConcurrentInvocationLimitExceeded",
        "capacity",
        "lambda",
    ),
    _sig("ThrottlingException", r"ThrottlingException|SlowDown|throttl", "capacity", None),
    _sig(
        "AccessDenied",
        r"AccessDenied|not authorized to perform|UnauthorizedOperation|is not authorized|Forbidden.*(?:iam|sts)",
        "permissions",
        "iam",
    ),
    _sig(
        "KMS key unusable",
        r"KMS.*(?:Disabled|not usable|KMSInvalidState)|DisabledException",
        "security",
        "kms",
    ),
    _sig(
        "Lambda out of memory",
        r"Runtime exited with error: signal: killed|MemoryError|OutOfMemory|Runtime\.OutOfMemory",
        "resource-exhaustion",
        "lambda",
    ),
    _sig("Lambda timeout", r"Task timed out after", "resource-exhaustion", "lambda"),
    _sig(
        "too many connections",
        r"too many connections|connection pool (?:exhausted|timeout)|remaining connection slots",
        "resource-exhaustion",
        "rds",
    ),
    _sig("disk full", r"No space left on device|disk full|ENOSPC", "resource-exhaustion", None),
    _sig(
        "import / startup error",
        r"Runtime\.ImportModuleError|ModuleNotFoundError|ImportError|SyntaxError|Cannot find module|NoSuchMethodError|ClassNotFoundException",
        "deployment",
        "lambda",
    ),
    _sig(
        "missing configuration",
        r"KeyError: '[A-Z_]+'|environment variable .* (?:not set|missing)|missing (?:required )?config|ParameterNotFound|ResourceNotFoundException.*(?:secret|parameter)",
        "configuration",
        None,
    ),
    _sig(
        "DNS resolution failure",
        r"ENOTFOUND|Name or service not known|getaddrinfo|NXDOMAIN|Temporary failure in name resolution",
        "network",
        "route53",
    ),
    _sig(
        "connection timeout",
        r"ETIMEDOUT|Connect timeout|connection timed out|ConnectTimeoutError",
        "network",
        "ec2",
    ),
    _sig(
        "connection refused",
        r"ECONNREFUSED|Connection refused|ECONNRESET|connection reset",
        "dependency",
        None,
    ),
    _sig(
        "upstream 5xx",
        r"\b50[234]\b.*(?:upstream|downstream|dependency|from)|Bad Gateway|Service Unavailable|upstream",
        "dependency",
        None,
    ),
    _sig(
        "validation / malformed data",
        r"ValidationException|JSONDecodeError|malformed|invalid (?:input|payload|json)|SerializationException|schema|"
        r"InvalidOperation|ConversionSyntax|could not convert|invalid literal|NumberFormatException|unparseable|cannot parse",
        "data",
        None,
    ),
    # Errors in the application's own code: new ones usually come with a new version.
    _sig(
        "application code error",
        r"NullPointerException|TypeError|AttributeError|ReferenceError|NameError|IndexError|"
        r"Cannot read propert|is not a function|undefined is not|ClassCastException|IllegalStateException",
        "deployment",
        "code",
    ),
    _sig(
        "credential / login failure",
        r"ConsoleLogin.*Failure|InvalidClientTokenId|SignatureDoesNotMatch|brute",
        "security",
        None,
    ),
)


def match_signature(text: str) -> Signature | None:
    for signature in SIGNATURES:
        if signature.pattern.search(text):
            return signature
    return None


# CloudTrail eventName patterns -> the kind of change.
_CHANGE_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(UpdateFunctionCode|PublishVersion|UpdateAlias|CreateDeployment|UpdateService|RegisterTaskDefinition|UpdateStack|ExecuteChangeSet|CreateImage|StartDeployment)"
        ),
        "deployment",
    ),
    (
        re.compile(
            r"^(UpdateFunctionConfiguration|PutParameter|UpdateEnvironment|ModifyDBParameterGroup|UpdateSecret|PutSecretValue|UpdateStage|PutBucket|PutConfiguration)"
        ),
        "configuration",
    ),
    (
        re.compile(
            r"^(Put\w*Policy|Attach\w*Policy|Detach\w*Policy|Delete\w*Policy|UpdateAssumeRolePolicy|CreatePolicyVersion|SetDefaultPolicyVersion|RemovePermission|AddPermission|PutKeyPolicy)"
        ),
        "permissions",
    ),
    (
        re.compile(
            r"^(UpdateTable|PutScalingPolicy|RegisterScalableTarget|UpdateAutoScalingGroup|SetDesiredCapacity|PutFunctionConcurrency|DeleteFunctionConcurrency|PutProvisionedConcurrencyConfig|ModifyDBInstance|UpdateCapacity)"
        ),
        "capacity",
    ),
    (
        re.compile(
            r"^(AuthorizeSecurityGroup\w*|RevokeSecurityGroup\w*|ModifySecurityGroupRules|CreateRoute|ReplaceRoute|DeleteRoute|\w*NetworkAcl\w*|ModifyVpc\w*|ChangeResourceRecordSets|ModifyInstanceAttribute)"
        ),
        "network",
    ),
    (
        re.compile(
            r"^(DisableKey|ScheduleKeyDeletion|CreateAccessKey|DeleteTrail|StopLogging|ConsoleLogin)"
        ),
        "security",
    ),
)


def change_kind(event_name: str) -> str:
    for pattern, kind in _CHANGE_KINDS:
        if pattern.search(event_name):
            return kind
    return "configuration"


# Request-parameter keys that name the resource a change touched.
RESOURCE_KEYS = (
    "tableName",
    "functionName",
    "roleName",
    "policyArn",
    "groupId",
    "bucketName",
    "name",
    "queueUrl",
    "topicArn",
    "dBInstanceIdentifier",
    "autoScalingGroupName",
    "keyId",
    "clusterName",
    "serviceName",
    "restApiId",
    "loadBalancerArn",
    "targetGroupArn",
    "resourceId",
    "service",
    "cluster",
    "family",
    "stateMachineArn",
)


# What request parameters a change must set to explain an error signature's category: a
# memory error is explained by a memory setting, throttling by a capacity setting, ...
RELEVANT_SETTINGS: dict[str, re.Pattern[str]] = {
    "capacity": re.compile(
        r"capacity|throughput|concurren|desiredCount|maxSize|minSize|billingMode", re.I
    ),
    "resource-exhaustion": re.compile(
        r"memorySize|timeout|ephemeralStorage|max_connections|instanceClass|allocatedStorage", re.I
    ),
    "permissions": re.compile(r"polic|role|permission|principal", re.I),
    "network": re.compile(
        r"ipPermissions|cidr|securityGroup|route|port|subnet|dns|environment", re.I
    ),
    "dependency": re.compile(r"environment|endpoint|url|host|timeout", re.I),
    "configuration": re.compile(r"environment|parameter|config|variables", re.I),
    "deployment": re.compile(
        r"image|taskDefinition|functionVersion|s3Key|codeSha|imageUri|version", re.I
    ),
    "data": re.compile(r"schema|format|mapping|serializ", re.I),
}


def service_of(event_source: str) -> str:
    """`dynamodb.amazonaws.com` -> `dynamodb`."""
    return event_source.split(".", 1)[0].lower()
