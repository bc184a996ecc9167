"""The monthly billing documents: the invoice (счёт на оплату) with its duplicate and its
corrected form, and the list of debtors for a day. Every generated .docx is opened again with
python-docx and each field looked for where it belongs; LibreOffice converts them to PDF."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from tests._office import convert_to_pdf
from tests.test_bench import ROOT
from tests.test_order_documents import (
    TRICKY,
    _normalised,
    a_bank,
    a_buyer,
    a_supplier,
    cells,
    make_docx,
    paragraphs,
    reopen,
)

import clientops
from clientops import Money, PluginHost, ValidationError, hookimpl
from clientops.billing import InvoiceLine
from clientops.documents import (
    DEBTORS_LIST,
    DOCUMENT_TYPES,
    PAYMENT_INVOICE,
    DebtorRow,
    DebtorsList,
    InvoiceRef,
    PageSetup,
    PaymentInvoice,
    builtin_docx,
    document_type,
    format_long_date,
    load_template,
    render_document,
)

NBSP = "\u00a0"


# ------------------------------------------------------------------------------ builders

LINES = (
    InvoiceLine("Абонентское обслуживание за ноябрь 2026 г.", "мес.", 1, Money("7500")),
    InvoiceLine("Выезд инженера", "ч", Decimal("1.5"), Money("500")),
)


def an_invoice(**changes: Any) -> PaymentInvoice:
    fields: dict[str, Any] = {
        "number": "СО-2026-11-017",
        "date": date(2026, 11, 15),
        "supplier": a_supplier(),
        "bank": a_bank(),
        "buyer": a_buyer(address="644010, г. Омск, ул. Мира, д. 5"),
        "lines": LINES,
        "basis": "Договор № 12/25 от 15.01.2025",
        "due_date": date(2026, 11, 25),
        "head": "И. И. Иванов",
        "accountant": "С. С. Сидорова",
    }
    return PaymentInvoice(**{**fields, **changes})


def a_row(**changes: Any) -> DebtorRow:
    fields: dict[str, Any] = {
        "client_name": "ООО «Ромашка»",
        "invoices": ("СО-2026-10-009", "СО-2026-11-017"),
        "owed": Money("16500"),
        "days_overdue": 36,
        "manager": "Орлова А. А.",
    }
    return DebtorRow(**{**fields, **changes})


ROWS = (
    a_row(),
    a_row(
        client_name="ИП Петров Пётр Петрович",
        invoices=("СО-2026-11-018",),
        owed=Money("7500.50"),
        days_overdue=0,
        manager="",
    ),
    a_row(client_name="АО «Вектор»", invoices=("СО-2026-11-021",), owed=Money("0.01")),
)


def a_list(**changes: Any) -> DebtorsList:
    fields: dict[str, Any] = {
        "date": date(2026, 11, 20),
        "rows": ROWS,
        "compiled_by": "Орлова А. А.",
    }
    return DebtorsList(**{**fields, **changes})


SAMPLES: dict[str, Callable[[], object]] = {
    "payment_invoice": an_invoice,
    "debtors_list": a_list,
}


def body(document: Document) -> list[str]:
    """The body's paragraphs and tables in order: a paragraph's text, a table as «<table>»."""
    out = []
    for element in document.element.body:
        if element.tag == qn("w:p"):
            out.append(Paragraph(element, document._body).text)
        elif element.tag == qn("w:tbl"):
            out.append("<table>")
    return out


def borders(paragraph: Paragraph) -> list[str]:
    """The sides of the paragraph that have a border."""
    properties = paragraph._p.pPr
    found = None if properties is None else properties.find(qn("w:pBdr"))
    return [] if found is None else [child.tag.split("}")[1] for child in found]


def page_mm(document: Document) -> list[int | None]:
    """The page's width and height, then its margins (top, right, bottom, left), in mm."""
    section = document.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.right_margin)
    sizes += (section.bottom_margin, section.left_margin)
    return [None if size is None else round(size.mm) for size in sizes]


