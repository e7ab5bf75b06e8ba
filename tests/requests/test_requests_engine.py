"""The requests engine as fulfilment and the service use it: the state machine, verification, demo data."""

from __future__ import annotations

import datetime as dt

import pytest
from requests_support import ECPP, INSTRUIRAJ

from varuh.errors import Conflict, NotAllowed, VerificationFailed
from varuh.ledger import audit
from varuh.ledger.db import get_engine, upgrade
from varuh.model.load import load_model
from varuh.requests import verification, workflow
from varuh.requests.demo import seed_demo_requests
from varuh.requests.intake import open_request
from varuh.requests.records import get_request, list_requests
from varuh.requests.types import OPEN, Status

KEY = b"test-secret"
NOW = dt.datetime(2025, 11, 25, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 11, 25)


@pytest.fixture(scope="module")
def ecpp():
    return load_model(ECPP)


def opened(conn, model, email="ana.novak@example.com", **kw):
    return open_request(conn, model, KEY, type=kw.pop("type", "access"), email=email, actor="operator:test",
                        received=NOW, today=TODAY, now=NOW, **kw)


def drive(conn, ref: str, target: Status) -> None:
    """Bring a request into `target` by lawful steps."""
    if target == Status.identity_check:
        workflow.request_identification(conn, ref, "op", "copy of ID", now=NOW)
    if target in (Status.in_progress, Status.extended, Status.completed):
        workflow.verify_identity(conn, ref, "op", "ID card", now=NOW)
    if target == Status.extended:
        workflow.extend_request(conn, ref, "op", "complex", today=TODAY, now=NOW)
    if target == Status.completed:
        workflow.complete_request(conn, ref, "op", now=NOW)
    if target == Status.refused:
        workflow.refuse_request(conn, ref, "op", "repeated", now=NOW)
    if target == Status.withdrawn:
        workflow.withdraw_request(conn, ref, "op", now=NOW)


STEPS = {
    "verify": lambda c, r: workflow.verify_identity(c, r, "op", "note", now=NOW),
    "request_identification": lambda c, r: workflow.request_identification(c, r, "op", "note", now=NOW),
    "extend": lambda c, r: workflow.extend_request(c, r, "op", "reason", today=TODAY, now=NOW),
    "complete": lambda c, r: workflow.complete_request(c, r, "op", now=NOW),
    "refuse": lambda c, r: workflow.refuse_request(c, r, "op", "reason", now=NOW),
    "withdraw": lambda c, r: workflow.withdraw_request(c, r, "op", now=NOW),
}


@pytest.mark.parametrize("state", list(Status))
@pytest.mark.parametrize("action", list(STEPS))
def test_only_lawful_transitions(ledger, ecpp, state, action):
    engine = get_engine(ledger)
    with engine.begin() as conn:
        ref = opened(conn, ecpp).id
        drive(conn, ref, state)
        assert get_request(conn, ref, TODAY).status == state
    lawful = state in workflow.TRANSITIONS[action].sources
    with engine.begin() as conn:
        if lawful:
            record = STEPS[action](conn, ref)
            assert record.status == workflow.TRANSITIONS[action].target
        else:
            with pytest.raises(Conflict):
                STEPS[action](conn, ref)
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_fulfilment_reads_identities_and_records_steps(ledger, ecpp):
    engine = get_engine(ledger)
    with engine.begin() as conn:
        ref = opened(conn, ecpp, type="erasure", identities={"phone": "041 123 456", "user_id": "u-77"}).id
        record = get_request(conn, ref, TODAY)
        assert record.identities == {"email": "ana.novak@example.com", "phone": "+38641123456", "user_id": "u-77"}
        with pytest.raises(NotAllowed, match="not confirmed"):
            workflow.require_verified(record)
        workflow.verify_identity(conn, ref, "op", "ID card", now=NOW)
        workflow.require_verified(get_request(conn, ref, TODAY))
        workflow.record_step(conn, ref, "operator:ana", "fulfil.erase", "shop rows erased",
                             details={"store": "shop", "rows": 3}, audit_details={"store": "shop", "rows": 3}, now=NOW)
        record = get_request(conn, ref, TODAY)
    assert record.status == "in_progress" and record.events[-1].action == "fulfil.erase"
    assert record.events[-1].details == {"store": "shop", "rows": 3} and record.pk > 0


def test_same_subject_across_requests(ledger, ecpp):
    with get_engine(ledger).begin() as conn:
        first = opened(conn, ecpp, email="Ana.Novak@Example.com")
        second = opened(conn, ecpp, email="ana.novak@example.com", type="erasure")
    assert first.subject_ref == second.subject_ref and (first.id, second.id) == ("Z-2025-0001", "Z-2025-0002")


