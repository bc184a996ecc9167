"""LibreOffice for the document tests: convert .docx files to PDF headless and read the text
back with poppler's pdftotext. Without LibreOffice a test is skipped, but under ``CI=true`` it
fails (``.ci/run`` installs LibreOffice, so the conversion must run there)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

NBSP = "\u00a0"


def office() -> str:
    """The ``soffice`` command; skips the test when it is missing (fails it under CI=true)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: .ci/run installs it; this test must run)")
        pytest.skip(reason)
    return found


def convert_to_pdf(documents: Mapping[str, bytes], directory: Path) -> dict[str, str | None]:
    """Write each document to ``directory/<name>.docx``, have LibreOffice convert them all in
    one run, and check each PDF has a page. Returns each PDF's text with the whitespace
    collapsed and no-break spaces as spaces, or ``None`` when pdftotext is not installed."""
    command = office()
    for name, data in documents.items():
        (directory / f"{name}.docx").write_bytes(data)
    profile = (directory / "profile").as_uri()
    done = subprocess.run(
        [
            command,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(directory),
            *(str(directory / f"{name}.docx") for name in documents),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(directory)},
    )
    assert done.returncode == 0, done.stderr
    pdftotext = shutil.which("pdftotext")
    texts: dict[str, str | None] = {}
    for name in documents:
        pdf = directory / f"{name}.pdf"
        assert pdf.is_file(), f"{name}.pdf not written: {done.stdout} {done.stderr}"
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-")
        assert b"/Type /Page" in data or b"/Type/Page" in data
        if pdftotext is None:
            texts[name] = None
            continue
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        texts[name] = " ".join(text.replace(NBSP, " ").split())
    return texts
