"""`model` and `law` are pure: they import nothing from the ledger, engines or surfaces."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "varuh"
FORBIDDEN = ("varuh.ledger", "varuh.web", "varuh.cli", "varuh.consent", "varuh.requests", "varuh.connectors",
             "varuh.retention", "varuh.documents", "varuh.jobs")


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_model_and_law_are_pure():
    bad = []
    for package in ("model", "law"):
        for path in (SRC / package).rglob("*.py"):
            bad += [f"{path.relative_to(SRC)} imports {name}" for name in imports(path)
                    if name.startswith(FORBIDDEN)]
    assert bad == []


def test_engines_do_not_import_surfaces():
    bad = []
    for package in ("consent", "requests", "connectors", "retention", "documents", "ledger"):
        for path in (SRC / package).rglob("*.py"):
            bad += [f"{path.relative_to(SRC)} imports {name}" for name in imports(path)
                    if name.startswith(("varuh.web", "varuh.cli"))]
    assert bad == []
