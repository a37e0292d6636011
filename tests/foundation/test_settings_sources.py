"""What a fast command reads of the settings without pydantic (`agent.config.sources`):
whether any of some keys is set, and the defaults the settings models share with it."""

from __future__ import annotations

from pathlib import Path

import pytest

import agent.config
from agent.config import Settings
from agent.config.sources import (
    DEFAULT_ALB_TABLE,
    DEFAULT_ATHENA_DATABASE,
    DEFAULT_CLOUDTRAIL_TABLE,
    set_anywhere,
)
from agent.telemetry.bundle import AthenaNames

ATHENA_KEYS = ("athena_database", "athena_alb_table", "athena_cloudtrail_table")


@pytest.fixture(autouse=True)
def no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./fa2.toml
    monkeypatch.delenv("FA2_CONFIG", raising=False)
    for key in ATHENA_KEYS:
        monkeypatch.delenv(f"FA2_{key.upper()}", raising=False)


def test_nothing_set_means_the_defaults_apply_as_settings_give_them() -> None:
    athena = Settings().athena

    assert not set_anywhere(ATHENA_KEYS)
    assert (athena.database, athena.alb_table, athena.cloudtrail_table) == (
        DEFAULT_ATHENA_DATABASE,
        DEFAULT_ALB_TABLE,
        DEFAULT_CLOUDTRAIL_TABLE,
    )


def test_a_bundle_manifest_without_names_has_the_same_defaults() -> None:
    names = AthenaNames()

    assert (names.database, names.alb_table, names.cloudtrail_table) == (
        DEFAULT_ATHENA_DATABASE,
        DEFAULT_ALB_TABLE,
        DEFAULT_CLOUDTRAIL_TABLE,
    )


def test_a_key_set_in_the_environment_in_any_case_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("fa2_Athena_Database", "ops")

    assert set_anywhere(ATHENA_KEYS)
    assert Settings().athena.database == "ops"  # as the settings read it too


def test_another_key_set_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_REGION", "eu-west-1")

    assert not set_anywhere(ATHENA_KEYS)


def test_a_fa2_toml_in_the_working_folder_counts(tmp_path: Path) -> None:
    (tmp_path / "fa2.toml").write_text('region = "eu-west-1"\n')

    assert set_anywhere(ATHENA_KEYS)


def test_a_fa2_toml_named_by_fa2_config_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_CONFIG", "/somewhere/fa2.toml")

    assert set_anywhere(ATHENA_KEYS)


def test_every_public_name_of_agent_config_is_found_where_it_lives() -> None:
    homes = agent.config._HOMES

    assert set(homes) == set(agent.config.__all__)
    for name in agent.config.__all__:
        assert getattr(agent.config, name) is not None, name
