"""The investigation's IAM permissions: read-only telemetry, the model, nothing else.

Every action is named (no wildcards) and scoped to the configured resources wherever the
Service Authorization Reference lets it be. The exceptions, which IAM only accepts on
`"*"`, are listed in `UNSCOPABLE_ACTIONS` (and in docs/deploy.md):

- `logs:DescribeLogGroups`, `logs:StopQuery`: no resource types (StartQuery and
  GetQueryResults take `log-group` and are scoped to the configured groups);
- `xray:GetTraceSummaries`, `xray:BatchGetTraces`, `xray:GetServiceGraph`: no resource types;
- `cloudwatch:GetMetricData`, `cloudwatch:ListMetrics`: no resource types;
- the resource reads without resource types (`RESOURCE_UNSCOPABLE_ACTIONS`): ELBv2's and
  EC2's `Describe*`, `lambda:ListEventSourceMappings`, `ssm:ListCommandInvocations`,
  `config:GetResourceConfigHistory`, `config:ListDiscoveredResources`,
  `cloudtrail:LookupEvents`.
- `bedrock:Rerank` (only with a knowledge-base reranker): no resource types (the reranking
  model itself is scoped through `bedrock:InvokeModel`).
- `guardduty:ListDetectors`, `guardduty:ListFindings`, `guardduty:GetFindings` (only with the
  findings report): no resource types. `securityhub:GetFindings` takes the `hub` resource
  and is scoped to this account's hub in this region (`hub/default`).

Metrics Insights queries (`fa2 insight`, `run_metrics_insights_query`) run through
`GetMetricData` with an `Expression`: no further action exists or is needed, so insight adds
no grant of its own (`cloudwatch:GetMetricData`/`ListMetrics` are the investigation's).

The resource reads are derived from the allow-list itself
(`agent.telemetry.resource_catalog`): exactly its actions, each on the ARN patterns the
catalog names for it, in this account and region; none when `resources_enabled` is false.

The Converse API is authorised by `bedrock:InvokeModel` (ConverseStream by
`bedrock:InvokeModelWithResponseStream`): there is no separate `bedrock:Converse` action.
"""

from __future__ import annotations

import re

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from agent.telemetry.resource_catalog import (
    CLOUDTRAIL_LOOKUP_ACTION,
    CONFIG_DISCOVER_ACTION,
    CONFIG_HISTORY_ACTION,
    OPERATIONS,
)
from infra.parameters import Parameters

RESOURCE_UNSCOPABLE_ACTIONS = frozenset(
    {op.iam_action for op in OPERATIONS if not op.iam_resources}
    | {CONFIG_HISTORY_ACTION, CONFIG_DISCOVER_ACTION, CLOUDTRAIL_LOOKUP_ACTION}
)
UNSCOPABLE_ACTIONS = RESOURCE_UNSCOPABLE_ACTIONS | frozenset(
    {
        "logs:DescribeLogGroups",
        "logs:StopQuery",
        "xray:GetTraceSummaries",
        "xray:BatchGetTraces",
        "xray:GetServiceGraph",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "bedrock:Rerank",
        *("guardduty:ListDetectors", "guardduty:ListFindings", "guardduty:GetFindings"),
    }
)
FINDINGS_ACTIONS = (
    "securityhub:GetFindings",
    "guardduty:ListDetectors",
    "guardduty:ListFindings",
    "guardduty:GetFindings",
)
BEDROCK_INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
# Cross-region inference profile ids start with a geography ("us.anthropic...").
_PROFILE_GEOGRAPHIES = ("us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.", "global.")


