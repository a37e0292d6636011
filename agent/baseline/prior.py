"""What the team knew before this incident, used by rule: its runbooks and its past incidents.

- **Runbooks.** Once round one has named the failing resources, the rules search the runbooks
  for the alarm and those resources. A runbook whose *title* names the alarm or a failing
  resource applies: its fix step becomes a recommended action citing the runbook passage.
  A runbook that merely shares words is not followed.
- **Past incidents.** Round one asks for similar incidents. A past incident on the same alarm
  whose cause people confirmed (✅ or 👍 in Slack) is the first hypothesis to check, never a
  conclusion: when this incident's dominant error points to the same kind of cause, the
  claim built from this incident's evidence is put first and cites the past incident beside
  its own evidence; when it does not, the past cause is listed as checked and not supported
  this time, below the lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.messages import ToolCall

from agent.baseline.analysis import Findings
from agent.baseline.hypotheses import Claim, cite, signature_claim, with_symptoms
from agent.baseline.phrases import Phrases
from agent.baseline.signals import rows_as_dicts
from agent.report import Evidence

_ALARM_LINE = re.compile(r"^Alarm: (?P<name>[^\s—]+)", re.M)
_ALARM_DIMENSIONS = re.compile(r"^Alarm metric: \S+ \[(?P<dims>[^\]]*)\]", re.M)
_FIX_SECTION = re.compile(
    r"mitigat|fix|remediat|resolv|recover|action|respond|対処|対応|復旧", re.I
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
CONFIRMED = "confirmed as the cause"
SAME_ALARM = "same alarm"
MAX_STEP_CHARS = 240


@dataclass(frozen=True)
class AlarmFacts:
    """The alarm as the briefing states it (the rules read no other message)."""

    name: str | None
    resources: tuple[str, ...]


def alarm_facts(briefing: str) -> AlarmFacts:
    name = _ALARM_LINE.search(briefing)
    dims = _ALARM_DIMENSIONS.search(briefing)
    values = (
        tuple(p.split("=", 1)[1].strip() for p in dims.group("dims").split(",") if "=" in p)
        if dims
        else ()
    )
    alarm = name.group("name") if name and name.group("name") != "(none)" else None
    return AlarmFacts(name=alarm, resources=tuple(v for v in values if v))


def failing_resources(findings: Findings, alarm: AlarmFacts) -> list[str]:
    """What fails: the alarm's resources, the changed resource blamed, the faulting service."""
    named = list(alarm.resources)
    if findings.blamed:
        named += findings.blamed.change.resources
    named += [f[0] for f in findings.faulting[:1]]
    return list(dict.fromkeys(n for n in named if n))


def _call(name: str, args: dict[str, object], turn: str, index: int) -> ToolCall:
    return ToolCall(name=name, args=args, id=f"baseline_{turn}_k{index}", type="tool_call")


def similar_incidents_call(findings: Findings, tools: set[str]) -> list[ToolCall]:
    """Round one: past incidents like this one (the tool matches the alarm itself)."""
    if "find_similar_incidents" not in tools:
        return []
    top = findings.top_signature
    text = (top.detail or top.signature.label) if top else ""
    return [_call("find_similar_incidents", {"error_text": text[:300]} if text else {}, "1", 1)]


def runbook_call(findings: Findings, alarm: AlarmFacts, tools: set[str]) -> list[ToolCall]:
    """Round two: the runbooks, by the alarm and the failing resources."""
    if "search_runbooks" not in tools:
        return []
    words = [alarm.name or "", *failing_resources(findings, alarm)]
    top = findings.top_signature
    if top:
        words.append(top.signature.label)
    query = " ".join(w for w in dict.fromkeys(words) if w)
    return [_call("search_runbooks", {"query": query[:900]}, "2", 1)] if query else []


@dataclass(frozen=True)
class RunbookAdvice:
    title: str
    source: str
    step: str
    evidence_id: str


