"""LibreOffice for the document tests: convert .docx files to PDF headless and read the text
back with poppler's pdftotext. Without LibreOffice a test is skipped, but under ``CI=true`` it
fails (``.ci/run`` installs LibreOffice, so the conversion must run there).

:func:`fallback_fonts` writes a fontconfig configuration that shows LibreOffice only the
fonts ``fonts-dejavu-core`` installs (what a fresh Debian 12 has after ``.ci/run`` without its
metric-compatible fonts): every layout must survive that wider fallback font too."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

NBSP = "\u00a0"
#: The font files of Debian 12's ``fonts-dejavu-core``, the fallback font of a fresh machine.
DEJAVU_CORE = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
)
_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <!-- the system's rules (aliases, substitutions), but only the fonts in this one folder -->
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def _missing(what: str) -> None:
    """Skip the test for lack of ``what``, or fail it under CI=true (.ci/run installs it)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI=true: .ci/run installs it; this test must run)")
    pytest.skip(what)


def office() -> str:
    """The ``soffice`` command; skips the test when it is missing (fails it under CI=true)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        _missing("LibreOffice (soffice) is not installed")
        raise AssertionError("unreachable")
    return found


def tool(name: str) -> str:
    """A poppler command (``pdftotext``, ``pdffonts``); skips or fails like :func:`office`."""
    found = shutil.which(name)
    if found is None:
        _missing(f"{name} (poppler-utils) is not installed")
        raise AssertionError("unreachable")
    return found


def fallback_fonts(directory: Path) -> Path:
    """A fontconfig file (for ``FONTCONFIG_FILE``) that keeps the system's rules but hides
    every font except those of ``fonts-dejavu-core``: links to them in ``directory/fonts``.
    Times New Roman, Arial and their metric-compatible Liberation fonts are then absent, and
    fontconfig falls back to DejaVu, as on a fresh machine."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        _missing("fontconfig (fc-match) is not installed")
        raise AssertionError("unreachable")
    serif = subprocess.run(
        [fc_match, "-f", "%{file}", "DejaVu Serif"], capture_output=True, text=True, check=True
    ).stdout
    home = Path(serif).parent
    fonts = directory / "fonts"
    fonts.mkdir(parents=True)
    for name in DEJAVU_CORE:
        if not (home / name).is_file():
            _missing(f"fonts-dejavu-core is not installed ({home / name} is missing)")
        (fonts / name).symlink_to(home / name)
    config = directory / "fonts.conf"
    config.write_text(
        _FONTCONFIG.format(fonts=fonts, cache=directory / "fontconfig-cache"), encoding="utf-8"
    )
    return config


def to_pdf(
    documents: Mapping[str, bytes], directory: Path, *, fontconfig: Path | None = None
) -> dict[str, Path]:
    """Write each document to ``directory/<name>.docx`` and have LibreOffice convert them all
    in one run (with ``FONTCONFIG_FILE=fontconfig`` when given); checks each PDF has a page."""
    command = office()
    for name, data in documents.items():
        (directory / f"{name}.docx").write_bytes(data)
    profile = (directory / "profile").as_uri()
    env = {**os.environ, "HOME": str(directory)}
    if fontconfig is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig)
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
        env=env,
    )
    assert done.returncode == 0, done.stderr
    pdfs: dict[str, Path] = {}
    for name in documents:
        pdf = directory / f"{name}.pdf"
        assert pdf.is_file(), f"{name}.pdf not written: {done.stdout} {done.stderr}"
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-")
        assert b"/Type /Page" in data or b"/Type/Page" in data
        pdfs[name] = pdf
    return pdfs


def pdf_lines(pdf: Path) -> list[str]:
    """The PDF's text as ``pdftotext -layout`` lays it out, line by line, no-break spaces as
    spaces and each run of whitespace as one space. Cells side by side share a line; a word
    wrapped in its cell ends one line and goes on in another (``-layout`` joins nothing)."""
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [" ".join(line.replace(NBSP, " ").split()) for line in text.splitlines()]


def pdf_fonts(pdf: Path) -> set[str]:
    """The names of the fonts embedded in the PDF, without the subset tag (``DejaVuSerif``)."""
    listing = subprocess.run(
        [tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    names = (line.split()[0] for line in listing.splitlines()[2:] if line.strip())
    return {name.split("+", 1)[-1] for name in names}


def convert_to_pdf(documents: Mapping[str, bytes], directory: Path) -> dict[str, str | None]:
    """Convert the documents (:func:`to_pdf`) and return each PDF's text with the whitespace
    collapsed and no-break spaces as spaces, or ``None`` when pdftotext is not installed."""
    pdfs = to_pdf(documents, directory)
    if shutil.which("pdftotext") is None:
        return dict.fromkeys(documents)
    return {name: " ".join(" ".join(pdf_lines(pdf)).split()) for name, pdf in pdfs.items()}
