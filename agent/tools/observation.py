"""How a tool result is shown to the model: a few lines, a small table, the row count and a
note when truncated — never megabytes. Log text is untrusted data, so it is fenced and any
attempt to close the fence from inside the data is neutralised."""

from __future__ import annotations

from agent.report import Evidence

MAX_CELL_CHARS = 700  # a whole typical log line
MAX_OBSERVATION_CHARS = 6000


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    text = value.replace("\r", " ").replace("\n", " ⏎ ").replace("|", "¦")
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _fence_safe(text: str) -> str:
    """Data cannot close the <data> fence or open a new one."""
    return text.replace("</data", "<\\/data").replace("<data", "<\\data")


def format_observation(
    evidence: Evidence, *, max_rows: int, max_chars: int = MAX_OBSERVATION_CHARS
) -> str:
    """The compact text the model reads for one recorded result."""
    window = f" · {evidence.time_range.label()}" if evidence.time_range else ""
    head = f"[{evidence.id}] {evidence.tool} · {evidence.source} · status {evidence.status}{window}"
    if evidence.status == "error":
        return (
            f"{head}\nquery: {evidence.query}\nerror: {evidence.error}\n"
            "Fix the query (or try another source) and call the tool again."
        )
    shown = evidence.rows[:max_rows]
    count = f"{evidence.row_count} row(s)"
    if evidence.row_count > len(shown) or evidence.truncated:
        count += f", showing {len(shown)} (truncated: narrow the query or aggregate)"
    if evidence.records_matched is not None:
        count += f"; {evidence.records_matched} matching event(s)"
        if evidence.records_scanned is not None:
            count += f" of {evidence.records_scanned} scanned"
    lines = [head, f"query: {evidence.query}", count]
    if evidence.error:  # a result with a caveat, e.g. "no alarm named 'x'"
        lines.append(f"note: {evidence.error}")
    if evidence.status == "empty" or not shown:
        lines.append("(no rows)")
        return "\n".join(lines)
    body = [" | ".join(evidence.columns)]
    used = sum(len(line) + 1 for line in lines) + len(body[0]) + 20
    omitted = 0
    for index, row in enumerate(shown):
        line = " | ".join(_cell(c) for c in row)
        if used + len(line) + 1 > max_chars:
            omitted = len(shown) - index
            break
        body.append(line)
        used += len(line) + 1
    lines.append("<data>")
    lines.extend(_fence_safe(line) for line in body)
    lines.append("</data>")
    if omitted:
        lines.append(f"({omitted} more row(s) cut to keep this short; cite {evidence.id} for all)")
    return "\n".join(lines)


def format_unavailable(tool: str, reason: str) -> str:
    return f"{tool}: not run — {reason}"
