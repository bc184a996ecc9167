"""Every built-in document keeps its numbers, dates and units whole on paper, with the fonts
its layout names and with the wider fallback font of a fresh machine.

The layouts name Times New Roman. ``.ci/run`` installs Liberation Serif, which has its
metrics; a machine without it gets DejaVu Serif instead, which is wider. Each document type is
converted by LibreOffice twice: with the fonts installed here, and with a fontconfig file
(``FONTCONFIG_FILE``) that shows LibreOffice nothing but ``fonts-dejavu-core``. pdftotext
``-layout`` then gives the PDF line by line, and every token of the document that must not be
broken has to stand whole on a line as often as the document holds it:

* every word holding a digit: a document number (``СО-2026-10-009``), a date
  (``12.06.2025``), an amount (``24 000,51``, grouped by no-break spaces), a quantity, a
  phone number;
* every word in a table cell: the columns are sized for their content, so no heading
  (``Кол-во``, ``Дней просрочки``) or value (``мес.``, a name) is cut in its cell.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from tests import test_billing_documents as billing
from tests import test_documents as general
from tests import test_order_documents as orders
from tests import test_service_documents as service
from tests import test_supply as supply
from tests._office import fallback_fonts, pdf_fonts, pdf_lines, to_pdf

from clientops.documents import DOCUMENT_TYPES, InvoiceRef, render_document

SAMPLES: dict[str, Callable[[], object]] = {
    **general.SAMPLES,
    **billing.SAMPLES,
    **service.SAMPLES,
    **orders.SAMPLES,
    **supply.SAMPLES,
}
_WORD = re.compile(r"[^ \t\n]+")  # a no-break space joins, it does not separate


def documents() -> dict[str, bytes]:
    """Each document type rendered from its sample, and a duplicate invoice (its mark and
    the corrected invoice's line)."""
    rendered = {kind: render_document(make()) for kind, make in SAMPLES.items()}
    duplicate = billing.an_invoice(
        duplicate=True, replaces=InvoiceRef("СО-2026-10-009", date(2026, 10, 15))
    )
    rendered["payment_invoice_duplicate"] = render_document(duplicate)
    return rendered


def _paragraphs(data: bytes) -> Iterator[tuple[str, bool]]:
    """Each paragraph's text (a non-breaking hyphen read as ``-``) and whether it is in a
    table cell; merged cells once."""
    body = docx.Document(io.BytesIO(data)).element.body
    for element in body.iter(qn("w:p")):
        in_cell = any(parent.tag == qn("w:tc") for parent in element.iterancestors())
        yield Paragraph(element, None).text, in_cell


def unbreakable(data: bytes) -> Counter[str]:
    """The tokens of a .docx that must stand whole on one line, each as often as it occurs,
    no-break spaces as spaces."""
    found: Counter[str] = Counter()
    for text, in_cell in _paragraphs(data):
        for word in _WORD.findall(text):
            if in_cell or any(c.isdigit() for c in word):
                found[word] += 1
    return Counter({token.replace("\xa0", " "): n for token, n in found.items()})


def broken(tokens: Counter[str], lines: list[str]) -> dict[str, int]:
    """The tokens that stand whole on fewer lines than the document holds them: cut by a
    line break (for each, how many times it is missing)."""
    missing = {}
    for token, wanted in tokens.items():
        whole = re.compile(rf"(?<!\S){re.escape(token)}(?!\S)")
        seen = sum(len(whole.findall(line)) for line in lines)
        if seen < wanted:
            missing[token] = wanted - seen
    return missing


def test_the_samples_cover_every_document_type() -> None:
    assert set(SAMPLES) == {kind.kind for kind in DOCUMENT_TYPES}


def test_the_token_check_sees_a_document_number_cut_at_a_line_end() -> None:
    tokens = Counter({"СО-2026-10-009": 2, "24 000,51": 1, "мес.": 1, "Кол-во": 1})
    whole = ["1 ООО «Ромашка» СО-2026-10-009 24 000,51", "Кол-во мес.", "№ СО-2026-10-009"]
    assert broken(tokens, whole) == {}
    cut = ["1 ООО «Ромашка» СО-2026-10- 24 000,51", "009 мес", ". Кол-", "во № СО-2026-10-009"]
    assert broken(tokens, cut) == {"СО-2026-10-009": 1, "мес.": 1, "Кол-во": 1}


@pytest.mark.parametrize("fonts", ["installed", "fallback"])
def test_numbers_dates_and_units_stay_whole_on_a_line(fonts: str, tmp_path: Path) -> None:
    rendered = documents()
    config = fallback_fonts(tmp_path / "fontconfig") if fonts == "fallback" else None
    pdfs = to_pdf(rendered, tmp_path, fontconfig=config)
    problems = {}
    for name, pdf in pdfs.items():
        used = pdf_fonts(pdf)
        if fonts == "fallback":  # the fontconfig file hid everything but fonts-dejavu-core
            assert used <= {"DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSans", "DejaVuSans-Bold"}, (
                name,
                used,
            )
        elif os.environ.get("CI") == "true":  # .ci/run installs the metric-compatible fonts
            assert used <= {"LiberationSerif", "LiberationSerif-Bold"}, (name, used)
        tokens = unbreakable(rendered[name])
        assert tokens, name
        cut = broken(tokens, pdf_lines(pdf))
        if cut:
            problems[name] = cut
    assert not problems, problems
