"""Documents: every generated .docx is opened again with python-docx and its text, tables and
page checked; one test has LibreOffice convert them all to PDF."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._office import convert_to_pdf

from clientops import Money, PluginError, PluginHost, ValidationError, hookimpl
from clientops.documents import (
    A4,
    APPENDIX_1_ACTIONS,
    COMPLETED_WORKS_ACT,
    DOCUMENT_TYPES,
    FOLDER_TITLE_PAGE,
    NONCONFORMITY_NOTICE,
    ONBOARDING_CHECKLIST,
    SOFTWARE_TRANSFER_ACT,
    ActItem,
    ChecklistRow,
    CompletedWorksAct,
    Fields,
    FolderTitlePage,
    NonconformityNotice,
    NoticeItem,
    OnboardingChecklist,
    PageSetup,
    Party,
    SoftwareItem,
    SoftwareTransferAct,
    Template,
    amount_in_words,
    builtin_docx,
    builtin_template,
    document_type,
    format_money,
    format_quantity,
    load_template,
    plural_ru,
    render_document,
)
from clientops.errors import TemplateError
from clientops.russian import typeset

NBSP = "\u00a0"


# ------------------------------------------------------------------------------ builders


def an_executor(**changes: str) -> Party:
    fields = {
        "name": "ООО «Типография „Полиграф-Сервис“»",
        "details": "ИНН 7701234567, КПП 770101001, 123456, г. Москва, ул. Печатников, д. 5",
        "signer_position": "Генеральный директор",
        "signer_name": "И. И. Иванов",
    }
    return Party(**{**fields, **changes})


def a_customer(**changes: str) -> Party:
    fields = {
        "name": "АО «Вектор»",
        "details": "ИНН 7809876543, КПП 780901001, 190000, г. Санкт-Петербург, Невский пр., д. 1",
        "signer_position": "Директор",
        "signer_name": "П. П. Петров",
    }
    return Party(**{**fields, **changes})


ITEMS = (
    ActItem("Абонентское обслуживание за июнь 2025 г.", "мес.", 1, Money("12000.39")),
    ActItem("Доставка заказа курьером по Москве", "усл.", 3, Money("850.43")),
    ActItem("Печать каталогов А4, 48 полос, тираж 500 экз.", "экз.", 500, Money("95.22")),
    ActItem("Разработка макета рекламного модуля", "шт.", 2, Money("4500.71")),
    ActItem("Срочность исполнения заказа (надбавка 20%)", "усл.", 1, Money("9440.35")),
)


def an_act(**changes: Any) -> CompletedWorksAct:
    fields: dict[str, Any] = {
        "number": "00001",
        "date": date(2025, 6, 30),
        "city": "г. Москва",
        "executor": an_executor(),
        "customer": a_customer(),
        "contract": "Договор № 101/25 от 15.01.2025",
        "items": ITEMS,
    }
    return CompletedWorksAct(**{**fields, **changes})


def a_transfer(**changes: Any) -> SoftwareTransferAct:
    fields: dict[str, Any] = {
        "number": "42",
        "date": date(2025, 7, 1),
        "city": "г. Омск",
        "transferor": Party(
            "ООО «MLS IT»", "ИНН 5501234567", "Генеральный директор", "И. И. Иванов"
        ),
        "recipient": Party("ООО «Ромашка»", "ИНН 5507654321", "Директор", "П. П. Петров"),
        "contract": "Договор № 12/25 от 15.01.2025",
        "items": (
            SoftwareItem("ArchiMed+", "5.2", "LIC-0001-2345", "USB-ключ защиты"),
            SoftwareItem("ArchiSport", "2.0", "KEY ABCD-EFGH", "DVD-диск", Decimal(2)),
        ),
    }
    return SoftwareTransferAct(**{**fields, **changes})


def a_title_page(**changes: Any) -> FolderTitlePage:
    fields: dict[str, Any] = {
        "client_name": "ООО «Ромашка»",
        "contract_number": "12/25",
        "sales_manager": "Петров Пётр Петрович",
        "city": "г. Омск",
        "contact_person": "Иванова Ирина Ивановна",
        "phone": "+7 (3812) 21-43-65, доб. 7",
        "products": ("ArchiMed+", "ArchiSport"),
        "date": date(2025, 7, 1),
    }
    return FolderTitlePage(**{**fields, **changes})


APPENDIX_ROWS = tuple(ChecklistRow(n, action) for n, action in enumerate(APPENDIX_1_ACTIONS, 1))


def a_checklist(**changes: Any) -> OnboardingChecklist:
    fields: dict[str, Any] = {
        "client_name": "ООО «Ромашка»",
        "contract_number": "12/25",
        "manager": "Орлова Анна Алексеевна",
        "rows": APPENDIX_ROWS,
    }
    return OnboardingChecklist(**{**fields, **changes})


def a_notice(**changes: Any) -> NonconformityNotice:
    fields: dict[str, Any] = {
        "number": "3",
        "date": date(2025, 7, 2),
        "client_name": "ООО «Ромашка»",
        "contract_number": "12/25",
        "recipients": (
            "Менеджеру по продажам Петрову П. П.",
            "Начальнику отдела продаж Сидорову С. С.",
        ),
        "sender": "Орлова А. А.",
        "items": (
            NoticeItem("Титульный лист", "не заполнено поле «Номер телефона»"),
            NoticeItem("Договор № 12/25, экземпляр 3", "нет печати организации"),
        ),
    }
    return NonconformityNotice(**{**fields, **changes})


#: A sample context of every document type, by kind.
SAMPLES: dict[str, Callable[[], object]] = {
    "completed_works_act": an_act,
    "software_transfer_act": a_transfer,
    "folder_title_page": a_title_page,
    "onboarding_checklist": a_checklist,
    "nonconformity_notice": a_notice,
}


def reopen(data: bytes) -> Document:
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    return docx.Document(io.BytesIO(data))


def paragraphs(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def cells(document: Document, table: int) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[table].rows]


def make_docx(build: Callable[[Document], object]) -> bytes:
    """A .docx made with python-docx (as a user's template would be made in Word)."""
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ amounts


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "Ноль рублей 00 копеек"),
        ("0.01", "Ноль рублей 01 копейка"),
        ("0.02", "Ноль рублей 02 копейки"),
        ("0.05", "Ноль рублей 05 копеек"),
        ("0.11", "Ноль рублей 11 копеек"),
        ("0.21", "Ноль рублей 21 копейка"),
        ("0.99", "Ноль рублей 99 копеек"),
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("4.04", "Четыре рубля 04 копейки"),
        ("5", "Пять рублей 00 копеек"),
        ("11", "Одиннадцать рублей 00 копеек"),
        ("12.12", "Двенадцать рублей 12 копеек"),
        ("14", "Четырнадцать рублей 00 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("22.50", "Двадцать два рубля 50 копеек"),
        ("101", "Сто один рубль 00 копеек"),
        ("111", "Сто одиннадцать рублей 00 копеек"),
        ("123.45", "Сто двадцать три рубля 45 копеек"),
        ("1000", "Одна тысяча рублей 00 копеек"),
        ("1001", "Одна тысяча один рубль 00 копеек"),
        ("2000", "Две тысячи рублей 00 копеек"),
        ("21000", "Двадцать одна тысяча рублей 00 копеек"),
        ("80603.45", "Восемьдесят тысяч шестьсот три рубля 45 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("2000000.01", "Два миллиона рублей 01 копейка"),
        ("5000000", "Пять миллионов рублей 00 копеек"),
        ("1000000000", "Один миллиард рублей 00 копеек"),
        ("12.500", "Двенадцать рублей 50 копеек"),
    ],
)
def test_amount_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Money(amount)) == words


