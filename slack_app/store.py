"""What the Slack app remembers between requests: which events it has seen (so Slack's
retries never start a second investigation), which investigations are queued and running
(`slack_app.admission`), the alarms it recognised, the threads it answered, and 👍/👎 feedback.

Two implementations of one interface: SQLite under fa2's state folder when served locally,
and DynamoDB (the checkpoint table, items prefixed `fa2slack#`) on AWS, where each Lambda
invocation is its own process. Items that should expire carry `ttl` (epoch seconds), the
table's TTL attribute.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from agent.config import Settings
from slack_app.admission import Ticket

R = TypeVar("R")


class Feedback(BaseModel):
    thread_id: str
    user: str
    vote: Literal["up", "down"]
    message_ts: str | None = None
    at: datetime


class SlackStore(Protocol):
    def claim(self, key: str, ttl_seconds: int = 3600) -> bool:
        """True the first time `key` is claimed (within ttl), False for every repeat."""
        ...

    def update_tickets(self, change: Callable[[list[Ticket]], tuple[R, list[Ticket]]]) -> R:
        """Apply `change` to the investigation tickets atomically (one writer at a time) and
        return its result; the decisions themselves are `slack_app.admission`'s."""
        ...

    def put_alarm(self, key: str, incident_json: str) -> None: ...

    def get_alarm(self, key: str) -> str | None: ...

    def mark_answered(self, thread_id: str) -> None: ...

    def is_answered(self, thread_id: str) -> bool: ...

    def record_feedback(self, feedback: Feedback) -> None: ...

    def feedback(self, thread_id: str) -> list[Feedback]: ...


_SCHEMA = """
create table if not exists claims (key text primary key, expires_at real not null);
create table if not exists tickets (thread_id text primary key, ticket text not null);
create table if not exists alarms (key text primary key, incident text not null);
create table if not exists answered (thread_id text primary key, at real not null);
create table if not exists feedback (thread_id text, user text, vote text, message_ts text, at text);
"""


