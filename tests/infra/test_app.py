"""`python -m infra.app` (make synth): templates into the output folder, or one readable
line per bad parameter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.app import main


def test_bad_parameter_is_one_line_naming_the_key_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FA2_DEPLOY_LOG_RETENTION_DAYS", "10")
    assert main() == 2
    err = capsys.readouterr().err
    assert "deploy.log_retention_days [FA2_DEPLOY_LOG_RETENTION_DAYS]" in err
    assert "Traceback" not in err


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