def test_amount_in_words_up_to_the_largest_amount() -> None:
    words = amount_in_words(Money("999999999999999.99"))
    assert words.startswith("Девятьсот девяносто девять триллионов")
    assert words.endswith("девятьсот девяносто девять рублей 99 копеек")


@pytest.mark.parametrize(
    ("money", "message"),
    [
        (Money("-1"), "negative"),
        (Money("0.001"), "fraction of a kopeck"),
        (Money("10", "USD"), "RUB only"),
    ],
)
def test_amount_in_words_refuses(money: Money, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        amount_in_words(money)
    assert info.value.paths == ("amount",)


def test_an_amount_beyond_the_largest_is_not_money() -> None:
    # the words' limit and Money's are one: Money refuses the amount itself
    with pytest.raises(ValidationError, match="out of range") as info:
        Money("1000000000000000")
    assert info.value.paths == ("amount",)


@pytest.mark.parametrize(
    ("n", "form"),
    [
        *((0, "рублей"), (1, "рубль"), (3, "рубля"), (11, "рублей"), (13, "рублей")),
        *((21, "рубль"), (104, "рубля"), (112, "рублей"), (1001, "рубль"), (-2, "рубля")),
    ],
)
def test_plural_ru(n: int, form: str) -> None:
    assert plural_ru(n, ("рубль", "рубля", "рублей")) == form


def test_format_money_and_quantity() -> None:
    assert format_money(Money("1234567.8")) == f"1{NBSP}234{NBSP}567,80"
    assert format_money(Money("0.5")) == "0,50"
    assert format_quantity(Decimal("500")) == "500"
    assert format_quantity(Decimal("1E+2")) == "100"
    assert format_quantity(Decimal("2.250")) == "2,25"


# ------------------------------------------------------------------------------ the acts


def test_completed_works_act_reopens_with_its_text_and_tables() -> None:
    act = an_act()
    document = reopen(render_document(act))
    assert paragraphs(document) == [
        "АКТ №\xa000001",
        "сдачи-приёмки выполненных работ (оказанных услуг)",
        "г. Москва\t30.06.2025",
        "Исполнитель: ООО «Типография „Полиграф-Сервис“», ИНН 7701234567, КПП 770101001, "
        "123456, г. Москва, ул. Печатников, д. 5",
        "Заказчик: АО «Вектор», ИНН 7809876543, КПП 780901001, 190000, г. Санкт-Петербург, "
        "Невский пр., д. 1",
        "Основание: Договор №\xa0101/25 от 15.01.2025",
        f"Итого: 80{NBSP}603,45",
        f"В том числе НДС (20%): 13{NBSP}433,91",
        f"Всего оказано услуг 5, на сумму 80{NBSP}603,45{NBSP}руб.",
        "Восемьдесят тысяч шестьсот три рубля 45 копеек",
        "Вышеперечисленные работы (услуги) выполнены полностью и в срок. Заказчик претензий по "
        "объёму, качеству и срокам оказания услуг не имеет.",
        "",
    ]
    assert cells(document, 0) == [
        ["№", "Наименование работ (услуг)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб."],
        [
            "1",
            "Абонентское обслуживание за июнь 2025\xa0г.",
            "1",
            "мес.",
            f"12{NBSP}000,39",
            f"12{NBSP}000,39",
        ],
        ["2", "Доставка заказа курьером по Москве", "3", "усл.", "850,43", f"2{NBSP}551,29"],
        [
            "3",
            "Печать каталогов А4, 48 полос, тираж 500 экз.",
            "500",
            "экз.",
            "95,22",
            f"47{NBSP}610,00",
        ],
        [
            "4",
            "Разработка макета рекламного модуля",
            "2",
            "шт.",
            f"4{NBSP}500,71",
            f"9{NBSP}001,42",
        ],
        [
            "5",
            "Срочность исполнения заказа (надбавка 20%)",
            "1",
            "усл.",
            f"9{NBSP}440,35",
            f"9{NBSP}440,35",
        ],
    ]
    assert cells(document, 1) == [
        ["Исполнитель", "Заказчик"],
        [
            "Генеральный директор\n______________ / И.\xa0И.\xa0Иванов /\nМ.П.",
            "Директор\n______________ / П.\xa0П.\xa0Петров /\nМ.П.",
        ],
    ]
    assert act.total == Money("80603.45")
    assert act.vat == Money("13433.91")


def test_software_transfer_act_reopens_with_its_text_and_tables() -> None:
    document = reopen(render_document(a_transfer()))
    text = paragraphs(document)
    assert text[:6] == [
        "АКТ №\xa042",
        "приёма-передачи программного обеспечения",
        "г. Омск\t01.07.2025",
        "Передающая сторона: ООО «MLS IT», ИНН 5501234567",
        "Принимающая сторона: ООО «Ромашка», ИНН 5507654321",
        "Основание: Договор №\xa012/25 от 15.01.2025",
    ]
    assert "Всего передано позиций: 2." in text
    assert any(line.startswith("Программное обеспечение передано в полном объёме") for line in text)
    assert cells(document, 0) == [
        [
            "№",
            "Наименование программного обеспечения",
            "Версия",
            "Лицензия (ключ)",
            "Носитель",
            "Кол-во",
        ],
        ["1", "ArchiMed+", "5.2", "LIC-0001-2345", "USB-ключ защиты", "1"],
        ["2", "ArchiSport", "2.0", "KEY ABCD-EFGH", "DVD-диск", "2"],
    ]
    assert cells(document, 1)[0] == ["Передал", "Принял"]
    assert cells(document, 1)[1][1] == "Директор\n______________ / П.\xa0П.\xa0Петров /\nМ.П."


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_document_is_on_a4(kind: str) -> None:
    make = SAMPLES[kind]
    document = reopen(render_document(make()))
    section = document.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert round(section.page_width.mm) == 210
    assert round(section.page_height.mm) == 297
    margins = (section.top_margin, section.right_margin, section.bottom_margin, section.left_margin)
    assert [None if m is None else round(m.mm) for m in margins] == [20, 15, 20, 30]
    assert document.styles["Normal"].font.name == "Times New Roman"  # type: ignore[attr-defined]
    assert document.core_properties.title == document_type(make()).title
    assert document.core_properties.author == "clientops"


def test_the_page_is_a_setting() -> None:
    a5_landscape = PageSetup(width_mm=210, height_mm=148, left_mm=20, right_mm=10)
    section = reopen(render_document(an_act(), page=a5_landscape)).sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 148)
    assert section.orientation == WD_ORIENT.LANDSCAPE
    with pytest.raises(ValidationError) as info:
        PageSetup(left_mm=100, right_mm=100)
    assert info.value.paths == ("left_mm",)
    with pytest.raises(ValidationError, match="positive"):
        PageSetup(width_mm=0)


