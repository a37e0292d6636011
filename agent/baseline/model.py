"""`BaselineChatModel`: a deterministic, rule-based stand-in for the LLM with the same tool
interface (bind_tools / with_structured_output). It reads the evidence the ToolMessages name
from the run's ledger (given in its briefing), runs follow-up queries by rule, and writes a cited report that says it is
rule-based. It needs no network and answers the same way every time."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal, Self

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import Field

from agent.baseline.analysis import analyse
from agent.baseline.answers import answer
from agent.baseline.followup import plan
from agent.baseline.planner import round_one, round_three, round_two
from agent.baseline.prior import AlarmFacts, alarm_facts, runbook_call, similar_incidents_call
from agent.baseline.resources import next_calls
from agent.baseline.writer import write_report
from agent.chat_model import AnswerSource, Briefing, RulesCannotWrite
from agent.report import Evidence
from agent.report.draft import ReportDraft
from agent.triage import DEGRADATION_PATTERNS, SEVERITY_BY_MINUTE

_ZERO_USAGE = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}


# The rounds of rules, in the order they run: triage's results read (1-3), the resources they
# point at (4-6), and a follow-up question's searches (q). Each tool-calling turn says which
# round asked in its message's metadata, so later turns know what is done.
RESOURCE_ROUNDS = ("4", "5", "6")
FOLLOW_UP_ROUND = "q"
ROUND_KEY = "fa2_baseline_round"


def _round_of(message: BaseMessage) -> str | None:
    if isinstance(message, AIMessage):
        found = message.response_metadata.get(ROUND_KEY)
        return str(found) if found is not None else None
    return None


def _failing_ips(findings: Any) -> list[str]:
    """The load balancer's targets that answered 5xx (address without port), worst first."""
    failing = findings.alb.failing_targets if findings.alb else []
    return [target.split(":", 1)[0] for target, _ in failing if target and target != "-"]


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# Triage results the rules do not read: warnings per minute and warning patterns are for the
# model (the rules would take them for error counts and error lines); the rules look for
# warnings with their own query when no error shows.
_NOT_READ = {SEVERITY_BY_MINUTE, DEGRADATION_PATTERNS}


EvidenceFinder = Callable[[str], Evidence | None]


def evidence_in(
    messages: list[BaseMessage], find: EvidenceFinder, *, follow_ups: bool = True
) -> list[Evidence]:
    """The evidence the ToolMessages name, looked up in the run's ledger; without the results of
    follow-up questions' searches when `follow_ups` is False (the investigation's conclusion
    rests on its own)."""
    skipped = set() if follow_ups else _calls_of_round(messages, FOLLOW_UP_ROUND)
    found: dict[str, Evidence] = {}
    for message in messages:
        if not isinstance(message, ToolMessage) or message.artifact is None:
            continue
        if message.tool_call_id in skipped:
            continue
        evidence = find(_evidence_id(message.artifact))
        if evidence is None or evidence.query in _NOT_READ:
            continue
        found[evidence.id] = evidence
    return list(found.values())


def _evidence_id(artifact: Any) -> str:
    """A ToolMessage names its evidence by id; a thread checkpointed before that kept the whole
    evidence record as a dict there."""
    return str(artifact["id"]) if isinstance(artifact, dict) else str(artifact)


def _alarm(messages: list[BaseMessage]) -> AlarmFacts:
    """The alarm as the thread's first message (the briefing) states it."""
    humans = _humans(messages)
    return alarm_facts(str(messages[humans[0]].content) if humans else "")


def _humans(messages: list[BaseMessage]) -> list[int]:
    return [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]


def _calls_of_round(messages: list[BaseMessage], name: str) -> set[str]:
    return {
        call["id"] or ""
        for message in messages
        if isinstance(message, AIMessage) and _round_of(message) == name
        for call in message.tool_calls
    }


def _rounds_done(messages: list[BaseMessage], since: int) -> set[str]:
    return {r for m in messages[since:] if (r := _round_of(m)) is not None}


class RuleBasedChatModel(BaseChatModel):
    """What every rule-based stand-in for the LLM shares: it says rules answered, takes the
    tools' names as the tools it may call, and reads the evidence its tool messages name from
    the run's ledger (given in its briefing)."""

    rule_based: bool = True
    # The run's ledger (`briefed`): the evidence the tool messages name by id.
    find_evidence: EvidenceFinder | None = Field(default=None, exclude=True)

    @property
    def model_id(self) -> str:
        return "baseline (rule-based)"

    def answer_source(self) -> AnswerSource:
        return AnswerSource(model=self.model_id, rule_based=self.rule_based)

    def briefed(self, briefing: Briefing) -> Self:
        return self.model_copy(update={"find_evidence": briefing.find_evidence})

    def bind_tools(self, tools: Any, **kwargs: Any) -> Runnable[Any, AIMessage]:  # type: ignore[override]
        names = [
            getattr(t, "name", None) or (t.get("name") if isinstance(t, dict) else str(t))
            for t in tools
        ]
        return self.bind(tool_names=names)


