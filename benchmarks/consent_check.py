"""Benchmark: how fast is the consent check, the hot path? (a benchmark, not a test)

Builds a ledger with N subjects (default 1,000,000; `--subjects` for fewer), each with an e-mail
identity, a give event for one purpose and, for every third subject, a later withdrawal; on
SQLite and on PostgreSQL. Then measures, on one core of this machine:

  cached      varuh's check_consent(engine, …) warm: a hot set of subjects (--hot, default
              10,000) answered from the in-process cache, with its invalidation machinery on;
  engine      the same function with the cache off: one indexed read of consent_state per call;
  baseline    the honest hand-written alternative: HMAC the address, then one prepared, indexed
              SQL query for the subject's latest event on a raw DB-API cursor (no SQLAlchemy);
  concurrent  cached checks while another thread gives and withdraws consents of the hot set
              through the engine; afterwards every hot subject's cached answer is compared to
              the ledger (must be 0 mismatches);
  http        POST /api/v1/consents/check against `varuh serve` on loopback, with wrk (Debian
              package `wrk`), else a Python load generator (httpx, asyncio) — the output says which.

Usage:
  .venv/bin/python benchmarks/consent_check.py                       # both databases, 1M subjects
  .venv/bin/python benchmarks/consent_check.py --subjects 100000 --backend sqlite
Results are printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "examples" / "ecpp"
KEY = b"benchmark-secret-key"
PURPOSE = "newsletter"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def email(i: int) -> str:
    return f"oseba{i}@primer.si"


def digest(i: int) -> str:
    return hmac.new(KEY, f"email:{email(i)}".encode(), hashlib.sha256).hexdigest()


# --- building the ledger ---------------------------------------------------------------------------


def rows(n: int):
    """(subjects, identities, events, states) as tuples, ids from 1."""
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    later = now + dt.timedelta(days=30)
    th = hashlib.sha256(b"Zelim prejemati spletnik.").hexdigest()
    subjects, identities, events, states = [], [], [], []
    eid = 0
    for i in range(1, n + 1):
        subjects.append((i, f"S-{i:012x}", now))
        identities.append((i, i, "email", digest(i), now))
        eid += 1
        events.append((eid, str(uuid.UUID(int=eid)), i, PURPOSE, True, now, "web_form", "1", th, "paper", "subject",
                       "bench"))
        given_at, ended_at, last, given = now, None, eid, True
        if i % 3 == 0:
            eid += 1
            events.append((eid, str(uuid.UUID(int=eid)), i, PURPOSE, False, later, "email", "1", th, "paper",
                           "subject", "bench"))
            ended_at, last, given = later, eid, False
        states.append((i, i, PURPOSE, given, last, later if not given else now, given_at, ended_at))
    return subjects, identities, events, states


SQL_COLUMNS = {
    "subjects": "id, ref, created_at",
    "identities": "id, subject_id, kind, digest, created_at",
    "consent_events": "id, receipt_id, subject_id, purpose, given, at, channel, notice_version, text_hash, wording, "
                      "given_by, actor",
    "consent_state": "id, subject_id, purpose, given, event_id, at, given_at, ended_at",
}


def build_sqlite(url: str, n: int) -> None:
    import sqlite3

    from varuh.ledger.db import upgrade

    upgrade(url)
    path = url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    data = rows(n)
    for table, batch in zip(SQL_COLUMNS, data, strict=True):
        cols = SQL_COLUMNS[table]
        marks = ", ".join("?" * len(cols.split(",")))
        con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                        [tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, dt.datetime) else v for v in r)
                         for r in batch])
    con.commit()
    con.execute("ANALYZE")
    con.close()


def build_postgres(url: str, n: int) -> None:
    from sqlalchemy import text

    from varuh.ledger.db import get_engine, upgrade

    upgrade(url)
    engine = get_engine(url)
    data = rows(n)
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.cursor() as cur:
            for table, batch in zip(SQL_COLUMNS, data, strict=True):
                with cur.copy(f"COPY {table} ({SQL_COLUMNS[table]}) FROM STDIN") as copy:
                    for r in batch:
                        copy.write_row(r)
        pg.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        for table in SQL_COLUMNS:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))


# --- in-process measurements ---------------------------------------------------------------------


def rate(fn, seconds: float) -> tuple[float, int]:
    """Calls per second of fn(i) for i = 0, 1, …, measured over about `seconds`."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for i in range(count, count + 2000):
            fn(i)
        count += 2000
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start), count


