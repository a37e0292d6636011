"""Incident bundles (docs/incident-bundle.md v2): the manifest and the files per source.

Loading the records themselves is the job of each local engine (DuckDB reads JSONL, ALB
lines and CloudTrail JSON far faster than Python would); this module finds the files,
reads the manifest and opens files transparently whether gzip-compressed or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from agent.config.sources import (
    DEFAULT_ALB_TABLE,
    DEFAULT_ATHENA_DATABASE,
    DEFAULT_CLOUDTRAIL_TABLE,
)

# What a bundle holds without validating its manifest lives in bundle_layout (a logs query
# reads it without pydantic); re-exported here, where every caller imports it from.
from agent.telemetry.bundle_layout import KNOWLEDGE_LAYOUT as KNOWLEDGE_LAYOUT
from agent.telemetry.bundle_layout import SOURCE_LAYOUT as SOURCE_LAYOUT
from agent.telemetry.bundle_layout import BundleError as BundleError
from agent.telemetry.bundle_layout import (
    BundleFiles,
    bundle_reference,
    list_bundle_files,
    read_manifest,
)
from agent.telemetry.bundle_layout import BundleSource as BundleSource
from agent.telemetry.bundle_layout import iter_lines as iter_lines
from agent.telemetry.bundle_layout import open_text as open_text
from agent.telemetry.types import TimeRange

# The bundle spec versions this code reads: v2 adds the optional resources/ and config/.
SPEC_VERSION: Literal[2] = 2

# The root-cause categories a report may name; ground truth may also say the bundle holds too
# little to tell ("insufficient-evidence"), which a report never claims as a cause.
RootCauseCategory = Literal[
    "deployment",
    "configuration",
    "permissions",
    "capacity",
    "dependency",
    "network",
    "resource-exhaustion",
    "traffic",
    "security",
    "data",
]
CATEGORIES: tuple[RootCauseCategory, ...] = get_args(RootCauseCategory)
GroundTruthCategory = Literal[RootCauseCategory, "insufficient-evidence"]


# Database and table names from a manifest become SQL identifiers: only letters, digits and
# underscore (what Athena itself accepts unquoted), so no quote, space or `;` ever reaches SQL.
SQL_NAME = r"^[A-Za-z0-9_]{1,255}$"
_SQL_NAME_RULE = "only letters, digits and _ (a database or table name, e.g. cloud_trail_logs)"


def _sql_name(value: str) -> str:
    if not re.fullmatch(SQL_NAME, value):
        raise ValueError(f"{value!r} is not a valid name: {_SQL_NAME_RULE}")
    return value


SqlName = Annotated[str, AfterValidator(_sql_name)]


class AthenaNames(BaseModel):
    model_config = ConfigDict(extra="forbid")
    database: SqlName = DEFAULT_ATHENA_DATABASE
    alb_table: SqlName = DEFAULT_ALB_TABLE
    cloudtrail_table: SqlName = DEFAULT_CLOUDTRAIL_TABLE


class KeyEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: BundleSource
    contains: str


class FindingsTruth(BaseModel):
    """What a security findings report over the bundle must put first (`fa2 findings-report`).

    `top_risk_matches` names the risk without depending on generated ids: the report's first
    top risk must cite a finding whose type, Security Hub control id or resource id is one of
    these (a resource ARN also matches by its last part, `sg-0e9d...` for its security-group
    ARN)."""

    model_config = ConfigDict(extra="forbid")
    top_risk: str = Field(min_length=1)
    top_risk_matches: list[str] = Field(min_length=1)


class GroundTruth(BaseModel):
    """What an eval scenario's report is scored against.

    `categories` lists every category a fair reader could give the root cause, the primary
    one first (a usage-plan throttle lowered by hand is `capacity` and `configuration`).
    The single `category: X` of older manifests still reads, as `categories: [X]`.
    """

    model_config = ConfigDict(extra="forbid")
    root_cause: str
    categories: list[GroundTruthCategory] = Field(min_length=1)
    must_mention: list[list[str]] = Field(default_factory=list)
    key_evidence: list[KeyEvidence] = Field(default_factory=list)
    red_herrings: list[str] = Field(default_factory=list)
    # eval-only extras
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    notes: str = ""
    # bundles with findings/: what the findings report must rank first
    findings: FindingsTruth | None = None

    @model_validator(mode="before")
    @classmethod
    def _single_category(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "category" not in data:
            return data
        data = dict(data)
        single = data.pop("category")
        listed = data.setdefault("categories", [single])
        if not isinstance(listed, list) or listed[:1] != [single]:
            raise ValueError(
                f"category {single!r} must be the first of categories {listed!r} (the primary one)"
            )
        return data

    @model_validator(mode="after")
    def _categories_are_distinct(self) -> GroundTruth:
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"categories {self.categories} repeat a category")
        if "insufficient-evidence" in self.categories and len(self.categories) > 1:
            raise ValueError(
                "insufficient-evidence cannot be combined with other categories: "
                "a report either names a cause or says the data does not show one"
            )
        return self

    @property
    def category(self) -> GroundTruthCategory:
        """The primary category."""
        return self.categories[0]


class BundleManifest(BaseModel):
    """incident.yaml. Unknown top-level keys are refused so typos surface."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1, 2] = SPEC_VERSION
    title: str
    architecture: str = ""
    alarm: dict[str, Any] = Field(default_factory=dict)  # SNS notification keys
    window: TimeRange
    athena: AthenaNames = Field(default_factory=AthenaNames)
    ground_truth: GroundTruth | None = None
    tags: list[str] = Field(default_factory=list)


@dataclass(kw_only=True)
class Bundle(BundleFiles):
    """A bundle: its folder, its validated manifest and its files (`BundleFiles`)."""

    root: Path
    manifest: BundleManifest

    @property
    def window(self) -> TimeRange:
        return self.manifest.window

    def reference(self, source: str) -> str:
        """The citation link for evidence from this bundle's `source`."""
        return bundle_reference(self.root, source)


def load_manifest(root: Path) -> BundleManifest:
    manifest_path, text, data = read_manifest(root)
    try:
        return BundleManifest.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        lines = [_manifest_line(text, err["loc"]) for err in errors]
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}"
            + (f" (line {line})" if line else "")
            + f": {err['msg'].removeprefix('Value error, ')}"
            for err, line in zip(errors, lines, strict=True)
        )
        first_line = next((line for line in lines if line), None)
        raise BundleError(f"{manifest_path}: {problems}", line=first_line) from exc


def _manifest_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the manifest value at `loc` (a pydantic error location), found in
    PyYAML's node tree; the nearest enclosing key's line when the value itself is missing."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            # PyYAML keeps the last of duplicated keys, so the last one is the value in force.
            values = [v for k, v in node.value if k.value == str(part)]
            match = values[-1] if values else None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            match = node.value[part] if part < len(node.value) else None
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def load_bundle(path: str | Path) -> Bundle:
    """Read the manifest and list the files of each source (sorted, so loading is deterministic)."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise BundleError(f"{path}: not a folder")
    manifest = load_manifest(root)
    return Bundle(root=root, manifest=manifest, **vars(list_bundle_files(root)))
