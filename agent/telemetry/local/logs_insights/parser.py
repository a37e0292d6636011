"""Recursive-descent parser: query text -> `ast.Query`, or a `QueryError` naming the position.

Commands are separated by `|`. Expression precedence, loosest first:
`or` < `and` < `not` < comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`, `=~`, `like`, `in`)
< `+ -` < `* / %` < `^` < unary minus < operands.
"""

from __future__ import annotations

from agent.telemetry.errors import QueryError
from agent.telemetry.local.logs_insights import ast
from agent.telemetry.local.logs_insights.compiler import check_query
from agent.telemetry.local.logs_insights.lexer import (
    DURATION_UNITS,
    Token,
    syntax_error,
    tokenize,
)

SUPPORTED_COMMANDS = (
    "fields",
    "display",
    "filter",
    "stats",
    "sort",
    "limit",
    "parse",
    "dedup",
    "pattern",
    "unnest",
)
# Commands AWS has that this engine does not run; named so the author knows it is not a typo.
UNSUPPORTED_COMMANDS = (
    "anomaly",
    "diff",
    "filterindex",
    "unmask",
    "lookup",
    "join",
    "addtotals",
    "source",
    "fillnull",
)
MAX_LIMIT = 10_000
# Bounds that keep the recursive parser and compiler far from Python's recursion limit (a
# query with ~100 nested parentheses or ~800 `or` terms raised RecursionError and took the
# whole investigation down): nested parentheses, calls and prefix operators; terms of one
# arithmetic chain. `and` / `or` chains of any length are built as balanced trees.
MAX_NESTING = 30
MAX_CHAIN = 100
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