def find(document: Document, text: str) -> Paragraph:
    (paragraph,) = (p for p in document.paragraphs if p.text == text)
    return paragraph


# ------------------------------------------------------------------------------ the invoice

BANK_BLOCK = [
    ["Омское отделение №\xa08634 ПАО Сбербанк, г. Омск\nБанк получателя"] * 2
    + ["БИК", "045209673"],
    ["Омское отделение №\xa08634 ПАО Сбербанк, г. Омск\nБанк получателя"] * 2
    + ["Сч. №", "30101810900000000673"],
    ["ИНН 5501234567", "КПП 550101001", "Сч. №", "40702810945000012345"],
    ["ООО «MLS IT»\nПолучатель"] * 2 + ["Сч. №", "40702810945000012345"],
]
LINES_TABLE = [
    ["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб."],
    [
        "1",
        "Абонентское обслуживание за ноябрь 2026\xa0г.",
        "1",
        "мес.",
        f"7{NBSP}500,00",
        f"7{NBSP}500,00",
    ],
    ["2", "Выезд инженера", "1,5", "ч", "500,00", "750,00"],
]
INVOICE_TEXT = [
    "Счёт на оплату №\xa0СО-2026-11-017 от 15 ноября 2026\xa0г.",
    "Поставщик (Исполнитель): ООО «MLS IT», ИНН 5501234567, КПП 550101001, 644000, "
    "г. Омск, ул. Ленина, д. 1",
    "Покупатель (Заказчик): ООО «Ромашка», ИНН 5507654321, КПП 550701001, 644010, "
    "г. Омск, ул. Мира, д. 5",
    "Основание: Договор №\xa012/25 от 15.01.2025",
    f"Итого: 8{NBSP}250,00",
    f"В том числе НДС (20%): 1{NBSP}375,00",
    f"Всего к оплате: 8{NBSP}250,00",
    f"Всего наименований 2, на сумму 8{NBSP}250,00{NBSP}руб.",
    "Восемь тысяч двести пятьдесят рублей 00 копеек",
    "Оплатить не позднее 25 ноября 2026\xa0г.",
    "Руководитель\t______________ / И.\xa0И.\xa0Иванов /",
    "Бухгалтер\t______________ / С.\xa0С.\xa0Сидорова /",
    "М.П.",
]


def test_the_invoice_reopens_with_every_field_in_its_place() -> None:
    invoice = an_invoice()
    document = reopen(render_document(invoice))
    assert body(document) == ["<table>", *INVOICE_TEXT[:4], "<table>", *INVOICE_TEXT[4:]]
    assert cells(document, 0) == BANK_BLOCK
    assert cells(document, 1) == LINES_TABLE
    assert len(document.tables) == 2
    # the parties' details and the basis are bold after their labels
    for label in ("Поставщик (Исполнитель): ", "Покупатель (Заказчик): ", "Основание: "):
        (paragraph,) = (p for p in document.paragraphs if p.text.startswith(label))
        assert [(run.text == label, run.bold) for run in paragraph.runs] == [
            (True, None),
            (False, True),
        ]
    # a rule under the title and under the amount in words, as the customary form draws them
    assert borders(find(document, INVOICE_TEXT[0])) == ["bottom"]
    assert borders(find(document, INVOICE_TEXT[8])) == ["bottom"]
    assert all(run.bold for run in find(document, INVOICE_TEXT[8]).runs)
    for total in INVOICE_TEXT[4:7]:
        assert find(document, total).alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert (invoice.total, invoice.vat, invoice.to_pay) == (
        Money("8250.00"),
        Money("1375.00"),
        Money("8250.00"),
    )
    values = PAYMENT_INVOICE.values(invoice)
    assert values["duplicate_mark"] == values["replaces_line"] == ""
    assert values["if_duplicate"] == values["if_replaces"] == []
    assert values["if_due"] == [{"text": "Оплатить не позднее 25 ноября 2026 г."}]


