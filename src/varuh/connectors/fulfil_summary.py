"""The end of a fulfilment run: totals, the recipients to tell (GDPR Art. 19), messages, the bundle."""

from __future__ import annotations

from varuh.connectors.bundle import Bundle, create_download
from varuh.connectors.erasure import field_activities
from varuh.connectors.fulfil_context import ERASING, Run
from varuh.connectors.fulfil_result import BundleInfo, FulfilmentResult, KeptItem, Recipient
from varuh.law.clock import utcnow
from varuh.model.datasets import TableSpec
from varuh.model.privacy import PrivacyModel


def summarise(run: Run, result: FulfilmentResult) -> None:
    totals = {"found": 0, "deleted": 0, "updated": 0, "kept": 0, "restricted": 0, "exported": 0, "rectified": 0}
    touched: set[str] = set()
    specs = {(s.id, t.name): t for s in run.datamap.stores for t in s.tables}
    for s in result.stores:
        totals["found"] += sum(s.found.values())
        totals["exported"] += sum(e.rows for e in s.exported)
        totals["rectified"] += sum(r.rows for r in s.rectified)
        totals["restricted"] += sum(s.restricted.values())
        for t in s.tables:
            totals["deleted"] += t.deleted
            totals["updated"] += t.updated
            totals["restricted"] += t.restricted
            spec = specs[(s.id, t.name)]
            if t.deleted:
                touched.update(a for f in spec.fields for a in field_activities(f, spec))
                touched.update(spec.activities)
            touched.update(a for f in spec.fields if f.name in t.fields for a in field_activities(f, spec))
            for k in t.kept:
                totals["kept"] += k.rows
                result.kept.append(KeptItem(s.id, t.name, k.rows, k.fields, k.reason, k.reason_sl, k.article, k.rule,
                                            k.until))
        for r in s.rectified:
            spec = specs.get((s.id, r.table))
            if spec and r.rows:
                touched.update(a for f in spec.fields if f.name == r.field for a in field_activities(f, spec))
        for name in s.restricted:
            spec = specs.get((s.id, name))
            if spec and s.restricted[name]:
                touched.update(table_activities(spec))
        if s.kind == "http" and s.notified:
            touched.update(run.datamap.store(s.id).activities)  # type: ignore[union-attr]
    result.totals = totals
    if run.kind in ERASING or run.kind in ("rectification", "restriction"):
        result.recipients = _recipients(run.model, touched)
    failed = [s for s in result.stores if s.status == "failed"]
    waiting = [s for s in result.stores if s.status == "waiting"]
    sql = [s for s in result.stores if s.kind == "sql"]
    if sql and len(failed) == len(result.stores):
        result.status = "failed"
    else:
        result.status = "partial" if failed or waiting else "done"
    for s in failed:
        result.messages.append(f"{s.error} — nothing was changed in that store; run the request again")
    for s in waiting:
        result.messages.append(f"store {s.id} needs an operator: {s.instructions or ''}".strip())
    if result.kept:
        result.messages.append("some data are kept because the law or a pending claim requires it "
                               "(GDPR Art. 17(3)); they are restricted and listed under 'kept'")


def table_activities(spec: TableSpec) -> set[str]:
    return set(spec.activities) | {a for f in spec.fields for a in f.activities}


def _recipients(model: PrivacyModel, activities: set[str]) -> list[Recipient]:
    """GDPR Art. 19: the recipients to whom the data were disclosed are told of the erasure,
    rectification or restriction (unless impossible or disproportionate)."""
    ids: list[str] = []
    for a in model.activities:
        if a.id in activities:
            ids += [r for r in a.recipients if r not in ids]
    out = []
    for rid in ids:
        r = model.recipient(rid)
        if r is not None:
            out.append(Recipient(r.id, r.name("sl"), r.role.value))
    return out


def finish_bundle(run: Run, result: FulfilmentResult) -> None:
    assert run.bundle is not None
    used = sorted({a for s in run.datamap.stores for t in s.tables
                   for a in table_activities(t)
                   if any(e.table == t.name for r in result.stores if r.id == s.id for e in r.exported)})
    others = [(s.name(run.lang) if s.name else s.id) for s in run.datamap.stores if s.kind != "sql"]
    context = {"request": run.request_ref, "type": run.kind, "portability": run.kind == "portability",
               "created": utcnow().isoformat(timespec="seconds"), "created_on": run.today,
               "activities": used, "other_stores": others}
    bundle: Bundle = run.bundle.finish(run.model, context, run.lang)
    info = BundleInfo(str(bundle.folder), str(bundle.zip), len(bundle.files))
    if run.ledger is not None:
        with run.ledger.begin() as conn:
            info.download_url, info.expires_at = create_download(conn, bundle.zip, run.request_ref)
    result.bundle = info
