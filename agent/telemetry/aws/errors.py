"""botocore failures -> the two errors the tools understand.

- `QueryError` when the request itself is wrong (bad query syntax, unknown log group, bad
  parameter): the message is for the model, which can correct it.
- `TelemetryUnavailableError` for everything outside the query: missing IAM permission
  (the message names the IAM action and resource to grant), throttling that outlasted the
  retries, timeouts, network failures, service errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from agent.telemetry.aws.polling import Deadline, Waiter
from agent.telemetry.base import QueryError, TelemetryUnavailableError

T = TypeVar("T")

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedException",
    }
)
# The caller's credentials themselves are bad: no policy change will help.
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "MissingAuthenticationToken",
    }
)
# The request was understood and is wrong: the author can fix it.
QUERY_ERROR_CODES = frozenset(
    {
        "MalformedQueryException",
        "InvalidParameterException",
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "InvalidParameterCombination",
        "InvalidRequestException",
        "InvalidNextToken",
        "MissingParameter",
        "MissingRequiredParameter",
        "ValidationException",
        "ValidationError",
        "ResourceNotFoundException",
        "ResourceNotFound",
        "EntityNotFoundException",
    }
)
# Concurrency or rate limits: worth another try after a jittered pause.
RETRYABLE_LIMIT_CODES = frozenset(
    {
        "LimitExceededException",
        "TooManyRequestsException",
        "ThrottlingException",
        "ThrottledException",
    }
)

# The action is `service:Action`: "not authorized to perform this action" names none.
_NOT_AUTHORIZED = re.compile(
    r"not authorized to perform:?\s*(?P<action>[\w-]+:[\w*-]+)(?:\s+on resource:?\s*(?P<resource>\S+))?"
)


def _response(exc: ClientError) -> dict[str, Any]:
    return dict(exc.response)  # a TypedDict in botocore's stubs; modeled extras live here too


def _compile_error(exc: ClientError) -> dict[str, Any]:
    found = _response(exc).get("queryCompileError")
    return found if isinstance(found, dict) else {}


def error_code(exc: ClientError) -> str:
    return str(_response(exc).get("Error", {}).get("Code", ""))


def _code_label(exc: ClientError) -> str:
    """AWS's error code; botocore puts the bare HTTP status there when the body is no AWS error."""
    code = error_code(exc)
    return f"HTTP {code}" if code.isdigit() else code


MAX_MESSAGE_CHARS = 300
_LOOKS_LIKE_HTML = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|title)\b", re.I)


class _PageText(HTMLParser):
    """The visible text of an HTML page, one chunk per element (scripts and styles skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and any(c.isalnum() for c in data):
            self.chunks.append(data)


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message fit for one line of a terminal, a log or a Slack status: an HTML error page (a
    proxy or a wrong endpoint answered instead of AWS) becomes its first meaningful line (the
    title, usually "502 Bad Gateway"); any text is joined onto one line and capped."""
    if _LOOKS_LIKE_HTML.search(text[:1000]):
        page = _PageText()
        page.feed(text)
        page.close()
        text = page.chunks[0] if page.chunks else "an HTML page"
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_message(exc: ClientError) -> str:
    response = _response(exc)
    error = response.get("Error", {})
    return one_line(str(error.get("Message") or response.get("message") or exc))


def access_denied_message(exc: ClientError, *, action: str, resource: str) -> str:
    """Name the IAM action and resource to grant; AWS's own message wins when it names them."""
    text = error_message(exc)
    match = _NOT_AUTHORIZED.search(text)
    if match:
        action = match.group("action")
        resource = (match.group("resource") or resource).rstrip(".,")
    return (
        f"access denied: the role fa2 runs as needs IAM permission `{action}` on `{resource}` "
        f"(AWS said: {error_code(exc)}: {text})"
    )


def _malformed_query_message(exc: ClientError, service_label: str) -> str:
    """Logs Insights' MalformedQueryException carries `queryCompileError` with the character
    offsets of the offending text."""
    compile_error = _compile_error(exc)
    location = compile_error.get("location") or {}
    detail = compile_error.get("message") or error_message(exc)
    where = ""
    if "startCharOffset" in location:
        where = f" at characters {location['startCharOffset']}-{location.get('endCharOffset', '?')}"
    return f"{service_label} rejected the query{where}: {detail}"


def translate(exc: Exception, *, action: str, resource: str, service_label: str) -> Exception:
    """Map a botocore exception raised by `action` on `resource` to fa2's error types."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in ACCESS_DENIED_CODES:
            return TelemetryUnavailableError(
                access_denied_message(exc, action=action, resource=resource)
            )
        if code in CREDENTIAL_CODES:
            return TelemetryUnavailableError(
                f"{service_label} refused fa2's AWS credentials ({code}): {error_message(exc)}; "
                "refresh them (expired session?) or check the profile / role in use"
            )
        if code == "MalformedQueryException":
            position = (_compile_error(exc).get("location") or {}).get("startCharOffset")
            return QueryError(_malformed_query_message(exc, service_label), position=position)
        if code in QUERY_ERROR_CODES:
            return QueryError(
                f"{service_label} rejected the request ({code}): {error_message(exc)}"
            )
        if code in RETRYABLE_LIMIT_CODES:
            return TelemetryUnavailableError(
                f"{service_label} is throttling fa2 ({code}) and retries did not get through: "
                f"{error_message(exc)}; try again in a minute"
            )
        return TelemetryUnavailableError(
            f"{service_label} failed on {action} ({_code_label(exc)}): {error_message(exc)}"
        )
    if isinstance(exc, NoCredentialsError):
        return TelemetryUnavailableError(
            "no AWS credentials found: configure a profile (AWS_PROFILE), environment variables "
            "or an instance/Lambda role, or run offline with --bundle"
        )
    if isinstance(exc, BotoCoreError):
        return TelemetryUnavailableError(
            f"{service_label} could not be reached for {action}: {exc}"
        )
    return exc


def call(
    fn: Callable[..., T], *, action: str, resource: str, service_label: str, **kwargs: Any
) -> T:
    """Run one boto3 call, translating its failures (see `translate`)."""
    try:
        return fn(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action=action, resource=resource, service_label=service_label) from exc


def call_retrying_limits(
    fn: Callable[..., T],
    *,
    waiter: Waiter,
    deadline: Deadline,
    attempts: int,
    action: str,
    resource: str,
    service_label: str,
    **kwargs: Any,
) -> T:
    """Like `call`, but a concurrency/rate limit error (e.g. Logs Insights' concurrent-query
    LimitExceededException, which botocore does not retry) is retried after a jittered pause,
    as long as the pause fits in the deadline."""
    for attempt in range(attempts):
        try:
            return fn(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            retryable = isinstance(exc, ClientError) and error_code(exc) in RETRYABLE_LIMIT_CODES
            pause = waiter.jitter(attempt)
            if not retryable or attempt == attempts - 1 or pause >= deadline.remaining:
                raise translate(
                    exc, action=action, resource=resource, service_label=service_label
                ) from exc
            waiter.sleep(pause)
    raise ValueError(f"attempts must be at least 1 (got {attempts})")
