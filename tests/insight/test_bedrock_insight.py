"""A metrics question answered by Claude through `ChatBedrockConverse`, with botocore's
Stubber answering `converse` with real Converse payloads: the model runs a Metrics Insights
query, the answer comes back as `InsightDraft` tool use, its citations are checked, and the
rule-based baseline answers when Bedrock cannot be used."""

from __future__ import annotations

import copy
from typing import Any

from botocore.stub import Stubber

from agent.baseline.insight import BaselineInsightModel
from agent.chat_model import InvestigatorModel
from agent.config import Settings
from agent.insight import InsightAnswer, answer_metrics_question
from agent.insight.model import insight_chat_model
from agent.llm import ResilientChatModel
from agent.telemetry.bundle import load_manifest
from agent.telemetry.local import LocalBackend
from tests.conftest import DEMO_BUNDLE

QUESTION = "Which Lambda function is slowest?"
TOP_N = (
    'SELECT MAX(Duration) FROM SCHEMA("AWS/Lambda", FunctionName) '
    "GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 5"
)


def _converse(content: list[dict[str, Any]], stop: str, tokens_out: int = 120) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {
            "inputTokens": 1800,
            "outputTokens": tokens_out,
            "totalTokens": 1800 + tokens_out,
        },
        "metrics": {"latencyMs": 640},
    }


QUERY_TURN = _converse(
    [
        {"text": "One Metrics Insights query ranks every function by its slowest invocation."},
        {
            "toolUse": {
                "toolUseId": "tooluse_Top01",
                "name": "run_metrics_insights_query",
                "input": {"query": TOP_N},
            }
        },
    ],
    "tool_use",
)
FINAL_TURN = _converse([{"text": "orders-put is the slowest by far."}], "end_turn")
ANSWER_TURN = _converse(
    [
        {
            "toolUse": {
                "toolUseId": "tooluse_Answer02",
                "name": "InsightDraft",
                "input": {
                    "answer": "**orders-put** is the slowest: its longest invocation took 1,211 ms, "
                    "against 16.9 ms for orders-get [E1]. It slowed after 10:02 [E4].",
                    "entities": ["orders-put", "orders-get"],
                    "chart_evidence_ids": ["E1"],
                    "chart_title": "Slowest Lambda functions (max Duration)",
                },
            }
        }
    ],
    "tool_use",
    tokens_out=260,
)


def _run(
    settings: Settings, stub_responses: list[dict[str, Any]] | None, deny: bool = False
) -> tuple[InsightAnswer, list[dict[str, Any]]]:
    period = load_manifest(DEMO_BUNDLE).window
    baseline = BaselineInsightModel(question=QUESTION, period=period)
    chat = insight_chat_model(settings, baseline)
    assert isinstance(chat, ResilientChatModel)
    primary, fallback = chat.models[0], chat.models[1]
    requests: list[dict[str, Any]] = []
    primary.client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse",
        lambda params, **_: requests.append(params),
    )
    with Stubber(primary.client) as main_stub, Stubber(fallback.client) as fallback_stub:
        if deny:
            denied = {
                "service_error_code": "AccessDeniedException",
                "service_message": "You don't have access to the model with the specified model ID.",
                "http_status_code": 403,
            }
            main_stub.add_client_error("converse", **denied)
            fallback_stub.add_client_error("converse", **denied)
        for response in stub_responses or []:
            main_stub.add_response("converse", copy.deepcopy(response))
        answer = answer_metrics_question(
            QUESTION,
            time_range=period,
            backend=LocalBackend(DEMO_BUNDLE, settings),
            model=InvestigatorModel(chat),
            user_timezone="Asia/Tokyo",
            settings=settings,
        )
        main_stub.assert_no_pending_responses()
    return answer, requests


def test_claude_runs_a_metrics_insights_query_and_answers_with_checked_citations() -> None:
    settings = Settings(model="bedrock", bundle=DEMO_BUNDLE)
    answer, requests = _run(settings, [QUERY_TURN, FINAL_TURN, ANSWER_TURN])
    [evidence] = answer.evidence
    assert (evidence.id, evidence.tool, evidence.query) == (
        "E1",
        "run_metrics_insights_query",
        TOP_N,
    )
    assert answer.answer_markdown.endswith("It slowed after 10:02.")  # E4 never existed
    assert "removed unknown citation E4" in answer.notes
    assert answer.entities[0] == "orders-put" and answer.supported
    assert answer.model == settings.investigator.model_id and not answer.rule_based
    assert answer.usage.input_tokens == 3 * 1800
    assert answer.chart_series == ["E1 orders-put", "E1 orders-get"]
    # the model was offered the metrics tools only, and got the query's rows back
    tools = {t["toolSpec"]["name"] for t in requests[0]["toolConfig"]["tools"] if "toolSpec" in t}
    assert tools == {"list_metrics", "get_metric_data", "run_metrics_insights_query"}
    results = [b for m in requests[1]["messages"] for b in m["content"] if "toolResult" in b]
    assert [r["toolResult"]["toolUseId"] for r in results] == ["tooluse_Top01"]
    assert "orders-put" in str(results[0]["toolResult"]["content"])


def test_when_bedrock_cannot_be_used_the_rule_based_baseline_answers() -> None:
    answer, _ = _run(Settings(model="bedrock", bundle=DEMO_BUNDLE), None, deny=True)
    assert answer.rule_based and answer.model == "baseline (rule-based)"
    assert answer.entities[0] == "orders-put"
    assert any("unavailable (AccessDeniedException)" in note for note in answer.notes)
