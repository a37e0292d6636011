"""`pattern`'s masking plan gives exactly what masking every message one by one gives.

The plan (patterns.py `grouped_input_sql`) skips a mask where its guard finds nothing and
merges identical lines between masks; the reference here is the definition: every mask's
regex applied to every message in order, then identical masked lines grouped with their
count and least raw message."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.telemetry.local.logs_insights.patterns import MASKS, grouped_input_sql, masking_sql
from agent.telemetry.local.logs_insights.sqlexpr import quote
from tests.logs_insights.test_pattern import labelled_lambda_lines, loghub_sample


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(config={"autoinstall_known_extensions": False})
    yield connection
    connection.close()


def every_message_masked(column: str) -> str:
    """Each mask's regex over the whole text, unguarded, in order."""
    sql = column
    for mask in MASKS:
        sql = f"regexp_replace({sql}, {quote(mask.regex)}, {quote(mask.placeholder)}, 'g')"
    return sql


def reference_groups(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, int, str]]:
    return con.execute(
        f"SELECT {every_message_masked('_p')} AS masked, count(*) AS n, min(_p) AS sample "
        f"FROM {table} GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()


def messages_table(con: duckdb.DuckDBPyConnection, messages: Sequence[str]) -> str:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE messages AS SELECT unnest(CAST(? AS VARCHAR[])) AS _p",
        [list(messages)],
    )
    return "messages"


def test_merging_between_masks_gives_the_groups_of_masking_every_message(con):
    lines, _ = labelled_lambda_lines(3_000)
    messages = lines + lines[:500]  # repeated messages too
    table = messages_table(con, messages)

    planned = con.execute(grouped_input_sql(f"SELECT _p FROM {table}")).fetchall()

    assert planned == reference_groups(con, table)
    assert sum(n for _, n, _ in planned) == len(messages)


@pytest.mark.parametrize("dataset", ["HDFS", "Apache"])
def test_merging_between_masks_on_loghub_samples(con, dataset):
    lines, _ = loghub_sample(dataset)
    table = messages_table(con, lines)

    planned = con.execute(grouped_input_sql(f"SELECT _p FROM {table}")).fetchall()

    assert planned == reference_groups(con, table)


def test_guarded_masking_of_each_event_matches_the_unguarded_regexes(con):
    """What the bundle cache stores beside each event (`masking_sql`)."""
    lines, _ = labelled_lambda_lines(1_000)
    table = messages_table(con, lines)
    relation, column = masking_sql(table, "_p")

    guarded = con.execute(f"SELECT _p, {column} FROM {relation} ORDER BY _p").fetchall()
    unguarded = con.execute(
        f"SELECT _p, {every_message_masked('_p')} FROM {table} ORDER BY _p"
    ).fetchall()

    assert guarded == unguarded


# Pieces that the masks (and their guards) care about, so random messages hit the edges:
# near-UUIDs, dates without times, dots without IPs, quoted values, hex runs, signs, and
# halves of UUIDs and times (the lead character of a match comes after an earlier one).
PIECES = [
    "0fd630f1-f29d-0da9-953f-48f1a09f76b5",
    "0FD630F1-F29D-0DA9-953F-48F1A09F76B",
    "abcdefab-abcd-",
    "0fd630f1",
    "-f29d-0da9-953f-48f1a09f76b5",
    "-1234-",
    "2026-03-02T09:06:55.985Z",
    "2026-03-02 09:06:55,1+02:00",
    "2026-03-02",
    "2026-03",
    "-02T09:06:55Z",
    "02/Mar/2026:09:45:03 +0000",
    "/Mar/2026:",
    "02/",
    "Mar/2026:09:45:03",
    "10.0.4.17:5432",
    "1.2.3",
    ".5.6.7",
    ': "ord-8INF5BJ"',
    ':"x"',
    '"',
    "\\",
    "0x1f",
    "0xZZ",
    "deadbeefdeadbeef0",
    "-42",
    "3.14",
    "x1",
    " ",
    "\t",
    ":",
    "-",
    ".",
    "/",
    "a",
    "Z",
    "7",
    "é",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=40))
def test_merging_between_masks_on_random_messages(con, pieces):
    table = messages_table(con, pieces)

    planned = con.execute(grouped_input_sql(f"SELECT _p FROM {table}")).fetchall()

    assert planned == reference_groups(con, table)


@pytest.mark.parametrize(
    "mask", [m for m in MASKS if m.guard is not None], ids=lambda m: m.token_type
)
def test_every_match_of_a_mask_holds_its_guard(con, mask):
    texts = [p + q for p in PIECES for q in PIECES] + PIECES
    table = messages_table(con, texts)
    matching = f"SELECT _p FROM {table} WHERE regexp_matches(_p, {quote(mask.regex)})"

    missed = con.execute(
        f"{matching} AND NOT regexp_matches(_p, {quote(mask.guard or '')})"
    ).fetchall()

    assert missed == []
    assert con.execute(f"SELECT count(*) FROM ({matching})").fetchone()[0] > 0


@pytest.mark.parametrize(
    "mask", [m for m in MASKS if m.lead is not None], ids=lambda m: m.token_type
)
def test_every_match_of_a_mask_holds_its_lead_character_at_its_offset(con, mask):
    character, offset = mask.lead or ("", 0)
    table = messages_table(con, [p + q for p in PIECES for q in PIECES])

    matches = [
        m
        for (found,) in con.execute(
            f"SELECT regexp_extract_all(_p, {quote(mask.regex)}) FROM {table}"
        ).fetchall()
        for m in found
    ]

    assert matches
    assert all(m[offset] == character for m in matches)
