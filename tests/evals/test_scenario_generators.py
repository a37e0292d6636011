"""The committed scenario bundles are exactly what the seeded generators write."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from agent.telemetry.bundle import load_bundle
from evals.generators import SCENARIOS_DIR, generate, registry


def _content(path: Path) -> bytes:
    """File bytes; gzip files compare by their decompressed bytes, since the compressed
    stream depends on the zlib build while the records do not."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(registry()))
def test_generator_reproduces_committed_bundle_byte_for_byte(name: str, tmp_path: Path) -> None:
    fresh = _files(generate(name, tmp_path))
    committed = _files(SCENARIOS_DIR / name)

    assert sorted(fresh) == sorted(committed)
    for relative, path in fresh.items():
        assert _content(path) == _content(committed[relative]), f"{name}/{relative} differs"


@pytest.mark.parametrize("name", list(registry()))
def test_committed_bundle_loads_with_ground_truth_and_known_files_only(name: str) -> None:
    bundle = load_bundle(SCENARIOS_DIR / name)

    assert bundle.manifest.ground_truth is not None
    assert bundle.unknown_files == []
    assert bundle.source_files("logs") or bundle.source_files("alb")
