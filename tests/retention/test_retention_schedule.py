"""Sweeps on a schedule (inside `varuh serve`) and the retention schedule as a document."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from retention_fixture import AS_OF, build_shop, rows

from varuh.errors import InvalidInput
from varuh.ledger.db import get_engine
from varuh.retention.schedule import Scheduler, interval, start_scheduler


@pytest.fixture
def shop(tmp_path, ledger, monkeypatch):
    folder = tmp_path / "shop"
    url = build_shop(folder)
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    return folder, url


def test_schedule_setting():
    assert interval("off") is None
    assert interval("daily") == dt.timedelta(days=1)
    assert interval("hourly") == dt.timedelta(hours=1)
    assert interval("PT6H") == dt.timedelta(hours=6)
    with pytest.raises(InvalidInput, match="VARUH_RETENTION_SCHEDULE"):
        interval("weekly")


def test_the_scheduler_sweeps_once_per_interval_between_all_workers(shop, ledger):
    folder, url = shop
    now = [dt.datetime.combine(AS_OF, dt.time(3), tzinfo=dt.UTC)]
    workers = [Scheduler(folder, get_engine(ledger), b"k", dt.timedelta(days=1), clock=lambda: now[0])
               for _ in range(2)]
    first = workers[0].tick()
    assert first is not None and first.status == "done" and first.total_affected > 0
    assert [i["id"] for i in rows(url, "invoices")] == [2]
    assert workers[1].tick() is None  # the other worker sees the run in the ledger
    now[0] += dt.timedelta(hours=23)
    assert workers[0].tick() is None
    now[0] += dt.timedelta(hours=1)
    assert workers[1].tick() is not None


def test_start_scheduler_is_off_when_the_setting_says_so(shop, ledger, monkeypatch):
    folder, _ = shop
    monkeypatch.setenv("VARUH_RETENTION_SCHEDULE", "off")
    state = SimpleNamespace(model_path=folder, engine=get_engine(ledger), key=b"k")
    assert start_scheduler(state) is None


def test_render_retention_schedule_with_the_last_runs(run, shop):
    folder, _ = shop
    run("retention", "run", folder, "--as-of", AS_OF.isoformat())
    r = run("render", "retention", folder, "--lang", "sl", env={"VARUH_TODAY": "2026-03-02"})
    assert r.exit_code == 0, r.output
    html = r.stdout
    assert "Roki hrambe osebnih podatkov" in html and "stanje na dan 2. 3. 2026" in html
    assert "10 let po koncu leta" in html and "shop.invoices: izbris vrstic" in html
    assert "shop.orders: izbris polj phone" in html
    assert "Dnevnik izbrisa zadnje izvedbe" in html and "zgled.si" not in html
    en = run("render", "retention", folder, "--lang", "en").stdout
    assert "Retention schedule for personal data" in en and "rows deleted" in en
    pdf = folder / "schedule.pdf"
    r = run("render", "retention", folder, "--lang", "en", "--format", "pdf", "-o", pdf)
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    assert run("render", "retention", folder, "--format", "pdf").exit_code == 2
