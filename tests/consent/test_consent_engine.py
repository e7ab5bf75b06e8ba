"""The consent engine against real ledgers: SQLite and PostgreSQL (each test runs on both)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from varuh.consent import cache
from varuh.consent.engine import (
    Proof,
    check_consent,
    consent_history,
    ended_proofs_before,
    receipt,
    record_consent,
    withdraw_by_token,
    withdrawal_link,
    withdrawn_before,
)
from varuh.consent.proofs import text_hash, truncate_ip
from varuh.consent.proofs.receipts import verify_receipt
from varuh.errors import InvalidInput, VerificationFailed
from varuh.ledger import audit
from varuh.ledger.consent import consent_events, consent_state
from varuh.ledger.db import get_engine, upgrade
from varuh.model.load import load_model

MODEL = Path(__file__).parent / "model"
KEY = b"test-secret"
T0 = dt.datetime(2024, 3, 15, 9, 0, tzinfo=dt.UTC)
ANA = {"email": "ana.novak@example.si"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path, monkeypatch):
    monkeypatch.setenv("VARUH_SECRET_KEY", KEY.decode())
    url = f"sqlite:///{tmp_path / 'ledger.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    monkeypatch.setenv("VARUH_DATABASE_URL", url)
    upgrade(url)
    return get_engine(url)


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL)


def give(engine, model, given=True, *, at=T0, proof=None, purpose="newsletter", **holder):
    holder = holder or {"identities": ANA}
    with engine.begin() as conn:
        return record_consent(conn, model, KEY, purpose=purpose, given=given,
                              proof=proof or Proof(channel="web_form"), now=at, **holder)


def test_give_check_withdraw_history(db, model):
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).status == "none"
    first = give(db, model)
    state = check_consent(db, KEY, purpose="newsletter", identities={"email": " Ana.Novak@Example.SI "})
    assert (state.given, state.status, state.event_id, state.at) == (True, "given", first.id, T0)
    last = give(db, model, False, at=T0 + dt.timedelta(days=3))
    state = check_consent(db, KEY, purpose="newsletter", identities=ANA)
    assert (state.given, state.status, state.event_id) == (False, "withdrawn", last.id)
    assert check_consent(db, KEY, purpose="marketing", identities=ANA).status == "none"
    with db.connect() as conn:
        events = consent_history(conn, KEY, identities=ANA)
    assert [(e.action, e.purpose) for e in events] == [("give", "newsletter"), ("withdraw", "newsletter")]
    assert events[0].subject_ref == events[1].subject_ref and events[0].subject_ref.startswith("S-")


def test_proof_is_kept_exactly(db, model):
    proof = Proof(channel="web_form", wording="Strinjam se s prejemanjem spletnika.", given_by="parent",
                  ip="203.0.113.77", user_agent="Mozilla/5.0 (X11)", notice_version="2024-1")
    event = give(db, model, proof=proof)
    assert event.text_hash == text_hash("Strinjam se s prejemanjem spletnika.")
    assert (event.ip, event.given_by, event.wording) == ("203.0.113.0", "parent", proof.wording)
    default = give(db, model, proof=Proof(channel="paper"), purpose="newsletter")
    assert default.wording == "Želim prejemati spletnik." and default.notice_version == "2024-1"
    with db.connect() as conn:
        row = conn.execute(select(consent_events).where(consent_events.c.id == event.id)).one()
    assert (row.ip, row.text_hash, row.given_by) == ("203.0.113.0", event.text_hash, "parent")


def test_ip_truncation():
    assert truncate_ip("198.51.100.201") == "198.51.100.0"
    assert truncate_ip("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::"
    assert truncate_ip("::ffff:192.0.2.9") == "192.0.2.0"
    with pytest.raises(InvalidInput, match=r"proof\.ip"):
        truncate_ip("not-an-ip")


@pytest.mark.parametrize("purpose, message", [
    ("no-such-purpose", "unknown purpose 'no-such-purpose'; consent purposes of this model: newsletter, marketing"),
    ("shop", "activity 'shop' is based on contract, not on consent"),
])
def test_bad_purpose_is_clear_and_writes_nothing(db, model, purpose, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        give(db, model, purpose=purpose, identities=ANA)
    with pytest.raises(InvalidInput, match=r"unknown purpose|not on consent"):
        check_consent(db, KEY, purpose=purpose, identities=ANA, model=model)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(consent_events)).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM subjects")).scalar() == 0


def test_bad_proof_writes_nothing(db, model):
    for proof, message in [(Proof(channel="fax"), "unknown consent channel 'fax'"),
                           (Proof(channel="api", wording="a", text_hash="0" * 64), "not the SHA-256"),
                           (Proof(channel="api", given_by="uncle"), "given_by"),
                           (Proof(channel="api", ip="999.1.1.1"), "proof.ip")]:
        with pytest.raises(InvalidInput, match=message):
            give(db, model, proof=proof)
    with pytest.raises(InvalidInput, match="consent_id must be"):
        give(db, model, consent_id="short")
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(consent_events)).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM subjects")).scalar() == 0


def test_anonymous_consent_id_and_both_holders(db, model):
    cid = "c" * 32
    give(db, model, consent_id=cid)
    assert check_consent(db, KEY, purpose="newsletter", consent_id=cid).given
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).status == "none"
    # a signed-in visitor withdraws in the banner: both the subject and the browser are updated
    give(db, model, False, identities=ANA, consent_id=cid, at=T0 + dt.timedelta(hours=1))
    assert check_consent(db, KEY, purpose="newsletter", consent_id=cid).status == "withdrawn"
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).status == "withdrawn"


def test_every_event_is_audited_without_personal_data(db, model):
    give(db, model, proof=Proof(channel="web_form", ip="203.0.113.9"))
    give(db, model, False)
    with db.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, details FROM audit_log ORDER BY id")).all()
        assert audit.verify(conn).ok
    assert [r.action for r in rows] == ["consent.give", "consent.withdraw"]
    dump = repr(rows)
    assert "ana" not in dump.lower() and "203.0.113" not in dump and "S-" in dump


def test_consent_ended_is_queryable_for_retention(db, model):
    bob = {"email": "bob@example.si"}
    give(db, model, at=T0)  # Ana gives …
    give(db, model, False, at=T0 + dt.timedelta(days=10))  # … and withdraws on day 10
    give(db, model, False, at=T0 + dt.timedelta(days=20))  # a second withdrawal ends nothing new
    give(db, model, identities=bob, at=T0)  # Bob keeps his consent
    give(db, model, False, consent_id="r" * 20, at=T0)  # a refusal that never was consent
    with db.connect() as conn:
        ended = withdrawn_before(conn, "newsletter", T0 + dt.timedelta(days=11))
        assert [h.ended_at for h in ended] == [T0 + dt.timedelta(days=10)]
        assert ended[0].subject_ref.startswith("S-") and ended[0].consent_id is None
        assert withdrawn_before(conn, "newsletter", T0 + dt.timedelta(days=9)) == []
        proofs = ended_proofs_before(conn, "newsletter", T0 + dt.timedelta(days=15))
        state = conn.execute(select(consent_state.c.given_at, consent_state.c.ended_at)
                             .where(consent_state.c.consent_id.is_(None)).order_by(consent_state.c.id)).all()
    # Ana's give and first withdrawal, and the refusal; not the day-20 withdrawal, not Bob's give
    assert proofs == [1, 2, 5]
    utc = lambda t: t and t.replace(tzinfo=dt.UTC)  # noqa: E731 - SQLite hands back naive UTC
    assert [(utc(g), utc(e)) for g, e in state] == [(T0, T0 + dt.timedelta(days=10)), (T0, None)]


def test_receipt_is_27560_style_and_signed(db, model):
    given = give(db, model, proof=Proof(channel="banner", wording="Da, pošljite mi spletnik.", ip="192.0.2.44"))
    withdrawn = give(db, model, False, at=T0 + dt.timedelta(days=1))
    refused = give(db, model, False, consent_id="x" * 24)
    with db.connect() as conn:
        r = receipt(conn, model, KEY, given.id)
        assert receipt(conn, model, KEY, withdrawn.receipt_id)["consent_status"] == "dpv:ConsentWithdrawn"
        assert receipt(conn, model, KEY, refused.id)["consent_status"] == "dpv:ConsentRefused"
    assert r["record_id"] == f"urn:uuid:{given.receipt_id}" and r["pii_principal_id"] == given.subject_ref
    assert r["consent_status"] == "dpv:ConsentGiven" and r["event"]["by"] == "dpv:DataSubject"
    assert r["purposes"][0]["legal_basis"] == ["dpv:Consent", "eu-gdpr:A6-1-a"]
    assert r["purposes"][0]["proof_retention"] == "P5Y"
    assert r["notice"]["text_sha256"] == text_hash("Da, pošljite mi spletnik.")
    assert r["event"]["ip_network"] == "192.0.2.0" and r["pii_controllers"][0]["name"] == "PRIMOTEHNA d.o.o."
    assert verify_receipt(KEY, r)
    r["event"]["time"] = "2020-01-01T00:00:00+00:00"
    assert not verify_receipt(KEY, r)


def test_withdrawal_link_round_trip(db, model):
    give(db, model)
    url = withdrawal_link(KEY, "https://example.si/", ANA, "newsletter", now=T0)
    assert url.startswith("https://example.si/withdraw/") and "ana" not in url.lower()
    token = url.rsplit("/", 1)[1]
    with db.begin() as conn:
        event = withdraw_by_token(conn, model, KEY, token, Proof(channel="email"), now=T0 + dt.timedelta(days=1))
    assert event.action == "withdraw" and event.actor == "link"
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).status == "withdrawn"


def test_forged_and_expired_links_are_refused(db, model):
    token = withdrawal_link(KEY, "", ANA, "newsletter", now=T0, valid_for=dt.timedelta(days=30)).rsplit("/", 1)[1]
    body, sig = token.split(".")
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + sig
    for bad in (tampered, body, "x.y", "", token + "x"):
        with db.begin() as conn, pytest.raises(VerificationFailed, match="not valid"):
            withdraw_by_token(conn, model, KEY, bad, Proof(channel="email"), now=T0)
    with db.begin() as conn, pytest.raises(VerificationFailed, match="expired"):
        withdraw_by_token(conn, model, KEY, token, Proof(channel="email"), now=T0 + dt.timedelta(days=31))
    other = withdrawal_link(b"another-key", "", ANA, "newsletter", now=T0).rsplit("/", 1)[1]
    with db.begin() as conn, pytest.raises(VerificationFailed):
        withdraw_by_token(conn, model, KEY, other, Proof(channel="email"), now=T0)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(consent_events)).scalar() == 0


def test_cache_sees_own_writes_at_once_and_foreign_writes_within_ttl(db, model, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    c = cache.cache_for(db)
    c.ttl = 1.0
    give(db, model)
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).given  # cached now
    give(db, model, False)  # through the engine: invalidated at once
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).status == "withdrawn"
    give(db, model)
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).given
    # another process (its own engine, its own cache) withdraws: seen once our second is over
    other = create_engine(db.url)
    try:
        event = give(other, model, False)
    finally:
        other.dispose()
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).status == "given"
    now[0] += 1.5
    state = check_consent(db, KEY, purpose="newsletter", identities=ANA)
    assert (state.status, state.event_id) == ("withdrawn", event.id)
    # a cached "none" is dropped when the subject first appears
    assert check_consent(db, KEY, purpose="marketing", identities={"email": "new@example.si"}).status == "none"
    give(db, model, identities={"email": "new@example.si"}, purpose="marketing")
    assert check_consent(db, KEY, purpose="marketing", identities={"email": "new@example.si"}).given


def test_concurrent_gives_and_withdrawals_end_in_the_last_event(db, model):
    give(db, model)  # the subject exists before the race
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(6):
                give(db, model, (n + i) % 2 == 0, at=T0 + dt.timedelta(seconds=n * 10 + i))
                check_consent(db, KEY, purpose="newsletter", identities=ANA)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.connect() as conn:
        last = conn.execute(select(consent_events.c.id, consent_events.c.given)
                            .order_by(consent_events.c.id.desc()).limit(1)).one()
        assert conn.execute(select(func.count()).select_from(consent_events)).scalar() == 25
        row = conn.execute(select(consent_state.c.event_id, consent_state.c.given)).one()
        assert audit.verify(conn).ok
    assert (row.event_id, bool(row.given)) == (last.id, bool(last.given))
    state = check_consent(db, KEY, purpose="newsletter", identities=ANA)
    assert (state.event_id, state.given) == (last.id, bool(last.given))


@pytest.mark.postgres
def test_cache_catches_events_that_commit_out_of_id_order(pg_url, monkeypatch, model):
    """PostgreSQL hands out ids before commit: id 2 may commit after id 3. The cache's look re-reads
    a window of recent ids, so the late one still invalidates the holder it names."""
    monkeypatch.setenv("VARUH_SECRET_KEY", KEY.decode())
    upgrade(pg_url)
    db = get_engine(pg_url)
    now = [1000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    cache.cache_for(db).ttl = 1.0
    bob = {"email": "bob@example.si"}
    give(db, model)
    give(db, model, identities=bob)
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).given  # cached, look done
    assert check_consent(db, KEY, purpose="newsletter", identities=bob).given
    other = create_engine(pg_url)
    late, early = other.connect(), other.connect()
    try:
        late_tx = late.begin()
        ana_event = _raw_withdrawal(late, ANA)  # takes the lower id, commits last
        with early.begin():
            _raw_withdrawal(early, bob)
        now[0] += 1.5  # our process looks now: sees Bob's event, not Ana's (uncommitted)
        assert check_consent(db, KEY, purpose="newsletter", identities=bob).status == "withdrawn"
        assert check_consent(db, KEY, purpose="newsletter", identities=ANA).given
        late_tx.commit()
        now[0] += 1.5
        check_consent(db, KEY, purpose="newsletter", identities=bob)  # the look happens on this check
        state = check_consent(db, KEY, purpose="newsletter", identities=ANA)  # answered from the cache
        assert (state.status, state.event_id) == ("withdrawn", ana_event)
    finally:
        late.close()
        early.close()
        other.dispose()


def _raw_withdrawal(conn, identities) -> int:
    """A withdrawal written by "another program" straight into the tables (no audit lock)."""
    from varuh.ledger.subjects import digest

    sid = conn.execute(text("SELECT subject_id FROM identities WHERE digest = :d"),
                       {"d": digest("email", identities["email"], KEY)}).scalar_one()
    eid = conn.execute(text(
        "INSERT INTO consent_events (receipt_id, subject_id, purpose, given, at, channel, text_hash, given_by, actor) "
        "VALUES (gen_random_uuid()::text, :s, 'newsletter', false, now(), 'api', :h, 'subject', 'other') RETURNING id"),
        {"s": sid, "h": "0" * 64}).scalar_one()
    conn.execute(text("UPDATE consent_state SET given = false, event_id = :e WHERE subject_id = :s"),
                 {"e": eid, "s": sid})
    return eid


def test_concurrent_first_consents_of_one_person_land_on_one_subject(db, model):
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            give(db, model, purpose="newsletter" if n % 2 else "marketing", at=T0 + dt.timedelta(seconds=n))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.connect() as conn:
        owners = conn.execute(text("SELECT DISTINCT subject_id FROM consent_events")).scalars().all()
        identity_owner = conn.execute(text("SELECT subject_id FROM identities")).scalar_one()
    assert owners == [identity_owner]
    assert check_consent(db, KEY, purpose="newsletter", identities=ANA).given
    assert check_consent(db, KEY, purpose="marketing", identities=ANA).given