def parse_query(text: str) -> ast.Query:
    """Parse and check a Logs Insights query without running it.

    Raises `QueryError` naming the position of the problem and what was expected: syntax
    ("Malformed query") and meaning, such as an unknown function ("Invalid query")."""
    if not text or not text.strip():
        raise QueryError(
            "Malformed query: the query is empty (expected a command such as 'fields')"
        )
    query = _Parser(text).query()
    check_query(query)
    return query


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers ----------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "eof":
            self.i += 1
        return token

    def error(self, expected: str, token: Token | None = None) -> QueryError:
        token = token or self.tok
        return syntax_error(
            self.text, token.pos, f"expected {expected} but found {token.describe()}"
        )

    def expect(self, kind: str, expected: str) -> Token:
        if self.tok.kind != kind:
            raise self.error(expected)
        return self.advance()

    def accept_word(self, *words: str) -> Token | None:
        if self.tok.is_word(*words):
            return self.advance()
        return None

    def at_command_end(self) -> bool:
        return self.tok.kind in ("pipe", "eof")

    # -- commands ---------------------------------------------------------------------------

    def query(self) -> ast.Query:
        commands: list[ast.Command] = []
        while True:
            commands.append(self.command())
            if self.tok.kind == "eof":
                break
            if self.tok.kind != "pipe":
                raise self.error("'|' or the end of the query")
            self.advance()
        return ast.Query(text=self.text, commands=tuple(commands))

    def command(self) -> ast.Command:
        token = self.tok
        if token.kind != "ident":
            raise self.error("a command (" + ", ".join(SUPPORTED_COMMANDS) + ")")
        name = token.text.lower()
        if name in UNSUPPORTED_COMMANDS:
            raise syntax_error(
                self.text,
                token.pos,
                f"the '{token.text}' command is not supported by the local Logs Insights "
                f"engine (supported: {', '.join(SUPPORTED_COMMANDS)})",
            )
        if name not in SUPPORTED_COMMANDS:
            raise self.error("a command (" + ", ".join(SUPPORTED_COMMANDS) + ")")
        self.advance()
        handler = getattr(self, f"cmd_{name}")
        result: ast.Command = handler(token.pos)
        if not self.at_command_end():
            listed = (
                "',', " if name in ("fields", "display", "stats", "sort", "dedup", "parse") else ""
            )
            raise self.error(f"{listed}'|' or the end of the query after the {name} command")
        return result

    def cmd_fields(self, pos: int) -> ast.FieldsCmd:
        return ast.FieldsCmd(items=self.projections("a field or expression"), pos=pos)

    def cmd_display(self, pos: int) -> ast.DisplayCmd:
        return ast.DisplayCmd(items=self.projections("a field to display"), pos=pos)

    def cmd_filter(self, pos: int) -> ast.FilterCmd:
        if self.at_command_end():
            raise self.error("a condition after filter")
        return ast.FilterCmd(condition=self.expr(), pos=pos)

    def cmd_stats(self, pos: int) -> ast.StatsCmd:
        aggregates = self.projections("an aggregation such as count(*)")
        groups: tuple[ast.Projection, ...] = ()
        if self.accept_word("by"):
            groups = self.projections("a field or bin(period) to group by")
        return ast.StatsCmd(aggregates=aggregates, groups=groups, pos=pos)

    def cmd_sort(self, pos: int) -> ast.SortCmd:
        keys: list[ast.SortKey] = []
        while True:
            if self.at_command_end():
                raise self.error("a field to sort by")
            start = self.tok.pos
            expr = self.expr()
            descending = False  # AWS sorts ascending unless told otherwise
            if direction := self.accept_word("asc", "desc"):
                descending = direction.text.lower() == "desc"
            keys.append(ast.SortKey(expr=expr, descending=descending, pos=start))
            if self.tok.kind != "comma":
                break
            self.advance()
        return ast.SortCmd(keys=tuple(keys), pos=pos)

    def cmd_limit(self, pos: int) -> ast.LimitCmd:
        token = self.expect("number", "a number of rows after limit")
        if "." in token.text or not 1 <= int(token.text) <= MAX_LIMIT:
            raise syntax_error(
                self.text,
                token.pos,
                f"limit must be a whole number from 1 to {MAX_LIMIT} but found {token.text}",
            )
        return ast.LimitCmd(count=int(token.text), pos=pos)

    def cmd_parse(self, pos: int) -> ast.ParseCmd:
        if self.tok.kind in ("string", "regex"):
            # `parse "glob" as a` reads @message, as AWS allows
            source: ast.Expr = ast.Field("@message", self.tok.pos)
        else:
            source = self.primary()
        if self.tok.kind == "regex":
            token = self.advance()
            names = _named_groups(token.text)
            if not names:
                raise syntax_error(
                    self.text,
                    token.pos,
                    "a parse regular expression needs at least one named group such as (?<name>...)",
                )
            return ast.ParseCmd(
                source=source, regex=token.text, names=names, pos=pos, pattern_pos=token.pos
            )
        glob = self.expect("string", "a glob string or /regex/ to parse with")
        stars = glob.text.count("*")
        if stars == 0:
            raise syntax_error(self.text, glob.pos, "a parse glob needs at least one '*'")
        if not self.accept_word("as"):
            raise self.error(f"'as' and {stars} field name(s) for the '*' in the glob")
        names_list = [self.field_name()]
        while self.tok.kind == "comma":
            self.advance()
            names_list.append(self.field_name())
        if len(names_list) != stars:
            raise syntax_error(
                self.text,
                glob.pos,
                f"the glob has {stars} '*' but {len(names_list)} field name(s) follow 'as'",
            )
        return ast.ParseCmd(
            source=source, glob=glob.text, names=tuple(names_list), pos=pos, pattern_pos=glob.pos
        )

    def cmd_dedup(self, pos: int) -> ast.DedupCmd:
        fields = [ast.Field(self.field_name(), self.tokens[self.i - 1].pos)]
        while self.tok.kind == "comma":
            self.advance()
            fields.append(ast.Field(self.field_name(), self.tokens[self.i - 1].pos))
        return ast.DedupCmd(fields=tuple(fields), pos=pos)

    def cmd_pattern(self, pos: int) -> ast.PatternCmd:
        if self.at_command_end():
            raise self.error("a field to find patterns in, such as @message")
        return ast.PatternCmd(source=self.expr(), pos=pos)

    def cmd_unnest(self, pos: int) -> ast.UnnestCmd:
        start = self.tok.pos
        source = ast.Field(self.field_name(), start)
        if not self.accept_word("into"):
            raise self.error("'into' and the name of the new field")
        return ast.UnnestCmd(source=source, target=self.field_name(), pos=pos)

    def field_name(self) -> str:
        token = self.tok
        if token.kind != "ident" or token.is_word("as", "by", "and", "or", "not", "like", "in"):
            raise self.error("a field name")
        self.advance()
        return token.text

    def projections(self, what: str) -> tuple[ast.Projection, ...]:
        items: list[ast.Projection] = []
        while True:
            if self.at_command_end() or self.tok.is_word("by"):
                raise self.error(what)
            start = self.tok.pos
            expr = self.expr()
            name = ast.render(expr)
            if self.accept_word("as"):
                name = self.field_name()
            items.append(ast.Projection(expr=expr, name=name, pos=start))
            if self.tok.kind != "comma":
                return tuple(items)
            self.advance()

    # -- expressions ------------------------------------------------------------------------

    def too_deep(self, token: Token, what: str, limit: int) -> QueryError:
        return syntax_error(
            self.text,
            token.pos,
            f"query too deeply nested: more than {limit} {what} (simplify the expression, "
            "or use 'in [...]' for a list of values)",
        )

    def expr(self) -> ast.Expr:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.too_deep(self.tok, "nested parentheses or function calls", MAX_NESTING)
            return self.or_expr()
        finally:
            self.depth -= 1

    def or_expr(self) -> ast.Expr:
        terms, ops = [self.and_expr()], []
        while op := self.accept_word("or"):
            ops.append(op)
            terms.append(self.and_expr())
        return _balanced("or", terms, ops)

    def and_expr(self) -> ast.Expr:
        terms, ops = [self.not_expr()], []
        while op := self.accept_word("and"):
            ops.append(op)
            terms.append(self.not_expr())
        return _balanced("and", terms, ops)

    def not_expr(self) -> ast.Expr:
        nots = []
        while op := self.accept_word("not"):
            nots.append(op)
            if len(nots) > MAX_NESTING:
                raise self.too_deep(op, "'not' in a row", MAX_NESTING)
        operand = self.comparison()
        for op in reversed(nots):
            operand = ast.Unary("not", operand, op.pos)
        return operand

    def comparison(self) -> ast.Expr:
        left = self.additive()
        token = self.tok
        if token.kind == "op" and token.text in _COMPARISONS:
            self.advance()
            return ast.Binary(token.text, left, self.additive(), token.pos)
        if token.kind == "op" and token.text == "=~":
            self.advance()
            return ast.Match(left, self.match_pattern(), False, token.pos)
        negated = False
        if token.is_word("not") and self.tokens[self.i + 1].is_word("like", "in"):
            self.advance()
            negated = True
        if self.accept_word("like"):
            return ast.Match(left, self.match_pattern(), negated, token.pos)
        if self.accept_word("in"):
            options = self.list_literal()
            return ast.In(left, options, negated, token.pos)
        if negated:
            raise self.error("'like' or 'in' after 'not'")
        return left

    def match_pattern(self) -> ast.Str | ast.Regex:
        pattern = self.string_or_regex()
        if pattern is None:
            raise self.error('a "string" or /regex/ to match')
        return pattern

    def string_or_regex(self) -> ast.Str | ast.Regex | None:
        """A "string" or /regex/ literal if one comes next (consumed), else None."""
        token = self.tok
        if token.kind == "string":
            self.advance()
            return ast.Str(token.text, token.pos)
        if token.kind == "regex":
            self.advance()
            return ast.Regex(token.text, token.pos)
        return None

    def list_literal(self) -> ast.ListLit:
        start = self.expect("lbrack", "'[' to start a list")
        items: list[ast.Expr] = []
        if self.tok.kind != "rbrack":
            items.append(self.additive())
            while self.tok.kind == "comma":
                self.advance()
                items.append(self.additive())
        self.expect("rbrack", "',' or ']' to close the list")
        return ast.ListLit(tuple(items), start.pos)

    def chain_op(self, count: int, *ops: str) -> Token | None:
        """The next operator of an arithmetic chain (consumed), refusing the chain's
        MAX_CHAIN-th: each term makes the left-deep tree one level deeper."""
        if not (self.tok.kind == "op" and self.tok.text in ops):
            return None
        if count >= MAX_CHAIN:
            raise self.too_deep(self.tok, "terms in one arithmetic expression", MAX_CHAIN)
        return self.advance()

    def additive(self) -> ast.Expr:
        left, count = self.multiplicative(), 1
        while op := self.chain_op(count, "+", "-"):
            left, count = ast.Binary(op.text, left, self.multiplicative(), op.pos), count + 1
        return left

    def multiplicative(self) -> ast.Expr:
        left, count = self.power(), 1
        while op := self.chain_op(count, "*", "/", "%"):
            left, count = ast.Binary(op.text, left, self.power(), op.pos), count + 1
        return left

    def power(self) -> ast.Expr:
        operands, ops = [self.unary()], []
        while op := self.chain_op(len(operands), "^"):
            ops.append(op)
            operands.append(self.unary())
        result = operands[-1]  # right-associative
        for op, left in zip(reversed(ops), reversed(operands[:-1]), strict=True):
            result = ast.Binary("^", left, result, op.pos)
        return result

    def unary(self) -> ast.Expr:
        signs = []
        while self.tok.kind == "op" and self.tok.text == "-":
            signs.append(self.advance())
            if len(signs) > MAX_NESTING:
                raise self.too_deep(signs[-1], "'-' in a row", MAX_NESTING)
        operand = self.primary()
        for op in reversed(signs):
            if isinstance(operand, ast.Num):
                operand = ast.Num(-operand.value, "-" + operand.text, op.pos)
            else:
                operand = ast.Unary("-", operand, op.pos)
        return operand

    def primary(self) -> ast.Expr:
        token = self.tok
        if token.kind == "number":
            self.advance()
            return ast.Num(float(token.text), token.text, token.pos)
        if token.kind == "duration":
            self.advance()
            return _duration(token)
        literal = self.string_or_regex()
        if literal is not None:
            return literal
        if token.kind == "lparen":
            self.advance()
            inner = self.expr()
            self.expect("rparen", "')'")
            return inner
        if token.kind == "lbrack":
            return self.list_literal()
        if token.kind == "ident" and not token.is_word(
            "and", "or", "not", "like", "in", "as", "by"
        ):
            self.advance()
            if self.tok.kind == "lparen":
                return self.call(token)
            return ast.Field(token.text, token.pos)
        raise self.error("a field, a value or a function call")

    def call(self, name: Token) -> ast.Call:
        self.advance()  # (
        args: list[ast.Expr] = []
        if self.tok.kind == "op" and self.tok.text == "*":
            star = self.advance()
            args.append(ast.Star(star.pos))
        elif self.tok.kind != "rparen":
            args.append(self.expr())
            while self.tok.kind == "comma":
                self.advance()
                args.append(self.expr())
        self.expect("rparen", f"',' or ')' to close {name.text}(")
        return ast.Call(name.text, tuple(args), name.pos)


