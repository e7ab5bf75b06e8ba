"""The fixture model and golden-file comparison shared by the document tests.

Golden files in tests/documents/golden/ are the fixture model's documents, reviewed as diffs.
Regenerate them with VARUH_UPDATE_GOLDEN=1 after a deliberate change to wording or templates.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture"
GOLDEN = HERE / "golden"


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("VARUH_UPDATE_GOLDEN"):
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"missing golden file {path}; run with VARUH_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), f"{name} differs from its golden file"
