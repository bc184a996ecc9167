"""The built-in layouts, drawn once with python-docx as templates with placeholders.

python-docx starts from its default template, which is US Letter with Calibri; every layout
here starts from :func:`new_document` instead: the page of a :class:`PageSetup` (A4 by
default), Times New Roman, the package trimmed of the parts that only describe the default
template (its thumbnail, Word 2010's copy of the styles).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from clientops._documents._page import A4, PageSetup
from clientops._typography import typeset

__all__ = [
    "A4",
    "AMOUNT",
    "CELL_PADDING_MM",
    "DATE",
    "DOCUMENT_NUMBER",
    "UNITS",
    "PageSetup",
    "column_widths",
    "completed_works_layout",
    "new_document",
    "software_transfer_layout",
    "text_width_mm",
]

#: Word 2010's second copy of the styles; later Word versions and LibreOffice ignore it.
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def new_document(page: PageSetup, title: str) -> Document:
    """An empty python-docx document on ``page``, with ``title`` in its properties."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = (
        WD_ORIENT.LANDSCAPE if page.width_mm > page.height_mm else WD_ORIENT.PORTRAIT
    )
    section.page_width = Mm(page.width_mm)
    section.page_height = Mm(page.height_mm)
    section.top_margin = Mm(page.top_mm)
    section.right_margin = Mm(page.right_mm)
    section.bottom_margin = Mm(page.bottom_mm)
    section.left_margin = Mm(page.left_mm)
    section.header_distance = Mm(min(12.5, page.top_mm))
    section.footer_distance = Mm(min(12.5, page.bottom_mm))

    normal = document.styles["Normal"]
    font = normal.font
    font.name = page.font
    font.size = Pt(page.font_size_pt)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:eastAsia", "w:cs"):
        fonts.set(qn(script), page.font)
    paragraph_format = normal.paragraph_format
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(4)
    paragraph_format.line_spacing = 1.0

    properties = document.core_properties
    properties.title = title
    properties.author = "clientops"
    properties.last_modified_by = "clientops"
    properties.comments = ""
    core = properties._element  # python-docx cannot remove a date
    for child in list(core):
        if child.tag in (qn("dcterms:created"), qn("dcterms:modified")):
            core.remove(child)

    for rels, reltype in (
        (document.part.package.rels, RT.THUMBNAIL),
        (document.part.rels, _STYLES_WITH_EFFECTS),
    ):
        for rel_id, rel in list(rels.items()):
            if rel.reltype == reltype:
                del rels[rel_id]
    return document


NBSP = "\u00a0"
#: money or a count after a placeholder (``{{ total }} руб.``): the value is a number
_AFTER_FIELD = re.compile(r"\}\} (?=(?:руб\.|₽|коп\.|шт\.|%)(?!\w))")


def _typeset_texts(document: Document) -> None:
    """The layout's own words set as printed Russian (:func:`~clientops.russian.typeset`):
    a no-break space after «№» and before a unit, the em dash; the values get theirs when a
    document is rendered."""
    parts: list[Any] = [document.part.element]
    for section in document.sections:
        for margin in (section.header, section.footer):
            if not margin.is_linked_to_previous:
                parts.append(margin.part.element)
    for root in parts:
        for t in root.iter(qn("w:t")):
            if t.text:
                t.text = _AFTER_FIELD.sub("}}" + NBSP, typeset(t.text))


