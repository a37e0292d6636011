"""Where investigation threads are kept: a SQLite file by default (survives restarts),
DynamoDB when deployed, memory for tests and one-off runs.

Every checkpointer stores the state's models (`agent.state`) with LangGraph's serializer, which
rebuilds only the types it is told of: the conversation's messages and the models named in
`STATE_MODELS`. (Unlisted types are let through with a warning today and refused under
`LANGGRAPH_STRICT_MSGPACK`; listing ours keeps threads readable either way.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

from agent.config import Settings
from agent.incident import Incident
from agent.report import Evidence, Report

# The models checkpointed in the state (their fields' models are stored as plain values inside).
STATE_MODELS: tuple[type[BaseModel], ...] = (Incident, Evidence, Report)


def state_serializer() -> JsonPlusSerializer:
    """LangGraph's serializer, rebuilding the state's models and nothing else of ours."""
    return JsonPlusSerializer(
        allowed_msgpack_modules=[(model.__module__, model.__name__) for model in STATE_MODELS]
    )


# One in-memory saver per process, so `ask` finds a thread `investigate` made in this process.
_MEMORY = InMemorySaver(serde=state_serializer())


class CheckpointConfigError(ValueError):
    """The configured checkpointer cannot be used (e.g. DynamoDB without a table name)."""


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    if settings.checkpoints.backend == "memory":
        yield _MEMORY
        return
    if settings.checkpoints.backend == "dynamodb":
        if not settings.checkpoints.dynamodb_table:
            raise CheckpointConfigError(
                "checkpoint_backend is dynamodb but dynamodb_table (FA2_DYNAMODB_TABLE) is not set"
            )
        from langgraph_checkpoint_aws import DynamoDBSaver
        from langgraph_checkpoint_aws.checkpoint.dynamodb.serialization import (
            CheckpointSerializer,
        )

        # Threads expire through the table's TTL attribute (`ttl`, written by the saver), and
        # checkpoints are compressed: an investigation's evidence easily passes 400 KB, the
        # DynamoDB item limit, uncompressed.
        saver = DynamoDBSaver(
            table_name=settings.checkpoints.dynamodb_table,
            region_name=settings.aws.region,
            endpoint_url=settings.aws.endpoint_url,
            ttl_seconds=settings.checkpoints.ttl_days * 24 * 3600,
            enable_checkpoint_compression=True,
        )
        # DynamoDBSaver takes no serializer argument: it wraps its `serde` in a compressing
        # serializer when built, so both are replaced together.
        saver.serde = state_serializer()
        saver.serializer = CheckpointSerializer(saver.serde, True)
        yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = settings.checkpoints.path.expanduser()
    connection = _connect_sqlite(path)
    try:
        yield SqliteSaver(connection, serde=state_serializer())
    finally:
        connection.close()


def _connect_sqlite(path: Path) -> sqlite3.Connection:
    """The checkpoint file, created if needed; a path that cannot hold it is a configuration
    problem named with its setting, not a sqlite3 traceback."""
    where = f"checkpoint_path {path} (FA2_CHECKPOINT_PATH)"
    if path.is_dir():
        raise CheckpointConfigError(
            f"{where} is a folder; give a file path such as {path}/threads.sqlite"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several processes (CLI runs, evals, the Slack app) may share the file: wait for
        # locks and let readers proceed while one writes.
        connection = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    except (OSError, sqlite3.Error) as exc:
        raise CheckpointConfigError(f"{where}: cannot create or open it: {exc}") from exc
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise CheckpointConfigError(f"{where}: not a usable SQLite database: {exc}") from exc
    return connection
