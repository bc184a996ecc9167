"""The order documents: the order request with its specification and the prepayment invoice.
Every generated .docx is opened again with python-docx and its text and tables checked; the
builders are fed real orders moved by clientops.orders; LibreOffice converts both to PDF."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import docx
import pytest
from docx.document import Document
from tests._office import convert_to_pdf

from clientops import Money, PluginHost, ValidationError, hookimpl
from clientops.billing import BankDetails, InvoiceLine, InvoiceParty
from clientops.documents import (
    DOCUMENT_TYPES,
    ORDER_REQUEST,
    PREPAYMENT_INVOICE,
    OrderRequest,
    PrepaymentInvoice,
    builtin_docx,
    document_type,
    load_template,
    order_request_for,
    prepayment_invoice_for,
    render_document,
)
from clientops.errors import TemplateError
from clientops.model import ClientId, EmployeeId
from clientops.orders import (
    AcceptQuality,
    Action,
    AgreeWithClient,
    ApproveRequest,
    Close,
    IssuePrepaymentInvoice,
    NotifyClient,
    Order,
    OrderId,
    OrderPolicy,
    OrderSpecification,
    QueueAtSupplier,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    StartProduction,
    SupplierQuote,
    advance,
    open_order,
    repeat_order,
)

NBSP = "\u00a0"
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ANNA = EmployeeId("anna")
POLICY = OrderPolicy()


# ------------------------------------------------------------------------------ builders


def a_spec(**changes: Any) -> OrderSpecification:
    fields: dict[str, Any] = {
        "product_type": "Календарь настенный",
        "quantity": 500,
        "design": "Макет «Календарь 2025»",
        "materials": "Мелованная бумага 170 г/м², краски CMYK",
        "production_deadline": date(2025, 6, 20),
        "delivery_address": "644000, г. Омск, ул. Ленина, д. 1, офис 5",
        "packaging_type": "Гофрокороб",
        "packaging_marking": "Логотип клиента, номер заказа",
        "delivery_deadline": date(2025, 6, 25),
        "delivery_format": "Курьер до двери",
        "other": ("Отдельно упаковать 10 экземпляров для директора", "Пробный оттиск до 10.06"),
    }
    return OrderSpecification(**{**fields, **changes})


def a_request(**changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "number": "З-101",
        "date": date(2025, 6, 11),
        "client_name": "ООО «Ромашка»",
        "manager": "Орлова А. А.",
        "specification": a_spec(),
        "price": Money("13000"),
        "notes": ("Макет согласован по почте 05.06.2025",),
        "client_signer": "П. П. Петров",
    }
    return OrderRequest(**{**fields, **changes})


def a_supplier(**changes: str) -> InvoiceParty:
    fields = {
        "name": "ООО «MLS IT»",
        "inn": "5501234567",
        "kpp": "550101001",
        "address": "644000, г. Омск, ул. Ленина, д. 1",
    }
    return InvoiceParty(**{**fields, **changes})


def a_bank(**changes: str) -> BankDetails:
    fields = {
        "bank": "Омское отделение № 8634 ПАО Сбербанк, г. Омск",
        "bik": "045209673",
        "account": "40702810945000012345",
        "correspondent_account": "30101810900000000673",
    }
    return BankDetails(**{**fields, **changes})


def a_buyer(**changes: str) -> InvoiceParty:
    fields = {"name": "ООО «Ромашка»", "inn": "5507654321", "kpp": "550701001"}
    return InvoiceParty(**{**fields, **changes})


LINES = (
    InvoiceLine("Календарь настенный, тираж 500 экз.", "шт.", 500, Money("26.01")),
    InvoiceLine("Доставка курьером до двери", "усл.", 1, Money("1500")),
)


def an_invoice(**changes: Any) -> PrepaymentInvoice:
    fields: dict[str, Any] = {
        "number": "СП-17",
        "date": date(2025, 6, 12),
        "supplier": a_supplier(),
        "bank": a_bank(),
        "buyer": a_buyer(),
        "lines": LINES,
        "due_date": date(2025, 6, 17),
        "basis": "Заявка на заказ № З-101 от 11.06.2025",
        "prepayment_percent": Decimal(50),
        "head": "И. И. Иванов",
        "accountant": "С. С. Сидорова",
    }
    return PrepaymentInvoice(**{**fields, **changes})


SAMPLES: dict[str, Callable[[], object]] = {
    "order_request": a_request,
    "prepayment_invoice": an_invoice,
}


def reopen(data: bytes) -> Document:
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    return docx.Document(io.BytesIO(data))


def paragraphs(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def cells(document: Document, table: int) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[table].rows]


def make_docx(build: Callable[[Document], object]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# -- orders moved by clientops.orders


def walk(order: Order, *actions: Action) -> Order:
    """``order`` after ``actions``, one minute apart."""
    for action in actions:
        now = order.history[-1].at + timedelta(minutes=1)
        order = advance(order, action, now=now, by=ANNA, policy=POLICY)
    return order


def an_open_order() -> Order:
    return open_order(
        id=OrderId("o1"),
        client_id=ClientId("c1"),
        number="З-101",
        specification=a_spec(),
        now=T0,
        by=ANNA,
    )


def a_priced_order() -> Order:
    opened = an_open_order()
    quote = SupplierQuote("Типография «Омега»", Money("10000"), date(2025, 6, 18), T0)
    return walk(
        opened,
        ApproveRequest(),
        SendToSupplier("Типография «Омега»"),
        ReceiveQuote(quote),
        SetPrice(),
    )


def a_queued_order() -> Order:
    return walk(a_priced_order(), AgreeWithClient(), SignFinalRequest(), QueueAtSupplier())


# ------------------------------------------------------------------------------ the request


SPEC_TABLE = [
    ["№ п/п", "Параметр", "Значение"],
    ["1", "Тип изготавливаемой продукции", "Календарь настенный"],
    ["2", "Количество экземпляров (тираж)", "500 экз."],
    ["3", "Используемый дизайн", "Макет «Календарь 2025»"],
    [
        "4",
        "Используемые материалы (бумага, картон, краски и пр.)",
        "Мелованная бумага 170 г/м², краски CMYK",
    ],
    ["5", "Сроки изготовления", "до 20.06.2025"],
    ["6", "Адрес доставки", "644000, г. Омск, ул. Ленина, д. 1, офис 5"],
    ["7", "Тип упаковки", "Гофрокороб"],
    ["8", "Маркировка на упаковке", "Логотип клиента, номер заказа"],
    ["9", "Сроки доставки", "до 25.06.2025"],
    ["10", "Формат доставки", "Курьер до двери"],
    [
        "11",
        "Другие условия",
        "Отдельно упаковать 10 экземпляров для директора\nПробный оттиск до 10.06",
    ],
]


def test_order_request_reopens_with_every_field() -> None:
    request = a_request()
    document = reopen(render_document(request))
    assert paragraphs(document) == [
        "ЗАЯВКА НА ЗАКАЗ №\xa0З-101 от 11.06.2025",
        "(окончательная)",
        "Заказчик: ООО «Ромашка»",
        "Менеджер: Орлова\xa0А.\xa0А.",
        "СПЕЦИФИКАЦИЯ",
        f"Цена заказа: 13{NBSP}000,00{NBSP}руб. (Тринадцать тысяч рублей 00 копеек), в том числе "
        f"НДС (20%): 2{NBSP}166,67{NBSP}руб.",
        "Примечания:",
        "Макет согласован по почте 05.06.2025",
        "",
    ]
    assert cells(document, 0) == SPEC_TABLE
    assert cells(document, 1) == [
        ["Заказчик", "Исполнитель"],
        [
            "ООО «Ромашка»\n______________ / П.\xa0П.\xa0Петров /\nМ.П.",
            "Менеджер\n______________ / Орлова\xa0А.\xa0А. /",
        ],
    ]
    assert len(document.tables) == 2
    assert request.vat == Money("2166.67")


def test_a_preliminary_request_without_a_price_notes_or_other_lines() -> None:
    request = a_request(
        price=None,
        preliminary=True,
        notes=(),
        client_signer="",
        specification=a_spec(other=()),
    )
    document = reopen(render_document(request))
    text = paragraphs(document)
    assert text[1] == "(предварительная)"
    assert text[5] == "Цена заказа: рассчитывается после оценки заказа поставщиком."
    assert text[7] == "—"
    assert cells(document, 0)[-1] == ["11", "Другие условия", "—"]
    assert cells(document, 1)[1][0] == "ООО «Ромашка»\n______________ / ______________ /\nМ.П."
    values = ORDER_REQUEST.values(request)
    empty = ("price", "price_in_words", "vat", "vat_rate", "vat_line")
    assert [values[name] for name in empty] == [""] * len(empty)
    assert values["other"] == values["notes"] == "—"
    assert request.vat is None


def test_a_request_without_vat_and_with_several_notes() -> None:
    request = a_request(
        vat_rate=None,
        price=Money("21.01"),
        notes=("Первое примечание", "Второе:\nв две строки"),
    )
    text = paragraphs(reopen(render_document(request)))
    assert text[5] == (
        "Цена заказа: 21,01\xa0руб. (Двадцать один рубль 01 копейка), без налога (НДС)."
    )
    assert text[7] == "Первое примечание\nВторое:\nв две строки"
    assert ORDER_REQUEST.values(request)["vat_line"] == "Без налога (НДС)"


# ------------------------------------------------------------------------------ the invoice


def test_prepayment_invoice_reopens_with_every_field() -> None:
    invoice = an_invoice()
    document = reopen(render_document(invoice))
    assert cells(document, 0) == [
        ["Омское отделение №\xa08634 ПАО Сбербанк, г. Омск\nБанк получателя"] * 2
        + ["БИК", "045209673"],
        ["Омское отделение №\xa08634 ПАО Сбербанк, г. Омск\nБанк получателя"] * 2
        + ["Сч. №", "30101810900000000673"],
        ["ИНН 5501234567", "КПП 550101001", "Сч. №", "40702810945000012345"],
        ["ООО «MLS IT»\nПолучатель"] * 2 + ["Сч. №", "40702810945000012345"],
    ]
    assert paragraphs(document) == [
        "Счёт на предоплату №\xa0СП-17 от 12.06.2025",
        "Поставщик (Исполнитель): ООО «MLS IT», ИНН 5501234567, КПП 550101001, 644000, "
        "г. Омск, ул. Ленина, д. 1",
        "Покупатель (Заказчик): ООО «Ромашка», ИНН 5507654321, КПП 550701001",
        "Основание: Заявка на заказ №\xa0З-101 от 11.06.2025",
        f"Итого: 14{NBSP}505,00",
        f"В том числе НДС (20%): 2{NBSP}417,50",
        f"Всего к оплате (предоплата 50%): 7{NBSP}252,50",
        f"Всего наименований 2, на сумму 14{NBSP}505,00{NBSP}руб.",
        f"К оплате: 7{NBSP}252,50{NBSP}руб., в том числе НДС (20%): 1{NBSP}208,75{NBSP}руб.",
        "Семь тысяч двести пятьдесят два рубля 50 копеек",
        "Оплатить не позднее 17.06.2025.",
        "Руководитель\t______________ / И.\xa0И.\xa0Иванов /",
        "Главный бухгалтер\t______________ / С.\xa0С.\xa0Сидорова /",
        "М.П.",
    ]
    assert cells(document, 1) == [
        ["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб."],
        ["1", "Календарь настенный, тираж 500 экз.", "500", "шт.", "26,01", f"13{NBSP}005,00"],
        ["2", "Доставка курьером до двери", "1", "усл.", f"1{NBSP}500,00", f"1{NBSP}500,00"],
    ]
    assert (invoice.total, invoice.vat) == (Money("14505.00"), Money("2417.50"))
    assert (invoice.prepayment, invoice.prepayment_vat) == (Money("7252.50"), Money("1208.75"))
    values = PREPAYMENT_INVOICE.values(invoice)
    assert values["total_in_words"] == "Четырнадцать тысяч пятьсот пять рублей 00 копеек"


def test_an_invoice_for_the_whole_total_without_vat_kpp_or_basis() -> None:
    invoice = an_invoice(
        prepayment_percent=100,
        vat_rate=None,
        basis="",
        buyer=a_buyer(name="ИП Петров Пётр Петрович", inn="550712345678", kpp=""),
        head="",
        accountant="",
    )
    assert invoice.prepayment_percent == Decimal(100)
    document = reopen(render_document(invoice))
    text = paragraphs(document)
    assert text[2] == "Покупатель (Заказчик): ИП Петров Пётр Петрович, ИНН 550712345678"
    assert text[3] == "Основание: —"
    assert text[5] == "Без налога (НДС)"
    assert text[6] == f"Всего к оплате (предоплата 100%): 14{NBSP}505,00"
    assert text[8] == f"К оплате: 14{NBSP}505,00{NBSP}руб., без налога (НДС)."
    assert text[9] == "Четырнадцать тысяч пятьсот пять рублей 00 копеек"
    assert text[11] == "Руководитель\t______________ / ______________ /"
    assert invoice.vat is None
    assert invoice.prepayment_vat is None


@pytest.mark.parametrize(
    ("percent", "prepayment", "vat", "shown"),
    [
        (Decimal(30), "4351.50", "725.25", "30%"),
        (Decimal("33.3"), "4830.17", "805.03", "33,3%"),  # 4830.165 → .17
        (Decimal("0.01"), "1.45", "0.24", "0,01%"),  # 1.4505 → 1.45; 0.2417 → 0.24
        (Decimal(100), "14505.00", "2417.50", "100%"),
    ],
)
def test_the_prepayment_rounds_half_up(
    percent: Decimal, prepayment: str, vat: str, shown: str
) -> None:
    invoice = an_invoice(prepayment_percent=percent)
    assert invoice.prepayment == Money(prepayment)
    assert invoice.prepayment_vat == Money(vat)
    values = PREPAYMENT_INVOICE.values(invoice)
    assert values["prepayment_percent"] == shown


def test_a_bank_without_a_correspondent_account() -> None:
    document = reopen(render_document(an_invoice(bank=a_bank(correspondent_account=""))))
    assert cells(document, 0)[1][2:] == ["Сч. №", ""]


# ------------------------------------------------------------------------------ both


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_order_document_is_on_a4(kind: str) -> None:
    context = SAMPLES[kind]()
    document = reopen(render_document(context))
    section = document.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.right_margin, section.bottom_margin, section.left_margin)
    assert [None if m is None else round(m.mm) for m in margins] == [20, 15, 20, 30]
    assert document.styles["Normal"].font.name == "Times New Roman"  # type: ignore[attr-defined]
    assert document.core_properties.title == document_type(context).title
    assert document_type(kind).kind == kind


def test_the_order_documents_are_registered_and_offer_exactly_their_fields() -> None:
    assert [t.kind for t in DOCUMENT_TYPES][-2:] == list(SAMPLES)
    assert (ORDER_REQUEST.title, PREPAYMENT_INVOICE.title) == (
        "Заявка на заказ",
        "Счёт на предоплату",
    )
    for kind in (ORDER_REQUEST, PREPAYMENT_INVOICE):
        context = SAMPLES[kind.kind]()
        assert document_type(context) is kind
        assert document_type(type(context)) is kind
        values = kind.values(context)
        lists = {name for name, value in values.items() if not isinstance(value, str)}
        assert set(values) - lists == kind.fields.scalars
        assert lists == set(kind.fields.lists)
        for name in lists:
            for element in values[name]:
                assert isinstance(element, dict)
                assert set(element) == kind.fields.lists[name]
        # the built-in layout uses only placeholders the type offers, and is a template
        template = load_template(builtin_docx(kind.kind), kind.kind)
        assert template.placeholders <= kind.fields.names()
        assert paragraphs(reopen(render_document(context, template=template))) == paragraphs(
            reopen(render_document(context))
        )


TRICKY = (
    "ООО \"Рога & Копыта\" <б/у> ]]> 'кавычки' «ёлочки» „лапки“",
    "первая строка\nвторая строка\r\nтретья\rчетвёртая",
    "\tс табуляцией\tвнутри",
    "Ёжик 🦔 и 𝔘𝔫𝔦𝔠𝔬𝔡𝔢; &amp; не сущность; <w:t>не разметка</w:t>",
)


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_request_intact(text: str) -> None:
    expected = _normalised(text)
    spec = a_spec(
        **dict.fromkeys(("product_type", "design", "materials", "delivery_address"), text),
        packaging_type=text,
        packaging_marking=text,
        delivery_format=text,
        other=(text, "вторая"),
    )
    request = a_request(client_name=text, manager=text, specification=spec, notes=(text,))
    document = reopen(render_document(request))
    text_ = paragraphs(document)
    assert text_[2] == f"Заказчик: {expected}"
    assert text_[3] == f"Менеджер: {expected}"
    assert text_[7] == expected
    table = cells(document, 0)
    for row in (1, 3, 4, 6, 7, 8, 10):
        assert table[row][2] == expected
    assert table[11][2] == f"{expected}\nвторая"
    assert cells(document, 1)[1][1] == f"Менеджер\n______________ / {expected} /"


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_invoice_intact(text: str) -> None:
    expected = _normalised(text)
    invoice = an_invoice(
        supplier=a_supplier(name=text, address=text),
        bank=a_bank(bank=text),
        buyer=a_buyer(name=text),
        lines=(InvoiceLine(text, "шт.", 1, Money(1)),),
        basis=text,
        head=text,
    )
    document = reopen(render_document(invoice))
    assert cells(document, 0)[0][0] == f"{expected}\nБанк получателя"
    assert cells(document, 0)[3][0] == f"{expected}\nПолучатель"
    text_ = paragraphs(document)
    assert text_[1] == (
        f"Поставщик (Исполнитель): {expected}, ИНН 5501234567, КПП 550101001, {expected}"
    )
    assert text_[2] == f"Покупатель (Заказчик): {expected}, ИНН 5507654321, КПП 550701001"
    assert text_[3] == f"Основание: {expected}"
    assert text_[11] == f"Руководитель\t______________ / {expected} /"
    assert cells(document, 1)[1][1] == expected


# ------------------------------------------------------------------------------ templates


def _request_template(document: Document) -> None:
    document.add_paragraph("Заявка {{ number }} ({{ status }}) для {{ client_name }}")
    document.add_paragraph("{{ product_type }}: {{ quantity }} экз. к {{ delivery_deadline }}")
    document.add_paragraph("Прочее: {{ other }}")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "{{ specification.parameter }}"
    table.rows[0].cells[1].text = "{{ specification.value }}"
    table.rows[1].cells[0].text = "Цена"
    table.rows[1].cells[1].text = "{{ price }} ({{ price_in_words }})"
    document.sections[0].footer.paragraphs[0].text = "Менеджер: {{ manager }}"


def _invoice_template(document: Document) -> None:
    document.add_paragraph("Счёт {{ number }}: {{ supplier.name }} → {{ buyer.name }}")
    document.add_paragraph("р/с {{ bank.account }}, БИК {{ bank.bik }}, {{ bank.name }}")
    document.add_paragraph("{{ lines.n }}) {{ lines.name }} — {{ lines.amount }}")
    document.add_paragraph("{{ prepayment_percent }} от {{ total }} = {{ prepayment }}")
    document.add_paragraph("{{ amount_in_words }}")


def test_a_user_template_for_the_request() -> None:
    template = load_template(make_docx(_request_template), OrderRequest)
    assert template.kind == "order_request"
    document = reopen(render_document(a_request(), template=template))
    assert paragraphs(document) == [
        "Заявка З-101 (окончательная) для ООО «Ромашка»",
        "Календарь настенный: 500 экз. к 25.06.2025",
        "Прочее: Отдельно упаковать 10 экземпляров для директора\nПробный оттиск до 10.06",
    ]
    table = cells(document, 0)
    assert table[:-1] == [row[1:] for row in SPEC_TABLE[1:]]
    assert table[-1] == ["Цена", f"13{NBSP}000,00 (Тринадцать тысяч рублей 00 копеек)"]
    assert document.sections[0].footer.paragraphs[0].text == "Менеджер: Орлова\xa0А.\xa0А."


def test_a_user_template_for_the_invoice() -> None:
    template = load_template(make_docx(_invoice_template), "prepayment_invoice")
    document = reopen(render_document(an_invoice(), template=template))
    assert paragraphs(document) == [
        "Счёт СП-17: ООО «MLS IT» → ООО «Ромашка»",
        "р/с 40702810945000012345, БИК 045209673, Омское отделение №\xa08634 ПАО Сбербанк, г. Омск",
        f"1) Календарь настенный, тираж 500 экз. — 13{NBSP}005,00",
        f"2) Доставка курьером до двери — 1{NBSP}500,00",
        f"50% от 14{NBSP}505,00 = 7{NBSP}252,50",
        "Семь тысяч двести пятьдесят два рубля 50 копеек",
    ]


@pytest.mark.parametrize(
    ("kind", "placeholder", "hint"),
    [
        ("order_request", "{{ items.name }}", "unknown placeholder {{ items.name }}"),
        ("order_request", "{{ specification }}", "is a list"),
        ("prepayment_invoice", "{{ supplier.bik }}", "did you mean"),
        ("prepayment_invoice", "{{ lines.vat }}", "fields of lines"),
    ],
)
def test_a_template_with_a_placeholder_the_document_lacks(
    kind: str, placeholder: str, hint: str
) -> None:
    with pytest.raises(TemplateError) as info:
        load_template(make_docx(lambda d: d.add_paragraph(placeholder)), kind)
    assert info.value.paths == ("word/document.xml",)
    assert hint in str(info.value)


def test_a_plugin_draws_the_order_documents(host: PluginHost) -> None:
    seen: list[str] = []

    class Letterhead:
        @hookimpl
        def clientops_render_document(self, kind: str, context: object) -> bytes | None:
            seen.append(kind)
            if kind != "prepayment_invoice":
                return None
            assert isinstance(context, PrepaymentInvoice)
            return make_docx(lambda d: d.add_paragraph(f"Счёт {context.number} от плагина"))

    host.register(Letterhead(), name="letterhead")
    assert paragraphs(reopen(render_document(an_invoice(), host=host))) == ["Счёт СП-17 от плагина"]
    assert paragraphs(reopen(render_document(a_request(), host=host)))[1] == "(окончательная)"
    assert seen == ["prepayment_invoice", "order_request"]


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(entry_points=False)


# ------------------------------------------------------------------------------ validation


def test_a_request_names_every_missing_field_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        OrderRequest("", None, " ", "", None)  # type: ignore[arg-type]
    assert info.value.paths == ("number", "date", "client_name", "manager", "specification")
    assert info.value.subject == "OrderRequest"
    assert "number: required" in str(info.value)


def test_an_invoice_names_every_missing_field_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        PrepaymentInvoice("", None, None, None, None, (), None)  # type: ignore[arg-type]
    assert info.value.paths == (
        "number",
        "date",
        "supplier",
        "bank",
        "buyer",
        "lines",
        "due_date",
    )
    with pytest.raises(ValidationError) as info:
        InvoiceParty("", "")
    assert info.value.paths == ("name", "inn")
    with pytest.raises(ValidationError) as info:
        BankDetails(" ", "", "", "")
    assert info.value.paths == ("bank", "bik", "account")
    with pytest.raises(ValidationError) as info:
        InvoiceLine("", "", 1, Money(1))
    assert info.value.paths == ("name", "unit")


@pytest.mark.parametrize(
    ("make", "paths"),
    [
        (lambda: a_request(number=" "), ("number",)),
        (lambda: a_request(date="11.06.2025"), ("date",)),
        (lambda: a_request(specification=attrs.asdict(a_spec())), ("specification",)),
        (
            lambda: a_request(specification=a_spec(design="Макет\x00", other=("ok", "a\x0bb"))),
            ("specification.design", "specification.other[1]"),
        ),
        (lambda: a_request(price=Money("10", "USD")), ("price",)),
        (lambda: a_request(price=Money(0)), ("price",)),
        (lambda: a_request(price=Money("10.005")), ("price",)),
        (lambda: a_request(price=Decimal(10)), ("price",)),
        (lambda: a_request(vat_rate=20), ("vat_rate",)),
        (lambda: a_request(notes=["Примечание"]), ("notes",)),
        (lambda: a_request(notes=("Примечание", " ")), ("notes[1]",)),
        (lambda: a_request(preliminary="да"), ("preliminary",)),
        (lambda: a_request(client_signer="\x01"), ("client_signer",)),
        (lambda: a_request(manager="", price=Money(-1)), ("manager", "price")),
        (lambda: a_supplier(inn="550123456"), ("inn",)),
        (lambda: a_supplier(inn="55012345678"), ("inn",)),
        (lambda: a_supplier(inn="55012345ab"), ("inn",)),
        (lambda: a_supplier(inn="５５０１２３４５６７"), ("inn",)),  # fullwidth digits
        (lambda: a_supplier(kpp="55010100"), ("kpp",)),
        (lambda: a_supplier(kpp="5501ab001"), ("kpp",)),
        (lambda: a_bank(bik="04520967"), ("bik",)),
        (lambda: a_bank(account="4070281094500001234"), ("account",)),
        (lambda: a_bank(correspondent_account="301"), ("correspondent_account",)),
        (lambda: InvoiceLine("Доставка", "усл.", 0, Money(1)), ("quantity",)),
        (lambda: InvoiceLine("Доставка", "усл.", 1, Money(5, "USD")), ("price",)),
        (lambda: InvoiceLine("", "усл.", -1, Money(0)), ("name", "quantity", "price")),
        (lambda: an_invoice(lines=()), ("lines",)),
        (lambda: an_invoice(lines=list(LINES)), ("lines",)),
        (lambda: an_invoice(lines=(LINES[0], "Доставка", None)), ("lines[1]", "lines[2]")),
        (lambda: an_invoice(supplier="ООО «MLS IT»"), ("supplier",)),
        (lambda: an_invoice(bank=None), ("bank",)),
        (lambda: an_invoice(due_date=date(2025, 6, 11)), ("due_date",)),
        (lambda: an_invoice(prepayment_percent=0), ("prepayment_percent",)),
        (lambda: an_invoice(prepayment_percent=Decimal("100.01")), ("prepayment_percent",)),
        (lambda: an_invoice(prepayment_percent=50.0), ("prepayment_percent",)),
        (lambda: an_invoice(prepayment_percent=True), ("prepayment_percent",)),
        (
            lambda: an_invoice(number="", head="\x00", vat_rate=Decimal(100)),
            ("number", "vat_rate", "head"),
        ),
    ],
)
def test_contexts_refuse_bad_input(make: Callable[[], object], paths: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        make()
    assert info.value.paths == paths


def test_a_quantity_is_never_a_float() -> None:
    with pytest.raises(TypeError, match="quantity"):
        InvoiceLine("Доставка", "усл.", 1.5, Money(1))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ builders


def test_the_request_of_an_order_before_and_after_the_client_agrees() -> None:
    opened = an_open_order()
    request = order_request_for(
        opened, client_name="ООО «Ромашка»", manager="Орлова А. А.", date=date(2025, 6, 2)
    )
    assert (request.number, request.preliminary, request.price) == ("З-101", True, None)
    assert request.specification is opened.specification
    assert paragraphs(reopen(render_document(request)))[:2] == [
        "ЗАЯВКА НА ЗАКАЗ №\xa0З-101 от 02.06.2025",
        "(предварительная)",
    ]

    priced = a_priced_order()
    assert priced.price == Money("13000.00")
    request = order_request_for(
        priced, client_name="ООО «Ромашка»", manager="Орлова А. А.", date=date(2025, 6, 3)
    )
    assert (request.preliminary, request.price) == (True, Money("13000.00"))

    agreed = walk(priced, AgreeWithClient(delivery_deadline=date(2025, 6, 27)))
    request = order_request_for(
        agreed,
        client_name="ООО «Ромашка»",
        manager="Орлова А. А.",
        date=date(2025, 6, 4),
        client_signer="П. П. Петров",
        notes=("Оплата: предоплата 50%",),
    )
    assert not request.preliminary
    document = reopen(render_document(request))
    assert paragraphs(document)[:2] == [
        "ЗАЯВКА НА ЗАКАЗ №\xa0З-101 от 04.06.2025",
        "(окончательная)",
    ]
    assert paragraphs(document)[7] == "Оплата: предоплата 50%"
    assert cells(document, 0)[9] == ["9", "Сроки доставки", "до 27.06.2025"]
    assert cells(document, 1)[1][0].split("\n")[1] == "______________ / П.\xa0П.\xa0Петров /"


def test_the_request_of_a_repeat_order_notes_its_discount() -> None:
    closed = walk(
        a_queued_order(),
        IssuePrepaymentInvoice("СП-17"),
        StartProduction(),
        RecordControlSample("Образец календаря", "Архив, полка 3"),
        AcceptQuality(),
        NotifyClient(),
        Ship(),
        SignAct(),
        ReceivePayment(),
        ReceiveOriginals(),
        Close(),
    )
    repeat = repeat_order(
        closed,
        new_id=OrderId("o2"),
        number="З-140",
        now=closed.history[-1].at + timedelta(days=1),
        by=ANNA,
        policy=POLICY,
        changes={"production_deadline": date(2025, 7, 20), "delivery_deadline": date(2025, 7, 25)},
    )
    request = order_request_for(
        repeat,
        client_name="ООО «Ромашка»",
        manager="Орлова А. А.",
        date=date(2025, 7, 1),
        notes=("Тираж как в заказе З-101",),
    )
    assert request.notes == (
        "Тираж как в заказе З-101",
        "Повторный заказ: скидка 5% от расчётной цены.",
    )
    assert request.preliminary
    table = cells(reopen(render_document(request)), 0)
    assert table[5] == ["5", "Сроки изготовления", "до 20.07.2025"]


def test_the_prepayment_invoice_of_an_order() -> None:
    issued = walk(a_queued_order(), IssuePrepaymentInvoice("СП-17"))
    invoice = prepayment_invoice_for(
        issued,
        supplier=a_supplier(),
        bank=a_bank(),
        buyer=a_buyer(),
        date=date(2025, 6, 12),
        due_date=date(2025, 6, 17),
        prepayment_percent=50,
        head="И. И. Иванов",
    )
    assert invoice.number == "СП-17"
    assert invoice.lines == (
        InvoiceLine(
            "Изготовление продукции по заказу № З-101: Календарь настенный, тираж 500 экз.",
            "усл.",
            1,
            Money("13000.00"),
        ),
    )
    assert (invoice.total, invoice.prepayment) == (Money("13000.00"), Money("6500.00"))
    document = reopen(render_document(invoice))
    text = paragraphs(document)
    assert text[0] == "Счёт на предоплату №\xa0СП-17 от 12.06.2025"
    assert text[3] == "Основание: Заявка на заказ №\xa0З-101"
    assert text[6] == f"Всего к оплате (предоплата 50%): 6{NBSP}500,00"
    assert text[9] == "Шесть тысяч пятьсот рублей 00 копеек"
    assert cells(document, 1)[1][1].startswith("Изготовление продукции по заказу №\xa0З-101")
    # the same number may be given; the invoice may be drawn before it is recorded
    assert prepayment_invoice_for(
        issued,
        supplier=a_supplier(),
        bank=a_bank(),
        buyer=a_buyer(),
        date=date(2025, 6, 12),
        due_date=date(2025, 6, 17),
        number="СП-17",
    ).prepayment == Money("13000.00")
    drawn_first = prepayment_invoice_for(
        a_queued_order(),
        supplier=a_supplier(),
        bank=a_bank(),
        buyer=a_buyer(),
        date=date(2025, 6, 12),
        due_date=date(2025, 6, 17),
        number="СП-18",
        vat_rate=None,
    )
    assert (drawn_first.number, drawn_first.vat) == ("СП-18", None)


def test_the_invoice_builder_names_what_the_order_lacks() -> None:
    kwargs: dict[str, Any] = {
        "supplier": a_supplier(),
        "bank": a_bank(),
        "buyer": a_buyer(),
        "date": date(2025, 6, 12),
        "due_date": date(2025, 6, 17),
    }
    unpriced = an_open_order()
    with pytest.raises(ValidationError) as info:
        prepayment_invoice_for(unpriced, **kwargs)
    assert info.value.paths == ("price", "number")
    assert info.value.subject == "prepayment invoice for order З-101"
    issued = walk(a_queued_order(), IssuePrepaymentInvoice("СП-17"))
    with pytest.raises(ValidationError, match="not the order's prepayment invoice 'СП-17'") as info:
        prepayment_invoice_for(issued, number="СП-99", **kwargs)
    assert info.value.paths == ("number",)
    with pytest.raises(ValidationError) as info:
        prepayment_invoice_for(issued, prepayment_percent=0, **kwargs)
    assert info.value.paths == ("prepayment_percent",)
    with pytest.raises(ValidationError) as info:
        order_request_for(unpriced, client_name=" ", manager="", date=date(2025, 6, 2))
    assert info.value.paths == ("client_name", "manager")
    with pytest.raises(TypeError, match="not an Order"):
        order_request_for(
            a_request(),  # type: ignore[arg-type]
            client_name="ООО «Ромашка»",
            manager="Орлова А. А.",
            date=date(2025, 6, 2),
        )


# ------------------------------------------------------------------------------ LibreOffice


def test_libreoffice_converts_the_order_documents_to_pdf(tmp_path: Path) -> None:
    documents = {
        "order_request": (
            render_document(a_request()),
            [
                "ЗАЯВКА НА ЗАКАЗ № З-101 от 11.06.2025",
                "СПЕЦИФИКАЦИЯ",
                "Тип изготавливаемой продукции",
                "Пробный оттиск до 10.06",
                "Тринадцать тысяч рублей 00 копеек",
            ],
        ),
        "prepayment_invoice": (
            render_document(an_invoice(buyer=a_buyer(name='ООО "Рога & Копыта" <б/у>'))),
            [
                "Счёт на предоплату № СП-17 от 12.06.2025",
                "045209673",
                "40702810945000012345",
                'ООО "Рога & Копыта" <б/у>',
                "Всего наименований 2, на сумму 14 505,00 руб.",
                "Семь тысяч двести пятьдесят два рубля 50 копеек",
            ],
        ),
    }
    texts = convert_to_pdf({name: data for name, (data, _) in documents.items()}, tmp_path)
    for name, (_, expected) in documents.items():
        flat = texts[name]
        if flat is not None:
            for snippet in expected:
                assert snippet in flat, f"{snippet!r} not in the PDF of {name}: {flat[:600]}"
