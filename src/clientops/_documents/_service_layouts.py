"""The built-in layouts of the service documents: the visit act and the letter asking a
satisfied client for a recommendation, drawn like the acts (:mod:`._layouts`) on the page of a
:class:`~clientops._documents._layouts.PageSetup`.

Their optional lines (the visit's address, the client's problem, the parts' total, the
letter's contact person, deadline and contacts) are paragraphs holding a list placeholder
(``{{ if_problem.text }}``), repeated once or not at all, as on the invoice
(:mod:`._billing_layouts`).
"""

from __future__ import annotations

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from clientops._documents._layouts import (
    AMOUNT,
    PageSetup,
    layout_grid,
    layout_paragraph,
    layout_signatures,
    new_document,
    to_bytes,
)
from clientops._documents._orders_layouts import Line

__all__ = [
    "PARTS_HEAD",
    "WORKS_HEAD",
    "recommendation_request_layout",
    "visit_act_layout",
]

WORKS_HEAD = ("№", "Выполненные работы")
PARTS_HEAD = ("№", "Наименование запчасти", "Кол-во", "Цена, руб.", "Сумма, руб.")
_PARTS_ROW = tuple(
    f"{{{{ parts_rows.{field} }}}}" for field in ("n", "name", "quantity", "price", "amount")
)


def _labelled(document: Document, label: str, value: str) -> Paragraph:
    return layout_paragraph(document, (label, True), (value, False), space_after=2)


def _section(document: Document, title: str) -> None:
    heading = layout_paragraph(document, (title, True), space_after=4)
    heading.paragraph_format.space_before = Pt(8)


def visit_act_layout(page: PageSetup) -> bytes:
    """The visit act as a template: the title with the number and date, the place and date,
    the parties and the contract, the visit (its kind, day, engineer, address, the client's
    problem), the numbered table of works, the table of parts with their total in words, the
    customer's remarks, the closing and the signatures of both sides."""
    document = new_document(page, "Акт выполненных работ по сервисному обслуживанию")
    layout_paragraph(
        document,
        ("Акт выполненных работ по сервисному обслуживанию № {{ number }} от {{ date }}", True),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=13,
        space_after=10,
    )
    place = layout_paragraph(document, ("{{ city }}\t{{ date }}", False), space_after=10)
    place.paragraph_format.tab_stops.add_tab_stop(Mm(page.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)
    _labelled(document, "Исполнитель: ", "{{ executor.full }}")
    _labelled(document, "Заказчик: ", "{{ customer.full }}")
    _labelled(document, "Основание: ", "{{ contract }}")
    _labelled(document, "Вид выезда: ", "{{ visit_kind }}")
    _labelled(document, "Дата выезда: ", "{{ visit_date }}")
    _labelled(document, "Инженер: ", "{{ engineer }}")
    _labelled(document, "Адрес: ", "{{ if_address.text }}")
    _labelled(document, "Обращение Заказчика: ", "{{ if_problem.text }}")

    _section(document, "1. Выполненные работы")
    works = layout_grid(
        document, page, WORKS_HEAD, ("{{ works.n }}", "{{ works.text }}"), (8, 157), frozenset()
    )
    works.rows[1].cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _section(document, "2. Запчасти, использованные по договору")
    fits = ((), (), (), (AMOUNT,), (AMOUNT,))
    layout_grid(
        document, page, PARTS_HEAD, _PARTS_ROW, (8, 79, 18, 30, 30), frozenset({0, 2, 3, 4}), fits
    )
    Line(
        "Итого стоимость запчастей: {{ if_parts.total }} руб.",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        before=4,
        after=0,
    ).put(document)
    Line("{{ if_parts.in_words }}", bold=True, after=0).put(document)

    remarks = layout_paragraph(document, ("Замечания Заказчика: ", True), ("{{ remarks }}", False))
    remarks.paragraph_format.space_before = Pt(10)
    layout_paragraph(document, ("{{ closing }}", False), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    layout_signatures(document, "Исполнитель", "Заказчик", "executor", "customer")
    return to_bytes(document)


def _indented(document: Document, page: PageSetup, text: str, *, bold: bool = False) -> None:
    """A line of the addressee block, in the right half of the page."""
    paragraph = layout_paragraph(document, (text, bold), space_after=0)
    paragraph.paragraph_format.left_indent = Mm(page.text_width_mm / 2)


def recommendation_request_layout(page: PageSetup) -> bytes:
    """The letter as a template: the letterhead (the company, its details over a rule), the
    outgoing number and date, the addressee at the right, the subject, the salutation, the
    paragraphs (thanks, the request, what the letter could mention, the deadline), the
    closing and the manager's signature with their phone and e-mail."""
    document = new_document(page, "Просьба о рекомендательном письме")
    Line("{{ company }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14, after=0).put(
        document
    )
    Line(
        "{{ if_company_details.text }}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=max(page.font_size_pt - 2, 6),
        after=0,
    ).put(document)
    Line("", rule=True, after=12).put(document)
    Line("Исх. № {{ number }} от {{ date }}", after=12).put(document)
    _indented(document, page, "{{ client_name }}", bold=True)
    _indented(document, page, "{{ if_contact.text }}")
    Line("{{ subject }}", before=12, after=12).put(document)
    Line("{{ salutation }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=10).put(document)
    for text in ("{{ thanks }}", "{{ request }}", "{{ points_intro }}"):
        body = Line(text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=4).put(document)
        body.paragraph_format.first_line_indent = Mm(12.5)
    point = layout_paragraph(document, ("— {{ points.text }}", False), space_after=2)
    point.paragraph_format.left_indent = Mm(12.5)
    deadline = Line("{{ if_deadline.text }}", align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=4).put(
        document
    )
    deadline.paragraph_format.first_line_indent = Mm(12.5)
    closing = Line("{{ closing }}", before=4).put(document)
    closing.paragraph_format.first_line_indent = Mm(12.5)

    Line("{{ regards }}", before=18, after=0).put(document)
    sign = Line("{{ manager_position }}\t{{ manager_name }}", after=0).put(document)
    sign.paragraph_format.tab_stops.add_tab_stop(Mm(page.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)
    Line("{{ if_contacts.text }}", size=max(page.font_size_pt - 1, 6), before=12).put(document)
    return to_bytes(document)
