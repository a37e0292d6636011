"""Does the evidence a claim cites show what the claim says? The rule-based citation check.

A claim is a hypothesis (statement and reasoning) or a timeline entry (event and minute),
with the evidence ids it cites. The ids are read together: a list supports its claim when
the cited rows, taken as a whole, contain something checkable the claim says:

- a distinctive term: an API or exception name, an id, an address, a quoted phrase;
- a figure: a count, a duration, a size or a share, allowing the rounding the claim wrote
  ("1.93 s" for 1.9312) and unit changes ("0.042 s" for a 42 in milliseconds, "82%" for
  0.82, "12k" for 12,004);
- a clock minute ("19:26", or the minute of a timeline entry).

A claim with nothing checkable (no term, figure or minute) is taken as supported by any
cited rows. Each cited id then gets its own verdict; it is invalid when:

- the id does not exist (also when the graph already removed it as unknown);
- its query failed;
- it returned no rows and the claim asserts no absence ("no other log lines", "nothing
  changed"): a 0-row result is evidence of absence, and only of absence;
- it is a timeline entry's citation and the entry's time lies outside the evidence's range,
  or the rows that name the event are stamped at another time;
- the claim names CloudTrail, X-Ray or the ALB access logs as its source and no cited item
  comes from there;
- its rows contradict the claim: they show a term the claim says is absent ("no
  AccessDenied" beside rows of AccessDenied), or the rows of a minute the claim states lack
  one of the exact figures it gives for that minute;
- the list as a whole does not show the claim.

The cases behind these rules are hand-labelled (`tests/evals/citation_cases.json`,
`python -m evals.calibration`); `--judge bedrock` reads the same claims with an LLM
(`evals.judge`). Hand-written: no library checks a claim against query rows; figures and
units live in `evals.figures`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent.report import Evidence, Report
from agent.telemetry.bundle import CATEGORIES, BundleManifest
from evals.figures import ROW_NUMBER, figures, row_numbers

INSUFFICIENT = "insufficient-evidence"

# API names and exceptions (CamelCase), ids and addresses (letters/digits joined by - . : / _),
# and quoted phrases: the terms a claim and its evidence should share.
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b")
_IDENT = re.compile(r"\b[\w]+(?:[-.:/_][\w]+)+\b")
_QUOTED = re.compile(r"'([^']{4,})'|\"([^\"]{4,})\"|`([^`]{4,})`")
_TIME_LIKE = re.compile(r"^\d{1,2}[:.]\d{2}([:.]\d{2})?z?$|^\d+(\.\d+)?(ms|s|m|%)?$", re.I)
_CLOCK = re.compile(r"\b(\d{2}:\d{2})(?::\d{2})?Z?\b")
_CITATION = re.compile(r"\[\s*E\d+(?:\s*[,;]\s*E\d+)*\s*\]|\bE\d+\b")
# The baseline marks every reasoning it writes; the words say who wrote it, not a fact.
_BOILERPLATE = re.compile(r"\((?:rule-based baseline|no LLM)[^)]*\)", re.I)
# Words that name a product or a category, not a fact a row could show.
_GENERIC = {
    "cloudtrail",
    "cloudwatch",
    "dynamodb",
    "x-ray",
    "xray",
    "apigateway",
    "rule-based",
    "logs-insights",
    "postgresql",
    *CATEGORIES,
    INSUFFICIENT,
}

# A claim that something is absent, which a 0-row result shows.
_ABSENCE = re.compile(
    r"\b(?:no|not|none|never|nothing|without|zero|absent|neither|nor|lacks?)\b|n't\b"
    r"|(?<![\d.,])\b0\b(?![.,]\d)",
    re.I,
)
# "no X" / "never X" / "without X" say an event is absent; "not" mostly denies a property
# ("bytes that are not UTF-8", "is not authorized"), which rows naming X do not contradict.
_NEGATED_SPAN = re.compile(r"\b(?:no|never|without)\s+((?:[\w'/-]+\s+){0,3}[\w'/-]+)", re.I)
_NEGATED_WORD = re.compile(r"\b[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b|\b[A-Z][a-z]{3,}\b")
# Capitalized words after a negation that name a product or a thing, not an event a row shows.
_NOT_EVENTS = {"lambda", "amazon", "gateway", "function", "service", "table", "bucket", "queue"}
# A source a claim names outright (the ambiguous "logs", "metrics" and "traces" are not).
_NAMED_SOURCES = {
    "cloudtrail": re.compile(r"\bcloudtrail\b", re.I),
    "xray": re.compile(r"\bx-?ray\b", re.I),
    "alb": re.compile(r"\b(?:alb|load balancer)(?:'s)? (?:access )?logs?\b", re.I),
}
# Quoted data (a sample log line) is what the rows say, not what the claim asserts.
_QUOTATION = re.compile(r'"[^"]*"|`[^`]*`|(?<!\w)\'[^\']{1,300}\'(?!\w)')
# A minute the claim gives as a span's edge or an estimate, not as the time of a figure.
_LOOSE_MINUTE = re.compile(
    r"\b(?:around|about|from|since|after|before|until|till|by|between|to|and)\s+(?:~\s*)?$|[~-]\s*$",
    re.I,
)
_CLAUSE_SPLIT = re.compile(
    r"[;.](?:\s|$)|,\s(?=\D)|\s—\s|[()]"
    r"|\s(?:before|after|while|when|then|and|but|which|so|because|until)\s",
    re.I,
)
TIME_SLACK = timedelta(minutes=1)
# A date and time in a row ("2026-03-02T10:02:14Z", "2026-03-02 10:04:00.000").
_STAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")


@dataclass(frozen=True)
class Claim:
    """What a report says and the evidence ids it cites for it."""

    text: str
    evidence_ids: list[str]
    time: datetime | None = None  # a timeline entry's time
    removed: list[str] = field(default_factory=list)  # ids the graph removed as unknown


@dataclass(frozen=True)
class CitationVerdict:
    evidence_id: str
    valid: bool
    reason: str = ""  # why not, when invalid

    def label(self) -> str:
        return f"{self.evidence_id} ({self.reason})"


def distinctive_terms(text: str) -> set[str]:
    """Terms that identify a thing rather than describe it (lower-cased), clock minutes
    included ("from 08:11Z" is checked as the minute 08:11)."""
    terms = set(_CAMEL.findall(text))
    terms.update(t for t in _IDENT.findall(text) if not _TIME_LIKE.match(t) and len(t) >= 4)
    for groups in _QUOTED.findall(text):
        terms.update(g for g in groups if g)
    terms.update(_CLOCK.findall(text))
    return {t.lower() for t in terms} - _GENERIC


def api_names_and_phrases(text: str) -> set[str]:
    """API and exception names and quoted phrases (lower-cased): what names a cause."""
    named = set(_CAMEL.findall(text))
    for groups in _QUOTED.findall(text):
        named.update(g for g in groups if g)
    return {t.lower() for t in named} - _GENERIC


def _claim_text(text: str) -> str:
    return _BOILERPLATE.sub(" ", _CITATION.sub(" ", text))


def _cells(evidence: Evidence) -> list[str]:
    return [" ".join(c or "" for c in row) for row in evidence.rows]


def evidence_text(evidence: Evidence) -> str:
    """The columns and rows; for a metric, also the query, which alone names the series'
    namespace and dimensions (the rows say only "m1")."""
    named = [evidence.query] if evidence.source in ("metrics", "alarm") else []
    return "\n".join([*named, " ".join(evidence.columns), *_cells(evidence)]).lower()


def _minutes(claim: Claim, text: str) -> set[str]:
    minutes = set(_CLOCK.findall(text))
    if claim.time is not None:
        minutes.add(f"{claim.time:%H:%M}")
    return minutes


def _is_absence(text: str) -> bool:
    return bool(_ABSENCE.search(text))


def _negated_terms(text: str) -> set[str]:
    """Names the claim says are absent: "no AccessDenied", "records no Throttles"."""
    named: set[str] = set()
    for span in _NEGATED_SPAN.findall(text):
        named.update(w.lower() for w in _NEGATED_WORD.findall(span))
        named.update(distinctive_terms(span))
    return named - _GENERIC - _NOT_EVENTS


def _row_shows(row: list[str | None], term: str) -> bool:
    """A row shows a term when it holds it as an occurrence, not as a zero count
    (a metric row "Throttles ... 0" says there were none)."""
    cells = [c or "" for c in row]
    if not any(term in c.lower() for c in cells):
        return False
    numeric = [c for c in cells if ROW_NUMBER.fullmatch(c.strip())]
    if not numeric:
        return True
    return any(float(c) != 0 for c in numeric)


def evidence_source(evidence: Evidence, manifest: BundleManifest | None = None) -> str:
    """The bundle source an evidence item comes from (logs, alb, cloudtrail, xray, metrics)."""
    if evidence.source == "athena":
        query = evidence.query.lower()
        alb = manifest.athena.alb_table if manifest else "alb_access_logs"
        trail = manifest.athena.cloudtrail_table if manifest else "cloud_trail_logs"
        if alb.lower() in query:
            return "alb"
        if trail.lower() in query:
            return "cloudtrail"
        return "athena"
    if evidence.source == "alarm":
        return "metrics"
    return evidence.source


def _outside(evidence: Evidence, when: datetime, terms: set[str]) -> bool:
    """The evidence cannot show an event at `when`: its query range excludes it, its rows are
    stamped and all lie well away from it (an aggregate's first_seen/last_seen), or the rows
    that name the event are stamped at another time (the change at 08:12 cited for 08:04)."""
    span = evidence.time_range
    if span is not None and not (span.start - TIME_SLACK <= when <= span.end + TIME_SLACK):
        return True
    naming = [row for row in evidence.rows if any(t in _row_text(row) for t in terms)]
    for rows in (evidence.rows, naming):
        stamps = [s for row in rows for s in _row_stamps(row)]
        if stamps and not any(
            low - 2 * TIME_SLACK <= when <= high + 2 * TIME_SLACK for low, high in _spans(rows)
        ):
            return True
    return False


def _row_text(row: list[str | None]) -> str:
    return " ".join(c or "" for c in row).lower()


def _row_stamps(row: list[str | None]) -> list[datetime]:
    found = (_stamp(text) for cell in row if cell for text in _STAMP.findall(cell))
    return [s for s in found if s is not None]


def _spans(rows: list[list[str | None]]) -> list[tuple[datetime, datetime]]:
    """The time each row covers (a single stamp, or first_seen..last_seen), and the span of
    all of them together (a time series covers the minutes between its rows)."""
    spans = [(min(s), max(s)) for s in (_row_stamps(r) for r in rows) if s]
    if len(spans) > 1:
        spans.append((min(lo for lo, _ in spans), max(hi for _, hi in spans)))
    return spans


def _stamp(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T").removesuffix("Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _contradicting_minutes(text: str, with_rows: list[Evidence]) -> dict[str, str]:
    """Evidence ids whose rows hold a minute the claim states exact figures for ("at 19:26,
    34 of 106"), when the cited rows of that minute lack one of them: {id: minute}."""
    found: dict[str, str] = {}
    for clause in _CLAUSE_SPLIT.split(_QUOTATION.sub(" ", text)):
        minutes = set(_CLOCK.findall(clause))
        exact = [f for f in figures(_CLOCK.sub(" ", clause)) if f.significant and f.exact]
        if len(minutes) != 1 or not exact:
            continue
        clock = _CLOCK.search(clause)
        if clock is None or _LOOSE_MINUTE.search(clause[: clock.start()]):
            continue
        (minute,) = minutes
        holding = {e.id: [cell for cell in _cells(e) if minute in cell] for e in with_rows}
        held = [n for cells in holding.values() for cell in cells for n in row_numbers(cell)]
        if not held or all(f.found_in(held) for f in exact):
            continue
        for evidence_id, cells in holding.items():
            if cells:
                found.setdefault(evidence_id, minute)
    return found


def check_claim(
    claim: Claim, by_id: dict[str, Evidence], manifest: BundleManifest | None = None
) -> list[CitationVerdict]:
    """One verdict per cited id (and per id the graph removed), in citation order."""
    text = _claim_text(claim.text)
    verdicts: dict[str, CitationVerdict] = {
        i: CitationVerdict(i, False, "unknown") for i in claim.removed
    }
    cited = list(dict.fromkeys(claim.evidence_ids))
    present = [by_id[i] for i in cited if i in by_id]
    for i in cited:
        if i not in by_id:
            verdicts[i] = CitationVerdict(i, False, "unknown")

    asserted = _NEGATED_SPAN.sub(" ", _QUOTATION.sub(" ", text))  # "no CloudTrail write" names none
    named = {s for s, pattern in _NAMED_SOURCES.items() if pattern.search(asserted)}
    if named and present and not named & {evidence_source(e, manifest) for e in present}:
        for e in present:
            verdicts[e.id] = CitationVerdict(e.id, False, f"not from {', '.join(sorted(named))}")
        return [verdicts[i] for i in [*claim.removed, *cited]]

    own_words = _QUOTATION.sub(" ", text)
    event_terms = distinctive_terms(text) - set(_CLOCK.findall(text))
    absence = _is_absence(own_words)
    negated = _negated_terms(own_words)
    with_rows: list[Evidence] = []
    for e in present:
        if e.status == "error":
            verdicts[e.id] = CitationVerdict(e.id, False, "query failed")
        elif claim.time is not None and _outside(e, claim.time, event_terms):
            verdicts[e.id] = CitationVerdict(e.id, False, "not from the entry's time")
        elif not e.rows:
            verdicts[e.id] = (
                CitationVerdict(e.id, True) if absence else CitationVerdict(e.id, False, "no rows")
            )
        elif any(_row_shows(row, term) for term in negated for row in e.rows):
            verdicts[e.id] = CitationVerdict(e.id, False, "rows show what the claim says is absent")
        else:
            with_rows.append(e)

    if with_rows:
        supported = _jointly_supported(claim, text, with_rows)
        contradicted = _contradicting_minutes(text, with_rows)
        for e in with_rows:
            if e.id in contradicted:
                reason = f"rows at {contradicted[e.id]} show other figures"
                verdicts[e.id] = CitationVerdict(e.id, False, reason)
            elif supported:
                verdicts[e.id] = CitationVerdict(e.id, True)
            else:
                verdicts[e.id] = CitationVerdict(e.id, False, "does not show what the claim says")
    return [verdicts[i] for i in dict.fromkeys([*claim.removed, *cited])]


def _jointly_supported(claim: Claim, text: str, with_rows: list[Evidence]) -> bool:
    terms = distinctive_terms(text) - set(_CLOCK.findall(text))
    stated = [f for f in figures(_CLOCK.sub(" ", text)) if f.significant]
    minutes = _minutes(claim, text)
    if not (terms or stated or minutes):
        return True  # nothing checkable: the rows are taken as shown
    joined = "\n".join(evidence_text(e) for e in with_rows)
    if any(term in joined for term in terms) or any(m in joined for m in minutes):
        return True
    values = row_numbers(joined)
    return any(f.found_in(values) for f in stated)


def report_claims(report: Report) -> list[Claim]:
    """A hypothesis' claim is its statement and reasoning; a timeline entry's is its event
    and its minute."""
    removed = re.compile(r"removed unknown citation (E\d+)")
    claims = [
        Claim(
            f"{h.statement}\n{h.reasoning}",
            list(h.evidence_ids),
            removed=removed.findall(" ".join(h.flags)),
        )
        for h in report.hypotheses
    ]
    claims += [Claim(t.event, list(t.evidence_ids), time=t.time) for t in report.timeline]
    return claims


def check_report(report: Report, manifest: BundleManifest | None = None) -> tuple[float, list[str]]:
    """Citation validity (share of valid citations) and a label per invalid one."""
    by_id = report.evidence_by_id()
    verdicts = [v for c in report_claims(report) for v in check_claim(c, by_id, manifest)]
    invalid = [v.label() for v in verdicts if not v.valid]
    return (1.0 - len(invalid) / len(verdicts) if verdicts else 1.0), invalid