def test_the_package_is_trimmed_and_reproducible() -> None:
    first = render_document(an_act())
    assert render_document(an_act()) == first  # same context, same bytes
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names[0] == "[Content_Types].xml"
    assert "word/document.xml" in names
    assert not any("thumbnail" in n or "stylesWithEffects" in n for n in names)
    assert render_document(an_act(number="2")) != first


def test_vat_rate_and_no_vat() -> None:
    act = an_act(vat_rate=Decimal(10), items=(ActItem("Услуга", "усл.", 1, Money("110.00")),))
    text = paragraphs(reopen(render_document(act)))
    assert "В том числе НДС (10%): 10,00" in text
    act = an_act(vat_rate=None)
    assert act.vat is None
    assert "Без налога (НДС)" in paragraphs(reopen(render_document(act)))


def test_vat_and_amounts_round_half_up() -> None:
    act = an_act(items=(ActItem("Услуга", "усл.", Decimal("0.5"), Money("0.05")),))
    assert act.items[0].amount == Money("0.03")  # 0.025 → 0.03
    act = an_act(items=(ActItem("Услуга", "усл.", 1, Money("0.03")),))
    assert act.vat == Money("0.01")  # 0.005 → 0.01


def test_values_offer_exactly_the_fields_of_their_type() -> None:
    # the billing, service and order documents come after these: tests/test_billing_documents.py,
    # tests/test_service_documents.py and tests/test_order_documents.py check them
    assert [t.kind for t in DOCUMENT_TYPES][: len(SAMPLES)] == list(SAMPLES)
    for kind in DOCUMENT_TYPES[: len(SAMPLES)]:
        context = SAMPLES[kind.kind]()
        assert document_type(context) is kind
        values = kind.values(context)
        lists = {name for name, value in values.items() if not isinstance(value, str)}
        assert set(values) - lists == kind.fields.scalars
        assert lists == set(kind.fields.lists)
        for name in lists:
            for element in values[name]:
                assert isinstance(element, dict)
                assert set(element) == kind.fields.lists[name]
    assert [t.kind for t in DOCUMENT_TYPES] == [
        "completed_works_act",
        "software_transfer_act",
        "folder_title_page",
        "onboarding_checklist",
        "nonconformity_notice",
        "payment_invoice",
        "debtors_list",
        "visit_act",
        "recommendation_request",
        "consignment_note",
        "upd",
        "packing_list",
        "order_request",
        "prepayment_invoice",
    ]


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: an_act(number=" "), "number"),
        (lambda: an_act(items=()), "items"),
        (lambda: an_act(items=[ITEMS[0]]), "items"),
        (lambda: an_act(items=(ITEMS[0], "Услуга")), "items[1]"),
        (lambda: an_act(vat_rate=Decimal(100)), "vat_rate"),
        (lambda: an_act(date="30.06.2025"), "date"),
        (lambda: an_act(customer="АО «Вектор»"), "customer"),
        (lambda: an_act(items=(ActItem("Услуга", "усл.", 1, Money(5, "USD")),)), "items"),
        (lambda: ActItem("Услуга", "усл.", 0, Money(1)), "quantity"),
        (lambda: ActItem("Услуга", "усл.", 1, Money(-1)), "price"),
        (lambda: ActItem("", "усл.", 1, Money(1)), "name"),
        (lambda: Party("ООО «Ромашка»\x00"), "name"),
        (lambda: Party("ООО", details="\x0b"), "details"),
        (lambda: SoftwareItem("ArchiMed+", quantity=Decimal(-1)), "quantity"),
        (lambda: a_transfer(recipient=None), "recipient"),
        (lambda: a_title_page(client_name=" "), "client_name"),
        (lambda: a_title_page(phone=""), "phone"),
        (lambda: a_title_page(city="Омск\x00"), "city"),
        (lambda: a_title_page(products=["ArchiMed+"]), "products"),
        (lambda: a_title_page(products=("ArchiMed+", " ")), "products[1]"),
        (lambda: a_title_page(products=("ArchiMed+", 5)), "products[1]"),
        (lambda: a_title_page(products=("Archi\nMed+",)), "products[0]"),
        (lambda: a_title_page(date="01.07.2025"), "date"),
        (lambda: a_checklist(manager=""), "manager"),
        (lambda: a_checklist(rows=()), "rows"),
        (lambda: a_checklist(rows=(APPENDIX_ROWS[0], "Позвонить")), "rows[1]"),
        (lambda: a_checklist(rows=(APPENDIX_ROWS[0], APPENDIX_ROWS[0])), "rows[1].number"),
        (lambda: ChecklistRow(0, "Позвонить"), "number"),
        (lambda: ChecklistRow(True, "Позвонить"), "number"),
        (lambda: ChecklistRow(1, " "), "action"),
        (lambda: ChecklistRow(1, "Позвонить", note="\x0c"), "note"),
        (lambda: ChecklistRow(1, "Позвонить", done_on="вчера"), "done_on"),  # type: ignore[arg-type]
        (lambda: a_notice(number=""), "number"),
        (lambda: a_notice(date=None), "date"),
        (lambda: a_notice(contract_number=None), "contract_number"),
        (lambda: a_notice(recipients=()), "recipients"),
        (lambda: a_notice(recipients=("Петрову П. П.\x01",)), "recipients[0]"),
        (lambda: a_notice(sender="\n"), "sender"),
        (lambda: a_notice(items=()), "items"),
        (lambda: a_notice(items=(NoticeItem("Договор", "нет печати"), "нет подписи")), "items[1]"),
        (lambda: NoticeItem("Договор", " "), "problem"),
        (lambda: NoticeItem("", "нет печати"), "document"),
    ],
)
def test_contexts_refuse_bad_input(make: Callable[[], object], path: str) -> None:
    with pytest.raises(ValidationError) as info:
        make()
    assert info.value.paths == (path,)


