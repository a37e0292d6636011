"""Deterministic, seeded generators for the eval scenarios (incident bundles).

`python -m evals.generators [--only NAME] [--out DIR]` rewrites the bundles under
`evals/scenarios/`. Each scenario module in `evals.generators.scenarios` exposes `NAME`
and `generate(writer)`; the shared building blocks (Lambda logs, API Gateway access logs,
ALB lines, CloudTrail records, X-Ray segments, metrics) live next to this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from evals.generators.common import BundleWriter

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def _modules() -> list[ModuleType]:
    from evals.generators import scenarios

    found = []
    for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):  # helpers shared by a scenario's modules
            continue
        found.append(importlib.import_module(f"evals.generators.scenarios.{info.name}"))
    return found


def registry() -> dict[str, Callable[[BundleWriter], None]]:
    """Scenario name -> generator function, in name order."""
    table = {module.NAME: module.generate for module in _modules()}
    return dict(sorted(table.items()))


def generate(name: str, out_dir: Path) -> Path:
    """(Re)write one scenario under `out_dir/<name>`; returns the bundle folder."""
    generators = registry()
    if name not in generators:
        known = ", ".join(generators)
        raise KeyError(f"unknown scenario {name!r}; known scenarios: {known}")
    root = out_dir / name
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    generators[name](BundleWriter(root))
    return root
