"""Slack's documented Block Kit limits, and a validator that checks messages against them.

https://docs.slack.dev/reference/block-kit/blocks — a message with more blocks or longer
texts is rejected by `chat.postMessage` with `invalid_blocks`; we check before sending.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS_PER_MESSAGE = 50
MAX_BLOCKS_PER_MODAL = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_URL = 3000
MAX_MESSAGE_TEXT = 40_000
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_INPUT_LABEL = 2000
MAX_TEXT_OBJECT = 3000


def _text_len(obj: dict[str, Any] | None) -> int:
    return len(obj.get("text", "")) if obj else 0


def _check_button(element: dict[str, Any], where: str) -> list[str]:
    problems = []
    if _text_len(element.get("text")) > MAX_BUTTON_TEXT:
        problems.append(f"{where}: button text over {MAX_BUTTON_TEXT} characters")
    if len(element.get("value", "")) > MAX_BUTTON_VALUE:
        problems.append(f"{where}: button value over {MAX_BUTTON_VALUE} characters")
    if len(element.get("action_id", "")) > MAX_ACTION_ID:
        problems.append(f"{where}: action_id over {MAX_ACTION_ID} characters")
    if len(element.get("url", "")) > MAX_URL:
        problems.append(f"{where}: url over {MAX_URL} characters")
    return problems


def validate_block(block: dict[str, Any], where: str) -> list[str]:
    """Problems with one block, each naming where it is and which limit it breaks."""
    problems: list[str] = []
    kind = block.get("type")
    if kind == "header" and _text_len(block.get("text")) > MAX_HEADER_TEXT:
        problems.append(f"{where}: header text over {MAX_HEADER_TEXT} characters")
    if kind == "section":
        if _text_len(block.get("text")) > MAX_SECTION_TEXT:
            problems.append(f"{where}: section text over {MAX_SECTION_TEXT} characters")
        fields = block.get("fields", [])
        if len(fields) > MAX_SECTION_FIELDS:
            problems.append(f"{where}: more than {MAX_SECTION_FIELDS} section fields")
        problems += [
            f"{where}: section field over {MAX_FIELD_TEXT} characters"
            for f in fields
            if _text_len(f) > MAX_FIELD_TEXT
        ]
        if "text" not in block and not fields:
            problems.append(f"{where}: section needs text or fields")
        if block.get("accessory", {}).get("type") == "button":
            problems += _check_button(block["accessory"], where)
    if kind == "context":
        elements = block.get("elements", [])
        if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
            problems.append(f"{where}: context needs 1 to {MAX_CONTEXT_ELEMENTS} elements")
        problems += [
            f"{where}: context text over {MAX_TEXT_OBJECT} characters"
            for e in elements
            if _text_len(e) > MAX_TEXT_OBJECT
        ]
    if kind == "actions":
        elements = block.get("elements", [])
        if not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
            problems.append(f"{where}: actions needs 1 to {MAX_ACTIONS_ELEMENTS} elements")
        for element in elements:
            if element.get("type") == "button":
                problems += _check_button(element, where)
    if kind == "input" and _text_len(block.get("label")) > MAX_INPUT_LABEL:
        problems.append(f"{where}: input label over {MAX_INPUT_LABEL} characters")
    return problems


def validate_message(text: str, blocks: list[dict[str, Any]]) -> list[str]:
    """Problems with a `chat.postMessage` payload; empty when Slack will accept it."""
    problems: list[str] = []
    if len(blocks) > MAX_BLOCKS_PER_MESSAGE:
        problems.append(f"{len(blocks)} blocks (at most {MAX_BLOCKS_PER_MESSAGE} per message)")
    if len(text) > MAX_MESSAGE_TEXT:
        problems.append(f"fallback text over {MAX_MESSAGE_TEXT} characters")
    for index, block in enumerate(blocks):
        problems += validate_block(block, f"block {index} ({block.get('type')})")
    return problems


def validate_modal(view: dict[str, Any]) -> list[str]:
    """Problems with a modal view for `views.open`."""
    problems: list[str] = []
    blocks = view.get("blocks", [])
    if len(blocks) > MAX_BLOCKS_PER_MODAL:
        problems.append(f"{len(blocks)} blocks (at most {MAX_BLOCKS_PER_MODAL} per modal)")
    for key in ("title", "submit", "close"):
        if _text_len(view.get(key)) > MAX_MODAL_TITLE:
            problems.append(f"modal {key} over {MAX_MODAL_TITLE} characters")
    if len(view.get("private_metadata", "")) > MAX_PRIVATE_METADATA:
        problems.append(f"private_metadata over {MAX_PRIVATE_METADATA} characters")
    for index, block in enumerate(blocks):
        problems += validate_block(block, f"block {index} ({block.get('type')})")
    return problems