def measure_in_process(url: str, n: int, hot: int, seconds: float) -> dict:
    from sqlalchemy import text

    from varuh.consent import cache
    from varuh.consent.engine import Proof, check_consent, record_consent
    from varuh.ledger.db import get_engine
    from varuh.model.load import load_model

    engine = get_engine(url)
    model = load_model(MODEL)
    rnd = random.Random(7)
    hot_ids = [rnd.randint(1, n) for _ in range(hot)]
    hot_ids_cycle = [hot_ids[rnd.randrange(hot)] for _ in range(100_000)]
    hot_emails = [{"email": email(i)} for i in hot_ids_cycle]
    all_emails = [{"email": email(rnd.randint(1, n))} for _ in range(100_000)]
    results = {}

    # correctness first: every answer equals the data we built
    for i in hot_ids[:200]:
        state = check_consent(engine, KEY, purpose=PURPOSE, identities={"email": email(i)})
        assert state.given == (i % 3 != 0), (i, state)

    c = cache.cache_for(engine)
    c.ttl = 1.0
    for e in hot_emails[:hot * 3]:  # warm
        check_consent(engine, KEY, purpose=PURPOSE, identities=e)
    results["cached"] = rate(lambda i: check_consent(engine, KEY, purpose=PURPOSE,
                                                     identities=hot_emails[i % 100_000]), seconds)[0]

    c.ttl = 0.0
    c.clear()
    with engine.connect() as conn:
        results["engine"] = rate(lambda i: check_consent(conn, KEY, purpose=PURPOSE,
                                                         identities=all_emails[i % 100_000]), seconds)[0]

    # the baseline: HMAC + one prepared indexed query on a raw DB-API cursor
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        sql = ("SELECT e.given FROM identities i JOIN consent_events e ON e.subject_id = i.subject_id "
               f"WHERE i.kind = 'email' AND i.digest = {mark} AND e.purpose = {mark} ORDER BY e.id DESC LIMIT 1")
        kwargs = {"prepare": True} if engine.dialect.name == "postgresql" else {}

        def baseline(i: int) -> bool:
            d = hmac.new(KEY, f"email:{all_emails[i % 100_000]['email'].strip().lower()}".encode(),
                         hashlib.sha256).hexdigest()
            cur.execute(sql, (d, PURPOSE), **kwargs)
            row = cur.fetchone()
            return bool(row and row[0])

        assert baseline(0) == check_consent(engine, KEY, purpose=PURPOSE, identities=all_emails[0]).given
        results["baseline"] = rate(baseline, seconds)[0]
        raw.rollback()
    finally:
        raw.close()

    # cached checks while another thread changes consents of the hot set through the engine
    c.ttl = 1.0
    c.clear()
    for e in hot_emails[:hot * 3]:  # warm again
        check_consent(engine, KEY, purpose=PURPOSE, identities=e)
    stop = threading.Event()
    writes = [0]
    hot_set = sorted(set(hot_ids))

    def writer() -> None:
        w = random.Random(11)
        while not stop.is_set():
            i = w.choice(hot_set)
            with engine.begin() as conn:
                event = record_consent(conn, model, KEY, purpose=PURPOSE, given=w.random() < 0.5,
                                       proof=Proof(channel="api", wording="x"), identities={"email": email(i)},
                                       actor="bench")
            # a write is visible to the writer's own process at once
            mine = check_consent(engine, KEY, purpose=PURPOSE, identities={"email": email(i)})
            assert mine.event_id == event.id, (mine, event.id)
            writes[0] += 1
            time.sleep(0.001)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results["concurrent"] = rate(lambda i: check_consent(engine, KEY, purpose=PURPOSE,
                                                             identities=hot_emails[i % 100_000]), seconds)[0]
    finally:
        stop.set()
        thread.join()
    results["concurrent_writes_per_s"] = writes[0] / seconds
    mismatches = 0
    sql = text("SELECT s.given, s.event_id FROM identities i JOIN consent_state s ON s.subject_id = i.subject_id "
               "WHERE i.kind = 'email' AND i.digest = :d AND s.purpose = :p")
    with engine.connect() as conn:
        for i in hot_set:
            cached = check_consent(engine, KEY, purpose=PURPOSE, identities={"email": email(i)})
            given, event_id = conn.execute(sql, {"d": digest(i), "p": PURPOSE}).one()
            mismatches += (cached.given, cached.event_id) != (bool(given), event_id)
    results["mismatches"] = mismatches
    return results


