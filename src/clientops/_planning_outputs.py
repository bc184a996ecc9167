"""The monthly report and the pay sheet as a director reads them: .docx on A4 (with a bar
chart of plan against fact when matplotlib, the ``charts`` extra, is installed), CSV
(``;``-separated, as Russian Excel opens it) and JSON. Re-homed to :mod:`clientops.planning`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from clientops._formats import money_text
from clientops._planning import (
    MonthlyReport,
    MonthlySheet,
    PaySheet,
    PlanLine,
    ReportLine,
    SheetKind,
    month_words,
)
from clientops._text import format_date
from clientops._typography import typeset
from clientops.model import Money

__all__ = [
    "pay_sheet_csv",
    "pay_sheet_docx",
    "plan_docx",
    "report_csv",
    "report_docx",
    "report_json",
]


def _value(line: PlanLine, value: Decimal | None) -> str:
    if value is None:
        return "—"
    if line.money:
        return money_text(Money(value))
    return f"{value.normalize():f}" if value == value.to_integral() else str(value)


def _percent(row: ReportLine) -> str:
    done = row.done_percent
    return "—" if done is None else f"{done}".replace(".", ",") + " %"


def _rows(report: MonthlyReport) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            r.line.label,
            _value(r.line, r.plan),
            _value(r.line, r.fact),
            _percent(r),
            _value(r.line, r.difference),
        )
        for r in report.lines
    ]


_HEAD = ("Показатель", "План", "Факт", "Выполнение", "Отклонение")


def report_csv(report: MonthlyReport) -> str:
    """The report as CSV: one row per line with plan, fact, done % and difference (plain
    numbers, a point for decimals), then the lost clients."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(("Показатель", "План", "Факт", "Выполнение, %", "Отклонение"))
    for r in report.lines:
        writer.writerow(
            (
                r.line.label,
                "" if r.plan is None else str(r.plan),
                str(r.fact),
                "" if r.done_percent is None else str(r.done_percent),
                "" if r.difference is None else str(r.difference),
            )
        )
    if report.lost:
        writer.writerow(())
        writer.writerow(("Потерянный клиент", "Критерий", "С какого дня", "Системный"))
        for c in report.lost:
            writer.writerow((c.name, c.label, format_date(c.lost_on), "да" if c.regular else "нет"))
    return out.getvalue()


def report_json(report: MonthlyReport) -> dict[str, Any]:
    """The report as a JSON-ready dict: each line by its name with plan, fact, done %,
    difference and the records it counts; the lost clients with their criterion."""

    def num(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "month": str(report.month),
        "manager_id": report.manager_id,
        "department_id": report.department_id,
        "lines": {
            r.line.value: {
                "label": r.line.label,
                "plan": num(r.plan),
                "fact": num(r.fact),
                "done_percent": num(r.done_percent),
                "difference": num(r.difference),
                "records": list(r.records),
            }
            for r in report.lines
        },
        "lost": [
            {
                "client_id": c.client_id,
                "name": c.name,
                "criterion": c.criterion,
                "label": c.label,
                "lost_on": c.lost_on.isoformat(),
                "regular": c.regular,
            }
            for c in report.lost
        ],
    }


