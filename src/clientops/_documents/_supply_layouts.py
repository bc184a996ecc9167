"""The built-in layouts of the consignment note, the УПД and the packing list (:mod:`._supply`),
drawn like the acts (:mod:`._layouts`) on the page of a
:class:`~clientops._documents._layouts.PageSetup`."""

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

__all__ = [
    "NOTE_HEAD",
    "PACKING_HEAD",
    "SERIAL",
    "UPD_HEAD",
    "consignment_note_layout",
    "packing_list_layout",
    "upd_layout",
]

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


# ------------------------------------------------------------------------------ the УПД

UPD_HEAD = (
    "№ п/п",
    "Наименование товара, серийные номера",
    "Ед. изм.: код, обозначение",
    "Кол-во",
    "Цена за ед., руб.",
    "Стоимость без налога, руб.",
    "Акциз",
    "Ставка",
    "Сумма налога, руб.",
    "Стоимость с налогом, руб.",
    "Страна",
)
UPD_ROW = (
    "{{ items.n }}",
    "{{ items.name }} ({{ items.serials }})",
    "{{ items.unit_code }}\u00a0{{ items.unit }}",
    "{{ items.quantity }}",
    "{{ items.price }}",
    "{{ items.amount_without_vat }}",
    "{{ items.excise }}",
    "{{ items.rate }}",
    "{{ items.vat }}",
    "{{ items.amount }}",
    "{{ items.country }}",
)


#: The widest values of the columns (kept on one line).
UPD_FITS = (
    (),
    (),
    ("796\u00a0шт.",),
    (),
    (AMOUNT,),
    (AMOUNT,),
    (),
    ("без НДС",),
    (AMOUNT,),
    (AMOUNT,),
)


def _landscape(page: PageSetup) -> PageSetup:
    """The page turned landscape, with narrow margins and a smaller type: the form is wide."""
    return PageSetup(
        width_mm=max(page.width_mm, page.height_mm),
        height_mm=min(page.width_mm, page.height_mm),
        top_mm=min(page.top_mm, 12),
        right_mm=min(page.right_mm, 10),
        bottom_mm=min(page.bottom_mm, 12),
        left_mm=min(page.left_mm, 15),
        font=page.font,
        font_size_pt=max(page.font_size_pt - 2, 7),
    )


