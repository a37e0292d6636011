"""What an incident bundle holds, read without validating its manifest: the folders and
files of each source, the manifest's text, and its window when plainly written.

`bundle.load_bundle` validates the whole manifest (pydantic); a command that needs only the
files and the window (`fa2 query logs`, a whole process of its own) reads them here.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

import yaml

from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.instants import Span, as_utc, range_problem

log = logging.getLogger(__name__)

BundleSource = Literal[
    "logs",
    "alb",
    "cloudtrail",
    "xray",
    "metrics",
    "resources",
    "config",
    "securityhub",
    "guardduty",
]

# source -> (folder, accepted suffixes before an optional .gz)
SOURCE_LAYOUT: dict[BundleSource, tuple[str, tuple[str, ...]]] = {
    "logs": ("logs", (".jsonl",)),
    "alb": ("alb", (".log",)),
    "cloudtrail": ("cloudtrail", (".json",)),
    "xray": ("xray", (".json",)),
    "metrics": ("metrics", (".json",)),
    # v2: resource state (one allow-listed call per file) and AWS Config items
    "resources": ("resources", (".json",)),
    "config": ("config", (".json",)),
    # optional security findings: Security Hub / GuardDuty GetFindings responses
    "securityhub": ("findings/securityhub", (".json",)),
    "guardduty": ("findings/guardduty", (".json",)),
}
# What the team knew before the incident, beside the telemetry (docs/incident-bundle.md):
# runbooks searched by `search_runbooks`, and past incidents (one JSON record per file, as
# `fa2 incidents show` prints them) that `find_similar_incidents` sees. Not telemetry: no
# engine loads them, so they are listed apart from the sources.
KNOWLEDGE_LAYOUT: dict[str, tuple[str, ...]] = {
    "runbooks": (".md", ".markdown", ".txt", ".rst"),
    "past-incidents": (".json",),
}


class BundleError(Exception):
    """The bundle cannot be used at all (no folder, no or invalid manifest). `line` is the
    manifest line the problem is on, when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def open_text(path: Path) -> IO[str]:
    """Open a bundle file as UTF-8 text, decompressing `.gz` transparently."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without newline) for a possibly gzipped file."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip("\n")


def _classify(path: Path, root: Path) -> BundleSource | None:
    rel = path.relative_to(root)
    folder = rel.parent.as_posix()  # "logs", or "findings/guardduty"
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    for source, (expected_folder, suffixes) in SOURCE_LAYOUT.items():
        if folder == expected_folder and name.endswith(suffixes):
            return source
    return None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's multi-line report as one line: what is wrong and where (1-based)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or problem is None:
        return " ".join(str(exc).split())
    where = f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        return f"{where} ({context} at line {context_mark.line + 1})"
    return where


@dataclass
class BundleFiles:
    """The files of a bundle folder by what they are (see `list_bundle_files`)."""

    files: dict[BundleSource, list[Path]] = field(default_factory=dict)
    unknown_files: list[Path] = field(default_factory=list)
    knowledge_files: dict[str, list[Path]] = field(default_factory=dict)  # KNOWLEDGE_LAYOUT
    # (file, where it resolves to) for links that leave the bundle folder: never read.
    outside_files: list[tuple[Path, Path]] = field(default_factory=list)

    def source_files(self, source: BundleSource) -> list[Path]:
        return self.files.get(source, [])


def bundle_reference(root: Path, source: str) -> str:
    """The citation link for evidence from `source` of the bundle at `root`."""
    return f"bundle://{root.name}/{source}"


def list_bundle_files(root: Path) -> BundleFiles:
    """Every file of the bundle at `root` (resolved) by source, sorted so loading is
    deterministic; links leaving the folder are listed apart and never read."""
    found = BundleFiles()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        if file.name == "incident.yaml" and file.parent == root:
            continue
        if file.name.startswith(".") or file.name.upper().startswith(("README", "LICENSE")):
            continue
        target = file.resolve()
        if not target.is_relative_to(root):
            # A bundle from someone else must not make fa2 read this machine's files.
            found.outside_files.append((file, target))
            log.warning(
                "skipped %s: it links to %s, outside the bundle",
                one_visible_line(file.relative_to(root).as_posix()),
                one_visible_line(str(target)),
            )
            continue
        source = _classify(file, root)
        folder = file.relative_to(root).parts[0]
        if source is None and file.name.endswith(KNOWLEDGE_LAYOUT.get(folder, ())):
            found.knowledge_files.setdefault(folder, []).append(file)
        elif source is None:
            found.unknown_files.append(file)
        else:
            found.files.setdefault(source, []).append(file)
    return found


def read_manifest(root: Path) -> tuple[Path, str, dict[str, Any]]:
    """incident.yaml of the bundle at `root`: (its path, its text, the mapping it holds),
    not yet validated. Raises `BundleError` when it is missing, outside the bundle, not
    UTF-8, not YAML or not a mapping."""
    manifest_path = root / "incident.yaml"
    if not manifest_path.is_file():
        raise BundleError(f"{root}: no incident.yaml (every bundle needs one)")
    if not manifest_path.resolve().is_relative_to(root.resolve()):
        raise BundleError(
            f"{manifest_path}: links to a file outside the bundle; the manifest must be in it"
        )
    try:
        text = manifest_path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise BundleError(
            f"{manifest_path}: not UTF-8 text (byte {exc.start}): save it as UTF-8 YAML"
        ) from exc
    except yaml.YAMLError as exc:
        raise BundleError(f"{manifest_path}: not valid YAML: {_yaml_problem(exc)}") from exc
    if not isinstance(data, dict):
        raise BundleError(f"{manifest_path}: expected a mapping at the top level")
    return manifest_path, text, data


def plain_window(manifest: dict[str, Any]) -> Span | None:
    """The manifest's `window` when written plainly (two ISO 8601 times, start before end),
    read exactly as `TimeRange` reads them; None for anything else, which only the full
    validation (`bundle.load_manifest`) may judge."""
    window = manifest.get("window")
    if not isinstance(window, dict) or set(window) != {"start", "end"}:
        return None
    ends = [_instant(window["start"]), _instant(window["end"])]
    if ends[0] is None or ends[1] is None or range_problem(ends[0], ends[1]) is not None:
        return None
    return Span(ends[0], ends[1])


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None
