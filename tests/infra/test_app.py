"""`python -m infra.app` (make synth): templates into the output folder, or one readable
line per bad parameter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.app import main, remove_stale_assets


def test_bad_parameter_is_one_line_naming_the_key_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FA2_DEPLOY_LOG_RETENTION_DAYS", "10")
    assert main() == 2
    err = capsys.readouterr().err
    assert "deploy.log_retention_days [FA2_DEPLOY_LOG_RETENTION_DAYS]" in err
    assert "Traceback" not in err


def test_synth_without_log_groups_stops_with_one_line_naming_the_parameter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main() == 2  # conftest gives an empty configuration: no log groups
    err = capsys.readouterr().err
    [line] = [line.strip() for line in err.splitlines() if "log_groups" in line]
    assert line.startswith("log_groups [FA2_LOG_GROUPS] is empty")
    assert "deploy.query_logs [FA2_DEPLOY_QUERY_LOGS] = false" in line and "Traceback" not in err


@pytest.mark.slow
def test_offline_synth_writes_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    monkeypatch.setenv("FA2_DEPLOY_BUNDLE_DEPENDENCIES", "false")
    monkeypatch.setenv("FA2_DEPLOY_STACK_NAME", "Fa2Offline")
    monkeypatch.setenv("FA2_LOG_GROUPS", "/aws/lambda/orders-put")
    assert main() == 0
    template = json.loads((tmp_path / "Fa2Offline.template.json").read_text())
    assert any(r["Type"] == "AWS::Lambda::Function" for r in template["Resources"].values())
    out = capsys.readouterr().out
    assert "dependency bundling skipped" in out
    assert not list(tmp_path.glob("asset.*"))  # nothing bundled, nothing downloaded


@pytest.mark.slow
def test_the_cli_asking_for_bundling_wins_over_bundle_dependencies_false(tmp_path: Path) -> None:
    """`cdk deploy` passes `aws:cdk:bundling-stacks` in CDK_CONTEXT_JSON; a skipped bundle is
    never deployed. A fresh process, as under the CLI (node reads its environment at start)."""
    calls = tmp_path / "uv-calls"
    uv = tmp_path / "bin" / "uv"
    uv.parent.mkdir()
    uv.write_text(
        f'#!/bin/sh\necho "$1" >> {calls}\n'
        '[ "$1" = export ] && : > "$(echo "$@" | sed "s/.*--output-file //")"\nexit 0\n'
    )
    uv.chmod(0o755)
    env = {
        "PATH": f"{uv.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "CDK_OUTDIR": str(tmp_path / "out"),
        "CDK_CONTEXT_JSON": json.dumps({"aws:cdk:bundling-stacks": ["**"]}),
        "FA2_DEPLOY_BUNDLE_DEPENDENCIES": "false",
        "FA2_CONFIG": str(tmp_path / "fa2.toml"),
        "FA2_LOG_GROUPS": "/aws/lambda/orders-put",
    }
    (tmp_path / "fa2.toml").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "infra.app"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert calls.read_text().split() == ["export", "pip"]
    (asset,) = (tmp_path / "out").glob("asset.*")
    assert (asset / "slack_app" / "lambda_handler.py").is_file()


def test_stale_bundles_are_removed_and_referenced_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "asset.current").mkdir()
    (tmp_path / "asset.old").mkdir()
    (tmp_path / "Fa2.assets.json").write_text(
        json.dumps(
            {"files": {"current": {"source": {"path": "asset.current", "packaging": "zip"}}}}
        )
    )
    assert remove_stale_assets(tmp_path) == ["asset.old"]
    assert (tmp_path / "asset.current").is_dir()
    assert not (tmp_path / "asset.old").exists()
