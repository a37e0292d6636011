"""Security findings over boto3: Security Hub `GetFindings` (ASFF) and GuardDuty
`ListDetectors` -> `ListFindings` -> `GetFindings`, read-only.

Both services filter server-side (active, open, updated in the range, severity at least the
minimum); fa2 re-applies the same filter to what comes back (`shapes.findings.in_scope`), so
the AWS and the bundle backends agree, and removes the GuardDuty findings Security Hub also
returns. Listings are paginated up to a cap; a capped listing says so in the answer's notes.
A service that is not enabled in the region is a note, not a failure; the call fails only
when neither service could be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from agent.telemetry.aws.clients import AwsClients
from agent.telemetry.aws.errors import error_code, error_message, translate
from agent.telemetry.base import TelemetryUnavailableError
from agent.telemetry.findings_types import (
    SEVERITY_LABELS,
    SecurityFinding,
    SecurityFindings,
    checked_severity,
    severity_at_least,
)
from agent.telemetry.shapes.findings import (
    OPEN_WORKFLOW,
    FindingShapeError,
    deduplicated,
    from_asff,
    from_guardduty,
    in_scope,
)
from agent.telemetry.types import TimeRange

SECURITYHUB_PAGE_SIZE = 100  # GetFindings' maximum
SECURITYHUB_MAX_PAGES = 20  # 2,000 findings
GUARDDUTY_PAGE_SIZE = 50  # ListFindings' maximum, and GetFindings takes at most 50 ids
GUARDDUTY_MAX_PAGES = 20  # 1,000 findings per detector
# GuardDuty's severity levels start at these values (Low 1.0-3.9, Medium 4.0-6.9, ...).
GUARDDUTY_SEVERITY_FLOOR = {"CRITICAL": 9, "HIGH": 7, "MEDIUM": 4, "LOW": 1, "INFORMATIONAL": 0}
# What a service answers when it is simply not turned on in the region.
NOT_ENABLED_CODES = frozenset({"InvalidAccessException"})


def _epoch_ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def _iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def securityhub_filters(time_range: TimeRange, min_severity: str) -> dict[str, Any]:
    """GetFindings `Filters`: active, workflow NEW or NOTIFIED, updated in the range, severity
    at least `min_severity` (values of one attribute are ORed, attributes ANDed)."""
    return {
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "WorkflowStatus": [{"Value": s, "Comparison": "EQUALS"} for s in OPEN_WORKFLOW],
        "UpdatedAt": [{"Start": _iso(time_range.start), "End": _iso(time_range.end)}],
        "SeverityLabel": [
            {"Value": label, "Comparison": "EQUALS"}
            for label in SEVERITY_LABELS
            if severity_at_least(label, min_severity)
        ],
    }


def guardduty_criteria(time_range: TimeRange, min_severity: str) -> dict[str, Any]:
    """ListFindings `FindingCriteria`: not archived, updated in the range, severity floor."""
    return {
        "Criterion": {
            "service.archived": {"Equals": ["false"]},
            "updatedAt": {
                "GreaterThanOrEqual": _epoch_ms(time_range.start),
                "LessThan": _epoch_ms(time_range.end),
            },
            "severity": {"GreaterThanOrEqual": GUARDDUTY_SEVERITY_FLOOR[min_severity]},
        }
    }


class SecurityFindingsReader:
    def __init__(self, region: str, clients: AwsClients) -> None:
        self.region = region
        self.clients = clients

    def read(self, time_range: TimeRange, min_severity: str = "LOW") -> SecurityFindings:
        minimum = checked_severity(min_severity)
        answer = SecurityFindings()
        collected: list[SecurityFinding] = []
        failures: list[Exception] = []
        for source, read in (
            ("securityhub", self._securityhub),
            ("guardduty", self._guardduty),
        ):
            try:
                found = read(time_range, minimum, answer)
            except TelemetryUnavailableError as exc:
                failures.append(exc)
                answer.notes.append(f"Findings: {source} could not be read: {exc}")
                continue
            if found is not None:
                collected.extend(found)
                answer.sources.append(source)  # type: ignore[arg-type]
        if len(failures) == 2:
            reasons = dict.fromkeys(str(f) for f in failures)  # once when both say the same
            raise TelemetryUnavailableError(
                "neither Security Hub nor GuardDuty could be read: " + "; ".join(reasons)
            )
        kept = [f for f in collected if in_scope(f, time_range, minimum)]
        answer.findings, answer.duplicates_removed = deduplicated(kept)
        return answer

    # ------------------------------------------------------------ Security Hub

    def _securityhub(
        self, time_range: TimeRange, minimum: str, answer: SecurityFindings
    ) -> list[SecurityFinding] | None:
        client = self.clients.client("securityhub")
        request: dict[str, Any] = {
            "Filters": securityhub_filters(time_range, minimum),
            "SortCriteria": [{"Field": "SeverityNormalized", "SortOrder": "desc"}],
            "MaxResults": SECURITYHUB_PAGE_SIZE,
        }
        found: list[SecurityFinding] = []
        skipped = 0
        for page in range(SECURITYHUB_MAX_PAGES):
            try:
                response = client.get_findings(**request)
            except ClientError as exc:
                if error_code(exc) in NOT_ENABLED_CODES:
                    answer.notes.append(
                        f"Findings: Security Hub is not enabled in {self.region} "
                        f"({error_message(exc)}); its findings are not in this report"
                    )
                    return None
                raise self._translate(exc, "securityhub:GetFindings", "Security Hub") from exc
            except BotoCoreError as exc:
                raise self._translate(exc, "securityhub:GetFindings", "Security Hub") from exc
            for item in response.get("Findings", []):
                try:
                    found.append(from_asff(item))
                except FindingShapeError:
                    skipped += 1
            token = response.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
            if page == SECURITYHUB_MAX_PAGES - 1:
                answer.truncated = True
                answer.notes.append(
                    f"Findings: Security Hub has more than {len(found) + skipped} matching "
                    f"findings; the report reads the first {SECURITYHUB_MAX_PAGES} pages "
                    "(most severe first) and leaves the rest out"
                )
        if skipped:
            answer.notes.append(
                f"Findings: {skipped} Security Hub finding(s) were not ASFF and were skipped"
            )
        return found

    # ------------------------------------------------------------ GuardDuty

    def _guardduty(
        self, time_range: TimeRange, minimum: str, answer: SecurityFindings
    ) -> list[SecurityFinding] | None:
        client = self.clients.client("guardduty")
        detectors = list(self._detector_ids(client))
        if not detectors:
            answer.notes.append(
                f"Findings: GuardDuty has no detector in {self.region} (not enabled); "
                "its findings are not in this report"
            )
            return None
        found: list[SecurityFinding] = []
        for detector in detectors:
            ids = self._finding_ids(client, detector, time_range, minimum, answer)
            for start in range(0, len(ids), GUARDDUTY_PAGE_SIZE):
                chunk = ids[start : start + GUARDDUTY_PAGE_SIZE]
                response = self._call(
                    client.get_findings,
                    "guardduty:GetFindings",
                    DetectorId=detector,
                    FindingIds=chunk,
                )
                for item in response.get("Findings", []):
                    try:
                        found.append(from_guardduty(item))
                    except FindingShapeError:
                        continue
        return found

    def _detector_ids(self, client: Any) -> Iterator[str]:
        request: dict[str, Any] = {}
        while True:
            response = self._call(client.list_detectors, "guardduty:ListDetectors", **request)
            yield from response.get("DetectorIds", [])
            if not response.get("NextToken"):
                return
            request["NextToken"] = response["NextToken"]

    def _finding_ids(
        self,
        client: Any,
        detector: str,
        time_range: TimeRange,
        minimum: str,
        answer: SecurityFindings,
    ) -> list[str]:
        request: dict[str, Any] = {
            "DetectorId": detector,
            "FindingCriteria": guardduty_criteria(time_range, minimum),
            "SortCriteria": {"AttributeName": "severity", "OrderBy": "DESC"},
            "MaxResults": GUARDDUTY_PAGE_SIZE,
        }
        ids: list[str] = []
        for page in range(GUARDDUTY_MAX_PAGES):
            response = self._call(client.list_findings, "guardduty:ListFindings", **request)
            ids.extend(response.get("FindingIds", []))
            token = response.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
            if page == GUARDDUTY_MAX_PAGES - 1:
                answer.truncated = True
                answer.notes.append(
                    f"Findings: GuardDuty detector {detector} has more than {len(ids)} matching "
                    "findings; the report reads the most severe "
                    f"{len(ids)} and leaves the rest out"
                )
        return ids

    def _call(self, method: Any, action: str, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise self._translate(exc, action, "GuardDuty") from exc

    def _translate(self, exc: Exception, action: str, label: str) -> Exception:
        # Security Hub's GetFindings is granted on the region's hub; GuardDuty's three reads
        # take no resource (Service Authorization Reference), so `*` is what to grant there.
        resource = (
            f"arn:aws:securityhub:{self.region}:<account>:hub/default"
            if action.startswith("securityhub:")
            else "*"
        )
        error = translate(exc, action=action, resource=resource, service_label=label)
        # A rejected request is fa2's bug here (the filters are fa2's, not a model's): the
        # source is unavailable, with AWS's words.
        if not isinstance(error, TelemetryUnavailableError):
            return TelemetryUnavailableError(str(error))
        return error


__all__ = ["SecurityFindingsReader", "guardduty_criteria", "securityhub_filters"]
