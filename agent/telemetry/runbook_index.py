"""A local full-text index over folders of markdown/text runbooks: SQLite FTS5 with BM25
ranking (stdlib `sqlite3`, no model to download), used when no Bedrock knowledge base is set.

Each file is split into sections at its markdown headings; a section is one searchable
passage with its heading path ("Title › Section"). The index lives in memory and is brought
up to date before every search: files whose size or modification time changed are
re-read, deleted files are dropped, new ones added. Hand-written (about 150 lines) because
the chunking is markdown-specific and FTS5 does the ranking; a search library would add a
dependency for what SQLite already ships.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from agent.telemetry.base import QueryError, QueryResult
from agent.telemetry.types import RunbookPassage

RUNBOOK_SUFFIXES = (".md", ".markdown", ".txt", ".rst")
MAX_PASSAGE_CHARS = 1500  # a section longer than this is cut (the model reads ~700 of it)
MAX_FILE_BYTES = 1_000_000  # a runbook is prose; a bigger file is not one
MAX_QUERY_TERMS = 32
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_TERM = re.compile(r"\w+", re.UNICODE)
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# BM25 column weights: a word in the document title or the section heading counts more than
# one in the body (a runbook titled after the alarm is the one to read).
_BM25 = "bm25(passages, 8.0, 4.0, 1.0, 0.0, 0.0, 0.0)"


def split_sections(text: str, fallback_title: str) -> Iterator[tuple[str, str, str]]:
    """(document title, heading path, body) per section; text before the first heading is a
    section under the title itself."""
    lines = text.splitlines()
    title = fallback_title
    for line in lines:
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1:
            title = match.group(2)
            break
    path: list[tuple[int, str]] = []
    body: list[str] = []

    def flush() -> tuple[str, str, str] | None:
        content = "\n".join(body).strip()
        if not content:
            return None
        heading = " › ".join(name for _, name in path) or title
        return title, heading, content

    for line in lines:
        match = _HEADING.match(line)
        if not match:
            body.append(line)
            continue
        section = flush()
        if section:
            yield section
        body = []
        level = len(match.group(1))
        path = [(lvl, name) for lvl, name in path if lvl < level] + [(level, match.group(2))]
    section = flush()
    if section:
        yield section


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, with CamelCase names also split into their parts
    (an alarm named `OrdersTableWriteThrottling` is found by "throttling")."""
    found: list[str] = []
    for term in _TERM.findall(text):
        found.append(term.lower())
        parts = _CAMEL_PART.findall(term)
        if len(parts) > 1:
            found.extend(part.lower() for part in parts)
    return list(dict.fromkeys(found))


def _searchable(text: str) -> str:
    """Text as indexed: CamelCase names carry their split parts after them."""
    extra = [w for w in words(text) if w not in text.lower().split()]
    return f"{text} ({' '.join(extra)})" if extra else text


def match_expression(query: str) -> str:
    """The FTS5 MATCH expression for free text: each word quoted (so punctuation and FTS
    operators in the text are never syntax), any word may match, BM25 ranks the overlap."""
    terms = words(query)[:MAX_QUERY_TERMS]
    if not terms:
        raise QueryError(
            f"the search text {query!r} has no words to search for; describe the symptom, "
            "the alarm or the resource (e.g. 'DynamoDB throttling orders table')"
        )
    return " OR ".join(f'"{term}"' for term in terms)


class RunbookIndex:
    """FTS5 index over the runbook files under `folders` (thread-safe; one per backend)."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [Path(f).expanduser() for f in folders]
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5("
            "title, heading, body, source UNINDEXED, shown_heading UNINDEXED, "
            "shown_body UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
        )
        self._signatures: dict[Path, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self.reindexed_files = 0  # files (re-)read so far, for tests and bench

    def exists(self) -> bool:
        return any(folder.is_dir() for folder in self.folders)

    def _files(self) -> dict[Path, tuple[int, int]]:
        found: dict[Path, tuple[int, int]] = {}
        for folder in self.folders:
            if not folder.is_dir():
                continue
            root = folder.resolve()
            for file in sorted(folder.rglob("*")):
                if (
                    file.suffix.lower() in RUNBOOK_SUFFIXES
                    and file.is_file()
                    and not file.name.upper().startswith(("README", "LICENSE"))
                    # a link out of the folder is never read (a bundle is untrusted input)
                    and file.resolve().is_relative_to(root)
                ):
                    stat = file.stat()
                    found[file] = (stat.st_mtime_ns, stat.st_size)
        return found

    def _label(self, file: Path) -> str:
        for folder in self.folders:
            if file.is_relative_to(folder):
                return f"{folder.name}/{file.relative_to(folder).as_posix()}"
        return file.name

    def refresh(self) -> None:
        """Bring the index up to date with the files on disk (changed files only)."""
        with self._lock:
            current = self._files()
            stale = [f for f in self._signatures if current.get(f) != self._signatures[f]]
            for file in stale:
                self._db.execute("DELETE FROM passages WHERE source = ?", (self._label(file),))
                del self._signatures[file]
            for file, signature in current.items():
                if file in self._signatures:
                    continue
                self._index_file(file)
                self._signatures[file] = signature
            self._db.commit()

    def _index_file(self, file: Path) -> None:
        self.reindexed_files += 1
        if file.stat().st_size > MAX_FILE_BYTES:
            return
        text = file.read_text(encoding="utf-8", errors="replace")
        label = self._label(file)
        rows = [
            (
                _searchable(title),
                _searchable(heading),
                _searchable(body),
                label,
                heading if heading.startswith(title) else f"{title} › {heading}",
                _clip(body),
            )
            for title, heading, body in split_sections(text, file.stem.replace("-", " "))
        ]
        self._db.executemany(
            "INSERT INTO passages (title, heading, body, source, shown_heading, shown_body) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def search(self, query: str, max_results: int) -> QueryResult:
        """The best-matching sections, best first, as evidence-ready rows."""
        expression = match_expression(query)
        self.refresh()
        with self._lock:
            found = self._db.execute(
                f"SELECT source, shown_heading, shown_body, {_BM25} AS rank FROM passages "
                "WHERE passages MATCH ? ORDER BY rank LIMIT ?",
                (expression, max_results),
            ).fetchall()
        passages = [
            RunbookPassage(
                source=source,
                heading=heading,
                text=body,
                score=round(-rank, 3),  # FTS5's bm25() is lower-is-better; shown higher-is-better
            )
            for source, heading, body, rank in found
        ]
        return passages_result(f"search runbooks: {query}", passages, link=None)


def passages_result(query: str, passages: list[RunbookPassage], link: str | None) -> QueryResult:
    """A runbook search's answer as a `QueryResult` (one row per passage), either backend."""
    return QueryResult(
        source="runbooks",
        status="ok" if passages else "empty",
        query=query,
        columns=["source", "heading", "passage", "score"],
        rows=[
            [p.source, p.heading, p.text, None if p.score is None else f"{p.score:g}"]
            for p in passages
        ],
        total_rows=len(passages),
        passages=passages,
        link=link,
    )


def _clip(text: str) -> str:
    return text if len(text) <= MAX_PASSAGE_CHARS else text[: MAX_PASSAGE_CHARS - 1] + "…"
