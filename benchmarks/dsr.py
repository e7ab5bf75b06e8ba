"""Benchmark: how fast does Varuh answer data-subject requests in a real database? (not a test)

The ecpp example's schema (examples/ecpp: accounts, orders, quiz attempts, surveys, discount codes,
newsletter and marketing lists, shop orders, invoices, access log, correspondence) is seeded into
PostgreSQL with N synthetic subjects (about 10 rows each). Then, in the same run, the same work is
done three ways on disjoint random samples of subjects:

  varuh     the engine: varuh.connectors.fulfil.fulfil(model, datamap, …) — the walk from the
            identities over the references, holds and strategies from the model, one transaction;
            run without a ledger (the ledger adds its own few writes per request: see `ledger`);
  sql       the floor: hand-written SQL for this schema only, the same rows deleted, emptied and
            kept (invoices stay, their e-mail emptied), one transaction per subject or batch;
  orm       a per-row ORM loop (SQLAlchemy ORM over the reflected schema): load the subject's
            objects table by table, then delete or update them one row at a time, as most DSR
            tools do.

Measured: access of one subject (find and read every row; varuh also shown with its full bundle:
JSON, CSV, report, manifest, zip), erasure of one subject, and a batch of 1,000 erasures (varuh:
one call for the whole batch; also its one-request-at-a-time rate).

Usage:
  .venv/bin/python benchmarks/dsr.py                       # 100,000 subjects
  .venv/bin/python benchmarks/dsr.py --subjects 1000000 --reps 30
  .venv/bin/python benchmarks/dsr.py --url postgresql+psycopg://postgres@127.0.0.1/mydb --no-seed
  .venv/bin/python benchmarks/dsr.py --batches 5          # the batch rate: median of 5, alternating
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "examples" / "ecpp"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KEY = b"benchmark-secret-key"
TODAY = dt.date.today()


# --- setting up -------------------------------------------------------------------------------------


def fresh_database(name: str) -> str:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def seed(url: str, subjects: int) -> float:
    from varuh.connectors.seeding import seed_example

    started = time.perf_counter()
    seed_example("ecpp", url, subjects, force=True, today=TODAY,
                 on_tick=lambda n: None)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def sample(url: str, n: int) -> list[str]:
    """Distinct e-mail addresses of subjects with an account, in random order."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT email FROM accounts GROUP BY email HAVING count(*) = 1 "
                                    "ORDER BY random() LIMIT :n"), {"n": n}).scalars().all()
    engine.dispose()
    random.shuffle(rows)
    return list(rows)


# --- varuh -------------------------------------------------------------------------------------------


class Varuh:
    def __init__(self, url: str, exports: Path) -> None:
        from varuh.model.datamap import require_datamap
        from varuh.model.load import load_model

        os.environ["ECPP_DATABASE_URL"] = url
        os.environ["VARUH_EXPORTS"] = str(exports)
        self.model, self.datamap = load_model(MODEL), require_datamap(MODEL)
        self.store = self.datamap.stores[0]

    def run(self, kind: str, emails: str | list[str], ledger: sa.Engine | None = None):
        from varuh.connectors.fulfil import fulfil

        result = fulfil(self.model, self.datamap, MODEL, kind, {"email": emails}, today=TODAY, key=KEY, ledger=ledger)
        assert result.status == "done", result.messages
        return result

    def find_and_read(self, email: str) -> int:
        """Access without the bundle: the walk and every row read, as the export does it."""
        from varuh.connectors.sql import open_sql_store
        from varuh.connectors.walk import walk

        opened = open_sql_store(self.store, MODEL)
        n = 0
        with opened.engine.connect() as conn:
            found = walk(conn, opened, {"email": email})
            for name in found.tables():
                t, pk = opened.tables[name], opened.pk(name)
                n += len(conn.execute(sa.select(t).where(pk.in_(list(found.keys[name])))).all())
        return n


# --- the floor: hand-written SQL for this schema -------------------------------------------------------


