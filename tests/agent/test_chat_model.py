"""What the graph asks of a chat model: who answered, and whether fixed rules wrote it."""

from __future__ import annotations

from agent.baseline import BaselineChatModel
from agent.chat_model import AnswerSource, InvestigatorModel
from agent.llm import ResilientChatModel
from tests.agent.fakes import ScriptedChatModel, ai


def test_the_baseline_says_rules_wrote_its_answer() -> None:
    source = InvestigatorModel(BaselineChatModel()).answer_source()

    assert source == AnswerSource(model="baseline (rule-based)", rule_based=True)


def test_any_other_chat_model_is_an_llm_named_by_its_class() -> None:
    source = InvestigatorModel(ScriptedChatModel(turns=[ai(content="Enough.")])).answer_source()

    assert source == AnswerSource(model="ScriptedChatModel", rule_based=False)


def test_a_fallback_chain_names_the_model_that_answered_and_what_happened() -> None:
    chain = ResilientChatModel(
        models=[BaselineChatModel()],
        names=["baseline (rule-based)"],
        answered_by="baseline (rule-based)",
        answered_by_baseline=True,
        incidents=["us.anthropic.claude-sonnet unavailable (AccessDeniedException); falling back"],
    )

    source = InvestigatorModel(chain).answer_source()

    assert (source.model, source.rule_based) == ("baseline (rule-based)", True)
    assert source.events == [
        "us.anthropic.claude-sonnet unavailable (AccessDeniedException); falling back"
    ]
