"""Lambda code without Docker: CDK local bundling that installs the locked dependencies as
manylinux wheels for arm64 and copies fa2's own packages next to them.

The dependency set is exactly `uv.lock` (exported with the `slack` and `aws` extras), so the
function runs the versions the tests ran. `--only-binary :all:` keeps anything from being
compiled for the wrong machine; the one exception is a pure-Python project that publishes
only an sdist (building it makes no platform-specific code).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
# fa2's own packages the functions import (the CLI's evals/ and infra/ stay out).
SOURCE_PACKAGES = ("agent", "slack_app")
LOCK_EXTRAS = ("slack", "aws")
# Offline-only: DuckDB runs the local bundle backend; on Lambda the AWS backend answers.
# Leaving it out keeps the function under Lambda's 250 MB unzipped limit.
EXCLUDED_PACKAGES = frozenset({"duckdb"})
# Files no code on Lambda reads (outside fa2's own packages): type stubs, Cython / C sources.
PRUNED_SUFFIXES = (".pyi", ".pyx", ".pxd", ".c")
# Data nothing on Lambda reads: matplotlib's sample data and the AFM / PDF core fonts (used
# only by its PDF / PS backends); zstandard's CFFI backend (the C extension next to it is
# the one imported); fontTools' Cython-compiled speed-ups, each shipped next to the
# pure-Python module it accelerates (Agg imports only fontTools.agl, a glyph-name table).
# `python -m infra.check_bundle` draws a chart from a bundle built this way to prove it.
PRUNED_PATHS = (
    "fontTools/**/*.so",
    "matplotlib/mpl-data/sample_data",
    "matplotlib/mpl-data/fonts/afm",
    "matplotlib/mpl-data/fonts/pdfcorefonts",
    "zstandard/_cffi.*",
    "zstandard/backend_cffi.py",
)
# Of matplotlib's TrueType fonts, Agg needs only its default (DejaVu Sans) and the glyph of
# last resort; STIX, Computer Modern, DejaVu Serif / Mono serve mathtext and other families,
# which fa2's charts never use (their labels are drawn literally; see slack_app.chart).
MATPLOTLIB_TTF = "matplotlib/mpl-data/fonts/ttf"
KEPT_MATPLOTLIB_FONTS = ("DejaVuSans.ttf", "DejaVuSans-*.ttf", "DejaVuSansDisplay.ttf",
                         "LastResortHE-Regular.ttf", "LICENSE_*")  # fmt: skip
# Pure-Python projects published only as an sdist.
SDIST_ONLY_PURE_PYTHON = ("drain3",)
# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), 3.11 on Amazon
# Linux 2 (glibc 2.26). Each target accepts manylinux2014 (glibc 2.17) wheels and newer
# ones up to the runtime's glibc.
PLATFORM_BY_PYTHON = {
    "3.11": "aarch64-manylinux_2_26",
    "3.12": "aarch64-manylinux_2_34",
    "3.13": "aarch64-manylinux_2_34",
}
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# Bump when the recipe changes, so cached assets are rebuilt.
RECIPE_VERSION = "3"


class BundlingError(RuntimeError):
    """The Lambda code could not be built; the message says why and what to do."""


@dataclass(frozen=True)
class BundleSpec:
    python_version: str
    repo_root: Path = REPO_ROOT
    # Only for `python -m infra.check_bundle`, which builds a twin for this machine.
    platform_override: str | None = None

    @property
    def platform(self) -> str:
        return self.platform_override or PLATFORM_BY_PYTHON[self.python_version]


def find_uv(repo_root: Path = REPO_ROOT) -> str:
    """uv from PATH, else the copy `make` installs under .tools/."""
    found = shutil.which("uv")
    if found:
        return found
    local = repo_root / ".tools" / "bin" / "uv"
    if local.is_file():
        return str(local)
    raise BundlingError(
        "uv is needed to export uv.lock for the Lambda bundle: run `make synth` once "
        "(it installs uv under .tools/) or install uv"
    )


def export_command(uv: str, output: Path) -> list[str]:
    extras = [arg for extra in LOCK_EXTRAS for arg in ("--extra", extra)]
    return [uv, "export", "--frozen", "--no-hashes", "--no-dev", "--no-emit-project",
            *extras, "--format", "requirements.txt", "--quiet", "--output-file", str(output)]  # fmt: skip


def install_command(uv: str, requirements: Path, target: Path, spec: BundleSpec) -> list[str]:
    no_binary = [arg for name in SDIST_ONLY_PURE_PYTHON for arg in ("--no-binary", name)]
    return [uv, "pip", "install", "--quiet", "--no-deps", "--link-mode", "copy",
            "--target", str(target), "--python-platform", spec.platform,
            "--python-version", spec.python_version, "--only-binary", ":all:", *no_binary,
            "--requirements", str(requirements)]  # fmt: skip


def without_excluded(requirements: str) -> str:
    """The exported requirements minus the offline-only packages."""
    kept = []
    for line in requirements.splitlines():
        name = line.split("==", 1)[0].split(";", 1)[0].strip().lower()
        if name in EXCLUDED_PACKAGES:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def copy_sources(repo_root: Path, target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")
    for package in SOURCE_PACKAGES:
        shutil.copytree(repo_root / package, target / package, ignore=ignore, dirs_exist_ok=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def prune(target: Path) -> None:
    """Drop what never runs on Lambda: bytecode caches of this machine (the runtime's are
    compiled afterwards), the packages' own test suites, type stubs and C sources, and the
    data files listed above."""
    for path in sorted(target.rglob("__pycache__"), reverse=True):
        shutil.rmtree(path, ignore_errors=True)
    for top in target.iterdir():
        if top.is_dir() and top.name not in SOURCE_PACKAGES:
            for tests in sorted(top.rglob("tests"), reverse=True):
                if tests.is_dir():
                    shutil.rmtree(tests, ignore_errors=True)
            for path in top.rglob("*"):
                if path.suffix in PRUNED_SUFFIXES and path.is_file():
                    path.unlink()
    for pattern in PRUNED_PATHS:
        for path in target.glob(pattern):
            _remove(path)
    fonts = target / MATPLOTLIB_TTF
    if fonts.is_dir():
        kept = {p for pattern in KEPT_MATPLOTLIB_FONTS for p in fonts.glob(pattern)}
        for path in fonts.iterdir():
            if path not in kept:
                _remove(path)


def target_python(version: str) -> str | None:
    """An interpreter of the Lambda runtime's Python version on this machine, if any."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    return shutil.which(f"python{version}")


