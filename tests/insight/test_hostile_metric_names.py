"""A metric's dimension values are the workload's (a custom metric keyed by a request path or
a user-supplied name): the answer quotes them, and `answer.md` (the CLI's output, the file
uploaded to Slack) shows them as text, as an investigation report does."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

from agent.config import Settings
from agent.insight import answer_metrics_question
from agent.insight.render import insight_to_markdown
from agent.telemetry.bundle import load_manifest
from agent.telemetry.local import LocalBackend
from tests.conftest import DEMO_BUNDLE

HOSTILE_NAME = "<!channel> <img src=x onerror=alert(1)> orders-put-canary"


def test_a_hostile_dimension_value_is_text_in_the_answer_markdown(tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))
    path = bundle / "metrics" / "lambda.json"
    series = json.loads(path.read_text())
    errors = next(s for s in series if s["MetricName"] == "Errors")
    canary = copy.deepcopy(errors)
    canary["Dimensions"] = [{"Name": "FunctionName", "Value": HOSTILE_NAME}]
    canary["Values"] = [v * 10 for v in errors["Values"]]  # the function with the most errors
    path.write_text(json.dumps([*series, canary]))
    settings = Settings(bundle=bundle)

    answer = answer_metrics_question(
        "Which Lambda function had the most errors?",
        time_range=load_manifest(bundle).window,
        backend=LocalBackend(bundle, settings),
        settings=settings,
    )
    text = insight_to_markdown(answer)

    assert "onerror" in answer.answer_markdown  # the answer names it ...
    assert "<img" not in text and "<!channel>" not in text  # ... and the file shows it as text
    assert "‹!channel› &lt;img src=x onerror=alert(1)&gt; orders-put-canary" in text
