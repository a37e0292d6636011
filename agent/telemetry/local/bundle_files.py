"""Reading a bundle's JSON files (X-Ray traces, metric series) one at a time: a file that
cannot be read or is not in the bundle format is skipped and named, the others still count.
Only when no file of a source can be read is the whole source unavailable."""

from __future__ import annotations

import gc
import gzip
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.telemetry.bundle import open_text
from agent.telemetry.inert_text import one_visible_line

log = logging.getLogger(__name__)

# What reading and parsing untrusted bundle data can raise: I/O and gzip errors (a truncated
# .gz is an EOFError), bad JSON or text (ValueError), and documents of the wrong shape.
UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


class SourceUnreadableError(ValueError):
    """No file of a source could be read; the message names the first and why."""


def load_json_files(
    files: Sequence[Path],
    what: str,
    add: Callable[[Path, Any], None],
    loads: Callable[[bytes], Any] | None = None,
) -> list[tuple[Path, str]]:
    """Call `add(path, document)` for each file; the files skipped, with the reason.

    `loads` parses a file's bytes (e.g. `orjson.loads`); text that is not UTF-8 is then
    decoded with replacement characters, as the default reader does."""
    unreadable: list[tuple[Path, str]] = []
    with _collector_paused():
        _load_each(files, what, add, loads, unreadable)
    if files and len(unreadable) == len(files):
        path, reason = unreadable[0]
        raise SourceUnreadableError(
            f"none of the {len(files)} {what} file(s) could be read (first: {one_visible_line(path.name)}: {reason})"
        )
    return unreadable


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off the parsed documents. While parsing, every
    dict kept triggers another pass over all the earlier ones; afterwards, the next full
    collections would walk them again (together, 4x the parse time of 20k traces). The
    documents hold no cycles (refcounting frees them), so they go to the permanent
    generation (`gc.freeze`), which collections skip."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load_each(
    files: Sequence[Path],
    what: str,
    add: Callable[[Path, Any], None],
    loads: Callable[[bytes], Any] | None,
    unreadable: list[tuple[Path, str]],
) -> None:
    for path in files:
        try:
            if loads is None:
                with open_text(path) as handle:
                    document = json.load(handle)
            else:
                document = _parse_bytes(path, loads)
            add(path, document)
        except UNREADABLE as exc:
            reason = _reason(exc)
            unreadable.append((path, reason))
            log.warning(
                "skipped unreadable %s file %s: %s", what, one_visible_line(str(path)), reason
            )


def _parse_bytes(path: Path, loads: Callable[[bytes], Any]) -> Any:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    try:
        return loads(data)
    except ValueError:
        text = data.decode("utf-8", errors="replace")
        return loads(text.encode("utf-8"))


def _reason(exc: BaseException) -> str:
    """Why a file was skipped, its secrets redacted and on one visible line: the error may
    quote the file's data ("invalid literal for int() with base 10: 'DB_PASSWORD=...'"), and
    the reason reaches the briefing, the report and the terminal."""
    from agent.redact import redact  # the error path only

    return one_visible_line(redact(_plain_reason(exc)))


def _plain_reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"not in the bundle format (no {exc} field)"
    if isinstance(exc, TypeError | AttributeError):
        return f"not in the bundle format ({exc})"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return getattr(exc, "message", None) or str(exc).splitlines()[0] or type(exc).__name__
