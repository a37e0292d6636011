"""Screenshots of fa2's Slack messages for docs/slack.md, made from the real renderers.

    .venv/bin/python docs/slack/screenshots.py    # needs Debian's chromium-headless-shell

Runs the offline baseline over the demo bundle, asks a follow-up in the same thread, renders
the status message, the investigation's answer, the follow-up's answer and the "Show
evidence" details with `slack_app`'s own functions, turns their Block Kit into HTML that
looks like Slack's (a small converter written here: Slack publishes no renderer) and has
headless Chromium photograph each at 600 px, Slack's narrow-window width.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent
BUNDLE = ROOT / "evals" / "scenarios" / "dynamodb-throttling"
WIDTH = 600

CSS = """
body { font-family: 'Noto Sans', 'DejaVu Sans', sans-serif; font-size: 15px; margin: 0;
       width: 600px; color: #1d1c1d; background: white; }
.msg { display: flex; padding: 8px 16px; }
.avatar { width: 36px; height: 36px; border-radius: 4px; background: #1f6feb; color: white;
          font-weight: bold; display: flex; align-items: center; justify-content: center;
          margin-right: 8px; flex: none; }
.who { font-weight: bold; } .app { font-size: 10px; background: #ddd; padding: 1px 3px;
       border-radius: 2px; margin-left: 4px; color: #555; }
.body { flex: 1; min-width: 0; overflow-wrap: anywhere; }
h3 { font-size: 17px; margin: 4px 0 6px; }
.section { margin: 4px 0; line-height: 1.45; }
.context { color: #616061; font-size: 12.5px; margin: 6px 0; }
code { background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px;
       color: #c01343; font-size: 12.5px; }
pre { background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 6px;
      white-space: pre-wrap; font-size: 12px; margin: 4px 0; }
a { color: #1264a3; text-decoration: none; }
.actions button { border: 1px solid #bbb; background: white; border-radius: 4px;
                  padding: 4px 10px; margin: 6px 6px 2px 0; font-size: 13px; font-weight: bold; }
.file { border: 1px solid #ddd; border-radius: 6px; padding: 8px; margin-top: 6px;
        font-size: 13px; width: fit-content; }
.file img { width: 520px; display: block; margin-top: 4px; }
.ephemeral { color: #616061; font-size: 12px; margin-bottom: 2px; }
"""


def mrkdwn_to_html(text: str) -> str:
    """Slack mrkdwn (as fa2 sends it: `&`, `<`, `>` already escaped) to HTML."""
    blocks: list[str] = []

    def keep(fragment: str) -> str:
        blocks.append(fragment)
        return f"\x00{len(blocks) - 1}\x00"

    text = re.sub(r"```(.*?)```", lambda m: keep(f"<pre>{m.group(1)}</pre>"), text, flags=re.S)
    text = re.sub(r"`([^`\n]*)`", lambda m: keep(f"<code>{m.group(1)}</code>"), text)
    text = re.sub(
        r"<(https?://[^|>]*)\|([^>]*)>",
        lambda m: keep(f'<a href="{html.escape(m.group(1))}">{m.group(2)}</a>'),
        text,
    )
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", text)
    text = text.replace("\n", "<br>")
    return re.sub(r"\x00(\d+)\x00", lambda m: blocks[int(m.group(1))], text)


def blocks_to_html(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            parts.append(f"<h3>{html.escape(block['text']['text'])}</h3>")
        elif kind == "section":
            parts.append(f'<div class="section">{mrkdwn_to_html(block["text"]["text"])}</div>')
        elif kind == "context":
            texts = " ".join(mrkdwn_to_html(e["text"]) for e in block["elements"])
            parts.append(f'<div class="context">{texts}</div>')
        elif kind == "divider":
            parts.append("<hr>")
        elif kind == "actions":
            buttons = "".join(
                f"<button>{html.escape(e['text']['text'])}</button>" for e in block["elements"]
            )
            parts.append(f'<div class="actions">{buttons}</div>')
    return "".join(parts)


def message_html(blocks: list[dict[str, Any]], *, extra: str = "", ephemeral: bool = False) -> str:
    note = '<div class="ephemeral">👁 Only visible to you</div>' if ephemeral else ""
    return (
        f'<div class="msg"><div class="avatar">fa2</div><div class="body">{note}'
        f'<span class="who">fa2</span><span class="app">APP</span>'
        f"{blocks_to_html(blocks)}{extra}</div></div>"
    )


def screenshot(page: str, name: str, chromium: str) -> Path:
    from PIL import Image, ImageChops

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / f"{name}.html"
        source.write_text(f"<html><head><meta charset='utf-8'><style>{CSS}</style></head>"
                          f"<body>{page}</body></html>", encoding="utf-8")  # fmt: skip
        shot = Path(scratch) / f"{name}.png"
        subprocess.run(
            [chromium, "--no-sandbox", "--hide-scrollbars", f"--window-size={WIDTH},3000",
             f"--screenshot={shot}", source.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        image = Image.open(shot).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    height = min(image.height, (box[3] if box else image.height) + 12)
    target = OUT / f"{name}.png"
    image.crop((0, 0, WIDTH, height)).save(target, optimize=True)
    return target


def main() -> None:
    chromium = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if chromium is None:
        sys.exit("needs Chromium: apt-get install chromium-headless-shell")
    from agent.config import Settings
    from agent.service import ask, investigate
    from slack_app.blocks import status_message
    from slack_app.chart import chart_data, render_png
    from slack_app.investigator import ServiceInvestigator
    from slack_app.messages import answer_message, evidence_messages, followup_message

    with tempfile.TemporaryDirectory() as state:
        settings = Settings(
            model="baseline",
            bundle=BUNDLE,
            checkpoint_backend="sqlite",
            checkpoint_path=Path(state) / "checkpoints.sqlite",
        )
        from agent.alarm import incident_from_bundle
        from agent.telemetry.bundle import load_bundle

        incident = incident_from_bundle(load_bundle(BUNDLE), settings)
        thread = "slack-C0ALERTS01-1772446621.000200"
        report = investigate(incident, settings=settings, thread_id=thread)
        followup = ask(thread, "what changed right before the errors?", settings=settings)
        metric = ServiceInvestigator(settings).alarm_series(incident)
    data = chart_data(report, incident, metric)
    chart = OUT / "chart-alarm.png"
    if data is not None:
        chart.write_bytes(render_png(data))

    status = status_message(
        incident.title, state="✅", detail="Done: 1 hypothesis (1 ruled out) from 22 queries ($0.0002)",
        elapsed=3,
    )  # fmt: skip
    files = (
        '<div class="file">📄 <b>fa2-report.md</b> · Markdown</div>'
        f'<div class="file">🖼 <b>Alarm metric and changes</b><img src="{chart.as_uri()}"></div>'
    )
    answer = answer_message(report, thread_id=thread)
    pages = {
        "slack-answer": message_html(status.blocks) + message_html(answer.blocks, extra=files),
        "slack-follow-up": message_html(followup_message(followup, thread_id=thread).blocks),
        "slack-evidence": "".join(
            message_html(m.blocks, ephemeral=True)
            for m in evidence_messages(followup, ["E5", "E1"])
        ),
    }
    for name, page in pages.items():
        print(screenshot(page, name, chromium))


if __name__ == "__main__":
    main()
