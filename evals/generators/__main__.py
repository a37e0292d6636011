"""`python -m evals.generators [--only NAME ...] [--out DIR]`: write the scenario bundles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evals.generators import SCENARIOS_DIR, generate, registry


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.generators", description=__doc__)
    parser.add_argument("--only", action="append", metavar="NAME", help="scenario to write")
    parser.add_argument("--out", type=Path, default=SCENARIOS_DIR, help="output folder")
    parser.add_argument("--list", action="store_true", help="list scenario names and exit")
    args = parser.parse_args(argv)
    names = list(registry())
    if args.list:
        print("\n".join(names))
        return 0
    wanted = args.only or names
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(
            f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr
        )
        return 2
    total = 0
    for name in wanted:
        root = generate(name, args.out)
        size = _size(root)
        total += size
        print(f"{name:<32} {size / 1024:8.0f} KiB  {root}")
    print(f"{'total':<32} {total / 1024:8.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