def to_bytes(document: Document) -> bytes:
    _typeset_texts(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ pieces


def layout_paragraph(
    document: Document,
    *runs: tuple[str, bool],
    align: WD_ALIGN_PARAGRAPH | None = None,
    size: float | None = None,
    space_after: float | None = None,
) -> Paragraph:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if space_after is not None:
        paragraph.paragraph_format.space_after = Pt(space_after)
    for text, bold in runs:
        run = paragraph.add_run(text)
        if bold:
            run.bold = True
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def _title(document: Document, page: PageSetup, subtitle: str) -> None:
    layout_paragraph(
        document, ("АКТ № {{ number }}", True), align=WD_ALIGN_PARAGRAPH.CENTER, size=14
    )
    layout_paragraph(document, (subtitle, False), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    place = layout_paragraph(document, ("{{ city }}\t{{ date }}", False), space_after=12)
    place.paragraph_format.tab_stops.add_tab_stop(Mm(page.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)


def repeat_header(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    properties.append(header)


#: A cell's margins left and right (Word's default, 1.9 mm each) and a little to spare.
CELL_PADDING_MM = 4.2
#: The widths of characters, in em, of DejaVu Serif: the widest serif font a machine falls
#: back to when it has neither Times New Roman nor its metric-compatible Liberation Serif.
#: Text measured with them fits in Times New Roman with room to spare.
_NARROW = frozenset(" \u00a0\u2011.,:;!'|()[]/-ijlrtfI")
_WIDE = frozenset("ЖШЩЮМЫФжшщюмыфmwMW№%")
_BOLD = 1.1  # bold is this much wider
#: The widest values the built-in layouts expect in a cell: an amount in roubles, a
#: document number (an invoice's ``СО-2026-10-009``), a date, the units billing writes.
AMOUNT = "9\u00a0999\u00a0999,99"
DOCUMENT_NUMBER = "СО-2026-10-009"
DATE = "00.00.0000"
UNITS = ("мес.", "усл.", "шт.")


def text_width_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """How wide ``text`` is, on one line, in the widest fallback font (an upper bound for
    Times New Roman): what a column must leave for it."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.36
        elif char in _WIDE:
            em += 1.05
        elif char.isdigit():
            em += 0.64
        elif char.isupper():
            em += 0.82
        else:
            em += 0.66
    return em * (_BOLD if bold else 1) * size_pt * 25.4 / 72


def column_widths(
    page: PageSetup,
    shares: Sequence[float],
    needs: Sequence[float],
) -> list[float]:
    """The widths in mm of a table's columns across the text width: in proportion to
    ``shares``, except that no column is narrower than it ``needs`` (mm): a column short of
    its need gets it, taken from the others in proportion to what they have to spare. When
    the page is too narrow for every need, the needs share the width."""
    widths = [share * page.text_width_mm / sum(shares) for share in shares]
    short = sum(max(need - width, 0) for need, width in zip(needs, widths, strict=True))
    if short == 0:
        return widths
    spare = [max(width - need, 0) for need, width in zip(needs, widths, strict=True)]
    if sum(spare) < short:
        return [need * page.text_width_mm / sum(needs) for need in needs]
    taken = short / sum(spare)
    return [
        max(need, width - room * taken)
        for need, width, room in zip(needs, widths, spare, strict=True)
    ]


def layout_grid(
    document: Document,
    page: PageSetup,
    head: Sequence[str],
    row: Sequence[str],
    widths: Sequence[float],
    right: frozenset[int],
    fits: Sequence[Sequence[str]] = (),
) -> Table:
    """A bordered table: a bold header row repeated on every page, and one row of
    placeholders; ``widths`` are shares of the text width; columns in ``right`` align right.

    No column is narrower than its content: every word of its heading, and each text in
    ``fits`` (per column: the widest values its cells hold, each kept on one line), measured
    in the widest fallback font (:func:`text_width_mm`). So a document number, an amount or
    a unit is never cut in its cell, whatever font the reader has."""
    size = max(page.font_size_pt - 1, 6)
    samples = [*fits, *([()] * (len(head) - len(fits)))]
    needs = [
        CELL_PADDING_MM
        + max(
            [text_width_mm(word, size, bold=True) for word in heading.split()]
            + [text_width_mm(text, size) for text in texts],
            default=0,
        )
        for heading, texts in zip(head, samples, strict=True)
    ]
    sized = column_widths(page, widths, needs)
    table: Table = document.add_table(rows=2, cols=len(head))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for r, texts in enumerate((head, row)):
        for c, text in enumerate(texts):
            cell = table.rows[r].cells[c]
            cell.width = Mm(sized[c])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(text)
            run.font.size = Pt(size)
            if r == 0:
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif c in right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for c, width in enumerate(sized):
        table.columns[c].width = Mm(width)
    repeat_header(table)
    return table


def layout_signatures(
    document: Document, left: str, right: str, left_role: str, right_role: str
) -> None:
    """Two columns: who signs for each side, a line to sign on, the place of the seal."""
    layout_paragraph(document, ("", False))
    table = document.add_table(rows=2, cols=2)
    table.autofit = True
    for c, (label, role) in enumerate(((left, left_role), (right, right_role))):
        head = table.rows[0].cells[c].paragraphs[0]
        head.add_run(label).bold = True
        cell = table.rows[1].cells[c]
        position = cell.paragraphs[0]
        position.paragraph_format.space_before = Pt(6)
        position.add_run(f"{{{{ {role}.signer_position }}}}")
        sign = cell.add_paragraph()
        sign.paragraph_format.space_before = Pt(12)
        sign.add_run(f"{{{{ {role}.signature_line }}}}")
        cell.add_paragraph("М.П.").paragraph_format.space_before = Pt(6)


# ------------------------------------------------------------------------------ layouts

ACT_HEAD = ("№", "Наименование работ (услуг)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб.")
ACT_ROW = tuple(
    f"{{{{ items.{field} }}}}" for field in ("n", "name", "quantity", "unit", "price", "amount")
)


def completed_works_layout(page: PageSetup) -> bytes:
    """The act of completed works as a template (the reference shape: the performance anchor's
    act, on an A4 page)."""
    document = new_document(page, "Акт выполненных работ")
    _title(document, page, "сдачи-приёмки выполненных работ (оказанных услуг)")
    layout_paragraph(document, ("Исполнитель: ", True), ("{{ executor.full }}", False))
    layout_paragraph(document, ("Заказчик: ", True), ("{{ customer.full }}", False))
    layout_paragraph(document, ("Основание: ", True), ("{{ contract }}", False), space_after=8)
    layout_grid(
        document,
        page,
        ACT_HEAD,
        ACT_ROW,
        (7, 66, 15, 12, 22, 24),
        frozenset({0, 2, 4, 5}),
        fits=((), (), (), UNITS, (AMOUNT,), (AMOUNT,)),
    )
    total = layout_paragraph(document, ("Итого: {{ total }}", True), align=WD_ALIGN_PARAGRAPH.RIGHT)
    total.paragraph_format.space_before = Pt(4)
    layout_paragraph(document, ("{{ vat_line }}", False), align=WD_ALIGN_PARAGRAPH.RIGHT)
    layout_paragraph(
        document,
        ("Всего оказано услуг {{ items_count }}, на сумму {{ total }} руб.", False),
        space_after=0,
    )
    layout_paragraph(document, ("{{ amount_in_words }}", True), space_after=8)
    layout_paragraph(document, ("{{ closing }}", False), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    layout_signatures(document, "Исполнитель", "Заказчик", "executor", "customer")
    return to_bytes(document)


SOFTWARE_HEAD = (
    "№",
    "Наименование программного обеспечения",
    "Версия",
    "Лицензия (ключ)",
    "Носитель",
    "Кол-во",
)
SOFTWARE_ROW = tuple(
    f"{{{{ items.{field} }}}}"
    for field in ("n", "name", "version", "licence", "medium", "quantity")
)


def software_transfer_layout(page: PageSetup) -> bytes:
    """The software transfer act as a template."""
    document = new_document(page, "Акт приёма-передачи программного обеспечения")
    _title(document, page, "приёма-передачи программного обеспечения")
    layout_paragraph(document, ("Передающая сторона: ", True), ("{{ transferor.full }}", False))
    layout_paragraph(document, ("Принимающая сторона: ", True), ("{{ recipient.full }}", False))
    layout_paragraph(document, ("Основание: ", True), ("{{ contract }}", False), space_after=8)
    layout_paragraph(
        document,
        ("Передающая сторона передала, а Принимающая сторона приняла следующее программное "
         "обеспечение:", False),
    )  # fmt: skip
    layout_grid(
        document, page, SOFTWARE_HEAD, SOFTWARE_ROW, (7, 52, 17, 36, 28, 14), frozenset({0, 5})
    )
    count = layout_paragraph(document, ("Всего передано позиций: {{ items_count }}.", False))
    count.paragraph_format.space_before = Pt(4)
    count.paragraph_format.space_after = Pt(8)
    layout_paragraph(document, ("{{ closing }}", False), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    layout_signatures(document, "Передал", "Принял", "transferor", "recipient")
    return to_bytes(document)
