"""The month's invoice (счёт на оплату) as .docx: clientops against python-docx used the plain
way, one run.

The billing run issues every invoice as .docx (issue 4: 10,000 subscriptions in under 100 s,
where python-docx used the plain way would need about 1,000 s). This measures the document
part alone: invoices per second for ``PaymentInvoice``, in the same run as the same invoice
built with python-docx from scratch for every invoice, as ``bench_docs.py`` does for the act.

Workload: ``--invoices`` distinct invoices (64 by default, cycled), made with the seed
``workloads.SEED``: one supplier with its bank details, a buyer per invoice (a company with a
КПП, or a sole trader without), one to five lines (the month's subscription first), VAT 20%
included or no VAT, a due date, every eighth invoice a duplicate and every eleventh a
corrected one.

Cases, interleaved by ``harness.compare`` in each repeat; each first builds the typed
``PaymentInvoice`` (validated) from the invoice's plain values, inside the timed loop:

* ``python_docx``: the invoice laid out with python-docx for every invoice: an A4 page, the
  bank details block (a 4×4 table with merged cells), the title with a rule under it, the
  parties, the lines table, the totals, the amount in words, the due date, the signatures.
  Its strings are computed the way clientops computes them (``payment_invoice_values``), so
  the two cases differ only in how the .docx is made;
* ``clientops``: ``clientops.documents.render_document(invoice)``: the values computed, the
  compiled built-in layout filled.

Before timing, both outputs are opened with python-docx and checked to carry the invoice.

Run:  python bench/bench_invoices.py [--repeat 5] [--min-time 0.5] [--invoices 64]
Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import _harness as harness
import _workloads as workloads
import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from clientops import Money
from clientops._documents._billing import payment_invoice_values
from clientops.billing import BankDetails, InvoiceLine, InvoiceParty
from clientops.documents import InvoiceRef, PaymentInvoice, render_document

SUPPLIER = InvoiceParty(
    "ООО «MLS IT»", "5501234567", "550101001", "644000, г. Омск, ул. Ленина, д. 1"
)
BANK = BankDetails(
    "Омское отделение № 8634 ПАО Сбербанк, г. Омск",
    "045209673",
    "40702810945000012345",
    "30101810900000000673",
)
SERVICES = (
    ("Выезд инженера", "ч", "1500"),
    ("Настройка кассы", "усл.", "2500"),
    ("Обновление конфигурации", "усл.", "3200"),
    ("Доставка документов курьером", "усл.", "450"),
    ("Лицензия на рабочее место", "шт.", "6900"),
)
CITIES = ("г. Омск", "г. Новосибирск", "г. Тюмень", "г. Томск")


# --------------------------------------------------------------------------- workload


def invoice_values(i: int, rng: random.Random) -> dict[str, Any]:
    """The ``i``-th invoice of the month as plain values (strings, decimals, dates): see the
    module's docstring. :func:`build_invoice` makes the typed invoice of them."""
    day = date(2026, 11, 15)
    sole_trader = rng.random() < 0.3
    buyer = (
        f"ИП Клиентов {i}" if sole_trader else f"ООО «Клиент № {i}»",
        f"55{rng.randrange(10**10):010d}" if sole_trader else f"55{rng.randrange(10**8):08d}",
        "" if sole_trader else f"55{rng.randrange(10**7):07d}",
        f"{rng.choice(CITIES)}, ул. Мира, д. {rng.randint(1, 99)}",
    )
    fee = Decimal(rng.choice(("4500", "7500", "12000", "18500.50")))
    lines: list[tuple[str, str, Decimal | int, Decimal]] = [
        ("Абонентское обслуживание за ноябрь 2026 г.", "мес.", 1, fee)
    ]
    for name, unit, price in rng.sample(SERVICES, rng.randint(0, 4)):
        lines.append((name, unit, rng.choice((1, 2, 3, Decimal("1.5"))), Decimal(price)))
    return {
        "number": f"СО-2026-11-{i:04d}",
        "date": day,
        "buyer": buyer,
        "lines": lines,
        "basis": f"Договор № {i}/25 от 15.01.2025",
        "due_date": day + timedelta(days=10),
        "vat_rate": None if rng.random() < 0.25 else Decimal(20),
        "duplicate": i % 8 == 0,
        "replaces": (f"СО-2026-11-{i - 1:04d}", day) if i % 11 == 0 else None,
    }