def test_links_expire_and_are_single_use(ledger, ecpp):
    engine = get_engine(ledger)
    with engine.begin() as conn:
        ref = opened(conn, ecpp).id
        old = verification.issue_challenge(conn, KEY, ref, "system", now=NOW, hours=48)
        fresh = verification.issue_challenge(conn, KEY, ref, "system", now=NOW, hours=48)
    with pytest.raises(VerificationFailed, match="expired"):  # a new link retires the old one
        verification.confirm_link(engine, KEY, old.token, now=NOW + dt.timedelta(minutes=1))
    with pytest.raises(VerificationFailed, match="expired"):
        verification.confirm_link(engine, KEY, fresh.token, now=NOW + dt.timedelta(hours=48))
    with pytest.raises(VerificationFailed, match="not valid"):  # the ledger holds only keyed hashes
        verification.confirm_link(engine, b"another-key", fresh.token, now=NOW)
    with pytest.raises(VerificationFailed, match="not valid"):
        verification.confirm_link(engine, KEY, fresh.token[:-2] + "xx", now=NOW)
    record = verification.confirm_link(engine, KEY, fresh.token, now=NOW + dt.timedelta(hours=1))
    assert record.status == "in_progress" and record.verified_by == "link"
    with pytest.raises(VerificationFailed, match="already used"):
        verification.confirm_link(engine, KEY, fresh.token, now=NOW + dt.timedelta(hours=2))
    with pytest.raises(VerificationFailed):
        verification.confirm_code(engine, KEY, ref, fresh.code, now=NOW + dt.timedelta(hours=2))


def test_codes_are_bound_to_their_request(ledger, ecpp):
    engine = get_engine(ledger)
    with engine.begin() as conn:
        mine = opened(conn, ecpp).id
        theirs = opened(conn, ecpp, email="victim@example.com").id
        challenge = verification.issue_challenge(conn, KEY, mine, "system", now=NOW)
        verification.issue_challenge(conn, KEY, theirs, "system", now=NOW)
    with pytest.raises(VerificationFailed):
        verification.confirm_code(engine, KEY, theirs, challenge.code, now=NOW)
    with pytest.raises(VerificationFailed):  # an unknown id gets the same answer as a wrong code
        verification.confirm_code(engine, KEY, "Z-2025-9999", challenge.code, now=NOW)
    assert verification.confirm_code(engine, KEY, mine, challenge.code, now=NOW).verified


def test_marketing_objection_promise_shortens_the_deadline(ledger):
    model = load_model(ECPP.parent / "4pm")  # promises to honour an objection to marketing within 30 days
    july = dt.date(2025, 7, 1)
    with get_engine(ledger).begin() as conn:
        objection = open_request(conn, model, KEY, type="objection_marketing", email="a@example.com",
                                 actor="op", received=july, now=NOW)
        access = open_request(conn, model, KEY, type="access", email="b@example.com", actor="op", received=july,
                              now=NOW)
    assert (objection.due, access.due) == (dt.date(2025, 7, 31), dt.date(2025, 8, 1))
    assert objection.deadline_period == "P30D" and objection.extension_period is None


def test_seed_demo_requests_covers_every_state(ledger):
    model = load_model(INSTRUIRAJ)
    engine = get_engine(ledger)
    today = dt.date(2026, 3, 2)
    seeded = seed_demo_requests(engine, model, today, KEY)
    assert {r.status for r in seeded} == {s.value for s in Status}
    assert any(r.overdue for r in seeded) and any(r.type == "appeal" for r in seeded)
    assert len(seed_demo_requests(engine, model, today, KEY)) == len(seeded)  # idempotent
    with engine.connect() as conn:
        assert len(list_requests(conn, today, include_closed=True)) == len(seeded)
        assert audit.verify(conn).ok
    assert {s for s in OPEN} <= {Status(r.status) for r in seeded}


@pytest.mark.postgres
def test_requests_on_postgresql(pg_url, ecpp, monkeypatch):
    monkeypatch.setenv("VARUH_SECRET_KEY", "test-secret")
    upgrade(pg_url)
    engine = get_engine(pg_url)
    with engine.begin() as conn:
        refs = [opened(conn, ecpp, email=f"p{i}@example.com").id for i in range(3)]
        drive(conn, refs[0], Status.extended)
    with engine.connect() as conn:
        assert refs == ["Z-2025-0001", "Z-2025-0002", "Z-2025-0003"]
        record = get_request(conn, refs[0], TODAY)
        assert record.extended_due == dt.date(2026, 2, 25) and record.received_at.tzinfo is not None
        assert audit.verify(conn).ok
