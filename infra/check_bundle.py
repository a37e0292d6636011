"""`python -m infra.check_bundle`: does the Lambda bundle hold everything the handlers import?

The arm64 bundle cannot be imported on a build machine, so this builds its twin with the
same recipe (same lock, same exclusions, same pruning) for this machine's platform and
Python, then imports both handlers and the investigation service in an isolated
interpreter that sees only the bundle and the standard library, and draws a chart there
(matplotlib as pruned: Agg, DejaVu Sans, no fontTools). Needs PyPI.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from infra.bundling import BundleSpec, BundlingError, build_bundle

IMPORTS = ("slack_app.lambda_handler", "slack_app.alarm_handler", "agent.service")
# The thread's chart, drawn the way the functions draw it: proves the pruned matplotlib works.
DRAW_CHART = """
from datetime import datetime, timedelta, timezone
from slack_app.chart import ChartData, render_png
t0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
data = ChartData(
    title="orders-api-5xx $LATEST", label="5XXError (Sum)",
    points=[(t0 + timedelta(minutes=i), float(i * i % 7)) for i in range(30)],
    alarm_time=t0 + timedelta(minutes=17), threshold=5.0,
    changes=[(t0 + timedelta(minutes=2), "UpdateTable orders: 100 → 5 WCU")],
)
assert render_png(data).startswith(b"\\x89PNG")
"""
# Enough configuration for the handlers' module-level set-up; nothing is called.
HANDLER_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-check",
    "SLACK_SIGNING_SECRET": "check",
    "FA2_MODEL": "bedrock",
}


def main() -> int:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    machine = platform.machine()
    spec = BundleSpec(python_version=version, platform_override=f"{machine}-manylinux_2_28")
    base_python = Path(sysconfig.get_paths()["stdlib"]).parent.parent / "bin" / f"python{version}"
    with tempfile.TemporaryDirectory(prefix="fa2-check-bundle-") as scratch:
        target = Path(scratch)
        try:
            size = build_bundle(spec, target)
        except BundlingError as exc:
            print(f"fa2 check-bundle: {exc}", file=sys.stderr)
            return 1
        code = (
            f"import sys; sys.path.insert(0, {str(target)!r}); "
            + "; ".join(f"import {module}" for module in IMPORTS)
            + "\n"
            + DRAW_CHART
        )
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "MPLCONFIGDIR": scratch, **HANDLER_ENV}
        python = str(base_python if base_python.is_file() else sys.executable)
        result = subprocess.run(
            [python, "-I", "-S", "-c", code], env=env, capture_output=True, text=True, check=False
        )
    if result.returncode != 0:
        print(f"fa2 check-bundle: import failed:\n{result.stderr[-3000:]}", file=sys.stderr)
        return 1
    print(
        f"fa2 check-bundle: {', '.join(IMPORTS)} import and a chart renders from a "
        f"{size / 2**20:.0f} MB bundle"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
