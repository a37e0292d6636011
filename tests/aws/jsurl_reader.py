"""A JSURL reader for the tests: turns a console link's state back into data, so tests
check what the console will show rather than our own encoder's output."""

from __future__ import annotations

import re
from typing import Any

_ESCAPE = re.compile(r"\*\*([0-9a-f]{4})|\*([0-9a-f]{2})|!")


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "!":
            return "$"
        return chr(int(match.group(1) or match.group(2), 16))

    return _ESCAPE.sub(replace, text)


def parse_jsurl(text: str) -> Any:
    value, end = _value(text, 0)
    if end != len(text):
        raise ValueError(f"trailing text at {end}: {text[end:]!r}")
    return value


def _token(text: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(text) and text[j] not in "~)":
        j += 1
    return text[i:j], j


def _value(text: str, i: int) -> tuple[Any, int]:
    if text[i] != "~":
        raise ValueError(f"expected '~' at {i}: {text[i : i + 20]!r}")
    i += 1
    if text[i] == "'":
        raw, i = _token(text, i + 1)
        return _unescape(raw), i
    if text[i] == "(":
        i += 1
        if text[i] == "~":  # list
            items: list[Any] = []
            if text[i + 1] == ")":
                return items, i + 2
            while text[i] != ")":
                item, i = _value(text, i)
                items.append(item)
            return items, i + 1
        obj: dict[str, Any] = {}
        if text[i] == ")":
            return obj, i + 1
        while True:
            key, i = _token(text, i)
            obj[_unescape(key)], i = _value(text, i)
            if text[i] == ")":
                return obj, i + 1
            i += 1  # the '~' between entries
    raw, i = _token(text, i)
    literals = {"true": True, "false": False, "null": None}
    if raw in literals:
        return literals[raw], i
    return (float(raw) if "." in raw else int(raw)), i