class SqliteStore:
    """One connection guarded by a lock: the local server's worker threads share it."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)

    def _run(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def claim(self, key: str, ttl_seconds: int = 3600) -> bool:
        now = time.time()
        with self._lock:
            self._db.execute("delete from claims where expires_at < ?", (now,))
            cursor = self._db.execute(
                "insert or ignore into claims values (?, ?)", (key, now + ttl_seconds)
            )
            return cursor.rowcount == 1

    def update_tickets(self, change: Callable[[list[Ticket]], tuple[R, list[Ticket]]]) -> R:
        with self._lock:
            self._db.execute("begin immediate")
            try:
                rows = self._db.execute("select ticket from tickets").fetchall()
                result, tickets = change([Ticket.model_validate_json(r[0]) for r in rows])
                self._db.execute("delete from tickets")
                self._db.executemany(
                    "insert into tickets values (?, ?)",
                    [(t.thread_id + "#" + str(t.asked_at), t.model_dump_json()) for t in tickets],
                )
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")
            return result

    def put_alarm(self, key: str, incident_json: str) -> None:
        self._run("insert or replace into alarms values (?, ?)", key, incident_json)

    def get_alarm(self, key: str) -> str | None:
        rows = self._run("select incident from alarms where key = ?", key)
        return rows[0][0] if rows else None

    def mark_answered(self, thread_id: str) -> None:
        self._run("insert or replace into answered values (?, ?)", thread_id, time.time())

    def is_answered(self, thread_id: str) -> bool:
        return bool(self._run("select 1 from answered where thread_id = ?", thread_id))

    def record_feedback(self, feedback: Feedback) -> None:
        self._run(
            "insert into feedback values (?, ?, ?, ?, ?)",
            feedback.thread_id,
            feedback.user,
            feedback.vote,
            feedback.message_ts,
            feedback.at.isoformat(),
        )

    def feedback(self, thread_id: str) -> list[Feedback]:
        rows = self._run("select * from feedback where thread_id = ? order by at", thread_id)
        return [
            Feedback(
                thread_id=r[0],
                user=r[1],
                vote=r[2],
                message_ts=r[3],
                at=datetime.fromisoformat(r[4]),
            )
            for r in rows
        ]


MAX_TICKET_RETRIES = 20
TICKETS_TTL_SECONDS = 2 * 3600  # an idle workspace's queue item expires


class DynamoDbStore:
    """The same interface over a DynamoDB table with string keys `PK` and `SK`."""

    PREFIX = "fa2slack#"

    def __init__(
        self,
        table_name: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        thread_ttl_seconds: int = 30 * 24 * 3600,
    ) -> None:
        import boto3  # only on AWS, and only when the store is first built

        # An answered thread is remembered as long as its checkpoints (the same table's TTL);
        # feedback carries no `ttl`: it is the lasting record of whether fa2 helped.
        self._thread_ttl_seconds = thread_ttl_seconds
        self._table = boto3.resource(
            "dynamodb", region_name=region, endpoint_url=endpoint_url
        ).Table(table_name)

    def _key(self, kind: str, key: str, sort: str = "-") -> dict[str, str]:
        return {"PK": f"{self.PREFIX}{kind}#{key}", "SK": sort}

    def _put_new(self, item: dict[str, Any]) -> bool:
        """Put `item` unless a live one exists (DynamoDB's TTL deletes expired items late)."""
        from botocore.exceptions import ClientError

        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(PK) OR #ttl < :now",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={":now": int(time.time())},
            )
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def claim(self, key: str, ttl_seconds: int = 3600) -> bool:
        return self._put_new({**self._key("claim", key), "ttl": int(time.time()) + ttl_seconds})

    def update_tickets(self, change: Callable[[list[Ticket]], tuple[R, list[Ticket]]]) -> R:
        """All tickets live in one item (a few dozen at most); a version attribute makes
        each change a compare-and-swap, retried when another process changed it first."""
        from botocore.exceptions import ClientError

        key = self._key("tickets", "workspace")
        for _ in range(MAX_TICKET_RETRIES):
            item = self._table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
            version = int(str(item.get("version", 0)))
            stored = json.loads(str(item.get("tickets", "[]")))
            result, tickets = change([Ticket.model_validate(t) for t in stored])
            now = int(time.time())
            try:
                self._table.put_item(
                    Item={
                        **key,
                        "version": version + 1,
                        "tickets": json.dumps([t.model_dump(mode="json") for t in tickets]),
                        "ttl": now + TICKETS_TTL_SECONDS,
                    },
                    ConditionExpression="attribute_not_exists(PK) OR version = :version",
                    ExpressionAttributeValues={":version": version},
                )
                return result
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        raise RuntimeError("the investigation queue is too busy to update; try again")

    def put_alarm(self, key: str, incident_json: str) -> None:
        expires = int(time.time()) + 14 * 24 * 3600
        self._table.put_item(
            Item={**self._key("alarm", key), "incident": incident_json, "ttl": expires}
        )

    def get_alarm(self, key: str) -> str | None:
        item = self._table.get_item(Key=self._key("alarm", key)).get("Item")
        return str(item["incident"]) if item else None

    def mark_answered(self, thread_id: str) -> None:
        now = int(time.time())
        self._table.put_item(
            Item={
                **self._key("answered", thread_id),
                "at": now,
                "ttl": now + self._thread_ttl_seconds,
            }
        )

    def is_answered(self, thread_id: str) -> bool:
        return "Item" in self._table.get_item(Key=self._key("answered", thread_id))

    def record_feedback(self, feedback: Feedback) -> None:
        sort = f"{feedback.at.isoformat()}#{feedback.user}"
        self._table.put_item(
            Item={
                **self._key("feedback", feedback.thread_id, sort),
                **feedback.model_dump(mode="json"),
            }
        )

    def feedback(self, thread_id: str) -> list[Feedback]:
        from boto3.dynamodb.conditions import Key

        items = self._table.query(
            KeyConditionExpression=Key("PK").eq(self._key("feedback", thread_id)["PK"])
        )["Items"]
        return [
            Feedback.model_validate({k: v for k, v in i.items() if k not in ("PK", "SK")})
            for i in items
        ]


def store_from_settings(settings: Settings) -> SlackStore:
    """DynamoDB when the checkpoints live there (on AWS), else SQLite next to the checkpoints."""
    if settings.checkpoints.backend == "dynamodb" and settings.checkpoints.dynamodb_table:
        return DynamoDbStore(
            settings.checkpoints.dynamodb_table,
            region=settings.aws.region,
            endpoint_url=settings.aws.endpoint_url,
            thread_ttl_seconds=settings.checkpoints.ttl_days * 24 * 3600,
        )
    if settings.checkpoints.backend == "memory":
        return SqliteStore(":memory:")
    return SqliteStore(settings.checkpoints.path.parent / "slack.sqlite")


def now_utc() -> datetime:
    return datetime.now(UTC)
