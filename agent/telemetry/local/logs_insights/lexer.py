"""Tokens of Logs Insights QL.

The one subtle point is `/`: it starts a regular expression where an operand is expected
(`like /x/`, `=~ /x/`, `parse @message /x/`) and divides where an operator is expected
(`bytes / 1024`). The lexer decides from the previous token, as JavaScript lexers do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.telemetry.errors import QueryError

TokenKind = Literal[
    "ident", "string", "regex", "number", "duration", "op", "pipe", "comma",
    "lparen", "rparen", "lbrack", "rbrack", "eof",
]  # fmt: skip

# Period units of bin()/datefloor()/dateceil(), to milliseconds, as the stats page lists them;
# "for all units and abbreviations that include more than one character, adding s to
# pluralize is supported" (hr, hrs). Calendar units (mo, q, y) are floored on the calendar by
# the compiler; their value here is nominal.
_DAY = 86_400_000
_UNITS: dict[str, int] = {
    "millisecond": 1, "ms": 1, "msec": 1,
    "second": 1000, "s": 1000, "sec": 1000,
    "minute": 60_000, "m": 60_000, "min": 60_000,
    "hour": 3_600_000, "h": 3_600_000, "hr": 3_600_000,
    "day": _DAY, "d": _DAY,
    "week": 7 * _DAY, "w": 7 * _DAY,
    "month": 30 * _DAY, "mo": 30 * _DAY, "mon": 30 * _DAY,
    "quarter": 91 * _DAY, "q": 91 * _DAY, "qtr": 91 * _DAY,
    "year": 365 * _DAY, "y": 365 * _DAY, "yr": 365 * _DAY,
}  # fmt: skip
DURATION_UNITS: dict[str, int] = _UNITS | {f"{u}s": v for u, v in _UNITS.items() if len(u) > 1}


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # the decoded value (string contents, regex body, identifier name)
    pos: int
    raw: str = ""  # as written in the query

    def is_word(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.lower() in words

    def describe(self) -> str:
        if self.kind == "eof":
            return "the end of the query"
        return f"'{self.raw or self.text}'"


def location(text: str, pos: int) -> str:
    """`line L, column C` (1-based) for an offset, as AWS's MalformedQueryException words it."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def syntax_error(text: str, pos: int, message: str) -> QueryError:
    return QueryError(f"Malformed query at {location(text, pos)}: {message}", position=pos)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_UNIT = re.compile(r"[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z_@$][\w@$]*")
_SEGMENT = re.compile(r"[\w@$]+")  # after a dot: `items.0.id`
_OPS = ("!=", "<=", ">=", "=~", "=", "<", ">", "+", "-", "*", "/", "%", "^")
_PUNCT: dict[str, TokenKind] = {
    "|": "pipe",
    ",": "comma",
    "(": "lparen",
    ")": "rparen",
    "[": "lbrack",
    "]": "rbrack",
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def _operand_ended(previous: Token | None) -> bool:
    """After these tokens a `/` divides; anywhere else it opens a regex."""
    if previous is None:
        return False
    if previous.kind in ("number", "duration", "string", "regex", "rparen", "rbrack"):
        return True
    if previous.kind == "ident":
        return not previous.is_word("like", "and", "or", "not", "in", "by", "as", "parse")
    return False


def _parse_source_ended(tokens: list[Token]) -> bool:
    """`parse @message /re/`: after the field parsed, `/` opens the regex."""
    return (
        len(tokens) >= 2
        and tokens[-1].kind == "ident"
        and tokens[-2].is_word("parse")
        and (len(tokens) == 2 or tokens[-3].kind == "pipe")
    )


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "#":  # comment to the end of the line
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        start = i
        if ch in "\"'":
            value, i = _read_string(text, i)
            tokens.append(Token("string", value, start, text[start:i]))
        elif ch == "`":
            name, i = _read_backticked(text, i)
            name, i = _read_dotted_tail(text, i, name)
            tokens.append(Token("ident", name, start, text[start:i]))
        elif ch == "/" and (
            not _operand_ended(tokens[-1] if tokens else None) or _parse_source_ended(tokens)
        ):
            body, i = _read_regex(text, i)
            tokens.append(Token("regex", body, start, text[start:i]))
        elif ch.isdigit():
            match = _NUMBER.match(text, i)
            assert match is not None
            i = match.end()
            unit = _UNIT.match(text, i)
            if unit and unit.group().lower() in DURATION_UNITS:
                i = unit.end()
                tokens.append(Token("duration", text[start:i], start, text[start:i]))
            elif unit:
                raise syntax_error(
                    text,
                    unit.start(),
                    f"unknown time unit '{unit.group()}' (expected one of ms, s, m, h, d, w, mo, q, y)",
                )
            else:
                tokens.append(Token("number", match.group(), start, match.group()))
        elif (word := _WORD.match(text, i)) is not None:
            name, i = _read_dotted_tail(text, word.end(), word.group())
            tokens.append(Token("ident", name, start, text[start:i]))
        elif ch in _PUNCT:
            i += 1
            tokens.append(Token(_PUNCT[ch], ch, start, ch))
        else:
            op = next((o for o in _OPS if text.startswith(o, i)), None)
            if op is None:
                raise syntax_error(text, i, f"unexpected character '{ch}'")
            i += len(op)
            tokens.append(Token("op", op, start, op))
    tokens.append(Token("eof", "", n))
    return tokens


def _read_string(text: str, i: int) -> tuple[str, int]:
    quote, start = text[i], i
    out: list[str] = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise syntax_error(text, start, f"string starting here is not closed (expected {quote})")


def _read_backticked(text: str, i: int) -> tuple[str, int]:
    end = text.find("`", i + 1)
    if end < 0:
        raise syntax_error(text, i, "backticked field name is not closed (expected `)")
    return text[i + 1 : end], end + 1


def _read_dotted_tail(text: str, i: int, name: str) -> tuple[str, int]:
    """Extend a field name over `.segment` parts: `a.b`, `items.0.id`, ``a.`b.c` ``."""
    while i + 1 < len(text) and text[i] == ".":
        if text[i + 1] == "`":
            segment, i = _read_backticked(text, i + 1)
            name += "." + segment
            continue
        match = _SEGMENT.match(text, i + 1)
        if match is None:
            break
        name += "." + match.group()
        i = match.end()
    return name, i


def _read_regex(text: str, i: int) -> tuple[str, int]:
    start = i
    i += 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            # `\/` is an escaped delimiter; every other escape belongs to the regex
            out.append("/" if text[i + 1] == "/" else text[i : i + 2])
            i += 2
            continue
        if ch == "/":
            return "".join(out), i + 1
        if ch == "\n":
            break
        out.append(ch)
        i += 1
    raise syntax_error(text, start, "regular expression starting here is not closed (expected /)")