def test_a_duplicate_is_marked_above_everything_else() -> None:
    document = reopen(render_document(an_invoice(duplicate=True)))
    assert body(document)[:3] == ["ДУБЛИКАТ", "<table>", INVOICE_TEXT[0]]
    assert paragraphs(document) == ["ДУБЛИКАТ", *INVOICE_TEXT]
    mark = document.paragraphs[0]
    assert [(run.bold, run.font.size.pt if run.font.size else None) for run in mark.runs] == [
        (True, 18.0)
    ]
    assert mark.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert borders(mark) == ["top", "left", "bottom", "right"]
    assert cells(document, 0) == BANK_BLOCK
    values = PAYMENT_INVOICE.values(an_invoice(duplicate=True))
    assert values["duplicate_mark"] == "ДУБЛИКАТ"
    assert values["if_duplicate"] == [{"text": "ДУБЛИКАТ"}]


@pytest.mark.parametrize(
    ("replaced", "line"),
    [
        (
            InvoiceRef("СО-2026-10-009", date(2026, 10, 15)),
            "Исправленный счёт взамен счёта №\xa0СО-2026-10-009 от 15 октября 2026\xa0г.",
        ),
        (InvoiceRef("17"), "Исправленный счёт взамен счёта №\xa017"),
        # the same number, an earlier date: a corrected invoice may keep its number
        (
            InvoiceRef("СО-2026-11-017", date(2026, 11, 1)),
            "Исправленный счёт взамен счёта №\xa0СО-2026-11-017 от 1 ноября 2026\xa0г.",
        ),
    ],
)
def test_a_corrected_invoice_says_which_it_replaces(replaced: InvoiceRef, line: str) -> None:
    invoice = an_invoice(replaces=replaced, duplicate=True)
    document = reopen(render_document(invoice))
    assert body(document)[:4] == ["ДУБЛИКАТ", "<table>", INVOICE_TEXT[0], line]
    assert paragraphs(document)[3:] == INVOICE_TEXT[1:]
    assert all(run.bold for run in find(document, line).runs)
    assert PAYMENT_INVOICE.values(invoice)["replaces_line"] == line.replace("\xa0", " ")


def test_an_invoice_without_vat_due_date_basis_or_names() -> None:
    invoice = an_invoice(
        vat_rate=None,
        due_date=None,
        basis=" ",
        head="",
        accountant="",
        buyer=a_buyer(name="ИП Петров Пётр Петрович", inn="550712345678", kpp=""),
    )
    document = reopen(render_document(invoice))
    assert paragraphs(document) == [
        INVOICE_TEXT[0],
        INVOICE_TEXT[1],
        "Покупатель (Заказчик): ИП Петров Пётр Петрович, ИНН 550712345678",
        "Основание: —",
        f"Итого: 8{NBSP}250,00",
        "Без налога (НДС)",
        f"Всего к оплате: 8{NBSP}250,00",
        f"Всего наименований 2, на сумму 8{NBSP}250,00{NBSP}руб.",
        "Восемь тысяч двести пятьдесят рублей 00 копеек",
        "Руководитель\t______________ / ______________ /",
        "Бухгалтер\t______________ / ______________ /",
        "М.П.",
    ]
    assert invoice.vat is None
    assert invoice.to_pay == Money("8250.00")
    values = PAYMENT_INVOICE.values(invoice)
    assert (values["vat"], values["vat_rate"], values["due_date"], values["due_line"]) == (
        "",
        "",
        "",
        "",
    )


def test_vat_added_on_top_of_the_prices() -> None:
    invoice = an_invoice(vat_included=False)
    assert (invoice.total, invoice.vat, invoice.to_pay) == (
        Money("8250.00"),
        Money("1650.00"),
        Money("9900.00"),
    )
    text = paragraphs(reopen(render_document(invoice)))
    assert text[4:10] == [
        f"Итого: 8{NBSP}250,00",
        f"Сумма НДС (20%): 1{NBSP}650,00",
        f"Всего к оплате: 9{NBSP}900,00",
        f"Всего наименований 2, на сумму 9{NBSP}900,00{NBSP}руб.",
        "Девять тысяч девятьсот рублей 00 копеек",
        "Оплатить не позднее 25 ноября 2026\xa0г.",
    ]
    # without VAT there is nothing to add
    assert an_invoice(vat_included=False, vat_rate=None).to_pay == Money("8250.00")


