"""The rule-based report in the configured language: its fixed phrases come from a table
with English and Japanese; what they quote from the evidence stays as recorded."""

from __future__ import annotations

import re
import string

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agent.baseline import BaselineChatModel
from agent.baseline.analysis import analyse
from agent.baseline.phrases import PHRASES, Phrases
from agent.baseline.remedies import ACTIONS, PREVENTION
from agent.baseline.writer import write_report
from agent.config import Settings
from agent.report.draft import ReportDraft
from agent.service import ask, investigate
from tests.agent.fakes import FakeBackend, incident

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("table", [PHRASES, ACTIONS, PREVENTION])
def test_every_phrase_has_a_japanese_text_with_the_same_placeholders(
    table: dict[str, dict[str, str]],
) -> None:
    for key, texts in table.items():
        assert _JAPANESE.search(texts["ja"]), key
        assert _fields(texts["ja"]) == _fields(texts["en"]), key


def test_a_language_without_a_translation_gets_english() -> None:
    assert Phrases("fr")("inconclusive") == Phrases("en")("inconclusive")


def test_japanese_settings_give_a_japanese_rule_based_report(settings: Settings) -> None:
    japanese = settings.updated(language="ja")
    report = investigate(incident(), settings=japanese, backend=FakeBackend())
    assert report.summary.startswith("最も可能性の高い原因 (capacity): UpdateTable on orders")
    assert "このレポートはルールベースです" in report.summary
    assert report.hypotheses[0].reasoning.startswith("(ルールベースのベースライン、LLM 不使用)")
    assert _JAPANESE.search(report.actions[0])


def test_an_inconclusive_report_in_japanese_says_so_in_japanese() -> None:
    report = write_report(analyse([], []), "ja")
    assert report.summary.startswith(
        "結論なし (inconclusive): 根本原因を特定するには証拠が不十分です。"
    )
    assert report.unknowns[0].startswith("根本原因")


def test_without_settings_the_writer_follows_the_language_of_the_system_prompt() -> None:
    writer = BaselineChatModel().with_structured_output(ReportDraft)
    draft = writer.invoke(
        [SystemMessage("あなたは AWS の障害調査を行う SRE です。"), HumanMessage("Incident: x")]
    )
    assert isinstance(draft, ReportDraft)
    assert draft.summary.startswith("結論なし")


def test_a_follow_up_in_japanese_settings_is_answered_in_japanese(settings: Settings) -> None:
    japanese = settings.updated(language="ja")
    first = investigate(incident(), settings=japanese, backend=FakeBackend())
    assert first.thread_id
    answer = ask(
        first.thread_id, "いつから始まりましたか?", settings=japanese, backend=FakeBackend()
    )
    assert answer.summary.startswith("「いつから始まりましたか?」へのルールベースの回答:")
    assert "調査の結論は変わりません" in answer.summary
