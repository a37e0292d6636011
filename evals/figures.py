"""Figures in a claim and numbers in a row: a count, a duration, a size or a share as a
report writes it ("1.93 s", "0.042 s", "42 ms", "82%", "12k", "about 2"), with the values
a query row may hold for it and the slack the writing allows.

Hand-written: the few units incident reports use (ms, s, min, KB/MB/GB, %, k) did not
warrant a units library, and none parses figures out of prose.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

# A figure as a claim writes it: not part of an id, an address, a date or a clock time.
_FIGURE = re.compile(
    r"(?P<approx>(?:~|≈|\b(?:about|around|roughly|approximately|nearly|almost|over|under|"
    r"more than|less than|at least|at most|up to|some|typical(?:ly)?|average|avg|mean|median))"
    r"\s*)?"
    r"(?<![\w.:/#=-])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?:e(?P<exp>[+-]?\d+))?"
    r"(?![\w:/-]*\d)(?:\s?(?P<unit>ms|milliseconds?|seconds?|secs?|s|minutes?|mins?|"
    r"[kmg]i?b|%|k|x|×))?(?!\w)",
    re.I,
)
_HTTP_STATUSES = {
    "200", "201", "204", "301", "302", "304", "400", "401", "403", "404", "408", "409",
    "413", "429", "500", "501", "502", "503", "504",
}  # fmt: skip
# A number inside a row's cell (JSON values and "512 MB" included; ids and addresses not).
ROW_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.]*\d)", re.I)
# unit -> factors to the other units a row may use for the same quantity
_CONVERSIONS: dict[str, tuple[float, ...]] = {
    "ms": (1e-3,),
    "s": (1e3, 1 / 60),
    "min": (60, 6e4),
    "kb": (1 / 1024, 1e-3, 1024, 1e3),
    "mb": (1024, 1e3, 1 / 1024, 1e-3, 1024 * 1024, 1e6),
    "gb": (1024, 1e3),
    "%": (1e-2,),
    "k": (1e3,),
}
_UNIT_NAMES = {
    "milliseconds": "ms",
    "millisecond": "ms",
    "seconds": "s",
    "second": "s",
    "secs": "s",
    "sec": "s",
    "minutes": "min",
    "minute": "min",
    "mins": "min",
    "kib": "kb",
    "mib": "mb",
    "gib": "gb",
}


@dataclass(frozen=True)
class Figure:
    """A number a claim writes, with the values a row may hold for it and the slack."""

    text: str
    candidates: tuple[float, ...]
    tolerance: tuple[float, ...]
    significant: bool
    exact: bool  # neither approximate ("about 2") nor a share the claim computed ("82%")

    def found_in(self, numbers: Iterable[float]) -> bool:
        values = list(numbers)
        return any(
            abs(value - candidate) <= slack + 1e-9 * abs(candidate)
            for candidate, slack in zip(self.candidates, self.tolerance, strict=True)
            for value in values
        )


def figures(text: str) -> list[Figure]:
    """The figures a claim writes, each with the values that would show it in a row."""
    found: list[Figure] = []
    for match in _FIGURE.finditer(text):
        digits = match["num"].replace(",", "")
        frac = match["frac"] or ""
        exponent = int(match["exp"] or 0)
        value = float(digits + frac) * 10**exponent
        slack = 0.5 * 10 ** (exponent - max(len(frac) - 1, 0))
        unit = (match["unit"] or "").lower()
        unit = _UNIT_NAMES.get(unit, unit)
        if unit == "x" or unit == "×":
            continue  # a ratio the claim computed ("10x"), not a value a row holds
        if match["approx"]:
            slack = max(slack, abs(value) * 0.1)
        candidates = [value]
        tolerances = [slack]
        for factor in _CONVERSIONS.get(unit, ()):
            candidates.append(value * factor)
            tolerances.append(slack * factor)
        significant = bool(frac) or value >= 10 or unit in ("%", "k")
        # a status code ("answered with 502") labels the requests; it is not a count
        label = not frac and unit in ("", "s") and digits in _HTTP_STATUSES
        exact = not match["approx"] and unit != "%" and not label
        found.append(
            Figure(match.group(0).strip(), tuple(candidates), tuple(tolerances), significant, exact)
        )
    return found


def row_numbers(text: str) -> list[float]:
    values = []
    for token in ROW_NUMBER.findall(text):
        try:
            number = float(token)
        except ValueError:
            continue
        if math.isfinite(number):
            values.append(number)
    return values
