"""Write the full answers of `pattern` queries to a folder, to compare two versions of fa2.

    .venv/bin/python bench/pattern_answers.py OUT_DIR [--sizes 10000,1000000]

Runs `fa2 query logs --format json` (a whole process, no bundle cache) for each query
below over the bench bundles of the given sizes (bench/inputs.py; generated once) and over
the Loghub 2k samples in tests/data/loghub (each written as a one-group bundle). Answers
are stored one file per (bundle, query), exactly as printed; compare two runs with
`diff -r A B`: a change to `pattern` that claims the same answers must leave no difference.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import inputs

ROOT = Path(__file__).resolve().parents[1]
LOGHUB = ROOT / "tests" / "data" / "loghub"
QUERIES = {
    "pattern": "pattern @message",
    "pattern-sorted": "pattern @message | sort @sampleCount desc",
    "pattern-filtered": "filter @message like /REPORT|ERROR|block|error/ | pattern @message",
    "pattern-of-field": "fields concat(@logStream, ' ', @message) as line | pattern line",
}


def loghub_bundle(name: str, folder: Path) -> Path:
    """The Loghub sample `name` as a bundle of one log group, one event a line."""
    with (LOGHUB / name / f"{name}_2k.log_structured.csv").open(encoding="utf-8") as handle:
        lines = [row["Content"] for row in csv.DictReader(handle)]
    root = folder / f"loghub-{name}"
    (root / "logs").mkdir(parents=True)
    start = 1772442000000
    with (root / "logs" / f"{name}.jsonl").open("w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            event = {
                "logGroup": f"/loghub/{name}",
                "logStream": f"stream-{i % 3}",
                "timestamp": start + i,
                "message": line,
            }
            out.write(json.dumps(event) + "\n")
    (root / "incident.yaml").write_text(
        inputs.manifest(
            f"loghub {name}",
            datetime.fromtimestamp(start / 1000 - 60, UTC),
            datetime.fromtimestamp(start / 1000 + 3600, UTC),
        ),
        encoding="utf-8",
    )
    return root


def answer(bundle: Path, query: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "query",
            "logs",
            "--bundle",
            str(bundle),
            "--format",
            "json",
            query,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "FA2_BUNDLE_CACHE": "off"},
    )
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sizes", default="10000,1000000")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fa2-pattern-answers-") as scratch:
        bundles = [inputs.logs_bundle(int(n)) for n in args.sizes.split(",") if n]
        bundles += [loghub_bundle(name, Path(scratch)) for name in ("HDFS", "Apache")]
        for bundle in bundles:
            for label, query in QUERIES.items():
                text = answer(bundle, query)
                (args.out / f"{bundle.name}.{label}.json").write_text(text, encoding="utf-8")
                digest = hashlib.sha256(text.encode()).hexdigest()[:12]
                print(f"{bundle.name:16s} {label:18s} {digest} ({len(text):,} bytes)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