# --- over HTTP -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WRK_SCRIPT = """
local n = {n}
local hot = {hot}
math.randomseed(7)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
request = function()
  local i = math.random(1, hot) * math.floor(n / hot)
  return wrk.format(nil, nil, nil, '{{"email":"oseba' .. i .. '@primer.si","purpose":"{purpose}"}}')
end
"""


def measure_http(url: str, n: int, hot: int, seconds: float, workers: int) -> dict:
    from varuh.ledger.apikeys import create_key
    from varuh.ledger.db import get_engine

    with get_engine(url).begin() as conn:
        _, api_key = create_key(conn, "benchmark", ["consent:read"])
    port = free_port()
    env = os.environ | {"VARUH_DATABASE_URL": url, "VARUH_SECRET_KEY": KEY.decode()}
    server = subprocess.Popen([sys.executable, "-m", "varuh", "serve", str(MODEL), "--port", str(port),
                               "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"{base}/docs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        body = {"email": email(n // hot), "purpose": PURPOSE}
        r = httpx.post(f"{base}/api/v1/consents/check", json=body, headers={"Authorization": f"Bearer {api_key}"})
        assert r.status_code == 200, r.text
        if shutil.which("wrk"):
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
                f.write(WRK_SCRIPT.format(n=n, hot=hot, key=api_key, purpose=PURPOSE))
            run = lambda secs: subprocess.run(  # noqa: E731
                ["wrk", "-t1", "-c32", f"-d{secs}s", "-s", f.name, f"{base}/api/v1/consents/check"],
                capture_output=True, text=True, check=True).stdout
            run(max(5, hot // 1000))  # warm the workers' caches
            out = run(int(seconds))
            os.unlink(f.name)
            rps = float(next(line for line in out.splitlines() if line.startswith("Requests/sec")).split()[1])
            errors = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
            return {"http": rps, "generator": "wrk -t1 -c32", "http_errors": errors}
        return {"http": asyncio.run(_httpx_load(base, api_key, n, hot, seconds)),
                "generator": "httpx asyncio, 32 connections (wrk not installed)", "http_errors": []}
    finally:
        server.terminate()
        server.wait(timeout=20)


async def _httpx_load(base: str, api_key: str, n: int, hot: int, seconds: float) -> float:
    import httpx

    done = [0]
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits, headers={"Authorization": f"Bearer {api_key}"}) as c:
        async def client(k: int) -> None:
            rnd = random.Random(k)
            while time.perf_counter() < deadline:
                i = rnd.randint(1, hot) * (n // hot)
                r = await c.post("/api/v1/consents/check", content=json.dumps({"email": email(i), "purpose": PURPOSE}),
                                 headers={"content-type": "application/json"})
                r.raise_for_status()
                done[0] += 1

        start = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(32)))
        return done[0] / (time.perf_counter() - start)


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--hot", type=int, default=10_000, help="subjects in the warm working set")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--workers", type=int, default=1, help="`varuh serve --workers` for the HTTP run")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--http-only", action="store_true", help="skip the in-process measurements")
    parser.add_argument("--sqlite-file", type=Path, help="build the SQLite ledger here and keep it; reuse it if "
                        "it already holds --subjects subjects (to repeat a run without rebuilding)")
    args = parser.parse_args()
    os.environ["VARUH_SECRET_KEY"] = KEY.decode()
    os.environ["VARUH_CONSENT_CACHE_SECONDS"] = "1"
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    table = []
    for backend in backends:
        tmp = Path(tempfile.mkdtemp(prefix="varuh-bench-"))
        pg_name = None
        reuse = False
        if backend == "sqlite":
            url = f"sqlite:///{args.sqlite_file.resolve() if args.sqlite_file else tmp / 'ledger.db'}"
            reuse = bool(args.sqlite_file) and args.sqlite_file.exists() and _subjects(url) == args.subjects
        else:
            import sqlalchemy as sa

            pg_name = "varuh_bench_" + uuid.uuid4().hex[:8]
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{pg_name}"'))
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
        try:
            t = time.perf_counter()
            if not reuse:
                if args.sqlite_file and args.sqlite_file.exists():
                    args.sqlite_file.unlink()
                (build_sqlite if backend == "sqlite" else build_postgres)(url, args.subjects)
            build = time.perf_counter() - t
            print(f"{backend}: built {args.subjects:,} subjects in {build:.0f} s", file=sys.stderr)
            r = {} if args.http_only else measure_in_process(url, args.subjects, args.hot, args.seconds)
            if not args.no_http:
                r |= measure_http(url, args.subjects, args.hot, args.seconds, args.workers)
            r["build_s"] = build
            table.append((backend, r))
            print(backend, json.dumps(r, default=str), file=sys.stderr)
        finally:
            from varuh.ledger.db import get_engine

            get_engine.cache_clear()
            if pg_name:
                with admin.connect() as c:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            shutil.rmtree(tmp, ignore_errors=True)
    print_report(args, table)


def _subjects(url: str) -> int:
    import sqlite3

    try:
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        return con.execute("SELECT count(*) FROM subjects").fetchone()[0]
    except sqlite3.Error:
        return -1


def print_report(args, table) -> None:
    mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{dt.date.today().isoformat()}, {os.cpu_count()} cores (nproc), {mem} GB RAM, load average {load}, Python "
          f"{sys.version.split()[0]}; {args.subjects:,} subjects, hot set {args.hot:,}, {args.seconds:.0f} s each.\n")
    print("| ledger | cached check/s | engine, no cache/s | baseline SQL/s | cached ÷ baseline | "
          "cached with writer/s (writes/s, mismatches) | HTTP req/s | build s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, r in table:
        http = f"{r['http']:,.0f}" if "http" in r else "–"
        if "cached" not in r:
            print(f"| {backend} | – | – | – | – | – | {http} | {r['build_s']:.0f} |")
            continue
        print(f"| {backend} | {r['cached']:,.0f} | {r['engine']:,.0f} | {r['baseline']:,.0f} | "
              f"{r['cached'] / r['baseline']:.0f}× | {r['concurrent']:,.0f} ({r['concurrent_writes_per_s']:.0f}, "
              f"{r['mismatches']}) | {http} | {r['build_s']:.0f} |")
    generators = {r.get("generator") for _, r in table if r.get("generator")}
    if generators:
        print(f"\nHTTP load generator: {', '.join(sorted(generators))}; "
              f"errors: {[r.get('http_errors') for _, r in table]}")


if __name__ == "__main__":
    main()
