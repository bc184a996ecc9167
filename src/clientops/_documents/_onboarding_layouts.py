"""The built-in layouts of the client folder's papers: the title page, the checklist of
Appendix 1 and the notice of nonconformities, drawn like the acts (:mod:`._layouts`) on the
page of a :class:`~clientops._documents._layouts.PageSetup`."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Mm, Pt
from docx.table import Table

from clientops._documents._layouts import (
    DATE,
    PageSetup,
    layout_grid,
    layout_paragraph,
    new_document,
    repeat_header,
    to_bytes,
)

__all__ = [
    "CHECKLIST_HEAD",
    "NOTICE_HEAD",
    "TITLE_PAGE_ROWS",
    "folder_title_page_layout",
    "nonconformity_notice_layout",
    "onboarding_checklist_layout",
]


def _heading(document: Document, title: str, subtitle: str) -> None:
    layout_paragraph(document, (title, True), align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    layout_paragraph(document, (subtitle, False), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)


def _label_table(
    document: Document,
    page: PageSetup,
    head: tuple[str, str],
    rows: Sequence[tuple[str, str]],
    widths: tuple[float, float],
) -> Table:
    """A bordered two-column table: a bold header row, then a bold label and its value on
    each row; ``widths`` are shares of the text width."""
    table: Table = document.add_table(rows=1 + len(rows), cols=2)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    scale = page.text_width_mm / sum(widths)
    for r, texts in enumerate((head, *rows)):
        for c, text in enumerate(texts):
            cell = table.rows[r].cells[c]
            cell.width = Mm(widths[c] * scale)
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_before = Pt(3)
            paragraph.paragraph_format.space_after = Pt(3)
            run = paragraph.add_run(text)
            if r == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if r == 0 or c == 0:
                run.bold = True
    for c, width in enumerate(widths):
        table.columns[c].width = Mm(width * scale)
    repeat_header(table)
    return table


# ------------------------------------------------------------------------------ layouts

#: The rows of the title page: the label on paper, and the placeholder of its value.
TITLE_PAGE_ROWS = (
    ("Наименование", "{{ client_name }}"),
    ("Номер договора", "{{ contract_number }}"),
    ("Ф.И.О. ведущего менеджера", "{{ sales_manager }}"),
    ("Город", "{{ city }}"),
    ("Контактное лицо", "{{ contact_person }}"),
    ("Номер телефона", "{{ phone }}"),
    ("Программные продукты", "{{ products }}"),
    ("Дата передачи в клиентский отдел", "{{ date }}"),
)


def folder_title_page_layout(page: PageSetup) -> bytes:
    """The title page of a client folder as a template: a heading, the client's name, and a
    table of the fields the client department needs."""
    document = new_document(page, "Титульный лист клиентской папки")
    _heading(document, "ТИТУЛЬНЫЙ ЛИСТ", "клиентской папки")
    layout_paragraph(
        document,
        ("{{ client_name }}", True),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=page.font_size_pt + 5,
        space_after=18,
    )
    _label_table(document, page, ("Поле", "Значение"), TITLE_PAGE_ROWS, (2, 3))
    return to_bytes(document)


CHECKLIST_HEAD = ("№ п/п", "Действие", "Фамилия и инициалы", "Дата", "Подпись")
_CHECKLIST_ROW = (
    "{{ rows.number }}",
    "{{ rows.description }}",
    "{{ rows.done_by }}",
    "{{ rows.done_on }}",
    "",  # the signature, by hand
)


def onboarding_checklist_layout(page: PageSetup) -> bytes:
    """The checklist of Appendix 1 as a template: one row per action, with room to sign."""
    document = new_document(page, "Чек-лист знакомства с клиентом и подготовки документации")
    _heading(document, "ЧЕК-ЛИСТ", "знакомства с клиентом и подготовки документации")
    layout_paragraph(document, ("Клиент: ", True), ("{{ client_name }}", False))
    layout_paragraph(document, ("Номер договора: ", True), ("{{ contract_number }}", False))
    layout_paragraph(
        document,
        ("Менеджер клиентского отдела: ", True),
        ("{{ manager }}", False),
        space_after=8,
    )
    widths = (11, 80, 30, 21, 23)
    table = layout_grid(
        document, page, CHECKLIST_HEAD, _CHECKLIST_ROW, widths, frozenset(), ((), (), (), (DATE,))
    )
    row = table.rows[1]
    row.height = Mm(10)  # room for a signature
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    row.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    row.cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    return to_bytes(document)


NOTICE_HEAD = ("№", "Документ", "Несоответствие")
_NOTICE_ROW = ("{{ items.n }}", "{{ items.document }}", "{{ items.problem }}")


def nonconformity_notice_layout(page: PageSetup) -> bytes:
    """The notice of nonconformities in a client folder as a template: the recipients at the
    top right, the heading, the client, a table of what is wrong, the request, the sender's
    signature."""
    document = new_document(page, "Уведомление о несоответствиях в клиентской папке")
    recipients = layout_paragraph(document, ("{{ recipients }}", False), space_after=18)
    recipients.paragraph_format.left_indent = Mm(page.text_width_mm / 2)
    _heading(
        document, "УВЕДОМЛЕНИЕ № {{ number }} от {{ date }}", "о несоответствиях в клиентской папке"
    )
    layout_paragraph(
        document,
        ("Клиент: ", True),
        ("{{ client_name }}", False),
        ("; номер договора: ", True),
        ("{{ contract_number }}", False),
    )
    layout_paragraph(
        document,
        ("При проверке клиентской папки выявлены следующие несоответствия:", False),
        space_after=8,
    )
    layout_grid(document, page, NOTICE_HEAD, _NOTICE_ROW, (8, 55, 102), frozenset({0}))
    request = layout_paragraph(document, ("{{ request }}", False), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    request.paragraph_format.space_before = Pt(8)
    sign = layout_paragraph(
        document, ("Менеджер клиентского отдела\t{{ signature_line }}", False), space_after=0
    )
    sign.paragraph_format.space_before = Pt(24)
    sign.paragraph_format.tab_stops.add_tab_stop(Mm(page.text_width_mm), WD_TAB_ALIGNMENT.RIGHT)
    return to_bytes(document)
