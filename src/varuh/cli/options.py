"""Options shared by every command: the model PATH, --json, --as-of, and JSON output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from varuh.errors import InvalidInput

ModelPath = Annotated[
    Path | None,
    typer.Argument(
        help="Folder holding privacy.yaml (or the file itself). Default: $VARUH_MODEL, then the current folder.",
        show_default=False,
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON, for scripts.")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Answer as of this date (YYYY-MM-DD) instead of today.", show_default=False),
]


def model_dir(path: Path | None) -> Path:
    """The folder of the model: the argument, else $VARUH_MODEL, else the current folder."""
    if path is None:
        path = Path(os.environ.get("VARUH_MODEL") or ".")
    return path


def parse_date(value: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a valid date (YYYY-MM-DD)") from None


def today(as_of: str | None = None) -> dt.date:
    """The date commands answer for: --as-of, else $VARUH_TODAY, else today in Ljubljana."""
    if as_of:
        return parse_date(as_of, "--as-of")
    env = os.environ.get("VARUH_TODAY")
    if env:
        return parse_date(env, "VARUH_TODAY")
    from varuh.law.clock import ljubljana_today

    return ljubljana_today()


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    typer.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))
