"""botocore failures become errors that say what to do about them."""

from __future__ import annotations

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
