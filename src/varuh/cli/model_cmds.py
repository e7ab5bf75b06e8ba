"""`varuh check`, `varuh schema`: the model as a DPO and an editor see it."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import ModelPath, model_dir, print_json
from varuh.errors import InvalidInput, ModelError
from varuh.model.datamap import check_datamap, load_datamap_doc
from varuh.model.lint import lint
from varuh.model.load import load_model


class CheckFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def check(
    path: ModelPath = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="text for people, json for scripts.")]
    = CheckFormat.text,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> int:
    """Validate privacy.yaml (and datasets.yaml), then lint it against the GDPR.

    Exit code 0: no errors (warnings allowed); 1: lint errors; 2: the file is invalid.
    """
    as_json = json_ or format == CheckFormat.json
    folder = model_dir(path)
    try:
        model = load_model(folder)
        datamap = load_datamap_doc(folder)  # datasets.yaml beside privacy.yaml, when there is one
    except ModelError as e:
        if as_json:
            print_json({"valid": False, **e.to_dict()})
        else:
            typer.echo(f"error: {e.message}", err=True)
        return 2
    findings = lint(model)
    if datamap is not None:
        findings = sorted(findings + check_datamap(model, *datamap),
                          key=lambda f: (f.severity != "error", f.rule, f.where))
    errors = sum(f.severity == "error" for f in findings)
    if as_json:
        print_json({"valid": True, "errors": errors, "warnings": len(findings) - errors, "findings": findings})
    else:
        for f in findings:
            typer.echo(f"{f.severity:7} {f.rule} {f.where}: {f.message} [{f.article}]\n        fix: {f.fix}")
        typer.echo(f"{folder}: {errors} error(s), {len(findings) - errors} warning(s)")
    return 1 if errors else 0


@app.command()
def schema() -> None:
    """Print the JSON Schema of privacy.yaml, for editors that autocomplete YAML."""
    from varuh.model.privacy import PrivacyModel

    typer.echo(json.dumps(PrivacyModel.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder to create privacy.yaml in.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing privacy.yaml.")] = False,
) -> None:
    """Write a commented starter privacy.yaml for a new organisation."""
    target = path / "privacy.yaml"
    if target.exists() and not force:
        raise InvalidInput(f"{target} exists; use --force to overwrite it")
    path.mkdir(parents=True, exist_ok=True)
    target.write_text((Path(__file__).parents[1] / "model" / "starter.yaml").read_text(encoding="utf-8"),
                      encoding="utf-8")
    typer.echo(f"wrote {target}: edit it, then run `varuh check {path}`")