# The floor: this schema's statements written by hand. The subject's account, order and shop-order
# ids are read first, so that every statement is an indexed `= ANY(array)` (PostgreSQL combines the
# OR-ed conditions with a BitmapOr); the outcome is the same as varuh's erasure: children first,
# invoices kept for the tax law (10 years) with only the address they went to emptied, an order
# with a pending claim kept and flagged restricted.
IDS = {
    "acc": "SELECT id FROM accounts WHERE email = ANY(:e)",
    "so": "SELECT id FROM service_orders WHERE email = ANY(:e) OR account_id = ANY(:acc)",
    "sh": "SELECT id FROM shop_orders WHERE email = ANY(:e) OR account_id = ANY(:acc)",
}
HAND_ACCESS = [
    "SELECT * FROM accounts WHERE id = ANY(:acc)",
    "SELECT * FROM service_orders WHERE id = ANY(:so)",
    "SELECT * FROM shop_orders WHERE id = ANY(:sh)",
    "SELECT * FROM quiz_attempts WHERE account_id = ANY(:acc) OR order_id = ANY(:so)",
    "SELECT * FROM survey_answers WHERE email = ANY(:e) OR account_id = ANY(:acc)",
    "SELECT * FROM discount_codes WHERE account_id = ANY(:acc) OR order_id = ANY(:so)",
    "SELECT * FROM invoices WHERE email = ANY(:e) OR account_id = ANY(:acc) OR service_order_id = ANY(:so) "
    "OR shop_order_id = ANY(:sh)",
    "SELECT * FROM newsletter_subscribers WHERE email = ANY(:e)",
    "SELECT * FROM marketing_subscribers WHERE email = ANY(:e)",
    "SELECT * FROM correspondence WHERE email = ANY(:e)",
]
HAND_ERASE = [
    "DELETE FROM quiz_attempts WHERE (account_id = ANY(:acc) OR order_id = ANY(:so)) AND NOT order_id = ANY(:held)",
    "DELETE FROM survey_answers WHERE email = ANY(:e) OR account_id = ANY(:acc)",
    "UPDATE discount_codes SET redeemed_at = NULL, driving_school = NULL, account_id = NULL, order_id = NULL "
    "WHERE account_id = ANY(:acc) OR order_id = ANY(:so)",
    "UPDATE invoices SET email = NULL WHERE (email = ANY(:e) OR account_id = ANY(:acc) OR service_order_id = ANY(:so)"
    " OR shop_order_id = ANY(:sh)) AND email IS NOT NULL",
    "DELETE FROM newsletter_subscribers WHERE email = ANY(:e)",
    "DELETE FROM marketing_subscribers WHERE email = ANY(:e)",
    "DELETE FROM correspondence WHERE email = ANY(:e)",
    "DELETE FROM service_orders WHERE id = ANY(:so) AND NOT claim_pending",
    "UPDATE service_orders SET restricted = true WHERE id = ANY(:so) AND claim_pending AND NOT restricted",
    "DELETE FROM shop_orders WHERE id = ANY(:sh) AND NOT claim_pending",
    "UPDATE shop_orders SET restricted = true WHERE id = ANY(:sh) AND claim_pending AND NOT restricted",
    "DELETE FROM accounts WHERE id = ANY(:acc)",
]


def _ids(conn: sa.Connection, emails: list[str]) -> dict[str, list]:
    p: dict[str, list] = {"e": emails}
    p["acc"] = conn.execute(sa.text(IDS["acc"]), p).scalars().all()
    p["so"] = conn.execute(sa.text(IDS["so"]), p).scalars().all()
    p["sh"] = conn.execute(sa.text(IDS["sh"]), p).scalars().all()
    return p


def hand_access(engine: sa.Engine, emails: list[str]) -> int:
    with engine.connect() as conn:
        p = _ids(conn, emails)
        return sum(len(conn.execute(sa.text(q), p).all()) for q in HAND_ACCESS)


def hand_erase(engine: sa.Engine, emails: list[str]) -> None:
    with engine.begin() as conn:
        p = _ids(conn, emails)
        p["held"] = conn.execute(sa.text("SELECT id FROM service_orders WHERE id = ANY(:so) AND claim_pending"),
                                 p).scalars().all()
        for q in HAND_ERASE:
            conn.execute(sa.text(q), p)


# --- what most tools do: a per-row ORM loop ----------------------------------------------------------


