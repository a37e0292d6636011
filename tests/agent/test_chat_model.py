"""What the graph asks of a chat model: who answered, and whether fixed rules wrote it."""

from __future__ import annotations

from agent.baseline import BaselineChatModel
from agent.chat_model import AnswerSource, Briefing, InvestigatorModel
from agent.ledger import EvidenceLedger
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


def test_the_baseline_is_told_the_log_groups_and_the_ledger_not_left_to_read_the_prompt() -> None:
    groups = ["/aws/lambda/orders-put", "/aws/lambda/orders-get"]
    ledger = EvidenceLedger()
    chain = ResilientChatModel(models=[BaselineChatModel()], names=["baseline (rule-based)"])

    briefed = InvestigatorModel(chain).briefed(Briefing(groups, ledger.find))

    assert isinstance(briefed.chat, ResilientChatModel)
    [baseline] = briefed.chat.models
    assert isinstance(baseline, BaselineChatModel)
    assert baseline.log_groups == groups
    assert baseline.find_evidence == ledger.find


def test_a_model_that_reads_only_its_prompt_is_left_as_it_is() -> None:
    model = InvestigatorModel(ScriptedChatModel(turns=[ai(content="Enough.")]))

    assert model.briefed(Briefing(["/aws/lambda/orders-put"], EvidenceLedger().find)) is model
