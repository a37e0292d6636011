"""`fa2 query logs` read without typer: the same command, the same answers, and typer's
say over anything the plain reader does not know exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli import app, main
from cli.plain import OutputFormat
from cli.query_logs import PLAIN_OPTIONS, plain_arguments

QUERY = "filter @message like /ERROR/ | stats count(*) as errors"


def logs_command() -> Any:
    # typer 0.29 carries its own click (typer._click): reached by attribute, not by class
    return typer.main.get_command(app).commands["query"].commands["logs"]  # type: ignore[attr-defined]


def test_the_plain_reader_knows_exactly_the_typer_commands_options() -> None:
    params = logs_command().params
    options = {p.name: tuple(p.opts) for p in params if p.param_type_name == "option"}
    assert {name: set(flags) for name, flags in options.items()} == {
        name: set(flags) for name, flags in PLAIN_OPTIONS.items()
    }


def test_a_plain_logs_query_is_read_as_typer_reads_it() -> None:
    arguments = plain_arguments(
        ["query", "logs", "-b", "bundles/demo", "--log-group", "/aws/lambda/a",
         "-g", "/aws/lambda/b", "--start=2026-03-02T10:00:00Z", "--end", "2026-03-02T11:00:00+00:00",
         "--format", "json", QUERY]
    )  # fmt: skip

    assert arguments is not None
    assert arguments.query == QUERY
    assert arguments.bundle == Path("bundles/demo")
    assert arguments.log_groups == ["/aws/lambda/a", "/aws/lambda/b"]
    assert arguments.start == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert arguments.end == datetime(2026, 3, 2, 11, tzinfo=UTC)
    assert arguments.output is OutputFormat.json


def test_a_repeated_single_valued_option_keeps_the_last_as_click_does() -> None:
    arguments = plain_arguments(
        [
            "query",
            "logs",
            "--bundle",
            "a",
            "--format",
            "json",
            "--bundle",
            "b",
            "-f",
            "table",
            QUERY,
        ]
    )

    assert arguments is not None
    assert (arguments.bundle, arguments.output) == (Path("b"), OutputFormat.table)


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "sql", "--bundle", "b", "SELECT 1"],  # another command
        ["query", "logs", "--help"],
        ["query", "logs", "--bundle", "b", "--max-rows", "5", QUERY],  # not an option of logs
        ["query", "logs", QUERY],  # --bundle missing
        ["query", "logs", "--bundle", "b"],  # the query missing
        ["query", "logs", "--bundle", "b", QUERY, "a second query"],
        ["query", "logs", "--bundle", "b", "--format", "yaml", QUERY],
        ["query", "logs", "--bundle", "b", "--start", "yesterday", QUERY],
        ["query", "logs", "--bundle", "b", "--", QUERY],
        ["query", "logs", "-bb", QUERY],  # short option glued to its value
        ["query", "logs", "--bundle", "b", QUERY, "--format"],  # an option without its value
    ],
)
def test_anything_the_plain_reader_does_not_know_exactly_goes_to_typer(argv: list[str]) -> None:
    assert plain_arguments(argv) is None


def test_both_ways_in_print_the_same_result(
    demo_bundle_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["query", "logs", "--bundle", str(demo_bundle_path), "--format", "json", QUERY]
    through_typer = CliRunner().invoke(app, argv)
    assert through_typer.exit_code == 0, through_typer.output

    monkeypatch.setattr("sys.argv", ["fa2", *argv])
    main()

    plain = capsys.readouterr().out
    assert json.loads(plain) == json.loads(through_typer.stdout)
    assert json.loads(plain)["results"][0][0]["field"] == "errors"


def test_a_malformed_query_read_plainly_exits_2_with_the_reason(
    demo_bundle_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "sys.argv",
        ["fa2", "query", "logs", "--bundle", str(demo_bundle_path), "stats count(*) by"],
    )

    with pytest.raises(SystemExit) as exit_:
        main()

    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
