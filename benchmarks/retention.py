"""Benchmark: a retention sweep on PostgreSQL against a hand-written batched DELETE.

Claim (issue: retention): with 1,000,000 due rows among 10,000,000, `run_sweep` deletes (or
anonymises) at ≥ 50,000 rows/s, within 1.5× of a hand-written

    DELETE FROM visits WHERE id IN (SELECT id FROM visits WHERE visited_at < :cutoff LIMIT :batch)

loop measured in the same run on an identical copy of the table, with flat memory (the sweep runs
in a child process whose peak RSS is reported; it does not grow with the row count).

    .venv/bin/python benchmarks/retention.py                      # 10,000,000 rows, 10 % due
    .venv/bin/python benchmarks/retention.py --rows 1000000       # smaller
    .venv/bin/python benchmarks/retention.py --erase              # anonymise fields instead of deleting

Needs PostgreSQL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres; --admin-url).
A scratch database is created and dropped. Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

PRIVACY = """varuh: 1
organisation: {name: Benchmark d.o.o.}
subjects: [{id: visitors, name: {sl: Obiskovalci, en: Visitors}}]
data_categories: [{id: interaction, name: {sl: Spletna interakcija, en: Web interaction}}]
activities:
  - id: website-visit
    name: {sl: Obisk, en: Visit}
    purpose: {sl: Varnost, en: Security}
    legal_basis: legitimate_interests
    legitimate_interest: {interest: {sl: Varnost, en: Security}}
    data: [interaction]
    subjects: [visitors]
    retention:
      - id: visit-6m
        period: P6M
        anchor: {id: visited, after: {sl: po obisku, en: after the visit}}
"""
DATASETS = """varuh: 1
stores:
  - id: web
    kind: sql
    url_env: BENCH_STORE_URL
    tables:
      - name: visits
        activities: [website-visit]
        fields:
          - {name: ip, category: interaction, erase: "null"}
          - {name: user_agent, category: interaction, erase: "null"}
        retention:
          - {rule: website-visit.visit-6m, anchor: visited_at, action: ACTION}
"""
AS_OF = dt.date(2026, 3, 1)
CUTOFF = "2025-09-01 00:00:00+02"  # AS_OF - P6M, midnight in Ljubljana

CHILD = r"""
import json, resource, sys, time, datetime as dt
from pathlib import Path
import sqlalchemy as sa
from varuh.retention.evaluate import load_inputs
from varuh.retention.sweep import run_sweep
folder, ledger, batch = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
model, datamap = load_inputs(folder)
engine = sa.create_engine(ledger)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
result = run_sweep(model, datamap, folder, dt.date(2026, 3, 1), engine, b"bench", batch=batch)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "affected": result.total_affected, "status": result.status,
                  "rss_before_kib": rss0, "rss_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def generate(engine: sa.Engine, rows: int, due_share: float) -> None:
    """The template table: `rows` visits, `due_share` of them older than the cutoff, scattered by id."""
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS visits_template")
        c.exec_driver_sql("SELECT setseed(0.42)")
        c.exec_driver_sql(f"""
            CREATE TABLE visits_template AS
            SELECT g AS id,
                   '193.2.' || mod(g, 250) || '.' || mod(g, 199) AS ip,
                   'Mozilla/5.0 (X11; Linux x86_64) Firefox/' || mod(g, 130) AS user_agent,
                   CASE WHEN random() < {due_share}
                        THEN timestamptz '2025-08-31 12:00+00' - random() * interval '700 days'
                        ELSE timestamptz '2025-09-02 00:00+00' + random() * interval '170 days' END AS visited_at
            FROM generate_series(1, {rows}) AS g""")


def fresh_copy(engine: sa.Engine) -> int:
    """visits := a copy of the template, with its primary key and anchor index; the number of due rows."""
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS visits")
        c.exec_driver_sql("CREATE TABLE visits AS TABLE visits_template")
        c.exec_driver_sql("ALTER TABLE visits ADD PRIMARY KEY (id)")
        c.exec_driver_sql("CREATE INDEX ix_visits_visited_at ON visits (visited_at)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE visits")
        return c.exec_driver_sql(f"SELECT count(*) FROM visits WHERE visited_at < '{CUTOFF}'").scalar_one()


def hand_written(engine: sa.Engine, batch: int, erase: bool) -> tuple[float, int]:
    """The baseline a DBA would write: batched by LIMIT, one transaction per batch."""
    if erase:
        statement = (f"UPDATE visits SET ip = NULL, user_agent = NULL WHERE id IN (SELECT id FROM visits "
                     f"WHERE visited_at < '{CUTOFF}' AND (ip IS NOT NULL OR user_agent IS NOT NULL) LIMIT {batch})")
    else:
        statement = (f"DELETE FROM visits WHERE id IN (SELECT id FROM visits WHERE visited_at < '{CUTOFF}' "
                     f"LIMIT {batch})")
    total = 0
    t = time.perf_counter()
    while True:
        with engine.begin() as c:
            n = c.exec_driver_sql(statement).rowcount
        total += n
        if n == 0:
            return time.perf_counter() - t, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--due", type=float, default=0.1, help="share of rows that are due (default 0.1)")
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--erase", action="store_true", help="anonymise (erase_fields) instead of deleting rows")
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()

    name = "varuh_bench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    try:
        t = time.perf_counter()
        generate(engine, args.rows, args.due)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - t:.1f} s", file=sys.stderr)

        due = fresh_copy(engine)
        base_s, base_n = hand_written(engine, args.batch, args.erase)
        print(f"hand-written: {base_n:,} rows in {base_s:.2f} s", file=sys.stderr)

        due2 = fresh_copy(engine)
        assert due2 == due
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "privacy.yaml").write_text(PRIVACY)
            action = "erase_fields" if args.erase else "delete_row"
            (folder / "datasets.yaml").write_text(DATASETS.replace("ACTION", action))
            ledger = f"sqlite:///{folder / 'ledger.db'}"
            env = {**os.environ, "BENCH_STORE_URL": url, "VARUH_DATABASE_URL": ledger, "VARUH_SECRET_KEY": "bench"}
            subprocess.run([sys.executable, "-m", "varuh", "db", "upgrade"], env=env, check=True,
                           capture_output=True)
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder), ledger, str(args.batch)], env=env,
                                 check=True, capture_output=True, text=True).stdout
        sweep = json.loads(out.strip().splitlines()[-1])
        assert sweep["affected"] == due, (sweep, due)
        with engine.connect() as c:
            left = c.exec_driver_sql(f"SELECT count(*) FROM visits WHERE visited_at < '{CUTOFF}'"
                                     + (" AND ip IS NOT NULL" if args.erase else "")).scalar_one()
        assert left == 0
        report = {
            "date": dt.date.today().isoformat(),
            "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} CPUs",
            "postgresql": engine.connect().exec_driver_sql("SHOW server_version").scalar_one(),
            "rows": args.rows, "due_rows": due, "batch": args.batch, "action": action,
            "varuh_seconds": round(sweep["seconds"], 2),
            "varuh_rows_per_s": round(due / sweep["seconds"]),
            "baseline_seconds": round(base_s, 2),
            "baseline_rows_per_s": round(due / base_s),
            "ratio": round(sweep["seconds"] / base_s, 2),
            "peak_rss_mib": round(sweep["rss_peak_kib"] / 1024, 1),
            "rss_at_start_mib": round(sweep["rss_before_kib"] / 1024, 1),
        }
        print(json.dumps(report, indent=2))
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
