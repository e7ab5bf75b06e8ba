"""Bad bindings, stores that are down, sweeps that crash, and two sweeps at once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from retention_fixture import AS_OF, build_shop, digest, rows, withdraw_newsletter

from varuh.errors import Conflict
from varuh.ledger.db import get_engine
from varuh.ledger.retention import retention_locks, retention_runs
from varuh.retention.evaluate import load_inputs
from varuh.retention.lock import SweepLock
from varuh.retention.sweep import run_sweep


@pytest.fixture
def shop(tmp_path, ledger, monkeypatch):
    folder = tmp_path / "shop"
    url = build_shop(folder)
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    withdraw_newsletter(ledger)
    return folder, url


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_missing_anchor_column_names_rule_store_table_and_column(run, shop):
    folder, url = shop
    edit(folder / "datasets.yaml", "{rule: invoices.invoices-10y, anchor: issued_on}",
         "{rule: invoices.invoices-10y, anchor: issued_at}")
    before = digest(url)
    for command in ("plan", "run"):
        r = run("retention", command, folder, "--as-of", AS_OF.isoformat())
        assert r.exit_code == 2
        assert r.stderr.strip() == ("error: retention rule invoices.invoices-10y: store 'shop': table 'invoices': "
                                    "anchor column 'issued_at' does not exist")
    assert digest(url) == before  # nothing half-applied: other rules did not run either


def test_unknown_rule_and_undefined_condition_are_bad_input(run, shop):
    folder, _ = shop
    edit(folder / "datasets.yaml", "- {id: purchase_made, exists: orders}", "- {id: bought, exists: orders}")
    r = run("retention", "plan", folder)
    assert r.exit_code == 2
    assert "rule account.no-purchase-30d: condition 'purchase_made' of the rule is not defined" in r.stderr
    edit(folder / "datasets.yaml", "rule: account.access-5y", "rule: account.access-6y")
    r = run("retention", "plan", folder)
    assert r.exit_code == 2 and "account.access-6y: no such retention rule in privacy.yaml" in r.stderr


def add_second_store(folder: Path) -> None:
    with (folder / "datasets.yaml").open("a") as f:
        f.write("""  - id: archive
    kind: sql
    url_env: ARCHIVE_URL
    tables:
      - name: visits
        fields: [{name: ip, category: interaction}]
        retention:
          - {rule: website-visit.visit-6m, anchor: visited_at}
""")


def test_a_store_that_is_down_is_named_and_the_others_are_still_swept(run, shop, tmp_path):
    folder, url = shop
    add_second_store(folder)
    r = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json",
            env={"ARCHIVE_URL": "postgresql+psycopg://varuh:s3cret@127.0.0.1:1/archive"})
    assert r.exit_code == 1
    assert "store 'archive'" in r.stderr and "s3cret" not in r.output
    result = r.json()
    assert result["status"] == "partial"
    by_store = {(i["store"], i["status"]) for i in result["items"]}
    assert ("archive", "error") in by_store and ("shop", "done") in by_store
    assert [i["id"] for i in rows(url, "invoices")] == [2]  # the shop was swept


def test_a_missing_sqlite_file_is_a_store_that_is_down_not_a_new_empty_database(run, shop, tmp_path):
    folder, _ = shop
    add_second_store(folder)
    r = run("retention", "plan", folder, "--as-of", AS_OF.isoformat(),
            env={"ARCHIVE_URL": f"sqlite:///{tmp_path / 'gone.db'}"})
    assert r.exit_code == 1
    assert "store 'archive': the SQLite database file does not exist" in r.stderr
    assert not (tmp_path / "gone.db").exists()


class Crash(Exception):
    pass


def test_a_sweep_killed_mid_batch_commits_no_partial_batch_and_the_next_run_finishes(shop, ledger):
    folder, url = shop
    model, datamap = load_inputs(folder)
    engine = get_engine(ledger)
    batches = []

    def crash_on_third(item, n):
        batches.append((item.rule, n))
        if len(batches) == 3:
            raise Crash()

    with pytest.raises(Crash):
        run_sweep(model, datamap, folder, AS_OF, engine, b"k", batch=1, before_commit=crash_on_third)
    # batch size 1: the first two batches erased two phones; the third (order 3's phone) rolled back
    assert [o["phone"] for o in rows(url, "orders")] == [None, None, "041 333 333", "041 444 444"]
    with engine.connect() as conn:
        run_row = conn.execute(sa.select(retention_runs)).one()
        assert run_row.status == "failed" and run_row.total == 2
        assert conn.execute(sa.select(retention_locks)).first() is None  # released

    result = run_sweep(model, datamap, folder, AS_OF, engine, b"k", batch=1)
    assert result.status == "done"
    assert [o["phone"] for o in rows(url, "orders")] == [None, None, "041 444 444"]
    assert {i.rule: i.affected for i in result.items}["shop-contract.phone-at-delivery"] == 1


KILL_SCRIPT = """
import os, signal, sys, datetime as dt
from pathlib import Path
from varuh.ledger.db import get_engine
from varuh.retention.evaluate import load_inputs
from varuh.retention.sweep import run_sweep
folder = Path(sys.argv[1])
model, datamap = load_inputs(folder)
seen = []
def die(item, n):
    seen.append(n)
    if len(seen) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
run_sweep(model, datamap, folder, dt.date(2026, 3, 1), get_engine(sys.argv[2]), b"k", batch=1, before_commit=die)
"""


def test_a_process_killed_mid_sweep_leaves_its_lease_and_the_next_run_finishes(shop, ledger, run):
    folder, url = shop
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(folder), ledger], env=os.environ.copy(),
                          capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    assert [o["phone"] for o in rows(url, "orders")] == [None, None, "041 333 333", "041 444 444"]
    engine = get_engine(ledger)
    with engine.connect() as conn:
        assert conn.execute(sa.select(retention_runs.c.status)).scalar_one() == "running"
    r = run("retention", "run", folder, "--as-of", AS_OF.isoformat())
    assert r.exit_code == 2 and "another retention sweep is running" in r.stderr  # the dead one's lease
    with engine.begin() as conn:  # the lease runs out (5 minutes in real life)
        conn.execute(sa.update(retention_locks).values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
        conn.execute(sa.update(retention_runs).values(heartbeat_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    r = run("retention", "run", folder, "--as-of", AS_OF.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    assert [o["id"] for o in rows(url, "orders")] == [2, 3, 4]
    with engine.connect() as conn:
        assert [s for (s,) in conn.execute(sa.select(retention_runs.c.status).order_by(retention_runs.c.id))] == [
            "interrupted", "done"]


def test_two_sweeps_never_run_at_once(ledger):
    engine = get_engine(ledger)
    clock = [dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)]
    first = SweepLock(engine, "R-1 a:1", clock=lambda: clock[0])
    second = SweepLock(engine, "R-2 b:2", clock=lambda: clock[0])
    first.acquire()
    with pytest.raises(Conflict, match="another retention sweep is running"):
        second.acquire()
    clock[0] += dt.timedelta(minutes=6)  # the first stalled past its lease
    second.acquire()
    with pytest.raises(Conflict, match="taken over"):
        first.renew()  # the stalled sweep stops before its next batch
    second.release()
    first.acquire()
    first.release()
