"""`varuh serve`: the HTTP service (JSON API with OpenAPI at /docs, public pages, the banner)."""

from __future__ import annotations

from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import ModelPath, model_dir


@app.command("serve")
def serve(
    path: ModelPath = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes (each keeps its own check cache).")] = 1,
) -> None:
    """Run the service for the model at PATH on the ledger VARUH_DATABASE_URL (migrated at start)."""
    import os

    import uvicorn

    from varuh.ledger import db
    from varuh.model.load import load_model

    folder = model_dir(path).resolve()
    load_model(folder)  # a broken model is a clear error here, not a failing worker
    db.upgrade()  # a fresh ledger just works; migrations are idempotent
    os.environ["VARUH_MODEL"] = str(folder)  # the workers' factory reads it
    os.environ["VARUH_SCHEDULER"] = "1"  # retention sweeps on VARUH_RETENTION_SCHEDULE (see retention/schedule.py)
    # links in e-mails are built from VARUH_BASE_URL only (never from a forgeable Host header)
    os.environ.setdefault("VARUH_BASE_URL", f"http://{host}:{port}")
    typer.echo(f"Varuh on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", err=True)
    # no access log: a GET /api/v1/consents/check?email=… would write addresses into it
    uvicorn.run("varuh.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, proxy_headers=False)