def compile_bytecode(target: Path, spec: BundleSpec) -> bool:
    """Compile every module in the bundle for the runtime's Python, so a cold start loads
    bytecode instead of compiling ~1,900 modules (measured in bench/bench_slack.py).

    Hash-based and unchecked: Lambda's read-only file system keeps the sources as deployed,
    and the zip's timestamps could otherwise make a timestamp-checked .pyc look stale. The
    bytecode format differs between Python versions, so only an interpreter of the target
    version can write it; without one the bundle ships without bytecode, and says so.
    """
    python = target_python(spec.python_version)
    if python is None:
        print(
            f"fa2: no python{spec.python_version} here to compile the Lambda bundle's bytecode; "
            "it ships without it (slower cold starts: install that Python, or set "
            "python_version to this machine's)"
        )
        return False
    _run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
         str(target)],
        target, "compiling bytecode",
    )  # fmt: skip
    return True


def largest_entries(target: Path, count: int = 5) -> list[tuple[str, int]]:
    """The biggest top-level packages in the bundle: what to look at when it is too large."""
    sizes = [
        (entry.name, tree_size(entry) if entry.is_dir() else entry.stat().st_size)
        for entry in target.iterdir()
    ]
    return sorted(sizes, key=lambda item: item[1], reverse=True)[:count]


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _run(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BundlingError(
            f"{what} failed (exit {result.returncode}): {detail}\n"
            "Bundling needs PyPI. To synthesize offline, set FA2_DEPLOY_BUNDLE_DEPENDENCIES=false "
            "(templates only; `cdk deploy` bundles regardless)."
        )


def build_bundle(spec: BundleSpec, target: Path) -> int:
    """Install the locked dependencies and fa2's packages into `target`; returns its size."""
    uv = find_uv(spec.repo_root)
    with tempfile.TemporaryDirectory(prefix="fa2-bundle-") as scratch:
        exported = Path(scratch) / "exported.txt"
        _run(export_command(uv, exported), spec.repo_root, "exporting uv.lock")
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(without_excluded(exported.read_text()))
        _run(install_command(uv, requirements, target, spec), spec.repo_root, "installing wheels")
    copy_sources(spec.repo_root, target)
    prune(target)
    compile_bytecode(target, spec)
    size = tree_size(target)
    if size > LAMBDA_UNZIPPED_LIMIT_BYTES:
        biggest = ", ".join(f"{name} {n / 2**20:.0f} MB" for name, n in largest_entries(target))
        raise BundlingError(
            f"the Lambda bundle is {size / 2**20:.0f} MB unzipped, over Lambda's "
            f"{LAMBDA_UNZIPPED_LIMIT_BYTES / 2**20:.0f} MB limit; largest: {biggest} "
            "(exclude or prune in infra/bundling.py)"
        )
    return size


@jsii.implements(ILocalBundling)
class LocalPythonBundler:
    """`ILocalBundling`: CDK calls `try_bundle` with the asset's output folder."""

    def __init__(self, spec: BundleSpec) -> None:
        self.spec = spec

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        size = build_bundle(self.spec, Path(output_dir))
        print(f"fa2: Lambda bundle built in {output_dir} ({size / 2**20:.0f} MB unzipped)")
        return True


def source_fingerprint(spec: BundleSpec) -> str:
    """Hash of everything that goes into the bundle: fa2's sources, the lock, the recipe.

    Used as the asset hash, so an unchanged bundle is reused from cdk.out and CDK never
    fingerprints the whole repository (.venv included).
    """
    digest = hashlib.sha256()
    recipe = (RECIPE_VERSION, spec.python_version, spec.platform, sorted(EXCLUDED_PACKAGES))
    digest.update(repr(recipe).encode())
    files = [spec.repo_root / "uv.lock"]
    for package in SOURCE_PACKAGES:
        files += sorted(
            p for p in (spec.repo_root / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )  # fmt: skip
    for path in files:
        digest.update(str(path.relative_to(spec.repo_root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def lambda_code(spec: BundleSpec) -> lambda_.Code:
    """The functions' code asset. With bundling skipped (context `aws:cdk:bundling-stacks`
    = []) CDK keeps the fingerprint and does not build or copy anything."""
    return lambda_.Code.from_asset(
        str(spec.repo_root),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=source_fingerprint(spec),
        bundling=BundlingOptions(
            # Never pulled: local bundling either succeeds or raises with the reason.
            image=DockerImage.from_registry(
                f"public.ecr.aws/sam/build-python{spec.python_version}"
            ),
            local=LocalPythonBundler(spec),
        ),
    )
