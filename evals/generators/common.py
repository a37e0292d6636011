"""Building blocks every scenario generator shares: seeded randomness, AWS-shaped ids,
time helpers and a writer that lays files out as an incident bundle.

Everything here is deterministic for a given seed: the same scenario always produces the
same bytes, which is what lets a test regenerate a bundle and compare it with the
committed copy.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import string
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

# Files larger than this are written gzip-compressed (the spec allows `.gz` everywhere but
# for the manifest); small files stay plain so they read well in a diff.
GZIP_OVER_BYTES = 200_000


def seeded_rng(name: str, salt: int = 0) -> random.Random:
    """A generator seeded from the scenario name (crc32: stable across runs, unlike hash())."""
    return random.Random(zlib.crc32(name.encode()) + salt)


# --- time -----------------------------------------------------------------------------


def utc(text: str) -> datetime:
    """Parse '2026-03-02T10:02:14Z' (or with fractions) into an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def epoch_ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def iso_z(at: datetime) -> str:
    """CloudTrail's eventTime format: second precision, 'Z'."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_z(at: datetime) -> str:
    """Millisecond ISO time with 'Z' (Lambda runtime lines, ALB request_creation_time uses µs)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def minutes(start: datetime, end: datetime) -> list[datetime]:
    """The minute marks in [start, end)."""
    marks = []
    at = start.replace(second=0, microsecond=0)
    while at < end:
        marks.append(at)
        at += timedelta(minutes=1)
    return marks


# --- ids --------------------------------------------------------------------------------


@dataclass
class Ids:
    """AWS-shaped identifiers drawn from one seeded generator."""

    rng: random.Random

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, length: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def upper_alnum(self, length: int) -> str:
        return "".join(
            self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(length)
        )

    def alnum(self, length: int) -> str:
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(length))

    def access_key(self, temporary: bool = True) -> str:
        return ("ASIA" if temporary else "AKIA") + self.upper_alnum(16)

    def trace_id(self, at: datetime) -> str:
        """X-Ray trace id: version, epoch seconds in hex, 96 random bits."""
        return f"1-{int(at.timestamp()):08x}-{self.hex(24)}"

    def segment_id(self) -> str:
        return self.hex(16)

    def dynamodb_request_id(self) -> str:
        return self.upper_alnum(52)

    def apigw_extended_id(self) -> str:
        return self.alnum(14) + "Q="

    def client_ip(self) -> str:
        """Public-looking client addresses from the documentation ranges and a few ISPs."""
        prefix = self.rng.choice(["203.0.113", "198.51.100", "192.0.2", "100.24.71", "54.210.3"])
        return f"{prefix}.{self.rng.randint(2, 254)}"


# --- writing a bundle -------------------------------------------------------------------


def _gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and mtime 0, so the same content gives the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buffer.getvalue()


@dataclass
class BundleWriter:
    """Writes one scenario's files under `root` (created fresh by the caller)."""

    root: Path
    written: list[Path] = field(default_factory=list)
    # the bundle's analysis window: records outside it are left out, as an export of the
    # window would leave them out (a request that completes after the end, an INIT_START
    # just before the start)
    window: tuple[datetime, datetime] | None = None

    def in_window(self, at: datetime) -> bool:
        return self.window is None or self.window[0] <= at < self.window[1]

    def text(self, relative: str, content: str, *, compress: bool | None = None) -> Path:
        """Write a file; `compress` None gzips it when large, True always, False never."""
        data = content.encode("utf-8")
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if compress is None:
            compress = len(data) > GZIP_OVER_BYTES
        if compress:
            path = path.with_name(path.name + ".gz")
            data = _gzip_bytes(data)
        path.write_bytes(data)
        self.written.append(path)
        return path

    def jsonl(self, relative: str, rows: Iterable[dict[str, Any]]) -> Path:
        """Log events (or any rows); rows with an epoch-ms `timestamp` outside the window
        are left out."""
        kept = [
            row
            for row in rows
            if "timestamp" not in row
            or self.in_window(datetime.fromtimestamp(row["timestamp"] / 1000, UTC))
        ]
        lines = [json.dumps(row, separators=(",", ":"), ensure_ascii=False) for row in kept]
        return self.text(relative, "\n".join(lines) + "\n")

    def json(self, relative: str, value: Any, *, indent: int | None = None) -> Path:
        separators = (",", ":") if indent is None else (",", ": ")
        body = json.dumps(value, indent=indent, separators=separators, ensure_ascii=False)
        return self.text(relative, body + "\n")

    def lines(self, relative: str, lines: Iterable[str], *, compress: bool | None = None) -> Path:
        return self.text(relative, "\n".join(lines) + "\n", compress=compress)

    def manifest(self, manifest: dict[str, Any]) -> Path:
        body = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=92)
        return self.text("incident.yaml", body, compress=False)

    def readme(self, content: str) -> Path:
        return self.text("README.md", content.strip() + "\n", compress=False)


def arrivals(
    rng: random.Random,
    start: datetime,
    end: datetime,
    per_minute: Callable[[datetime], float],
) -> list[datetime]:
    """Request start times: for each minute, a noisy count around `per_minute(minute)`,
    spread uniformly (millisecond precision) over the minute."""
    times: list[datetime] = []
    for mark in minutes(start, end):
        mean = per_minute(mark)
        count = max(0, round(rng.gauss(mean, max(1.0, mean**0.5))))
        offsets = sorted(rng.randrange(60_000) for _ in range(count))
        times.extend(mark + timedelta(milliseconds=o) for o in offsets)
    return times
