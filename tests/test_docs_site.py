"""The documentation site builds: ``mkdocs build --strict`` over mkdocs.yml (a broken link, a
missing anchor or a docstring reference that resolves nowhere fails it), and its API reference,
generated from the docstrings, really lists the names of each home."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if (
        importlib.util.find_spec("mkdocs") is None
        or importlib.util.find_spec("mkdocstrings") is None
    ):
        reason = "mkdocs and mkdocstrings are not installed (the dev extra installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the documentation site must build)", pytrace=False)
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("site")
    config = str(ROOT / "mkdocs.yml")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def _anchors(site: Path, page: str, module: str) -> set[str]:
    text = (site / "reference" / page / "index.html").read_text(encoding="utf-8")
    return set(re.findall(rf'id="{re.escape(module)}\.(\w+)"', text))


def test_the_billing_reference_lists_the_billing_names(site: Path) -> None:
    names = _anchors(site, "billing", "clientops.billing")
    assert {"BillingService", "Invoice"} <= names
    page = (site / "reference" / "billing" / "index.html").read_text(encoding="utf-8")
    assert "BillingService" in page
    assert "Invoice" in page


def test_every_home_is_generated_with_exactly_its_all(site: Path) -> None:
    pages = sorted((ROOT / "docs" / "reference").glob("*.md"))
    assert pages
    for page in pages:
        found = re.search(r"^::: (\S+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
        assert found, page.name
        module = found.group(1)
        exported = set(importlib.import_module(module).__all__)
        assert _anchors(site, page.stem, module) == exported, module


def test_docstrings_render_doctests_as_code_and_roles_as_names(site: Path) -> None:
    clients = (site / "reference" / "clients" / "index.html").read_text(encoding="utf-8")
    assert '<span class="gp">&gt;&gt;&gt; </span>' in clients  # a highlighted prompt
    for page in (site / "reference").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        assert "<blockquote>" not in text, page.parent.name
        assert not re.search(r":(class|func|mod|meth|attr|data|exc):", text), page.parent.name