@pytest.mark.parametrize(
    ("price", "rate", "included", "vat", "to_pay"),
    [
        ("0.03", Decimal(20), True, "0.01", "0.03"),  # 0.005 → 0.01 (half-even: 0.00)
        ("100.05", Decimal(10), False, "10.01", "110.06"),  # 10.005 → 10.01
        ("100.25", Decimal(10), True, "9.11", "100.25"),  # 9.1136…
        ("8250", Decimal(0), True, "0.00", "8250.00"),  # a zero rate still prints its line
    ],
)
def test_vat_is_computed_once_on_the_total_rounded_half_up(
    price: str, rate: Decimal, included: bool, vat: str, to_pay: str
) -> None:
    invoice = an_invoice(
        lines=(InvoiceLine("Услуга", "усл.", 1, Money(price)),),
        vat_rate=rate,
        vat_included=included,
    )
    assert (invoice.vat, invoice.to_pay) == (Money(vat), Money(to_pay))
    label = "В том числе НДС" if included else "Сумма НДС"
    shown = f"{rate.normalize():f}%"
    vat_text = vat.replace(".", ",")
    assert PAYMENT_INVOICE.values(invoice)["vat_line"] == f"{label} ({shown}): {vat_text}"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("5.05", "Пять рублей 05 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("22.50", "Двадцать два рубля 50 копеек"),
        ("111.11", "Сто одиннадцать рублей 11 копеек"),
        ("1001.03", "Одна тысяча один рубль 03 копейки"),
        ("8250", "Восемь тысяч двести пятьдесят рублей 00 копеек"),
        ("2000000", "Два миллиона рублей 00 копеек"),
    ],
)
def test_the_amount_to_pay_in_words(amount: str, words: str) -> None:
    invoice = an_invoice(lines=(InvoiceLine("Услуга", "усл.", 1, Money(amount)),), vat_rate=None)
    text = paragraphs(reopen(render_document(invoice)))
    assert text[8] == words
    assert PAYMENT_INVOICE.values(invoice)["amount_in_words"] == words


def test_dates_are_written_with_the_month_in_words() -> None:
    months = [format_long_date(date(2026, month, 1)).split()[1] for month in range(1, 13)]
    assert months == [
        "января", "февраля", "марта", "апреля", "мая", "июня",
        "июля", "августа", "сентября", "октября", "ноября", "декабря",
    ]  # fmt: skip
    assert format_long_date(date(2026, 11, 5)) == "5 ноября 2026 г."
    assert format_long_date(date(2027, 12, 31)) == "31 декабря 2027 г."


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_invoice_intact(text: str) -> None:
    expected = _normalised(text)
    invoice = an_invoice(
        number=text,
        buyer=a_buyer(name=text),
        lines=(InvoiceLine(text, "шт.", 1, Money(1)),),
        basis=text,
        accountant=text,
        replaces=InvoiceRef(text),
    )
    document = reopen(render_document(invoice))
    text_ = paragraphs(document)
    assert text_[0] == f"Счёт на оплату №{NBSP}{expected} от 15 ноября 2026{NBSP}г."
    assert text_[1] == f"Исправленный счёт взамен счёта №{NBSP}{expected}"
    assert text_[3] == f"Покупатель (Заказчик): {expected}, ИНН 5507654321, КПП 550701001"
    assert text_[4] == f"Основание: {expected}"
    assert text_[-2] == f"Бухгалтер\t______________ / {expected} /"
    assert cells(document, 1)[1][1] == expected


# ------------------------------------------------------------------------------ debtors


