"""The built-in layouts of the order documents: the order request with its specification and
the prepayment invoice, drawn like the acts (:mod:`._layouts`) on the page of a
:class:`~clientops._documents._layouts.PageSetup`.

The invoice follows the customary Russian form: the payee's bank details in a framed block at
the top, the title with a rule under it, the supplier and the buyer, a numbered table of
lines, the totals at the right, «Всего наименований N, на сумму …», the amount in words and the
signatures of the head and the accountant. :func:`invoice_layout` draws it for every kind of
invoice, each giving only the lines (:class:`Line`) that differ: the prepayment invoice here,
the month's invoice (счёт на оплату) in :mod:`._billing_layouts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from clientops._documents._layouts import (
    AMOUNT,
    UNITS,
    PageSetup,
    layout_grid,
    layout_paragraph,
    new_document,
    to_bytes,
)
from clientops._documents._orders import OTHER_LABEL, SPECIFICATION_LABELS

__all__ = [
    "BANK_LABELS",
    "INVOICE_HEAD",
    "IN_WORDS",
    "SPECIFICATION_HEAD",
    "TOTAL",
    "VAT",
    "Line",
    "invoice_layout",
    "invoice_title",
    "order_request_layout",
    "prepayment_invoice_layout",
    "summary",
    "to_pay",
]


def _cell_text(cell: _Cell, *lines: tuple[str, bool, float | None]) -> None:
    """Fill a cell with one paragraph per line: (text, bold, font size or ``None``)."""
    for i, (text, bold, size) in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold = bold or None
        if size is not None:
            run.font.size = Pt(size)


def _border(paragraph: Paragraph, sides: Sequence[str]) -> None:
    """A thick line on ``sides`` of the paragraph (``bottom``: the rule under the title of an
    invoice; all four: a frame)."""
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:  # the schema's order: top, left, bottom, right
        line = OxmlElement(f"w:{side}")
        for name, value in (
            ("w:val", "single"),
            ("w:sz", "12"),
            ("w:space", "1"),
            ("w:color", "auto"),
        ):
            line.set(qn(name), value)
        borders.append(line)
    properties.append(borders)


def sign_line(document: Document, page: PageSetup, label: str, placeholder: str) -> Paragraph:
    paragraph = layout_paragraph(document, (f"{label}\t{placeholder}", False), space_after=0)
    paragraph.paragraph_format.space_before = Pt(18)
    paragraph.paragraph_format.tab_stops.add_tab_stop(
        Mm(page.text_width_mm), WD_TAB_ALIGNMENT.RIGHT
    )
    return paragraph


# ------------------------------------------------------------------------------ the request

SPECIFICATION_HEAD = ("№ п/п", "Параметр", "Значение")
_SPECIFICATION_ROW = (
    "{{ specification.n }}",
    "{{ specification.parameter }}",
    "{{ specification.value }}",
)


def order_request_layout(page: PageSetup) -> bytes:
    """The order request as a template: the heading and its status, the client and the
    manager, the specification table (one row per parameter), the price, the notes, and the
    signatures of the client and the manager."""
    document = new_document(page, "Заявка на заказ")
    layout_paragraph(
        document,
        ("ЗАЯВКА НА ЗАКАЗ № {{ number }} от {{ date }}", True),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=14,
    )
    layout_paragraph(
        document, ("({{ status }})", False), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12
    )
    layout_paragraph(document, ("Заказчик: ", True), ("{{ client_name }}", False))
    layout_paragraph(document, ("Менеджер: ", True), ("{{ manager }}", False), space_after=10)
    layout_paragraph(document, ("СПЕЦИФИКАЦИЯ", True), align=WD_ALIGN_PARAGRAPH.CENTER)
    # a label's name on one line; its note in brackets may go on to the next
    names = tuple(label.split(" (")[0] for _, label in (*SPECIFICATION_LABELS, ("", OTHER_LABEL)))
    table = layout_grid(
        document,
        page,
        SPECIFICATION_HEAD,
        _SPECIFICATION_ROW,
        (12, 63, 90),
        frozenset(),
        fits=((), names, ()),
    )
    table.rows[1].cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    price = layout_paragraph(
        document, ("{{ price_line }}", False), align=WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    price.paragraph_format.space_before = Pt(8)
    layout_paragraph(document, ("Примечания:", True), space_after=0)
    layout_paragraph(document, ("{{ notes }}", False))

    layout_paragraph(document, ("", False))
    signatures = document.add_table(rows=2, cols=2)
    signatures.alignment = WD_TABLE_ALIGNMENT.CENTER
    for c, label in enumerate(("Заказчик", "Исполнитель")):
        signatures.rows[0].cells[c].paragraphs[0].add_run(label).bold = True
    client = signatures.rows[1].cells[0]
    client.paragraphs[0].add_run("{{ client_name }}")
    sign = client.add_paragraph()
    sign.paragraph_format.space_before = Pt(12)
    sign.add_run("{{ client_signature }}")
    client.add_paragraph("М.П.").paragraph_format.space_before = Pt(6)
    manager = signatures.rows[1].cells[1]
    manager.paragraphs[0].add_run("Менеджер")
    sign = manager.add_paragraph()
    sign.paragraph_format.space_before = Pt(12)
    sign.add_run("{{ manager_signature }}")
    return to_bytes(document)


# ------------------------------------------------------------------------------ the invoice

#: The small labels of the bank details block, under the values they name.
BANK_LABELS = ("Банк получателя", "Получатель")
INVOICE_HEAD = ("№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб.")
_INVOICE_ROW = tuple(
    f"{{{{ lines.{field} }}}}" for field in ("n", "name", "quantity", "unit", "price", "amount")
)


def _bank_block(document: Document, page: PageSetup) -> Table:
    """The payee's bank details as invoices print them, in four columns: the bank with
    «Банк получателя» (two rows high) beside «БИК» and the correspondent account; then ИНН and
    КПП, and the payee with «Получатель» under them, beside the settlement account."""
    table: Table = document.add_table(rows=4, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (43, 43, 17, 62)
    scale = page.text_width_mm / sum(widths)
    for row in table.rows:
        for c, cell in enumerate(row.cells):
            cell.width = Mm(widths[c] * scale)
    for c, width in enumerate(widths):
        table.columns[c].width = Mm(width * scale)
    small = max(page.font_size_pt - 2, 6)
    _cell_text(
        table.cell(0, 0).merge(table.cell(1, 1)),
        ("{{ bank.name }}", False, None),
        (BANK_LABELS[0], False, small),
    )
    _cell_text(table.cell(0, 2), ("БИК", False, None))
    _cell_text(table.cell(0, 3), ("{{ bank.bik }}", False, None))
    _cell_text(table.cell(1, 2), ("Сч. №", False, None))
    _cell_text(table.cell(1, 3), ("{{ bank.correspondent_account }}", False, None))
    _cell_text(table.cell(2, 0), ("ИНН {{ supplier.inn }}", False, None))
    _cell_text(table.cell(2, 1), ("КПП {{ supplier.kpp }}", False, None))
    _cell_text(table.cell(2, 2).merge(table.cell(3, 2)), ("Сч. №", False, None))
    _cell_text(table.cell(2, 3).merge(table.cell(3, 3)), ("{{ bank.account }}", False, None))
    _cell_text(
        table.cell(3, 0).merge(table.cell(3, 1)),
        ("{{ supplier.name }}", False, None),
        (BANK_LABELS[1], False, small),
    )
    return table


@attrs.frozen
class Line:
    """One paragraph of an invoice's layout, in one run: its text with placeholders, bold or
    not, its alignment and type size (``None``: the paragraph's), the space before and after
    it in points (``None``: the style's), a thick rule under it, a frame around it."""

    text: str
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None
    size: float | None = None
    before: float | None = None
    after: float | None = None
    rule: bool = False
    frame: bool = False

    def put(self, document: Document) -> Paragraph:
        """Add the paragraph at the end of ``document``."""
        paragraph = layout_paragraph(
            document,
            (self.text, self.bold),
            align=self.align,
            size=self.size,
            space_after=self.after,
        )
        if self.before is not None:
            paragraph.paragraph_format.space_before = Pt(self.before)
        if self.rule or self.frame:
            _border(paragraph, ("top", "left", "bottom", "right") if self.frame else ("bottom",))
        return paragraph


def invoice_title(text: str) -> Line:
    """The title of an invoice: large, bold, a rule under it."""
    return Line(text, bold=True, size=14, before=14, after=10, rule=True)


#: The lines under an invoice's table: its total, its VAT, and how many lines for how much.
TOTAL = Line("Итого: {{ total }}", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, before=4)
VAT = Line("{{ vat_line }}", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
IN_WORDS = Line("{{ amount_in_words }}", bold=True, after=8)


def to_pay(text: str) -> Line:
    """The last of the totals at the right: what to pay."""
    return Line(text, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, after=8)


def summary(amount: str) -> Line:
    """«Всего наименований N, на сумму …» for the placeholder ``amount``."""
    return Line(
        f"Всего наименований {{{{ lines_count }}}}, на сумму {{{{ {amount} }}}} руб.", after=0
    )


def invoice_layout(
    page: PageSetup,
    title: str,
    *,
    top: Sequence[Line] = (),
    heading: Sequence[Line],
    totals: Sequence[Line],
    closing: Sequence[Line],
    accountant: str,
) -> bytes:
    """An invoice in the customary Russian form, the parts that differ between kinds given:
    the ``top`` lines above the bank details block, the ``heading`` under it (the title
    first), the ``totals`` under the table of lines and the ``closing`` lines under them; the
    parties and the basis, the table, and the signatures of the head and the ``accountant``
    (its label) are the same for every kind."""
    document = new_document(page, title)
    for line in top:
        line.put(document)
    _bank_block(document, page)
    for line in heading:
        line.put(document)
    layout_paragraph(document, ("Поставщик (Исполнитель): ", False), ("{{ supplier.full }}", True))
    layout_paragraph(document, ("Покупатель (Заказчик): ", False), ("{{ buyer.full }}", True))
    layout_paragraph(document, ("Основание: ", False), ("{{ basis }}", True), space_after=8)
    widths = (8, 62, 17, 11, 31, 36)
    fits = ((), (), (), UNITS, (AMOUNT,), (AMOUNT,))
    layout_grid(document, page, INVOICE_HEAD, _INVOICE_ROW, widths, frozenset({0, 2, 4, 5}), fits)
    for line in (*totals, *closing):
        line.put(document)
    sign_line(document, page, "Руководитель", "{{ head_signature }}")
    sign_line(document, page, accountant, "{{ accountant_signature }}")
    layout_paragraph(document, ("М.П.", False)).paragraph_format.space_before = Pt(8)
    return to_bytes(document)


def prepayment_invoice_layout(page: PageSetup) -> bytes:
    """The prepayment invoice as a template, in the customary form of a Russian invoice."""
    return invoice_layout(
        page,
        "Счёт на предоплату",
        heading=(invoice_title("Счёт на предоплату № {{ number }} от {{ date }}"),),
        totals=(
            TOTAL,
            VAT,
            to_pay("Всего к оплате (предоплата {{ prepayment_percent }}): {{ prepayment }}"),
        ),
        closing=(
            summary("total"),
            Line("{{ payment_line }}", after=0),
            IN_WORDS,
            Line("Оплатить не позднее {{ due_date }}.", rule=True),
        ),
        accountant="Главный бухгалтер",
    )
