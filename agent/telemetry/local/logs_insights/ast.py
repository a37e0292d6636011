"""The syntax tree of a Logs Insights query: a pipeline of commands over expressions.

Every node keeps `pos`, the 0-based offset in the query text where it starts, so that
errors found after parsing (an unknown function, a wrong argument count) can still name
the position the author must fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- expressions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A field reference: `@message`, `error.code`, `` `odd-name` ``, `items.0.id`."""

    name: str
    pos: int = 0


@dataclass(frozen=True)
class Str:
    value: str
    pos: int = 0


@dataclass(frozen=True)
class Num:
    value: float
    text: str  # as written, so `5` stays an integer and names like `pct(x, 95)` read right
    pos: int = 0


@dataclass(frozen=True)
class Duration:
    """A time period such as `5m` or `1h` (the argument of `bin`, `datefloor`, `dateceil`)."""

    millis: int
    text: str
    unit: str
    amount: int
    pos: int = 0


@dataclass(frozen=True)
class Regex:
    """`/pattern/` — RE2 syntax, inline flags such as `(?i)` allowed."""

    pattern: str
    pos: int = 0


@dataclass(frozen=True)
class Star:
    """The `*` of `count(*)`."""

    pos: int = 0


@dataclass(frozen=True)
class ListLit:
    items: tuple[Expr, ...]
    pos: int = 0


@dataclass(frozen=True)
class Unary:
    op: str  # "not" | "-"
    operand: Expr
    pos: int = 0


@dataclass(frozen=True)
class Binary:
    op: str  # and or = != < <= > >= + - * / % ^
    left: Expr
    right: Expr
    pos: int = 0


@dataclass(frozen=True)
class Match:
    """`left like "text"`, `left like /re/`, `left =~ /re/`, `left not like ...`."""

    subject: Expr
    pattern: Str | Regex
    negated: bool = False
    pos: int = 0


@dataclass(frozen=True)
class In:
    subject: Expr
    options: ListLit
    negated: bool = False
    pos: int = 0


@dataclass(frozen=True)
class Call:
    name: str  # as written; looked up case-insensitively
    args: tuple[Expr, ...]
    pos: int = 0


Expr = Field | Str | Num | Duration | Regex | Star | ListLit | Unary | Binary | Match | In | Call


@dataclass(frozen=True)
class Projection:
    """An expression with its output name (`expr as alias`, else the expression text)."""

    expr: Expr
    name: str
    pos: int = 0


@dataclass(frozen=True)
class SortKey:
    expr: Expr
    descending: bool
    pos: int = 0


# --- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldsCmd:
    items: tuple[Projection, ...]
    pos: int = 0


@dataclass(frozen=True)
class DisplayCmd:
    items: tuple[Projection, ...]
    pos: int = 0


@dataclass(frozen=True)
class FilterCmd:
    condition: Expr
    pos: int = 0


@dataclass(frozen=True)
class StatsCmd:
    aggregates: tuple[Projection, ...]
    groups: tuple[Projection, ...] = ()
    pos: int = 0


@dataclass(frozen=True)
class SortCmd:
    keys: tuple[SortKey, ...]
    pos: int = 0


@dataclass(frozen=True)
class LimitCmd:
    count: int
    pos: int = 0


@dataclass(frozen=True)
class ParseCmd:
    source: Expr
    # glob mode: `pattern` holds the glob and `names` the `as` list;
    # regex mode: `regex` holds the expression and `names` its named groups in order
    glob: str | None = None
    regex: str | None = None
    names: tuple[str, ...] = ()
    pos: int = 0
    pattern_pos: int = 0  # where the glob or regex starts


@dataclass(frozen=True)
class DedupCmd:
    fields: tuple[Field, ...]
    pos: int = 0


@dataclass(frozen=True)
class PatternCmd:
    source: Expr
    pos: int = 0


@dataclass(frozen=True)
class UnnestCmd:
    source: Field
    target: str
    pos: int = 0


Command = (
    FieldsCmd
    | DisplayCmd
    | FilterCmd
    | StatsCmd
    | SortCmd
    | LimitCmd
    | ParseCmd
    | DedupCmd
    | PatternCmd
    | UnnestCmd
)


@dataclass(frozen=True)
class Query:
    text: str
    commands: tuple[Command, ...] = field(default_factory=tuple)


def render(expr: Expr) -> str:
    """The canonical text of an expression: the column name AWS gives an unaliased one."""
    match expr:
        case Field(name=name):
            return name
        case Str(value=value):
            return '"' + value.replace('"', '\\"') + '"'
        case Num(text=text) | Duration(text=text):
            return text
        case Regex(pattern=pattern):
            return f"/{pattern}/"
        case Star():
            return "*"
        case ListLit(items=items):
            return "[" + ", ".join(render(i) for i in items) + "]"
        case Unary(op="not", operand=operand):
            return f"not {render(operand)}"
        case Unary(op=op, operand=operand):
            return f"{op}{render(operand)}"
        case Binary(op=op, left=left, right=right):
            return f"{render(left)} {op} {render(right)}"
        case Match(subject=subject, pattern=pattern, negated=negated):
            op = "not like" if negated else "like"
            return f"{render(subject)} {op} {render(pattern)}"
        case In(subject=subject, options=options, negated=negated):
            op = "not in" if negated else "in"
            return f"{render(subject)} {op} {render(options)}"
        case Call(name=name, args=args):
            return f"{name}({', '.join(render(a) for a in args)})"
    raise TypeError(f"not an expression: {expr!r}")