def _balanced(op: str, terms: list[ast.Expr], ops: list[Token]) -> ast.Expr:
    """`a or b or c or d` as a balanced tree (depth log2 of the terms, not their number):
    `and` and `or` are associative, so the meaning is the same."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return ast.Binary(
        op,
        _balanced(op, terms[:middle], ops[: middle - 1]),
        _balanced(op, terms[middle:], ops[middle:]),
        ops[middle - 1].pos,
    )


def _duration(token: Token) -> ast.Duration:
    digits = token.text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    unit = token.text[len(digits) :].lower()
    amount = float(digits)
    return ast.Duration(
        millis=int(amount * DURATION_UNITS[unit]),
        text=token.text,
        unit=unit,
        amount=int(amount),
        pos=token.pos,
    )


def _named_groups(regex: str) -> tuple[str, ...]:
    """Names of `(?<name>...)` / `(?P<name>...)` groups, in order of appearance."""
    names: list[str] = []
    i = 0
    while (i := regex.find("(?", i)) >= 0:
        rest = regex[i + 2 :]
        if i > 0 and regex[i - 1] == "\\":
            i += 2
            continue
        prefix = "P<" if rest.startswith("P<") else "<" if rest.startswith("<") else None
        if prefix and not rest.startswith(("<=", "<!")):
            end = rest.find(">")
            if end > len(prefix):
                names.append(rest[len(prefix) : end])
        i += 2
    return tuple(names)