def test_quantity_refuses_floats() -> None:
    with pytest.raises(TypeError, match="quantity"):
        ActItem("Услуга", "усл.", 1.5, Money(1))  # type: ignore[arg-type]


def test_an_unknown_context_is_refused() -> None:
    with pytest.raises(ValidationError, match="completed_works_act") as info:
        render_document(object())
    assert info.value.paths == ("kind",)


# ------------------------------------------------------------------------------ escaping

TRICKY = (
    "ООО \"Рога & Копыта\" <б/у> ]]> 'кавычки' «ёлочки» „лапки“",
    "первая строка\nвторая строка\r\nтретья\rчетвёртая",
    "\tс табуляцией\tвнутри",
    "  пробелы по краям  ",
    "Ёжик 🦔 и 𝔘𝔫𝔦𝔠𝔬𝔡𝔢; &amp; не сущность; <w:t>не разметка</w:t>",
)


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_document_intact(text: str) -> None:
    act = an_act(
        customer=a_customer(name=text),
        items=(ActItem(text, "усл.", 1, Money(1)),),
        closing=text,
    )
    document = reopen(render_document(act))
    expected = _normalised(text)
    assert f"Заказчик: {expected}, ИНН 7809876543" in paragraphs(document)[4]
    assert paragraphs(document)[10] == expected
    assert cells(document, 0)[1][1] == expected


@settings(max_examples=40, deadline=None)
@given(
    st.text(
        st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
            "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
        ),
        max_size=40,
    )
)
def test_any_text_round_trips(text: str) -> None:
    # intact but for the typography every value gets (a «ёлочка» inside another one becomes
    # a „лапка“, no-break spaces where a line must not break)
    document = reopen(render_document(an_act(closing=text)))
    assert paragraphs(document)[10] == _normalised(typeset(text))


def test_characters_xml_cannot_hold_are_refused_naming_the_field() -> None:
    template = Template.from_docx(
        make_docx(lambda d: d.add_paragraph("{{ note }}")), Fields(scalars={"note"})
    )
    with pytest.raises(ValidationError, match="U\\+0007") as info:
        template.render({"note": "звонок\x07"})
    assert info.value.paths == ("note",)


# ------------------------------------------------------------------------------ templates


def _split_runs_template(document: Document) -> None:
    """Placeholders cut into runs the way Word does (spell-check marks, a bold part)."""
    document.add_paragraph("Акт {{ number }} от {{ date }}")
    p = document.add_paragraph("Заказчик: {")
    p.add_run("{ custo")
    p._p.append(OxmlElement("w:proofErr"))  # Word's spell-check mark between the runs
    bold = p.add_run("mer.name }")
    bold.bold = True
    p.add_run("}, город {{ city }}")
    highlighted = document.add_paragraph().add_run("{{ total }}")
    highlighted.font.highlight_color = WD_COLOR_INDEX.YELLOW
    document.add_paragraph("Сумма прописью: {{ amount_in_words }}")
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ("№", "Что", "Сумма"), strict=True):
        cell.text = text
    row = table.rows[1].cells
    row[0].text = "{{ items.n }}"
    row[1].paragraphs[0].add_run("{{ items.")
    row[1].paragraphs[0].add_run("name }} ({{ number }})")
    row[2].text = "{{ items.amount }}"
    for cell, text in zip(table.rows[2].cells, ("", "Итого", "{{ total }}"), strict=True):
        cell.text = text
    document.sections[0].header.paragraphs[0].text = "Акт № {{ number }} — {{ customer.name }}"
    document.sections[0].footer.paragraphs[0].text = "Исполнитель: {{ executor.name }}"


def test_a_user_template_with_placeholders_split_across_runs() -> None:
    template = load_template(make_docx(_split_runs_template), CompletedWorksAct)
    assert template.kind == "completed_works_act"
    assert "customer.name" in template.placeholders
    act = an_act(items=ITEMS[:2])
    document = reopen(render_document(act, template=template))
    assert paragraphs(document) == [
        "Акт 00001 от 30.06.2025",
        "Заказчик: АО «Вектор», город г. Москва",
        f"14{NBSP}551,68",
        "Сумма прописью: Четырнадцать тысяч пятьсот пятьдесят один рубль 68 копеек",
    ]
    assert cells(document, 0) == [
        ["№", "Что", "Сумма"],
        ["1", "Абонентское обслуживание за июнь 2025\xa0г. (00001)", f"12{NBSP}000,39"],
        ["2", "Доставка заказа курьером по Москве (00001)", f"2{NBSP}551,29"],
        ["", "Итого", f"14{NBSP}551,68"],
    ]
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "Акт № 00001 — АО «Вектор»"  # the user's words
    assert section.footer.paragraphs[0].text == f"Исполнитель: {an_executor().name}"
    # the value takes the formatting of the run where the placeholder starts
    total_run = document.paragraphs[2].runs[0]
    assert total_run.font.highlight_color == WD_COLOR_INDEX.YELLOW
    name_runs = [r for r in document.paragraphs[1].runs if "Вектор" in r.text]
    assert len(name_runs) == 1
    assert not name_runs[0].bold


