"""Security findings as the telemetry boundary speaks them: one `SecurityFinding` per finding,
whether it came from Security Hub (ASFF) or GuardDuty (its own format), and the answer of a
`list_security_findings` call (`SecurityFindings`: the findings and what was left out).

The readings of the two AWS shapes live in `agent.telemetry.shapes.findings`; both backends
use them, so a bundle's files and a live account read the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, field_validator

from agent.telemetry.types import as_utc

SeverityLabel = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"]
# Most severe first: the order reports list them in.
SEVERITY_LABELS: tuple[SeverityLabel, ...] = get_args(SeverityLabel)
SEVERITY_RANK: dict[str, int] = {
    label: len(SEVERITY_LABELS) - i for i, label in enumerate(SEVERITY_LABELS)
}

FindingSource = Literal["securityhub", "guardduty"]


def severity_at_least(label: str, minimum: str) -> bool:
    """`label` is `minimum` or more severe (unknown labels count as INFORMATIONAL)."""
    return SEVERITY_RANK.get(label, 1) >= SEVERITY_RANK.get(minimum, 1)


def checked_severity(value: str) -> SeverityLabel:
    """`value` as a severity label (any case), or ValueError naming the allowed ones."""
    label = value.strip().upper()
    if label not in SEVERITY_LABELS:
        raise ValueError(
            f"unknown severity {value!r}: use one of {', '.join(SEVERITY_LABELS)} (case-insensitive)"
        )
    return label  # type: ignore[return-value]


class SecurityFinding(BaseModel):
    """One active finding. `id` is the finding's own id: the ASFF `Id` for Security Hub, the
    GuardDuty finding id for GuardDuty. `guardduty_id` is set on both copies of a GuardDuty
    finding (the native one and the one Security Hub imported), which is how they are
    de-duplicated. Text fields (`title`, `description`, resource ids, remediation text) can
    carry what an attacker chose (a user name, a bucket name): untrusted, like log text."""

    id: str
    source: FindingSource
    product_arn: str = ""
    generator_id: str = ""
    type: str = ""  # GuardDuty's type, or the ASFF `Types[0]`
    title: str = ""
    description: str = ""
    severity_label: SeverityLabel = "INFORMATIONAL"
    severity_score: float = 0.0  # ASFF Normalized (0-100) / GuardDuty's 0-10 value
    account_id: str = ""
    region: str = ""
    resource_type: str = ""
    resource_id: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    count: int = 1  # how many times the activity was seen (GuardDuty's service.count)
    remediation_text: str | None = None
    remediation_url: str | None = None
    console_url: str | None = None
    workflow_status: str | None = None  # Security Hub: NEW | NOTIFIED | ...
    record_state: str | None = None  # Security Hub: ACTIVE | ARCHIVED
    guardduty_id: str | None = None
    control_id: str | None = None  # Security Hub control findings: "IAM.3"

    @field_validator("created_at", "updated_at", "first_seen", "last_seen")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None

    @property
    def dedup_key(self) -> str:
        return f"guardduty:{self.guardduty_id}" if self.guardduty_id else f"id:{self.id}"


class SecurityFindings(BaseModel):
    """What `list_security_findings` found: the findings (de-duplicated, most severe first)
    and notes on what it could not read or left out (a capped listing, a service not
    enabled), for the report to state."""

    findings: list[SecurityFinding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    truncated: bool = False  # a listing hit its cap: more findings exist than were read
    sources: list[FindingSource] = Field(default_factory=list)  # the services that answered
    duplicates_removed: int = 0  # GuardDuty findings also imported into Security Hub
