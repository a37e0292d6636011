"""`check_bundle`: read every file of an incident bundle the way the local engines will, and
report per source the files, record counts, time span and every problem with file and
line. A bad line or record is reported and skipped; nothing here raises on bad data.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.alarm import AlarmParseError, incident_from_bundle
from agent.config import Settings
from agent.incident import TimeRange
from agent.telemetry import bundle_formats as fmt
from agent.telemetry.bundle import (
    SOURCE_LAYOUT,
    Bundle,
    BundleError,
    BundleSource,
    iter_lines,
    load_bundle,
    open_text,
)

# Problems listed per file before the rest are summarised in one line.
MAX_PROBLEMS_PER_FILE = 20


class Problem(BaseModel):
    severity: Literal["error", "warning"]
    file: str  # relative to the bundle root
    line: int | None = None
    message: str

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class FileReport(BaseModel):
    path: str
    records: int = 0
    skipped: int = 0
    first: datetime | None = None
    last: datetime | None = None


class SourceReport(BaseModel):
    source: BundleSource
    files: list[FileReport] = Field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)

    @property
    def first(self) -> datetime | None:
        return min((f.first for f in self.files if f.first), default=None)

    @property
    def last(self) -> datetime | None:
        return max((f.last for f in self.files if f.last), default=None)


class BundleReport(BaseModel):
    root: str
    title: str | None = None
    window: TimeRange | None = None
    manifest_ok: bool = False
    sources: list[SourceReport] = Field(default_factory=list)
    # what the team knew beside the telemetry: files per folder (runbooks, past-incidents)
    knowledge: dict[str, int] = Field(default_factory=dict)
    problems: list[Problem] = Field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sources)

    @property
    def usable(self) -> bool:
        """The agent can run on it: a valid manifest and some readable telemetry."""
        return self.manifest_ok and self.records > 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def as_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["usable"] = self.usable
        data["records"] = self.records
        for source, report in zip(data["sources"], self.sources, strict=True):
            source.update(
                records=report.records,
                skipped=report.skipped,
                first=_iso(report.first),
                last=_iso(report.last),
            )
        return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


class _FileCheck:
    """Counts and problems of one file while it is read (plain attributes: this runs per record)."""

    def __init__(self, report: BundleReport, root: Path, path: Path, window: TimeRange) -> None:
        self.problems = report.problems
        self.rel = path.relative_to(root).as_posix()
        self.start, self.end = window.start, window.end
        self.window_label = window.label()
        self.records = 0
        self.skipped = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.listed = 0
        self.hidden = 0
        self.outside = 0
        self.first_outside: int | None = None

    def bad(self, line: int | None, message: str, *, always: bool = False) -> None:
        self.skipped += 1
        if always or self.listed < MAX_PROBLEMS_PER_FILE:
            self.problems.append(
                Problem(severity="error", file=self.rel, line=line, message=message)
            )
            self.listed += 1
        else:
            self.hidden += 1

    def unreadable(self, line: int | None, message: str) -> None:
        """The engines skip this whole file: none of its records count."""
        self.skipped += self.records
        self.records, self.first, self.last, self.outside = 0, None, None, 0
        self.bad(line, message, always=True)

    def good(self, line: int | None, times: Iterable[datetime], records: int = 1) -> None:
        self.records += records
        for stamp in times:
            if self.first is None or stamp < self.first:
                self.first = stamp
            if self.last is None or stamp > self.last:
                self.last = stamp
            if not self.start <= stamp < self.end:
                self.outside += 1
                if self.first_outside is None:
                    self.first_outside = line or 0

    def finish(self) -> FileReport:
        if self.hidden:
            self.problems.append(
                Problem(
                    severity="error",
                    file=self.rel,
                    message=f"… and {self.hidden} more bad records in this file (not listed)",
                )
            )
        if self.outside:
            self.problems.append(
                Problem(
                    severity="warning",
                    file=self.rel,
                    line=self.first_outside or None,
                    message=f"{self.outside} timestamp{'s' if self.outside > 1 else ''} "
                    f"outside the window {self.window_label}"
                    + (f" (first at line {self.first_outside})" if self.first_outside else ""),
                )
            )
        return FileReport(
            path=self.rel,
            records=self.records,
            skipped=self.skipped,
            first=self.first,
            last=self.last,
        )


def check_bundle(path: str | Path, settings: Settings | None = None) -> BundleReport:
    """Validate the bundle at `path`; see the module docstring. `settings` bounds the
    window length (defaults when not given)."""
    report = BundleReport(root=str(path))
    try:
        bundle = load_bundle(path)
    except BundleError as exc:
        report.problems.append(
            Problem(severity="error", file="incident.yaml", line=exc.line, message=str(exc))
        )
        return report
    report.root = str(bundle.root)
    report.title = bundle.manifest.title
    report.window = bundle.window
    report.manifest_ok = _check_alarm(bundle, report, settings or Settings.model_construct())
    for unknown in bundle.unknown_files:
        report.problems.append(
            Problem(
                severity="warning",
                file=unknown.relative_to(bundle.root).as_posix(),
                message=_unknown_hint(unknown, bundle.root),
            )
        )
    for link, target in bundle.outside_files:
        report.problems.append(
            Problem(
                severity="warning",
                file=link.relative_to(bundle.root).as_posix(),
                message=f"links to {target}, outside the bundle: skipped (never read); "
                "copy the file into the bundle instead",
            )
        )
    for source in SOURCE_LAYOUT:
        files = bundle.source_files(source)
        if not files:
            continue
        source_report = SourceReport(source=source)
        for file in files:
            check = _FileCheck(report, bundle.root, file, bundle.window)
            _read_safely(check, _READERS[source], file)
            source_report.files.append(check.finish())
        report.sources.append(source_report)
    _check_knowledge(bundle, report)
    if report.manifest_ok and report.records == 0:
        report.problems.append(
            Problem(
                severity="error", file=".", message="no readable telemetry in any source folder"
            )
        )
    return report


def _check_alarm(bundle: Bundle, report: BundleReport, settings: Settings) -> bool:
    """The manifest's alarm must parse into an incident the agent can investigate."""
    try:
        incident_from_bundle(bundle, settings)
    except AlarmParseError as exc:
        report.problems.append(
            Problem(severity="error", file="incident.yaml", message=f"alarm: {exc}")
        )
        return False
    return True


