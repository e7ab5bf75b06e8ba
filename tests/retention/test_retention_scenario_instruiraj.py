"""instruiraj (ePROF, online tutoring) with a moved clock: billing data are kept until paid, or at the
latest until the claim is time-barred; invoices 10 years after the end of their year; aggregated
traffic data 6 months.

As modelled (examples/instruiraj/privacy.yaml, datasets.yaml):
  subscription.billing-until-paid    the day after payment the payer's details on the bill are erased
                                     (name, address, e-mail, IBAN, reference), unless the
                                     subscription still runs;
  subscription.billing-time-barred   the bill is deleted 5 years after it fell due (the longest
                                     limitation period, Obligacijski zakonik Art. 346-347), later
                                     while a claim is pending;
  invoicing.invoices-10y             10 years after the end of the year of issue (ZDDV-1 Art. 141);
  traffic-aggregates.traffic-6m      6 months after the traffic was recorded.
"""

from __future__ import annotations

import pytest
from scenario_support import EXAMPLES, Store, Sweeper, at, seed

PAYER = ("payer_name", "payer_address", "email", "iban", "payment_reference")


@pytest.fixture
def instruiraj(tmp_path, ledger, run, monkeypatch) -> Store:
    if not (EXAMPLES / "instruiraj" / "datasets.yaml").exists():
        pytest.skip("examples/instruiraj/datasets.yaml is not there yet")
    return seed(run, monkeypatch, tmp_path, "instruiraj", "INSTRUIRAJ_DATABASE_URL", subjects=10)


def test_instruiraj_billing_invoices_and_traffic_over_eleven_years(run, instruiraj):
    db, sweep = instruiraj, Sweeper(run, "instruiraj", instruiraj)
    parent = db.insert("users", role="parent", first_name="Mojca", last_name="Kovačič", email="mojca.kovacic@siol.net",
                       phone="+38641222333", address="Trubarjeva cesta 12", postcode="1000", city="Ljubljana",
                       registered_at=at("2029-08-20"))
    student = db.insert("users", role="student", first_name="Žan", last_name="Kovačič", email="zan.kovacic@gmail.com",
                        parent_id=parent, registered_at=at("2029-08-20"))

    def subscription(ended: str | None) -> int:
        return db.insert("subscriptions", user_id=student, plan="Premium", school_subject="matematika",
                         monthly_eur="69.00", started_at=at("2029-09-01"), ended_at=at(ended) if ended else None)

    ended, running = subscription("2030-02-28"), subscription(None)

    def bill(sub: int, paid: str | None, claim: bool = False) -> int:
        return db.insert("billing", user_id=parent, subscription_id=sub, payer_name="Mojca Kovačič",
                         payer_address="Trubarjeva cesta 12, 1000 Ljubljana", email="mojca.kovacic@siol.net",
                         iban="SI56 0201 0001 2345 678", payment_reference="SI00 2030-0315", period="2030-03",
                         amount_eur="69.00", due_at=at("2030-03-15"), paid_at=at(paid) if paid else None,
                         reminders=0 if paid else 2, claim_pending=claim)

    paid = bill(ended, "2030-03-20")  # the last bill of a subscription that ended, paid on 20. 3. 2030
    paid_running = bill(running, "2030-03-20")  # paid, but the subscription goes on
    unpaid = bill(ended, None)  # never paid, no proceedings: kept until the claim is time-barred
    disputed = bill(ended, None, claim=True)  # never paid, a claim is pending
    invoice = db.insert("invoices", user_id=parent, billing_id=paid, number="2030-900001", name="Mojca Kovačič",
                        address="Trubarjeva cesta 12, 1000 Ljubljana", email="mojca.kovacic@siol.net",
                        amount_eur="69.00", issued_at=at("2030-02-28"))
    traffic = db.insert("traffic_aggregates", user_id=student, recorded_at=at("2030-08-31"), sessions=3,
                        megabytes=420, device="tablica")

    def payer(bill_id: int) -> tuple:
        return tuple(db.value("billing", bill_id, c) for c in PAYER)

    # until paid: the details stay on the day of payment and go the day after (P0D after payment)
    sweep("2030-03-20")
    assert all(payer(paid))
    sweep("2030-03-21")
    assert payer(paid) == (None,) * len(PAYER)
    assert db.value("billing", paid, "amount_eur") is not None  # the bill itself stays (tax, claims)
    assert all(payer(paid_running))  # the subscription still runs
    assert all(payer(unpaid)) and all(payer(disputed))  # not paid: no anchor yet

    # traffic recorded on 31. 8. 2030: six months end on 28. 2. 2031
    sweep("2031-02-28")
    assert db.exists("traffic_aggregates", traffic)
    result = sweep("2031-03-01")
    assert not db.exists("traffic_aggregates", traffic)
    assert [i["affected"] for i in result["items"] if i["rule"] == "traffic-aggregates.traffic-6m"] == [1]

    # at the latest: fell due on 15. 3. 2030, time-barred after 15. 3. 2035
    sweep("2035-03-15")
    assert all(db.exists("billing", b) for b in (paid, paid_running, unpaid, disputed))
    assert sweep.due("2035-03-16")["subscription.billing-time-barred"] == 3
    sweep("2035-03-16")
    assert not db.exists("billing", paid)
    assert not db.exists("billing", paid_running)
    assert not db.exists("billing", unpaid)
    assert db.exists("billing", disputed)  # kept while the claim is pending
    db.update("billing", disputed, claim_pending=False)  # the proceedings ended
    sweep("2035-03-17")
    assert not db.exists("billing", disputed)

    # an invoice of 2030: kept through 31. 12. 2040, deleted on 1. 1. 2041
    sweep("2040-12-31")
    assert db.exists("invoices", invoice)
    sweep("2041-01-01")
    assert not db.exists("invoices", invoice)