def _names(title: str, name: str) -> bool:
    """The title names `name` as a whole word (`orders` in "table orders", not "reorders")."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", title, re.I) is not None


def runbook_advice(evidence: list[Evidence], names: list[str]) -> RunbookAdvice | None:
    """The fix step of the first runbook whose title names the alarm or a failing resource."""
    for item in evidence:
        if item.tool != "search_runbooks" or item.status != "ok":
            continue
        passages = rows_as_dicts(item)
        for passage in passages:
            title = (passage.get("heading") or "").split(" › ")[0]
            if not any(_names(title, n) for n in names):
                continue
            same = [p for p in passages if (p.get("heading") or "").startswith(title)]
            fix = next((p for p in same if _FIX_SECTION.search(p.get("heading") or "")), passage)
            return RunbookAdvice(
                title=title,
                source=passage.get("source") or "",
                step=_first_step(fix.get("passage") or ""),
                evidence_id=item.id,
            )
    return None


def _first_step(text: str) -> str:
    for line in text.splitlines():
        step = _LIST_MARKER.sub("", line).strip()
        if step:
            return step if len(step) <= MAX_STEP_CHARS else step[: MAX_STEP_CHARS - 1] + "…"
    return ""


@dataclass(frozen=True)
class PastLead:
    """A cause people confirmed for this alarm before."""

    thread: str
    started: str
    statement: str
    category: str | None
    evidence_id: str


def confirmed_lead(evidence: list[Evidence]) -> PastLead | None:
    """The most similar past incident on the same alarm whose cause was confirmed."""
    for item in evidence:
        if item.tool != "find_similar_incidents" or item.status != "ok":
            continue
        for row in rows_as_dicts(item):
            if row.get("feedback") == CONFIRMED and SAME_ALARM in (row.get("why") or ""):
                return PastLead(
                    thread=row.get("thread") or "",
                    started=(row.get("started") or "")[:10],
                    statement=_sentence(row.get("top_hypothesis") or ""),
                    category=row.get("category"),
                    evidence_id=item.id,
                )
    return None


def _sentence(statement: str) -> str:
    """A past hypothesis without its own citation markers (they named that run's evidence)."""
    return re.sub(r"\s*\[E\d+(?:,\s*E\d+)*\]", "", statement).strip().rstrip(".。")


@dataclass
class Weighed:
    claims: list[Claim]
    recurrence: bool = False  # the past cause, found again, leads (not the change blamed)


def recurrence_target(findings: Findings) -> str:
    """Where the recurring cause sits: the one target that fails, else the faulting service."""
    if findings.hot_target:
        return findings.hot_target[0]
    return findings.faulting[0][0] if findings.faulting else "the failing component"


def weigh_past_lead(claims: list[Claim], findings: Findings, lead: PastLead, t: Phrases) -> Weighed:
    """Check the confirmed past cause against this incident's evidence (module docstring)."""
    signature = findings.top_signature
    recurs = (
        lead.category is not None
        and signature is not None
        and signature.signature.category == lead.category
    )
    top = claims[0] if claims and not claims[0].unlikely and claims[0].confidence != "low" else None
    if top is not None and top.category == lead.category:
        top.reasoning += " " + t("past_confirms", date=lead.started, statement=lead.statement)
        top.ids = cite(*top.ids, lead.evidence_id)
        return Weighed(claims)
    if recurs:
        again = signature_claim(findings, lead.category, t)
        if again is not None:
            again.statement = t("past_again", statement=again.statement)
            again.reasoning = t(
                "past_again_reasoning",
                date=lead.started,
                statement=lead.statement,
                category=lead.category,
            )
            again.ids = cite(*again.ids, lead.evidence_id)
            with_symptoms(again, findings, t)
            return Weighed([again, *claims], recurrence=True)
    checked = Claim(
        statement=t("past_not_this_time", date=lead.started, statement=lead.statement),
        confidence="low",
        category=lead.category,
        reasoning=t("past_not_reasoning", category=lead.category or t("unclassified")),
        ids=[lead.evidence_id],
        unlikely=True,
    )
    return Weighed([*claims[:1], checked, *claims[1:]])


def runbook_action(advice: RunbookAdvice, t: Phrases) -> str:
    return t(
        "runbook_action",
        title=advice.title,
        source=advice.source,
        step=advice.step,
        id=advice.evidence_id,
    )
