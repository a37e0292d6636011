"""The Bedrock path through `ChatBedrockConverse`, with botocore's Stubber answering
`converse` with real Converse payloads (copied per use: the parser consumes them): tool use, prompt caching, throttling with back-off,
then the fallback model, then the rule-based baseline."""

from __future__ import annotations

import copy
from typing import Any

from botocore.stub import Stubber

from agent.config import Settings
from agent.llm import ResilientChatModel, build_chat_model
from agent.service import investigate
from tests.agent.fakes import FakeBackend, incident


def _converse(
    content: list[dict[str, Any]], stop: str, tokens_in: int = 2400, tokens_out: int = 120
) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {
            "inputTokens": tokens_in,
            "outputTokens": tokens_out,
            "totalTokens": tokens_in + tokens_out,
        },
        "metrics": {"latencyMs": 812},
    }


TOOL_TURN = _converse(
    [
        {"text": "I will check the service graph and the throttling errors together."},
        {"toolUse": {"toolUseId": "tooluse_Graph01", "name": "get_service_graph", "input": {}}},
        {
            "toolUse": {
                "toolUseId": "tooluse_Logs02",
                "name": "run_logs_insights_query",
                "input": {
                    "query": "fields @timestamp, @message | filter @message like /ProvisionedThroughputExceeded/ | limit 10"
                },
            }
        },
    ],
    "tool_use",
)
FINAL_TURN = _converse(
    [{"text": "UpdateTable lowered the write capacity of orders; PutItem is throttled."}],
    "end_turn",
)
REPORT_TURN = _converse(
    [
        {
            "toolUse": {
                "toolUseId": "tooluse_Report03",
                "name": "ReportDraft",
                "input": {
                    "summary": "PutItem on the orders table is throttled since UpdateTable lowered its WCU [E5][E12].",
                    "hypotheses": [
                        {
                            "statement": "UpdateTable set orders to 5 WCU at 10:02, throttling PutItem.",
                            "confidence": "high",
                            "category": "capacity",
                            "reasoning": "Throttling starts two minutes after the change.",
                            "evidence_ids": ["E5", "E12"],
                        }
                    ],
                    "timeline": [
                        {
                            "time": "2026-03-02T10:02:14Z",
                            "event": "UpdateTable on orders",
                            "evidence_ids": ["E5"],
                        }
                    ],
                    "impact": "About 20% of PUT /orders fail with 500.",
                    "actions": ["Restore 100 WCU on orders."],
                },
            }
        }
    ],
    "tool_use",
    tokens_out=300,
)


def _bedrock(settings: Settings, sleeps: list[float]) -> ResilientChatModel:
    model = build_chat_model(settings.updated(model="bedrock"), sleep=sleeps.append)
    assert isinstance(model, ResilientChatModel)
    return model


def _capture(client: Any) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse",
        lambda params, **_: requests.append(params),
    )
    return requests


def test_claude_tool_use_runs_tools_in_parallel_and_writes_a_cited_report(
    settings: Settings,
) -> None:
    model = _bedrock(settings, [])
    primary = model.models[0]
    requests = _capture(primary.client)
    with Stubber(primary.client) as stub:
        for response in (TOOL_TURN, FINAL_TURN, REPORT_TURN):
            stub.add_response("converse", copy.deepcopy(response))
        report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
        stub.assert_no_pending_responses()
    assert [e.tool for e in report.evidence[10:]] == [
        "get_service_graph",
        "run_logs_insights_query",
    ]
    [hypothesis] = report.hypotheses
    assert hypothesis.evidence_ids == ["E5", "E12"] and hypothesis.category == "capacity"
    assert report.usage.input_tokens == 3 * 2400 and report.usage.output_tokens == 120 + 120 + 300
    assert report.model == settings.investigator.model_id and not report.rule_based
    # the second turn carries the tool results back as toolResult blocks
    results = [b for m in requests[1]["messages"] for b in m["content"] if "toolResult" in b]
    assert {r["toolResult"]["toolUseId"] for r in results} >= {"tooluse_Graph01", "tooluse_Logs02"}


