"""How a tool result is shown to the model: a few lines, a small table, the row count and a
note when truncated — never megabytes. Log text is untrusted data, so it is fenced (rows,
column names, and error text from the engine, which can quote log data) and nothing inside
can close the fence (agent/tools/fence.py)."""

from __future__ import annotations

from agent.report import Evidence
from agent.telemetry.inert_text import one_visible_line
from agent.tools.fence import defuse, new_fence

MAX_CELL_CHARS = 700  # a whole typical log line
MAX_OBSERVATION_CHARS = 6000


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    text = value.replace("\r", " ").replace("\n", " ⏎ ").replace("|", "¦")
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _query_line(query: str) -> str:
    """The query, outside the fence, on one line: triage and the baseline write alarm text and
    names into their queries (`DescribeAlarms <alarm name>`, a dimension value), and a line
    break there started a line of its own in the tool result ("SYSTEM: ...")."""
    return "query: " + defuse(one_visible_line(query))


def _fenced(lines: list[str]) -> list[str]:
    """`lines` inside a fresh `<data-ID>` fence that nothing in them can close."""
    opening, closing = new_fence()
    return [opening, defuse("\n".join(lines)), closing]


def format_observation(
    evidence: Evidence, *, max_rows: int, max_chars: int = MAX_OBSERVATION_CHARS
) -> str:
    """The compact text the model reads for one recorded result."""
    head = f"[{evidence.id}] {evidence.tool} · {evidence.source} · status {evidence.status}"
    if evidence.time_range:
        head += f" · {evidence.time_range.label()}"
    elif evidence.source == "athena":
        head += " · no time filter in the SQL (every row of the tables it reads)"
    if evidence.status == "error":
        return "\n".join(
            [
                head,
                _query_line(evidence.query),
                "error:",
                *_fenced([evidence.error or "(no message)"]),
                "Fix the query (or try another source) and call the tool again.",
            ]
        )
    lines = [head, _query_line(evidence.query)]
    notes = []
    if evidence.error:  # a result with a caveat, e.g. "no alarm named 'x'"
        notes += ["note:", *_fenced([evidence.error])]
    if evidence.status == "empty" or not evidence.rows:
        return "\n".join([*lines, _count_line(evidence, 0), *notes, "(no rows)"])
    shown = _shown_columns(evidence.columns)
    if len(shown) < len(evidence.columns):
        notes.append(
            "note: requestparameters is shown as `changed` (every key=value, long values cut); "
            "select it alone to read the raw JSON"
        )
    header = " | ".join(evidence.columns[i] for i in shown)
    budget = max_chars - sum(len(line) + 1 for line in [*lines, *notes]) - len(header) - 200
    body: list[str] = []
    for row in evidence.rows[:max_rows]:
        line = " | ".join(_cell(row[i]) for i in shown)
        if len(line) + 1 > budget:
            break
        body.append(line)
        budget -= len(line) + 1
    lines.append(_count_line(evidence, len(body)))
    lines.extend(notes)
    lines += _fenced([header, *body])
    return "\n".join(lines)


def _shown_columns(columns: list[str]) -> list[int]:
    """The columns the model reads: a CloudTrail result's raw `requestparameters` JSON is left
    out when its compact `changed` view is there (the same content twice costs tokens)."""
    lowered = [c.lower() for c in columns]
    if "changed" in lowered and "requestparameters" in lowered:
        hidden = lowered.index("requestparameters")
        return [i for i in range(len(columns)) if i != hidden]
    return list(range(len(columns)))


def _count_line(evidence: Evidence, shown: int) -> str:
    """How many rows the result has and how many of them the model is reading, so it never
    cites rows it has not seen."""
    total = max(evidence.row_count, len(evidence.rows))
    count = f"{total} row(s)"
    if shown < total:
        count += (
            f", the first {shown} shown below; the other {total - shown} were not read "
            "(narrow the query or aggregate to see them)"
        )
    elif evidence.truncated:
        count += (
            ", all shown; the query's output was capped, so more rows exist (narrow or aggregate)"
        )
    if evidence.records_matched is not None:
        count += f"; {evidence.records_matched} matching event(s)"
        if evidence.records_scanned is not None:
            count += f" of {evidence.records_scanned} scanned"
    return count


def format_unavailable(tool: str, reason: str) -> str:
    return f"{tool}: not run — {reason}"