_WORD_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14">
<w:body>
<w:p w14:paraId="1A2B3C4D" w14:textId="77777777" w:rsidR="00A1" w:rsidRDefault="00A1">
 <w:r><w:t xml:space="preserve">Акт № </w:t></w:r>
 <w:r w:rsidR="00B2"><w:t>{</w:t></w:r>
 <w:r w:rsidR="00B3"><w:t>{ </w:t></w:r>
 <w:proofErr w:type="spellStart"/>
 <w:r w:rsidR="00B2"><w:rPr><w:b/></w:rPr><w:t>num</w:t></w:r>
 <w:bookmarkStart w:id="0" w:name="_GoBack"/><w:bookmarkEnd w:id="0"/>
 <w:r><w:rPr><w:i/></w:rPr><w:t>ber</w:t></w:r>
 <w:proofErr w:type="spellEnd"/>
 <w:r><w:t xml:space="preserve"> }} от {{ date }}</w:t></w:r>
</w:p>
<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>
 <w:tblGrid><w:gridCol w:w="1000"/><w:gridCol w:w="4000"/></w:tblGrid>
 <w:tr w14:paraId="00000001" w14:textId="00000002" w:rsidR="00C1">
  <w:tc><w:p w14:paraId="00000003"><w:r><w:t>{{ items.n }}</w:t></w:r></w:p></w:tc>
  <w:tc><w:p w14:paraId="00000004">
   <w:r><w:t>{{ items.</w:t></w:r><w:r><w:t>name }}</w:t></w:r>
  </w:p></w:tc>
 </w:tr>
</w:tbl>
<w:p><w:r><w:t>{{ amount_in_words }}</w:t></w:r></w:p>
<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>
</w:body>
</w:document>
"""


def test_a_template_in_word_markup() -> None:
    """Runs with revision ids, spell-check marks, a bookmark and paragraph ids, as Word saves
    them; the repeated row's paragraph ids must not repeat in the output."""
    source = make_docx(lambda d: d.add_paragraph("x"))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as word,
    ):
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                data = _WORD_XML.encode()
            word.writestr(info, data)
    template = load_template(buffer.getvalue(), COMPLETED_WORKS_ACT)
    data = render_document(an_act(), template=template)
    document = reopen(data)
    assert paragraphs(document) == [
        "Акт № 00001 от 30.06.2025",  # the template's own words are left as they are
        "Восемьдесят тысяч шестьсот три рубля 45 копеек",
    ]
    names = [item.name.replace("2025 г.", "2025\xa0г.") for item in ITEMS]  # a value is typeset
    assert [row[1] for row in cells(document, 0)] == names
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    ids = re.findall(r'w14:paraId="([0-9A-F]+)"', xml)
    assert ids == ["1A2B3C4D"]  # the row's ids were dropped, not repeated five times


def test_the_built_in_layout_is_a_template_to_start_from() -> None:
    source = builtin_docx("completed_works_act")
    assert "{{ items.amount }}" in [
        c.text for row in docx.Document(io.BytesIO(source)).tables[0].rows for c in row.cells
    ]
    mine = load_template(source, COMPLETED_WORKS_ACT)
    act = an_act()
    assert paragraphs(reopen(render_document(act, template=mine))) == paragraphs(
        reopen(render_document(act))
    )
    assert builtin_template(CompletedWorksAct) is builtin_template("completed_works_act", A4)


def test_a_list_field_outside_a_table_repeats_its_paragraph() -> None:
    template = load_template(
        make_docx(
            lambda d: (
                d.add_paragraph("Перечень:"),
                d.add_paragraph("{{ items.n }}. {{ items.name }}, {{ items.medium }}"),
                d.add_paragraph("Всего: {{ items_count }}"),
            )
        ),
        "software_transfer_act",
    )
    text = paragraphs(reopen(render_document(a_transfer(), template=template)))
    assert text == [
        "Перечень:",
        "1. ArchiMed+, USB-ключ защиты",
        "2. ArchiSport, DVD-диск",
        "Всего: 2",
    ]


def test_an_empty_list_removes_its_rows_but_keeps_a_table_valid() -> None:
    fields = Fields(scalars={"title"}, lists={"rows": {"a", "b"}})

    def two_tables(document: Document) -> None:
        document.add_paragraph("{{ title }}")
        first = document.add_table(rows=2, cols=2)
        first.rows[0].cells[0].text = "A"
        first.rows[1].cells[0].text = "{{ rows.a }}"
        first.rows[1].cells[1].text = "{{ rows.b }}"
        only = document.add_table(rows=1, cols=1)
        only.rows[0].cells[0].text = "{{ rows.b }}"

    template = Template.from_docx(make_docx(two_tables), fields)
    document = reopen(template.render({"title": "Пусто", "rows": []}))
    assert cells(document, 0) == [["A", ""]]
    assert cells(document, 1) == [[""]]  # a table needs a row: one is kept, blank
    document = reopen(template.render({"title": "Два", "rows": [{"a": "1", "b": "2"}] * 2}))
    assert cells(document, 0) == [["A", ""], ["1", "2"], ["1", "2"]]
    assert cells(document, 1) == [["2"], ["2"]]


def test_rendering_names_a_missing_value() -> None:
    fields = Fields(scalars={"title"}, lists={"rows": {"a"}})

    def build(document: Document) -> None:
        document.add_paragraph("{{ title }}")
        document.add_paragraph("{{ rows.a }}")

    template = Template.from_docx(make_docx(build), fields)
    with pytest.raises(ValidationError) as info:
        template.render({"rows": []})
    assert info.value.paths == ("title",)
    with pytest.raises(ValidationError) as info:
        template.render({"title": "x", "rows": [{"a": "1"}, {"b": "2"}]})
    assert info.value.paths == ("rows[1].a",)
    with pytest.raises(ValidationError) as info:
        template.render({"title": "x", "rows": "a"})
    assert info.value.paths == ("rows",)


def test_a_dotx_template_is_accepted() -> None:
    source = make_docx(lambda d: d.add_paragraph("Акт № {{ number }}"))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dotx,
    ):
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dotx.writestr(info, data)
    template = load_template(buffer.getvalue(), COMPLETED_WORKS_ACT)
    assert paragraphs(reopen(render_document(an_act(), template=template))) == ["Акт № 00001"]


