"""The committed scenario bundles are exactly what the seeded generators write, and each
one is a usable eval case: valid manifest, ground truth whose evidence exists, a README."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from agent.telemetry.bundle import CATEGORIES, load_bundle
from evals.generators import SCENARIOS_DIR, generate, registry
from evals.generators.common import utc

NAMES = list(registry())


def _content(path: Path) -> bytes:
    """File bytes; gzip files compare by their decompressed bytes, since the compressed
    stream depends on the zlib build while the records do not."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", NAMES)
def test_generator_reproduces_committed_bundle_byte_for_byte(name: str, tmp_path: Path) -> None:
    fresh = _files(generate(name, tmp_path))
    committed = _files(SCENARIOS_DIR / name)

    assert sorted(fresh) == sorted(committed)
    for relative, path in fresh.items():
        assert _content(path) == _content(committed[relative]), f"{name}/{relative} differs"


@pytest.mark.parametrize("name", NAMES)
def test_committed_bundle_has_ground_truth_whose_key_evidence_sources_exist(name: str) -> None:
    bundle = load_bundle(SCENARIOS_DIR / name)
    truth = bundle.manifest.ground_truth

    assert truth is not None
    assert bundle.unknown_files == []
    assert truth.must_mention and truth.key_evidence and truth.red_herrings
    for evidence in truth.key_evidence:
        assert bundle.source_files(evidence.source), f"no {evidence.source} files for {evidence}"


@pytest.mark.parametrize("name", NAMES)
def test_alarm_fires_inside_the_analysis_window(name: str) -> None:
    manifest = load_bundle(SCENARIOS_DIR / name).manifest
    fired = utc(manifest.alarm["StateChangeTime"].replace(".000+0000", "Z"))

    assert manifest.window.start < fired < manifest.window.end


@pytest.mark.parametrize("name", NAMES)
def test_scenario_documents_what_a_good_investigation_finds(name: str) -> None:
    readme = (SCENARIOS_DIR / name / "README.md").read_text(encoding="utf-8")

    assert readme.startswith(f"# {name}")
    assert "Red herring" in readme


def test_suite_covers_every_category_and_some_insufficient_evidence_cases() -> None:
    truths = [load_bundle(SCENARIOS_DIR / n).manifest.ground_truth for n in NAMES]
    categories = [truth.category for truth in truths if truth is not None]

    assert set(CATEGORIES) <= set(categories)
    assert 2 <= categories.count("insufficient-evidence") <= 3
    assert len(NAMES) >= 14


def test_suite_stays_small_enough_to_commit() -> None:
    size = sum(p.stat().st_size for p in SCENARIOS_DIR.rglob("*") if p.is_file())

    assert size < 25 * 1024 * 1024


def test_generator_cli_lists_scenarios_and_refuses_unknown_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from evals.generators.__main__ import main

    assert main(["--list"]) == 0
    assert capsys.readouterr().out.split() == NAMES
    assert main(["--only", "no-such-scenario"]) == 2
    assert "unknown scenario(s): no-such-scenario" in capsys.readouterr().err


def test_generator_cli_writes_only_the_named_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evals.generators.__main__ import main

    assert main(["--only", "leaked-access-key", "--out", str(tmp_path)]) == 0

    assert [p.name for p in tmp_path.iterdir()] == ["leaked-access-key"]
    assert "leaked-access-key" in capsys.readouterr().out
