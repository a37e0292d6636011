"""The house's arrows point inward: doors (cli/, slack_app/, mcp_server/, evals/, infra/) import the core
`agent/`; the core imports no door; telemetry imports nothing above it in `agent/`.

Read from the source with `ast` (every import, including those inside function bodies), so
a forbidden arrow fails here whether or not the module is ever imported by a test.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOORS = ("cli", "slack_app", "mcp_server", "evals", "infra", "tests", "bench")
# What telemetry may lean on inside agent/: itself, the settings, and the secret patterns
# (a leaf: resource responses are redacted where they are read, so no caller ever holds a
# secret value, see agent/telemetry/shapes/resources.py).
BELOW_TELEMETRY = ("agent.telemetry", "agent.config", "agent.redact")


def _imports(root: Path, path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in `path`, relative ones resolved."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.append((node.lineno, module))
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _arrows(folder: str, forbidden: Callable[[str], bool], root: Path = ROOT) -> list[str]:
    """`file:line imports module` for every import under `folder` that `forbidden` refuses."""
    return [
        f"{path.relative_to(root).as_posix()}:{line} imports {module}"
        for path in sorted((root / folder).rglob("*.py"))
        for line, module in _imports(root, path)
        if forbidden(module)
    ]


def _door(module: str) -> bool:
    return _within(module, DOORS)


def _above_telemetry(module: str) -> bool:
    return _within(module, ("agent",)) and not _within(module, BELOW_TELEMETRY)


def test_the_core_imports_no_door() -> None:
    assert _arrows("agent", _door) == []


def test_telemetry_imports_nothing_above_it() -> None:
    assert _arrows("agent/telemetry", _above_telemetry) == []


@pytest.mark.parametrize("folder", ["agent/tools", "agent/baseline"])
def test_tools_and_the_baseline_never_touch_aws_or_duckdb_directly(folder: str) -> None:
    clients = ("boto3", "botocore", "duckdb")
    assert _arrows(folder, lambda module: _within(module, clients)) == []


@pytest.mark.parametrize("folder", ["agent", "slack_app", "evals"])
def test_nothing_above_telemetry_reads_a_raw_aws_response(folder: str) -> None:
    """`QueryResult.raw` is the API shape for a door that prints it (`fa2 query --format
    json`); everything else reads the typed fields (`series`, `alarms`, `alarm_history`)."""
    readers = [
        f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not path.is_relative_to(ROOT / "agent" / "telemetry")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "raw"
    ]
    assert readers == []


def test_an_arrow_inside_a_function_or_relative_is_still_seen(tmp_path: Path) -> None:
    telemetry = tmp_path / "agent" / "telemetry"
    telemetry.mkdir(parents=True)
    (tmp_path / "agent" / "late.py").write_text(
        "def run():\n    from slack_app.jobs import Jobs\n", encoding="utf-8"
    )
    (telemetry / "up.py").write_text("from ..nodes import report\n", encoding="utf-8")

    assert _arrows("agent", _door, root=tmp_path) == ["agent/late.py:2 imports slack_app.jobs"]
    assert _arrows("agent/telemetry", _above_telemetry, root=tmp_path) == [
        "agent/telemetry/up.py:1 imports agent.nodes"
    ]