def build_invoice(v: Mapping[str, Any]) -> PaymentInvoice:
    """The typed, validated invoice of plain values: what every timed case does first."""
    replaces = v["replaces"]
    return PaymentInvoice(
        number=v["number"],
        date=v["date"],
        supplier=SUPPLIER,
        bank=BANK,
        buyer=InvoiceParty(*v["buyer"]),
        lines=tuple(
            InvoiceLine(name, unit, qty, Money(price)) for name, unit, qty, price in v["lines"]
        ),
        basis=v["basis"],
        due_date=v["due_date"],
        vat_rate=v["vat_rate"],
        duplicate=v["duplicate"],
        replaces=InvoiceRef(*replaces) if replaces is not None else None,
        head="И. И. Иванов",
        accountant="С. С. Сидорова",
    )


def an_invoice(i: int, rng: random.Random) -> PaymentInvoice:
    """The ``i``-th invoice of the month, typed."""
    return build_invoice(invoice_values(i, rng))


# --------------------------------------------------------------------------- plain python-docx


def _text(v: Mapping[str, Any], name: str) -> str:
    value = v[name]
    assert isinstance(value, str)
    return value


def _rule(paragraph: Any, sides: tuple[str, ...] = ("bottom",)) -> None:
    borders = OxmlElement("w:pBdr")
    for side in sides:
        line = OxmlElement(f"w:{side}")
        for name, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1")):
            line.set(qn(name), value)
        borders.append(line)
    paragraph._p.get_or_add_pPr().append(borders)


def _para(doc: Any, text: str, *, bold: bool = False, right: bool = False, size: int = 0) -> Any:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return paragraph


