"""On AWS the Slack credentials come from Secrets Manager by name (infra runtime contract)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from agent.config import Settings
from slack_app.secrets import BOT_TOKEN_SECRET_ENV, SIGNING_SECRET_SECRET_ENV, with_slack_secrets


@mock_aws
def test_unset_credentials_are_read_from_the_named_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    secrets.create_secret(Name="fa2/slack-bot-token", SecretString="xoxb-from-secrets-manager\n")
    secrets.create_secret(Name="fa2/slack-signing-secret", SecretString="s3cr3t")
    monkeypatch.setenv(BOT_TOKEN_SECRET_ENV, "fa2/slack-bot-token")
    monkeypatch.setenv(SIGNING_SECRET_SECRET_ENV, "fa2/slack-signing-secret")

    settings = with_slack_secrets(Settings())

    assert settings.slack.bot_token is not None and settings.slack.signing_secret is not None
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-secrets-manager"
    assert settings.slack.signing_secret.get_secret_value() == "s3cr3t"


def test_credentials_already_set_are_kept_and_nothing_is_fetched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BOT_TOKEN_SECRET_ENV, "fa2/slack-bot-token")
    settings = Settings(slack_bot_token="xoxb-local")
    assert with_slack_secrets(settings, client=object()) is settings
