"""Changes in the account: CloudTrail write events, the resources they touched and the
settings they applied, read from recorded evidence."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from agent.baseline.knowledge import RESOURCE_KEYS, change_kind, service_of
from agent.baseline.signals import parse_time, rows_as_dicts
from agent.report import Evidence

_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")


@dataclass
class Change:
    time: datetime
    event_name: str
    event_source: str
    principal: str
    parameters: str
    resources: list[str]
    evidence_id: str
    error_code: str | None = None

    @property
    def service(self) -> str:
        return service_of(self.event_source)

    @property
    def name(self) -> str:
        """The API name without CloudTrail's version suffix (UpdateFunctionConfiguration20150331v2)."""
        return _VERSION_SUFFIX.sub("", self.event_name)

    @property
    def kind(self) -> str:
        # UpdateService that only sets desiredCount is scaling, not a new version
        if (
            self.name == "UpdateService"
            and "desiredCount" in self.parameters
            and "taskDefinition" not in self.parameters
        ):
            return "capacity"
        return change_kind(self.name)

    def settings(self, limit: int = 3) -> str:
        """A few scalar request parameters beyond the resource names, e.g. writeCapacityUnits=5."""
        try:
            data = json.loads(self.parameters) if self.parameters else {}
        except json.JSONDecodeError:
            return ""
        pairs: list[str] = []

        def walk(value: object) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    if isinstance(inner, str | int | float | bool) and key not in RESOURCE_KEYS:
                        text = str(inner)
                        if len(text) <= 60 and text != "HIDDEN_DUE_TO_SECURITY_REASONS":
                            pairs.append(f"{key}={text}")
                    else:
                        walk(inner)

        walk(data)
        return ", ".join(pairs[:limit])

    def describe(self) -> str:
        target = ", ".join(self.resources) or self.service
        who = (
            self.principal.split(":", 5)[-1]
            if self.principal.startswith("arn:")
            else self.principal
        )
        setting = self.settings()
        setting = f" ({setting})" if setting else ""
        return f"{self.name} on {target}{setting} by {who or 'unknown principal'} at {self.time:%H:%M:%S}Z"


def _resources(parameters: str) -> list[str]:
    try:
        data = json.loads(parameters) if parameters else {}
    except json.JSONDecodeError:
        return []
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in RESOURCE_KEYS and isinstance(inner, str):
                    found.append(
                        inner.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                        if inner.startswith("arn:")
                        else inner
                    )
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return list(dict.fromkeys(found))


def changes(evidence: list[Evidence]) -> list[Change]:
    found: dict[tuple[str, str, str], Change] = {}
    for e in evidence:
        cols = {c.lower() for c in e.columns}
        if e.status != "ok" or not {"eventname", "eventtime"} <= cols:
            continue
        for row in rows_as_dicts(e):
            low = {k.lower(): v for k, v in row.items()}
            at = parse_time(low.get("eventtime"))
            name = low.get("eventname") or ""
            if at is None or not name or name.startswith(("Get", "List", "Describe")):
                continue
            params = low.get("requestparameters") or ""
            key = (low.get("eventtime") or "", name, params)
            found.setdefault(
                key,
                Change(
                    time=at,
                    event_name=name,
                    event_source=low.get("eventsource") or "",
                    principal=low.get("principal") or low.get("useridentity") or "",
                    parameters=params,
                    resources=_resources(params),
                    evidence_id=e.id,
                    error_code=low.get("errorcode") or None,
                ),
            )
    return sorted(found.values(), key=lambda c: c.time)
