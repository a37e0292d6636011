"""Where investigation threads are kept: a SQLite file by default (survives restarts),
DynamoDB when deployed, memory for tests and one-off runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from agent.config import Settings

# One in-memory saver per process, so `ask` finds a thread `investigate` made in this process.
_MEMORY = InMemorySaver()


class CheckpointConfigError(ValueError):
    """The configured checkpointer cannot be used (e.g. DynamoDB without a table name)."""


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    if settings.checkpoint_backend == "memory":
        yield _MEMORY
        return
    if settings.checkpoint_backend == "dynamodb":
        if not settings.dynamodb_table:
            raise CheckpointConfigError(
                "checkpoint_backend is dynamodb but dynamodb_table (FA2_DYNAMODB_TABLE) is not set"
            )
        from langgraph_checkpoint_aws import DynamoDBSaver

        yield DynamoDBSaver(
            table_name=settings.dynamodb_table,
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
        )
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = settings.checkpoint_path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (CLI runs, evals, the Slack app) may share the file: wait for locks and
    # let readers proceed while one writes.
    connection = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    try:
        yield SqliteSaver(connection)
    finally:
        connection.close()
