"""`python -m infra.app` (what `make synth` and cdk.json run): synthesize the fa2 stack.

Templates go to infra/cdk.out/ (or the CDK CLI's output folder). Parameters come from
fa2.toml / FA2_* / FA2_DEPLOY_* (see infra/parameters.py); a bad one is reported as one line
naming the key, with exit status 2.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from aws_cdk import App, Environment

from agent.config import SettingsError
from infra.bundling import BundlingError
from infra.functions import EnvironmentTooLargeError
from infra.parameters import Parameters, load_parameters
from infra.stack import Fa2Stack

DEFAULT_OUTDIR = Path(__file__).resolve().parent / "cdk.out"
# CDK's own switch: bundle the assets of no stack.
SKIP_BUNDLING_CONTEXT: dict[str, list[str]] = {"aws:cdk:bundling-stacks": []}


def build_app(params: Parameters, *, outdir: str | None = None) -> tuple[App, Fa2Stack]:
    """The CDK app and its one stack. Without dependency bundling (parameter
    `bundle_dependencies = false`) CDK builds no asset; the CLI's own context (`cdk deploy`
    asks for bundling) still takes precedence over ours."""
    context = {} if params.deploy.bundle_dependencies else dict(SKIP_BUNDLING_CONTEXT)
    app = App(outdir=outdir or os.environ.get("CDK_OUTDIR") or str(DEFAULT_OUTDIR), context=context)
    env = Environment(account=params.account, region=params.settings.aws.region)
    stack = Fa2Stack(
        app,
        params.deploy.stack_name,
        params=params,
        env=env,
        description="fa2: failure-analysis assistant for AWS workloads (Slack + Bedrock)",
    )
    return app, stack


def remove_stale_assets(outdir: Path) -> list[str]:
    """Delete bundles from earlier synths (each ~200 MB) that no stack references now."""
    referenced: set[str] = set()
    for manifest in outdir.glob("*.assets.json"):
        files = json.loads(manifest.read_text()).get("files", {})
        referenced |= {entry["source"]["path"] for entry in files.values()}
    stale = [p for p in outdir.glob("asset.*") if p.is_dir() and p.name not in referenced]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [path.name for path in stale]


def main() -> int:
    try:
        params = load_parameters()
        app, stack = build_app(params)
        assembly = app.synth()
    except SettingsError as exc:
        print(f"fa2 infra: {exc}", file=sys.stderr)
        return 2
    except (BundlingError, EnvironmentTooLargeError) as exc:
        print(f"fa2 infra: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # jsii wraps errors raised inside the local bundler
        print(f"fa2 infra: synthesis failed: {exc}", file=sys.stderr)
        return 1
    print(f"fa2 infra: synthesized stack {stack.stack_name} into {assembly.directory}")
    if params.deploy.bundle_dependencies:
        removed = remove_stale_assets(Path(assembly.directory))
        if removed:
            print(f"fa2 infra: removed {len(removed)} stale bundle(s) from {assembly.directory}")
    if not params.deploy.bundle_dependencies:
        print("fa2 infra: dependency bundling skipped (bundle_dependencies = false)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
