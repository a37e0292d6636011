"""Secrets never reach the model, Slack or a report: every tool result passes through
`redact()` before it is shown or recorded (agent/ledger.py).

A secret's *value* is redacted; its *name* is not, and neither are ARNs, resource names or
ids (`arn:aws:secretsmanager:…:secret:prod/orders/db-AbCdEf` stays whole: the model needs to
know which secret was rotated).

The token shapes are those of detect-secrets 1.5.0 (`detect_secrets/plugins/`: aws.py,
github_token.py, gitlab_token.py, slack.py, private_key.py, stripe.py, sendgrid.py, openai.py,
npm.py, pypi_token.py, jwt.py, basic_auth.py; its keyword.py denylist for secret names),
widened where they miss current formats (fine-grained GitHub tokens, Slack `xoxe`/`xoxc`
/`xapp`, PEM blocks without an END line) plus Google API keys (`AIza…`, from Google's key
format). detect-secrets itself is not called at run time: it is built for source files,
takes ~8 ms per log line (about 0.4 s for a 50-row result, see bench/bench_redact.py) and its
entropy and keyword plugins flag ordinary log words and ARNs — the over-redaction we avoid.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

_NOT_WORD = r"(?<![A-Za-z0-9])"
_END_WORD = r"(?![A-Za-z0-9])"

# Token shapes, redacted wherever they appear (joined into one pattern below: one pass).
_TOKEN_SHAPES: list[re.Pattern[str]] = [
    # PEM private keys: the whole block, or to the end of its base64 when the END line is cut
    # off (JSON logs carry the newlines as a literal "\n").
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=\s]|\\[nr])*)",
        re.S,
    ),
    re.compile(r"PuTTY-User-Key-File-\d: .*"),
    # AWS access key ids (aws.py): the half of a credential that travels with the secret key.
    # Role and user ids (AROA…, AIDA…) are ids, not secrets, and are kept.
    re.compile(_NOT_WORD + r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}" + _END_WORD),
    # GitHub classic and fine-grained tokens (github_token.py, widened to github_pat_)
    re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36,255}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}"),
    # GitLab (gitlab_token.py)
    re.compile(r"\b(?:glpat|gldt|glft|glsoat|glrt|glcbt|glimt|glptt|glagent|gloas)-[\w-]{20,1024}"),
    # Slack bot/user/app/refresh/config tokens and webhooks (slack.py, widened to every
    # xox? prefix, rotating xoxe.xoxp- refresh tokens and xapp-)
    re.compile(r"\bxox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{10,}"),
    re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+"),
    # Google API keys
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}" + _END_WORD),
    # Stripe, SendGrid, OpenAI, npm, PyPI (stripe.py, sendgrid.py, openai.py, npm.py, pypi_token.py)
    re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{24,}"),
    re.compile(r"\bSG\.[\w-]{22}\.[\w-]{43}"),
    re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bnpm_[A-Za-z0-9]{36}" + _END_WORD),
    re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    # JWTs (jwt.py)
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
]
_TOKENS = re.compile(
    "|".join(f"(?{'s' if p.flags & re.S else ''}:{p.pattern})" for p in _TOKEN_SHAPES)
)

# Headers whose whole value is a credential, each with a word it cannot match without.
_HEADERS: list[tuple[str, re.Pattern[str], str]] = [
    # "Authorization: Bearer abc", "authorization=Basic xyz"
    (
        "authorization",
        re.compile(
            r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?)(?:bearer|basic|token)?\s*[^\s\"',;}]+"
        ),
        r"\1" + REDACTED,
    ),
    ("bearer", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{8,}=*"), "Bearer " + REDACTED),
    # Cookie / Set-Cookie headers carry session ids
    (
        "cookie",
        re.compile(r"(?i)(\b(?:set-)?cookie\b[\"']?\s*[:=]\s*[\"']?)[^\r\n\"']+"),
        r"\1" + REDACTED,
    ),
    # Credentials inside URLs: postgres://app:PASSWORD@db..., https://user:pass@host/ (basic_auth.py)
    (
        "://",
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@\"']+:)([^\s@/\"']+)(@)"),
        r"\1" + REDACTED + r"\3",
    ),
]

# name = value pairs in every form logs write them: key=value, "key": "value", key: value,
# JSON inside a JSON string (\"key\": \"value\"), URL-encoded (key%3Dvalue,
# %22key%22%3A%22value%22) and HTML-escaped quotes. Whether the name is a secret's is decided
# by `_secret_name`; a quoted value is taken whole ("correct horse battery staple").
_QUOTE = r"\\\"|\"|'|%22|&quot;"
_PAIR = re.compile(
    r"(?:(?<![\w.-])|(?<=%[0-9A-Fa-f]{2}))"
    r"(?P<name>[A-Za-z_][\w.-]{0,80})"
    rf"(?P<close>{_QUOTE})?"
    r"[ \t]*(?P<sep>=>|=|:(?!:)|%3[DdAa])[ \t]*"
    # the value is looked at, not consumed, so pairs nested in a value are visited too
    r"(?=\"(?P<v1>(?:\\.|[^\"\\\n])*)\""
    r"|'(?P<v2>(?:\\.|[^'\\\n])*)'"
    r"|\\\"(?P<v3>(?:[^\\\n]|\\(?!\"))*)\\\""
    r"|%22(?P<v4>(?:(?!%22)\S)*)%22"
    r"|&quot;(?P<v5>(?:(?!&quot;)[^\n])*)&quot;"
    # unquoted: to the next space, quote or separator; "&" only ends it before another name=
    r"|(?P<v6>(?:(?!%2[26Cc]|&(?:amp;)?[\w.-]*=)[^\s\"',;{}\[\]<>|\\\x00])+)"
    r")"
)
_VALUE_GROUPS = ("v1", "v2", "v3", "v4", "v5", "v6")

# Words without which no name is a secret's (`_secret_name` decides on the whole name).
_NAME_HINTS = re.compile(r"pass|pwd|secret|token|key|signature|credential", re.I)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# The last word of a secret's name (keyword.py's denylist, in words).
_SECRET_WORDS = {
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "signature",
    "privatekey",
    "secretkey",
    "accesskey",
    "credential",
    "credentials",
}
# `…_KEY` and `…_TOKEN` names that name a thing rather than hold a secret.
_NOT_SECRET_KEYS = {
    "partition",
    "sort",
    "primary",
    "hash",
    "range",
    "cache",
    "idempotency",
    "object",
    "s3",
    "kms",
    "public",
    "foreign",
    "dedup",
    "deduplication",
    "routing",
    "shard",
    "group",
    "row",
    "lookup",
    "index",
    "composite",
    "sse",
    "encryption",  # an encryption key *setting* names a KMS key; key material is never logged so
    "ssh",  # ssh_key names a key pair
    "pair",
}
_NOT_SECRET_TOKENS = {"next", "page", "pagination", "continuation", "sync", "max", "cancel"}
_NOT_A_VALUE = {"", "null", "none", "nil", "true", "false", "undefined", "***", REDACTED.lower()}


def _secret_name(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words:
        return False
    last, before = words[-1], words[-2] if len(words) > 1 else ""
    if last in _SECRET_WORDS:
        return not (last == "token" and before in _NOT_SECRET_TOKENS)
    if last == "pass":  # DB_PASS, key-pass; a bare "pass: 3" is a test count
        return bool(before)
    if last == "key":  # API_KEY, private_key, AccountKey; a bare "key" is an S3 object key
        return bool(before) and before not in _NOT_SECRET_KEYS
    return before == "secret" and last in {"string", "binary", "value"}  # SecretString


def _redactable(value: str) -> bool:
    return not (
        value.strip().lower() in _NOT_A_VALUE
        or "\x00" in value  # an ARN, set aside by `redact`
        or not any(c.isalnum() for c in value)  # a pattern in a query (`like /password=.*/`)
    )


def _redact_pairs(text: str) -> str:
    out: list[str] = []
    done = 0
    for match in _PAIR.finditer(text):
        group = next((g for g in _VALUE_GROUPS if match.group(g) is not None), None)
        if group is None or not _secret_name(match.group("name")):
            continue
        start, end = match.span(group)
        if start < done or not _redactable(match.group(group)):
            continue  # inside a value already redacted whole
        out += [text[done:start], REDACTED]
        done = end
    out.append(text[done:])
    return "".join(out)


# ARNs are names, never secrets: set aside before redaction and put back after.
_ARN = re.compile(
    r"\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12}|aws)?:[^\s\"'`,;|<>(){}\[\]\\\x00]+"
)
_SET_ASIDE = re.compile(r"\x00(\d+)\x00")

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
    """Return `text` with secret values replaced by `[REDACTED]`; ARNs, names and ids kept."""
    if not text:
        return text
    arns: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        arns.append(match.group(0))
        return f"\x00{len(arns) - 1}\x00"

    if "\x00" in text:  # the set-aside marker below; never meaningful in a log line
        text = text.replace("\x00", "")
    if "arn:" in text:
        text = _ARN.sub(set_aside, text)
    text = _TOKENS.sub(REDACTED, text)
    lowered = text.lower()
    for hint, header, replacement in _HEADERS:
        if hint in lowered:
            text = header.sub(replacement, text)
    if _NAME_HINTS.search(text):
        text = _redact_pairs(text)
    text = _SECRET_KEY_SHAPE.sub(
        lambda m: REDACTED if _looks_like_secret_key(m.group(0)) else m.group(0), text
    )
    return _SET_ASIDE.sub(lambda m: arns[int(m.group(1))], text) if arns else text


def redact_cell(value: str | None) -> str | None:
    return None if value is None else redact(value)
