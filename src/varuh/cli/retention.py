"""`varuh retention …`: plan and run the sweeps (issue: retention)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from varuh.cli.app import app
from varuh.cli.options import AsOf, JsonFlag, ModelPath, model_dir, print_json, today

retention_app = typer.Typer(help="Retention: what is due, and the sweeps that erase it.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


def _sl(d) -> str:
    from varuh.documents.wording import format_date

    return format_date(d, "sl") if d else "—"


def _ledger():
    from varuh import settings
    from varuh.ledger.db import get_engine, ledger_url
    from varuh.ledger.secret import secret_key

    url = ledger_url()  # resolved here: get_engine() caches per argument, and None is one key
    return get_engine(url), secret_key(url), int(settings.get("VARUH_BATCH_SIZE") or 5000)


@retention_app.command("plan")
def plan(path: ModelPath = None, as_of: AsOf = None, json_: JsonFlag = False) -> int:
    """Per rule and table, how many records are due on --as-of (default today), and when the next are.

    Exit code 0; 1 when a store could not be reached (it is named); 2 for a bad model or binding.
    """
    from varuh.retention.evaluate import load_inputs
    from varuh.retention.plan import plan_retention

    folder = model_dir(path)
    model, datamap = load_inputs(folder)
    engine, key, batch = _ledger()
    result = plan_retention(model, datamap, folder, today(as_of), engine, key, batch)
    if json_:
        print_json(result)
    else:
        typer.echo(f"Hramba na dan / retention as of {_sl(result.as_of)}: "
                   f"{result.total} zapisov zapadlih / records due")
        for i in result.items:
            typer.echo(f"  {i.rule:40} {i.store}.{i.table:28} zapadlo / due {i.due:>7}  "
                       f"naslednji / next {_sl(i.next_due)}" + (f"  ({i.note})" if i.note else ""))
        for u in result.not_executable:
            typer.echo(f"  {u.key:40} ni izvršljivo / not executable: {u.reason}")
        months: dict[str, list[str]] = {}
        for i in result.items:
            for c in i.calendar:
                months.setdefault(c.month, []).append(f"{c.expiring} {i.rule} ({i.store}.{i.table})")
        if months:
            typer.echo("Kmalu zapade / coming due:")
            for month in sorted(months):
                typer.echo(f"  {month}: " + "; ".join(months[month]))
    for e in result.errors:
        typer.echo(f"error: store {e.store!r}: {e.message}", err=True)
    return 1 if result.errors else 0


@retention_app.command("run")
def run(
    path: ModelPath = None,
    as_of: AsOf = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be erased; change nothing.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print a summary (quiet by default).")] = False,
    json_: JsonFlag = False,
) -> int:
    """Erase what is due: delete rows or erase fields in batches, and write the deletion log.

    Quiet unless --verbose or --json (for cron); a progress bar only on a terminal. Exit code 0
    done; 1 a store failed (named on stderr; the other stores were swept); 2 a bad model or
    binding (nothing erased), or another sweep holds the lock.
    """
    from varuh.retention.evaluate import load_inputs
    from varuh.retention.sweep import run_sweep

    folder = model_dir(path)
    model, datamap = load_inputs(folder)
    engine, key, batch = _ledger()
    with _progress(enabled=sys.stderr.isatty() and not json_) as progress:
        result = run_sweep(model, datamap, folder, today(as_of), engine, key, dry_run=dry_run, batch=batch,
                           progress=progress)
    if json_:
        print_json(result)
    elif verbose or dry_run:
        verb = "bi izbrisal / would erase" if dry_run else "izbrisano / erased"
        typer.echo(f"{result.run or 'poskus / dry run'}: {verb} {result.total_affected} zapisov / records "
                   f"({_sl(result.as_of)})")
        for i in result.items:
            typer.echo(f"  {i.rule:40} {i.store}.{i.table:28} {i.affected:>7}  {i.status}")
    for message in result.errors:
        typer.echo(f"error: {message}", err=True)
    return 1 if result.status != "done" else 0


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.tasks: dict[int, int] = {}

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:>9,.0f}"),
                            console=Console(stderr=True), transient=True)
        self.bar.__enter__()

        def update(item, n: int) -> None:
            task = self.tasks.get(id(item))
            if task is None:
                task = self.tasks[id(item)] = self.bar.add_task(f"{item.rule} {item.store}.{item.table}", total=None)
            self.bar.advance(task, n)

        return update

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
