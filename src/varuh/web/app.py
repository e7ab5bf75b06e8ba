"""The FastAPI application. Routers live in their own modules; errors are mapped in errors.py."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from varuh import __version__


def create_app(model_path: str | Path | None = None, database_url: str | None = None) -> FastAPI:
    """The service for one organisation's model folder and one ledger."""
    from varuh.web import api_consent, api_requests, errors, pages_public, pages_requests, security, state

    app = FastAPI(
        title="Varuh",
        version=__version__,
        description="Privacy operations: consents, data-subject requests, retention, audit.",
    )
    app.state.varuh = state.ServiceState.create(model_path, database_url)
    errors.install(app)
    security.install(app)
    app.include_router(api_consent.router)
    app.include_router(api_requests.router)
    app.include_router(pages_public.router)
    app.include_router(pages_requests.router)
    return app
