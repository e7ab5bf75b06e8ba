"""What the per-seed retention scenarios share: seed an example, pin rows to known dates, sweep.

Each scenario seeds a small example database (the synthetic history ends on SEEDED_ON), inserts a
few rows of its own whose anchors fall years later, and moves the clock with `--as-of` across each
boundary: the day before a row is due it is kept, on the due day it is gone, and a second run on
the same day changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from retention_fixture import digest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEEDED_ON = "2026-03-01"


def at(day: str, hour: int = 10) -> dt.datetime:
    """An instant on `day` (UTC, as the example stores keep them): mid-morning, far from midnight."""
    return dt.datetime.fromisoformat(day).replace(hour=hour)


class Store:
    """A few statements against a seeded example database (reflected: the store's own types)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url)
        self.meta = sa.MetaData()
        self.meta.reflect(self.engine)

    def t(self, name: str) -> sa.Table:
        return self.meta.tables[name]

    def insert(self, table: str, **values: Any) -> int:
        with self.engine.begin() as c:
            return c.execute(self.t(table).insert().values(**values)).inserted_primary_key[0]

    def update(self, table: str, row_id: int, **values: Any) -> None:
        t = self.t(table)
        with self.engine.begin() as c:
            c.execute(t.update().where(t.c.id == row_id).values(**values))

    def row(self, table: str, row_id: int) -> dict | None:
        t = self.t(table)
        with self.engine.connect() as c:
            found = c.execute(sa.select(t).where(t.c.id == row_id)).first()
        return dict(found._mapping) if found else None

    def exists(self, table: str, row_id: int) -> bool:
        return self.row(table, row_id) is not None

    def value(self, table: str, row_id: int, column: str) -> Any:
        row = self.row(table, row_id)
        assert row is not None, f"{table} {row_id} is gone"
        return row[column]

    def digest(self) -> str:
        self.engine.dispose()  # the next statement opens a fresh connection: no cached state
        return digest(self.url)


def seed(run, monkeypatch, tmp_path: Path, org: str, url_env: str, subjects: int = 20) -> Store:
    """Seed examples/<org> into a fresh SQLite file that the org's datasets.yaml reaches via url_env."""
    url = f"sqlite:///{tmp_path / (org + '.db')}"
    monkeypatch.setenv(url_env, url)
    r = run("examples", "seed", org, "--subjects", str(subjects), "--url", url, "--force",
            env={"VARUH_TODAY": SEEDED_ON})
    assert r.exit_code == 0, r.output
    return Store(url)


class Sweeper:
    """`varuh retention run/plan EXAMPLE --as-of DAY`, as cron would call it."""

    def __init__(self, run, org: str, store: Store) -> None:
        self.run, self.folder, self.store = run, EXAMPLES / org, store

    def __call__(self, day: str) -> dict:
        """Sweep on `day`, then sweep again: the second run must find nothing left to do."""
        first = self._run(day)
        before = self.store.digest()
        again = self._run(day)
        assert again["total_affected"] == 0, f"a second run on {day} erased more: {again['items']}"
        assert self.store.digest() == before, f"a second run on {day} changed the store"
        return first

    def _run(self, day: str) -> dict:
        r = self.run("retention", "run", self.folder, "--as-of", day, "--json")
        assert r.exit_code == 0, r.output
        return r.json()

    def due(self, day: str) -> dict[str, int]:
        """What the plan says is due on `day`, per rule (summed over tables)."""
        r = self.run("retention", "plan", self.folder, "--as-of", day, "--json")
        assert r.exit_code == 0, r.output
        out: dict[str, int] = {}
        for item in r.json()["items"]:
            out[item["rule"]] = out.get(item["rule"], 0) + item["due"]
        return out
