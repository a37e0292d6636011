"""botocore failures become errors that say what to do about them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from agent.telemetry.aws.errors import translate
from agent.telemetry.base import QueryError, TelemetryUnavailableError

WHERE = {
    "action": "logs:StartQuery",
    "resource": "arn:aws:logs:us-east-1:*:log-group:/x",
    "service_label": "CloudWatch Logs Insights",
}


def _client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "StartQuery")


def test_access_denied_without_details_names_the_action_fa2_called() -> None:
    error = translate(_client_error("AccessDeniedException", "Access denied"), **WHERE)
    assert isinstance(error, TelemetryUnavailableError)
    assert "`logs:StartQuery` on `arn:aws:logs:us-east-1:*:log-group:/x`" in str(error)


def test_expired_credentials_are_not_blamed_on_iam_policy() -> None:
    error = translate(
        _client_error(
            "ExpiredTokenException", "The security token included in the request is expired"
        ),
        **WHERE,
    )
    assert isinstance(error, TelemetryUnavailableError)
    assert "credentials" in str(error) and "IAM permission" not in str(error)


def test_missing_credentials_say_how_to_provide_them() -> None:
    error = translate(NoCredentialsError(), **WHERE)
    assert isinstance(error, TelemetryUnavailableError)
    assert "no AWS credentials found" in str(error) and "--bundle" in str(error)


def test_unreachable_endpoint_is_unavailable() -> None:
    error = translate(
        EndpointConnectionError(endpoint_url="https://logs.us-east-1.amazonaws.com/"), **WHERE
    )
    assert isinstance(error, TelemetryUnavailableError)
    assert "could not be reached" in str(error)


def test_invalid_parameter_is_a_query_error_quoting_aws() -> None:
    error = translate(
        _client_error(
            "InvalidParameterException",
            "Query's end date and time is either before the log groups creation time or exceeds the log groups log retention settings",
        ),
        **WHERE,
    )
    assert isinstance(error, QueryError)
    assert "retention" in error.message


NGINX_502 = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>\n"
    "<style>body { font-family: sans-serif; }</style></head>\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center>\n"
    + "<!-- a padding comment some proxies add to defeat browser error pages -->\n" * 40
    + "</body></html>\n"
)


class _HtmlGateway(BaseHTTPRequestHandler):
    """An endpoint (a proxy in front of AWS, a wrong endpoint_url) answering with a web page."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = NGINX_502.encode()
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def html_gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_html_error_page_becomes_one_short_line(html_gateway: str) -> None:
    client = boto3.client(
        "logs",
        region_name="us-east-1",
        endpoint_url=html_gateway,
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as caught:
        client.describe_log_groups()
    assert "<!-- a padding comment" in str(caught.value.response["Error"]["Message"])

    error = translate(caught.value, **WHERE)
    text = str(error)
    assert isinstance(error, TelemetryUnavailableError)
    assert "\n" not in text and "<" not in text and "padding" not in text
    assert "HTTP 502" in text and "502 Bad Gateway" in text
    assert len(text) <= 300


def test_a_long_plain_error_message_is_capped_on_one_line() -> None:
    error = translate(_client_error("InternalFailure", "stack:\n" + "frame\n" * 500), **WHERE)
    assert "\n" not in str(error) and len(str(error)) <= 600
