"""Secrets in telemetry never reach the model, Slack or a report; ARNs, names and ids do (the
model needs them). Each miss of issue 12 is a whole line: the secret value goes, the rest stays."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from langchain_core.messages import HumanMessage

from agent.config import Settings
from agent.redact import REDACTED, redact
from agent.service import investigate
from tests.agent.fakes import CLOUDTRAIL_ROWS, FakeBackend, ScriptedChatModel, ai, call, incident


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("assumed role with key AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "creds: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            '{"headers": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"}}',
            "eyJhbGciOiJIUzI1NiJ9",
        ),
        ("GET /login?user=bob&password=hunter2hunter2 HTTP/1.1", "hunter2hunter2"),
        ('{"db_password": "s3cr3t-value"}', "s3cr3t-value"),
        ("posting with token xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "xoxb-1234567890"),
        (
            "webhook https://hooks.slack.com/services/T000/B000/XXXXXXXX",
            "hooks.slack.com/services/T000",
        ),
        (
            "X-Amz-Security-Token: session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ",
            "IQoJb3JpZ2luX2VjEJr",
        ),
        ("connecting to postgres://app:PgPass99@db.internal:5432/orders", "PgPass99"),
        ('{"url": "https://deploy:ghp_S3cretT0ken@git.example.com/repo.git"}', "ghp_S3cretT0ken"),
        ("Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark", "8f14e45fceea"),
        ('"set-cookie": "sid=s%3AabcDEF123.xyz; Path=/; HttpOnly"', "abcDEF123"),
    ],
)
def test_secret_is_replaced(line: str, secret: str) -> None:
    cleaned = redact(line)
    assert secret not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "line",
    [
        "trace 1-69a560b4-f52220215983aaa59351c526 faulted",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
        "request a1b2c3d4-e5f6-7890-abcd-ef1234567890 took 1200 ms",
        "ProvisionedThroughputExceededException: Consider increasing your provisioning level with the UpdateTable API.",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b deployed",
        "GET https://api.example.com:443/v1/orders?id=42 returned 503",
        "connecting to postgres://db.internal:5432/orders",
        "filter @message like /ProvisionedThroughputExceededException/",
    ],
)
def test_ordinary_identifiers_are_kept(line: str) -> None:
    assert redact(line) == line


# --- issue 12, item 7: each miss, as the whole redacted line (the value goes, the rest stays) ---

SECRETS_MISSED_BEFORE = {
    "a quoted password is redacted whole": (
        '{"level":"WARN","msg":"login retry","user":"bob","password": "correct horse battery staple"}',
        '{"level":"WARN","msg":"login retry","user":"bob","password": "[REDACTED]"}',
    ),
    "DB_PASS in an environment dump": (
        "2026-03-02T10:04:38Z INFO boot env DB_HOST=orders-db.internal DB_PASS=Tr0ub4dor&3 DB_PORT=5432",
        "2026-03-02T10:04:38Z INFO boot env DB_HOST=orders-db.internal DB_PASS=[REDACTED] DB_PORT=5432",
    ),
    "*_SECRET, *_TOKEN and *_KEY names": (
        "config APP_SECRET=f00b4r STRIPE_TOKEN=tok_9f8e7d MAPS_API_KEY=m4ps-k3y-123 region=us-east-1",
        "config APP_SECRET=[REDACTED] STRIPE_TOKEN=[REDACTED] MAPS_API_KEY=[REDACTED] region=us-east-1",
    ),
    "a classic GitHub token": (
        "git clone failed using token ghp_16C7e42F292c6912E7710c838347Ae178B4a for orders-api",
        "git clone failed using token [REDACTED] for orders-api",
    ),
    "a fine-grained GitHub token": (
        "GITHUB=github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXy used",
        "GITHUB=[REDACTED] used",
    ),
    "a Google API key": (
        'geocode request key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY status="REQUEST_DENIED"',
        'geocode request key=[REDACTED] status="REQUEST_DENIED"',
    ),
    "Slack refresh, client, app-config and rotated tokens": (
        "slack auth xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNA xoxc-1234567890-abcdef0123 "
        "xoxa-2-1234567890-abcdef xoxr-123456789012-abcdef",
        "slack auth [REDACTED] [REDACTED] [REDACTED] [REDACTED]",
    ),
    "a Slack app-level token": (
        "socket mode connect with xapp-1-A0123ABCD-1234567890123-0a1b2c3d4e5f6a7b8c9d",
        "socket mode connect with [REDACTED]",
    ),
    "a percent-encoded password in a query string": (
        "GET /oauth/callback?state=abc&form=user%3Dbob%26password%3Dhunter2%26remember%3D1 HTTP/1.1 400",
        "GET /oauth/callback?state=abc&form=user%3Dbob%26password%3D[REDACTED]%26remember%3D1 HTTP/1.1 400",
    ),
    "a percent-encoded JSON client secret": (
        "POST /token body=%7B%22client_id%22%3A%22orders%22%2C%22client_secret%22%3A%22c5e8Xq2%22%7D",
        "POST /token body=%7B%22client_id%22%3A%22orders%22%2C%22client_secret%22%3A%22[REDACTED]%22%7D",
    ),
    "a private_key setting": (
        "loaded signer private_key=MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 kid=orders-1",
        "loaded signer private_key=[REDACTED] kid=orders-1",
    ),
    "a PEM block cut off before its END line": (
        '{"msg":"bad key","pem":"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7bq98s\\nQ2xvc2UgdGhlIGRvb3I"}',
        '{"msg":"bad key","pem":"[REDACTED]"}',
    ),
    "an ASIA key id followed by an underscore": (
        "assumed credentials ASIAY34FZKBOKMUTVV7A_orders-api-session expire 10:30",
        "assumed credentials [REDACTED]_orders-api-session expire 10:30",
    ),
    "JSON inside a JSON string": (
        '{"message":"{\\"user\\":\\"bob\\",\\"password\\":\\"two words\\"}"}',
        '{"message":"{\\"user\\":\\"bob\\",\\"password\\":\\"[REDACTED]\\"}"}',
    ),
    "a Secrets Manager value, its ARN kept": (
        '{"eventName":"GetSecretValue","responseElements":{"aRN":"arn:aws:secretsmanager:us-east-1:'
        '123456789012:secret:prod/orders/db-AbCdEf","name":"prod/orders/db",'
        '"secretString":"{\\"username\\":\\"orders\\",\\"password\\":\\"p4ss w0rd\\"}"}}',
        '{"eventName":"GetSecretValue","responseElements":{"aRN":"arn:aws:secretsmanager:us-east-1:'
        '123456789012:secret:prod/orders/db-AbCdEf","name":"prod/orders/db",'
        '"secretString":"[REDACTED]"}}',
    ),
}


@pytest.mark.parametrize(
    ("line", "expected"), SECRETS_MISSED_BEFORE.values(), ids=SECRETS_MISSED_BEFORE.keys()
)
def test_the_secret_value_is_redacted_and_the_rest_of_the_line_kept(
    line: str, expected: str
) -> None:
    assert redact(line) == expected


# CloudTrail records and log lines in which nothing is a secret: names, ARNs and ids stay.
NOTHING_SECRET = {
    "a Secrets Manager ARN in a CloudTrail record": (
        '{"eventTime":"2026-03-02T09:58:12Z","eventSource":"secretsmanager.amazonaws.com",'
        '"eventName":"RotateSecret","userIdentity":{"type":"AssumedRole",'
        '"arn":"arn:aws:sts::123456789012:assumed-role/rotation/ci"},'
        '"requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:123456789012:'
        'secret:prod/orders/db-AbCdEf","rotationLambdaARN":"arn:aws:lambda:us-east-1:'
        '123456789012:function:rotate-secret"},"responseElements":null}'
    ),
    "a secret's name": '{"eventName":"CreateSecret","requestParameters":{"name":"prod/orders/db-password","secretName":"prod/db"}}',
    "role and user ids": (
        '{"userIdentity":{"type":"AssumedRole","principalId":"AROAY34FZKBOKMUTVV7A:orders-api",'
        '"sessionContext":{"sessionIssuer":{"principalId":"AROAY34FZKBOKMUTVV7A","userName":"orders-api"}}}}'
    ),
    "a KMS key ARN after a *_KEY name": "SSE_KMS_KEY=arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "DynamoDB key names": '{"TableName":"orders","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"partition_key":"orderId","sortKey":"createdAt"}',
    "an S3 object key": '{"eventName":"PutObject","requestParameters":{"bucketName":"orders-exports","key":"2026/03/02/orders.csv"}}',
    "a pagination token": '{"eventName":"ListSecrets","requestParameters":{"maxResults":100,"nextToken":"AAEAAQ=="}}',
    "token counts": "bedrock call input_tokens=5120 output_tokens=312 max_tokens=4096",
    "a test summary": "tests: pass: 41 fail: 0 skipped: 2",
    "a masked value": '{"password":"***","apiKey":null,"token":""}',
    "a Logs Insights pattern on a password field": "filter @message like /password=.*/ | stats count(*) by bin(1m)",
}


@pytest.mark.parametrize("line", NOTHING_SECRET.values(), ids=NOTHING_SECRET.keys())
def test_names_arns_and_ids_are_left_intact(line: str) -> None:
    assert redact(line) == line


def test_report_json_evidence_rows_are_redacted_and_keep_resource_names(
    settings: Settings,
) -> None:
    """What `fa2 analyze --out` writes as report.json: the evidence rows of the run."""
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf"
    rotation = [
        "2026-03-02T09:58:12Z",
        "secretsmanager.amazonaws.com",
        "PutSecretValue",
        "arn:aws:sts::123456789012:assumed-role/rotation/ci",
        "10.0.3.7",
        '{"secretId":"' + secret_arn + '","secretString":"{\\"password\\":\\"n3w p4ss\\"}"}',
        None,
    ]
    leaky_lines = [
        '{"level":"ERROR","msg":"db auth failed","password": "correct horse battery staple"}',
        "boot env DB_HOST=orders-db.internal DB_PASS=Tr0ub4dor&3",
        "git fetch with ghp_16C7e42F292c6912E7710c838347Ae178B4a failed",
    ]
    backend = FakeBackend(log_lines=leaky_lines, trail_rows=[*CLOUDTRAIL_ROWS, rotation])
    model = ScriptedChatModel(
        turns=[
            ai(call("run_logs_insights_query", {"query": "fields @message | limit 20"}, "q1")),
            ai(content="Enough."),
        ]
    )
    report_json = investigate(
        incident(), settings=settings, backend=backend, chat_model=model
    ).model_dump_json()

    for secret in ("correct horse", "battery staple", "Tr0ub4dor", "ghp_16C7e42F", "n3w p4ss"):
        assert secret not in report_json
    assert secret_arn in report_json
    assert "PutSecretValue" in report_json and "orders-db.internal" in report_json


SECRET_PIECES = [
    "password",
    "DB_PASS",
    "api_key",
    "secret",
    "token",
    "=",
    ":",
    '"',
    "'",
    '\\"',
    "%22",
    "%3D",
    "%26",
    "&",
    " ",
    "{",
    "}",
    "abc",
    "0",
    "\x00",
    "[REDACTED]",
    "\\n",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "AKIAIOSFODNN7EXAMPLE",
    "-----BEGIN RSA PRIVATE KEY-----",
]


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SECRET_PIECES), max_size=30).map("".join) | st.text(max_size=100))
def test_redaction_never_fails_and_redacting_again_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_a_secret_in_the_alarm_text_is_redacted_in_the_briefing(settings: Settings) -> None:
    described = incident().model_copy(
        update={
            "alarm_description": "5XX on orders. Check with: curl -H 'Authorization: Bearer "
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbmNhbGwifQ.c2lnbmF0dXJlc2lnbmF0dXJl' ..."
        }
    )
    model = ScriptedChatModel(turns=[ai(content="Enough.")])

    investigate(described, settings=settings, backend=FakeBackend(), chat_model=model)

    briefing = str(next(m for m in model.seen[0] if isinstance(m, HumanMessage)).content)
    assert "Alarm: orders-api-5xx — 5XX on orders. Check with: curl -H" in briefing
    assert "eyJhbGciOiJIUzI1NiJ9" not in briefing and REDACTED in briefing
