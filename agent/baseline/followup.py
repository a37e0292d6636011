"""Rule-based follow-up questions: recognise what is asked (when it started, what changed,
which requests failed, a particular id, the impact, the fix, why), run the few queries that
answer it, and answer from the evidence with citations. A question the rules do not
recognise is answered by searching the logs for its keywords."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolCall
from sqlglot import exp

from agent.baseline.analysis import Findings
from agent.baseline.planner import alb_breakdown_sql, window_filter
from agent.triage import ERROR_FILTER

# What a question asks, most specific first (English and Japanese wording).
INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "when",
        re.compile(
            r"\bwhen\b|\bstart|\bbegin|\bbegan|\bonset|what time|first (?:error|failure)|いつ|開始|始ま",
            re.I,
        ),
    ),
    (
        "changes",
        re.compile(r"chang|deploy|releas|rollout|modif|recent|変更|デプロイ|リリース", re.I),
    ),
    (
        "failed",
        re.compile(
            r"which (?:requests?|calls?|endpoints?|users?|customers?|paths?|apis?|orders?)|"
            r"\bfail|affected|失敗|どのリクエスト",
            re.I,
        ),
    ),
    ("impact", re.compile(r"impact|how many|how bad|blast radius|影響|件数", re.I)),
    ("fix", re.compile(r"\bfix|what (?:should|do) we|mitigat|remediat|roll ?back|対処|対策", re.I)),
    ("why", re.compile(r"\bwhy\b|root cause|\bcause|explain|なぜ|原因", re.I)),
)
_ASKS_FOR_ERRORS = re.compile(r"error|exception|fail|stack|trace|エラー|例外|失敗", re.I)

# Identifiers: order and request ids, trace ids, addresses (a digit, or letters joined by - _ .).
_IDENTIFIER = re.compile(r"(?<![\w-])(?=[\w.:-]*\d)[A-Za-z0-9][\w.:-]{3,}(?![\w-])")
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b")  # API and exception names
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?z?$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:/-]{2,}")
# Words that say how, not what: never searched for.
_STOP_WORDS = (
    "the and for was were what why when where which who how did does is are has have had this that "
    "these those with from into about there their them they you your can could would should any all "
    "show tell give list please cause caused root happen happened error errors log logs alarm "
    "incident time window failed fail failing requests request before after start started begin "
    "changed change changes table function queue bucket service database cluster role policy "
    "stream topic instance resource config configuration deploy deployed deployment"
)
# Ordinary words (how, when, how much) that name nothing in the telemetry: searching for them
# finds unrelated text or nothing ("what changed right before" searched '%right%').
_ORDINARY_WORDS = (
    "right just now then than also only very really still already ever again soon shortly "
    "recently lately earlier later first last next previous prior since until while during "
    "between around near exactly maybe perhaps actually anything something nothing everything "
    "anyone someone thing things went wrong goes going gone get got make made see seen look "
    "looking know think happening been being doing done its it's our out off over under "
    "more most less least some many much few other another same such new old big small good "
    "bad high low long short broke broken break issue issues problem problems outage any "
    "every each both either neither modified modify modification happens"
)
_STOP = set(_STOP_WORDS.split()) | set(_ORDINARY_WORDS.split())


def identifiers(question: str) -> list[str]:
    quoted = re.findall(r"[\"'`]([^\"'`]{3,60})[\"'`]", question)
    found = [i.rstrip(".:") for i in _IDENTIFIER.findall(question) if not _CLOCK.match(i)]
    return list(dict.fromkeys([*quoted, *found, *_CAMEL.findall(question)]))[:5]


def keywords(question: str, limit: int = 5) -> list[str]:
    words = [w.strip(".:/-") for w in _WORD.findall(question) if w.lower() not in _STOP]
    return list(dict.fromkeys([*identifiers(question), *(w for w in words if len(w) >= 3)]))[:limit]


def intents(question: str) -> list[str]:
    """What the question asks, in a fixed order; `lookup` when it names an identifier."""
    asked = ["lookup"] if identifiers(question) else []
    asked += [name for name, pattern in INTENTS if pattern.search(question)]
    return asked or ["search"]


@dataclass
class _Calls:
    tools: set[str]
    calls: list[ToolCall]

    def add(self, name: str, args: dict[str, Any]) -> None:
        if name in self.tools:
            index = len(self.calls) + 1
            self.calls.append(
                ToolCall(name=name, args=args, id=f"baseline_q_{index}", type="tool_call")
            )


def _table(findings: Findings, marker: str) -> str | None:
    """The Athena table a triage query used: `elb_5xx` marks ALB's, `eventname` CloudTrail's."""
    for e in findings.evidence:
        if e.tool == "run_athena_query" and marker in e.columns:
            match = re.search(r"\bFROM\s+(\S+)", e.query, re.I)
            return match.group(1) if match else None
    return None


def changes_sql(table: str, words: list[str], findings: Findings) -> str:
    """Write events in the window whose request names one of `words`."""
    named = " OR ".join(
        f"lower(requestparameters) LIKE {_literal(f'%{w.lower()}%')}" for w in words
    )
    during = window_filter("eventtime", findings.window)
    return (
        "SELECT eventtime, eventsource, eventname, useridentity.arn AS principal, requestparameters, "
        f"errorcode FROM {table} WHERE (readonly = 'false' OR readonly IS NULL) AND ({named})"
        + (f" AND {during}" if during else "")
        + " ORDER BY eventtime LIMIT 50"
    )


def _regex(words: list[str]) -> str:
    return "|".join(re.escape(w).replace("/", "\\/") for w in words)


# The log-line searches of a follow-up (the answer quotes their rows).
LINES_QUERY = "fields @timestamp, @log, @message | filter @message like /(?i)("


def plan(question: str, findings: Findings, tools: set[str]) -> list[ToolCall]:
    """The queries that answer the question (none when the evidence already does)."""
    asked = intents(question)
    out = _Calls(tools, [])
    logs = findings.has_logs
    if "failed" in asked:
        if logs:
            out.add(
                "run_logs_insights_query",
                {
                    "query": f"{ERROR_FILTER} | stats count(*) as failures, min(@timestamp) as first_failure, "
                    "max(@timestamp) as last_failure by @log | sort failures desc | limit 20"
                },
            )
            # HTTP access logs (API Gateway's JSON fields): the failing routes
            out.add(
                "run_logs_insights_query",
                {
                    "query": "filter status >= 500 | stats count(*) as failed, min(@timestamp) as first_failure "
                    "by httpMethod, resourcePath, status | sort failed desc | limit 20"
                },
            )
        alb = _table(findings, "elb_5xx")
        if alb and findings.alb_5xx > 0:
            during = window_filter("time", findings.window)
            out.add(
                "run_athena_query",
                {
                    "sql": "SELECT request_verb, url_extract_path(request_url) AS path, elb_status_code, "
                    f"count(*) AS failed, min(time) AS first_failure FROM {alb} WHERE elb_status_code >= 500"
                    + (f" AND {during}" if during else "")
                    + " GROUP BY request_verb, url_extract_path(request_url), elb_status_code "
                    "ORDER BY failed DESC LIMIT 20"
                },
            )
            if findings.hot_target_detail is None:
                out.add("run_athena_query", {"sql": alb_breakdown_sql(alb, findings.window)})
    trail = _table(findings, "eventname")
    named = [w for w in keywords(question) if w not in identifiers(question) or "-" in w]
    if "changes" in asked and trail and named:
        out.add("run_athena_query", {"sql": changes_sql(trail, named[:3], findings)})
    if "when" in asked and logs and not findings.onset:
        out.add(
            "run_logs_insights_query",
            {
                "query": f"fields @timestamp, @log, @message | {ERROR_FILTER} | sort @timestamp asc | limit 5"
            },
        )
    # the question's own ids last: the answer quotes their lines
    if "lookup" in asked and logs:
        out.add(
            "run_logs_insights_query",
            {
                "query": f"{LINES_QUERY}{_regex(identifiers(question))})/ "
                "| sort @timestamp asc | limit 50"
            },
        )
    if asked == ["search"] and logs:
        words = keywords(question)
        if words:
            errors_only = f" | {ERROR_FILTER}" if _ASKS_FOR_ERRORS.search(question) else ""
            out.add(
                "run_logs_insights_query",
                {
                    "query": f"{LINES_QUERY}{_regex(words)})/{errors_only} | sort @timestamp asc | limit 20"
                },
            )
    return out.calls


__all__ = ["LINES_QUERY", "identifiers", "intents", "keywords", "plan"]


def _literal(text: str) -> str:
    """An Athena string literal, quoted by sqlglot: the text comes from log data."""
    return exp.Literal.string(text).sql(dialect="trino")
