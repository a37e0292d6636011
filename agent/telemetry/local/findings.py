"""A bundle's security findings: `findings/securityhub/*.json` (Security Hub GetFindings
responses, ASFF) and `findings/guardduty/*.json` (GuardDuty GetFindings responses), read
once and filtered per call exactly as the AWS backend filters what the services return.

A file that cannot be read, or a finding without the fields every finding has, is skipped
and named in the answer's notes (`fa2 bundle check` lists them with their lines)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agent.telemetry.findings_types import FindingSource, SecurityFinding, SecurityFindings
from agent.telemetry.local.bundle_files import SourceUnreadableError, load_json_files
from agent.telemetry.shapes.findings import (
    FindingShapeError,
    deduplicated,
    from_asff,
    from_guardduty,
    in_scope,
)
from agent.telemetry.types import TimeRange

_READERS: dict[FindingSource, Callable[[Any], SecurityFinding]] = {
    "securityhub": from_asff,
    "guardduty": from_guardduty,
}


class BundleFindings:
    def __init__(self, files: dict[FindingSource, Sequence[Path]], root: Path) -> None:
        self.root = root
        self.findings: list[SecurityFinding] = []
        self.notes: list[str] = []
        self.sources: list[FindingSource] = [s for s, paths in files.items() if paths]
        for source, paths in files.items():
            self._load(source, paths)

    def _where(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _load(self, source: FindingSource, paths: Sequence[Path]) -> None:
        read = _READERS[source]

        def add(path: Path, document: Any) -> None:
            items = document.get("Findings") if isinstance(document, dict) else None
            if not isinstance(items, list):
                raise ValueError('not a GetFindings response: {"Findings": [...]}')
            skipped = 0
            for item in items:
                try:
                    self.findings.append(read(item))
                except FindingShapeError:
                    skipped += 1
            if skipped:
                self.notes.append(
                    f"Findings: {skipped} finding(s) in {self._where(path)} lack required "
                    "fields and were skipped (fa2 bundle check names them)"
                )

        try:
            unreadable = load_json_files(paths, f"{source} findings", add)
        except SourceUnreadableError as exc:
            self.notes.append(f"Findings: the bundle's {source} findings could not be read ({exc})")
            self.sources.remove(source)
            return
        self.notes.extend(
            f"Findings: {self._where(path)} was skipped: {reason}" for path, reason in unreadable
        )

    def select(self, time_range: TimeRange, min_severity: str) -> SecurityFindings:
        kept = [f for f in self.findings if in_scope(f, time_range, min_severity)]
        findings, removed = deduplicated(kept)
        return SecurityFindings(
            findings=findings,
            notes=list(self.notes),
            sources=list(self.sources),
            duplicates_removed=removed,
        )