def pay_sheet_csv(sheet: PaySheet) -> str:
    """The pay sheet as CSV: a row per satisfied client, then the salary, bonus and total."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ("Клиент", "Удовлетворён (звонок)", "Покупки, руб.", "Премия, руб.", "Документы")
    )
    for line in sheet.lines:
        writer.writerow(
            (
                line.name,
                format_date(line.satisfied_on),
                str(line.purchases.amount),
                str(line.bonus.amount),
                ", ".join(line.records),
            )
        )
    writer.writerow(("Оклад", "", "", str(sheet.salary.amount), ""))
    writer.writerow((f"Премия ({sheet.percent} %)", "", "", str(sheet.bonus.amount), ""))
    writer.writerow(("Итого", "", "", str(sheet.total.amount), ""))
    return out.getvalue()


def _chart(report: MonthlyReport) -> bytes | None:
    """A PNG bar chart of plan against fact of the money lines, or ``None`` without
    matplotlib or without a plan."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - the charts extra is not installed
        return None
    rows = [r for r in report.lines if r.line.money and r.plan is not None]
    if not rows:
        return None
    figure = Figure(figsize=(7, 3.2), dpi=120)
    axes = figure.add_subplot()
    places = range(len(rows))
    axes.bar([p - 0.2 for p in places], [float(r.plan or 0) for r in rows], 0.4, label="План")
    axes.bar([p + 0.2 for p in places], [float(r.fact) for r in rows], 0.4, label="Факт")
    axes.set_xticks(list(places))
    axes.set_xticklabels(
        [r.line.label.replace(", руб.", "") for r in rows], fontsize=7, rotation=15, ha="right"
    )
    axes.set_ylabel("руб.")
    axes.legend()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _page(title: str, subtitle: str, approver: str) -> Any:
    """A new A4 document with the director's approval block and the centred title."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    stamp = document.add_paragraph("УТВЕРЖДАЮ\nДиректор\n")
    stamp.add_run(f"{approver or '____________'}\n«___» __________ 20__ г.")
    stamp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(14)
    if subtitle:
        document.add_paragraph(subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    return document


def _table(document: Any, head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _bytes(document: Any, signer: str) -> bytes:
    from docx.oxml.ns import qn

    document.add_paragraph(f"\n{signer} ____________ / ____________")
    for t in document.part.element.iter(qn("w:t")):  # set as printed Russian, like documents
        if t.text:
            t.text = typeset(t.text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _who(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def report_docx(
    report: MonthlyReport,
    *,
    manager_name: str = "",
    department_name: str = "",
    approver: str = "",
    names: Mapping[str, str] | None = None,
) -> bytes:
    """The report as a .docx on A4: the approval block («УТВЕРЖДАЮ»), the title, the table
    of plan and fact, the chart of the money lines, the lost clients with their criterion
    (their names from ``names`` by client id when given)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = _page(
        f"Отчёт о работе за {month_words(report.month)}",
        _who(department_name, manager_name),
        approver,
    )
    _table(document, _HEAD, list(_rows(report)))
    picture = _chart(report)
    if picture is not None:
        document.add_paragraph("План и факт, руб.").alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.add_picture(io.BytesIO(picture), width=Cm(16))
    if report.lost:
        document.add_paragraph("Потерянные клиенты").runs[0].bold = True
        rows = [
            ((names or {}).get(c.client_id, c.name), c.label, format_date(c.lost_on))
            for c in report.lost
        ]
        _table(document, ("Клиент", "Критерий", "С какого дня"), rows)
    return _bytes(document, "Менеджер")


def plan_docx(
    sheet: MonthlySheet, *, manager_name: str = "", department_name: str = "", approver: str = ""
) -> bytes:
    """A plan (or a stored report's figures) as a .docx on A4: the approval block, the title,
    the table of its lines, where it is in the approval."""
    kind = "План работы на" if sheet.kind is SheetKind.PLAN else "Отчёт о работе за"
    document = _page(
        f"{kind} {month_words(sheet.month)}", _who(department_name, manager_name), approver
    )
    head = ("Показатель", "План" if sheet.kind is SheetKind.PLAN else "Факт")
    _table(document, head, [(f.line.label, _value(f.line, f.value)) for f in sheet.figures])
    document.add_paragraph(f"Состояние: {sheet.state.label}.")
    if sheet.comment:
        document.add_paragraph(f"Замечание директора: «{sheet.comment}».")
    return _bytes(document, "Менеджер")


def pay_sheet_docx(sheet: PaySheet, *, manager_name: str = "", approver: str = "") -> bytes:
    """The pay sheet as a .docx on A4: the satisfied clients with their purchases and the
    bonus on each, then the salary, the bonus and the total."""
    document = _page(
        f"Расчёт заработной платы за {month_words(sheet.month)}", manager_name, approver
    )
    rows = [
        (
            line.name,
            format_date(line.satisfied_on),
            money_text(line.purchases),
            money_text(line.bonus),
        )
        for line in sheet.lines
    ]
    head = ("Удовлетворённый клиент", "Звонок", "Покупки", "Премия")
    _table(document, head, rows)
    percent = f"{sheet.percent.normalize():f}".replace(".", ",")
    _table(
        document,
        ("Начисление", "Сумма"),
        [
            ("Оклад", money_text(sheet.salary)),
            (f"Премия ({percent} % покупок)", money_text(sheet.bonus)),
            ("Итого", money_text(sheet.total)),
        ],
    )
    return _bytes(document, "Ознакомлен")
