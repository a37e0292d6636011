"""Regular expressions as Logs Insights writes them, turned into what DuckDB's RE2 runs.

AWS names groups `(?<name>...)` (names may start with `@`), RE2 only `(?P<name>...)` with
word names; `parse` globs become regexes; and a regex is checked by RE2 itself before a
query runs, so the error can name the position in the query.
"""

from __future__ import annotations

import re
import threading

import duckdb

from agent.telemetry.local.hardening import harden

REGEX_META = set("\\.^$|?*+()[]{}")


def glob_to_regex(glob: str) -> str:
    """`user=*, latency=*` -> `user=(.*?), latency=(.*)`: lazy stars, a trailing one greedy."""
    pieces = glob.split("*")
    out = []
    for i, piece in enumerate(pieces):
        out.append("".join("\\" + c if c in REGEX_META else c for c in piece))
        if i < len(pieces) - 1:
            out.append("(.*)" if i == len(pieces) - 2 and pieces[-1] == "" else "(.*?)")
    return "".join(out)


def named_to_positional(regex: str) -> tuple[str, list[str], list[int]]:
    """Drop group names (RE2 and AWS spell them differently) and return each name's group index."""
    names: list[str] = []
    positions: list[int] = []
    out: list[str] = []
    group = 0
    i = 0
    in_class = False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            out.append(regex[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
        if c == "(":
            m = re.match(r"\(\?P?<([A-Za-z_@$][\w@$.]*)>", regex[i:])
            if m:
                names.append(m.group(1))
                positions.append(group)
                group += 1
                out.append("(")
                i += m.end()
                continue
            if not regex.startswith("(?", i):
                group += 1
        out.append(c)
        i += 1
    return "".join(out), names, positions


def unnamed_groups(pattern: str) -> int:
    count, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(" and not pattern.startswith("(?", i):
            count += 1
        i += 1
    return count


def re2(pattern: str) -> str:
    """AWS writes named groups `(?<name>...)`; DuckDB's RE2 wants `(?P<name>...)`."""
    return re.sub(r"\(\?<(?=[A-Za-z_@$])", "(?P<", pattern)


_checker: duckdb.DuckDBPyConnection | None = None
_checker_lock = threading.Lock()


def regex_problem(pattern: str) -> str | None:
    """Why RE2 (DuckDB's regex engine) rejects `pattern`, or None when it compiles."""
    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = duckdb.connect()
            harden(_checker)  # it only compiles patterns: no folder to read
        cursor = _checker.cursor()
    try:
        cursor.execute("SELECT regexp_matches('', ?)", [re2(pattern)]).fetchall()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
    finally:
        cursor.close()
    return None