def test_a_template_can_be_read_from_a_path_or_a_file(tmp_path: Path) -> None:
    path = tmp_path / "act.docx"
    path.write_bytes(make_docx(lambda d: d.add_paragraph("№ {{ number }}")))
    for source in (path, str(path)):
        template = load_template(source, COMPLETED_WORKS_ACT)
        assert paragraphs(reopen(render_document(an_act(), template=template))) == ["№ 00001"]
    with path.open("rb") as file:
        assert load_template(file, COMPLETED_WORKS_ACT).placeholders == {"number"}


@pytest.mark.parametrize(
    ("build", "messages"),
    [
        (
            lambda d: d.add_paragraph("Акт № {{ nubmer }}"),
            ["unknown placeholder {{ nubmer }} (did you mean number?)"],
        ),
        (lambda d: d.add_paragraph("Акт № {{ number"), ["unbalanced {{ or }}"]),
        (lambda d: d.add_paragraph("Акт № number }}"), ["unbalanced {{ or }}"]),
        (lambda d: d.add_paragraph("{{ number | upper }}"), ["is not a placeholder"]),
        (lambda d: d.add_paragraph("{%tr for item in items %}"), ["statements like"]),
        (lambda d: d.add_paragraph("{{ items }}"), ["is a list: write {{ items.<field> }}"]),
        (lambda d: d.add_paragraph("{{ items.colour }}"), ["unknown placeholder {{ items.colour"]),
        (
            lambda d: (d.add_paragraph("{{ nmber }}"), d.add_paragraph("{{ cty }}")),
            ["unknown placeholder {{ nmber }}", "unknown placeholder {{ cty }}"],
        ),
    ],
)
def test_a_malformed_template_names_part_and_placeholder(
    build: Callable[[Document], object], messages: list[str]
) -> None:
    with pytest.raises(TemplateError) as info:
        load_template(make_docx(build), COMPLETED_WORKS_ACT)
    assert len(info.value.errors) == len(messages)
    for error, message in zip(info.value.errors, messages, strict=True):
        assert error.path == "word/document.xml"
        assert message in error.message
    assert isinstance(info.value, ValidationError)


def test_a_placeholder_in_a_header_is_checked_too() -> None:
    def build(document: Document) -> None:
        document.sections[0].header.paragraphs[0].text = "{{ numbr }}"

    with pytest.raises(TemplateError) as info:
        load_template(make_docx(build), COMPLETED_WORKS_ACT)
    assert info.value.paths == ("word/header1.xml",)


def test_one_row_cannot_repeat_two_lists() -> None:
    fields = Fields(scalars=set(), lists={"a": {"x"}, "b": {"y"}})

    def build(document: Document) -> None:
        row = document.add_table(rows=1, cols=2).rows[0].cells
        row[0].text = "{{ a.x }}"
        row[1].text = "{{ b.y }}"

    with pytest.raises(TemplateError, match="one repeated row uses two lists, a and b"):
        Template.from_docx(make_docx(build), fields)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"not a zip at all", "not a .docx file"),
        (b"", "not a .docx file"),
    ],
)
def test_not_a_word_file(source: bytes, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        load_template(source, COMPLETED_WORKS_ACT)


def test_a_zip_without_a_document_is_not_a_word_file() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(TemplateError, match=r"no word/document\.xml"):
        load_template(buffer.getvalue(), COMPLETED_WORKS_ACT)


def test_broken_xml_in_a_part_is_named() -> None:
    source = make_docx(lambda d: d.add_paragraph("{{ number }}"))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as original,
        zipfile.ZipFile(buffer, "w") as broken,
    ):
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"</w:bdy>")
            broken.writestr(info, data)
    with pytest.raises(TemplateError, match="not well-formed XML") as info:
        load_template(buffer.getvalue(), COMPLETED_WORKS_ACT)
    assert info.value.paths == ("word/document.xml",)


def test_a_template_of_another_kind_is_refused() -> None:
    template = load_template(
        make_docx(lambda d: d.add_paragraph("{{ number }}")), SOFTWARE_TRANSFER_ACT
    )
    with pytest.raises(TemplateError, match="for software_transfer_act, not completed_works_act"):
        render_document(an_act(), template=template)
    generic = Template.from_docx(
        make_docx(lambda d: d.add_paragraph("{{ vat_line }}{{ recipient.name }}")),
        Fields(scalars={"vat_line", "recipient.name"}),
    )
    with pytest.raises(TemplateError, match=r"has no placeholder recipient\.name"):
        render_document(an_act(), template=generic)


# ------------------------------------------------------------------------------ the hook


