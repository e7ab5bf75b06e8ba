"""The FastAPI application. Routers live in their own modules; errors are mapped in errors.py."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from varuh import __version__


def create_app(model_path: str | Path | None = None, database_url: str | None = None) -> FastAPI:
    """The service for one organisation's model folder and one ledger."""
    from varuh.web import api_consent, api_requests, errors, pages_public, pages_requests, security, state
    from varuh.web.api_fulfilment import router as fulfilment_router

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Only `varuh serve` sweeps on a schedule (it sets VARUH_SCHEDULER=1): an app built by a test or
        # embedded elsewhere must not start erasing data on its own.
        scheduler = None
        if os.environ.get("VARUH_SCHEDULER") == "1":
            from varuh.retention.schedule import start_scheduler

            scheduler = start_scheduler(app.state.varuh)
        yield
        if scheduler is not None:
            scheduler.stop()

    app = FastAPI(
        title="Varuh",
        version=__version__,
        description="Privacy operations: consents, data-subject requests, retention, audit.",
        lifespan=lifespan,
    )
    app.state.varuh = state.ServiceState.create(model_path, database_url)
    errors.install(app)
    security.install(app)
    app.include_router(api_consent.router)
    app.include_router(api_requests.router)
    app.include_router(pages_public.router)
    app.include_router(pages_requests.router)
    app.include_router(fulfilment_router)
    return app
