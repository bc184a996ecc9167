"""The baselines of the act of completed works as .docx, written the way a user would without
clientops, on the act of ``_workloads.act_context``:

* ``render_python_docx``: the act built with python-docx for every document (it loads
  python-docx's default template each time);
* ``make_render_docxtpl``: a docxtpl template (made once by the same code, with Jinja tags and a
  ``{%tr for %}`` row loop) rendered per act;
* ``make_floor``: python-docx's ``document.xml`` cut once at its values, filled per act and
  zipped with ``zipfile``;
* ``make_floor_prezipped``: the physical floor: the same, with the 16 parts that never change
  deflated once and the ZIP written with ``struct``.

Each output is bytes in memory; :func:`check` opens one with python-docx.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from html import escape
from typing import Any

HEAD = ["№", "Наименование работ (услуг)", "Кол-во", "Ед.", "Цена, руб.", "Сумма, руб."]
ITEM_KEYS = ["n", "name", "qty", "unit", "price", "amount"]


def act_docx(v: dict[str, Any], item_rows: list[list[str]]) -> bytes:
    """Lay out the act with python-docx. ``v``: scalar values (strings);
    ``item_rows``: the cell texts of the item rows (5 rows, or docxtpl loop rows)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run(f"АКТ № {v['number']}")
    r.bold = True
    r.font.size = Pt(14)
    p = doc.add_paragraph("сдачи-приёмки выполненных работ (оказанных услуг)")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{v['city']}\t\t\t\t\t\t{v['date']}")
    p = doc.add_paragraph()
    p.add_run("Исполнитель: ").bold = True
    p.add_run(f"{v['executor']}, {v['executor_details']}")
    p = doc.add_paragraph()
    p.add_run("Заказчик: ").bold = True
    p.add_run(f"{v['customer']}, {v['customer_details']}")
    doc.add_paragraph(f"Основание: {v['contract']}")
    t = doc.add_table(rows=1, cols=len(HEAD))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, HEAD, strict=True):
        cell.text = text
    for row in item_rows:
        for cell, text in zip(t.add_row().cells, row, strict=True):
            cell.text = text
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run(f"Итого: {v['total']}").bold = True
    p = doc.add_paragraph(f"В том числе НДС (20%): {v['vat']}")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph(f"Всего оказано услуг на сумму: {v['amount_words']}")
    doc.add_paragraph(
        "Вышеперечисленные работы (услуги) выполнены полностью и в срок. "
        "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет."
    )
    s = doc.add_table(rows=2, cols=2)
    s.rows[0].cells[0].text = "Исполнитель"
    s.rows[0].cells[1].text = "Заказчик"
    s.rows[1].cells[0].text = v["executor_sign"]
    s.rows[1].cells[1].text = v["customer_sign"]
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


SCALARS = [
    "number",
    "date",
    "city",
    "executor",
    "executor_details",
    "customer",
    "customer_details",
    "contract",
    "total",
    "vat",
    "amount_words",
    "executor_sign",
    "customer_sign",
]


# (a) ------------------------------------------------------------------ python-docx
def render_python_docx(ctx: dict[str, Any]) -> bytes:
    return act_docx(ctx, [[it[k] for k in ITEM_KEYS] for it in ctx["items"]])


# (b) ---------------------------------------------------------------------- docxtpl
def make_docxtpl_template() -> bytes:
    v = {k: "{{ " + k + " }}" for k in SCALARS}
    rows = [
        ["{%tr for item in items %}"] + [""] * 5,
        ["{{ item." + k + " }}" for k in ITEM_KEYS],
        ["{%tr endfor %}"] + [""] * 5,
    ]
    return act_docx(v, rows)


