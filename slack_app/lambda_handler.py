"""AWS Lambda entry point behind API Gateway: Slack events, interactivity and `/fa2`.

Slack wants an answer within 3 seconds, so this module imports only Bolt, the settings and
the listeners; the agent stack (LangGraph, the telemetry backends, matplotlib) is imported
by the lazy listeners, which Bolt runs in a second, asynchronous invocation of this same
function. The Lambda adapter is our own (`slack_app.lambda_adapter`) so that boto3 loads
only when a listener invokes the function again. `bench/bench_slack.py` measures the import.
"""

from __future__ import annotations

import logging
from typing import Any

from agent.config import load_settings
from slack_app.app import create_app
from slack_app.lambda_adapter import SlackRequestHandler
from slack_app.secrets import with_slack_secrets

logging.getLogger().setLevel(logging.INFO)

_handler = SlackRequestHandler(
    app=create_app(with_slack_secrets(load_settings()), process_before_response=True)
)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _handler.handle(event, context)  # type: ignore[no-any-return]
