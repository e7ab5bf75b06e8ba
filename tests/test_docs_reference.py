"""The reference docs are generated from the code and must match it: a stale page fails here."""

import pytest

from varuh.cli.reference import PAGES


@pytest.mark.parametrize("name", sorted(PAGES))
def test_reference_page_is_current(name):
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / name
    assert page.exists(), f"docs/{name} is missing: run `make docs`"
    assert page.read_text(encoding="utf-8") == PAGES[name](), f"docs/{name} is stale: run `make docs`"


def test_readme_names_the_two_commands():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
