"""Scenarios per seed with a moved clock (--as-of), on the example organisations' synthetic data.

ecpp: an account without a purchase is gone 30 days after registration; quiz data 5 years after
access ended unless a claim was raised; invoices 10 years after the end of their year; consent
proofs 5 years after the consent ended.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

ECPP = Path(__file__).resolve().parents[2] / "examples" / "ecpp"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10)


class Store:
    """A few statements against the seeded example database (reflected, so types are the store's)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)
        self.meta = sa.MetaData()
        self.meta.reflect(self.engine)

    def t(self, name: str) -> sa.Table:
        return self.meta.tables[name]

    def first(self, query: sa.Select):
        with self.engine.connect() as c:
            return c.execute(query).first()

    def update(self, table: str, row_id: int, **values) -> None:
        t = self.t(table)
        with self.engine.begin() as c:
            c.execute(t.update().where(t.c.id == row_id).values(**values))

    def exists(self, table: str, row_id: int) -> bool:
        return self.first(sa.select(self.t(table).c.id).where(self.t(table).c.id == row_id)) is not None


@pytest.fixture
def ecpp(tmp_path, ledger, run, monkeypatch):
    if not (ECPP / "datasets.yaml").exists():
        pytest.skip("examples/ecpp/datasets.yaml is not there yet")
    url = f"sqlite:///{tmp_path / 'ecpp.db'}"
    monkeypatch.setenv("ECPP_DATABASE_URL", url)
    r = run("examples", "seed", "ecpp", "--subjects", "40", "--url", url, env={"VARUH_TODAY": "2026-03-01"})
    assert r.exit_code == 0, r.output
    return Store(url)


def test_ecpp_retention_over_fifteen_years(run, ecpp, ledger):
    db = ecpp
    acc, orders, quiz, inv = db.t("accounts"), db.t("service_orders"), db.t("quiz_attempts"), db.t("invoices")

    # an account that never bought: registered 1. 1. 2030
    lonely = db.first(sa.select(acc.c.id).where(acc.c.id.not_in(sa.select(orders.c.account_id))))
    lonely = lonely[0] if lonely else db.first(sa.select(acc.c.id))[0]
    with db.engine.begin() as c:
        c.execute(orders.delete().where(orders.c.account_id == lonely))
    db.update("accounts", lonely, registered_at=at("2030-01-01"), access_ended_at=None)

    # two quiz attempts of two orders whose access ended 1. 6. 2030; a claim was raised on the second
    q1, o1 = db.first(sa.select(quiz.c.id, quiz.c.order_id))
    q2, o2 = db.first(sa.select(quiz.c.id, quiz.c.order_id).where(quiz.c.order_id != o1))
    for q in (q1, q2):
        db.update("quiz_attempts", q, access_ended_at=at("2030-06-01"))
    db.update("service_orders", o1, access_ended_at=None, claim_pending=False)
    db.update("service_orders", o2, access_ended_at=None, claim_pending=True)

    # an invoice issued 15. 3. 2030
    invoice = db.first(sa.select(inv.c.id))[0]
    db.update("invoices", invoice, issued_at=at("2030-03-15"))

    # a consent to quiz analysis given 1. 1. 2030 and withdrawn 1. 2. 2030
    from varuh.consent.engine import Proof, record_consent
    from varuh.ledger.consent import consent_events
    from varuh.ledger.db import get_engine
    from varuh.ledger.secret import secret_key
    from varuh.model.load import load_model

    model, engine = load_model(ECPP), get_engine(ledger)
    with engine.begin() as c:
        for given, day in ((True, "2030-01-01"), (False, "2030-02-01")):
            record_consent(c, model, secret_key(ledger), purpose="quiz-analysis", given=given,
                           proof=Proof(channel="web_form"), identities={"email": "kviz@primer.si"},
                           now=at(day).replace(tzinfo=dt.UTC))

    def proofs() -> int:
        with engine.connect() as c:
            return c.execute(sa.select(sa.func.count()).select_from(consent_events)
                             .where(consent_events.c.purpose == "quiz-analysis")).scalar_one()

    def sweep(day: str) -> None:
        r = run("retention", "run", ECPP, "--as-of", day)
        assert r.exit_code == 0, r.output

    sweep("2030-01-31")  # 30 days after registration end on 31. 1.
    assert db.exists("accounts", lonely)
    sweep("2030-02-01")
    assert not db.exists("accounts", lonely)

    sweep("2035-02-01")  # proofs: 5 years after the consent ended on 1. 2. 2030
    assert proofs() == 2
    sweep("2035-02-02")
    assert proofs() == 0

    sweep("2035-06-01")  # quiz data: 5 years after access ended on 1. 6. 2030
    assert db.exists("quiz_attempts", q1) and db.exists("quiz_attempts", q2)
    sweep("2035-06-02")
    assert not db.exists("quiz_attempts", q1)
    assert db.exists("quiz_attempts", q2)  # a claim was raised: kept while it is dealt with

    sweep("2040-12-31")  # invoices: 10 years after the end of 2030
    assert db.exists("invoices", invoice)
    sweep("2041-01-01")
    assert not db.exists("invoices", invoice)
    assert db.exists("quiz_attempts", q2)

    db.update("service_orders", o2, claim_pending=False)  # the claim is settled
    sweep("2041-01-02")
    assert not db.exists("quiz_attempts", q2)
