"""Bolt on AWS Lambda behind API Gateway, without boto3 at import.

Hand-written on purpose: it mirrors `slack_bolt.adapter.aws_lambda` (`SlackRequestHandler`,
`to_bolt_request`, `to_aws_response`, `LambdaLazyListenerRunner`; slack-bolt 1.x) line for line
in behaviour, except that Bolt's runner does `import boto3` at module load, which is about
half of the Slack Lambda's cold-start import (`bench/bench_slack.py`, docs/slack.md
"Cold start") and sits before Slack's 3 s ack deadline. Here the Lambda client is created
only when a lazy listener actually invokes the function again. OAuth (GET) is not served:
fa2 is a single-workspace app with a bot token. `tests/slack/test_slack_lambda_adapter.py`
compares every conversion with Bolt's own adapter.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.lazy_listener import LazyListenerRunner

log = logging.getLogger(__name__)

LAZY_ONLY_HEADER = "x-slack-bolt-lazy-only"
LAZY_FUNCTION_HEADER = "x-slack-bolt-lazy-function-name"


class LambdaLazyListenerRunner(LazyListenerRunner):
    """Runs a lazy listener in an asynchronous invocation of this same function (as Bolt's
    runner does), creating the Lambda client on the first invocation, not at import."""

    def __init__(self, logger: logging.Logger, lambda_client: Any = None) -> None:
        self.logger = logger
        self.lambda_client = lambda_client

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        if self.lambda_client is None:
            import boto3  # here, not at import: only a lazy listener pays for it

            self.lambda_client = boto3.client("lambda")
        event: dict[str, Any] = request.context["lambda_request"]
        headers = event["headers"]
        headers[LAZY_ONLY_HEADER] = "1"  # not an array
        headers[LAZY_FUNCTION_HEADER] = request.lazy_function_name  # not an array
        event["method"] = "NONE"
        invocation = self.lambda_client.invoke(
            FunctionName=request.context["aws_lambda_invoked_function_arn"],
            InvocationType="Event",
            Payload=json.dumps(event),
        )
        self.logger.info(invocation)


class SlackRequestHandler:
    """API Gateway (payload v1 or v2) event → Bolt dispatch → Lambda proxy response."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(app.logger)

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        method = event.get("requestContext", {}).get("http", {}).get("method")
        if method is None:
            method = event.get("requestContext", {}).get("httpMethod")
        if method == "POST":
            request = to_bolt_request(event)
            request.context["aws_lambda_function_name"] = context.function_name
            request.context["aws_lambda_invoked_function_arn"] = context.invoked_function_arn
            request.context["lambda_request"] = event
            return to_aws_response(self.app.dispatch(request))
        if method == "NONE":
            return to_aws_response(self.app.dispatch(to_bolt_request(event)))
        return not_found()


def to_bolt_request(event: dict[str, Any]) -> BoltRequest:
    body = event.get("body", "")
    if event["isBase64Encoded"]:
        body = base64.b64decode(body).decode("utf-8")
    cookies = event.get("cookies", [])
    if not cookies:  # payload format v1
        multi_value_headers = event.get("multiValueHeaders", {})
        cookies = multi_value_headers.get("cookie", []) or multi_value_headers.get("Cookie", [])
    headers = event.get("headers", {})
    headers["cookie"] = cookies
    return BoltRequest(body=body, query=event.get("queryStringParameters", {}), headers=headers)


def to_aws_response(response: BoltResponse) -> dict[str, Any]:
    return {
        "statusCode": response.status,
        "body": response.body,
        "headers": response.first_headers(),
    }


def not_found() -> dict[str, Any]:
    return {"statusCode": 404, "body": "Not Found", "headers": {}}
