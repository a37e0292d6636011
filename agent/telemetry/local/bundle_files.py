"""Reading a bundle's JSON files (X-Ray traces, metric series) one at a time: a file that
cannot be read or is not in the bundle format is skipped and named, the others still count.
Only when no file of a source can be read is the whole source unavailable."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agent.telemetry.bundle import open_text

log = logging.getLogger(__name__)

# What reading and parsing untrusted bundle data can raise: I/O and gzip errors (a truncated
# .gz is an EOFError), bad JSON or text (ValueError), and documents of the wrong shape.
UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


class SourceUnreadableError(ValueError):
    """No file of a source could be read; the message names the first and why."""


def load_json_files(
    files: Sequence[Path], what: str, add: Callable[[Path, Any], None]
) -> list[tuple[Path, str]]:
    """Call `add(path, document)` for each file; the files skipped, with the reason."""
    unreadable: list[tuple[Path, str]] = []
    for path in files:
        try:
            with open_text(path) as handle:
                document = json.load(handle)
            add(path, document)
        except UNREADABLE as exc:
            reason = _reason(exc)
            unreadable.append((path, reason))
            log.warning("skipped unreadable %s file %s: %s", what, path, reason)
    if files and len(unreadable) == len(files):
        path, reason = unreadable[0]
        raise SourceUnreadableError(
            f"none of the {len(files)} {what} file(s) could be read (first: {path.name}: {reason})"
        )
    return unreadable


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"not in the bundle format (no {exc} field)"
    if isinstance(exc, TypeError | AttributeError):
        return f"not in the bundle format ({exc})"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return getattr(exc, "message", None) or str(exc).splitlines()[0] or type(exc).__name__