DEBTORS_TABLE = [
    ["№", "Клиент", "Счета", "Сумма долга, руб.", "Дней просрочки", "Менеджер"],
    [
        "1",
        "ООО «Ромашка»",
        "СО-2026-10-009\nСО-2026-11-017",
        f"16{NBSP}500,00",
        "36",
        "Орлова\xa0А.\xa0А.",
    ],
    ["2", "ИП Петров Пётр Петрович", "СО-2026-11-018", f"7{NBSP}500,50", "0", "—"],
    ["3", "АО «Вектор»", "СО-2026-11-021", "0,01", "36", "Орлова\xa0А.\xa0А."],
    ["Итого", "Итого", "Итого", f"24{NBSP}000,51", "", ""],
]


def test_the_list_of_debtors_reopens_with_every_field_in_its_place() -> None:
    debtors = a_list()
    document = reopen(render_document(debtors))
    assert body(document) == [
        "Список должников на 20 ноября 2026\xa0г.",
        "<table>",
        f"Всего должников: 3, неоплаченных счетов: 4, на сумму 24{NBSP}000,51{NBSP}руб.",
        "Составил\t______________ / Орлова\xa0А.\xa0А. /",
    ]
    assert cells(document, 0) == DEBTORS_TABLE
    total_row = document.tables[0].rows[-1]
    assert all(run.bold for cell in total_row.cells[:4] for run in cell.paragraphs[0].runs)
    assert (debtors.total, debtors.invoices_count) == (Money("24000.51"), 4)
    values = DEBTORS_LIST.values(debtors)
    assert values["total_in_words"] == "Двадцать четыре тысячи рублей 51 копейка"
    assert values["rows_count"] == "3"


def test_a_day_without_debtors() -> None:
    document = reopen(render_document(a_list(rows=(), compiled_by="")))
    assert cells(document, 0) == [DEBTORS_TABLE[0], ["Итого", "Итого", "Итого", "0,00", "", ""]]
    assert paragraphs(document)[1:] == [
        "Всего должников: 0, неоплаченных счетов: 0, на сумму 0,00\xa0руб.",
        "Составил\t______________ / ______________ /",
    ]


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_list_of_debtors_intact(text: str) -> None:
    expected = _normalised(text)
    one_line = " ".join(text.splitlines())
    row = a_row(client_name=text, manager=text, invoices=("101", one_line))
    document = reopen(render_document(a_list(rows=(row,), compiled_by=text)))
    table = cells(document, 0)
    assert table[1][1] == table[1][5] == expected
    assert table[1][2] == f"101\n{one_line}"
    assert paragraphs(document)[-1] == f"Составил\t______________ / {expected} /"


# ------------------------------------------------------------------------------ both


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_billing_document_is_on_a4(kind: str) -> None:
    context = SAMPLES[kind]()
    document = reopen(render_document(context))
    assert page_mm(document) == [
        210,
        297,
        20,
        15,
        20,
        30,
    ]  # width, height; top, right, bottom, left
    normal = document.styles["Normal"]
    assert (normal.font.name, document.core_properties.title) == (  # type: ignore[attr-defined]
        "Times New Roman",
        document_type(kind).title,
    )


def test_the_list_of_debtors_on_a_landscape_page() -> None:
    landscape = PageSetup(width_mm=297, height_mm=210)
    document = reopen(render_document(a_list(), page=landscape))
    assert page_mm(document)[:2] == [297, 210]
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert cells(document, 0) == DEBTORS_TABLE


def test_the_billing_documents_are_registered() -> None:
    kinds = [t.kind for t in DOCUMENT_TYPES]
    assert kinds[kinds.index("payment_invoice") :][:2] == list(SAMPLES)
    assert (PAYMENT_INVOICE.title, DEBTORS_LIST.title) == ("Счёт на оплату", "Список должников")
    assert (document_type(PaymentInvoice), document_type(DebtorsList)) == (
        PAYMENT_INVOICE,
        DEBTORS_LIST,
    )


