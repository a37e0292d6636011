"""`pattern`: cluster log lines into templates with Drain (the drain3 library).

Drain (He et al., ICWS 2017) is the log parser Loghub's benchmark ranks among the most
accurate; drain3 is its maintained streaming implementation. DuckDB first masks the
obviously variable tokens (UUIDs, IPs, timestamps, hex ids, numbers) with RE2 and groups
identical masked lines (masking.py), so Drain sees each distinct shape once with its count
instead of every event. The bundle cache stores every message's masked form
(`MASKED_COLUMN`), so a cached `pattern @message` does no masking at all.

Output fields follow AWS's documentation of `pattern`: `@pattern` (dynamic tokens shown
as `<Type-N>`, N counting dynamic tokens from 1), `@ratio`, `@sampleCount`,
`@severityLabel`; plus `@logSamples` (one raw event), which this engine adds so a reader
can see a concrete line.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from drain3 import TemplateMiner

from agent.telemetry.local.logs_insights.masking import (
    MASKED_COLUMN,
    MASKS,
    grouped_input_sql,
    masking_sql,
)

__all__ = ["MASKED_COLUMN", "MASKS", "grouped_input_sql", "masking_sql"]  # re-exported

_TOKEN_TYPES = {"<UUID>": "UUID", "<TIME>": "Timestamp", "<IP>": "IPAddress", "<STR>": "String"}
_TOKEN_TYPES |= {"<HEX>": "Hex", "<NUM>": "Number", "<*>": "Token"}
_PLACEHOLDER = re.compile(r"<(?:UUID|TIME|IP|STR|HEX|NUM|\*)>")
_SEVERITY = re.compile(
    r"\b(fatal|critical|crit|emerg|panic|error|err|severe|warn|warning|info|notice|debug|trace)\b",
    re.IGNORECASE,
)
_SEVERITY_LABELS = {
    "fatal": "Fatal",
    "critical": "Fatal",
    "crit": "Fatal",
    "emerg": "Fatal",
    "panic": "Fatal",
    "error": "Error",
    "err": "Error",
    "severe": "Error",
    "warn": "Warning",
    "warning": "Warning",
    "info": "Info",
    "notice": "Info",
    "debug": "Debug",
    "trace": "Trace",
}
PATTERN_FIELDS = ("@pattern", "@ratio", "@sampleCount", "@severityLabel", "@logSamples")


def severity_of(line: str) -> str:
    match = _SEVERITY.search(line)
    return _SEVERITY_LABELS[match.group(1).lower()] if match else "Unknown"


def render_template(template: str) -> str:
    """`<NUM>` / `<*>` placeholders -> `<Number-1>`, `<Token-2>` as AWS names dynamic tokens."""
    counter = 0

    def name(match: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        return f"<{_TOKEN_TYPES[match.group()]}-{counter}>"

    return _PLACEHOLDER.sub(name, template)


@dataclass
class Cluster:
    count: int = 0
    severities: Counter[str] = field(default_factory=Counter)
    sample: str = ""


def new_miner() -> TemplateMiner:
    """A Drain miner held in memory for one query (no snapshots: nothing outlives the query)."""
    from drain3 import TemplateMiner  # imported here: only `pattern` needs it
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.drain_sim_th = 0.4
    config.drain_depth = 4
    config.drain_max_children = 100
    config.parametrize_numeric_tokens = True
    config.profiling_enabled = False
    return TemplateMiner(persistence_handler=None, config=config)


def cluster_lines(groups: list[tuple[str, int, str]]) -> tuple[list[list[object]], list[int]]:
    """Cluster (masked line, event count, raw sample) groups.

    Returns the pattern rows [@pattern, @ratio, @sampleCount, @severityLabel, @logSamples]
    sorted by count (largest first), and for each input group the index of its row.
    """
    miner = new_miner()
    clusters: dict[int, Cluster] = {}
    assignment: list[int] = []
    total = sum(n for _, n, _ in groups)
    for masked, count, sample in groups:
        cluster_id = miner.add_log_message(masked)["cluster_id"]
        cluster = clusters.setdefault(cluster_id, Cluster(sample=sample))
        cluster.count += count
        cluster.severities[severity_of(sample)] += count
        assignment.append(cluster_id)
    templates = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    ordered = sorted(clusters, key=lambda cid: (-clusters[cid].count, templates[cid]))
    rows: list[list[object]] = []
    for cluster_id in ordered:
        cluster = clusters[cluster_id]
        rows.append(
            [
                render_template(templates[cluster_id]),
                round(cluster.count / total, 4) if total else 0.0,
                cluster.count,
                cluster.severities.most_common(1)[0][0],
                json.dumps([cluster.sample]),
            ]
        )
    index = {cluster_id: i for i, cluster_id in enumerate(ordered)}
    return rows, [index[c] for c in assignment]


def assign_patterns(con: duckdb.DuckDBPyConnection, lines: Sequence[str]) -> list[int]:
    """The pattern index of each line, through the same masking (DuckDB) and Drain steps that
    the `pattern` command uses; for measuring grouping accuracy against labelled logs."""
    cursor = con.cursor()
    table = f"pattern_lines_{uuid.uuid4().hex}"
    try:
        cursor.execute(
            f"CREATE TEMP TABLE {table} AS SELECT unnest(range(?)) AS line_no, "
            "unnest(CAST(? AS VARCHAR[])) AS _p",
            [len(lines), list(lines)],
        )
        relation, column = masking_sql(table, "_p")
        masked = cursor.execute(
            f"SELECT line_no, {column} FROM {relation} ORDER BY line_no"
        ).fetchall()
        groups = cursor.execute(grouped_input_sql(f"SELECT _p FROM {table}")).fetchall()
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.close()
    _, group_rows = cluster_lines([(m, int(n), s) for m, n, s in groups])
    row_of_masked = {m: row for (m, _, _), row in zip(groups, group_rows, strict=True)}
    return [row_of_masked[m] for _, m in masked]


def grouping_accuracy(truth: Sequence[str], predicted: Sequence[int | str]) -> float:
    """Loghub's grouping accuracy (Zhu et al., ICSE-SEIP 2019): the share of lines whose
    predicted group holds exactly the lines of their true event, no more and no fewer."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted must label the same lines")
    if not truth:
        return 1.0
    members: dict[int | str, list[int]] = {}
    for index, label in enumerate(predicted):
        members.setdefault(label, []).append(index)
    true_sizes = Counter(truth)
    correct = 0
    for indexes in members.values():
        events = {truth[i] for i in indexes}
        if len(events) == 1 and true_sizes[next(iter(events))] == len(indexes):
            correct += len(indexes)
    return correct / len(truth)
