"""The fa2 stack: Slack API → Slack function (acks, then investigates lazily in a second,
asynchronous invocation of itself), alarm events → alarm function, one DynamoDB table for
conversation checkpoints and Slack event de-duplication, secrets read by name.

Why one Slack function rather than a separate investigation function: Bolt's lazy
listeners re-invoke the same function with the lazy work, so the ack path and the
investigation share one deployment, one role and one set of settings; the module that acks
imports only Bolt (fast cold start) and the investigation gets the long timeout.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.alarm_trigger import AlarmTrigger
from infra.api import SlackApi
from infra.bundling import BundleSpec, lambda_code
from infra.functions import Fa2Function, settings_environment
from infra.parameters import Parameters
from infra.permissions import (
    bedrock_statements,
    findings_read_statements,
    knowledge_base_statements,
    resource_read_statements,
    telemetry_read_statements,
)

SLACK_HANDLER = "slack_app.lambda_handler.handler"
ALARM_HANDLER = "slack_app.alarm_handler.handler"
# Attribute DynamoDB expires items by (langgraph-checkpoint-aws writes `ttl`).
TTL_ATTRIBUTE = "ttl"
# Secret NAMES, never values: the functions fetch the values from Secrets Manager.
BOT_TOKEN_SECRET_ENV = "FA2_SLACK_BOT_TOKEN_SECRET_NAME"
SIGNING_SECRET_SECRET_ENV = "FA2_SLACK_SIGNING_SECRET_SECRET_NAME"
TABLE_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
]


class Fa2Stack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, params: Parameters, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.table = dynamodb.Table(
            self,
            "State",
            partition_key=dynamodb.Attribute(name="PK", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="SK", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # Conversation state and de-duplication keys expire anyway.
            removal_policy=RemovalPolicy.DESTROY,
        )
        bot_token = secretsmanager.Secret.from_secret_name_v2(
            self, "SlackBotToken", params.deploy.slack_bot_token_secret_name
        )
        signing_secret = secretsmanager.Secret.from_secret_name_v2(
            self, "SlackSigningSecret", params.deploy.slack_signing_secret_secret_name
        )
        environment = {
            **settings_environment(params.settings),
            "FA2_CHECKPOINT_BACKEND": "dynamodb",
            "FA2_DYNAMODB_TABLE": self.table.table_name,
            # Past incidents live in the same table (partition `INCIDENT#<scope>`).
            "FA2_INCIDENT_MEMORY": "dynamodb",
            BOT_TOKEN_SECRET_ENV: params.deploy.slack_bot_token_secret_name,
            SIGNING_SECRET_SECRET_ENV: params.deploy.slack_signing_secret_secret_name,
        }
        code = lambda_code(BundleSpec(python_version=params.deploy.python_version))
        investigation_policy = [
            *telemetry_read_statements(self, params),
            *resource_read_statements(self, params),
            *bedrock_statements(self, params),
            iam.PolicyStatement(
                sid="StateTable", actions=TABLE_ACTIONS, resources=[self.table.table_arn]
            ),
            iam.PolicyStatement(
                sid="SlackSecrets",
                actions=["secretsmanager:GetSecretValue"],
                # A name-only reference has no random suffix: match the one Secrets Manager adds.
                resources=[f"{bot_token.secret_arn}-??????", f"{signing_secret.secret_arn}-??????"],
            ),
        ]

        self.slack = Fa2Function(
            self,
            "SlackHandler",
            params=params,
            code=code,
            handler=SLACK_HANDLER,
            description="fa2: Slack events (acks at once, investigates lazily)",
            environment=environment,
        )
        self._grant(self.slack, investigation_policy)
        self._grant_knowledge_base(self.slack, "SlackHandlerKnowledgeBase", params)
        # `/fa2 findings` runs in the Slack function only; its own policy, like the knowledge
        # base's, keeps the default policy under IAM's inline size limit.
        findings = findings_read_statements(self, params)
        if findings:
            iam.Policy(self, "SlackHandlerFindings", roles=[self.slack.role], statements=findings)
        # Bolt's lazy listeners invoke this same function asynchronously. A separate policy
        # (not the role's default one, which the function depends on) avoids a cycle.
        iam.Policy(
            self,
            "SlackHandlerSelfInvoke",
            roles=[self.slack.role],
            statements=[
                iam.PolicyStatement(
                    sid="LazyListenerSelfInvoke",
                    actions=["lambda:InvokeFunction"],
                    resources=[self.slack.function.function_arn],
                )
            ],
        )
        self.api = SlackApi(self, "SlackApi", params=params, handler=self.slack.function)
        CfnOutput(
            self,
            "SlackRequestUrl",
            value=self.api.request_url,
            description="Request URL for the Slack app manifest (events, interactivity, /fa2)",
        )

        self.alarm: Fa2Function | None = None
        if params.has_alarm_trigger:
            self.alarm = Fa2Function(
                self,
                "AlarmHandler",
                params=params,
                code=code,
                handler=ALARM_HANDLER,
                description="fa2: investigate an alarm event and post to the report channel",
                environment=environment,
            )
            self._grant(self.alarm, investigation_policy)
            self._grant_knowledge_base(self.alarm, "AlarmHandlerKnowledgeBase", params)
            AlarmTrigger(self, "AlarmTrigger", params=params, handler=self.alarm.function)
        CfnOutput(self, "StateTableName", value=self.table.table_name)

    def _grant_knowledge_base(self, function: Fa2Function, name: str, params: Parameters) -> None:
        """search_runbooks' grants in a policy of their own: the role's default policy is
        near IAM's inline size limit, past which CDK would move statements into a managed
        overflow policy."""
        statements = knowledge_base_statements(self, params)
        if statements:
            iam.Policy(self, name, roles=[function.role], statements=statements)

    @staticmethod
    def _grant(function: Fa2Function, statements: list[iam.PolicyStatement]) -> None:
        for statement in statements:
            function.role.add_to_policy(statement)
