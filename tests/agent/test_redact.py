"""Secrets in telemetry never reach the model, Slack or a report."""

from __future__ import annotations

import pytest

from agent.redact import REDACTED, redact


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
