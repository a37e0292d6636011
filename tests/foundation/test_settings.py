"""Settings: environment over fa2.toml over defaults; one line per problem when invalid."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.config import Settings, SettingsError, load_settings


@pytest.fixture
def toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a fa2.toml and point FA2_CONFIG at it."""

    def write(text: str) -> Path:
        path = tmp_path / "fa2.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("FA2_CONFIG", str(path))
        return path

    return write


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()

    assert (settings.aws.region, settings.investigator.model, settings.investigator.language) == (
        "us-east-1",
        "bedrock",
        "en",
    )
    assert (settings.telemetry.window_before_minutes, settings.telemetry.window_after_minutes) == (
        30,
        5,
    )


def test_fa2_toml_sets_values(toml_file) -> None:
    toml_file(
        'region = "eu-west-1"\nlog_groups = ["/aws/lambda/orders-put"]\nxray_enabled = false\n'
    )

    settings = load_settings()

    assert settings.aws.region == "eu-west-1"
    assert settings.telemetry.log_groups == ["/aws/lambda/orders-put"]
    assert settings.telemetry.xray_enabled is False


def test_environment_wins_over_fa2_toml(toml_file, monkeypatch: pytest.MonkeyPatch) -> None:
    toml_file('region = "eu-west-1"\n')
    monkeypatch.setenv("FA2_REGION", "ap-northeast-1")

    assert load_settings().aws.region == "ap-northeast-1"


def test_fa2_toml_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fa2.toml").write_text('language = "ja"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert load_settings().investigator.language == "ja"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/aws/lambda/a,/aws/lambda/b", ["/aws/lambda/a", "/aws/lambda/b"]),
        ('["/aws/lambda/a", "/aws/lambda/b"]', ["/aws/lambda/a", "/aws/lambda/b"]),
        ("", []),
    ],
    ids=["comma-separated", "json-array", "empty"],
)
def test_log_groups_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("FA2_LOG_GROUPS", value)

    assert load_settings().telemetry.log_groups == expected


def test_slack_secrets_read_from_their_usual_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-abc")
    monkeypatch.setenv("FA2_SLACK_SIGNING_SECRET", "s3cr3t")

    settings = load_settings()

    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == "xoxb-1-abc"
    assert settings.slack.signing_secret is not None
    assert "s3cr3t" not in repr(settings)


def test_flat_keys_land_in_the_group_of_their_concern() -> None:
    settings = Settings(region="eu-west-1", athena_workgroup="analysts", slack_channels="C1,C2")

    assert settings.aws.region == "eu-west-1"
    assert settings.athena.workgroup == "analysts"
    assert settings.slack.channels == ["C1", "C2"]


def test_updated_copies_with_flat_keys_and_validates_them() -> None:
    settings = Settings()

    updated = settings.updated(bundle="evals/scenarios/dynamodb-throttling", max_steps=3)

    assert updated.telemetry.bundle == Path("evals/scenarios/dynamodb-throttling")
    assert (updated.budgets.max_steps, settings.budgets.max_steps) == (3, 12)
    with pytest.raises(ValidationError):
        settings.updated(max_steps=0)


def test_each_invalid_setting_is_one_line_naming_key_and_accepted_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FA2_MODEL", "gpt-4")
    monkeypatch.setenv("FA2_LANGUAGE", "fr")
    monkeypatch.setenv("FA2_MAX_STEPS", "0")

    with pytest.raises(SettingsError) as caught:
        load_settings()

    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0] == "model [FA2_MODEL]: Input should be 'baseline' or 'bedrock'; got 'gpt-4'"
    assert problems[1] == "language [FA2_LANGUAGE]: Input should be 'en' or 'ja'; got 'fr'"
    assert problems[2].startswith(
        "max_steps [FA2_MAX_STEPS]: Input should be greater than or equal to 1"
    )


def test_more_than_50_log_groups_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_LOG_GROUPS", ",".join(f"/aws/lambda/f{i}" for i in range(51)))

    with pytest.raises(SettingsError) as caught:
        load_settings()

    (problem,) = caught.value.problems
    assert problem.startswith("log_groups [FA2_LOG_GROUPS]: at most 50 log groups (got 51); got ")
    assert len(problem) < 200  # the offending value is shortened, not dumped


def test_malformed_json_list_is_a_problem_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FA2_LOG_GROUPS", '["/aws/lambda/a"')

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert caught.value.problems[0].startswith(
        "log_groups [FA2_LOG_GROUPS]: not a valid JSON array"
    )


def test_unknown_key_in_fa2_toml_is_named(toml_file) -> None:
    toml_file('regoin = "eu-west-1"\n')

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert caught.value.problems == [
        "regoin [not a setting]: unknown setting (check the spelling in fa2.toml)"
    ]


def test_invalid_toml_is_one_problem(toml_file) -> None:
    path = toml_file("region = \n")

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert caught.value.problems[0].startswith(f"{path}: not valid TOML")


def test_missing_config_file_named_by_fa2_config_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FA2_CONFIG", str(tmp_path / "nope.toml"))

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert caught.value.problems == [f"FA2_CONFIG: {tmp_path / 'nope.toml'} does not exist"]


def test_invalid_secret_is_reported_without_its_value(toml_file) -> None:
    toml_file("slack_bot_token = 12345\n")

    with pytest.raises(SettingsError) as caught:
        load_settings()

    assert "12345" not in str(caught.value)
    assert "slack_bot_token" in str(caught.value)


def test_every_setting_is_documented_in_docs_configuration() -> None:
    from agent.config import SETTING_KEYS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(
        encoding="utf-8"
    )

    missing = [name for name in [*SETTING_KEYS, "deploy"] if f"| `{name}` |" not in doc]
    assert missing == []
