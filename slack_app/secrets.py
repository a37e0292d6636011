"""Slack credentials on AWS: the deployed functions get the NAMES of two Secrets Manager
secrets (see docs/infra-runtime-contract.md), never the values; read them once per cold start.
Locally the values come from SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET as usual."""

from __future__ import annotations

import os
from typing import Any

from pydantic import SecretStr

from agent.config import Settings, setting_value

BOT_TOKEN_SECRET_ENV = "FA2_SLACK_BOT_TOKEN_SECRET_NAME"
SIGNING_SECRET_SECRET_ENV = "FA2_SLACK_SIGNING_SECRET_SECRET_NAME"


def with_slack_secrets(settings: Settings, *, client: Any = None) -> Settings:
    """`settings` with the bot token and signing secret filled from Secrets Manager when they
    are unset and the secret names are in the environment; unchanged otherwise."""
    wanted = {
        "slack_bot_token": os.environ.get(BOT_TOKEN_SECRET_ENV),
        "slack_signing_secret": os.environ.get(SIGNING_SECRET_SECRET_ENV),
    }
    missing = {
        key: name for key, name in wanted.items() if name and setting_value(settings, key) is None
    }
    if not missing:
        return settings
    if client is None:
        import boto3

        client = boto3.client(
            "secretsmanager",
            region_name=settings.aws.region,
            endpoint_url=settings.aws.endpoint_url,
        )
    values = {
        field: SecretStr(client.get_secret_value(SecretId=name)["SecretString"].strip())
        for field, name in missing.items()
    }
    return settings.updated(**values)
