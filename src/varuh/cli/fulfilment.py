"""`varuh doctor` and `varuh import fides`: the data map against the live stores, and from Fides."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import JsonFlag, ModelPath, model_dir, print_json

import_app = typer.Typer(help="Bring a data map from another tool.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _folder(path: Path | None) -> Path:
    folder = model_dir(path)
    return folder.parent if folder.is_file() else folder


@app.command()
def doctor(path: ModelPath = None, json_: JsonFlag = False) -> int:
    """Check datasets.yaml against the live databases: missing tables or columns, and identity,
    reference and retention-anchor columns without an index.

    Exit code 0: all well; 1: findings; 2: the data map itself is invalid.
    """
    from varuh.connectors.doctor import diagnose
    from varuh.model.datamap import require_datamap

    folder = _folder(path)
    report = diagnose(require_datamap(folder), folder)
    if json_:
        print_json({"ok": report.ok, "stores": report.stores, "findings": report.findings})
    else:
        for s in report.stores:
            where = f" {s.url}" if s.url else ""
            state = "ok" if s.ok else "problems"
            found = f", {s.tables} table(s) found" if s.kind == "sql" else ""
            typer.echo(f"{s.id} ({s.kind}){where}: {state}{found}")
        for f in report.findings:
            typer.echo(f"  {f.problem:15} {f.store}: {f.message}\n                  fix: {f.fix}")
        typer.echo(f"{folder}: {len(report.findings)} finding(s)")
    return 0 if report.ok else 1


@import_app.command("fides")
def import_fides(
    file: Annotated[Path, typer.Argument(help="A Fides dataset YAML (dataset: [{fides_key, collections}]).")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write datasets.yaml here; default: stdout.",
                                                show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
) -> None:
    """Turn a Fides dataset into a datasets.yaml: collections become tables, data categories become
    field categories, identities, primary keys and references come along."""
    from varuh.errors import Conflict
    from varuh.model.fides import import_fides as convert

    result = convert(file)
    text = result.yaml()
    if output is None:
        typer.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise Conflict(f"{output} exists; --force overwrites it")
    output.write_text(text, encoding="utf-8")
    tables = sum(len(s.get("tables", [])) for s in result.datamap["stores"])
    typer.echo(f"wrote {output}: {len(result.datamap['stores'])} store(s), {tables} table(s), "
               f"{len(result.categories)} Fides categories mapped", err=True)
