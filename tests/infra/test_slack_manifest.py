"""The Slack app manifest asks for exactly what slack_app listens to and needs."""

from __future__ import annotations

import pytest
import yaml

from infra.manifest import load_manifest, main, request_urls, with_request_url
from slack_app.contract import BOT_EVENTS, BOT_SCOPES, REQUEST_PATH, SLASH_COMMANDS, SUBCOMMANDS

API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/slack/events"


def test_every_request_url_ends_with_the_path_slack_app_serves() -> None:
    urls = request_urls(load_manifest())
    assert len(urls) == 2 + len(SLASH_COMMANDS)
    assert all(url.startswith("https://") and url.endswith(REQUEST_PATH) for url in urls)


def test_bot_scopes_match_the_contract() -> None:
    assert sorted(load_manifest()["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_bot_events_match_the_contract() -> None:
    events = load_manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == sorted(BOT_EVENTS)


def test_slash_commands_match_the_contract() -> None:
    commands = load_manifest()["features"]["slash_commands"]
    assert sorted(c["command"] for c in commands) == sorted(SLASH_COMMANDS)


def test_usage_hint_names_every_subcommand() -> None:
    (command,) = load_manifest()["features"]["slash_commands"]
    hint = command["usage_hint"]
    assert all(f"{name} " in hint for name in SUBCOMMANDS)


def test_uploads_are_allowed_for_reports_charts_and_the_findings_pdf() -> None:
    # files_upload_v2 = files.getUploadURLExternal + files.completeUploadExternal: files:write
    assert "files:write" in load_manifest()["oauth_config"]["scopes"]["bot"]


def test_interactivity_is_on_for_buttons_and_the_form() -> None:
    assert load_manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_filled_in_manifest_points_every_url_at_the_stack() -> None:
    filled = with_request_url(load_manifest(), API_URL)
    assert request_urls(filled) == [API_URL] * (2 + len(SLASH_COMMANDS))


def test_manifest_command_prints_a_filled_in_copy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--request-url", API_URL]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["settings"]["event_subscriptions"]["request_url"] == API_URL


@pytest.mark.parametrize(
    "url",
    [
        "http://abc123.execute-api.us-east-1.amazonaws.com/prod/slack/events",
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod/",
    ],
)
def test_manifest_command_refuses_a_url_slack_cannot_use(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--request-url", url]) == 2
    assert "fa2 manifest:" in capsys.readouterr().err
