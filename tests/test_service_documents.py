"""The service documents: the visit act (акт выполненных работ по сервисному обслуживанию) and
the letter asking a satisfied client for a recommendation. Every generated .docx is opened
again with python-docx and each field looked for where it belongs; the builders start from the
rules' own facts (a done visit's act, a satisfied call's request); LibreOffice converts them
to PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from tests._office import convert_to_pdf
from tests.test_billing_documents import body, page_mm
from tests.test_order_documents import TRICKY, _normalised, cells, make_docx, paragraphs, reopen

import clientops
from clientops import (
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Phone,
    PluginHost,
    Policy,
    Role,
    ValidationError,
    hookimpl,
)
from clientops.clients import StaffDirectory
from clientops.documents import (
    DOCUMENT_TYPES,
    RECOMMENDATION_REQUEST,
    VISIT_ACT,
    Party,
    RecommendationLetterRequest,
    VisitActDocument,
    builtin_docx,
    document_type,
    load_template,
    recommendation_request_for,
    render_document,
    visit_act_document,
)
from clientops.model import ClientId, Contact
from clientops.rules.satisfaction import record_satisfaction
from clientops.rules.service_visits import (
    complete_visit,
    plan_visit,
    request_emergency_visit,
    scheduled_visit,
    scheduled_visits,
    visit_act,
)
from clientops.satisfaction import RecommendationRequest, SatisfactionCall, SatisfactionOutcome
from clientops.service import VisitAct
from clientops.service_visits import (
    MaintenanceRecurrence,
    Part,
    ServiceContract,
    ServiceContractId,
    VisitId,
    VisitKind,
    VisitPolicy,
)
from clientops.testing import a_client
from clientops.workdays import russian_calendar

NBSP = "\u00a0"
MSK = ZoneInfo("Europe/Moscow")
ANNA = EmployeeId("anna")
EGOROV = EmployeeId("egorov")


# ------------------------------------------------------------------------------ builders

MLS = Party("ООО «MLS IT»", "ИНН 5501234567, г. Омск", "Генеральный директор", "И. И. Иванов")
ROMASHKA = Party("ООО «Ромашка»", "ИНН 5507654321", "Директор", "П. П. Сидоров")
PARTS = (
    Part("Привод шлагбаума CAME BX-78", 1, Money("18500.00"), supplier="ООО «Техника»"),
    Part("Фотоэлементы", 2, Money("1250.50")),
)


def an_act(**changes: Any) -> VisitActDocument:
    fields: dict[str, Any] = {
        "number": "АВ-17",
        "date": date(2026, 3, 10),
        "city": "г. Омск",
        "executor": MLS,
        "customer": ROMASHKA,
        "contract": "Договор на сервисное обслуживание № СО-12/25",
        "kind": VisitKind.EMERGENCY,
        "engineer": "Егоров Денис Викторович",
        "works": ("Диагностика контроллера", "Замена привода шлагбаума"),
        "parts": PARTS,
        "address": "Омск, ул. Ленина, 1",
        "problem": "Не открывается шлагбаум на въезде",
    }
    return VisitActDocument(**{**fields, **changes})


def a_letter(**changes: Any) -> RecommendationLetterRequest:
    fields: dict[str, Any] = {
        "company": "ООО «MLS IT»",
        "date": date(2026, 3, 2),
        "client_name": "ООО «Ромашка»",
        "manager_name": "Смирнова Анна Сергеевна",
        "number": "КО-15",
        "company_details": "644000, г. Омск, ул. Ленина, д. 1, тел. +7 3812 00-00-00",
        "contact_person": "Сидоров Пётр",
        "manager_phone": "+7 912 345-67-89",
        "manager_email": "anna@mls.ru",
        "products": ("ArchiMed+", "ArchiSport"),
        "deadline": date(2026, 3, 10),
    }
    return RecommendationLetterRequest(**{**fields, **changes})


SAMPLES: dict[str, Callable[[], object]] = {
    "visit_act": an_act,
    "recommendation_request": a_letter,
}


# ------------------------------------------------------------------------------ the visit act

ACT_TEXT = [
    "Акт выполненных работ по сервисному обслуживанию №\xa0АВ-17 от 10.03.2026",
    "г. Омск\t10.03.2026",
    "Исполнитель: ООО «MLS IT», ИНН 5501234567, г. Омск",
    "Заказчик: ООО «Ромашка», ИНН 5507654321",
    "Основание: Договор на сервисное обслуживание №\xa0СО-12/25",
    "Вид выезда: Аварийный выезд",
    "Дата выезда: 10.03.2026",
    "Инженер: Егоров Денис Викторович",
    "Адрес: Омск, ул. Ленина, 1",
    "Обращение Заказчика: Не открывается шлагбаум на въезде",
    "1. Выполненные работы",
    "2. Запчасти, использованные по договору",
    f"Итого стоимость запчастей: 21{NBSP}001,00{NBSP}руб.",
    "Двадцать одна тысяча один рубль 00 копеек",
    "Замечания Заказчика: " + "_" * 60,
    "Работы по сервисному обслуживанию выполнены. Акт составлен в двух экземплярах, имеющих "
    "одинаковую юридическую силу, по одному для каждой из сторон.",
    "",
]
WORKS_TABLE = [
    ["№", "Выполненные работы"],
    ["1", "Диагностика контроллера"],
    ["2", "Замена привода шлагбаума"],
]
PARTS_TABLE = [
    ["№", "Наименование запчасти", "Кол-во", "Цена, руб.", "Сумма, руб."],
    ["1", "Привод шлагбаума CAME BX-78", "1", f"18{NBSP}500,00", f"18{NBSP}500,00"],
    ["2", "Фотоэлементы", "2", f"1{NBSP}250,50", f"2{NBSP}501,00"],
]
SIGNATURES = [
    ["Исполнитель", "Заказчик"],
    [
        "Генеральный директор\n______________ / И.\xa0И.\xa0Иванов /\nМ.П.",
        "Директор\n______________ / П.\xa0П.\xa0Сидоров /\nМ.П.",
    ],
]


def test_the_visit_act_reopens_with_every_field_in_its_place() -> None:
    act = an_act()
    document = reopen(render_document(act))
    tables = ["<table>", ACT_TEXT[11], "<table>", *ACT_TEXT[12:], "<table>"]
    assert body(document) == [*ACT_TEXT[:11], *tables]
    assert cells(document, 0) == WORKS_TABLE
    assert cells(document, 1) == PARTS_TABLE
    assert cells(document, 2) == SIGNATURES
    title = document.paragraphs[0]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.bold for run in title.runs)
    for label in ("Исполнитель: ", "Вид выезда: ", "Инженер: "):
        (paragraph,) = (p for p in document.paragraphs if p.text.startswith(label))
        assert [(run.text == label, run.bold) for run in paragraph.runs] == [
            (True, True),
            (False, None),
        ]
    assert act.parts_total == Money("21001.00")
    values = VISIT_ACT.values(act)
    assert values["parts_line"] == (
        f"Итого стоимость запчастей: 21{NBSP}001,00 руб. "
        "(Двадцать одна тысяча один рубль 00 копеек)"
    )
    assert (values["works_count"], values["parts_count"]) == ("2", "2")
    assert values["parts"] == values["parts_rows"]


def test_a_planned_visit_without_parts_address_or_problem() -> None:
    act = an_act(
        kind=VisitKind.SCHEDULED,
        parts=(),
        address="",
        problem=" ",
        visit_date=date(2026, 3, 9),
        remarks="Просим заменить лампу индикатора при следующем выезде.",
        customer=Party("ООО «Ромашка»"),
    )
    document = reopen(render_document(act))
    assert paragraphs(document) == [
        ACT_TEXT[0],
        ACT_TEXT[1],
        ACT_TEXT[2],
        "Заказчик: ООО «Ромашка»",
        ACT_TEXT[4],
        "Вид выезда: Плановый выезд",
        "Дата выезда: 09.03.2026",
        ACT_TEXT[7],
        ACT_TEXT[10],
        ACT_TEXT[11],
        "Замечания Заказчика: Просим заменить лампу индикатора при следующем выезде.",
        ACT_TEXT[15],
        "",
    ]
    assert cells(document, 1) == [PARTS_TABLE[0], ["", "Запчасти не использовались", "", "", ""]]
    assert cells(document, 2)[1][1] == "\n______________ / ______________ /\nМ.П."
    assert act.parts_total is None
    values = VISIT_ACT.values(act)
    assert values["parts"] == values["if_parts"] == values["if_address"] == []
    assert values["if_problem"] == []
    assert (values["parts_total"], values["parts_total_in_words"], values["parts_count"]) == (
        "",
        "",
        "0",
    )
    assert values["parts_line"] == "Запчасти не использовались"


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_visit_act_intact(text: str) -> None:
    expected = _normalised(text)
    act = an_act(
        number=text,
        customer=Party(text),
        engineer=text,
        works=(text, "Настройка"),
        problem=text,
        remarks=text,
    )
    document = reopen(render_document(act))
    texts = paragraphs(document)
    title = f"Акт выполненных работ по сервисному обслуживанию №{NBSP}{expected} от 10.03.2026"
    assert texts[0] == title
    assert texts[3] == f"Заказчик: {expected}"
    assert texts[7] == f"Инженер: {expected}"
    assert texts[9] == f"Обращение Заказчика: {expected}"
    assert texts[14] == f"Замечания Заказчика: {expected}"
    assert cells(document, 0)[1] == ["1", expected]


# ------------------------------------------------------------------------------ the letter

LETTER_TEXT = [
    "ООО «MLS IT»",
    "644000, г. Омск, ул. Ленина, д. 1, тел. +7 3812 00-00-00",
    "",
    "Исх. №\xa0КО-15 от 02.03.2026",
    "ООО «Ромашка»",
    "Сидоров Пётр",
    "О рекомендательном письме",
    "Уважаемый(ая) Сидоров Пётр!",
    "Благодарим Вас за сотрудничество и доверие к нашей компании. Нам очень приятно, что Вы "
    "довольны нашей работой.",
    "Мы будем признательны, если Вы найдёте возможность написать для нас отзыв или "
    "рекомендательное письмо о работе с нами. Ваше мнение поможет другим организациям сделать "
    "выбор, а нам — стать ещё лучше.",
    "В письме можно отметить:",
    "— продукты, которыми Вы пользуетесь: ArchiMed+, ArchiSport;",
    "— каких результатов удалось достичь благодаря нашим решениям;",
    "— как Вы оцениваете работу наших специалистов и технической поддержки.",
    "Будем благодарны, если Вы сможете прислать письмо до 10 марта 2026\xa0г.",
    "Заранее благодарим Вас!",
    "С уважением,",
    "Менеджер клиентского отдела\tСмирнова Анна Сергеевна",
    "Тел.: +7 912 345-67-89, E-mail: anna@mls.ru",
]


def test_the_letter_reopens_with_every_field_in_its_place() -> None:
    letter = a_letter()
    document = reopen(render_document(letter))
    assert body(document) == LETTER_TEXT
    head = document.paragraphs[0]
    assert (head.alignment, [run.bold for run in head.runs]) == (WD_ALIGN_PARAGRAPH.CENTER, [True])
    addressee = document.paragraphs[4]
    assert addressee.paragraph_format.left_indent is not None
    assert round(addressee.paragraph_format.left_indent.mm) == 82  # half of A4's text width
    assert document.paragraphs[7].alignment == WD_ALIGN_PARAGRAPH.CENTER
    values = RECOMMENDATION_REQUEST.values(letter)
    assert values["deadline"] == "10 марта 2026 г."
    assert values["points"][0] == {
        "n": "1",
        "text": "продукты, которыми Вы пользуетесь: ArchiMed+, ArchiSport;",
    }
    assert values["if_contact"] == [{"text": "Сидоров Пётр"}]


def test_a_letter_without_contact_person_number_deadline_or_contacts() -> None:
    letter = a_letter(
        number="",
        company_details="",
        contact_person=" ",
        manager_phone="",
        manager_email="",
        products=(),
        deadline=None,
    )
    assert letter.salutation == "Уважаемые коллеги!"
    assert paragraphs(reopen(render_document(letter))) == [
        "ООО «MLS IT»",
        "",
        "Исх. №\xa0______________ от 02.03.2026",
        "ООО «Ромашка»",
        "О рекомендательном письме",
        "Уважаемые коллеги!",
        *LETTER_TEXT[8:11],
        *LETTER_TEXT[12:14],
        *LETTER_TEXT[15:18],
    ]
    values = RECOMMENDATION_REQUEST.values(letter)
    assert values["deadline"] == values["deadline_line"] == values["contacts_line"] == ""
    assert values["if_deadline"] == values["if_contacts"] == values["if_contact"] == []
    # only the e-mail
    only_mail = RECOMMENDATION_REQUEST.values(attrs.evolve(letter, manager_email="a@mls.ru"))
    assert only_mail["contacts_line"] == "E-mail: a@mls.ru"


def test_every_word_of_the_letter_can_be_changed() -> None:
    letter = attrs.evolve(
        a_letter(),
        subject="Просьба об отзыве",
        salutation_person="Добрый день, {name}!",
        thanks="Спасибо, что Вы с нами.",
        request="Напишите, пожалуйста, отзыв.",
        points_intro="Например:",
        products_point="о продуктах",
        points=("о сроках внедрения.",),
        deadline_text="Ждём его до {date}",
        closing="Спасибо!",
        regards="Искренне Ваш,",
        manager_position="Руководитель клиентского отдела",
        phone_label="Телефон:",
        email_label="Почта:",
    )
    assert paragraphs(reopen(render_document(letter)))[6:] == [
        "Просьба об отзыве",
        "Добрый день, Сидоров Пётр!",
        "Спасибо, что Вы с нами.",
        "Напишите, пожалуйста, отзыв.",
        "Например:",
        "— о продуктах ArchiMed+, ArchiSport;",
        "— о сроках внедрения.",
        "Ждём его до 10 марта 2026\xa0г.",
        "Спасибо!",
        "Искренне Ваш,",
        "Руководитель клиентского отдела\tСмирнова Анна Сергеевна",
        "Телефон: +7 912 345-67-89, Почта: anna@mls.ru",
    ]
    colleagues = attrs.evolve(letter, contact_person="", salutation_colleagues="Коллеги!")
    assert colleagues.salutation == "Коллеги!"


@pytest.mark.parametrize("text", TRICKY)
def test_text_goes_into_the_letter_intact(text: str) -> None:
    expected = _normalised(text)
    letter = a_letter(client_name=text, manager_name=text, thanks=text, points=(text,))
    texts = paragraphs(reopen(render_document(letter)))
    assert texts[4] == expected
    assert texts[8] == expected
    assert texts[12] == f"— {expected}"
    assert texts[-2] == f"Менеджер клиентского отдела\t{expected}"


# ------------------------------------------------------------------------------ the builders


def a_contract() -> ServiceContract:
    return ServiceContract(
        id=ServiceContractId("sc1"),
        client_id=ClientId("c1"),
        number="СО-12/25",
        starts_on=date(2025, 1, 1),
        emergency_response_days=1,
        maintenance=MaintenanceRecurrence.monthly(day=15),
        address="Омск, ул. Ленина, 1",
    )


def a_staff() -> StaffDirectory:
    d = DepartmentId
    anna = Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,))
    return StaffDirectory(
        departments=(
            Department(d("client"), "Клиентский отдел", head_id=ANNA),
            Department(d("tech_support"), "Сервисный отдел"),
            Department(d("management"), "Менеджмент", head_id=ANNA),
        ),
        employees=(
            attrs.evolve(anna, phone=Phone.parse("+7 912 345-67-89"), email="anna@mls.ru"),
            Employee(
                EGOROV, "Егоров Денис Викторович", "Денис", d("tech_support"), (Role.TECH_SUPPORT,)
            ),
        ),
    )


def the_client(**fields: Any) -> Any:
    values: dict[str, Any] = {"id": ClientId("c1"), "name": "ООО «Ромашка»", "manager_id": ANNA}
    return a_client(**{**values, **fields})


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


def an_emergency_act() -> VisitAct:
    visit = request_emergency_visit(
        id=VisitId("v1"),
        contract=a_contract(),
        requested_at=msk(2026, 3, 6, 19, 30),
        problem="Не открывается шлагбаум на въезде",
        by=ANNA,
    )
    visit = plan_visit(
        visit,
        engineer=EGOROV,
        now=msk(2026, 3, 6, 19, 45),
        by=ANNA,
        policy=VisitPolicy(),
        calendar=russian_calendar(),
        day=date(2026, 3, 10),
    )
    visit = complete_visit(
        visit,
        works=("Диагностика контроллера", "Замена привода шлагбаума"),
        parts=PARTS,
        done_at=msk(2026, 3, 10, 14, 20),
        by=EGOROV,
    )
    return visit_act(
        visit,
        contract=a_contract(),
        client=the_client(),
        staff=a_staff(),
        number="АВ-17",
        tz=MSK,
    )


def test_the_visit_act_of_a_done_emergency_visit() -> None:
    act = visit_act_document(an_emergency_act(), executor=MLS, customer=ROMASHKA, city="г. Омск")
    assert act == an_act(visit_date=date(2026, 3, 10))
    document = reopen(render_document(act))
    assert paragraphs(document) == ACT_TEXT
    assert cells(document, 1) == PARTS_TABLE


def test_the_visit_act_of_a_scheduled_visit_with_the_defaults() -> None:
    contract = a_contract()
    (occurrence,) = scheduled_visits(
        contract,
        date(2026, 4, 1),
        date(2026, 4, 30),
        policy=VisitPolicy(),
        calendar=russian_calendar(),
    )
    visit = scheduled_visit(occurrence, contract=contract, now=msk(2026, 4, 1, 9, 0), by=ANNA)
    visit = plan_visit(
        visit,
        engineer=EGOROV,
        now=msk(2026, 4, 1, 9, 5),
        by=ANNA,
        policy=VisitPolicy(),
        calendar=russian_calendar(),
    )
    visit = complete_visit(
        visit, works=("Плановое обслуживание",), done_at=msk(2026, 4, 15, 23, 30), by=EGOROV
    )
    facts = visit_act(
        visit, contract=contract, client=the_client(), staff=a_staff(), number="П-3", tz=UTC
    )
    act = visit_act_document(facts, executor=MLS, city="г. Омск", date=date(2026, 4, 16))
    assert (act.customer, act.contract, act.kind) == (
        Party("ООО «Ромашка»"),
        "Договор на сервисное обслуживание № СО-12/25",
        VisitKind.SCHEDULED,
    )
    assert (act.date, act.visit_date, act.parts, act.problem) == (
        date(2026, 4, 16),
        date(2026, 4, 15),  # 23:30 in Moscow is 20:30 UTC, the act's zone
        (),
        "",
    )
    text = paragraphs(reopen(render_document(act)))
    assert text[0] == "Акт выполненных работ по сервисному обслуживанию №\xa0П-3 от 16.04.2026"
    assert text[5:7] == ["Вид выезда: Плановый выезд", "Дата выезда: 15.04.2026"]
    other = visit_act_document(facts, executor=MLS, city="г. Омск", contract="Договор № 7")
    assert (other.contract, other.date) == ("Договор № 7", date(2026, 4, 15))
    with pytest.raises(TypeError):
        visit_act_document(visit, executor=MLS, city="г. Омск")  # type: ignore[arg-type]


def a_request(**client_fields: Any) -> RecommendationRequest:
    call = SatisfactionCall(
        client_id=ClientId("c1"),
        manager_id=ANNA,
        at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        outcome=SatisfactionOutcome.SATISFIED,
        notes="Хвалит техподдержку",
    )
    decision = record_satisfaction(
        call,
        client=the_client(**client_fields),
        staff=a_staff(),
        policy=Policy(company_name="ООО «MLS IT»"),
    )
    assert decision.recommendation is not None
    return decision.recommendation


def test_the_letter_of_a_satisfied_call() -> None:
    request = a_request(contacts=(Contact("Сидоров Пётр", position="Директор"),))
    letter = recommendation_request_for(
        request,
        number="КО-15",
        company_details="644000, г. Омск, ул. Ленина, д. 1, тел. +7 3812 00-00-00",
        products=("ArchiMed+", "ArchiSport"),
        deadline=request.follow_up_on,
    )
    assert (letter.date, letter.deadline) == (date(2026, 3, 2), date(2026, 3, 10))
    assert letter.request == request.text
    assert letter.request.startswith("Мы рады, что Вы довольны работой с ООО «MLS IT»!")
    assert letter == attrs.evolve(a_letter(), request=request.text)
    text = paragraphs(reopen(render_document(letter)))
    assert text[:9] == LETTER_TEXT[:9]
    assert text[9] == request.text
    assert text[10:] == LETTER_TEXT[10:]


def test_the_letter_of_a_client_without_a_contact_person() -> None:
    request = a_request(contacts=())
    assert request.contact_person == "—"
    letter = recommendation_request_for(request, date=date(2026, 3, 3))
    assert (letter.contact_person, letter.salutation, letter.number) == (
        "",
        "Уважаемые коллеги!",
        "",
    )
    assert (letter.date, letter.deadline, letter.products) == (date(2026, 3, 3), None, ())
    assert letter.manager_phone == "+7 912 345-67-89"
    text = paragraphs(reopen(render_document(letter)))
    assert text[2:6] == [
        "Исх. №\xa0______________ от 03.03.2026",
        "ООО «Ромашка»",
        "О рекомендательном письме",
        "Уважаемые коллеги!",
    ]
    without = attrs.evolve(request, manager_phone=None, manager_email=None, text=" ")
    plain = recommendation_request_for(without)
    assert (plain.manager_phone, plain.manager_email) == ("", "")
    assert plain.request == RecommendationLetterRequest.__attrs_attrs__.request.default
    with pytest.raises(TypeError):
        recommendation_request_for(letter)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ both


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_service_document_is_on_a4(kind: str) -> None:
    document = reopen(render_document(SAMPLES[kind]()))
    assert page_mm(document) == [210, 297, 20, 15, 20, 30]
    normal = document.styles["Normal"]
    assert (normal.font.name, document.core_properties.title) == (  # type: ignore[attr-defined]
        "Times New Roman",
        document_type(kind).title,
    )


def test_the_service_documents_are_registered_before_the_order_documents() -> None:
    kinds = [t.kind for t in DOCUMENT_TYPES]
    assert kinds[kinds.index("debtors_list") + 1 :][:2] == list(SAMPLES)
    assert kinds[-2:] == ["order_request", "prepayment_invoice"]
    assert (VISIT_ACT.title, RECOMMENDATION_REQUEST.title) == (
        "Акт выполненных работ по сервисному обслуживанию",
        "Просьба о рекомендательном письме",
    )
    assert document_type(VisitActDocument) is VISIT_ACT
    assert document_type(a_letter()) is RECOMMENDATION_REQUEST


@pytest.mark.parametrize(
    "make",
    [
        an_act,
        lambda: an_act(parts=(), address="", problem=""),
        a_letter,
        lambda: a_letter(contact_person="", deadline=None, products=(), points=()),
    ],
)
def test_values_offer_exactly_the_fields_and_the_layout_is_a_template(
    make: Callable[[], object],
) -> None:
    context = make()
    kind = document_type(context)
    assert kind in (VISIT_ACT, RECOMMENDATION_REQUEST)
    values = kind.values(context)
    lists = {name: value for name, value in values.items() if not isinstance(value, str)}
    assert (set(values) - set(lists), set(lists)) == (kind.fields.scalars, set(kind.fields.lists))
    for name, elements in lists.items():
        for element in elements:
            assert set(element) == kind.fields.lists[name], name
    template = load_template(builtin_docx(kind.kind), kind.kind)
    assert template.placeholders <= kind.fields.names()
    assert paragraphs(reopen(render_document(context, template=template))) == paragraphs(
        reopen(render_document(context))
    )


def test_a_user_template_for_the_visit_act() -> None:
    def build(document: Any) -> None:
        document.add_paragraph("Акт {{ number }}: {{ visit_kind }}, {{ engineer }}")
        document.add_paragraph("{{ works.n }}) {{ works.text }}")
        document.add_paragraph("* {{ parts.name }} × {{ parts.quantity }} = {{ parts.amount }}")
        document.add_paragraph("{{ parts_line }}")

    template = load_template(make_docx(build), VisitActDocument)
    assert template.kind == "visit_act"
    text = paragraphs(reopen(render_document(an_act(parts=()), template=template)))
    assert text == [
        "Акт АВ-17: Аварийный выезд, Егоров Денис Викторович",
        "1) Диагностика контроллера",
        "2) Замена привода шлагбаума",
        "Запчасти не использовались",
    ]
    text = paragraphs(reopen(render_document(an_act(), template=template)))
    assert text[3:5] == [
        f"* Привод шлагбаума CAME BX-78 × 1 = 18{NBSP}500,00",
        f"* Фотоэлементы × 2 = 2{NBSP}501,00",
    ]


def test_plugins_draw_the_service_documents_through_the_host() -> None:
    seen: list[str] = []

    class Letterhead:
        @hookimpl
        def clientops_render_document(self, kind: str, context: object) -> bytes | None:
            seen.append(kind)
            if kind != "recommendation_request":
                return None
            assert isinstance(context, RecommendationLetterRequest)
            return make_docx(lambda d: d.add_paragraph(f"Письмо для {context.client_name}"))

    host = PluginHost(entry_points=False)
    host.register(Letterhead(), name="letterhead")
    drawn = paragraphs(reopen(render_document(a_letter(), host=host)))
    assert drawn == ["Письмо для ООО «Ромашка»"]
    assert paragraphs(reopen(render_document(an_act(), host=host)))[0] == ACT_TEXT[0]
    with clientops.connect("memory://", host=host) as ops:
        assert paragraphs(reopen(ops.documents.render(a_letter()))) == drawn
        assert cells(reopen(ops.documents.render(an_act())), 1) == PARTS_TABLE
    assert seen == ["recommendation_request", "visit_act"] * 2


# ------------------------------------------------------------------------------ validation


def test_the_contexts_name_every_missing_field_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        VisitActDocument("", None, " ", None, "ООО", "", "emergency", "", ())  # type: ignore[arg-type]
    assert info.value.paths == (
        "number",
        "date",
        "city",
        "executor",
        "customer",
        "contract",
        "kind",
        "engineer",
        "works",
    )
    assert info.value.subject == "VisitActDocument"
    with pytest.raises(ValidationError) as info:
        RecommendationLetterRequest(" ", "02.03.2026", "", "")  # type: ignore[arg-type]
    assert info.value.paths == ("company", "date", "client_name", "manager_name")
    assert info.value.subject == "RecommendationLetterRequest"


@pytest.mark.parametrize(
    ("make", "paths", "message"),
    [
        (lambda: an_act(works=()), ("works",), "at least one"),
        (lambda: an_act(works=["Настройка"]), ("works",), "must be a tuple"),
        (lambda: an_act(works=("Настройка", " ")), ("works[1]",), "required"),
        (lambda: an_act(parts=list(PARTS)), ("parts",), "must be a tuple"),
        (lambda: an_act(parts=(PARTS[0], "Фотоэлементы")), ("parts[1]",), "must be a Part"),
        (
            lambda: an_act(parts=(Part("Датчик", 1, Money("10", "USD")),)),
            ("parts[0].unit_price",),
            "must be in RUB",
        ),
        (
            lambda: an_act(parts=(Part("Датчик", 1, Money("10.005")),)),
            ("parts[0].unit_price",),
            "fraction of a kopeck",
        ),
        (lambda: an_act(parts=(Part("Дат\x00чик", 1, Money(1)),)), ("parts[0].name",), "U+0000"),
        (lambda: an_act(kind="emergency"), ("kind",), "must be a VisitKind"),
        (lambda: an_act(executor="ООО «MLS IT»"), ("executor",), "must be a Party"),
        (lambda: an_act(visit_date="10.03.2026"), ("visit_date",), "datetime.date"),
        (
            lambda: an_act(address=1, problem="\x0b", remarks=None),
            ("address", "problem", "remarks"),
            "must be a string",
        ),
        (lambda: an_act(closing="\x01"), ("closing",), "U+0001"),
        (lambda: a_letter(number="15\n16"), ("number",), "no line breaks"),
        (lambda: a_letter(contact_person="Сидоров\nПётр"), ("contact_person",), "no line breaks"),
        (lambda: a_letter(manager_phone=None), ("manager_phone",), "must be a string"),
        (lambda: a_letter(products=["ArchiMed+"]), ("products",), "must be a tuple"),
        (lambda: a_letter(products=("ArchiMed+", "")), ("products[1]",), "required"),
        (lambda: a_letter(points=("Сроки", 5)), ("points[1]",), "must be a string"),
        (lambda: a_letter(deadline="10.03.2026"), ("deadline",), "datetime.date"),
        (lambda: a_letter(deadline=date(2026, 3, 1)), ("deadline",), "before the letter's date"),
        (lambda: a_letter(thanks="\x00", closing=3), ("thanks", "closing"), "U+0000"),
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


def test_libreoffice_converts_the_service_documents_to_pdf(tmp_path: Path) -> None:
    documents = {
        "act": (
            render_document(an_act()),
            [
                "Акт выполненных работ по сервисному обслуживанию № АВ-17 от 10.03.2026",
                "Вид выезда: Аварийный выезд",
                "Инженер: Егоров Денис Викторович",
                "Замена привода шлагбаума",
                "Привод шлагбаума CAME BX-78",
                "Итого стоимость запчастей: 21 001,00 руб.",
                "Двадцать одна тысяча один рубль 00 копеек",
                "Замечания Заказчика",
            ],
        ),
        "act_without_parts": (
            render_document(an_act(parts=(), kind=VisitKind.SCHEDULED)),
            ["Плановый выезд", "Запчасти не использовались"],
        ),
        "letter": (
            render_document(a_letter()),
            [
                "Исх. № КО-15 от 02.03.2026",
                "Уважаемый(ая) Сидоров Пётр!",
                "рекомендательное письмо",
                "ArchiMed+, ArchiSport",
                "до 10 марта 2026 г.",
                "С уважением,",
                "Смирнова Анна Сергеевна",
                "anna@mls.ru",
            ],
        ),
    }
    texts = convert_to_pdf({name: data for name, (data, _) in documents.items()}, tmp_path)
    for name, text in texts.items():
        if text is None:  # no pdftotext: each PDF was still checked to have a page
            continue
        missing = [snippet for snippet in documents[name][1] if snippet not in text]
        assert not missing, f"the PDF of {name} lacks {missing}: {text[:600]}"
        assert ("Запчасти не использовались" in text) is (name == "act_without_parts")
