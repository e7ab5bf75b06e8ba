"""Data subjects: found by their identities (e-mail, phone, user id), known by a random reference."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from varuh.errors import InvalidInput
from varuh.law.clock import utcnow
from varuh.ledger.db import savepoint
from varuh.ledger.tables import identities, subjects

IDENTITY_KINDS = ("email", "phone", "user_id", "custom")


def normalise(kind: str, value: str) -> str:
    """The canonical form that is hashed: e-mail lower-cased, phone in E.164 (Slovenia by default)."""
    value = value.strip()
    if kind == "email":
        if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
            raise InvalidInput("not a valid e-mail address")
        return value.lower()
    if kind == "phone":
        import phonenumbers

        try:
            number = phonenumbers.parse(value, "SI")
        except phonenumbers.NumberParseException:
            raise InvalidInput("not a valid phone number") from None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind not in IDENTITY_KINDS:
        raise InvalidInput(f"unknown identity kind {kind!r}; use one of {', '.join(IDENTITY_KINDS)}")
    if not value:
        raise InvalidInput(f"empty {kind}")
    return value


def digest(kind: str, value: str, key: bytes) -> str:
    return hmac.new(key, f"{kind}:{normalise(kind, value)}".encode(), hashlib.sha256).hexdigest()


def new_ref() -> str:
    return "S-" + secrets.token_hex(6)


def find_subject(conn: Connection, ids: Mapping[str, str], key: bytes) -> tuple[int, str] | None:
    """(subject id, ref) of the subject with any of these identities, or None."""
    for kind, value in ids.items():
        row = conn.execute(
            select(subjects.c.id, subjects.c.ref)
            .join(identities, identities.c.subject_id == subjects.c.id)
            .where(identities.c.kind == kind, identities.c.digest == digest(kind, value, key))
        ).first()
        if row:
            return row.id, row.ref
    return None


def ensure_subject(conn: Connection, ids: Mapping[str, str], key: bytes) -> tuple[int, str]:
    """The subject with these identities, created if new; new identities are attached to it.

    Two first events for the same new person may race: the unique (kind, digest) constraint lets
    only one create the subject; the other's savepoint rolls back (no orphan subject row) and it
    finds the winner's subject instead.
    """
    if not ids:
        raise InvalidInput("at least one identity (e-mail, phone, user id) is needed")
    digests = {kind: digest(kind, value, key) for kind, value in ids.items()}
    found = find_subject(conn, ids, key)
    now = utcnow()
    if found is None:
        subject_id = None
        try:
            with savepoint(conn):
                ref = new_ref()
                subject_id = conn.execute(insert(subjects).values(ref=ref, created_at=now)).inserted_primary_key[0]
                conn.execute(insert(identities), [
                    {"subject_id": subject_id, "kind": kind, "digest": d, "created_at": now}
                    for kind, d in digests.items()
                ])
            return subject_id, ref
        except IntegrityError:  # a concurrent writer created this person first
            if conn.dialect.name == "sqlite" and subject_id is not None:  # no savepoint: undo by hand
                conn.execute(delete(identities).where(identities.c.subject_id == subject_id))
                conn.execute(delete(subjects).where(subjects.c.id == subject_id))
            found = find_subject(conn, ids, key)
            if found is None:
                raise
    for kind, d in digests.items():
        exists = conn.execute(
            select(identities.c.id).where(identities.c.kind == kind, identities.c.digest == d)
        ).first()
        if not exists:
            try:
                with savepoint(conn):
                    conn.execute(insert(identities).values(subject_id=found[0], kind=kind, digest=d, created_at=now))
            except IntegrityError:  # a concurrent writer attached it first
                pass
    return found
