"""The one place where engine errors become HTTP answers: one JSON body for the API, a page for HTML."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from varuh.errors import VaruhError


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    @app.exception_handler(VaruhError)
    async def _varuh_error(request: Request, exc: VaruhError):
        if _wants_html(request):
            return HTMLResponse(f"<!doctype html><title>Napaka / Error</title><h1>Napaka / Error</h1>"
                                f"<p>{_escape(exc.message)}</p>", status_code=exc.status)
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return JSONResponse({"error": "InvalidInput", "message": message, "problems": problems}, status_code=422)


def _escape(text: str) -> str:
    import html

    return html.escape(text)
