"""What the polled AWS query services (Athena, Logs Insights, X-Ray) are built from."""

from __future__ import annotations

from agent.config import Settings
from agent.telemetry.aws.clients import AwsClients
from agent.telemetry.aws.polling import Waiter


class QueryService:
    """The settings, the shared clients, the backend's waiter and its per-query time budget
    (`timeout_s`, before `query_seconds` narrows it to the investigation's deadline)."""

    def __init__(
        self, settings: Settings, clients: AwsClients, waiter: Waiter, timeout_s: float
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.waiter = waiter
        self.timeout_s = timeout_s
