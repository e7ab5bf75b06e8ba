"""Sweeps on a schedule inside `varuh serve` (VARUH_RETENTION_SCHEDULE: off, hourly, daily or an
ISO 8601 duration such as PT6H).

A daemon thread wakes every minute and sweeps when the last scheduled run in the ledger started
longer ago than the interval. Asking the ledger rather than remembering in memory means several
workers or machines serving one ledger sweep once per interval between them (and the sweep lock
makes sure they never sweep at the same time), and a restart does not sweep again at once. The
model and data map are read afresh for every sweep, so an edited datasets.yaml takes effect
without a restart, and a broken one is logged rather than stopping the service.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from varuh import settings
from varuh.errors import Conflict, InvalidInput, VaruhError
from varuh.law.clock import ljubljana_date, utcnow
from varuh.ledger.retention import retention_runs
from varuh.model.periods import Period
from varuh.retention.evaluate import load_inputs
from varuh.retention.sweep import RunResult, run_sweep

log = logging.getLogger("varuh.retention")
NAMED = {"hourly": dt.timedelta(hours=1), "daily": dt.timedelta(days=1)}
POLL = dt.timedelta(minutes=1)


def interval(value: str | None) -> dt.timedelta | None:
    """The sweep interval of a VARUH_RETENTION_SCHEDULE value; None for off."""
    value = (value or "off").strip().lower()
    if value in ("off", "none", "0", ""):
        return None
    if value in NAMED:
        return NAMED[value]
    try:
        period = Period.parse(value)
    except ValueError:
        raise InvalidInput(f"VARUH_RETENTION_SCHEDULE={value!r}: use off, hourly, daily or a duration like PT6H") \
            from None
    start = dt.datetime(2000, 1, 1)
    every = period.after(start) - start
    if every < dt.timedelta(minutes=5):
        raise InvalidInput("VARUH_RETENTION_SCHEDULE: sweep at most every 5 minutes")
    return every


class Scheduler:
    """Runs `run_sweep` for one model folder every `every`; `tick()` is one check (tests call it)."""

    def __init__(self, folder: Path, ledger: sa.Engine, key: bytes, every: dt.timedelta, *,
                 clock: Callable[[], dt.datetime] = utcnow, batch: int = 5000) -> None:
        self.folder, self.ledger, self.key, self.every = folder, ledger, key, every
        self.clock, self.batch = clock, batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> bool:
        with self.ledger.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(retention_runs.c.started_at))
                                .where(retention_runs.c.trigger == "schedule")).scalar()
        if last is None:
            return True
        if last.tzinfo is None:  # SQLite returns naive UTC
            last = last.replace(tzinfo=dt.UTC)
        return self.clock() - last >= self.every

    def tick(self) -> RunResult | None:
        """Sweep if the interval has passed; never raises (the service keeps serving)."""
        try:
            if not self.due():
                return None
            model, datamap = load_inputs(self.folder)
            result = run_sweep(model, datamap, self.folder, ljubljana_date(self.clock()), self.ledger, self.key,
                               batch=self.batch, trigger="schedule", clock=self.clock)
        except Conflict:
            return None  # another worker or machine is sweeping
        except VaruhError as e:
            log.error("retention sweep not run: %s", e.message)
            return None
        except Exception:  # a lost database connection must not kill the thread
            log.exception("retention sweep failed")
            return None
        log.info("retention run %s: %s, %d records", result.run, result.status, result.total_affected)
        for message in result.errors:
            log.error("retention run %s: %s", result.run, message)
        return result

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(POLL.total_seconds())

    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self._loop, name="varuh-retention", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start_scheduler(state) -> Scheduler | None:
    """Start sweeping for `varuh serve`: `state` is the web app's ServiceState (model_path, engine, key).

    Returns None when VARUH_RETENTION_SCHEDULE is off or the model has no datasets.yaml.
    """
    every = interval(settings.get("VARUH_RETENTION_SCHEDULE"))
    folder = Path(state.model_path)
    folder = folder if folder.is_dir() else folder.parent
    if every is None or not (folder / "datasets.yaml").exists():
        return None
    batch = int(settings.get("VARUH_BATCH_SIZE") or 5000)
    return Scheduler(folder, state.engine, state.key, every, batch=batch).start()