def make_render_docxtpl(template: bytes) -> Callable[[dict[str, Any]], bytes]:
    from docxtpl import DocxTemplate

    def render(ctx: dict[str, Any]) -> bytes:
        tpl = DocxTemplate(io.BytesIO(template))
        tpl.render(ctx, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
        return buf.getvalue()

    return render


# (c) ------------------------------------------------------------------------ floor
_SENT = re.compile(r"@@([a-z0-9_]+)@@")


def make_floor() -> Callable[[dict[str, Any]], bytes]:
    """Pre-split document.xml of the python-docx act at sentinel values; return
    render(ctx) that fills the slots and zips the package with zipfile."""
    v = {k: f"@@{k}@@" for k in SCALARS}
    rows = [[f"@@i{j}_{k}@@" for k in ITEM_KEYS] for j in range(5)]
    proto = act_docx(v, rows)
    with zipfile.ZipFile(io.BytesIO(proto)) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    names = [n for n, _ in parts]
    doc_i = names.index("word/document.xml")
    xml = parts[doc_i][1].decode("utf-8")
    pieces = _SENT.split(xml)  # even: literal XML, odd: slot keys
    slots = pieces[1::2]
    assert set(slots) == set(SCALARS) | {f"i{j}_{k}" for j in range(5) for k in ITEM_KEYS}, slots
    before, after = parts[:doc_i], parts[doc_i + 1 :]

    def render(ctx: dict[str, Any]) -> bytes:
        flat = dict(ctx)
        for j, it in enumerate(ctx["items"]):
            for k in ITEM_KEYS:
                flat[f"i{j}_{k}"] = it[k]
        out = pieces[:]
        for i in range(1, len(out), 2):
            out[i] = escape(flat[out[i]], quote=False)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in before:
                z.writestr(name, data)
            z.writestr("word/document.xml", "".join(out).encode("utf-8"))
            for name, data in after:
                z.writestr(name, data)
        return buf.getvalue()

    return render


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


_DOS_TIME, _DOS_DATE = 0, (2025 - 1980) << 9 | 6 << 5 | 30


def _entry(name: str, data: bytes) -> tuple[bytes, int, bytes, int]:
    return (name.encode("utf-8"), zlib.crc32(data), _deflate(data), len(data))


def make_floor_prezipped() -> Callable[[dict[str, Any]], bytes]:
    """Like make_floor, but static parts are compressed once and the zip (local
    headers, central directory, end record) is written by hand."""
    v = {k: f"@@{k}@@" for k in SCALARS}
    rows = [[f"@@i{j}_{k}@@" for k in ITEM_KEYS] for j in range(5)]
    proto = act_docx(v, rows)
    with zipfile.ZipFile(io.BytesIO(proto)) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    doc_i = [n for n, _ in parts].index("word/document.xml")
    pieces = _SENT.split(parts[doc_i][1].decode("utf-8"))
    static = [None if i == doc_i else _entry(n, d) for i, (n, d) in enumerate(parts)]

    def render(ctx: dict[str, Any]) -> bytes:
        flat = dict(ctx)
        for j, it in enumerate(ctx["items"]):
            for k in ITEM_KEYS:
                flat[f"i{j}_{k}"] = it[k]
        out = pieces[:]
        for i in range(1, len(out), 2):
            out[i] = escape(flat[out[i]], quote=False)
        entries = static[:]
        entries[doc_i] = _entry("word/document.xml", "".join(out).encode("utf-8"))
        body = bytearray()
        central = bytearray()
        for name, crc, cdata, usize in entries:
            off = len(body)
            body += struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                8,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                len(cdata),
                usize,
                len(name),
                0,
            )
            body += name
            body += cdata
            central += struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                len(cdata),
                usize,
                len(name),
                0,
                0,
                0,
                0,
                0,
                off,
            )
            central += name
        cd_off = len(body)
        body += central
        body += struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_off, 0
        )
        return bytes(body)

    return render


def check(data: bytes, ctx: dict[str, Any]) -> None:
    """The output opens with python-docx and carries the act's values."""
    from docx import Document

    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    d = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert f"АКТ № {ctx['number']}" in text, text[:200]
    assert ctx["total"] in text
    assert ctx["amount_words"] in text
    assert ctx["items"][4]["amount"] in cells, cells
    assert ctx["items"][0]["name"] in cells, cells
