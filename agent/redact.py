"""Secrets never reach the model, Slack or a report: every tool result passes through
`redact()` before it is shown or recorded.

The patterns cover what shows up in application logs and CloudTrail records: AWS access key
ids and secret keys, session tokens, passwords and secrets in key=value / JSON form,
Authorization / bearer headers, cookies, passwords in URLs, Slack tokens and webhook URLs, JWTs and private-key blocks.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # PEM private keys (multi-line)
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
        REDACTED,
    ),
    # AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes)
    (re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA|ANPA|ANVA|AGPA|AIPA)[A-Z0-9]{16}\b"), REDACTED),
    # Slack tokens and incoming-webhook URLs
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), REDACTED),
    (re.compile(r"\bxapp-\d-[A-Za-z0-9-]{10,}"), REDACTED),
    (re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"), REDACTED),
    # Authorization headers: "Authorization: Bearer abc", "authorization=Basic xyz"
    (
        re.compile(
            r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?)(?:bearer|basic|token)?\s*[^\s\"',;}]+"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{8,}=*"), "Bearer " + REDACTED),
    # Credentials inside URLs: postgres://app:PASSWORD@db..., https://user:pass@host/
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@\"']+:)([^\s@/\"']+)(@)"),
        r"\1" + REDACTED + r"\3",
    ),
    # Cookie / Set-Cookie headers carry session ids
    (
        re.compile(r"(?i)(\b(?:set-)?cookie\b[\"']?\s*[:=]\s*[\"']?)[^\r\n\"']+"),
        r"\1" + REDACTED,
    ),
    # JWTs
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"), REDACTED),
    # key=value / "key": "value" secrets (aws_secret_access_key, password, token, api_key ...)
    (
        re.compile(
            r"(?i)([\"']?(?<![A-Za-z0-9])[\w-]*(?:aws_secret_access_key|secret_access_key|secretaccesskey|aws_session_token|"
            r"session_token|sessiontoken|password|passwd|pwd|secret|client_secret|api[_-]?key|"
            r"access[_-]?token|refresh[_-]?token|auth[_-]?token|token)[\"']?\s*[:=]\s*[\"']?)"
            r"([^\s\"',;}&]{3,})"
        ),
        r"\1" + REDACTED,
    ),
]

# A bare 40-character AWS secret access key (checked by `_looks_like_secret_key`).
_SECRET_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _looks_like_secret_key(candidate: str) -> bool:
    """A 40-char base64-ish string with mixed case and a digit is an AWS secret key
    shape; plain hex ids (trace ids, hashes) are all one case and are kept."""
    has_upper = any(c.isupper() for c in candidate)
    has_lower = any(c.islower() for c in candidate)
    # A digit is required: a 40-char run of letters and slashes is far more often a path or a
    # Logs Insights regex (`/ProvisionedThroughputExceededException/`) than a key; a random
    # 40-char key lacks a digit about once in a thousand.
    has_digit = any(c.isdigit() for c in candidate)
    return has_upper and has_lower and has_digit


def redact(text: str) -> str:
    """Return `text` with secrets replaced by `[REDACTED]`."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _SECRET_KEY_SHAPE.sub(
        lambda m: REDACTED if _looks_like_secret_key(m.group(0)) else m.group(0), text
    )


def redact_cell(value: str | None) -> str | None:
    return None if value is None else redact(value)