class Orm:
    def __init__(self, engine: sa.Engine) -> None:
        base = automap_base()
        base.prepare(autoload_with=engine)
        self.c = base.classes
        self.engine = engine

    def _load(self, s: Session, email: str) -> dict[str, list]:
        c = self.c
        out: dict[str, list] = {}
        out["accounts"] = s.query(c.accounts).filter_by(email=email).all()
        acc = [a.id for a in out["accounts"]]
        out["service_orders"] = s.query(c.service_orders).filter_by(email=email).all()
        out["shop_orders"] = s.query(c.shop_orders).filter_by(email=email).all()
        out["quiz_attempts"], out["discount_codes"], out["invoices"], out["survey_answers"] = [], [], [], []
        for a in acc:  # navigate from each parent object to its children: one query per object
            out["service_orders"] += [o for o in s.query(c.service_orders).filter_by(account_id=a)
                                      if o not in out["service_orders"]]
            out["shop_orders"] += [o for o in s.query(c.shop_orders).filter_by(account_id=a)
                                   if o not in out["shop_orders"]]
            out["quiz_attempts"] += s.query(c.quiz_attempts).filter_by(account_id=a).all()
            out["discount_codes"] += s.query(c.discount_codes).filter_by(account_id=a).all()
            out["survey_answers"] += s.query(c.survey_answers).filter_by(account_id=a).all()
            out["invoices"] += s.query(c.invoices).filter_by(account_id=a).all()
        out["invoices"] += [i for i in s.query(c.invoices).filter_by(email=email) if i not in out["invoices"]]
        out["survey_answers"] += [x for x in s.query(c.survey_answers).filter_by(email=email)
                                  if x not in out["survey_answers"]]
        for name in ("newsletter_subscribers", "marketing_subscribers", "correspondence"):
            out[name] = s.query(getattr(c, name)).filter_by(email=email).all()
        return out

    def access(self, email: str) -> int:
        with Session(self.engine) as s:
            return sum(len(v) for v in self._load(s, email).values())

    def erase(self, email: str) -> None:
        with Session(self.engine) as s:
            found = self._load(s, email)
            for name in ("quiz_attempts", "survey_answers", "newsletter_subscribers", "marketing_subscribers",
                         "correspondence", "service_orders", "shop_orders", "accounts"):
                for obj in found[name]:
                    if getattr(obj, "claim_pending", False):
                        obj.restricted = True
                    else:
                        s.delete(obj)
                    s.flush()  # one statement per row, as the loop goes
            for d in found["discount_codes"]:
                d.redeemed_at = d.driving_school = d.account_id = d.order_id = None
                s.flush()
            for i in found["invoices"]:
                i.email = None
                s.flush()
            s.commit()


# --- measuring ----------------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def summary(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.95))]


def statements_per_erasure(engine: sa.Engine, varuh: Varuh, emails: list[str]) -> tuple[int, int]:
    """Statements sent to the organisation's database to erase one subject: varuh, then hand SQL."""
    seen: list[str] = []

    def count(conn, cursor, statement, *rest) -> None:
        seen.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    try:
        varuh.run("erasure", emails[0])
        ours = len(seen)
        seen.clear()
        hand_erase(engine, [emails[1]])
        return ours, len(seen)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", count)


