"""4pm (Arctur, a SaaS for project management) with a moved clock: trial users go 1 year after the
trial ended unless a contract was concluded; event registrants 5 years after the event; the data
the customers enter (Arctur is their processor) after each customer's own period, and at contract
end all of it is exported to the customer and then deleted (handover).

As modelled (examples/4pm/privacy.yaml, datasets.yaml):
  trial-users.trial-1y                   P1Y after the trial ended, unless customer_id is set;
  usage-statistics.trial-1y              the trial's usage statistics, the same;
  event-registrants.after-event-5y       P5Y after attending;
  event-registrants.no-show-5y           P5Y after registering, unless attended;
  customer-data.set-by-customer          customers.retention_days after the record was created
                                         (no default: a customer that sets none keeps its data),
                                         and ended_column contract_ended_at: the handover.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from scenario_support import EXAMPLES, Store, Sweeper, at, seed

CUSTOMER_DATA = "customer-data.set-by-customer"


@pytest.fixture
def fourpm(tmp_path, ledger, run, monkeypatch) -> Store:
    if not (EXAMPLES / "4pm" / "datasets.yaml").exists():
        pytest.skip("examples/4pm/datasets.yaml is not there yet")
    monkeypatch.setenv("VARUH_HANDOVER_DIR", str(tmp_path / "handover"))
    return seed(run, monkeypatch, tmp_path, "4pm", "FOURPM_DATABASE_URL")


def contact(name: str, email: str) -> dict:
    return {"company": "Gradnje Projekt d.o.o.", "name": name, "email": email, "phone": "+38640111222"}


def test_4pm_trials_events_and_customer_data_over_six_years(run, fourpm, tmp_path):
    db, sweep = fourpm, Sweeper(run, "4pm", fourpm)
    # two customers from 15. 3. 2030: one keeps its records 90 days, the other sets no period
    short = db.insert("customers", **contact("Marko Novak", "marko.novak@gradnje.si"), licences=10,
                      contract_started_at=at("2030-03-15"), retention_days=90)
    keeper = db.insert("customers", **contact("Nina Zupan", "nina.zupan@projekt.si"), licences=5,
                       contract_started_at=at("2030-03-15"), contract_ended_at=at("2033-06-30"), retention_days=None)

    def record(customer: int, created: str, title: str) -> int:
        return db.insert("customer_records", customer_id=customer, kind="task", title=title,
                         person_name="Tina Kos", person_email="tina@gradnje.si",
                         content="Odgovorna oseba: Tina Kos.", created_at=at(created))

    expiring = record(short, "2030-04-01", "Priprava ponudbe")  # 90 days end on 30. 6. 2030
    recent = record(short, "2030-06-01", "Naročilo materiala")  # due on 31. 8. 2030
    kept = [record(keeper, "2030-04-01", "Pregled gradbene dokumentacije"),
            record(keeper, "2031-01-10", "Obračun ur za maj")]

    # two trials ended on 10. 3. 2030; the second became the first customer's contract
    lapsed = db.insert("trial_users", **contact("Luka Kralj", "luka.kralj@gmail.com"),
                       trial_started_at=at("2030-02-08"), trial_ended_at=at("2030-03-10"))
    converted = db.insert("trial_users", **contact("Marko Novak", "marko.novak@gradnje.si"),
                          trial_started_at=at("2030-02-08"), trial_ended_at=at("2030-03-10"), customer_id=short)
    lapsed_usage = db.insert("usage_statistics", trial_user_id=lapsed, month="2030-02", active_users=1, actions=57,
                             trial_ended_at=at("2030-03-10"))

    # a webinar on 20. 5. 2030: one registrant attended, one did not (both registered on 1. 5.)
    came = db.insert("event_registrants", **contact("Eva Horvat", "eva.horvat@siol.net"),
                     event="Spletni seminar: vodenje projektov s 4PM", registered_at=at("2030-05-01"), attended=True,
                     attended_at=at("2030-05-20"))
    absent = db.insert("event_registrants", **contact("Jure Kos", "jure.kos@t-2.net"),
                       event="Spletni seminar: vodenje projektov s 4PM", registered_at=at("2030-05-01"),
                       attended=False)

    # the customer's own period: 90 days after 1. 4. 2030 end on 30. 6. 2030
    sweep("2030-06-30")
    assert db.exists("customer_records", expiring)
    result = sweep("2030-07-01")
    assert not db.exists("customer_records", expiring)
    assert db.exists("customer_records", recent) and all(db.exists("customer_records", k) for k in kept)
    assert not [h for h in result["handovers"] if h["customer"] in (str(short), str(keeper))]

    # trial ended on 10. 3. 2030: gone on 11. 3. 2031 unless a contract was concluded
    sweep("2031-03-10")
    assert db.exists("trial_users", lapsed) and db.exists("usage_statistics", lapsed_usage)
    assert sweep.due("2031-03-11")["trial-users.trial-1y"] == 1
    sweep("2031-03-11")
    assert not db.exists("trial_users", lapsed)
    assert not db.exists("usage_statistics", lapsed_usage)
    assert db.exists("trial_users", converted)
    sweep("2032-03-11")
    assert db.exists("trial_users", converted)

    # the second customer's contract ended on 30. 6. 2033: from 1. 7. its data goes back to it, then goes
    sweep("2033-06-30")
    assert all(db.exists("customer_records", k) for k in kept)
    assert sweep.due("2033-07-01")[CUSTOMER_DATA] == 2
    result = sweep("2033-07-01")
    assert not any(db.exists("customer_records", k) for k in kept)
    [handed] = result["handovers"]
    assert handed == {"rule": CUSTOMER_DATA, "store": "fourpm", "table": "customer_records",
                      "customer": str(keeper), "bundle": f"fourpm/{CUSTOMER_DATA}-customer-{keeper}-1.zip",
                      "sha256": handed["sha256"], "rows": {"customer_records": 2}, "exported": True, "deleted": 2}
    with zipfile.ZipFile(tmp_path / "handover" / handed["bundle"]) as z:
        manifest = json.loads(z.read("manifest.json"))
        data = json.loads(z.read("data/customer_records.json"))
    assert manifest["contract_ended"] == "2033-06-30T10:00:00"
    assert [r["title"] for r in data["rows"]] == ["Pregled gradbene dokumentacije", "Obračun ur za maj"]
    assert db.exists("customer_records", recent) is False  # 90 days after 1. 6. 2030 ran out long ago

    # event registrants: 5 years after the event, or after registering for those who did not come
    sweep("2035-05-01")
    assert db.exists("event_registrants", absent)
    sweep("2035-05-02")
    assert not db.exists("event_registrants", absent)
    assert db.exists("event_registrants", came)
    sweep("2035-05-20")
    assert db.exists("event_registrants", came)
    sweep("2035-05-21")
    assert not db.exists("event_registrants", came)
