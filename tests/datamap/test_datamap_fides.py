"""`varuh import fides`: a Fides dataset becomes a datasets.yaml that validates."""

from __future__ import annotations

import yaml

from varuh.model.fides import category_for

FIDES = """\
dataset:
  - fides_key: shop_db
    name: Shop
    collections:
      - name: customer
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email, data_type: string}
          - name: phone
            data_categories: [user.contact.phone_number]
            fides_meta: {identity: phone_number}
          - name: created
            data_categories: [system.operations]
          - name: address
            fields:
              - name: city
                data_categories: [user.contact.address.city]
      - name: orders
        fields:
          - name: customer_id
            data_categories: [user.unique_id]
            fides_meta:
              references:
                - {dataset: shop_db, field: customer.id, direction: from}
          - name: shipping_address
            data_categories: [user.contact.address]
          - name: heart_rate
            data_categories: [user.biometric.health]
      - name: payment_card
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta:
              references:
                - {dataset: shop_db, field: orders.card_id, direction: to}
                - {dataset: other_db, field: x.y}
"""


def test_import_to_file(run, tmp_path):
    src = tmp_path / "fides.yml"
    src.write_text(FIDES)
    out = tmp_path / "datasets.yaml"
    r = run("import", "fides", src, "-o", out)
    assert r.exit_code == 0, r.output
    data = yaml.safe_load(out.read_text())
    store = data["stores"][0]
    assert store["id"] == "shop-db" and store["url_env"] == "SHOP_DB_DATABASE_URL"
    tables = {t["name"]: t for t in store["tables"]}
    customer, orders = tables["customer"], tables["orders"]
    assert customer["primary_key"] == "id"
    assert customer["identities"] == {"email": "email", "phone": "phone"}
    fields = {f["name"]: f["category"] for f in customer["fields"]}
    assert fields == {"id": "user-id", "email": "email", "phone": "phone", "address.city": "address"}
    assert orders["references"][0] == {"column": "customer_id", "table": "customer", "to_column": "id"}
    assert {f["name"]: f["category"] for f in orders["fields"]}["heart_rate"] == "biometric-health"
    # `direction: to` puts the reference on the other side; another dataset's reference is noted, not kept
    assert {"column": "card_id", "table": "payment_card", "to_column": "id"} in orders["references"]
    text = out.read_text()
    assert "user.contact.email -> email" in text and "other_db" in text
    # the result is a valid data map: varuh loads it
    from varuh.model.datamap import load_datamap

    assert load_datamap(tmp_path).store("shop-db") is not None
    assert run("import", "fides", src, "-o", out).exit_code == 2  # will not overwrite without --force


def test_import_to_stdout(run, tmp_path):
    src = tmp_path / "fides.yml"
    src.write_text(FIDES)
    r = run("import", "fides", src)
    assert r.exit_code == 0 and "shipping_address" in r.stdout and yaml.safe_load(r.stdout)["varuh"] == 1


def test_not_a_fides_file(run, tmp_path):
    src = tmp_path / "x.yml"
    src.write_text("collections: []\n")
    r = run("import", "fides", src)
    assert r.exit_code == 2 and "dataset" in r.stderr and "Traceback" not in r.output
    src.write_text("dataset: [\n")
    r = run("import", "fides", src)
    assert r.exit_code == 2 and "x.yml:" in r.stderr


def test_category_mapping():
    assert category_for("user.contact.email") == "email"
    assert category_for("user.contact.address.street") == "address"
    assert category_for("user.financial.bank_account") == "bank-account"
    assert category_for("system.operations") is None
    assert category_for("user.job_title") == "job-title"
