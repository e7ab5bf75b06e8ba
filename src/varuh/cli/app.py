"""The `varuh` command: one Typer app; each command group lives in its own module of this package.

Errors from engines are mapped to messages and exit codes here and nowhere else:
0 done, 1 findings or a failed check, 2 bad input.
"""

from __future__ import annotations

import sys

import click
import typer

from varuh.errors import VaruhError

app = typer.Typer(
    name="varuh",
    help=(
        "Varuh makes a privacy policy executable: declare processing in privacy.yaml and where the "
        "data lives in datasets.yaml; Varuh checks the declaration, renders the notice and the "
        "Art. 30 record, records consents, runs data-subject requests, sweeps expired data and "
        "keeps an audit trail.\n\nPATH, where a command takes one, is the folder holding "
        "privacy.yaml (default: $VARUH_MODEL, then the current folder)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def fail(message: str, code: int = 2) -> None:
    """Print one clear message to stderr and exit."""
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `varuh` script."""
    try:
        result = app(args=argv, standalone_mode=False)
    except VaruhError as e:
        typer.echo(f"error: {e.message}", err=True)
        sys.exit(2)
    except click.exceptions.UsageError as e:
        e.show()
        sys.exit(2)
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except typer.TyperException as e:
        # typer >= 0.24 vendors click: a bad option value raises typer's own UsageError (exit 2).
        if hasattr(e, "show"):
            e.show()
        else:
            typer.echo(f"error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
