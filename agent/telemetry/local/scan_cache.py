"""A per-bundle cache of what the engines read: each source's rows (log events, the ALB and
CloudTrail tables) as one Parquet file, written once, so that the next process queries
the Parquet file (columns and row groups it needs only) instead of parsing every JSON
event or ALB line again.

Layout: `<cache root>/bundles/<bundle id>/<source>-<key>.parquet` beside a `.json` of what
was learnt while writing it (rows, time span, files that could not be read). The key is a
hash of every source file's path, size and modification time (and of this format's
version): a changed, added or removed file gives another key, so a stale entry is never
read; it is deleted when its successor is written.

Safe under concurrent processes: an entry is written under a temporary name and renamed
into place (readers see all of it or nothing); a lock file keeps two processes from
writing the same entry at once (the second simply does not). A file that cannot be read
back (corrupt, truncated, from another version) is deleted and rebuilt.

The cache root is `FA2_CACHE_DIR`, else `$XDG_CACHE_HOME/fa2`, else `~/.cache/fa2`.
`FA2_BUNDLE_CACHE` says when an entry is written after a query found none:
`background` (default: a detached process writes it, so the first query pays nothing),
`inline` (before the engine answers; tests and benchmarks), or `off` (no cache at all).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import duckdb

from agent.telemetry.errors import QueryError
from agent.telemetry.inert_text import one_visible_line
from agent.telemetry.local.hardening import harden

log = logging.getLogger(__name__)

# 2: log events carry their masked message and the entry its catalog of log groups
# 3: row groups of 32k rows (entries written before are rebuilt once, to read faster)
# 4: lines of the log files that are not events are kept without a group, and counted
# 5: events under a log group name CloudWatch does not allow count as lines left out
FORMAT_VERSION = 5
# Rows per Parquet row group. Smaller than DuckDB's default (122,880) scans strings faster
# on two cores: a 3M-event filter on the messages 0.13 -> 0.11 s, the masked-message
# GROUP BY of a cached `pattern` 0.12 -> 0.10 s, a sort with a limit 0.03 -> 0.02 s, for
# the same file size (bench/bench_engine.py; measured 2026-12-06).
ROW_GROUP_ROWS = 32_768
CachedSource = Literal["logs", "alb", "cloudtrail"]
CACHED_SOURCES: tuple[CachedSource, ...] = ("logs", "alb", "cloudtrail")
BuildMode = Literal["background", "inline", "off"]


def cache_root() -> Path:
    """Where bundle caches live (see the module docstring)."""
    configured = os.environ.get("FA2_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "fa2"


def build_mode() -> BuildMode:
    value = os.environ.get("FA2_BUNDLE_CACHE", "background").strip().lower()
    if value not in ("background", "inline", "off"):
        log.warning("FA2_BUNDLE_CACHE=%r is not background, inline or off: using off", value)
        return "off"
    return value  # type: ignore[return-value]


def clear_cache(root: Path | None = None) -> tuple[int, int]:
    """Delete every bundle cache under `root`; (files, bytes) removed."""
    folder = (root or cache_root()) / "bundles"
    if not folder.is_dir():
        return 0, 0
    files = [p for p in folder.rglob("*") if p.is_file()]
    size = sum(file_size(p) for p in files)
    shutil.rmtree(folder, ignore_errors=True)
    return len(files), size


def file_size(path: Path) -> int:
    """Its size; 0 if it is gone (a cache writer renames its partial files into place)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


_QUOTED_FILE = re.compile(r'\s*(?:in file )?"/[^"]*"')