@pytest.mark.parametrize(
    "make",
    [
        an_invoice,
        lambda: an_invoice(duplicate=True, due_date=None, replaces=InvoiceRef("17")),
        a_list,
        lambda: a_list(rows=()),
    ],
)
def test_values_offer_exactly_the_fields_and_the_layout_is_a_template(
    make: Callable[[], object],
) -> None:
    context = make()
    kind = document_type(context)
    assert kind in (PAYMENT_INVOICE, DEBTORS_LIST)
    values = kind.values(context)
    lists = {name: value for name, value in values.items() if not isinstance(value, str)}
    assert (set(values) - set(lists), set(lists)) == (kind.fields.scalars, set(kind.fields.lists))
    shapes = {(name, frozenset(element)) for name, value in lists.items() for element in value}
    assert shapes <= {(name, fields) for name, fields in kind.fields.lists.items()}
    # the built-in layout uses only placeholders the type offers, and is a template
    template = load_template(builtin_docx(kind.kind), kind.kind)
    assert template.placeholders <= kind.fields.names()
    assert paragraphs(reopen(render_document(context, template=template))) == paragraphs(
        reopen(render_document(context))
    )


def _invoice_template(document: Document) -> None:
    document.add_paragraph("{{ if_duplicate.text }} (копия)")
    document.add_paragraph("Счёт {{ number }} от {{ date }}: {{ buyer.name }}")
    document.add_paragraph("[{{ duplicate_mark }}] [{{ replaces_line }}] [{{ due_line }}]")
    document.add_paragraph("{{ lines.n }}. {{ lines.name }} — {{ lines.amount }}")
    document.add_paragraph("К оплате {{ to_pay }} ({{ amount_in_words }}), {{ vat_line }}")
    document.add_paragraph("{{ if_replaces.text }}")


def test_a_user_template_for_the_invoice() -> None:
    template = load_template(make_docx(_invoice_template), PaymentInvoice)
    assert template.kind == "payment_invoice"
    plain = paragraphs(reopen(render_document(an_invoice(due_date=None), template=template)))
    assert plain == [
        "Счёт СО-2026-11-017 от 15 ноября 2026\xa0г.: ООО «Ромашка»",
        "[] [] []",
        "1. Абонентское обслуживание за ноябрь 2026\xa0г. — 7\xa0500,00",
        "2. Выезд инженера — 750,00",
        "К оплате 8\xa0250,00 (Восемь тысяч двести пятьдесят рублей 00 копеек), "
        "В том числе НДС (20%): 1\xa0375,00",
    ]
    marked = an_invoice(duplicate=True, replaces=InvoiceRef("17"))
    text = paragraphs(reopen(render_document(marked, template=template)))
    assert text[0] == "ДУБЛИКАТ (копия)"
    assert text[2] == (
        "[ДУБЛИКАТ] [Исправленный счёт взамен счёта №\xa017] "
        "[Оплатить не позднее 25 ноября 2026\xa0г.]"
    )
    assert text[-1] == "Исправленный счёт взамен счёта №\xa017"


def test_plugins_draw_the_billing_documents_through_the_host() -> None:
    seen: list[str] = []

    class Letterhead:
        @hookimpl
        def clientops_render_document(self, kind: str, context: object) -> bytes | None:
            seen.append(kind)
            if kind != "payment_invoice":
                return None
            assert isinstance(context, PaymentInvoice)
            return make_docx(lambda d: d.add_paragraph(f"Счёт {context.number} на бланке"))

    host = PluginHost(entry_points=False)
    host.register(Letterhead(), name="letterhead")
    drawn = paragraphs(reopen(render_document(an_invoice(), host=host)))
    assert drawn == ["Счёт СО-2026-11-017 на бланке"]
    assert paragraphs(reopen(render_document(a_list(), host=host)))[0] == (
        "Список должников на 20 ноября 2026\xa0г."
    )
    with clientops.connect("memory://", host=host) as ops:
        assert paragraphs(reopen(ops.documents.render(an_invoice()))) == drawn
        assert cells(reopen(ops.documents.render(a_list())), 0) == DEBTORS_TABLE
    assert seen == ["payment_invoice", "debtors_list", "payment_invoice", "debtors_list"]