def telemetry_read_statements(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    """Logs Insights, CloudWatch, X-Ray and Athena reads for the configured sources."""
    statements = [*_logs(stack, params), *_cloudwatch(stack)]
    if params.settings.telemetry.xray_enabled:
        statements.append(
            iam.PolicyStatement(
                sid="XRayRead",
                actions=["xray:GetTraceSummaries", "xray:BatchGetTraces", "xray:GetServiceGraph"],
                resources=["*"],
            )
        )
    if params.athena_results is not None:
        statements += _athena(stack, params)
    return statements


def knowledge_base_statements(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    """`search_runbooks` on AWS: Retrieve on the configured knowledge base only; with a
    reranker, Rerank and InvokeModel on that reranking model."""
    knowledge = params.settings.knowledge
    if not knowledge.knowledge_base_id:
        return []
    statements = [
        iam.PolicyStatement(
            sid="KnowledgeBaseRetrieve",
            actions=["bedrock:Retrieve"],
            resources=[_arn(stack, "bedrock", f"knowledge-base/{knowledge.knowledge_base_id}")],
        )
    ]
    if knowledge.knowledge_base_reranker_model_arn:
        statements += [
            iam.PolicyStatement(
                sid="KnowledgeBaseRerank", actions=["bedrock:Rerank"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="KnowledgeBaseRerankModel",
                actions=["bedrock:InvokeModel"],
                resources=[knowledge.knowledge_base_reranker_model_arn],
            ),
        ]
    return statements


def findings_read_statements(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    """The findings report's reads: Security Hub's findings of this account's hub in this
    region, GuardDuty's detectors and findings; none when the report is turned off."""
    if not params.settings.features.findings_report_enabled:
        return []
    return [
        iam.PolicyStatement(
            sid="SecurityHubFindingsRead",
            actions=["securityhub:GetFindings"],
            resources=[_arn(stack, "securityhub", "hub/default")],
        ),
        iam.PolicyStatement(
            sid="GuardDutyFindingsRead",
            actions=["guardduty:ListDetectors", "guardduty:ListFindings", "guardduty:GetFindings"],
            resources=["*"],
        ),
    ]


def resource_read_statements(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    """The allow-listed describe calls and the configuration history, least privilege: one
    statement per service, actions grouped by the resources IAM scopes them to."""
    if not params.settings.telemetry.resources_enabled:
        return []
    by_scope: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    for op in OPERATIONS:
        patterns = tuple(
            p.format(partition=stack.partition, region=stack.region, account=stack.account)
            for p in op.iam_resources
        ) or ("*",)
        prefix = op.iam_action.split(":", 1)[0]
        by_scope.setdefault((prefix, patterns), set()).add(op.iam_action)
    history = (CONFIG_HISTORY_ACTION, CONFIG_DISCOVER_ACTION, CLOUDTRAIL_LOOKUP_ACTION)
    by_scope[("confighistory", ("*",))] = set(history)
    statements = []
    for index, ((prefix, patterns), actions) in enumerate(sorted(by_scope.items())):
        sid = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]", prefix))
        statements.append(
            iam.PolicyStatement(
                sid=f"Describe{sid}{index}",
                actions=sorted(actions),
                resources=list(patterns),
            )
        )
    return statements


def _arn(stack: Stack, service: str, resource: str, *, region: bool = True) -> str:
    where = f"{stack.region}:{stack.account}" if region else ":"
    return f"arn:{stack.partition}:{service}:{where}:{resource}"


def _logs(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    statements = [
        iam.PolicyStatement(
            sid="LogsListGroups",
            actions=["logs:DescribeLogGroups", "logs:StopQuery"],
            resources=["*"],
        )
    ]
    # Parameters refuses an empty log_groups unless deploy.query_logs is false (logs
    # intentionally not queried), so no StartQuery here is a stated choice, never an accident.
    if params.settings.telemetry.log_groups:
        groups = [
            _arn(stack, "logs", f"log-group:{name}")
            for name in params.settings.telemetry.log_groups
        ]
        statements.append(
            iam.PolicyStatement(
                sid="LogsInsightsQuery",
                actions=["logs:StartQuery", "logs:GetQueryResults"],
                resources=[*groups, *(f"{arn}:*" for arn in groups)],
            )
        )
    return statements


def _cloudwatch(stack: Stack) -> list[iam.PolicyStatement]:
    return [
        iam.PolicyStatement(
            sid="MetricsRead",
            actions=["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="AlarmsRead",
            actions=["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"],
            resources=[_arn(stack, "cloudwatch", "alarm:*")],
        ),
    ]


def _athena(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    settings = params.settings
    results = params.athena_results
    assert results is not None
    database = settings.athena.database
    tables = [settings.athena.alb_table, settings.athena.cloudtrail_table]
    statements = [
        iam.PolicyStatement(
            sid="AthenaQuery",
            actions=[
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:StopQueryExecution",
                "athena:GetWorkGroup",
            ],
            resources=[_arn(stack, "athena", f"workgroup/{settings.athena.workgroup}")],
        ),
        iam.PolicyStatement(
            sid="AthenaCatalogRead",
            actions=["athena:GetDatabase", "athena:GetTableMetadata", "athena:ListTableMetadata"],
            resources=[_arn(stack, "athena", "datacatalog/AwsDataCatalog")],
        ),
        iam.PolicyStatement(
            sid="GlueCatalogRead",
            actions=[
                "glue:GetDatabase",
                "glue:GetTable",
                "glue:GetTables",
                "glue:GetPartition",
                "glue:GetPartitions",
            ],
            resources=[
                _arn(stack, "glue", "catalog"),
                _arn(stack, "glue", f"database/{database}"),
                *(_arn(stack, "glue", f"table/{database}/{table}") for table in tables),
            ],
        ),
        iam.PolicyStatement(
            sid="AthenaResultsWrite",
            actions=[
                "s3:PutObject",
                "s3:GetObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            resources=[f"arn:{stack.partition}:s3:::{results.bucket}/{results.prefix}*"],
        ),
        iam.PolicyStatement(
            sid="AthenaResultsBucket",
            actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            resources=[f"arn:{stack.partition}:s3:::{results.bucket}"],
        ),
    ]
    logs = params.log_bucket_locations
    if logs:
        statements += [
            iam.PolicyStatement(
                sid="LogBucketsRead",
                actions=["s3:GetObject"],
                resources=[f"arn:{stack.partition}:s3:::{b.bucket}/{b.prefix}*" for b in logs],
            ),
            iam.PolicyStatement(
                sid="LogBucketsList",
                actions=["s3:GetBucketLocation", "s3:ListBucket"],
                resources=sorted({f"arn:{stack.partition}:s3:::{b.bucket}" for b in logs}),
            ),
        ]
    return statements


def bedrock_statements(stack: Stack, params: Parameters) -> list[iam.PolicyStatement]:
    """InvokeModel on the configured model and fallback only.

    A cross-region inference profile needs its own ARN and the foundation model's ARN in
    every region it routes to; the latter is allowed in any region but only when called
    through that profile (condition `bedrock:InferenceProfileArn`), so the routing table
    never has to be copied here.
    """
    if params.settings.investigator.model != "bedrock":
        return []
    direct: list[str] = []
    via_profile: dict[str, list[str]] = {}
    ids = [params.settings.investigator.model_id, params.settings.investigator.fallback_model_id]
    for model_id in dict.fromkeys(i for i in ids if i):
        if model_id.startswith("arn:"):
            direct.append(model_id)
        elif model_id.startswith(_PROFILE_GEOGRAPHIES):
            profile = _arn(stack, "bedrock", f"inference-profile/{model_id}")
            direct.append(profile)
            base_model = model_id.split(".", 1)[1]
            via_profile.setdefault(base_model, []).append(profile)
        else:
            direct.append(
                f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{model_id}"
            )
    statements = [
        iam.PolicyStatement(sid="BedrockInvoke", actions=BEDROCK_INVOKE, resources=direct)
    ]
    for index, (base_model, profiles) in enumerate(sorted(via_profile.items())):
        statements.append(
            iam.PolicyStatement(
                sid=f"BedrockInvokeViaProfile{index}",
                actions=BEDROCK_INVOKE,
                resources=[f"arn:{stack.partition}:bedrock:*::foundation-model/{base_model}"],
                conditions={"StringEquals": {"bedrock:InferenceProfileArn": profiles}},
            )
        )
    return statements
