"""How fast `varuh examples seed` fills an example database (SQLite by default).

    .venv/bin/python benchmarks/seed.py [ORG] [SUBJECTS ...] [--url URL]

Prints subjects, rows, seconds and rows per second for each size; the claim in docs/datamap.md
(300 subjects in about a second, 100,000 in well under a minute on SQLite) comes from here.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from varuh.connectors.seeding import seed_example


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("org", nargs="?", default="ecpp")
    parser.add_argument("subjects", nargs="*", type=int, default=[300, 10_000, 100_000])
    parser.add_argument("--url", help="write here instead of a temporary SQLite file (tables are replaced)")
    args = parser.parse_args()
    print(f"{'org':8} {'subjects':>9} {'rows':>9} {'seconds':>8} {'rows/s':>9}")
    for n in args.subjects:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.url or f"sqlite:///{Path(tmp) / 'seed.db'}"
            result = seed_example(args.org, url, n, force=True)
            rows = sum(result.rows.values())
            print(f"{args.org:8} {n:>9} {rows:>9} {result.seconds:>8.2f} {rows / max(result.seconds, 1e-9):>9.0f}")


if __name__ == "__main__":
    main()