def machine() -> str:
    cores = os.cpu_count()
    try:
        mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1]
    except Exception:
        mem = "?"
    pg = sa.create_engine(PG_ADMIN)
    with pg.connect() as c:
        version = c.execute(sa.text("SHOW server_version")).scalar()
    pg.dispose()
    return (f"{platform.machine()}, nproc {cores}, {mem} GB RAM (free -g), PostgreSQL {version}, "
            f"Python {sys.version.split()[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subjects", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=20, help="single-subject requests per method")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=3, help="batches per method, alternating (median reported)")
    ap.add_argument("--loop", type=int, default=200, help="subjects for the one-at-a-time rates")
    ap.add_argument("--url", help="an existing PostgreSQL database (default: a fresh one)")
    ap.add_argument("--no-seed", action="store_true", help="use the database as it is")
    args = ap.parse_args()

    url = args.url or fresh_database("varuh_bench_dsr")
    seconds = 0.0 if args.no_seed else seed(url, args.subjects)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = sum(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in
                   ("accounts", "service_orders", "quiz_attempts", "survey_answers", "discount_codes",
                    "newsletter_subscribers", "marketing_subscribers", "shop_orders", "invoices", "access_log",
                    "correspondence"))
    need = 5 * args.reps + 2 * args.batches * args.batch + 3 * args.loop + 12
    pool = sample(url, need)
    take = iter(pool)

    def some(n: int) -> list[str]:
        return [next(take) for _ in range(n)]

    exports = Path(tempfile.mkdtemp(prefix="varuh-dsr-"))
    varuh, orm = Varuh(url, exports), Orm(engine)
    for e in some(3):  # warm up: reflection, connection pools, plans
        varuh.run("access", e)
        varuh.find_and_read(e)
        hand_access(engine, [e])
        orm.access(e)
    from varuh.ledger.db import get_engine, upgrade

    ledger_dir = Path(tempfile.mkdtemp(prefix="varuh-dsr-ledger-"))
    ledger_url = f"sqlite:///{ledger_dir / 'ledger.db'}"
    upgrade(ledger_url)
    ledger = get_engine(ledger_url)
    methods: dict[str, Callable[[str], object]] = {
        "access varuh (find and read)": varuh.find_and_read,
        "access varuh (full bundle)": lambda e: varuh.run("access", e),
        "access sql": lambda e: hand_access(engine, [e]),
        "access orm": orm.access,
        "erase varuh": lambda e: varuh.run("erasure", e),
        "erase varuh + ledger": lambda e: varuh.run("erasure", e, ledger),
        "erase sql": lambda e: hand_erase(engine, [e]),
        "erase orm": orm.erase,
    }
    # round robin, each erasure on a subject of its own: the machine's load drifts, and every
    # method must see the same drift
    times: dict[str, list[float]] = {name: [] for name in methods}
    access = some(args.reps)
    for i in range(args.reps):
        for name, fn in methods.items():
            e = access[i] if name.startswith("access") else next(take)
            times[name].append(timed(lambda fn=fn, e=e: fn(e)))
    res = {name: summary(ms) for name, ms in times.items()}

    rates: dict[str, float] = {}
    batch_ms: dict[str, list[float]] = {"batch varuh (one call)": [], "batch sql": []}
    for _ in range(args.batches):  # alternating, like the single requests: both see the same drift
        batch = some(args.batch)
        batch_ms["batch varuh (one call)"].append(timed(lambda b=batch: varuh.run("erasure", b)))
        batch = some(args.batch)
        batch_ms["batch sql"].append(timed(lambda b=batch: hand_erase(engine, b)))
    for name, ms in batch_ms.items():
        rates[name] = args.batch / (statistics.median(ms) / 1000)
    loop = some(args.loop)
    rates["loop varuh (one request at a time)"] = args.loop / (
        sum(timed(lambda e=e: varuh.run("erasure", e)) for e in loop) / 1000)
    loop = some(args.loop)
    rates["loop sql (one subject at a time)"] = args.loop / (
        sum(timed(lambda e=e: hand_erase(engine, [e])) for e in loop) / 1000)
    loop = some(args.loop)
    rates["loop orm (one subject at a time)"] = args.loop / (sum(timed(lambda e=e: orm.erase(e)) for e in loop) / 1000)

    counted = statements_per_erasure(engine, varuh, some(2))

    print(f"\n{dt.date.today().isoformat()} · {machine()}")
    seeded = f"{args.subjects:,} subjects seeded in {seconds:.0f} s, " if seconds else ""
    print(f"ecpp schema, {seeded}{rows:,} rows")
    print("\n| one subject | median ms | p95 ms | × hand SQL (median) |\n|---|---:|---:|---:|")
    for kind in ("access", "erase"):
        floor = res[f"{kind} sql"][0]
        for name, (med, p95) in res.items():
            if name.startswith(kind):
                print(f"| {name} | {med:.1f} | {p95:.1f} | {med / floor:.2f} |")
    print(f"\nstatements per erasure of one subject (these two): varuh {counted[0]}, sql {counted[1]}")
    print(f"\n| erasures (batch: median of {args.batches}) | subjects/s | × hand SQL |\n|---|---:|---:|")
    for name, rate in rates.items():
        floor = rates["batch sql"] if name.startswith("batch") else rates["loop sql (one subject at a time)"]
        print(f"| {name} | {rate:,.0f} | {floor / rate:.2f} |")


if __name__ == "__main__":
    main()