def _check_knowledge(bundle: Bundle, report: BundleReport) -> None:
    """Count the runbooks and past incidents; every past-incident record must validate (the
    runbooks are prose: any text is a runbook)."""
    from agent.memory.bundle import PAST_INCIDENTS_FOLDER, PastIncidentFileError, read_past_incident

    for folder, files in sorted(bundle.knowledge_files.items()):
        report.knowledge[folder] = len(files)
    for path in bundle.knowledge_files.get(PAST_INCIDENTS_FOLDER, []):
        try:
            read_past_incident(path)
        except PastIncidentFileError as exc:
            message = str(exc).removeprefix(f"{path.name}: ")
            report.problems.append(
                Problem(
                    severity="error",
                    file=path.relative_to(bundle.root).as_posix(),
                    message=f"past incident: {message}",
                )
            )


def _unknown_hint(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    for source, (expected_folder, suffixes) in SOURCE_LAYOUT.items():
        if "/".join(parts[: expected_folder.count("/") + 1]) == expected_folder:
            wanted = " or ".join(f"{expected_folder}/*{s}[.gz]" for s in suffixes)
            return f"unknown file, ignored: {source} files must be {wanted}"
    if parts[0] == "findings":
        return (
            "unknown file, ignored: findings files must be findings/securityhub/*.json[.gz] "
            "or findings/guardduty/*.json[.gz]"
        )
    return "unknown file, ignored: not part of the bundle layout (see spec/incident-bundle.md)"


def _read_safely(check: _FileCheck, read: Callable[[_FileCheck, Path], None], path: Path) -> None:
    """A file that cannot be read to its end (a cut or broken gzip, an I/O error) is one
    problem, not a crash, and none of its records count: the engines read a file whole or
    not at all (DuckDB gives up on the whole file), so the lines before the break are lost
    to every query too."""
    if path.name.endswith(".gz") and path.stat().st_size == 0:
        # Python reads an empty .gz as no lines; DuckDB refuses it ("not a GZIP stream").
        check.unreadable(None, f"an empty file is not a gzip stream; {SKIPPED_WHOLE}")
        return
    try:
        read(check, path)
    except (OSError, EOFError, zlib.error) as exc:
        check.unreadable(None, f"cannot be read to its end ({exc}); {SKIPPED_WHOLE}")


SKIPPED_WHOLE = "fa2's engines skip the whole file"


def _read_logs(check: _FileCheck, path: Path) -> None:
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        if len(line) * 4 > fmt.MAX_LINE_BYTES and len(line.encode()) > fmt.MAX_LINE_BYTES:
            # The engine cannot read this file at all: report it unusable, as analyze skips it.
            check.unreadable(number, fmt.too_long_line_reason(number, len(line.encode())))
            return
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            check.bad(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        try:
            stamp = fmt.check_log_event(event)
        except fmt.RecordError as exc:
            check.bad(number, f"log event {exc}")
            continue
        size = len(event["message"].encode())
        if size > fmt.MAX_EVENT_BYTES:
            check.bad(number, f"log event {fmt.too_long_event_reason(size)}")
        else:
            check.good(number, [stamp])


def _read_alb(check: _FileCheck, path: Path) -> None:
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            check.good(number, [fmt.check_alb_line(line.rstrip("\r"))])
        except fmt.RecordError as exc:
            check.bad(number, f"ALB line: {exc}")


def _load_json(check: _FileCheck, path: Path) -> tuple[Any, str]:
    with open_text(path) as handle:
        text = handle.read()
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        check.bad(exc.lineno, f"not valid JSON ({exc.msg} at column {exc.colno})")
        return None, text


_ARRAY_START = re.compile(r'^\s*\[|"(?:Records|Traces|configurationItems|Findings)"\s*:\s*\[')


def _item_lines(text: str) -> list[int]:
    """The line each item of the file's main array starts on (CloudTrail `Records`, X-Ray
    `Traces`, or a top-level list), so record problems can name a line. Empty if the
    layout is unusual; the caller then reports the record index alone."""
    match = _ARRAY_START.search(text)
    if match is None:
        return [1] if text.lstrip().startswith("{") else []
    decoder = json.JSONDecoder()
    lines: list[int] = []
    pos, line = match.end(), text.count("\n", 0, match.end()) + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            line += text[pos] == "\n"
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(line)
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return []
        line += text.count("\n", pos, end)
        pos = end


def _read_documents(
    check: _FileCheck,
    path: Path,
    split: Callable[[Any], list[Any]],
    label: str,
    check_item: Callable[[Any], datetime | list[datetime]],
) -> None:
    """JSON files holding a list of items (CloudTrail records, X-Ray traces, metric series)."""
    document, text = _load_json(check, path)
    if document is None:
        return
    try:
        items = split(document)
    except fmt.RecordError as exc:
        check.bad(1, str(exc))
        return
    lines = _item_lines(text)
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else None
        try:
            times = check_item(item)
        except fmt.RecordError as exc:
            check.bad(line, f"{label}[{index}]: {exc}")
            continue
        stamps = times if isinstance(times, list) else [times]
        count = len(stamps) if label == "series" else 1
        check.good(line, stamps, records=count)


def _read_cloudtrail(check: _FileCheck, path: Path) -> None:
    _read_documents(check, path, fmt.cloudtrail_records, "Records", fmt.check_cloudtrail_record)


def _read_xray(check: _FileCheck, path: Path) -> None:
    _read_documents(check, path, fmt.xray_traces, "Traces", fmt.check_trace)


def _read_metrics(check: _FileCheck, path: Path) -> None:
    _read_documents(check, path, fmt.metric_series, "series", fmt.check_metric_series)


def _read_resource(check: _FileCheck, path: Path) -> None:
    """One recorded call: its service and operation must be allow-listed, its request valid
    for the operation, and the file named after them (`lambda.GetFunctionConfiguration*.json`)."""
    document, _text = _load_json(check, path)
    if document is None:
        return
    try:
        service, operation = fmt.check_resource_snapshot(document)
    except fmt.RecordError as exc:
        check.bad(1, f"resource snapshot: {exc}")
        return
    name = path.name.removesuffix(".gz")
    if not name.startswith(f"{service}.{operation}"):
        check.problems.append(
            Problem(
                severity="warning",
                file=check.rel,
                message=f"snapshot of {service} {operation} in a file not named "
                f"{service}.{operation}[.<anything>].json",
            )
        )
    check.good(1, [])


def _read_config(check: _FileCheck, path: Path) -> None:
    """Configuration items; those captured before the window are the state the incident
    started from, expected there, so only later ones count as outside the window."""

    def item_time(item: Any) -> list[datetime]:
        captured = fmt.check_config_item(item)
        return [captured] if captured >= check.start else []

    _read_documents(check, path, fmt.config_items, "configurationItems", item_time)


def _read_findings(check: _FileCheck, path: Path, source: str) -> None:
    """A GetFindings response; findings updated before the window are the report's earlier
    days (a findings report covers days, an incident window minutes), so only later ones
    count as outside it."""

    def item_time(item: Any) -> list[datetime]:
        updated = fmt.check_finding(item, source)
        return [updated] if updated >= check.start else []

    _read_documents(check, path, fmt.findings_list, "Findings", item_time)


_READERS: dict[BundleSource, Callable[[_FileCheck, Path], None]] = {
    "logs": _read_logs,
    "alb": _read_alb,
    "cloudtrail": _read_cloudtrail,
    "xray": _read_xray,
    "metrics": _read_metrics,
    "resources": _read_resource,
    "config": _read_config,
    "securityhub": lambda check, path: _read_findings(check, path, "securityhub"),
    "guardduty": lambda check, path: _read_findings(check, path, "guardduty"),
}
