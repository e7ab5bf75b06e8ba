"""An erasure killed in the middle and run again ends in the same state as one clean run:
nothing erased twice, nothing missed, the ledger's counts add up.

Two SQL stores: the ecpp example and a small CRM database. The run is killed (SIGKILL, in a
subprocess) just after the first store committed, or just before the second commits; or a
failure is injected before the second store commits.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from fulfil_fixture import ECPP, TODAY, digest, new_request, seed_ecpp

CRM = """
  - id: crm
    kind: sql
    url_env: CRM_DATABASE_URL
    tables:
      - name: contacts
        identities: {email: email}
        activities: [communication]
        fields:
          - {name: email, category: email}
          - {name: name, category: name}
          - {name: note, category: message}
"""


def _world(folder: Path, email: str) -> dict[str, str]:
    """A model folder with ecpp's model and a data map of two stores; their URLs."""
    folder.mkdir()
    shutil.copy(ECPP / "privacy.yaml", folder / "privacy.yaml")
    (folder / "datasets.yaml").write_text((ECPP / "datasets.yaml").read_text(encoding="utf-8") + CRM, encoding="utf-8")
    urls = {"ECPP_DATABASE_URL": f"sqlite:///{folder / 'ecpp.db'}",
            "CRM_DATABASE_URL": f"sqlite:///{folder / 'crm.db'}"}
    seed_ecpp(urls["ECPP_DATABASE_URL"])
    engine = sa.create_engine(urls["CRM_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email VARCHAR(200), name VARCHAR(100), "
                             "note TEXT)"))
        conn.execute(sa.text("INSERT INTO contacts (email, name, note) VALUES (:e, 'Jelena', 'called about access'), "
                             "(:e, 'Jelena', 'asked for an invoice'), ('other@primer.si', 'Other', 'x')"), {"e": email})
    engine.dispose()
    return urls


@pytest.fixture
def worlds(tmp_path, ledger, monkeypatch):
    monkeypatch.setenv("VARUH_TODAY", TODAY.isoformat())
    email = seed_ecpp(f"sqlite:///{tmp_path / 'probe.db'}")

    def make(name: str) -> tuple[Path, dict[str, str]]:
        folder = tmp_path / name
        return folder, _world(folder, email)

    return make, email


def _use(monkeypatch, urls: dict[str, str]) -> None:
    for k, v in urls.items():
        monkeypatch.setenv(k, v)


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from varuh.connectors.request_fulfilment import fulfil_request
    from varuh.ledger.db import get_engine
    from varuh.ledger.secret import secret_key
    from varuh.model.datamap import require_datamap
    from varuh.model.load import load_model
    import datetime as dt

    folder, ref, store, phase = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

    def hook(s, p):
        if (s, p) == (store, phase):
            os.kill(os.getpid(), signal.SIGKILL)

    fulfil_request(get_engine(), load_model(folder), require_datamap(folder), folder, ref, actor="operator:test",
                   today=dt.date.fromisoformat(os.environ["VARUH_TODAY"]), key=secret_key(), hook=hook)
""")


def _reference(run, make, email, monkeypatch) -> tuple[dict[str, str], int]:
    folder, urls = make("clean")
    _use(monkeypatch, urls)
    ref = new_request(run, "erasure", email, model=folder)
    r = run("requests", "fulfil", folder, ref, "--json")
    assert r.exit_code == 0, r.output
    return {k: digest(u) for k, u in urls.items()}, r.json()["totals"]["deleted"]


def _done_deleted(ledger_url: str, ref: str) -> int:
    engine = sa.create_engine(ledger_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT counts FROM fulfilment_steps WHERE request_ref = :r AND status = 'done' "
                                    "AND action = 'erasure'"), {"r": ref}).all()
    engine.dispose()
    import json

    return sum(int((json.loads(c) if isinstance(c, str) else c or {}).get("deleted", 0)) for (c,) in rows)


@pytest.mark.parametrize("store,phase", [("ecpp", "after_commit"), ("crm", "before_commit"), ("crm", "after_commit")])
def test_killed_midway_then_rerun_ends_like_a_clean_run(run, worlds, monkeypatch, ledger, store, phase):
    make, email = worlds
    expected, deleted = _reference(run, make, email, monkeypatch)
    folder, urls = make("killed")
    _use(monkeypatch, urls)
    ref = new_request(run, "erasure", email, model=folder)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(folder), ref, store, phase], env={**os.environ},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    rerun = run("requests", "fulfil", folder, ref, "--json")
    assert rerun.exit_code == 0, rerun.output
    assert {k: digest(u) for k, u in urls.items()} == expected
    assert _done_deleted(ledger, ref) == deleted  # every erased row counted once
    again = run("requests", "fulfil", folder, ref, "--json")
    assert again.json()["totals"]["deleted"] == 0 and _done_deleted(ledger, ref) == deleted


def test_injected_failure_rolls_that_store_back_and_a_rerun_finishes(run, worlds, monkeypatch, ledger):
    from varuh.connectors.request_fulfilment import fulfil_request
    from varuh.ledger.db import get_engine
    from varuh.model.datamap import require_datamap
    from varuh.model.load import load_model

    make, email = worlds
    expected, _ = _reference(run, make, email, monkeypatch)
    folder, urls = make("failing")
    _use(monkeypatch, urls)
    crm_before = digest(urls["CRM_DATABASE_URL"])
    ref = new_request(run, "erasure", email, model=folder)

    def hook(store: str, phase: str) -> None:
        if (store, phase) == ("crm", "before_commit"):
            raise RuntimeError("injected")

    with pytest.raises(RuntimeError):
        fulfil_request(get_engine(), load_model(folder), require_datamap(folder), folder, ref, actor="operator:t",
                       today=TODAY, key=b"test-secret", hook=hook)
    assert digest(urls["CRM_DATABASE_URL"]) == crm_before  # nothing partial committed there
    assert digest(urls["ECPP_DATABASE_URL"]) == expected["ECPP_DATABASE_URL"]
    assert run("requests", "fulfil", folder, ref).exit_code == 0
    assert {k: digest(u) for k, u in urls.items()} == expected
