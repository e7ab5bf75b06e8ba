"""The errors engines raise. Each surface maps them in one place (cli.main, web.errors).

None of them may carry personal data: they name files, lines, fields, ids and references.
"""

from __future__ import annotations

from pathlib import Path


class VaruhError(Exception):
    """Anything the user can act on. `str()` is the one-line message shown to them."""

    status = 400  # the HTTP status the web surface answers with

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"error": type(self).__name__, "message": self.message}


class ModelError(VaruhError):
    """A privacy.yaml or datasets.yaml that does not load or validate: file, line, field."""

    status = 422

    def __init__(
        self,
        path: str | Path,
        message: str,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.field = field
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(text)
        self.detail = message

    def to_dict(self) -> dict:
        return {
            "error": "ModelError",
            "message": self.message,
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
        }


class ModelErrors(ModelError):
    """Several independent problems found in one file; the first one is the message."""

    def __init__(self, errors: list[ModelError]) -> None:
        first = errors[0]
        super().__init__(first.path, first.detail, first.line, first.column, first.field)
        self.errors = errors
        if len(errors) > 1:
            self.message = "\n".join(e.message for e in errors)

    def to_dict(self) -> dict:
        return {"error": "ModelError", "message": self.message, "errors": [e.to_dict() for e in self.errors]}


class InvalidInput(VaruhError):
    """A command-line or API argument that makes no sense (an impossible date, an unknown type)."""

    status = 422


class NotFound(VaruhError):
    status = 404


class Conflict(VaruhError):
    """The operation is not allowed in the current state (a late extension, a second sweep)."""

    status = 409


class NotAllowed(VaruhError):
    """Missing or insufficient credentials (API key, scope)."""

    status = 403


class VerificationFailed(VaruhError):
    """A forged, reused or expired token or code."""

    status = 400


class RateLimited(VaruhError):
    """Too many requests from one address or for one identity in a window (public intake, codes)."""

    status = 429


class StoreError(VaruhError):
    """An organisation's store failed (unreachable, wrong credentials, table gone). No secrets."""

    status = 502

    def __init__(self, store: str, message: str) -> None:
        super().__init__(f"store {store!r}: {message}")
        self.store = store
