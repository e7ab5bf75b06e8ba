"""What every request handler needs: the loaded model, the ledger engine, the secret key, the clock."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from sqlalchemy import Engine

from varuh.cli.options import model_dir, parse_date
from varuh.law.clock import ljubljana_today
from varuh.ledger.db import get_engine, ledger_url
from varuh.ledger.secret import secret_key
from varuh.model.load import load_model
from varuh.model.privacy import PrivacyModel


@dataclass
class ServiceState:
    model_path: Path
    model: PrivacyModel
    engine: Engine
    key: bytes

    @classmethod
    def create(cls, model_path: str | Path | None, database_url: str | None) -> ServiceState:
        folder = model_dir(Path(model_path) if model_path else None)
        url = ledger_url(database_url)
        return cls(folder, load_model(folder), get_engine(url), secret_key(url))

    def today(self) -> dt.date:
        """VARUH_TODAY moves the service's clock (for demos and tests)."""
        env = os.environ.get("VARUH_TODAY")
        return parse_date(env, "VARUH_TODAY") if env else ljubljana_today()


def get_state(request: Request) -> ServiceState:
    return request.app.state.varuh