# ------------------------------------------------------------------------------ validation


def test_an_invoice_names_every_missing_field_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        PaymentInvoice("", None, None, None, None, [])  # type: ignore[arg-type]
    assert info.value.paths == ("number", "date", "supplier", "bank", "buyer", "lines")
    assert info.value.subject == "PaymentInvoice"
    with pytest.raises(ValidationError) as info:
        DebtorRow(" ", (), None, None)  # type: ignore[arg-type]
    assert info.value.paths == ("client_name", "invoices", "owed", "days_overdue")
    assert info.value.subject == "DebtorRow"


@pytest.mark.parametrize(
    ("make", "paths", "message"),
    [
        (lambda: an_invoice(lines=()), ("lines",), "at least one line is required"),
        (lambda: an_invoice(lines=list(LINES)), ("lines",), "must be a tuple"),
        (lambda: an_invoice(lines=(LINES[0], "Услуга")), ("lines[1]",), "an InvoiceLine"),
        (lambda: a_supplier(inn="550123456"), ("inn",), "must be 10 or 12 digits"),
        (lambda: a_buyer(inn="5507654321012"), ("inn",), "must be 10 or 12 digits"),
        (lambda: a_buyer(kpp="5507010"), ("kpp",), "must be 9 characters"),
        (lambda: a_bank(bik="0452096731"), ("bik",), "must be 9 digits"),
        (
            lambda: InvoiceLine("Услуга", "усл.", 1, Money("-1")),
            ("price",),
            "must not be negative",
        ),
        (lambda: InvoiceLine("Услуга", "усл.", 1, Money(0)), ("price",), "must be positive"),
        (lambda: InvoiceLine("Услуга", "усл.", -2, Money(1)), ("quantity",), "must be positive"),
        (lambda: an_invoice(supplier=None), ("supplier",), "must be a InvoiceParty"),
        (lambda: an_invoice(date="15.11.2026"), ("date",), "datetime.date"),
        (lambda: an_invoice(due_date=date(2026, 11, 14)), ("due_date",), "before the invoice"),
        (lambda: an_invoice(due_date="25.11.2026"), ("due_date",), "datetime.date"),
        (lambda: an_invoice(vat_rate=20), ("vat_rate",), "Decimal percentage"),
        (lambda: an_invoice(vat_rate=Decimal(-1)), ("vat_rate",), "Decimal percentage"),
        (lambda: an_invoice(vat_included=None), ("vat_included",), "True or False"),
        (lambda: an_invoice(duplicate="да"), ("duplicate",), "True or False"),
        (lambda: an_invoice(replaces="СО-17"), ("replaces",), "InvoiceRef or None"),
        (
            lambda: an_invoice(replaces=InvoiceRef("СО-17", date(2026, 11, 16))),
            ("replaces",),
            "later than this invoice",
        ),
        (
            lambda: an_invoice(replaces=InvoiceRef("СО-2026-11-017", date(2026, 11, 15))),
            ("replaces",),
            "cannot replace itself",
        ),
        (lambda: InvoiceRef(" ", "15.10.2026"), ("number", "date"), "required"),
        (
            lambda: an_invoice(number="\x00", basis=1, head="a\x0bb"),
            ("number", "basis", "head"),
            "U+0000",
        ),
        (lambda: a_row(client_name=""), ("client_name",), "required"),
        (lambda: a_row(invoices=()), ("invoices",), "at least one"),
        (lambda: a_row(invoices=["СО-17"]), ("invoices",), "must be a tuple"),
        (lambda: a_row(invoices=("СО-17", " ")), ("invoices[1]",), "required"),
        (lambda: a_row(invoices=("СО-17\nСО-18",)), ("invoices[0]",), "no line breaks"),
        (lambda: a_row(owed=Money(0)), ("owed",), "must be positive"),
        (lambda: a_row(owed=Money("-100")), ("owed",), "must not be negative"),
        (lambda: a_row(owed=Money("10.005")), ("owed",), "fraction of a kopeck"),
        (lambda: a_row(owed=Money(10, "USD")), ("owed",), "in RUB"),
        (lambda: a_row(owed=Decimal(10)), ("owed",), "must be Money"),
        (lambda: a_row(days_overdue=-1), ("days_overdue",), "must not be negative"),
        (lambda: a_row(days_overdue=True), ("days_overdue",), "must be an int"),
        (lambda: a_row(days_overdue=1.5), ("days_overdue",), "must be an int"),
        (lambda: a_row(manager="\x07"), ("manager",), "U+0007"),
        (lambda: a_list(date=None), ("date",), "datetime.date"),
        (lambda: a_list(rows=list(ROWS)), ("rows",), "must be a tuple"),
        (lambda: a_list(rows=(ROWS[0], "ООО «Вектор»")), ("rows[1]",), "must be a DebtorRow"),
        (lambda: a_list(compiled_by=5), ("compiled_by",), "must be a string"),
    ],
)
def test_contexts_refuse_bad_input(
    make: Callable[[], object], paths: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        make()
    assert info.value.paths == paths
    assert message in str(info.value)


# ------------------------------------------------------------------------------ LibreOffice


def test_libreoffice_converts_the_billing_documents_to_pdf(tmp_path: Path) -> None:
    corrected = an_invoice(
        duplicate=True,
        replaces=InvoiceRef("СО-2026-10-009", date(2026, 10, 15)),
        buyer=a_buyer(name='ООО "Рога & Копыта" <б/у>'),
    )
    documents = {
        "invoice": (
            render_document(an_invoice()),
            [
                "Счёт на оплату № СО-2026-11-017 от 15 ноября 2026 г.",
                "045209673",
                "30101810900000000673",
                "40702810945000012345",
                "ИНН 5501234567",
                "КПП 550101001",
                "Абонентское обслуживание",
                "В том числе НДС (20%): 1 375,00",
                "Всего к оплате: 8 250,00",
                "Всего наименований 2, на сумму 8 250,00 руб.",
                "Восемь тысяч двести пятьдесят рублей 00 копеек",
                "Оплатить не позднее 25 ноября 2026 г.",
                "Бухгалтер",
            ],
        ),
        "duplicate": (
            render_document(corrected),
            [
                "ДУБЛИКАТ",
                "Исправленный счёт взамен счёта № СО-2026-10-009 от 15 октября 2026 г.",
                'ООО "Рога & Копыта" <б/у>',
            ],
        ),
        "debtors": (
            render_document(a_list()),
            [
                "Список должников на 20 ноября 2026 г.",
                "АО «Вектор»",
                "СО-2026-10-009",
                "24 000,51",
                "Всего должников: 3, неоплаченных счетов: 4",
            ],
        ),
    }
    texts = convert_to_pdf({name: data for name, (data, _) in documents.items()}, tmp_path)
    for name, text in texts.items():
        if text is None:  # no pdftotext: each PDF was still checked to have a page
            continue
        missing = [snippet for snippet in documents[name][1] if snippet not in text]
        assert not missing, f"the PDF of {name} lacks {missing}: {text[:600]}"
        assert ("ДУБЛИКАТ" in text) is (name == "duplicate")


# ------------------------------------------------------------------------------ the benchmark


def test_the_invoice_benchmark_runs() -> None:
    script = ROOT / "bench" / "bench_invoices.py"
    command = [sys.executable, str(script), "--invoices", "4", "--repeat", "1", "--min-time", "0"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    *_, last = done.stdout.splitlines()
    result = json.loads(last)
    assert set(result["invoices_per_s"]) == {"python_docx", "clientops"}
    assert result["invoices"] == 4
    assert result["speedup_vs_python_docx"] > 0
    assert "clientops =" in done.stderr
