"""The `varuh` command line. Each module registers its commands on `app`."""

from varuh.cli import (  # noqa: F401  (imported for their commands)
    audit,
    consent,
    deadline,
    examples,
    fulfilment,
    keys,
    ledger_cmds,
    model_cmds,
    reference,
    render,
    requests,
    requests_fulfil,
    retention,
    serve,
)
from varuh.cli.app import app, main

__all__ = ["app", "main"]