def test_system_prompt_and_tools_are_marked_for_prompt_caching(settings: Settings) -> None:
    model = _bedrock(settings, [])
    primary = model.models[0]
    requests = _capture(primary.client)
    with Stubber(primary.client) as stub:
        for response in (FINAL_TURN, REPORT_TURN):
            stub.add_response("converse", copy.deepcopy(response))
        investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    first = requests[0]
    assert any("cachePoint" in block for block in first["system"])
    assert any("cachePoint" in tool for tool in first["toolConfig"]["tools"])
    assert "untrusted data" in first["system"][0]["text"]


def test_throttling_is_retried_with_back_off_then_the_fallback_model_answers(
    settings: Settings,
) -> None:
    sleeps: list[float] = []
    model = _bedrock(settings, sleeps)
    primary, fallback = model.models[0], model.models[1]
    with Stubber(primary.client) as main_stub, Stubber(fallback.client) as fallback_stub:
        for _ in range(3):
            main_stub.add_client_error(
                "converse",
                service_error_code="ThrottlingException",
                service_message="Too many requests, please wait before trying again.",
                http_status_code=429,
            )
        for response in (FINAL_TURN, REPORT_TURN):
            fallback_stub.add_response("converse", copy.deepcopy(response))
        report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
        main_stub.assert_no_pending_responses()
        fallback_stub.assert_no_pending_responses()
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]
    assert report.model == settings.investigator.fallback_model_id
    assert any("throttled" in note for note in report.notes)
    assert report.hypotheses[0].evidence_ids == ["E5"]  # E12 does not exist in this run
    assert "removed unknown citation E12" in report.hypotheses[0].flags


def test_when_bedrock_cannot_be_used_the_rule_based_baseline_answers(settings: Settings) -> None:
    model = _bedrock(settings, [])
    primary, fallback = model.models[0], model.models[1]
    with Stubber(primary.client) as main_stub, Stubber(fallback.client) as fallback_stub:
        denied = {
            "service_error_code": "AccessDeniedException",
            "service_message": "You don't have access to the model with the specified model ID.",
            "http_status_code": 403,
        }
        main_stub.add_client_error("converse", **denied)
        fallback_stub.add_client_error("converse", **denied)
        report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    assert report.rule_based
    assert "rule-based" in report.summary
    assert "orders" in report.summary


def test_prompt_cache_reads_and_writes_are_counted_and_priced_apart(settings: Settings) -> None:
    def cached(response: dict[str, Any], read: int, write: int) -> dict[str, Any]:
        answer = copy.deepcopy(response)
        answer["usage"].update(
            {"inputTokens": 400, "cacheReadInputTokens": read, "cacheWriteInputTokens": write}
        )
        return answer

    model = _bedrock(settings, [])
    primary = model.models[0]
    with Stubber(primary.client) as stub:
        stub.add_response("converse", cached(FINAL_TURN, read=0, write=6000))
        stub.add_response("converse", cached(REPORT_TURN, read=6000, write=800))
        report = investigate(incident(), settings=settings, backend=FakeBackend(), chat_model=model)
    usage = report.usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (
        400 + 6000 + 400 + 6000 + 800,
        6000,
        6800,
    )
    output = usage.output_tokens / 1000 * settings.prices.model_usd_per_1k_output_tokens
    expected = (
        800 / 1000 * settings.prices.model_usd_per_1k_input_tokens
        + 6000 / 1000 * settings.prices.model_usd_per_1k_cache_read_tokens
        + 6800 / 1000 * settings.prices.model_usd_per_1k_cache_write_tokens
        + output
    )
    assert usage.model_cost_usd == round(expected, 6)
    all_uncached = 13600 / 1000 * settings.prices.model_usd_per_1k_input_tokens + output
    assert usage.model_cost_usd < all_uncached
