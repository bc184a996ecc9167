"""The built-in layouts of the monthly billing documents: the invoice (счёт на оплату), drawn
by the same builder as the prepayment invoice (:func:`._orders_layouts.invoice_layout`), and
the list of debtors for a day.

The invoice's optional lines are paragraphs that hold a list placeholder
(``{{ if_duplicate.text }}``): the template repeats them once or not at all, so an invoice
that is no duplicate carries no empty paragraph where the mark would be.
"""

from __future__ import annotations

import attrs
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import _Cell

from clientops._documents._layouts import (
    AMOUNT,
    DOCUMENT_NUMBER,
    PageSetup,
    layout_grid,
    new_document,
    to_bytes,
)
from clientops._documents._orders_layouts import (
    IN_WORDS,
    TOTAL,
    VAT,
    Line,
    invoice_layout,
    invoice_title,
    sign_line,
    summary,
    to_pay,
)

__all__ = [
    "DEBTORS_HEAD",
    "debtors_list_layout",
    "payment_invoice_layout",
]


def payment_invoice_layout(page: PageSetup) -> bytes:
    """The invoice as a template: the duplicate's mark in a frame at the top, the bank
    details, the title with the corrected invoice's line under it, the parties, the lines,
    the totals, the amount in words over a rule, the due date, the signatures."""
    return invoice_layout(
        page,
        "Счёт на оплату",
        top=(
            Line(
                "{{ if_duplicate.text }}",
                bold=True,
                align=WD_ALIGN_PARAGRAPH.CENTER,
                size=18,
                after=8,
                frame=True,
            ),
        ),
        heading=(
            invoice_title("Счёт на оплату № {{ number }} от {{ date }}"),
            Line("{{ if_replaces.text }}", bold=True, after=8),
        ),
        totals=(TOTAL, VAT, to_pay("Всего к оплате: {{ to_pay }}")),
        closing=(
            summary("to_pay"),
            attrs.evolve(IN_WORDS, rule=True),
            Line("{{ if_due.text }}", before=6),
        ),
        accountant="Бухгалтер",
    )


DEBTORS_HEAD = (
    "№",
    "Клиент",
    "Счета",
    "Сумма долга, руб.",
    "Дней просрочки",
    "Менеджер",
)
_DEBTORS_ROW = tuple(
    f"{{{{ rows.{field} }}}}"
    for field in ("n", "client_name", "invoices", "owed", "days_overdue", "manager")
)


def _total_cell(cell: _Cell, text: str, page: PageSetup) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(max(page.font_size_pt - 1, 6))


def debtors_list_layout(page: PageSetup) -> bytes:
    """The list of debtors as a template: the title with the day, the table of debtors (one
    row per debtor) closed by the total row, the count and the sum, the compiler's
    signature."""
    document = new_document(page, "Список должников")
    Line(
        "Список должников на {{ date }}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=14,
        after=12,
    ).put(document)
    widths = (8, 42, 33, 26, 23, 33)
    fits = ((), (), (DOCUMENT_NUMBER,), (AMOUNT,), (), ())
    table = layout_grid(
        document, page, DEBTORS_HEAD, _DEBTORS_ROW, widths, frozenset({0, 3, 4}), fits
    )
    total = table.add_row().cells  # type: ignore[no-untyped-call]  # python-docx leaves it untyped
    _total_cell(total[0].merge(total[2]), "Итого", page)
    _total_cell(total[3], "{{ total }}", page)
    total[4].merge(total[5])
    Line(
        "Всего должников: {{ rows_count }}, неоплаченных счетов: {{ invoices_count }}, "
        "на сумму {{ total }} руб.",
        before=6,
    ).put(document)
    sign_line(document, page, "Составил", "{{ compiled_by_signature }}")
    return to_bytes(document)
