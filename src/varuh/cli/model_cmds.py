"""`varuh check`, `varuh schema`: the model as a DPO and an editor see it."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import ModelPath, model_dir, print_json
from varuh.errors import ModelError
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
    except ModelError as e:
        if as_json:
            print_json({"valid": False, **e.to_dict()})
        else:
            typer.echo(f"error: {e.message}", err=True)
        return 2
    findings = lint(model)
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
