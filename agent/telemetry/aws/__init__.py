"""The AWS telemetry backend (boto3). See `backend.AwsBackend`."""

from agent.telemetry.aws.backend import AwsBackend
from agent.telemetry.aws.clients import clear_client_cache

__all__ = ["AwsBackend", "clear_client_cache"]