class Replacer:
    """Draws acts of completed works itself; leaves every other document alone."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    @hookimpl
    def clientops_render_document(self, kind: str, context: object) -> bytes | None:
        self.seen.append((kind, context))
        if kind != "completed_works_act":
            return None
        assert isinstance(context, CompletedWorksAct)
        return make_docx(lambda d: d.add_paragraph(f"Акт от плагина № {context.number}"))


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(entry_points=False)


def test_a_plugin_replaces_a_document(host: PluginHost) -> None:
    plugin = Replacer()
    host.register(plugin, name="replacer")
    act = an_act()
    assert paragraphs(reopen(render_document(act, host=host))) == ["Акт от плагина № 00001"]
    assert plugin.seen == [("completed_works_act", act)]
    transfer = a_transfer()
    assert paragraphs(reopen(render_document(transfer, host=host)))[0] == "АКТ №\xa042"
    assert plugin.seen[-1] == ("software_transfer_act", transfer)
    assert host.render_document("software_transfer_act", transfer) is None


def test_an_explicit_template_wins_over_plugins(host: PluginHost) -> None:
    plugin = Replacer()
    host.register(plugin, name="replacer")
    template = load_template(
        make_docx(lambda d: d.add_paragraph("{{ number }}")), "completed_works_act"
    )
    assert paragraphs(reopen(render_document(an_act(), template=template, host=host))) == ["00001"]
    assert plugin.seen == []


def test_without_plugins_the_built_in_layout_draws(host: PluginHost) -> None:
    assert host.render_document("completed_works_act", an_act()) is None
    assert paragraphs(reopen(render_document(an_act(), host=host)))[0] == "АКТ №\xa000001"


@pytest.mark.parametrize(
    ("answer", "shown"), [("act.docx", "returned str"), (b"%PDF-1.7", "8 bytes that are not a ZIP")]
)
def test_a_plugin_that_returns_no_docx_fails_loudly(
    host: PluginHost, answer: object, shown: str
) -> None:
    class Wrong:
        @hookimpl
        def clientops_render_document(self, kind: str, context: object) -> object:
            return answer

    host.register(Wrong(), name="wrong")
    with pytest.raises(PluginError, match=f"{shown}.*'completed_works_act'"):
        render_document(an_act(), host=host)


# ------------------------------------------------------------------------------ the folder's papers


def test_folder_title_page_reopens_with_every_field() -> None:
    document = reopen(render_document(a_title_page()))
    assert paragraphs(document) == ["ТИТУЛЬНЫЙ ЛИСТ", "клиентской папки", "ООО «Ромашка»"]
    assert cells(document, 0) == [
        ["Поле", "Значение"],
        ["Наименование", "ООО «Ромашка»"],
        ["Номер договора", "12/25"],
        ["Ф.И.О. ведущего менеджера", "Петров Пётр Петрович"],
        ["Город", "г. Омск"],
        ["Контактное лицо", "Иванова Ирина Ивановна"],
        ["Номер телефона", "+7 (3812) 21-43-65, доб. 7"],
        ["Программные продукты", "ArchiMed+\nArchiSport"],
        ["Дата передачи в клиентский отдел", "01.07.2025"],
    ]
    assert len(document.tables) == 1


def test_folder_title_page_without_products_or_date() -> None:
    page = a_title_page(products=(), date=None)
    table = dict(cells(reopen(render_document(page)), 0))
    assert table["Программные продукты"] == "—"
    assert table["Дата передачи в клиентский отдел"] == ""  # written by hand
    values = FOLDER_TITLE_PAGE.values(page)
    assert (values["products"], values["products_count"], values["date"]) == ("—", "0", "")


def test_appendix_1_has_the_ten_actions_of_the_checklist() -> None:
    assert len(APPENDIX_1_ACTIONS) == 10
    assert len(set(APPENDIX_1_ACTIONS)) == 10
    assert APPENDIX_1_ACTIONS[0].startswith("Проверить состав клиентской папки: титульный лист")
    assert "Даймакс по телефону 94-08-53" in APPENDIX_1_ACTIONS[2]
    assert "«Коробки программных продуктов»" in APPENDIX_1_ACTIONS[6]
    assert "«Книги по программным продуктам»" in APPENDIX_1_ACTIONS[8]
    assert APPENDIX_1_ACTIONS[9].startswith("Подготовить акт передачи ПО и акт выполненных работ")
    for action in APPENDIX_1_ACTIONS:
        assert action.endswith(".")
        assert "  " not in action
        assert "\n" not in action


def test_onboarding_checklist_from_appendix_1() -> None:
    document = reopen(render_document(a_checklist()))
    assert paragraphs(document) == [
        "ЧЕК-ЛИСТ",
        "знакомства с клиентом и подготовки документации",
        "Клиент: ООО «Ромашка»",
        "Номер договора: 12/25",
        "Менеджер клиентского отдела: Орлова Анна Алексеевна",
    ]
    table = cells(document, 0)
    assert table[0] == ["№ п/п", "Действие", "Фамилия и инициалы", "Дата", "Подпись"]
    assert len(table) == 11
    assert table[1:] == [
        [str(n), action, "", "", ""] for n, action in enumerate(APPENDIX_1_ACTIONS, 1)
    ]
    rows = document.tables[0].rows
    assert all(row.height is not None and row.height.mm >= 9.9 for row in rows[1:])  # to sign in


def test_onboarding_checklist_with_steps_done_and_notes() -> None:
    rows = (
        ChecklistRow(1, APPENDIX_1_ACTIONS[0], "Орлова А. А.", date(2025, 7, 1)),
        ChecklistRow(9, APPENDIX_1_ACTIONS[8], note="не требуется"),
        ChecklistRow(10, APPENDIX_1_ACTIONS[9], "Орлова А. А.", date(2025, 7, 3), "только акт ПО"),
    )
    table = cells(reopen(render_document(a_checklist(rows=rows))), 0)
    assert table[1:] == [
        ["1", APPENDIX_1_ACTIONS[0], "Орлова\xa0А.\xa0А.", "01.07.2025", ""],
        ["9", f"{APPENDIX_1_ACTIONS[8]}\nне требуется", "", "", ""],
        ["10", f"{APPENDIX_1_ACTIONS[9]}\nтолько акт ПО", "Орлова\xa0А.\xa0А.", "03.07.2025", ""],
    ]
    values = ONBOARDING_CHECKLIST.values(a_checklist(rows=rows))
    assert values["rows_count"] == "3"
    assert values["rows"][1] == {
        "number": "9",
        "action": APPENDIX_1_ACTIONS[8],
        "note": "не требуется",
        "description": f"{APPENDIX_1_ACTIONS[8]}\nне требуется",
        "done_by": "",
        "done_on": "",
    }


def test_nonconformity_notice_reopens_with_every_field() -> None:
    document = reopen(render_document(a_notice()))
    assert paragraphs(document) == [
        "Менеджеру по продажам Петрову\xa0П.\xa0П.\nНачальнику отдела продаж Сидорову\xa0С.\xa0С.",
        "УВЕДОМЛЕНИЕ №\xa03 от 02.07.2025",
        "о несоответствиях в клиентской папке",
        "Клиент: ООО «Ромашка»; номер договора: 12/25",
        "При проверке клиентской папки выявлены следующие несоответствия:",
        "Прошу устранить несоответствия и вернуть документы в клиентский отдел.",
        "Менеджер клиентского отдела\t______________ / Орлова\xa0А.\xa0А. /",
    ]
    assert cells(document, 0) == [
        ["№", "Документ", "Несоответствие"],
        ["1", "Титульный лист", "не заполнено поле «Номер телефона»"],
        ["2", "Договор №\xa012/25, экземпляр 3", "нет печати организации"],
    ]
    indent = document.paragraphs[0].paragraph_format.left_indent
    assert indent is not None
    assert indent.mm > 50  # the recipients stand at the top right
    assert NONCONFORMITY_NOTICE.values(a_notice())["signature_line"] == (
        "______________ / Орлова А. А. /"  # set with no-break spaces when rendered
    )


@pytest.mark.parametrize("contract_number", ["", "  "])
def test_a_notice_without_a_contract_number_prints_a_dash(contract_number: str) -> None:
    notice = a_notice(
        contract_number=contract_number,
        recipients=("Менеджеру по продажам Петрову П. П.",),
        items=(NoticeItem("Титульный лист", "не заполнено поле «Номер договора»"),),
        request="Прошу заполнить номер договора.",
    )
    document = reopen(render_document(notice))
    text = paragraphs(document)
    assert text[0] == "Менеджеру по продажам Петрову\xa0П.\xa0П."
    assert text[3] == "Клиент: ООО «Ромашка»; номер договора: —"
    assert text[5] == "Прошу заполнить номер договора."
    assert len(cells(document, 0)) == 2


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_folder_papers_intact(text: str) -> None:
    expected = _normalised(text)
    title = reopen(render_document(a_title_page(client_name=text, contact_person=text)))
    assert paragraphs(title)[2] == expected
    assert cells(title, 0)[1][1] == cells(title, 0)[5][1] == expected
    if "\n" in text or "\r" in text:
        with pytest.raises(ValidationError, match="no line breaks") as info:
            a_title_page(products=("ArchiMed+", text))
        assert info.value.paths == ("products[1]",)
    else:
        title = reopen(render_document(a_title_page(products=(text, "ArchiSport"))))
        assert cells(title, 0)[7][1] == f"{expected}\nArchiSport"

    rows = (ChecklistRow(1, text, done_by=text, note=text),)
    checklist = reopen(render_document(a_checklist(client_name=text, rows=rows)))
    assert paragraphs(checklist)[2] == f"Клиент: {expected}"
    assert cells(checklist, 0)[1] == ["1", f"{expected}\n{expected}", expected, "", ""]

    notice = a_notice(
        contract_number=text,
        recipients=(text, "Начальнику отдела продаж"),
        items=(NoticeItem(text, text),),
        request=text,
        sender=text,
    )
    document = reopen(render_document(notice))
    assert paragraphs(document)[0] == f"{expected}\nНачальнику отдела продаж"
    assert paragraphs(document)[3] == f"Клиент: ООО «Ромашка»; номер договора: {expected}"
    assert paragraphs(document)[5] == expected
    assert paragraphs(document)[6].endswith(f"/ {expected} /")
    assert cells(document, 0)[1] == ["1", expected, expected]


@pytest.mark.parametrize(
    "kind", ["folder_title_page", "onboarding_checklist", "nonconformity_notice"]
)
def test_the_folder_papers_can_be_replaced(kind: str, host: PluginHost) -> None:
    context = SAMPLES[kind]()
    built_in = paragraphs(reopen(render_document(context)))
    # the built-in layout is a template to start from
    mine = load_template(builtin_docx(kind), type(context))
    assert mine.kind == kind
    assert paragraphs(reopen(render_document(context, template=mine))) == built_in
    # a template of one's own
    own = load_template(
        make_docx(lambda d: d.add_paragraph("{{ client_name }}, договор {{ contract_number }}")),
        kind,
    )
    assert paragraphs(reopen(render_document(context, template=own))) == [
        "ООО «Ромашка», договор 12/25"
    ]
    with pytest.raises(TemplateError, match=r"unknown placeholder \{\{ total \}\}"):
        load_template(make_docx(lambda d: d.add_paragraph("{{ total }}")), kind)

    # a plugin
    class Own:
        @hookimpl
        def clientops_render_document(self, kind: str, context: object) -> bytes | None:
            return make_docx(lambda d: d.add_paragraph(f"{kind} от плагина"))

    host.register(Own(), name="own")
    assert paragraphs(reopen(render_document(context, host=host))) == [f"{kind} от плагина"]
    assert paragraphs(reopen(render_document(context, template=own, host=host)))[0].startswith(
        "ООО «Ромашка»"
    )


# ------------------------------------------------------------------------------ LibreOffice


def test_libreoffice_converts_every_document_to_pdf(tmp_path: Path) -> None:
    documents = {
        "act": (render_document(an_act()), ["АКТ № 00001", "Восемьдесят тысяч шестьсот три"]),
        "transfer": (render_document(a_transfer()), ["АКТ № 42", "ArchiSport"]),
        "title_page": (
            render_document(a_title_page()),
            ["ТИТУЛЬНЫЙ ЛИСТ", "Иванова Ирина Ивановна", "ArchiSport"],
        ),
        "checklist": (
            render_document(a_checklist()),
            ["ЧЕК-ЛИСТ", "Номер договора: 12/25", "Подпись"],
        ),
        "notice": (
            render_document(a_notice(contract_number="")),
            ["УВЕДОМЛЕНИЕ № 3 от 02.07.2025", "номер договора: —", "Прошу устранить"],
        ),
        "template": (
            render_document(
                an_act(),
                template=load_template(make_docx(_split_runs_template), COMPLETED_WORKS_ACT),
            ),
            ["Заказчик: АО «Вектор», город г. Москва"],
        ),
        "escaping": (
            render_document(an_act(closing=TRICKY[0], customer=a_customer(name=TRICKY[1]))),
            ['ООО "Рога & Копыта" <б/у>', "вторая строка"],
        ),
    }
    texts = convert_to_pdf({name: data for name, (data, _) in documents.items()}, tmp_path)
    for name, (_, expected) in documents.items():
        flat = texts[name]
        if flat is not None:
            for snippet in expected:
                assert snippet in flat, f"{snippet!r} not in the PDF of {name}: {flat[:400]}"


def test_client_ops_renders_through_its_own_hosts_plugins() -> None:
    import clientops
    from clientops import PluginHost, hookimpl

    plain = clientops.connect("memory://", host=PluginHost(entry_points=False))
    built_in = plain.documents.render(an_act())
    assert docx.Document(io.BytesIO(built_in)).paragraphs

    class Letterhead:
        @hookimpl
        def clientops_render_document(self, kind: str, context: object) -> bytes | None:
            return builtin_docx(kind) if kind == "completed_works_act" else None

    host = PluginHost(entry_points=False)
    host.register(Letterhead(), "letterhead")
    with clientops.connect("memory://", host=host) as ops:
        assert ops.documents.render(an_act()) == builtin_docx("completed_works_act")
    plain.close()


def test_a_built_in_layout_gives_the_same_bytes_whenever_it_is_drawn() -> None:
    # python-docx dates each entry with the moment of saving: two drawings either side of a
    # two-second tick differed by a byte, and a test comparing them failed now and then
    import zipfile

    drawn = builtin_docx("completed_works_act")
    with zipfile.ZipFile(io.BytesIO(drawn)) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert docx.Document(io.BytesIO(drawn)).paragraphs
