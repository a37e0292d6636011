"""Local bundling (no Docker): the locked wheels for arm64 plus fa2's packages, pruned and
checked against Lambda's size limit. A stand-in `uv` records what it was asked to do."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from infra import bundling
from infra.bundling import BundleSpec, BundlingError, build_bundle, install_command

FAKE_UV = """#!{python}
import json, sys
from pathlib import Path
args = sys.argv[1:]
Path({log!r}).open("a").write(json.dumps(args) + "\\n")
if args[0] == "export":
    out = Path(args[args.index("--output-file") + 1])
    out.write_text("duckdb==2.0.1\\nnumpy==2.5.5 ; python_full_version >= '3.12'\\n"
                   "colorama==0.4.6 ; sys_platform == 'win32'\\n")
elif args[:2] == ["pip", "install"]:
    target = Path(args[args.index("--target") + 1])
    requirements = Path(args[args.index("--requirements") + 1]).read_text()
    (target / "numpy" / "tests").mkdir(parents=True)
    (target / "numpy" / "__init__.py").write_text("")
    (target / "numpy" / "tests" / "test_core.py").write_text("")
    (target / "numpy" / "__pycache__").mkdir()
    (target / "numpy" / "__init__.pyi").write_text("")
    for path in ("fontTools/agl.py", "fontTools/cu2qu/cu2qu.py", "fontTools/cu2qu/cu2qu.c",
                 "fontTools/cu2qu/cu2qu.cpython-312-aarch64-linux-gnu.so",
                 "zstandard/__init__.py", "zstandard/backend_c.cpython-312-aarch64-linux-gnu.so",
                 "zstandard/_cffi.cpython-312-aarch64-linux-gnu.so", "zstandard/backend_cffi.py",
                 "matplotlib/mpl-data/sample_data/goog.npz", "matplotlib/mpl-data/fonts/afm/pagd8a.afm",
                 "matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf",
                 "matplotlib/mpl-data/fonts/ttf/DejaVuSans-Bold.ttf",
                 "matplotlib/mpl-data/fonts/ttf/LastResortHE-Regular.ttf",
                 "matplotlib/mpl-data/fonts/ttf/LICENSE_STIX",
                 "matplotlib/mpl-data/fonts/ttf/STIXGeneral.ttf",
                 "matplotlib/mpl-data/fonts/ttf/DejaVuSerif.ttf",
                 "matplotlib/mpl-data/fonts/ttf/cmr10.ttf"):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text("")
    (target / "installed.txt").write_text(requirements)
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    for package in ("agent", "slack_app", "evals"):
        (root / package / "__pycache__").mkdir(parents=True)
        (root / package / "__init__.py").write_text(f"# {package}\n")
        (root / package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "uv.lock").write_text("version = 1\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    uv = bin_dir / "uv"
    uv.write_text(FAKE_UV.format(python=sys.executable, log=str(tmp_path / "uv-calls.jsonl")))
    uv.chmod(uv.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return root


def _calls(repo: Path) -> list[list[str]]:
    lines = (repo.parent / "uv-calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_install_asks_for_arm64_wheels_only() -> None:
    command = install_command("uv", Path("req.txt"), Path("out"), BundleSpec(python_version="3.12"))
    assert command[command.index("--python-platform") + 1] == "aarch64-manylinux_2_34"
    assert command[command.index("--python-version") + 1] == "3.12"
    assert command[command.index("--only-binary") + 1] == ":all:"
    assert "--no-deps" in command  # the exported lock is already the full closure
    # the one sdist allowed is a pure-Python project
    assert command[command.index("--no-binary") + 1] == "drain3"


def test_python_311_targets_amazon_linux_2s_glibc() -> None:
    assert BundleSpec(python_version="3.11").platform == "aarch64-manylinux_2_26"


def test_bundle_holds_locked_wheels_and_fa2_sources_without_offline_only_packages(
    repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    build_bundle(BundleSpec(python_version="3.12", repo_root=repo), out)
    export, install = _calls(repo)
    assert export[0] == "export" and "--frozen" in export
    assert install[:2] == ["pip", "install"]
    assert export[export.index("slack") - 1 : export.index("slack") + 1] == ["--extra", "slack"]
    installed = (out / "installed.txt").read_text()
    assert "duckdb" not in installed
    assert "numpy==2.5.5" in installed
    assert (out / "agent" / "__init__.py").is_file()
    assert (out / "slack_app" / "__init__.py").is_file()
    assert not (out / "evals").exists()


def test_bundle_drops_caches_and_third_party_test_suites(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    build_bundle(BundleSpec(python_version="3.12", repo_root=repo), out)
    assert not list(out.rglob("__pycache__"))
    assert not (out / "numpy" / "tests").exists()
    assert (out / "numpy" / "__init__.py").is_file()


def test_bundle_drops_stubs_c_sources_and_data_that_agg_never_reads(
    repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    build_bundle(BundleSpec(python_version="3.12", repo_root=repo), out)
    kept = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert not [p for p in kept if p.endswith((".pyi", ".c"))]
    assert "fontTools/agl.py" in kept and "fontTools/cu2qu/cu2qu.py" in kept
    assert not [p for p in kept if p.startswith("fontTools") and p.endswith(".so")]
    assert [p for p in kept if p.startswith("zstandard/")] == [
        "zstandard/__init__.py",
        "zstandard/backend_c.cpython-312-aarch64-linux-gnu.so",
    ]
    assert [p for p in kept if p.startswith("matplotlib/")] == [
        f"matplotlib/mpl-data/fonts/ttf/{name}"
        for name in (
            "DejaVuSans-Bold.ttf",
            "DejaVuSans.ttf",
            "LICENSE_STIX",
            "LastResortHE-Regular.ttf",
        )
    ]


def test_bundle_over_lambdas_limit_is_refused(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundling, "LAMBDA_UNZIPPED_LIMIT_BYTES", 10)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BundlingError, match="over Lambda's 0 MB limit; largest: ") as error:
        build_bundle(BundleSpec(python_version="3.12", repo_root=repo), out)
    assert "numpy" in str(error.value) and "\n" not in str(error.value)


def test_failed_install_explains_how_to_synthesize_offline(repo: Path, tmp_path: Path) -> None:
    uv = tmp_path / "bin" / "uv"
    uv.write_text(
        "#!/bin/sh\necho 'error: Failed to fetch: https://pypi.org/simple/numpy/' >&2\nexit 2\n"
    )
    with pytest.raises(BundlingError, match="FA2_DEPLOY_BUNDLE_DEPENDENCIES=false") as error:
        build_bundle(BundleSpec(python_version="3.12", repo_root=repo), tmp_path)
    assert "Failed to fetch" in str(error.value)


def test_missing_uv_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BundlingError, match="make synth"):
        bundling.find_uv(tmp_path)


def test_fingerprint_follows_the_sources_and_the_lock(repo: Path) -> None:
    spec = BundleSpec(python_version="3.12", repo_root=repo)
    before = bundling.source_fingerprint(spec)
    (repo / "agent" / "__pycache__" / "y.pyc").write_bytes(b"1")
    assert bundling.source_fingerprint(spec) == before  # caches do not count
    (repo / "slack_app" / "handler.py").write_text("x = 1\n")
    changed = bundling.source_fingerprint(spec)
    assert changed != before
    (repo / "uv.lock").write_text("version = 2\n")
    assert bundling.source_fingerprint(spec) != changed
    assert bundling.source_fingerprint(BundleSpec("3.11", repo)) != bundling.source_fingerprint(
        spec
    )


def test_bundle_ships_unchecked_hash_bytecode_for_the_runtimes_python(
    repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    build_bundle(BundleSpec(python_version=version, repo_root=repo), out)
    tag = sys.implementation.cache_tag  # e.g. cpython-311
    compiled = out / "slack_app" / "__pycache__" / f"__init__.{tag}.pyc"
    assert compiled.is_file() and (out / "numpy" / "__pycache__" / f"__init__.{tag}.pyc").is_file()
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == 0b01, "hash-based, not checked against the source at import"


def test_without_the_runtimes_python_the_bundle_ships_without_bytecode_and_says_so(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    build_bundle(BundleSpec(python_version="3.13", repo_root=repo), out)
    assert not list(out.rglob("*.pyc"))
    assert "no python3.13 here to compile" in capsys.readouterr().out
