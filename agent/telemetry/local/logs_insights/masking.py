"""The masks of `pattern` as DuckDB SQL: variable tokens (UUIDs, timestamps, IPs, ids, hex,
numbers) replaced by placeholders with RE2, the costliest step of a `pattern` query.

What the cost is made of, measured on 1M Lambda messages (DuckDB 2.0, one core): RE2 scans
~3 ns a byte for a regex that starts with a character class, but jumps between occurrences
of a leading literal character (memchr, ~0.2 ns a byte); each match costs ~0.3 us more
(a forward and a backward pass and the rewritten copy). Hence, while giving exactly what
applying every mask's regex to every message gives:
- a guard per mask (`Mask.guard`): a literal-led regex that every match holds; a line
  without it is left as it is, unscanned;
- a lead per mask where the regex allows (`Mask.lead`): where its first possible match
  starts, which an anchored match there confirms, so most lines skip the unanchored search;
- identical lines merged after a mask that makes many lines alike (`grouped_input_sql`), so
  a later mask runs once per distinct line left rather than once per message.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from agent.telemetry.local.logs_insights.sqlexpr import quote


class Mask(NamedTuple):
    """One masking step: every match of `regex` becomes `placeholder`."""

    regex: str
    placeholder: str
    token_type: str  # AWS's name for the dynamic token
    # A regex that every match of `regex` contains, starting with a literal character (a
    # plain string is looked up as one), or None: a text without it is left unscanned.
    guard: str | None
    # Whether identical lines are merged after this step. A merge is a hash aggregate over
    # every line left (holding each distinct line and its least raw message), so it pays
    # only where the steps after it cost more than it: after the string mask, which leaves
    # few lines alike but for their numbers. Not after the UUID mask, though it merges most
    # (1M Lambda messages: 498k distinct after it): the masks between it and the string
    # mask cost little on the lines it merges, less than a merge of every message (measured
    # with bench/bench_engine.py --only pattern: 0.13 s of CPU and 200 MB less).
    merge_after: bool = False
    # (character, offset): every match holds this character at this offset from its start,
    # and `regex` asserts nothing about the text around a match (no \b, ^, $) and its
    # placeholder copies nothing of it. Then no match starts before the first occurrence
    # of the character minus the offset, and if one starts there it is the first match.
    lead: tuple[str, int] | None = None


# Applied in this order (the order is part of the output: a later mask sees the
# placeholders of earlier ones).
MASKS: tuple[Mask, ...] = (
    Mask(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        "<UUID>",
        "UUID",
        r"-[0-9a-fA-F]{4}-",
        lead=("-", 8),
    ),
    Mask(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?",
        "<TIME>",
        "Timestamp",
        r"-\d\d-\d\d[T ]\d\d:",
        lead=("-", 4),
    ),
    # common log format time (API Gateway / ALB / Apache): 02/Mar/2026:09:45:03 +0000
    Mask(
        r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?",
        "<TIME>",
        "Timestamp",
        r"/[A-Z][a-z]{2}/\d{4}:",
        lead=("/", 2),
    ),
    Mask(
        r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?::\d{1,5})?\b",
        "<IP>",
        "IPAddress",
        r"\.\d{1,3}\.\d{1,3}\.\d",
    ),
    # a one-word JSON string value holding a digit is an id, a path or a time: `"ord-8INF5BJ"`
    Mask(
        r'(:\s*)"[^"\\\s]*\d[^"\\\s]*"',
        '\\1"<STR>"',
        "String",
        '"',
        merge_after=True,
    ),
    # no literal to jump to: this guard scans, but spares most lines the rewrite's copies
    Mask(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b", "<HEX>", "Hex", "0x|[0-9a-fA-F]{16}"),
    Mask(r"-?\b\d+(?:\.\d+)?\b", "<NUM>", "Number", None),
)
# The masked message, stored beside each event by the bundle cache (scan_cache.py).
MASKED_COLUMN = "_masked"


def masking_sql(relation: str, text_column: str) -> tuple[str, str]:
    """`relation` with its `text_column` masked (variable tokens replaced by placeholders):
    (the SQL of a relation with every column of `relation` and the masked text, the name
    of that column). One stage per mask, each over the previous stage's column: a guard
    and its regex both read it, which nesting expressions would compute again."""
    column = text_column
    for level, mask in enumerate(MASKS):
        relation = _masked_relation(relation, column, mask, f"_m{level}")
        column = f"_m{level}"
    return relation, column


def grouped_input_sql(input_sql: str, masked: bool = False) -> str:
    """Distinct masked lines with their event count and one raw sample (the least), from
    `_p` rows (and `_m`, the masked line, when `masked`: nothing left to mask).

    The same answer as masking every line and grouping them (masking is a function of the
    line, and counts add up and minimums nest across merges), at a fraction of the cost:
    the masks up to the first that has `merge_after` read every event, each later mask runs
    once per distinct line left (1M Lambda messages, distinct by their request id: 203k
    lines after the string mask, 6 at the end)."""
    if masked:
        return (
            "SELECT _m AS masked, count(*) AS n, min(_p) AS sample "
            f"FROM ({input_sql}) GROUP BY 1 ORDER BY 2 DESC, 1"
        )
    # Until the first merge a row is one event, `_p` its raw message; after it, a row is a
    # distinct line `_m` with its count `n` and least raw message `sample`.
    relation, column, merged = f"({input_sql})", "_p", False
    for mask in MASKS:
        masked_relation = _masked_relation(relation, column, mask, "_next")
        carried = "n, sample" if merged else "_p"
        relation, column = f"(SELECT _next AS _m, {carried} FROM {masked_relation})", "_m"
        if mask.merge_after:
            count, sample = ("sum(n)", "min(sample)") if merged else ("count(*)", "min(_p)")
            relation = f"(SELECT _m, {count} AS n, {sample} AS sample FROM {relation} GROUP BY 1)"
            merged = True
    count, sample = ("sum(n)", "min(sample)") if merged else ("count(*)", "min(_p)")
    return (
        f"SELECT _m AS masked, {count} AS n, {sample} AS sample "
        f"FROM {relation} GROUP BY 1 ORDER BY 2 DESC, 1"
    )


def _masked_relation(relation: str, column: str, mask: Mask, out: str) -> str:
    """`relation` plus `out`, its `column` masked by `mask`."""
    if mask.lead is None:
        return f"(SELECT *, {_mask_sql(column, mask)} AS {out} FROM {relation})"
    # Where the first match can start (1-based, in characters like every function here),
    # the match there if any ('' if none), and the rest of the line after it.
    character, offset = mask.lead
    start, found, rest = "_mask_start", "_mask_found", "_mask_rest"
    anchored = quote(f"^(?:{mask.regex})")
    relation = (
        f"(SELECT *, strpos({column}, {quote(character)}) - {offset} AS {start} FROM {relation})"
    )
    relation = (
        f"(SELECT *, CASE WHEN {start} >= 1 THEN regexp_extract(substr({column}, {start}), "
        f"{anchored}) ELSE '' END AS {found} FROM {relation})"
    )
    relation = (
        f"(SELECT *, CASE WHEN {found} <> '' THEN substr({column}, {start} + length({found})) "
        f"END AS {rest} FROM {relation})"
    )
    first_then_rest = (
        f"concat(left({column}, {start} - 1), {quote(mask.placeholder)}, {_mask_sql(rest, mask)})"
    )
    # A line without the character holds no match: left as it is, without its guard's search.
    return (
        f"(SELECT * EXCLUDE ({start}, {found}, {rest}), CASE WHEN {found} <> '' "
        f"THEN {first_then_rest} WHEN {start} = {-offset} THEN {column} "
        f"ELSE {_mask_sql(column, mask)} END AS {out} FROM {relation})"
    )


def _mask_sql(column: str, mask: Mask) -> str:
    replaced = f"regexp_replace({column}, {quote(mask.regex)}, {quote(mask.placeholder)}, 'g')"
    if mask.guard is None:
        return replaced
    if re.escape(mask.guard) == mask.guard:
        found = f"contains({column}, {quote(mask.guard)})"
    else:
        found = f"regexp_matches({column}, {quote(mask.guard)})"
    return f"CASE WHEN {found} THEN {replaced} ELSE {column} END"