def render_python_docx(invoice: PaymentInvoice) -> bytes:
    """The invoice built with python-docx from its default template, as code usually does."""
    v = payment_invoice_values(invoice)
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.top_margin = section.bottom_margin = Mm(20)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    if v["duplicate_mark"]:
        mark = _para(doc, _text(v, "duplicate_mark"), bold=True, size=18)
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _rule(mark, ("top", "left", "bottom", "right"))
    bank = doc.add_table(rows=4, cols=4)
    bank.style = "Table Grid"
    bank.cell(0, 0).merge(bank.cell(1, 1)).text = f"{v['bank.name']}\nБанк получателя"
    bank.cell(0, 2).text, bank.cell(0, 3).text = "БИК", _text(v, "bank.bik")
    bank.cell(1, 2).text = "Сч. №"
    bank.cell(1, 3).text = _text(v, "bank.correspondent_account")
    bank.cell(2, 0).text = f"ИНН {v['supplier.inn']}"
    bank.cell(2, 1).text = f"КПП {v['supplier.kpp']}"
    bank.cell(2, 2).merge(bank.cell(3, 2)).text = "Сч. №"
    bank.cell(2, 3).merge(bank.cell(3, 3)).text = _text(v, "bank.account")
    bank.cell(3, 0).merge(bank.cell(3, 1)).text = f"{v['supplier.name']}\nПолучатель"
    title = _para(doc, f"Счёт на оплату № {v['number']} от {v['date']}", bold=True, size=14)
    _rule(title)
    if v["replaces_line"]:
        _para(doc, _text(v, "replaces_line"), bold=True)
    for label, name in (
        ("Поставщик (Исполнитель): ", "supplier.full"),
        ("Покупатель (Заказчик): ", "buyer.full"),
        ("Основание: ", "basis"),
    ):
        paragraph = doc.add_paragraph(label)
        paragraph.add_run(_text(v, name)).bold = True
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    head = ("№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб.")
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for line in v["lines"]:
        assert not isinstance(line, str)
        row = table.add_row().cells
        for cell, name in zip(
            row, ("n", "name", "quantity", "unit", "price", "amount"), strict=True
        ):
            cell.text = line[name]
    _para(doc, f"Итого: {v['total']}", bold=True, right=True)
    _para(doc, _text(v, "vat_line"), bold=True, right=True)
    _para(doc, f"Всего к оплате: {v['to_pay']}", bold=True, right=True)
    _para(doc, f"Всего наименований {v['lines_count']}, на сумму {v['to_pay']} руб.")
    _rule(_para(doc, _text(v, "amount_in_words"), bold=True))
    if v["due_line"]:
        _para(doc, _text(v, "due_line"))
    _para(doc, f"Руководитель\t{v['head_signature']}")
    _para(doc, f"Бухгалтер\t{v['accountant_signature']}")
    _para(doc, "М.П.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- checks


def check(data: bytes, invoice: PaymentInvoice) -> None:
    """The .docx opens with python-docx, on A4, and carries the invoice's number, buyer,
    lines, amount in words, and its duplicate mark when it is one."""
    document = docx.Document(io.BytesIO(data))
    # the engine sets no-break spaces (after «№», before «г.»); the hand-made pair does not
    text = [p.text.replace("\xa0", " ") for p in document.paragraphs]
    cells = {
        c.text.replace("\xa0", " ") for t in document.tables for row in t.rows for c in row.cells
    }
    values = payment_invoice_values(invoice)
    assert text[1 if invoice.duplicate else 0].startswith(f"Счёт на оплату № {invoice.number} от")
    assert (text[0] == "ДУБЛИКАТ") is invoice.duplicate
    assert values["amount_in_words"] in text
    assert any(invoice.buyer.name in paragraph for paragraph in text)
    assert {line.name for line in invoice.lines} <= cells
    assert BANK.account in cells
    width = document.sections[0].page_width
    assert width is not None
    assert round(width.mm) == 210


def first_document_s(invoice: PaymentInvoice) -> float:
    """Seconds for the first invoice of a process: draw the layout, compile it, render."""
    from clientops._documents import _engine

    _engine._builtin.cache_clear()
    t0 = time.perf_counter()
    render_document(invoice)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- main


def cycler(fn: Callable[[Any], bytes], inputs: list[Any]) -> Callable[[], bytes]:
    position = iter(range(1 << 62))
    return lambda: fn(inputs[next(position) % len(inputs)])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case (5)")
    ap.add_argument(
        "--min-time", type=float, default=0.5, help="seconds each timed run lasts at least (0.5)"
    )
    ap.add_argument("--invoices", type=int, default=64, help="distinct invoices, cycled (64)")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.invoices < 1 or args.min_time < 0:
        ap.error("--repeat and --invoices must be positive, --min-time not negative")

    rng = random.Random(workloads.SEED)
    values = [invoice_values(i, rng) for i in range(1, args.invoices + 1)]
    invoices = [build_invoice(v) for v in values]
    first_s = first_document_s(invoices[0])
    sizes: dict[str, int] = {}
    impls: dict[str, Callable[[PaymentInvoice], bytes]] = {
        "python_docx": render_python_docx,
        "clientops": render_document,
    }
    for name, fn in impls.items():
        for invoice in invoices[: min(len(invoices), 16)]:  # duplicates and corrected ones too
            check(fn(invoice), invoice)
        sizes[name] = len(fn(invoices[0]))

    harness.log(
        f"bench_invoices: {args.invoices} invoices, repeat={args.repeat}, "
        f"min_time={args.min_time}; first clientops invoice of the process (layout drawn and "
        f"compiled): {first_s * 1e3:.0f} ms"
    )
    # every timed case builds (and validates) the typed invoice from its plain values first
    cases = {
        name: cycler(lambda v, fn=fn: fn(build_invoice(v)), values) for name, fn in impls.items()
    }
    res = harness.compare(cases, repeat=args.repeat, min_time=args.min_time, baseline="python_docx")
    per_s = {name: 1 / res[name]["median"] for name in cases}
    speedup = harness.paired_ratio(res, "python_docx", "clientops")  # t_python_docx / t_clientops
    for name in cases:
        r = res[name]
        harness.log(
            f"{name:>12}: {per_s[name]:>8,.1f} invoices/s  (median {r['median'] * 1e3:.2f} ms, "
            f"min {r['min'] * 1e3:.2f}, max {r['max'] * 1e3:.2f}, {r['runs']} runs of "
            f"{r['number']}; {sizes[name]:,} bytes)"
        )
    per_10k = {name: 10_000 / rate for name, rate in per_s.items()}
    harness.log(
        f"clientops = {speedup:.1f}x python-docx; 10,000 invoices: clientops "
        f"{per_10k['clientops']:.1f} s, python-docx {per_10k['python_docx']:.0f} s"
    )
    harness.emit(
        {
            "bench": "invoices-clientops",
            "invoices": args.invoices,
            "repeat": args.repeat,
            "min_time": args.min_time,
            "seed": workloads.SEED,
            "invoices_per_s": {name: round(v, 1) for name, v in per_s.items()},
            "speedup_vs_python_docx": speedup,
            "seconds_per_10000": {name: round(v, 1) for name, v in per_10k.items()},
            "first_document_s": round(first_s, 4),
            "machine": harness.machine(),
            "versions": harness.versions("clientops", "python-docx", "lxml", "num2words"),
            "output_bytes": sizes,
            "results": res,
        }
    )


if __name__ == "__main__":
    main()
