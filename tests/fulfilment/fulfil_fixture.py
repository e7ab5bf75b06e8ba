"""Helpers for the fulfilment tests: the ecpp example seeded small, a verified request, digests.

The seeded organisation is the shipped example (examples/ecpp: privacy.yaml, datasets.yaml,
generate.py); its first synthetic person "does everything", so their e-mail address is in almost
every table. TODAY is fixed so that retention dates in the results are stable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import sqlalchemy as sa

from varuh.connectors.seeding import seed_example

ROOT = Path(__file__).resolve().parents[2]
ECPP = ROOT / "examples" / "ecpp"
TODAY = dt.date(2026, 3, 1)


def seed_ecpp(url: str, subjects: int = 40) -> str:
    """Seed ecpp at `url`; the e-mail address of the person who does everything."""
    seed_example("ecpp", url, subjects, today=TODAY, force=True)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        email = conn.execute(sa.text("SELECT email FROM accounts ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()
    return email


def occurrences(url: str, needle: str) -> int:
    """In how many text cells of the database the value occurs (case-insensitive), as the acceptance check counts."""
    engine = sa.create_engine(url)
    n = 0
    needle = needle.lower()
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f"SELECT * FROM {name}")):
                n += sum(1 for v in row if isinstance(v, str) and needle in v.lower())
    engine.dispose()
    return n


def digest(url: str) -> str:
    """A digest of every row of every table: did anything change?"""
    engine = sa.create_engine(url)
    h = hashlib.sha256()
    with engine.connect() as conn:
        for name in sorted(sa.inspect(conn).get_table_names()):
            for row in conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    engine.dispose()
    return h.hexdigest()


def new_request(run, kind: str, email: str, model: Path = ECPP, verify: bool = True) -> str:
    r = run("requests", "new", model, "--type", kind, "--email", email, "--channel", "email", "--json")
    assert r.exit_code == 0, r.output
    ref = json.loads(r.stdout)["id"]
    if verify:
        v = run("requests", "verify", ref, "--note", "checked the ID card at the desk")
        assert v.exit_code == 0, v.output
    return ref
