"""search_runbooks offline: a folder of markdown runbooks (and a bundle's own runbooks/),
indexed with SQLite FTS5 and ranked with BM25, kept up to date as files change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage

from agent.config import load_settings
from agent.telemetry.base import QueryError
from agent.telemetry.local import LocalBackend
from agent.telemetry.runbook_index import RunbookIndex, split_sections
from agent.tools import tools_for
from tests.agent.fakes import call
from tests.agent.helpers import context, run_tool_calls

DEMO_BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "scenarios" / "dynamodb-throttling"

THROTTLING_RUNBOOK = """\
# OrdersTableWriteThrottling

Fires when WriteThrottleEvents on the orders table exceed 10 a minute.

## Diagnose

Check ConsumedWriteCapacityUnits against the provisioned WCU. A deploy that raised
Lambda concurrency on orders-put often precedes it.

## Mitigate

Switch the table to on-demand capacity, or raise provisioned WCU with UpdateTable.
"""

PAYMENTS_RUNBOOK = """\
# Payments API 5xx

## Diagnose

Look at the payment provider's status page and the Lambda error logs.
"""


@pytest.fixture
def runbooks(tmp_path: Path) -> Path:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "orders-throttling.md").write_text(THROTTLING_RUNBOOK, encoding="utf-8")
    (folder / "payments-5xx.md").write_text(PAYMENTS_RUNBOOK, encoding="utf-8")
    (folder / "README.md").write_text("How to write a runbook: throttling", encoding="utf-8")
    return folder


def test_a_runbook_is_split_into_sections_under_their_heading_path() -> None:
    sections = list(split_sections(THROTTLING_RUNBOOK, "fallback"))
    assert [heading for _, heading, _ in sections] == [
        "OrdersTableWriteThrottling",
        "OrdersTableWriteThrottling › Diagnose",
        "OrdersTableWriteThrottling › Mitigate",
    ]
    assert sections[2][2].startswith("Switch the table to on-demand")


def test_the_best_matching_section_comes_first_with_its_file_and_heading(runbooks: Path) -> None:
    result = RunbookIndex([runbooks]).search("raise provisioned WCU on the orders table", 3)
    top = result.passages[0]
    assert top.source == "runbooks/orders-throttling.md"
    assert top.heading == "OrdersTableWriteThrottling › Mitigate"
    assert "UpdateTable" in top.text
    assert result.rows[0][:2] == [top.source, top.heading]
    assert all(p.source != "runbooks/README.md" for p in result.passages)


def test_a_runbook_titled_after_the_alarm_outranks_one_that_mentions_a_word(
    runbooks: Path,
) -> None:
    result = RunbookIndex([runbooks]).search("OrdersTableWriteThrottling Lambda errors", 5)
    assert result.passages[0].source == "runbooks/orders-throttling.md"


def test_punctuation_and_fts_operators_in_the_text_are_only_words(runbooks: Path) -> None:
    result = RunbookIndex([runbooks]).search('orders-put" OR NEAR( * "5xx)', 5)
    assert {p.source for p in result.passages} == {
        "runbooks/orders-throttling.md",
        "runbooks/payments-5xx.md",
    }


def test_text_without_words_is_a_clear_error(runbooks: Path) -> None:
    with pytest.raises(QueryError, match="no words to search for"):
        RunbookIndex([runbooks]).search("?! --", 5)


def test_nothing_matching_is_an_empty_result(runbooks: Path) -> None:
    result = RunbookIndex([runbooks]).search("kinesis shard iterator", 5)
    assert result.status == "empty"
    assert result.rows == []


def test_a_changed_runbook_is_reindexed_and_only_it(runbooks: Path) -> None:
    index = RunbookIndex([runbooks])
    index.search("throttling", 5)
    assert index.reindexed_files == 2
    changed = runbooks / "payments-5xx.md"
    changed.write_text("# Payments API 5xx\n\nCheck the idempotency keys table.\n", "utf-8")
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert index.search("idempotency", 5).passages[0].source == "runbooks/payments-5xx.md"
    assert index.search("status page", 5).status == "empty"
    assert index.reindexed_files == 3


def test_added_and_deleted_runbooks_are_picked_up_on_the_next_search(runbooks: Path) -> None:
    index = RunbookIndex([runbooks])
    assert index.search("kinesis", 5).status == "empty"
    (runbooks / "kinesis.txt").write_text("Kinesis iterator age\n\nAdd shards.", "utf-8")
    assert index.search("kinesis", 5).passages[0].source == "runbooks/kinesis.txt"
    (runbooks / "kinesis.txt").unlink()
    assert index.search("kinesis", 5).status == "empty"


def test_a_bundle_without_runbooks_offers_no_search_runbooks_tool() -> None:
    backend = LocalBackend(DEMO_BUNDLE, load_settings(model="baseline"))
    assert backend.capabilities.runbooks is False
    assert "search_runbooks" not in {t.name for t in tools_for(backend.capabilities)}


def test_a_bundles_own_runbooks_are_searched_beside_the_configured_folder(
    tmp_path: Path, runbooks: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEMO_BUNDLE, bundle)
    (bundle / "runbooks").mkdir()
    (bundle / "runbooks" / "orders-put.md").write_text(
        "# orders-put Lambda\n\nThrottling retries exhaust after 9 attempts.\n", "utf-8"
    )
    settings = load_settings(model="baseline", runbooks_dir=runbooks)
    backend = LocalBackend(bundle, settings)
    result = backend.search_runbooks("throttling", 10)
    assert backend.capabilities.runbooks is True
    assert {p.source for p in result.passages} >= {
        "runbooks/orders-put.md",
        "runbooks/orders-throttling.md",
    }
    assert result.link == "bundle://bundle/runbooks"


def test_a_runbook_passage_is_evidence_the_report_can_cite(runbooks: Path) -> None:
    settings = load_settings(model="baseline", runbooks_dir=runbooks)
    backend = LocalBackend(DEMO_BUNDLE, settings)
    ctx = context(settings, backend)
    result = run_tool_calls(
        ctx, call("search_runbooks", {"query": "orders table throttling mitigate"}, "c1")
    )
    [evidence] = ctx.ledger.recorded
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert evidence.id == "E1"
    assert evidence.source == "runbooks"
    assert evidence.rows[0][0] == "runbooks/orders-throttling.md"
    assert message.content.startswith("[E1] search_runbooks · runbooks")
    assert "UpdateTable" in message.content


def test_a_camel_case_alarm_name_is_found_by_its_words_and_whole(runbooks: Path) -> None:
    index = RunbookIndex([runbooks])
    assert (
        index.search("write throttling", 5)
        .passages[0]
        .heading.startswith("OrdersTableWriteThrottling")
    )
    whole = index.search("OrdersTableWriteThrottling", 5).passages[0]
    assert whole.heading == "OrdersTableWriteThrottling"
    assert "(" not in whole.text  # the split words are indexed, never shown


def test_a_link_out_of_the_runbooks_folder_is_never_read(runbooks: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Credentials\n\nthe database password is hunter2\n", "utf-8")
    (runbooks / "linked.md").symlink_to(secret)
    assert RunbookIndex([runbooks]).search("database password", 5).status == "empty"
