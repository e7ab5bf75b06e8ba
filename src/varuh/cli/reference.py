"""Reference docs generated from the code: every command's help, every setting, every lint rule.

`varuh reference --write docs` regenerates docs/cli.md, docs/settings.md and docs/lint-rules.md;
a test fails when the files on disk differ, so the docs cannot go stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from varuh.cli.app import app


def _walk(cmd: click.Command, path: list[str]):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            sub = cmd.commands[name]
            if not getattr(sub, "hidden", False):
                yield from _walk(sub, [*path, name])


def cli_markdown() -> str:
    root = typer.main.get_command(app)
    out = ["# Command reference", "", "Generated from the code by `varuh reference --write docs`; do not edit.", ""]
    for path, cmd in _walk(root, ["varuh"]):
        ctx = click.Context(cmd, info_name=" ".join(path), terminal_width=100, max_content_width=100)
        out += [f"## `{' '.join(path)}`", "", "```text", cmd.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(out)


def settings_markdown() -> str:
    from varuh.settings import SETTINGS

    out = ["# Settings", "", "Environment variables read by Varuh. Generated from `varuh/settings.py`; do not edit.",
           "", "| name | default | what it does |", "| --- | --- | --- |"]
    out += [f"| `{s.name}` | {'`' + s.default + '`' if s.default else '—'} | {s.help} |" for s in SETTINGS]
    return "\n".join(out) + "\n"


def lint_markdown() -> str:
    from varuh.model import lint_rules  # noqa: F401  (registers the rules)
    from varuh.model.datamap import DATAMAP_RULES
    from varuh.model.lint import RULES

    out = ["# Lint rules of `varuh check`", "",
           "Generated from `varuh/model/lint_rules.py` (V1xx, privacy.yaml) and `varuh/model/datamap.py` (V2xx, "
           "datasets.yaml); do not edit. Errors make `varuh check` exit 1.", "",
           "| id | severity | article | finding |", "| --- | --- | --- | --- |"]
    rules = sorted([*RULES, *DATAMAP_RULES], key=lambda r: r.id)
    out += [f"| {r.id} | {r.severity} | {r.article} | {r.title} |" for r in rules]
    return "\n".join(out) + "\n"


def http_markdown() -> str:
    """Every route of the OpenAPI document (the service serves the same at /docs and /openapi.json)."""
    from varuh.web.app import create_app

    examples = Path(__file__).resolve().parents[3] / "examples" / "ecpp"
    spec = create_app(examples, "sqlite://").openapi()
    out = ["# HTTP API", "", "The service (`varuh serve`) documents itself at `/docs` (OpenAPI, interactive) and "
           "`/openapi.json`. This list is generated from the same document by `varuh reference --write docs`; "
           "do not edit.", "", "Errors have one JSON body: `{\"error\": \"…\", \"message\": \"…\"}` with a 4xx "
           "status (422 bad input, 401/403 key, 404, 409 state, 429 rate limit).", "",
           "| method | path | what it does |", "| --- | --- | --- |"]
    for path in sorted(spec["paths"]):
        for method, op in sorted(spec["paths"][path].items()):
            summary = (op.get("summary") or "").replace("|", "\\|")
            out.append(f"| {method.upper()} | `{path}` | {summary} |")
    return "\n".join(out) + "\n"


PAGES = {"cli.md": cli_markdown, "settings.md": settings_markdown, "lint-rules.md": lint_markdown,
         "http-api.md": http_markdown}


@app.command(hidden=True)
def reference(
    write: Annotated[Path | None, typer.Option("--write", help="Write the pages into this folder.")] = None,
) -> None:
    """Generate the reference pages (for maintainers)."""
    for name, make in PAGES.items():
        text = make()
        if write:
            (write / name).write_text(text, encoding="utf-8")
            typer.echo(f"wrote {write / name}")
        else:
            typer.echo(text)
