"""X-Ray filter expressions (the subset the agent needs), parsed into a predicate over traces.

Grammar (X-Ray developer guide, "Use filter expressions"):

    expr      := and_expr (("or" | "||") and_expr)*
    and_expr  := unary (("and" | "&&") unary)*
    unary     := "!" unary | "(" expr ")" | term
    term      := "service" "(" [STRING] ")" [block]
               | "edge" "(" STRING "," STRING ")" [block]
               | "rootcause." ("fault" | "error" | "responsetime") "." ("service" | "entity") block
               | KEYWORD [op value]
    block     := "{" expr "}"          (evaluated against that service / edge / root cause)
    op        := = != < <= > >= CONTAINS BEGINSWITH ENDSWITH

Keywords: fault, error, throttle, ok, partial (booleans); responsetime, duration, http.status
(numbers); http.url, http.method, http.useragent, http.clientip, user (strings);
annotation.KEY or annotation[KEY]. In a root-cause block: name, type, and for entities
exception.name, exception.message, remote. A keyword alone means `= true` (or "present").
A block is true if any instance (segment of the service, call over the edge, root cause)
satisfies it. A bad expression raises `QueryError` naming the position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from agent.telemetry.base import QueryError

Facts = dict[str, Any]
Predicate = Callable[["Subject"], bool]

BOOLEAN = {"fault", "error", "throttle", "ok", "partial", "remote"}
NUMERIC = {"responsetime", "duration", "http.status"}
STRING = {"http.url", "http.method", "http.useragent", "http.clientip", "user", "name", "type"}
STRING |= {"exception.name", "exception.message"}

TRACE_KEYWORDS = {"fault", "error", "throttle", "ok", "partial", "responsetime", "duration"}
TRACE_KEYWORDS |= {
    "http.status",
    "http.url",
    "http.method",
    "http.useragent",
    "http.clientip",
    "user",
}
NODE_KEYWORDS = {
    "fault",
    "error",
    "throttle",
    "ok",
    "responsetime",
    "duration",
    "http.status",
    "name",
    "type",
}
CAUSE_SERVICE_KEYWORDS = {"name", "type"}
CAUSE_ENTITY_KEYWORDS = {"name", "exception.name", "exception.message", "remote"}


class Subject:
    """What a predicate looks at: the facts of one trace / service instance / edge call /
    root cause, and how to find the instances of a block inside it."""

    def facts(self) -> Facts:
        raise NotImplementedError

    def services(self, name: str | None) -> Iterable[Subject]:
        return ()

    def edges(self, source: str, target: str) -> Iterable[Subject]:
        return ()

    def root_causes(self, kind: str, level: str) -> Iterable[Subject]:
        return ()


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>&&|\|\||!=|<=|>=|[=<>!(){},\[\]])
      | (?P<word>[A-Za-z_@][A-Za-z0-9_.@]*)
    )""",
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str  # string | number | op | word | end
    text: str
    position: int

    @property
    def value(self) -> Any:
        if self.kind == "string":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1])
        if self.kind == "number":
            return float(self.text)
        return self.text


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(expression):
        if expression[position:].strip() == "":
            break
        match = _TOKEN.match(expression, position)
        if not match or match.end() == position:
            start = len(expression) - len(expression[position:].lstrip())
            raise _error(expression, start, f"unexpected character {expression[start]!r}")
        kind = match.lastgroup or "op"
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(Token("end", "", len(expression)))
    return tokens


def _error(expression: str, position: int, message: str) -> QueryError:
    pointer = f"\n  {expression}\n  {' ' * position}^"
    return QueryError(
        f"filter expression: {message} at position {position}{pointer}", position=position
    )


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "contains": lambda a, b: b in a,
    "beginswith": lambda a, b: a.startswith(b),
    "endswith": lambda a, b: a.endswith(b),
}


MAX_NESTING = 30


class Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = tokenize(expression)
        self.index = 0
        self.depth = 0

    # -------------------------------------------------------------- helpers
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def fail(self, message: str, token: Token | None = None) -> QueryError:
        return _error(self.expression, (token or self.current).position, message)

    def accept(self, *texts: str) -> Token | None:
        token = self.current
        if token.kind in ("op", "word") and token.text.lower() in texts:
            self.index += 1
            return token
        return None

    def expect(self, text: str) -> Token:
        token = self.accept(text)
        if token is None:
            found = self.current.text or "end of expression"
            raise self.fail(f"expected {text!r} but found {found!r}")
        return token

    def expect_string(self) -> str:
        token = self.current
        if token.kind != "string":
            raise self.fail(
                f'expected a quoted name (e.g. "my-service") but found {token.text or "end of expression"!r}'
            )
        self.index += 1
        return str(token.value)

    # -------------------------------------------------------------- grammar
    def parse(self) -> Predicate:
        if self.current.kind == "end":
            raise self.fail("empty filter expression")
        predicate = self.parse_or(TRACE_KEYWORDS)
        if self.current.kind != "end":
            raise self.fail(f"unexpected {self.current.text!r} (missing 'and' / 'or'?)")
        return predicate

    def parse_or(self, allowed: set[str]) -> Predicate:
        parts = [self.parse_and(allowed)]
        while self.accept("or", "||"):
            parts.append(self.parse_and(allowed))
        return parts[0] if len(parts) == 1 else (lambda s: any(p(s) for p in parts))

    def parse_and(self, allowed: set[str]) -> Predicate:
        parts = [self.parse_unary(allowed)]
        while self.accept("and", "&&"):
            parts.append(self.parse_unary(allowed))
        return parts[0] if len(parts) == 1 else (lambda s: all(p(s) for p in parts))

    def deeper(self, token: Token) -> None:
        """Count one more level of `!`, `(` or `{`; past MAX_NESTING the expression is refused
        (parsing and evaluating recurse once per level: 2000 `!` exhausted Python's stack)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(
                f"filter expression too deeply nested: more than {MAX_NESTING} levels of "
                "'!', '(' or '{'",
                token,
            )

    def parse_unary(self, allowed: set[str]) -> Predicate:
        token = self.current
        if self.accept("!"):
            self.deeper(token)
            inner = self.parse_unary(allowed)
            self.depth -= 1
            return lambda s: not inner(s)
        if self.accept("("):
            self.deeper(token)
            inner = self.parse_or(allowed)
            self.expect(")")
            self.depth -= 1
            return inner
        return self.parse_term(allowed)

    def parse_block(self, allowed: set[str]) -> Predicate | None:
        token = self.current
        if not self.accept("{"):
            return None
        self.deeper(token)
        inner = self.parse_or(allowed)
        self.expect("}")
        self.depth -= 1
        return inner

    def parse_term(self, allowed: set[str]) -> Predicate:
        token = self.current
        if token.kind != "word":
            raise self.fail(
                f"expected a keyword, service(...), edge(...) or '(' but found {token.text or 'end of expression'!r}"
            )
        word = token.text.lower()
        if word == "service" and allowed is TRACE_KEYWORDS:
            self.index += 1
            self.expect("(")
            name = None if self.current.text == ")" else self.expect_string()
            self.expect(")")
            block = self.parse_block(NODE_KEYWORDS)
            return lambda s: any(block is None or block(n) for n in s.services(name))
        if word == "edge" and allowed is TRACE_KEYWORDS:
            self.index += 1
            self.expect("(")
            source = self.expect_string()
            self.expect(",")
            target = self.expect_string()
            self.expect(")")
            edge_block = self.parse_block(NODE_KEYWORDS)
            return lambda s: any(
                edge_block is None or edge_block(e) for e in s.edges(source, target)
            )
        if word.startswith("rootcause.") and allowed is TRACE_KEYWORDS:
            return self.parse_root_cause(token)
        if word.startswith("annotation") and allowed is TRACE_KEYWORDS:
            return self.parse_annotation(token)
        if word not in allowed:
            where = "here" if allowed is TRACE_KEYWORDS else "inside this { } block"
            raise self.fail(
                f"unknown keyword {token.text!r} {where}; known: {', '.join(sorted(allowed))}",
                token,
            )
        self.index += 1
        return self.parse_comparison(word, token)

    def parse_root_cause(self, token: Token) -> Predicate:
        parts = token.text.lower().split(".")
        kinds = ("fault", "error", "responsetime")
        if len(parts) != 3 or parts[1] not in kinds or parts[2] not in ("service", "entity"):
            raise self.fail(
                f"unsupported root-cause keyword {token.text!r}; use rootcause.KIND.service or "
                "rootcause.KIND.entity with KIND fault, error or responsetime",
                token,
            )
        self.index += 1
        allowed = CAUSE_SERVICE_KEYWORDS if parts[2] == "service" else CAUSE_ENTITY_KEYWORDS
        block = self.parse_block(allowed)
        if block is None:
            raise self.fail(
                f'{token.text} needs a {{ }} block, e.g. {token.text} {{ name = "orders-put" }}'
            )
        return lambda s: any(block(c) for c in s.root_causes(parts[1], parts[2]))

    def parse_annotation(self, token: Token) -> Predicate:
        self.index += 1
        if token.text.lower() == "annotation":  # annotation[key]
            self.expect("[")
            key_token = self.current
            if key_token.kind not in ("word", "string"):
                raise self.fail("expected an annotation key inside [ ]")
            self.index += 1
            key = str(key_token.value)
            self.expect("]")
        elif token.text.lower().startswith("annotation."):
            key = token.text[len("annotation.") :]
        else:
            raise self.fail(
                f"unknown keyword {token.text!r}; annotations are annotation.KEY", token
            )
        return self.parse_comparison(f"annotation.{key}", token)

    def parse_comparison(self, keyword: str, token: Token) -> Predicate:
        op_token = self.current
        op = op_token.text.lower() if op_token.kind in ("op", "word") else ""
        if op not in _COMPARATORS:
            if keyword in NUMERIC:
                raise self.fail(f"{keyword} needs a comparison, e.g. {keyword} > 1", op_token)
            return lambda s: _truthy(s.facts().get(keyword))
        self.index += 1
        value_token = self.current
        if value_token.kind not in ("string", "number") and value_token.text.lower() not in (
            "true",
            "false",
        ):
            raise self.fail(f"expected a value after {op_token.text!r}", value_token)
        self.index += 1
        value: Any = value_token.value
        if value_token.kind == "word":
            value = value_token.text.lower() == "true"
        if keyword in NUMERIC and not isinstance(value, float):
            raise self.fail(f"{keyword} compares with a number", value_token)
        if op in ("contains", "beginswith", "endswith") and not isinstance(value, str):
            raise self.fail(f"{op_token.text} compares with a quoted string", value_token)
        compare = _COMPARATORS[op]

        def predicate(subject: Subject) -> bool:
            actual = subject.facts().get(keyword)
            values = actual if isinstance(actual, list) else [actual]
            return any(_compare(compare, v, value) for v in values)

        return predicate


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    return value is not None and value is not False and value != ""


def _compare(compare: Callable[[Any, Any], bool], actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    try:
        if isinstance(expected, bool):
            return compare(bool(actual), expected)
        if isinstance(expected, float):
            return compare(float(actual), expected)
        return compare(str(actual), expected)
    except (TypeError, ValueError):
        return False


def parse_filter(expression: str) -> Predicate:
    """Parse an X-Ray filter expression; raise `QueryError` (with position) if invalid."""
    return Parser(expression).parse()
