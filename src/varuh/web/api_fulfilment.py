"""Fulfilment over HTTP: run a request in the stores (/api/v1/requests/{ref}/fulfil), and the
expiring download link of an access or portability bundle (/api/fulfilment/download/{token}).

The download link needs no API key: the token in it is the credential (32 random bytes, only its
SHA-256 stored, valid VARUH_DOWNLOAD_HOURS). An unknown, expired or purged token is a 404 that
says only that the link is not valid, so a guess learns nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from varuh.cli.options import to_jsonable
from varuh.connectors.bundle import open_download
from varuh.errors import NotFound
from varuh.ledger.apikeys import ApiKey
from varuh.web.security import require_scope
from varuh.web.state import get_state

router = APIRouter(tags=["fulfilment"])
WRITE = require_scope("requests:write")


class FulfilIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(False, description="Show exactly what would change; change nothing.")
    set: dict[str, Any] | None = Field(None, description="Rectification: {\"table.field\": value}.")
    activities: list[str] | None = Field(None, description="Objection or withdrawal: the activities it stops.")


@router.post("/api/v1/requests/{ref}/fulfil", summary="Fulfil the request in the organisation's stores")
def fulfil(ref: str, body: FulfilIn, request: Request, key: ApiKey = Depends(WRITE)) -> JSONResponse:
    from varuh.connectors.request_fulfilment import fulfil_request
    from varuh.model.datamap import require_datamap

    st = get_state(request)
    folder = st.model_path.parent if st.model_path.is_file() else st.model_path
    result = fulfil_request(st.engine, st.model, require_datamap(folder), folder, ref, actor=f"api:{key.key_id}",
                            today=st.today(), key=st.key, dry_run=body.dry_run, changes=body.set,
                            activities=body.activities)
    return JSONResponse(to_jsonable(result), status_code=200 if result.status == "done" else 207)


@router.get("/api/fulfilment/download/{token}", summary="Download an access or portability bundle (expiring link)")
def download(token: str, request: Request) -> FileResponse:
    st = get_state(request)
    with st.engine.begin() as conn:
        path = open_download(conn, token) if 20 <= len(token) <= 100 else None
    if path is None:
        raise NotFound("this download link is not valid or has expired")
    return FileResponse(path, media_type="application/zip", filename=path.name,
                        headers={"Cache-Control": "no-store"})
