"""Security headers on every answer; API keys are checked by the routes that need them."""

from __future__ import annotations

from fastapi import FastAPI, Request


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.url.path.startswith("/docs"):
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response