def upd_layout(page: PageSetup) -> bytes:
    """The universal transfer document (УПД) in its customary layout, landscape: the status
    box and the invoice's head (seller, shipper, consignee, payment document, shipping
    document, buyer, currency), the table of goods with the VAT by line, the total to pay,
    then the transfer part: its basis and transport, who handed the goods over and who
    received them, with the dates."""
    page = _landscape(page)
    document = new_document(page, "Универсальный передаточный документ")
    layout_paragraph(
        document,
        ("Универсальный передаточный документ", True),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=12,
        space_after=2,
    )
    layout_paragraph(document, ("Статус: ", True), ("{{ status_line }}", False), space_after=2)
    layout_paragraph(
        document,
        ("Счёт-фактура № {{ number }} от {{ date_long }} (1)", True),
        space_after=0,
    )
    layout_paragraph(document, ("Исправление № — от — (1а)", False), space_after=2)
    head = (
        ("Продавец (2): ", "{{ seller.name }}"),
        ("Адрес, ИНН/КПП продавца (2а, 2б): ", "{{ seller.details }}"),
        ("Грузоотправитель и его адрес (3): ", "{{ shipper_line }}"),
        ("Грузополучатель и его адрес (4): ", "{{ consignee_line }}"),
        ("К платёжно-расчётному документу (5): ", "{{ payment_line }}"),
        ("Документ об отгрузке (5а): ", "{{ shipment_line }}"),
        ("Покупатель (6): ", "{{ buyer.name }}"),
        ("Адрес, ИНН/КПП покупателя (6а, 6б): ", "{{ buyer.details }}"),
        ("Валюта: наименование, код (7): ", "{{ currency }}"),
    )
    for label, value in head:
        layout_paragraph(document, (label, True), (value, False), space_after=0)
    layout_paragraph(document, ("", False), space_after=2)
    layout_grid(
        document,
        page,
        UPD_HEAD,
        UPD_ROW,
        (6, 44, 12, 8, 14, 16, 9, 8, 14, 16, 8),
        frozenset({0, 3, 4, 5, 8, 9}),
        fits=UPD_FITS,
    )
    total = layout_paragraph(
        document,
        (
            "Всего к оплате (9): без налога {{ total_without_vat }}, сумма налога "
            "{{ total_vat }}, с налогом {{ total }}",
            True,
        ),
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    total.paragraph_format.space_before = Pt(4)
    layout_paragraph(
        document,
        ("Всего наименований {{ items_count }} на сумму {{ total_text }}: ", False),
        ("{{ amount_in_words }}", True),
        space_after=6,
    )
    layout_paragraph(
        document,
        ("Руководитель организации или иное уполномоченное лицо ", False),
        ("{{ head_line }}", False),
        space_after=0,
    )
    layout_paragraph(
        document,
        ("Главный бухгалтер или иное уполномоченное лицо ", False),
        ("{{ accountant_line }}", False),
        space_after=6,
    )
    layout_paragraph(
        document, ("Основание передачи (сдачи) / получения (приёмки) [8]: ", True),
        ("{{ basis }}", False), space_after=0,
    )  # fmt: skip
    layout_paragraph(
        document, ("Данные о транспортировке и грузе [9]: ", True),
        ("{{ carrier_line }}", False), space_after=0,
    )  # fmt: skip
    layout_paragraph(
        document,
        ("Дата отгрузки, передачи (сдачи) [11]: ", True),
        ("{{ date }}", False),
        space_after=0,
    )
    layout_signatures(
        document,
        "Товар (груз) передал [10]",
        "Товар (груз) получил [15]",
        "seller",
        "buyer",
    )
    layout_paragraph(
        document, ("Дата получения (приёмки) [16]: «____» ____________ 20___ г.", False)
    )
    return to_bytes(document)


# ------------------------------------------------------------------------------ the packing list

PACKING_HEAD = ("№ места", "Наименование", "Серийные номера", "Количество", "Вес, кг", "Длина, см")
PACKING_ROW = tuple(
    f"{{{{ items.{field} }}}}" for field in ("n", "name", "serials", "quantity", "weight", "length")
)

#: The widest values of the columns (kept on one line).
PACKING_FITS = (
    ("№\u00a0места",), (), (SERIAL,), ("10\u00a0штук",), ("9\u00a0999,999",), ("9\u00a0999",),
)  # fmt: skip


def packing_list_layout(page: PageSetup) -> bytes:
    """The packing list as a template: the title with the number and date, the sender and
    where the load leaves from, the recipient and the delivery address, the carrier, the
    table of places with their serial numbers, weights and lengths, the totals, and the line
    of who packed it."""
    document = new_document(page, "Упаковочный лист")
    layout_paragraph(
        document,
        ("Упаковочный лист № {{ number }} от {{ date_long }}", True),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=13,
        space_after=10,
    )
    layout_paragraph(document, ("Отправитель: ", True), ("{{ sender.full }}", False))
    layout_paragraph(document, ("Пункт отправления: ", True), ("{{ origin_line }}", False))
    layout_paragraph(document, ("Получатель: ", True), ("{{ recipient.full }}", False))
    layout_paragraph(document, ("Адрес доставки: ", True), ("{{ destination }}", False))
    layout_paragraph(document, ("Перевозчик: ", True), ("{{ carrier_line }}", False), space_after=8)
    layout_grid(
        document,
        page,
        PACKING_HEAD,
        PACKING_ROW,
        (9, 46, 30, 13, 11, 11),
        frozenset({0, 4, 5}),
        fits=PACKING_FITS,
    )
    total = layout_paragraph(document, ("{{ totals_line }}", True))
    total.paragraph_format.space_before = Pt(4)
    layout_paragraph(document, ("Единиц оборудования: {{ units_total }}", False), space_after=12)
    layout_paragraph(document, ("Упаковал: ", True), ("{{ packer_line }}", False))
    layout_paragraph(document, ("Дата упаковки: {{ date }}", False))
    return to_bytes(document)
