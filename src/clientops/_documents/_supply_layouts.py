"""The built-in layout of the consignment note (:mod:`._supply`), drawn like the acts
(:mod:`._layouts`) on the page of a :class:`~clientops._documents._layouts.PageSetup`."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from clientops._documents._layouts import (
    AMOUNT,
    UNITS,
    PageSetup,
    layout_grid,
    layout_paragraph,
    layout_signatures,
    new_document,
    to_bytes,
)

__all__ = ["NOTE_HEAD", "SERIAL", "consignment_note_layout"]

#: The widest serial number the column is sized for (with the comma that follows it).
SERIAL = "SN-0000-0000000,"


NOTE_HEAD = ("№", "Товар", "Серийные номера", "Ед.", "Кол-во", "Цена, руб.", "Сумма, руб.")
NOTE_ROW = tuple(
    f"{{{{ items.{field} }}}}"
    for field in ("n", "name", "serials", "unit", "quantity", "price", "amount")
)


def consignment_note_layout(page: PageSetup) -> bytes:
    """The consignment note as a template: the title with the number and date, the supplier
    and the consignee, the basis and the carrier, the table of goods with their serial
    numbers, the totals with VAT and in words, and the signatures of who released the goods
    and who received them."""
    document = new_document(page, "Товарная накладная")
    layout_paragraph(
        document,
        ("Товарная накладная № {{ number }} от {{ date }}", True),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=13,
        space_after=10,
    )
    layout_paragraph(
        document, ("Грузоотправитель и поставщик: ", True), ("{{ supplier.full }}", False)
    )
    layout_paragraph(
        document, ("Грузополучатель и плательщик: ", True), ("{{ consignee.full }}", False)
    )
    layout_paragraph(document, ("Основание: ", True), ("{{ basis }}", False))
    layout_paragraph(document, ("{{ carrier_line }}", False), space_after=8)
    layout_grid(
        document,
        page,
        NOTE_HEAD,
        NOTE_ROW,
        (7, 46, 36, 10, 13, 22, 24),
        frozenset({0, 4, 5, 6}),
        fits=((), (), (SERIAL,), UNITS, (), (AMOUNT,), (AMOUNT,)),
    )
    total = layout_paragraph(document, ("Итого: {{ total }}", True), align=WD_ALIGN_PARAGRAPH.RIGHT)
    total.paragraph_format.space_before = Pt(4)
    layout_paragraph(document, ("{{ vat_line }}", False), align=WD_ALIGN_PARAGRAPH.RIGHT)
    layout_paragraph(
        document,
        (
            "Всего наименований {{ items_count }}, количество {{ quantity_total }}, "
            "на сумму {{ total }} руб.",
            False,
        ),
        space_after=0,
    )
    layout_paragraph(document, ("{{ amount_in_words }}", True), space_after=8)
    layout_signatures(document, "Отпуск груза произвёл", "Груз получил", "supplier", "consignee")
    return to_bytes(document)
