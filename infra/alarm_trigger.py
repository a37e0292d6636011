"""One-shot alarm analysis: alarm state changes reach the alarm function by EventBridge
(alarm-name prefixes) and/or by the SNS topics the alarms already notify."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.parameters import Parameters


def alarm_event_pattern(prefixes: list[str]) -> dict[str, Any]:
    """The EventBridge pattern: these alarms (by name prefix) entering ALARM."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [{"prefix": prefix} for prefix in prefixes],
            "state": {"value": ["ALARM"]},
        },
    }


class AlarmTrigger(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, params: Parameters, handler: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule: events.Rule | None = None
        prefixes = params.deploy.alarm_name_prefixes
        if prefixes:
            pattern = alarm_event_pattern(prefixes)
            self.rule = events.Rule(
                self,
                "AlarmStateChange",
                description="fa2: investigate these alarms when they go to ALARM",
                event_pattern=events.EventPattern(
                    source=pattern["source"],
                    detail_type=pattern["detail-type"],
                    detail=pattern["detail"],
                ),
            )
            # No retries: a second delivery would post a second investigation.
            self.rule.add_target(targets.LambdaFunction(handler, retry_attempts=0))
        for index, arn in enumerate(params.deploy.alarm_sns_topic_arns):
            topic = sns.Topic.from_topic_arn(self, f"AlarmTopic{index}", arn)
            topic.add_subscription(subscriptions.LambdaSubscription(handler))
