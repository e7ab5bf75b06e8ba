"""The consent engine: give, withdraw, check, history, receipts and withdrawal links.

A purpose is the id of an activity of the model whose legal basis is consent (GDPR Art. 6(1)(a)).
Every give or withdrawal is a new event with its proof (Art. 7(1)); events are never changed and
the latest one (the highest id) decides. Withdrawal is an event like any other (Art. 7(3)): it
does not erase the earlier proof, it ends the consent, and `consent_state.ended_at` records when,
for the retention sweep (`withdrawn_before`, `ended_proofs_before`).

A holder is a data subject, found by identities (stored as keyed hashes, ledger/subjects.py), or
an anonymous browser known by the banner's random `consent_id`. Nothing here logs or audits
personal data: the audit log gets the subject's random reference, the purpose and the action.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, bindparam, case, exists, insert, null, or_, select, update
from sqlalchemy.orm import aliased

from varuh.consent import cache as _cache
from varuh.consent import links
from varuh.consent.proofs import (
    check_channel,
    check_giver,
    check_text_hash,
    clip_user_agent,
    text_hash,
    truncate_ip,
)
from varuh.errors import InvalidInput, NotFound, VerificationFailed
from varuh.law.clock import utcnow
from varuh.ledger import audit
from varuh.ledger.consent import consent_events, consent_state
from varuh.ledger.subjects import digest, ensure_subject, find_subject, new_ref
from varuh.ledger.tables import identities as identities_table
from varuh.ledger.tables import subjects
from varuh.model.privacy import Activity, LegalBasis, PrivacyModel

CONSENT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Proof:
    """How and to what the consent was given or withdrawn (see varuh.consent.proofs)."""

    channel: str  # web_form | banner | email | paper | phone | api
    notice_version: str | None = None  # the model's policy.version shown
    text_hash: str | None = None  # sha256 hex of the exact text shown; computed from wording if None
    wording: str | None = None  # the wording of the request as shown
    given_by: str = "subject"  # subject | parent (ZVOP-2 Art. 8: under 15 a parent or guardian)
    ip: str | None = None  # truncated before storing (IPv4 /24, IPv6 /48)
    user_agent: str | None = None


@dataclass(frozen=True)
class ConsentEvent:
    id: int
    receipt_id: str
    purpose: str
    given: bool
    action: str  # give | withdraw
    at: dt.datetime
    subject_ref: str | None
    consent_id: str | None
    channel: str
    notice_version: str | None
    text_hash: str
    wording: str | None
    given_by: str
    ip: str | None
    user_agent: str | None
    actor: str


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    given: bool
    status: str  # given | withdrawn | none
    at: dt.datetime | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class Holder:
    """Whose consent ended: a subject (id and reference) or an anonymous consent id."""

    subject_id: int | None
    subject_ref: str | None
    consent_id: str | None
    ended_at: dt.datetime


# --- purposes ----------------------------------------------------------------------------------


def consent_purposes(model: PrivacyModel) -> list[str]:
    return [a.id for a in model.consent_activities()]


def consent_activity(model: PrivacyModel, purpose: str) -> Activity:
    """The consent-based activity `purpose` names; InvalidInput naming the valid ones otherwise."""
    activity = model.activity(purpose)
    if activity is not None and activity.legal_basis == LegalBasis.consent:
        return activity
    valid = ", ".join(consent_purposes(model)) or "(none: the model has no consent-based activity)"
    if activity is None:
        raise InvalidInput(f"unknown purpose {purpose!r}; consent purposes of this model: {valid}")
    raise InvalidInput(f"activity {purpose!r} is based on {activity.legal_basis.value}, not on consent; "
                       f"consent purposes of this model: {valid}")


# --- holders -----------------------------------------------------------------------------------


def _check_holder(identities: Mapping[str, str] | None, consent_id: str | None) -> None:
    if not identities and consent_id is None:
        raise InvalidInput("name whose consent this is: an identity (e-mail, phone, user id) or a consent id")
    if consent_id is not None and not CONSENT_ID.match(consent_id):
        raise InvalidInput("consent_id must be 16 to 64 letters, digits, '-' or '_'")


def new_consent_id() -> str:
    """A random consent id for an anonymous browser (what the banner keeps in its cookie)."""
    return uuid.uuid4().hex + uuid.uuid4().hex[:8]


# --- writing -----------------------------------------------------------------------------------


def record_consent(conn: Connection, model: PrivacyModel, key: bytes, *, purpose: str, given: bool, proof: Proof,
                   identities: Mapping[str, str] | None = None, consent_id: str | None = None,
                   now: dt.datetime | None = None, actor: str | None = None) -> ConsentEvent:
    """Append a give (given=True) or withdrawal/refusal (given=False) event with its proof.

    Runs in the caller's transaction: the event, the state and the audit entry commit together.
    With both identities and a consent id (a signed-in visitor's banner choice) the one event
    updates the state of both.
    """
    consent_activity(model, purpose)
    _check_holder(identities, consent_id)
    check_channel(proof.channel)  # before anything is written
    subject = None
    if identities:
        subject_id, ref = ensure_subject(conn, identities, key)
        # two first consents of one person at once: both may create a subject, only one gets the
        # identity; attach the event to the subject the identity resolves to, not to the spare
        resolved = find_subject(conn, identities, key)
        if resolved is not None and resolved[0] != subject_id:
            subject_id, ref = resolved
        subject = (subject_id, ref, [digest(k, v, key) for k, v in identities.items()])
    return _record(conn, model, purpose=purpose, given=given, proof=proof, subject=subject, consent_id=consent_id,
                   now=now, actor=actor)


def _record(conn: Connection, model: PrivacyModel, *, purpose: str, given: bool, proof: Proof,
            subject: tuple[int, str, list[str]] | None, consent_id: str | None, now: dt.datetime | None,
            actor: str | None) -> ConsentEvent:
    activity = consent_activity(model, purpose)
    check_channel(proof.channel)
    check_giver(proof.given_by)
    wording = proof.wording
    if wording is None and proof.text_hash is None:
        wording = _model_wording(model, activity)
    hashed = check_text_hash(proof.text_hash, wording) if proof.text_hash else text_hash(wording or "")
    notice_version = proof.notice_version or (model.policy.version if model.policy else None)
    at = (now or utcnow()).astimezone(dt.UTC)
    ip = truncate_ip(proof.ip)
    subject_id, subject_ref, digests = subject if subject else (None, None, [])
    actor = (actor or proof.channel)[:120]
    values = dict(receipt_id=str(uuid.uuid4()), subject_id=subject_id, consent_id=consent_id, purpose=purpose,
                  given=given, at=at, channel=proof.channel, notice_version=notice_version, text_hash=hashed,
                  wording=wording, given_by=proof.given_by, ip=ip, user_agent=clip_user_agent(proof.user_agent),
                  actor=actor)
    event_id = conn.execute(insert(consent_events).values(**values)).inserted_primary_key[0]
    tags: list[Hashable] = []
    if subject_id is not None:
        _apply_state(conn, "subject_id", subject_id, purpose, given, event_id, at)
        tags += [("s", subject_id), *(("d", d) for d in digests)]
    if consent_id is not None:
        _apply_state(conn, "consent_id", consent_id, purpose, given, event_id, at)
        tags.append(("c", consent_id))
    _cache.note_write(conn, tags)
    audit.record(conn, actor, "consent.give" if given else "consent.withdraw", "consent_event", event_id,
                 {"subject": subject_ref or "anonymous", "purpose": purpose, "channel": proof.channel,
                  "given_by": proof.given_by})
    values.pop("subject_id")
    return ConsentEvent(id=event_id, action="give" if given else "withdraw", subject_ref=subject_ref, **values)


def _model_wording(model: PrivacyModel, activity: Activity) -> str:
    """What the subject was shown when the caller does not say: the model's own wording (Slovenian)."""
    if activity.consent and activity.consent.wording:
        return activity.consent.wording.sl
    return activity.purpose.sl


def _apply_state(conn: Connection, column: str, holder: int | str, purpose: str, given: bool, event_id: int,
                 at: dt.datetime) -> None:
    """Upsert the holder's state to this event, unless a later event (higher id) is already there.

    The conditional upsert makes the state follow the highest event id even when two transactions
    commit in the other order than they took their ids.
    """
    row = {column: holder, "purpose": purpose, "given": given, "event_id": event_id, "at": at,
           "given_at": at if given else None, "ended_at": None}
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        stmt = upsert(consent_state).values(**row)
        new, old = stmt.excluded, consent_state.c
        stmt = stmt.on_conflict_do_update(
            index_elements=[column, "purpose"],
            set_={
                "given": new.given, "event_id": new.event_id, "at": new.at,
                # a give that follows a give continues the same period of consent
                "given_at": case((and_(new.given, old.given), old.given_at), (new.given, new.at),
                                 else_=old.given_at),
                # consent ends at the first withdrawal after a give; later withdrawals change nothing
                "ended_at": case((new.given, null()), (old.given, new.at), else_=old.ended_at),
            },
            where=old.event_id < new.event_id,
        )
        conn.execute(stmt)
        return
    # other databases: lock the row, then update or insert
    current = conn.execute(select(consent_state).where(consent_state.c[column] == holder,
                                                       consent_state.c.purpose == purpose).with_for_update()).first()
    if current is None:
        conn.execute(insert(consent_state).values(**row))
    elif current.event_id < event_id:
        given_at = (current.given_at if current.given else at) if given else current.given_at
        ended_at = None if given else (at if current.given else current.ended_at)
        conn.execute(update(consent_state).where(consent_state.c.id == current.id).values(
            given=given, event_id=event_id, at=at, given_at=given_at, ended_at=ended_at))


# --- reading -----------------------------------------------------------------------------------

_NONE: dict[str, ConsentState] = {}


def _none(purpose: str) -> ConsentState:
    state = _NONE.get(purpose)
    if state is None:
        state = _NONE[purpose] = ConsentState(purpose, False, "none")
    return state


def check_consent(conn: Connection | Engine, key: bytes, *, purpose: str, identities: Mapping[str, str] | None = None,
                  consent_id: str | None = None, model: PrivacyModel | None = None) -> ConsentState:
    """Whether the holder's latest event for `purpose` gave consent. The hot path.

    `conn` may be an Engine: then a connection is taken only when the answer is not cached.
    With `model`, the purpose is validated against it (surfaces pass it; the hot loop may not).
    Answers may come from the in-process cache (varuh.consent.cache says how fresh they are);
    a connection that wrote consents in its open transaction always reads the ledger.
    """
    if model is not None:
        consent_activity(model, purpose)
    is_engine = isinstance(conn, Engine)
    cache = _cache.cache_for(conn if is_engine else conn.engine)  # type: ignore[arg-type]
    if not identities:
        _check_holder(identities, consent_id)
    cache_key = (purpose, *identities.items()) if identities else (purpose, consent_id)
    bypass = not is_engine and _cache.has_pending(conn)  # type: ignore[arg-type]
    if not bypass:
        hit = cache.get(cache_key)
        if hit is not None:
            return hit
    if is_engine:
        with conn.connect() as c:  # type: ignore[union-attr]
            return _check_uncached(c, cache, cache_key, key, purpose, identities, consent_id, bypass)
    return _check_uncached(conn, cache, cache_key, key, purpose, identities, consent_id, bypass)  # type: ignore[arg-type]


def _check_uncached(conn: Connection, cache: _cache.StateCache, cache_key: Hashable, key: bytes, purpose: str,
                    identities: Mapping[str, str] | None, consent_id: str | None, bypass: bool) -> ConsentState:
    if not bypass:
        cache.look(conn)
    generation = cache.generation
    state, tags = _read_state(conn, key, purpose, identities, consent_id)
    if not bypass:
        cache.put(cache_key, state, tags, generation, short=state.event_id is None and bool(identities))
    return state


def cached_state(engine: Engine, purpose: str, identities: Mapping[str, str] | None = None,
                 consent_id: str | None = None) -> ConsentState | None:
    """The cached answer of check_consent, or None: never touches the database (for async callers)."""
    return _cache.cache_for(engine).get((purpose, *identities.items()) if identities else (purpose, consent_id))


# prepared once: building statements per call costs more than running them
_st = consent_state.c
_BY_IDENTITY = (
    select(identities_table.c.subject_id, _st.given, _st.event_id, _st.at)
    .select_from(identities_table)
    .outerjoin(consent_state, and_(_st.subject_id == identities_table.c.subject_id,
                                   _st.purpose == bindparam("purpose")))
    .where(identities_table.c.kind == bindparam("kind"), identities_table.c.digest == bindparam("digest"))
)
_BY_CONSENT_ID = select(_st.given, _st.event_id, _st.at).where(_st.consent_id == bindparam("consent_id"),
                                                               _st.purpose == bindparam("purpose"))


def _read_state(conn: Connection, key: bytes, purpose: str, identities: Mapping[str, str] | None,
                consent_id: str | None) -> tuple[ConsentState, list[Hashable]]:
    tags: list[Hashable] = []
    row = None
    if identities:
        for kind, value in identities.items():
            d = digest(kind, value, key)
            tags.append(("d", d))
            row = conn.execute(_BY_IDENTITY, {"purpose": purpose, "kind": kind, "digest": d}).first()
            if row is not None:
                tags.append(("s", row.subject_id))
                break
    else:
        tags.append(("c", consent_id))
        row = conn.execute(_BY_CONSENT_ID, {"consent_id": consent_id, "purpose": purpose}).first()
    if row is None or row.event_id is None:
        return _none(purpose), tags
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return ConsentState(purpose, bool(row.given), "given" if row.given else "withdrawn", at, row.event_id), tags


def _holder_filter(conn: Connection, key: bytes, identities: Mapping[str, str] | None, consent_id: str | None):
    """The WHERE clause selecting a holder's events, or None when the holder is unknown."""
    _check_holder(identities, consent_id)
    clauses = []
    if identities:
        found = find_subject(conn, identities, key)
        if found is not None:
            clauses.append(consent_events.c.subject_id == found[0])
    if consent_id is not None:
        clauses.append(consent_events.c.consent_id == consent_id)
    return or_(*clauses) if clauses else None


def _event(row) -> ConsentEvent:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return ConsentEvent(id=row.id, receipt_id=row.receipt_id, purpose=row.purpose, given=bool(row.given),
                        action="give" if row.given else "withdraw", at=at, subject_ref=row.ref,
                        consent_id=row.consent_id, channel=row.channel, notice_version=row.notice_version,
                        text_hash=row.text_hash, wording=row.wording, given_by=row.given_by, ip=row.ip,
                        user_agent=row.user_agent, actor=row.actor)


def _events_query():
    return select(consent_events, subjects.c.ref).select_from(
        consent_events.outerjoin(subjects, subjects.c.id == consent_events.c.subject_id))


def consent_history(conn: Connection, key: bytes, *, identities: Mapping[str, str] | None = None,
                    consent_id: str | None = None, purpose: str | None = None,
                    model: PrivacyModel | None = None) -> list[ConsentEvent]:
    """Every event of the holder (for one purpose or all), oldest first."""
    if model is not None and purpose is not None:
        consent_activity(model, purpose)
    where = _holder_filter(conn, key, identities, consent_id)
    if where is None:
        return []
    query = _events_query().where(where)
    if purpose is not None:
        query = query.where(consent_events.c.purpose == purpose)
    return [_event(r) for r in conn.execute(query.order_by(consent_events.c.id))]


def get_event(conn: Connection, event_id: int | str) -> ConsentEvent:
    """One event by its number or its receipt id (a UUID)."""
    query = _events_query()
    if isinstance(event_id, int) or (isinstance(event_id, str) and event_id.isdigit()):
        query = query.where(consent_events.c.id == int(event_id))
    else:
        query = query.where(consent_events.c.receipt_id == str(event_id))
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no consent event {event_id}")
    return _event(row)


def receipt(conn: Connection, model: PrivacyModel, key: bytes, event_id: int | str) -> dict:
    """The consent receipt of one event: ISO/IEC TS 27560-style JSON with W3C DPV terms, signed."""
    from varuh.consent.proofs.receipts import build_receipt

    event = get_event(conn, event_id)
    earlier_given = None
    if not event.given:  # withdrawal or refusal: was consent given before this event?
        e = consent_events.c
        holder = e.subject_id == select(subjects.c.id).where(subjects.c.ref == event.subject_ref).scalar_subquery() \
            if event.subject_ref else e.consent_id == event.consent_id
        earlier_given = conn.execute(select(e.id).where(holder, e.purpose == event.purpose, e.id < event.id,
                                                        e.given.is_(True)).limit(1)).first() is not None
    return build_receipt(model, event, key=key, earlier_given=earlier_given)


# --- withdrawal links ---------------------------------------------------------------------------


def withdrawal_link(key: bytes, base_url: str, identities_or_consent_id: Mapping[str, str] | str, purpose: str,
                    *, valid_for: dt.timedelta | None = None, now: dt.datetime | None = None) -> str:
    """A signed one-click withdrawal link (see varuh.consent.links)."""
    return links.withdrawal_link(key, base_url, identities_or_consent_id, purpose, valid_for=valid_for, now=now)


def read_withdrawal(model: PrivacyModel, key: bytes, token: str, *,
                    now: dt.datetime | None = None) -> links.WithdrawalToken:
    """A withdrawal token's content, checked: signature, expiry, and that the purpose still exists."""
    data = links.read_token(key, token, now=now)
    try:
        consent_activity(model, data.purpose)
    except InvalidInput:
        raise VerificationFailed("this withdrawal link names a purpose the privacy policy no longer has") from None
    return data


def withdraw_by_token(conn: Connection, model: PrivacyModel, key: bytes, token: str, proof: Proof, *,
                      now: dt.datetime | None = None) -> ConsentEvent:
    """Withdraw the consent a signed link names (the click on "odjava")."""
    data = read_withdrawal(model, key, token, now=now)
    if data.consent_id is not None:
        return record_consent(conn, model, key, purpose=data.purpose, given=False, proof=proof,
                              consent_id=data.consent_id, now=now, actor="link")
    kind, identity_digest = data.identity  # type: ignore[misc]
    subject = _ensure_subject_by_digest(conn, kind, identity_digest)
    return _record(conn, model, purpose=data.purpose, given=False, proof=proof, subject=subject, consent_id=None,
                   now=now, actor="link")


def _ensure_subject_by_digest(conn: Connection, kind: str, identity_digest: str) -> tuple[int, str, list[str]]:
    """The subject a link names by the keyed hash of an identity (the link never held the address)."""
    row = conn.execute(select(subjects.c.id, subjects.c.ref).join(
        identities_table, identities_table.c.subject_id == subjects.c.id).where(
        identities_table.c.kind == kind, identities_table.c.digest == identity_digest)).first()
    if row is not None:
        return row.id, row.ref, [identity_digest]
    # unknown to the ledger (the list lives elsewhere): the withdrawal is recorded all the same
    now, ref = utcnow(), new_ref()
    subject_id = conn.execute(insert(subjects).values(ref=ref, created_at=now)).inserted_primary_key[0]
    conn.execute(insert(identities_table).values(subject_id=subject_id, kind=kind, digest=identity_digest,
                                                 created_at=now))
    return subject_id, ref, [identity_digest]


# --- for the retention sweep --------------------------------------------------------------------


def withdrawn_before(conn: Connection, purpose: str, cutoff: dt.datetime) -> list[Holder]:
    """Holders whose consent for `purpose` is currently withdrawn and ended before `cutoff`.

    The retention sweep erases the data an activity holds on consent (RetentionRule kind
    'consent': erased within `grace` after withdrawal) for these holders.
    """
    st = consent_state.c
    rows = conn.execute(
        select(st.subject_id, subjects.c.ref, st.consent_id, st.ended_at)
        .select_from(consent_state.outerjoin(subjects, subjects.c.id == st.subject_id))
        .where(st.purpose == purpose, st.given.is_(False), st.ended_at.is_not(None), st.ended_at < cutoff)
        .order_by(st.ended_at)
    )
    return [Holder(r.subject_id, r.ref, r.consent_id, r.ended_at if r.ended_at.tzinfo
                   else r.ended_at.replace(tzinfo=dt.UTC)) for r in rows]


def ended_proofs_before(conn: Connection, purpose: str, cutoff: dt.datetime) -> list[int]:
    """Ids of events whose consent ended before `cutoff`: the proofs past their keeping period.

    A give ends at the next withdrawal of the same holder; a withdrawal (or refusal) is its own
    end. ConsentSpec.proof_retention says how long after that end a proof is kept (ecpp: 5 years),
    so the sweep passes cutoff = now − proof_retention.
    """
    e = consent_events.c
    later = aliased(consent_events)
    ended_give = exists().where(
        later.c.purpose == e.purpose, later.c.given.is_(False), later.c.id > e.id, later.c.at < cutoff,
        or_(later.c.subject_id == e.subject_id, later.c.consent_id == e.consent_id),
    )
    rows = conn.execute(select(e.id).where(
        e.purpose == purpose,
        or_(and_(e.given.is_(False), e.at < cutoff), and_(e.given.is_(True), ended_give)),
    ).order_by(e.id))
    return [r.id for r in rows]
