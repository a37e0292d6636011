"""`fa2 query sql` read without typer: the same command and answers, typer's say over
anything the plain reader does not know exactly, and the settings and manifest read only
as far as the query needs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from cli import app, main
from cli.plain import OutputFormat
from cli.sql_query import PLAIN_OPTIONS, plain_arguments

from .conftest import DATA

COUNT = "SELECT count(*) AS n FROM alb_access_logs"


def sql_command() -> Any:
    # typer 0.29 carries its own click (typer._click): reached by attribute, not by class
    return typer.main.get_command(app).commands["query"].commands["sql"]  # type: ignore[attr-defined]


@pytest.fixture
def plain_bundle(tmp_path: Path) -> Path:
    """ALB and CloudTrail files and a manifest that names no Athena tables."""
    root = tmp_path / "shop-incident"
    for source in ("alb", "cloudtrail"):
        shutil.copytree(DATA / source, root / source)
    manifest = {
        "version": 1,
        "title": "Shop 5xx",
        "window": {"start": "2026-03-02T09:45:00Z", "end": "2026-03-02T10:30:00Z"},
    }
    (root / "incident.yaml").write_text(yaml.safe_dump(manifest))
    return root


def run_main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.argv", ["fa2", *argv])
    try:
        main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def count_of(out: str) -> str:
    return json.loads(out)["ResultSet"]["Rows"][1]["Data"][0]["VarCharValue"]


def test_the_plain_reader_knows_exactly_the_typer_commands_options() -> None:
    params = sql_command().params
    options = {p.name: set(p.opts) for p in params if p.param_type_name == "option"}
    assert options == {name: set(flags) for name, flags in PLAIN_OPTIONS.items()}


def test_a_plain_sql_query_is_read_as_typer_reads_it() -> None:
    arguments = plain_arguments(
        ["query", "sql", "-b", "bundles/demo", "--max-rows=25", "-f", "json", COUNT]
    )

    assert arguments is not None
    assert (arguments.statement, arguments.bundle) == (COUNT, Path("bundles/demo"))
    assert (arguments.max_rows, arguments.output) == (25, OutputFormat.json)


def test_the_bundle_may_come_from_fa2_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_BUNDLE", "bundles/demo")

    arguments = plain_arguments(["query", "sql", COUNT])

    assert arguments is not None and arguments.bundle == Path("bundles/demo")


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "logs", "--bundle", "b", COUNT],  # another command
        ["query", "sql", "--help"],
        ["query", "sql", COUNT],  # no --bundle and no FA2_BUNDLE
        ["query", "sql", "--bundle", "b"],  # the statement missing
        ["query", "sql", "--bundle", "b", COUNT, "SELECT 2"],
        ["query", "sql", "--bundle", "b", "--max-rows", "0", COUNT],  # below typer's min
        ["query", "sql", "--bundle", "b", "--max-rows", "100001", COUNT],  # above its max
        ["query", "sql", "--bundle", "b", "--max-rows", "ten", COUNT],
        ["query", "sql", "--bundle", "b", "--format", "csv", COUNT],
        ["query", "sql", "--bundle", "b", "--log-group", "g", COUNT],  # not an option of sql
        ["query", "sql", "-bb", COUNT],  # short option glued to its value
    ],
)
def test_anything_the_plain_reader_does_not_know_exactly_goes_to_typer(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FA2_BUNDLE", raising=False)
    assert plain_arguments(argv) is None


def test_both_ways_in_print_the_same_result(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["query", "sql", "--bundle", str(plain_bundle), "--format", "json", COUNT]
    through_typer = CliRunner().invoke(app, argv)
    assert through_typer.exit_code == 0, through_typer.output

    assert run_main(argv, monkeypatch) == 0

    plain = capsys.readouterr().out
    assert json.loads(plain) == json.loads(through_typer.stdout)
    assert count_of(plain) == "7"


def test_the_table_cites_the_source_the_query_read(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["query", "sql", "-b", str(plain_bundle), "--max-rows", "2"]
    statement = "SELECT client_ip FROM alb_access_logs ORDER BY client_ip"

    assert run_main([*argv, statement], monkeypatch) == 0

    out = capsys.readouterr().out
    assert "10.0.0.140" in out
    assert "2 of 7 rows" in out and "bundle://shop-incident/alb" in out


def test_a_refused_statement_read_plainly_exits_2_with_the_reason(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_main(
        ["query", "sql", "-b", str(plain_bundle), "DROP TABLE alb_access_logs"], monkeypatch
    )

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: refused DROP statement") and "Traceback" not in err


def test_a_configured_table_name_is_queried_and_the_default_name_still_resolves(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FA2_ATHENA_ALB_TABLE", "shop_alb")
    argv = ["query", "sql", "-b", str(plain_bundle), "-f", "json"]

    assert run_main([*argv, "SELECT count(*) FROM shop_alb"], monkeypatch) == 0
    assert count_of(capsys.readouterr().out) == "7"
    assert run_main([*argv, COUNT], monkeypatch) == 0
    assert count_of(capsys.readouterr().out) == "7"


def test_a_bad_configured_table_name_fails_with_the_settings_message(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("fa2_athena_alb_table", "alb; DROP")  # names are read without case

    assert run_main(["query", "sql", "-b", str(plain_bundle), COUNT], monkeypatch) == 1

    err = capsys.readouterr().err
    assert "athena_alb_table" in err and "Glue name" in err and "Traceback" not in err


def test_table_names_in_fa2_toml_are_honoured(
    plain_bundle: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "fa2.toml"
    config.write_text('athena_cloudtrail_table = "trail"\n')
    monkeypatch.setenv("FA2_CONFIG", str(config))

    code = run_main(
        ["query", "sql", "-b", str(plain_bundle), "-f", "json", "SELECT count(*) FROM trail"],
        monkeypatch,
    )

    assert code == 0
    assert int(count_of(capsys.readouterr().out)) > 0


def test_the_table_names_a_manifest_gives_resolve(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = yaml.safe_load((plain_bundle / "incident.yaml").read_text())
    manifest["athena"] = {"alb_table": "exported_alb"}
    (plain_bundle / "incident.yaml").write_text(yaml.safe_dump(manifest))
    argv = ["query", "sql", "-b", str(plain_bundle), "-f", "json"]

    assert run_main([*argv, "SELECT count(*) AS n FROM exported_alb"], monkeypatch) == 0

    assert count_of(capsys.readouterr().out) == "7"


def test_a_manifest_faulty_where_a_query_does_not_look_still_lets_you_query(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = yaml.safe_load((plain_bundle / "incident.yaml").read_text())
    manifest["titel"] = "a misspelled key, which fa2 bundle check names"
    (plain_bundle / "incident.yaml").write_text(yaml.safe_dump(manifest))

    assert (
        run_main(["query", "sql", "-b", str(plain_bundle), "-f", "json", COUNT], monkeypatch) == 0
    )

    assert count_of(capsys.readouterr().out) == "7"


def test_a_manifest_that_names_tables_is_validated_whole(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = yaml.safe_load((plain_bundle / "incident.yaml").read_text())
    manifest["athena"] = {"alb_table": "alb logs"}  # a space: never spliced into SQL
    (plain_bundle / "incident.yaml").write_text(yaml.safe_dump(manifest))

    assert run_main(["query", "sql", "-b", str(plain_bundle), COUNT], monkeypatch) == 1

    err = capsys.readouterr().err
    assert "athena.alb_table" in err and "Traceback" not in err


def fa2_process(*argv: str) -> subprocess.CompletedProcess[str]:
    """The `fa2` program as a user runs it (`python -m cli` is the console script's twin)."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *argv], capture_output=True, text=True, timeout=120
    )


def test_the_fa2_program_ends_a_plain_query_with_all_its_output_written(
    plain_bundle: Path,
) -> None:
    # `run` skips the interpreter's teardown after a query read plainly (os._exit): the
    # output must be flushed first, and the status must be 0.
    done = fa2_process("query", "sql", "-b", str(plain_bundle), "-f", "json", COUNT)

    assert done.returncode == 0, done.stderr
    assert count_of(done.stdout) == "7"


def test_the_fa2_program_keeps_a_failed_querys_status_and_message(plain_bundle: Path) -> None:
    done = fa2_process("query", "sql", "-b", str(plain_bundle), "DROP TABLE alb_access_logs")

    assert done.returncode == 2
    assert done.stderr.startswith("error: refused DROP statement")


def test_main_called_in_process_returns_after_a_plain_query(
    plain_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the program itself exits early; `main` leaves the caller's process alone.
    monkeypatch.setattr("os._exit", lambda code: pytest.fail(f"os._exit({code}) called"))

    assert (
        run_main(["query", "sql", "-b", str(plain_bundle), "-f", "json", COUNT], monkeypatch) == 0
    )

    assert count_of(capsys.readouterr().out) == "7"
