"""What the graph needs from a chat model, as one small type.

`InvestigatorModel` wraps whatever answers — Bedrock with its fallbacks
(`agent.llm.ResilientChatModel`), the rule-based baseline, or a test's scripted model — and
says after each answer who gave it, whether rules wrote it, and what happened on the way
(throttling, fallbacks). fa2's own models tell this through `DescribesItsAnswers`; any other
chat model is taken as an LLM named by its class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable

from agent.report import Evidence


class RulesCannotWrite(ValueError):
    """The rule-based baseline was asked for an output only an LLM writes (it is the last
    fallback of every chain, so it is reached whenever no LLM answered): the caller writes
    that part by its own rules. Expected, not a failure."""


@dataclass(frozen=True)
class AnswerSource:
    """Who wrote the latest answer of an investigation."""

    model: str  # the model that answered (a Bedrock id, "baseline (rule-based)", a class name)
    rule_based: bool = False  # fixed rules wrote it, not an LLM
    events: list[str] = field(default_factory=list)  # throttling and fallbacks, for the report


@runtime_checkable
class DescribesItsAnswers(Protocol):
    """A chat model that knows who answered (it may hold several models, or be rules)."""

    def answer_source(self) -> AnswerSource: ...


@dataclass(frozen=True)
class Briefing:
    """The run's facts, for a model that reads them from fa2 rather than from the prompt."""

    log_groups: Sequence[str]  # what the run searches
    # The evidence a ToolMessage names by id (its artifact): the run's ledger, which holds the
    # thread's earlier evidence too.
    find_evidence: Callable[[str], Evidence | None]


@runtime_checkable
class TakesABriefing(Protocol):
    """A chat model that reads the run's facts from fa2 directly rather than from the prompt
    (the rule-based baseline: it must not parse its own input back out of prose)."""

    def briefed(self, briefing: Briefing) -> BaseChatModel: ...


@dataclass(frozen=True)
class InvestigatorModel:
    """The chat model the graph drives: tools bound for a turn, a structured report writer,
    and who answered."""

    chat: BaseChatModel

    def with_tools(self, tools: Sequence[Any]) -> Runnable[Any, Any]:
        return self.chat.bind_tools(tools)

    def report_writer(self, schema: type) -> Runnable[Any, Any]:
        """`schema` as structured output, with the raw message (its token usage) beside it."""
        return self.chat.with_structured_output(schema, include_raw=True)

    def briefed(self, briefing: Briefing) -> InvestigatorModel:
        """This model told the run's facts (a model that reads only its prompt is unchanged:
        the briefing message names the log groups, the tool messages carry the evidence)."""
        if isinstance(self.chat, TakesABriefing):
            return InvestigatorModel(self.chat.briefed(briefing))
        return self

    def answer_source(self) -> AnswerSource:
        if isinstance(self.chat, DescribesItsAnswers):
            return self.chat.answer_source()
        return AnswerSource(model=type(self.chat).__name__)
