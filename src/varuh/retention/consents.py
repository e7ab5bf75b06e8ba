"""What retention needs from the consent ledger: who withdrew, and which proofs have expired.

Rules of kind `consent` ("until consent is withdrawn") erase a subject's rows in the
organisation's stores once the ledger says the consent ended. The ledger knows subjects only by
keyed hashes of their identities (ledger/subjects.py), so the sweep hashes the table's identity
column values with the same key and matches them against the withdrawn subjects' digests (see
sweep.py). The digests of withdrawn subjects are few; the table is read once per sweep, in
batches, and only when someone withdrew.

Consent proofs (the `consent_events` rows, GDPR Art. 7(1)) are kept while the consent lasts and
for the declared period after it ended, then deleted here: a holder whose consent for a purpose
ended before the cutoff loses its state row and every event of that purpose that no remaining
state row still points to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from varuh.law.clock import LJUBLJANA
from varuh.ledger.tables import identities


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in Ljubljana, as a UTC instant."""
    return dt.datetime.combine(day, dt.time(), LJUBLJANA).astimezone(dt.UTC)


def withdrawn_digests(conn: sa.Connection, purpose: str, before: dt.datetime) -> dict[str, set[str]]:
    """Identity kind -> keyed digests of the subjects whose consent for `purpose` ended before `before`.

    Anonymous holders (a browser's consent id) have no rows in the organisation's stores to erase.
    """
    from varuh.consent.engine import withdrawn_before

    ids = [h.subject_id for h in withdrawn_before(conn, purpose, before) if h.subject_id is not None]
    out: dict[str, set[str]] = {}
    for i in range(0, len(ids), 1000):
        rows = conn.execute(sa.select(identities.c.kind, identities.c.digest)
                            .where(identities.c.subject_id.in_(ids[i:i + 1000])))
        for kind, digest in rows:
            out.setdefault(kind, set()).add(digest)
    return out


def count_expired_proofs(conn: sa.Connection, purpose: str, before: dt.datetime) -> int:
    """How many proof events of `purpose` belong to consents that ended before `before`."""
    from varuh.consent.engine import ended_proofs_before

    return len(ended_proofs_before(conn, purpose, before))


def delete_expired_proofs(engine: sa.Engine, purpose: str, before: dt.datetime, batch: int,
                          on_batch: Callable[[int], None] | None = None) -> int:
    """Delete the proofs of consents that ended before `before`, `batch` events per transaction.

    The consent engine says which events are past their keeping period. A holder's state row
    points at its latest event; when that event goes (a withdrawal more than the period ago), the
    state row goes with it: what remains is the same as "never consented", which is true now.
    """
    from varuh.consent.engine import ended_proofs_before
    from varuh.ledger.consent import consent_events as ev
    from varuh.ledger.consent import consent_state as cs

    with engine.connect() as conn:
        ids = ended_proofs_before(conn, purpose, before)
    total = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        with engine.begin() as conn:
            conn.execute(sa.delete(cs).where(cs.c.event_id.in_(chunk)))
            deleted = conn.execute(sa.delete(ev).where(ev.c.id.in_(chunk))).rowcount
        total += deleted
        if on_batch:  # after the commit: the ledger's bookkeeping is another transaction
            on_batch(deleted)
    return total


def matching_rows(conn: sa.Connection, table: sa.Table, pk: str, id_columns: dict[str, str],
                  digests: dict[str, set[str]], key: bytes, where: sa.ColumnElement[bool], batch: int) -> list:
    """Primary keys of rows whose identity columns hash to a withdrawn subject's digest.

    Set-based on the ledger side (one query for all withdrawn digests) and streamed on the store
    side: rows are read in primary-key batches, their identity values hashed with the ledger's key
    and matched in memory. Hashing in Python keeps the key out of the organisation's database and
    works on every SQL dialect; only the matches are kept, so memory follows the number of
    withdrawn subjects, not the size of the table.
    """
    from varuh.errors import InvalidInput
    from varuh.ledger.subjects import digest

    kinds = {k: c for k, c in id_columns.items() if digests.get(k) and c in table.c}
    if not kinds:
        return []
    pkc = table.c[pk]
    cols = [table.c[c] for c in kinds.values()]
    found: list = []
    last = None
    while True:
        q = sa.select(pkc, *cols).where(where, sa.or_(*(c.is_not(None) for c in cols)))
        if last is not None:
            q = q.where(pkc > last)
        rows = conn.execute(q.order_by(pkc).limit(batch)).all()
        if not rows:
            return found
        for row in rows:
            for i, kind in enumerate(kinds):
                value = row[i + 1]
                if value is None:
                    continue
                try:
                    if digest(kind, str(value), key) in digests[kind]:
                        found.append(row[0])
                        break
                except InvalidInput:  # a malformed address cannot belong to a known subject
                    continue
        last = rows[-1][0]
