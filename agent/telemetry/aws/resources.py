"""Resource state and configuration history over boto3: the allow-listed describe calls,
AWS Config's GetResourceConfigHistory, and CloudTrail LookupEvents when Config has none.

The clients are the backend's shared ones (timeouts, adaptive retries); failures go through
`errors.translate`, so a missing permission names the IAM action. A resource that does not
exist is the caller's mistake, and comes back as a `QueryError` the model can act on.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent.telemetry.aws.clients import AwsClients
from agent.telemetry.aws.errors import (
    ACCESS_DENIED_CODES,
    CREDENTIAL_CODES,
    error_code,
    error_message,
    translate,
)
from agent.telemetry.base import QueryError, QueryResult
from agent.telemetry.resource_catalog import (
    CLOUDTRAIL_LOOKUP_ACTION,
    CONFIG_DISCOVER_ACTION,
    CONFIG_HISTORY_ACTION,
    ResourceRequest,
)
from agent.telemetry.resource_links import (
    cloudtrail_resource_url,
    config_timeline_url,
    resource_console_url,
)
from agent.telemetry.shapes.resources import (
    CONFIG_LOOKBACK,
    MAX_CONFIG_ITEMS,
    SERVICE_LABELS,
    from_config_history,
    from_lookup_events,
    from_resource_response,
    rejected_message,
    select_history,
    withhold_secrets,
)
from agent.telemetry.types import TimeRange

# Config answers these when it has no history to give: not recording, or not this type.
CONFIG_UNAVAILABLE = {
    "NoAvailableConfigurationRecorderException": "AWS Config is not recording in this region",
    "ResourceNotDiscoveredException": "AWS Config has not recorded this resource",
}
MAX_LOOKUP_PAGES = 5


def _label(service: str) -> str:
    return SERVICE_LABELS.get(service, service)


def _resource_of(request: ResourceRequest) -> str:
    """The resource named in the request, for error messages (the IAM resource or an id)."""
    for value in request.params.values():
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
    return "*"


class Resources:
    def __init__(self, region: str, clients: AwsClients) -> None:
        self.region = region
        self.clients = clients

    def describe(self, request: ResourceRequest) -> QueryResult:
        op = request.spec
        client = self.clients.client(op.service)
        try:
            response = getattr(client, op.method)(**request.kwargs())
        except (ClientError, BotoCoreError) as exc:
            if isinstance(exc, ClientError):
                code = error_code(exc)
                rejected = rejected_message(request, code, error_message(exc))
                if rejected is not None and code not in ACCESS_DENIED_CODES | CREDENTIAL_CODES:
                    raise QueryError(rejected) from exc
            raise translate(
                exc,
                action=op.iam_action,
                resource=_resource_of(request),
                service_label=_label(op.service),
            ) from exc
        return from_resource_response(
            request,
            withhold_secrets(op, response),
            link=resource_console_url(self.region, request),
        )

    def config_history(
        self, resource_type: str, resource_id: str, time_range: TimeRange
    ) -> QueryResult:
        link = config_timeline_url(self.region, resource_type, resource_id)
        try:
            try:
                response = self._history(resource_type, resource_id, time_range)
            except ClientError as exc:
                known_as = None
                if error_code(exc) == "ResourceNotDiscoveredException":
                    known_as = self._discovered_id(resource_type, resource_id)
                if known_as is None:
                    raise
                response = self._history(resource_type, known_as, time_range)
        except ClientError as exc:
            code = error_code(exc)
            if code in CONFIG_UNAVAILABLE:
                return self._trail_writes(
                    resource_type, resource_id, time_range, f"{CONFIG_UNAVAILABLE[code]} ({code})"
                )
            if code in ("ValidationException", "InvalidTimeRangeException"):
                raise QueryError(
                    f"AWS Config rejected the request ({code}): {error_message(exc)}"
                ) from exc
            raise translate(
                exc, action=CONFIG_HISTORY_ACTION, resource=resource_id, service_label="AWS Config"
            ) from exc
        except BotoCoreError as exc:
            raise translate(
                exc, action=CONFIG_HISTORY_ACTION, resource=resource_id, service_label="AWS Config"
            ) from exc
        items = select_history(response.get("configurationItems") or [], time_range)
        if not items:
            return self._trail_writes(
                resource_type,
                resource_id,
                time_range,
                "AWS Config holds no configuration item of this resource up to the window's end",
            )
        return from_config_history(
            items,
            resource_type=resource_type,
            resource_id=resource_id,
            time_range=time_range,
            link=link,
        )

    def _history(self, resource_type: str, resource_id: str, time_range: TimeRange) -> Any:
        # Newest first, ending at the window: the window's changes and the state before them.
        return self.clients.client("config").get_resource_config_history(
            resourceType=resource_type,
            resourceId=resource_id,
            laterTime=time_range.end,
            chronologicalOrder="Reverse",
            limit=MAX_CONFIG_ITEMS,
        )

    def _discovered_id(self, resource_type: str, name_or_arn: str) -> str | None:
        """The Config resource id of a resource given by name or ARN (None: none other)."""
        name = name_or_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        try:
            found = self.clients.client("config").list_discovered_resources(
                resourceType=resource_type, resourceName=name, limit=5
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(
                exc, action=CONFIG_DISCOVER_ACTION, resource="*", service_label="AWS Config"
            ) from exc
        for identifier in found.get("resourceIdentifiers") or []:
            resource_id = identifier.get("resourceId")
            if resource_id and resource_id != name_or_arn:
                return str(resource_id)
        return None

    def _trail_writes(
        self, resource_type: str, resource_id: str, time_range: TimeRange, why: str
    ) -> QueryResult:
        kwargs: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": resource_id}],
            "StartTime": time_range.start - CONFIG_LOOKBACK,
            "EndTime": time_range.end,
            "MaxResults": 50,
        }
        events: list[dict[str, Any]] = []
        client = self.clients.client("cloudtrail")
        for _page in range(MAX_LOOKUP_PAGES):
            try:
                page = client.lookup_events(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise translate(
                    exc,
                    action=CLOUDTRAIL_LOOKUP_ACTION,
                    resource="*",
                    service_label="CloudTrail",
                ) from exc
            events.extend(page.get("Events") or [])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return from_lookup_events(
            events,
            resource_type=resource_type,
            resource_id=resource_id,
            time_range=time_range,
            link=cloudtrail_resource_url(self.region, resource_id),
            why=why,
        )