def unreadable_reason(exc: Exception) -> str:
    """Why DuckDB could not read a bundle file, as every note says it: the first line of
    its error, without the "IO Error: " prefix or the file's path, its secrets redacted."""
    # The note names the file, relative to the bundle; the error's absolute path is this
    # machine's business ("...: /home/me/..." and "in file \"/home/me/...\"" alike). The
    # quoted path goes before the first line is taken: a file name may hold a line break.
    text = _QUOTED_FILE.sub("", str(exc)).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    reason = reason.removeprefix("IO Error: ").split(": /")[0]
    if "maximum_object_size" in reason:
        # Imported here: the bundle validator's formats (and their resource catalogue)
        # are only needed on this error path, not by every query.
        from agent.telemetry.bundle_formats import too_long_line_reason

        return too_long_line_reason()
    # DuckDB quotes the value it could not read ('Failed to cast value to numerical:
    # "DB_PASSWORD=..."'): the reason reaches the briefing, the report and the terminal.
    return one_visible_line(redact(reason))


def unreadable_note(label: str, path: Path, reason: str, root: Path | None, lost: str) -> str:
    """The sentence every notice of an unreadable bundle file uses ("Athena: alb/x.log.gz
    could not be read (...); its rows are missing from every result"), the path relative to
    the bundle `root` when it is inside it."""
    where = path.relative_to(root).as_posix() if root and path.is_relative_to(root) else str(path)
    # Both are the bundle author's text (a file name, an error quoting the file): one line,
    # and no secret (a reason recorded in a cache entry by an older fa2 was not redacted).
    where, reason = one_visible_line(where), one_visible_line(redact(reason))
    return f"{label}: {where} could not be read ({reason}); its {lost} missing from every result"


def redact(text: str) -> str:
    """`agent.redact.redact`, imported on the error path only: a query that reads every file
    never pays for its patterns (a cached query's whole budget is ~0.3 s over the interpreter)."""
    from agent.redact import redact as redact_secrets

    return redact_secrets(text)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class CachedScan:
    """A usable entry: the Parquet file and what was recorded when it was written."""

    parquet: Path
    rows: int
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def relation(self, row_number: str | None = None) -> str:
        """`read_parquet(...)` of the entry; `row_number` names a column with each row's
        position (the original load order, so row ids match an uncached load)."""
        option = ", file_row_number = true" if row_number else ""
        scan = f"read_parquet({_sql_string(str(self.parquet))}{option})"
        if row_number:
            return f"(SELECT * RENAME (file_row_number AS {row_number}) FROM {scan})"
        return scan


# How a source's rows are selected from its files: SQL of a SELECT over `files`.
SelectSql = Callable[[Sequence[Path]], str]


