"""Past incidents in the deployed DynamoDB table (the state table, beside the checkpoints):
partition `INCIDENT#<scope>`, sort key `THREAD#<thread id>`, so one Query reads exactly one
scope and no key of one workspace or account can address another's records."""

from __future__ import annotations

from typing import Any

from agent.memory import PastIncident
from agent.telemetry.aws.clients import get_client

PARTITION_PREFIX = "INCIDENT#"
SORT_PREFIX = "THREAD#"


class DynamoDbIncidentMemory:
    def __init__(self, table: str, *, region: str, endpoint_url: str | None = None) -> None:
        self.table = table
        self._client: Any = get_client("dynamodb", region=region, endpoint_url=endpoint_url)

    @staticmethod
    def _key(scope: str, thread_id: str) -> dict[str, Any]:
        return {"PK": {"S": PARTITION_PREFIX + scope}, "SK": {"S": SORT_PREFIX + thread_id}}

    def save(self, incident: PastIncident) -> None:
        item = {
            **self._key(incident.scope, incident.thread_id),
            "record": {"S": incident.model_dump_json()},
        }
        self._client.put_item(TableName=self.table, Item=item)

    def get(self, scope: str, thread_id: str) -> PastIncident | None:
        found = self._client.get_item(TableName=self.table, Key=self._key(scope, thread_id))
        item = found.get("Item")
        return PastIncident.model_validate_json(item["record"]["S"]) if item else None

    def in_scope(self, scope: str) -> list[PastIncident]:
        records: list[PastIncident] = []
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={
                ":pk": {"S": PARTITION_PREFIX + scope},
                ":sk": {"S": SORT_PREFIX},
            },
        ):
            records += [PastIncident.model_validate_json(i["record"]["S"]) for i in page["Items"]]
        return sorted(records, key=lambda p: p.recorded_at, reverse=True)

    def forget(self, scope: str, thread_id: str) -> bool:
        answer = self._client.delete_item(
            TableName=self.table, Key=self._key(scope, thread_id), ReturnValues="ALL_OLD"
        )
        return "Attributes" in answer

    def scopes(self) -> list[str]:
        """Every scope in the table (a Scan of the keys: the operator's CLI only)."""
        found: set[str] = set()
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self.table,
            ProjectionExpression="PK",
            FilterExpression="begins_with(PK, :pk)",
            ExpressionAttributeValues={":pk": {"S": PARTITION_PREFIX}},
        ):
            found |= {i["PK"]["S"].removeprefix(PARTITION_PREFIX) for i in page["Items"]}
        return sorted(found)
