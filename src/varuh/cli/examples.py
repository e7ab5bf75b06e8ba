"""`varuh examples …`: the five seed organisations' synthetic databases (issue: fulfilment)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import JsonFlag, print_json, today

examples_app = typer.Typer(help="The example organisations: seed their synthetic databases.", no_args_is_help=True)
app.add_typer(examples_app, name="examples")

PROGRESS_FROM = 20_000  # subjects; smaller runs finish before a bar is worth drawing


@examples_app.command("seed")
def seed(
    org: Annotated[str, typer.Argument(help="The example: zpms, zmos, instruiraj, ecpp or 4pm.")],
    subjects: Annotated[int, typer.Option("--subjects", "-n", help="How many people to make up.")] = 1000,
    url: Annotated[str | None, typer.Option(
        "--url", help="SQLAlchemy URL to write to. Default: the example's store URL (<ORG>_DATABASE_URL, "
        "else a SQLite file in examples/<org>/data/).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Drop and re-create the example's tables if they hold data.")]
    = False,
    seed_: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same people.")] = 1,
    examples_dir: Annotated[Path | None, typer.Option(
        "--examples-dir", help="Folder holding the examples (default: the repository's examples/).",
        show_default=False)] = None,
    json_: JsonFlag = False,
) -> None:
    """Create an example organisation's database and fill it with realistic synthetic people.

    Dates span twelve years up to today ($VARUH_TODAY), so retention finds work now and later.
    """
    from varuh.connectors import seeding

    examples = seeding.examples_dir(examples_dir)
    target = url or seeding.default_url(org, examples)
    kwargs = dict(seed=seed_, force=force, today=today(None), examples=examples)
    if subjects >= PROGRESS_FROM and not json_:
        result = _with_progress(org, target, subjects, kwargs)
    else:
        result = seeding.seed_example(org, target, subjects, **kwargs)
    if json_:
        print_json(result)
        return
    rows = sum(result.rows.values())
    typer.echo(f"{org}: {result.subjects} subjects, {rows} rows in {len(result.rows)} tables, "
               f"{result.seconds:.1f} s -> {result.url}")


def _with_progress(org: str, url: str, subjects: int, kwargs: dict):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from varuh.connectors import seeding

    with Progress(TextColumn(f"seeding {org}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(org, total=subjects)
        return seeding.seed_example(org, url, subjects, on_tick=lambda n: progress.advance(task, n), **kwargs)