class BundleCache:
    """The cache entries of one bundle."""

    def __init__(self, bundle_root: Path, root: Path | None = None, mode: BuildMode | None = None):
        self.bundle_root = bundle_root.resolve()
        bundle_id = hashlib.sha256(str(self.bundle_root).encode()).hexdigest()[:16]
        self.folder = (root or cache_root()) / "bundles" / bundle_id
        self.mode: BuildMode = mode or build_mode()
        self._spawned = False

    @classmethod
    def for_bundle(cls, bundle_root: Path) -> BundleCache | None:
        """The bundle's cache, or None when caching is off."""
        cache = cls(bundle_root)
        return None if cache.mode == "off" else cache

    # -- keys and files ---------------------------------------------------------------------

    @staticmethod
    def key(source: str, files: Sequence[Path]) -> str:
        stamp = []
        for path in files:
            stat = path.stat()
            stamp.append((str(path), stat.st_size, stat.st_mtime_ns))
        text = json.dumps([FORMAT_VERSION, source, stamp])
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def _paths(self, source: str, files: Sequence[Path]) -> tuple[Path, Path]:
        stem = f"{source}-{self.key(source, files)}"
        return self.folder / f"{stem}.parquet", self.folder / f"{stem}.json"

    # -- reading ----------------------------------------------------------------------------

    def lookup(
        self, con: duckdb.DuckDBPyConnection, source: str, files: Sequence[Path]
    ) -> CachedScan | None:
        """The entry for exactly these files, checked readable; None if there is none."""
        try:
            parquet, meta_path = self._paths(source, files)
        except OSError:  # a file vanished since the bundle was listed
            return None
        if not (parquet.is_file() and meta_path.is_file()):
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            entry = CachedScan(
                parquet,
                int(meta["rows"]),
                [(Path(p), str(r)) for p, r in meta.get("unreadable", [])],
                dict(meta.get("extra") or {}),
            )
            row = con.execute(f"SELECT count(*) FROM {entry.relation()}").fetchone()
            if row is None or int(row[0]) != entry.rows:
                raise ValueError(f"{row and row[0]} rows where {entry.rows} were written")
        except (OSError, ValueError, KeyError, TypeError, duckdb.Error) as exc:
            log.warning("ignoring unreadable cache entry %s (%s): rebuilding it", parquet, exc)
            for path in (parquet, meta_path):
                with contextlib.suppress(OSError):
                    path.unlink()
            return None
        return entry

    # -- writing ----------------------------------------------------------------------------

    def store(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        files: Sequence[Path],
        select_sql: SelectSql,
        describe: Callable[[duckdb.DuckDBPyConnection, CachedScan], dict[str, Any]] | None = None,
    ) -> CachedScan | None:
        """Write the entry for `files` (the readable ones; the others are recorded). None if
        another process is writing it right now or it could not be written."""
        parquet, meta_path = self._paths(source, files)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock_file = parquet.with_suffix(".lock").open("a")
        except OSError as exc:
            # A cache folder that cannot be written (FA2_CACHE_DIR names a file, a read-only
            # home) costs speed, not the answer: the engine reads the bundle itself.
            log.warning(
                "could not write the %s cache of %s (%s): set FA2_CACHE_DIR to a writable "
                "folder, or FA2_BUNDLE_CACHE=off",
                source,
                self.bundle_root,
                exc,
            )
            return None
        with lock_file, self._locked(lock_file) as locked:
            if not locked:
                return None
            existing = self.lookup(con, source, files)
            if existing is not None:
                return existing
            partial = parquet.with_name(f".{parquet.stem}.{os.getpid()}.parquet")
            try:
                unreadable = self._copy(con, files, select_sql, partial)
                rows_row = con.execute(
                    f"SELECT count(*) FROM read_parquet({_sql_string(str(partial))})"
                ).fetchone()
                entry = CachedScan(parquet, int(rows_row[0]) if rows_row else 0, unreadable)
                extra = describe(con, CachedScan(partial, entry.rows)) if describe else {}
                os.replace(partial, parquet)
                meta = {
                    "rows": entry.rows,
                    "unreadable": [[str(p), r] for p, r in unreadable],
                    "extra": extra,
                }
                partial_meta = meta_path.with_name(f".{meta_path.stem}.{os.getpid()}.json")
                partial_meta.write_text(json.dumps(meta), encoding="utf-8")
                os.replace(partial_meta, meta_path)
            except (OSError, duckdb.Error) as exc:
                log.warning("could not write the %s cache of %s: %s", source, self.bundle_root, exc)
                with contextlib.suppress(OSError):
                    partial.unlink()
                return None
            self._prune(source, keep=parquet.stem)
            return CachedScan(parquet, entry.rows, unreadable, extra)

    @staticmethod
    def _copy(
        con: duckdb.DuckDBPyConnection, files: Sequence[Path], select_sql: SelectSql, target: Path
    ) -> list[tuple[Path, str]]:
        """COPY the rows to Parquet; if the files cannot all be read, the readable ones."""
        # LZ4: a cached query is mostly the scan of a column, and LZ4 decompresses faster
        # than zstd (about twice the size on disk, a cache's right trade)
        copy = (
            "COPY ({}) TO "
            + _sql_string(str(target))
            + f" (FORMAT parquet, COMPRESSION lz4_raw, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        )
        try:
            con.execute(copy.format(select_sql(files)))
            return []
        except duckdb.Error:
            pass
        readable, unreadable = [], []
        for path in files:
            try:
                con.execute(f"SELECT count(*) FROM ({select_sql([path])})").fetchall()
                readable.append(path)
            except duckdb.Error as exc:
                unreadable.append((path, unreadable_reason(exc)))
        con.execute(copy.format(select_sql(readable)))
        return unreadable

    @contextlib.contextmanager
    def _locked(self, handle: IO[str]) -> Iterator[bool]:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

    def _prune(self, source: str, keep: str) -> None:
        """Delete this source's older entries (their files changed since)."""
        for path in self.folder.glob(f"{source}-*"):
            if path.stem != keep and path.suffix in (".parquet", ".json", ".lock"):
                with contextlib.suppress(OSError):
                    path.unlink()

    # -- after a miss -----------------------------------------------------------------------

    def build_in_background(self) -> None:
        """Start a detached process that writes the bundle's missing entries (see `main`),
        once per BundleCache (it writes every source of the bundle)."""
        if self._spawned:
            return
        self._spawned = True
        try:
            subprocess.Popen(
                [sys.executable, "-m", "agent.telemetry.local.scan_cache", str(self.bundle_root)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "FA2_CACHE_DIR": str(self.folder.parent.parent)},
            )
        except OSError as exc:
            log.warning("could not start the cache writer for %s: %s", self.bundle_root, exc)


def builders() -> dict[CachedSource, tuple[SelectSql, Any]]:
    """Per source: the SELECT of its rows and how to describe the written entry."""
    from agent.telemetry.local import athena_tables
    from agent.telemetry.local.logs_insights.fields import cached_events_select_sql
    from agent.telemetry.local.logs_insights.results import describe_logs

    return {
        "logs": (cached_events_select_sql, describe_logs),
        "alb": (athena_tables.alb_select_sql, athena_tables.describe_alb),
        "cloudtrail": (athena_tables.cloudtrail_select_sql, athena_tables.describe_cloudtrail),
    }


def build_bundle_sources(
    cache: BundleCache,
    con: duckdb.DuckDBPyConnection,
    files_by_source: dict[CachedSource, list[Path]],
) -> int:
    """Write the missing entries of these sources; how many were written."""
    written = 0
    for source, (select_sql, describe) in builders().items():
        files = files_by_source.get(source) or []
        if files and cache.lookup(con, source, files) is None:
            written += cache.store(con, source, files, select_sql, describe) is not None
    return written


def build_bundle(bundle_root: Path, cache: BundleCache, con: duckdb.DuckDBPyConnection) -> int:
    """Write every missing entry of a bundle; how many were written."""
    from agent.telemetry.bundle import load_bundle

    bundle = load_bundle(bundle_root)
    return build_bundle_sources(cache, con, {s: bundle.source_files(s) for s in CACHED_SOURCES})


# What loading a bundle's data into a connection raises when the data cannot be read (not
# the query's fault: the source is then unavailable).
# `QueryError` is among them: an engine raises it for a file it finds malformed.
LOAD_ERRORS: tuple[type[Exception], ...] = (duckdb.Error, OSError, ValueError, QueryError)


def connect_to_bundle(bundle_root: Path) -> tuple[duckdb.DuckDBPyConnection, BundleCache | None]:
    """A connection for queries over the bundle at `bundle_root`, and its cache (None when
    caching is off). Queries a model wrote run on it: it reads the bundle's folder and its
    cache folder (and writes the cache there), nothing else."""
    cache = BundleCache.for_bundle(bundle_root)
    con = duckdb.connect(":memory:")
    harden(con, allowed_dirs=[bundle_root] + ([cache.folder] if cache is not None else []))
    return con, cache


def connect(cache: BundleCache) -> duckdb.DuckDBPyConnection:
    """A connection for writing entries: it reads the bundle and writes its cache folder."""
    cache.folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    harden(con, allowed_dirs=[cache.bundle_root, cache.folder])
    return con


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m agent.telemetry.local.scan_cache BUNDLE`: write the bundle's cache."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m agent.telemetry.local.scan_cache BUNDLE", file=sys.stderr)
        return 2
    cache = BundleCache(Path(args[0]), mode="inline")
    con = connect(cache)
    try:
        build_bundle(Path(args[0]), cache, con)
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    # The detached writer yields the CPU to the query that started it and to what comes
    # next: writing (masking every message, compressing) costs several times that query.
    with contextlib.suppress(OSError):
        os.nice(10)
    sys.exit(main())
