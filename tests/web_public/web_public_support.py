"""Shared bits of the public-web tests: the model they serve and a real server on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from varuh.model.load import load_model
from varuh.model.privacy import PrivacyModel

SITE = Path(__file__).resolve().parent / "site"


def banner_model() -> PrivacyModel:
    return load_model(SITE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(model_path: Path, database_url: str) -> Iterator[str]:
    """The real app under uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    from varuh.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(model_path, database_url), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
