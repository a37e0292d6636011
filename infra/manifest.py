"""The Slack app manifest shipped in infra/slack-app-manifest.yaml, and a filled-in copy.

    python -m infra.manifest --request-url https://abc123.execute-api.us-east-1.amazonaws.com/prod/slack/events

prints the manifest with every request URL replaced by the stack's `SlackRequestUrl`
output, ready to paste into "Create New App → From an app manifest".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from slack_app.contract import REQUEST_PATH

MANIFEST_PATH = Path(__file__).resolve().parent / "slack-app-manifest.yaml"


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    return data


def request_urls(manifest: dict[str, Any]) -> list[str]:
    """Every URL Slack posts to: events, interactivity, each slash command."""
    settings = manifest.get("settings", {})
    urls = [
        settings.get("event_subscriptions", {}).get("request_url"),
        settings.get("interactivity", {}).get("request_url"),
        *(command.get("url") for command in manifest.get("features", {}).get("slash_commands", [])),
    ]
    return [str(url) for url in urls if url]


def check_request_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError(f"{url!r}: Slack needs an https:// URL")
    if not parsed.path.endswith(REQUEST_PATH):
        raise ValueError(f"{url!r}: fa2 listens on a path ending in {REQUEST_PATH}")
    return url


def with_request_url(manifest: dict[str, Any], url: str) -> dict[str, Any]:
    """A copy of the manifest with every request URL set to `url`."""
    check_request_url(url)
    settings = dict(manifest["settings"])
    settings["event_subscriptions"] = {**settings["event_subscriptions"], "request_url": url}
    settings["interactivity"] = {**settings["interactivity"], "request_url": url}
    features = dict(manifest["features"])
    features["slash_commands"] = [{**c, "url": url} for c in features.get("slash_commands", [])]
    return {**manifest, "settings": settings, "features": features}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request-url", required=True, help="the stack output SlackRequestUrl")
    args = parser.parse_args(argv)
    try:
        filled = with_request_url(load_manifest(), args.request_url)
    except ValueError as exc:
        print(f"fa2 manifest: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(yaml.safe_dump(filled, sort_keys=False, allow_unicode=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