class BaselineChatModel(RuleBasedChatModel):
    """The offline investigator. `rule_based` tells the report to say so."""

    language: Literal["en", "ja"] | None = None  # None: the system prompt's (fallback writer)
    log_groups: list[str] = Field(default_factory=list)  # what the run searches (`briefed`)

    @property
    def _llm_type(self) -> str:
        return "fa2-baseline"

    def briefed(self, briefing: Briefing) -> Self:
        return (
            super().briefed(briefing).model_copy(update={"log_groups": list(briefing.log_groups)})
        )

    def _evidence(self, messages: list[BaseMessage], *, follow_ups: bool = True) -> list[Evidence]:
        if self.find_evidence is None:
            if any(isinstance(m, ToolMessage) and m.artifact is not None for m in messages):
                raise RuntimeError(
                    "the baseline reads the evidence from the run's ledger: brief it "
                    "(InvestigatorModel.briefed) before it reads tool results"
                )
            return []
        return evidence_in(messages, self.find_evidence, follow_ups=follow_ups)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        tool_names: list[str] | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(
            generations=[ChatGeneration(message=self._next_turn(messages, set(tool_names or [])))]
        )

    def _language(self, messages: list[BaseMessage]) -> str:
        """The configured language; without one (the fallback writer), the system prompt's."""
        if self.language is not None:
            return self.language
        for message in messages:
            if isinstance(message, SystemMessage) and _JAPANESE.search(str(message.content)):
                return "ja"
        return "en"

    def _next_turn(self, messages: list[BaseMessage], tools: set[str]) -> AIMessage:
        humans = _humans(messages)
        last_human = humans[-1] if humans else 0
        done = _rounds_done(messages, last_human)
        findings = analyse(self._evidence(messages, follow_ups=False), self.log_groups)
        calls = []
        round_name = ""
        if len(humans) > 1:  # a follow-up question
            question = str(messages[last_human].content)
            if FOLLOW_UP_ROUND not in done:
                calls, round_name = plan(question, findings, tools), FOLLOW_UP_ROUND
            if not calls:
                new = self._evidence(messages[last_human:])
                draft = answer(question, findings, new, self._language(messages))
                return AIMessage(content=draft.summary, usage_metadata=_ZERO_USAGE)  # type: ignore[arg-type]
        elif "1" not in done:
            calls = round_one(findings, tools) + similar_incidents_call(findings, tools)
            round_name = "1"
        elif "2" not in done:
            calls = round_two(findings, tools) + runbook_call(findings, _alarm(messages), tools)
            round_name = "2"
        elif "3" not in done:
            calls, round_name = round_three(findings, tools), "3"
        if not calls and len(humans) <= 1:
            # then the resources the telemetry points at, each answer leading to the next
            turn = next((r for r in RESOURCE_ROUNDS if r not in done), None)
            if turn is not None:
                calls = next_calls(findings.evidence, _failing_ips(findings), tools, turn)
                round_name = turn
        if calls:
            # ids stay unique across the thread (another model may read this history later)
            for call in calls:
                call["id"] = f"{call['id']}_{len(messages)}"
            return AIMessage(
                content="",
                tool_calls=calls,
                usage_metadata=_ZERO_USAGE,  # type: ignore[arg-type]
                response_metadata={ROUND_KEY: round_name},
            )
        draft = write_report(findings, self._language(messages), _alarm(messages))
        return AIMessage(content=draft.summary, usage_metadata=_ZERO_USAGE)  # type: ignore[arg-type]

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:  # type: ignore[override]
        if schema is not ReportDraft:
            # Bound all the same, as the last fallback of a chain (agent.llm) binds every
            # member up front; reached, it says so and the caller writes by its own rules.
            def refuse(_messages: Any) -> Any:
                raise RulesCannotWrite(
                    f"the baseline model writes only ReportDraft structured output, not "
                    f"{getattr(schema, '__name__', schema)}"
                )

            return RunnableLambda(refuse, name="baseline_refuses")

        def write(messages: list[BaseMessage]) -> Any:
            humans = _humans(messages)[:-1]  # the last human message is the report instruction
            findings = analyse(self._evidence(messages, follow_ups=False), self.log_groups)
            language = self._language(messages)
            if len(humans) > 1:
                question = str(messages[humans[-1]].content)
                draft = answer(question, findings, self._evidence(messages[humans[-1] :]), language)
            else:
                draft = write_report(findings, language, _alarm(messages))
            if not include_raw:
                return draft
            raw = AIMessage(content=draft.model_dump_json(), usage_metadata=_ZERO_USAGE)  # type: ignore[arg-type]
            return {"raw": raw, "parsed": draft, "parsing_error": None}

        return RunnableLambda(write, name="baseline_report")
