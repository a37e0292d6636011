"""Tokens of the CloudWatch Metrics Insights query language.

The quoting rules are AWS's ("What needs quotation marks or escape characters?"): label
values are always in single quotes; namespaces, metric names and label keys are bare words
of letters, digits and `_`, or double-quoted (then anything goes, and a quote inside is
escaped with a backslash: `"Bytes\\"Input\\""`). Keywords are case-insensitive, identifiers
are not. Hand-written: no maintained parser library knows this dialect (sqlglot reads
ANSI-ish SQL and would accept `SCHEMA(...)` as a function call and label values as strings
without telling the two quote kinds apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.telemetry.base import QueryError

TokenKind = Literal["word", "quoted", "string", "number", "op", "lparen", "rparen", "comma", "eof"]

# AWS's reserved keywords that this grammar uses; a bare identifier may not be one of them
# (`SELECT AVG(LIMIT)` must be written `SELECT AVG("LIMIT")`).
KEYWORDS = frozenset(
    {"select", "from", "schema", "where", "and", "or", "not", "in", "like", "group", "by"}
    | {"order", "asc", "desc", "limit", "avg", "count", "max", "min", "sum"}
)


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # decoded: an identifier's name, a string's contents
    pos: int  # 0-based offset in the query
    raw: str

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words

    def describe(self) -> str:
        return "the end of the query" if self.kind == "eof" else f"'{self.raw}'"


def location(text: str, pos: int) -> str:
    """`line L, column C` (1-based), as the Logs Insights engine words positions."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def caret(text: str, pos: int) -> str:
    """The query's line holding `pos` and a caret under it, for a message a person reads."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    return f"\n  {line}\n  {' ' * (pos - start)}^"


def query_error(text: str, pos: int, message: str) -> QueryError:
    return QueryError(
        f"Metrics Insights query error at {location(text, pos)}: {message}{caret(text, pos)}",
        position=pos,
    )


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PUNCT: dict[str, TokenKind] = {"(": "lparen", ")": "rparen", ",": "comma"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch in "\"'":
            value, i = _read_quoted(text, i)
            kind: TokenKind = "quoted" if ch == '"' else "string"
            tokens.append(Token(kind, value, start, text[start:i]))
        elif ch.isdigit():
            match = _NUMBER.match(text, i)
            assert match is not None
            i = match.end()
            if glued := _WORD.match(text, i):  # 5XXError: a name, but unquoted it is a number
                name = text[start : glued.end()]
                raise query_error(
                    text, start, f'{name} starts with a digit: write it in double quotes, "{name}"'
                )
            tokens.append(Token("number", match.group(), start, match.group()))
        elif match := _WORD.match(text, i):
            i = match.end()
            tokens.append(Token("word", match.group(), start, match.group()))
        elif text.startswith("!=", i):
            i += 2
            tokens.append(Token("op", "!=", start, "!="))
        elif ch in "=<>":
            i += 2 if text.startswith(("<>", "<=", ">="), i) else 1
            tokens.append(Token("op", text[start:i], start, text[start:i]))
        elif ch in _PUNCT:
            i += 1
            tokens.append(Token(_PUNCT[ch], ch, start, ch))
        else:
            hint = (
                ' (a name holding it must be double-quoted: "AWS/EC2"; a label value '
                "single-quoted: 'i-0abc')"
                if ch in "/.-:"
                else ""
            )
            raise query_error(text, start, f"unexpected character {ch!r}{hint}")
    tokens.append(Token("eof", "", n, ""))
    return tokens


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """A single- or double-quoted token; a backslash escapes the next character."""
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    what = "label value" if quote == "'" else "quoted name"
    raise query_error(text, start, f"unterminated {what}: the closing {quote} is missing")
