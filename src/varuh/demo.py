"""`make demo`: the ecpp example end to end on the embedded SQLite default.

Checks the model, renders its notice and record into out/, seeds the example database and a
ledger with requests in several states, then starts the service on 127.0.0.1 and prints the URLs.
Each step says what it did; a step whose part of Varuh is missing is skipped with a note.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
ORG = "ecpp"


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def varuh(*args: str) -> int:
    """Run a varuh command in-process, as a user would type it; returns its exit code."""
    from varuh.cli import main

    print("$ varuh " + " ".join(args), flush=True)
    try:
        main(list(args))
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def free_port(preferred: int = 8000) -> int:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    os.chdir(ROOT)
    OUT.mkdir(exist_ok=True)
    model = f"examples/{ORG}"
    os.environ.setdefault("VARUH_DATABASE_URL", f"sqlite:///{OUT / 'ledger.db'}")
    os.environ.setdefault("VARUH_OUTBOX", str(OUT / "outbox"))

    step(f"1. Check the {ORG} model (exit 1 means findings for the DPO, not a failure)")
    if varuh("check", model) == 2:
        sys.exit("the example model is invalid")

    step("2. Render the notice (sl, en; HTML, Markdown, PDF) and the Art. 30 record (CSV, XLSX, HTML)")
    written = []
    for lang in ("sl", "en"):
        for fmt in ("html", "md", "pdf"):
            target = OUT / f"notice.{lang}.{fmt}"
            if varuh("render", "notice", model, "--lang", lang, "--format", fmt, "-o", str(target)) == 0:
                written.append(target)
    for fmt in ("csv", "xlsx", "html"):
        target = OUT / f"record.{fmt}"
        if varuh("render", "record", model, "--format", fmt, "-o", str(target)) == 0:
            written.append(target)

    step("3. The ledger, the example database and requests in several states")
    varuh("db", "upgrade")
    for org, env in (("ecpp", "ECPP"), ("zpms", "ZPMS"), ("zmos", "ZMOS"), ("instruiraj", "INSTRUIRAJ"),
                     ("4pm", "FOURPM")):
        url = os.environ.setdefault(f"{env}_DATABASE_URL", f"sqlite:///{OUT / (org + '.db')}")
        varuh("examples", "seed", org, "--subjects", "300", "--url", url, "--force")
    from varuh.law.clock import ljubljana_today
    from varuh.ledger.db import get_engine
    from varuh.model.load import load_model
    from varuh.requests.demo import seed_demo_requests

    seed_demo_requests(get_engine(), load_model(model), ljubljana_today())
    varuh("requests", "list", model)
    varuh("retention", "plan", model)
    target = OUT / "retention.sl.html"
    if varuh("render", "retention", model, "--lang", "sl", "--format", "html", "-o", str(target)) == 0:
        written.append(target)

    print("\nDocuments written:")
    for path in written:
        print(f"  {path.relative_to(ROOT)}")

    if os.environ.get("VARUH_DEMO_NO_SERVE"):
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    step("4. The service (Ctrl-C stops it)")
    print(f"  demo page with the cookie banner: {base}/demo")
    print(f"  preference centre:                {base}/preferences")
    print(f"  request form (sl / en):           {base}/zahteva  ·  {base}/request")
    print(f"  API documentation (OpenAPI):      {base}/docs")
    print(f"  privacy notice:                   {base}/notice", flush=True)
    varuh("serve", model, "--host", "127.0.0.1", "--port", str(port))


if __name__ == "__main__":
    main()
