"""The public door: API Gateway (REST) → the Slack function, optionally behind AWS WAF.

Slack posts events, interactivity and the slash command to one path
(`slack_app.contract.REQUEST_PATH`); nothing else is routed.
"""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.parameters import Parameters
from slack_app.contract import REQUEST_PATH

STAGE_NAME = "prod"


class SlackApi(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, params: Parameters, handler: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigw.RestApi(
            self,
            "Api",
            description="fa2: Slack events, interactivity and slash commands",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=params.deploy.api_rate_limit,
                throttling_burst_limit=params.deploy.api_rate_limit * 2,
            ),
        )
        resource = self.api.root
        for part in REQUEST_PATH.strip("/").split("/"):
            resource = resource.add_resource(part)
        resource.add_method("POST", apigw.LambdaIntegration(handler, allow_test_invoke=False))
        self.request_url = self.api.url_for_path(REQUEST_PATH)
        self.web_acl: wafv2.CfnWebACL | None = None
        if params.deploy.waf_enabled:
            self.web_acl = self._web_acl(params.deploy.waf_rate_limit)

    def _web_acl(self, rate_limit: int) -> wafv2.CfnWebACL:
        """A rate-based rule per client IP. Slack calls from a few addresses, so keep the
        limit well above the workspace's busiest five minutes."""
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("fa2-api"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="rate-limit-per-ip",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=rate_limit, aggregate_key_type="IP"
                        )
                    ),
                    visibility_config=_visibility("fa2-rate-limit"),
                )
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )
        return acl


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=True,
    )
