"""The act of completed works as .docx: clientops against python-docx, docxtpl and the floors,
one run.

The issue's acceptance criterion: documents per second for the act of completed works, in the
same run as python-docx used the plain way (about 10 per second on the 2-core machine) and the
physical floor (static parts pre-compressed, only document.xml deflated per act; about 1,500
per second). Target: clientops at least 100 per second, ten times plain python-docx.

Workload: ``_workloads.act_context(i)`` for i = 1..64, cycled: title and number, city and date,
the parties with their details, the contract, five items, total, VAT, amount in words, a
closing sentence and a signature table.

Cases, interleaved by ``harness.compare`` in each repeat (``_plain_docx`` holds the baselines):

* ``python_docx`` (the baseline): the document built with python-docx for every act (it loads
  python-docx's default template each time);
* ``docxtpl``: a docxtpl template of the same act (made once), rendered per act;
* ``floor_zipfile``: document.xml pre-split once, filled per act, the package written with
  ``zipfile``;
* ``floor_prezipped``: the physical floor: as above, the static parts deflated once, the ZIP
  records written with ``struct``;
* ``clientops``: the typed ``CompletedWorksAct`` **built and validated inside the timed loop**
  (its parties, items and the act, from the act's plain values: dates, decimals, strings), then
  ``clientops.documents.render_document(act)``. It computes what the baselines get as ready
  strings (item amounts, total, VAT, the amount in words with num2words), on an A4 page.

Before timing, every case's output is opened with python-docx and checked, and clientops'
computed amounts must equal the workload's strings.

Run:  python bench/bench_docs.py [--repeat 7] [--min-time 0.5]
Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import _harness as harness
import _plain_docx as plain
import _workloads as workloads
import docx

from clientops import Money
from clientops.documents import (
    ActItem,
    CompletedWorksAct,
    Party,
    amount_in_words,
    format_money,
    render_document,
)
from clientops.russian import typeset

TARGET_DOCS_PER_S = 100
TARGET_SPEEDUP = 10  # times plain python-docx


# --------------------------------------------------------------------------- workload


def _money(text: str) -> Money:
    """'12 000,39' (no-break spaces, a decimal comma) -> Money('12000.39')."""
    return Money(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def _party(name: str, details: str, signature: str) -> tuple[str, str, str, str]:
    """The sign line 'Генеральный директор ______________ / И. И. Иванов /' split."""
    position, _, rest = signature.partition(" ______________ / ")
    return (name, details, position, rest.removesuffix(" /"))


def act_values(ctx: dict[str, Any]) -> dict[str, Any]:
    """The act's plain values (what an application holds: a date, decimals, strings), parsed
    once from the workload's printed context, outside the timing."""
    return {
        "number": ctx["number"],
        "date": datetime.strptime(ctx["date"], "%d.%m.%Y").date(),
        "city": ctx["city"],
        "executor": _party(ctx["executor"], ctx["executor_details"], ctx["executor_sign"]),
        "customer": _party(ctx["customer"], ctx["customer_details"], ctx["customer_sign"]),
        "contract": ctx["contract"],
        "items": [
            (it["name"], it["unit"], Decimal(it["qty"]), _money(it["price"]).amount)
            for it in ctx["items"]
        ],
    }


def build_act(v: dict[str, Any]) -> CompletedWorksAct:
    """The typed, validated act of plain values: what the timed clientops case does first."""
    return CompletedWorksAct(
        number=v["number"],
        date=v["date"],
        city=v["city"],
        executor=Party(*v["executor"]),
        customer=Party(*v["customer"]),
        contract=v["contract"],
        items=tuple(
            ActItem(name, unit, qty, Money(price)) for name, unit, qty, price in v["items"]
        ),
        vat_rate=Decimal(20),
    )


def to_act(ctx: dict[str, Any]) -> CompletedWorksAct:
    return build_act(act_values(ctx))


def with_clientops(v: dict[str, Any]) -> bytes:
    """The clientops case: the act built (validated) and rendered."""
    return render_document(build_act(v))


def check_workload(ctxs: list[dict[str, Any]], acts: list[CompletedWorksAct]) -> list[str]:
    """clientops computes the amounts the workload context carries as strings. The one allowed
    difference: VAT exactly half a kopeck from two roundings, which the workload rounds to even
    (Decimal's default) and clientops half-up (as Russian invoices do). Returns those acts."""
    ties = []
    for ctx, act in zip(ctxs, acts, strict=True):
        assert format_money(act.total) == ctx["total"], (ctx["number"], act.total)
        for item, expected in zip(act.items, ctx["items"], strict=True):
            assert format_money(item.amount) == expected["amount"], (ctx["number"], item)
        assert act.vat is not None
        if format_money(act.vat) != ctx["vat"]:
            exact = act.total.amount * 20 / 120 * 100
            half_even = Money(act.total.amount * 20 / 120).amount.quantize(Decimal("0.01"))
            assert exact % 1 == Decimal("0.5"), (ctx["number"], act.vat, ctx["vat"])
            assert format_money(Money(half_even)) == ctx["vat"], (ctx["number"], ctx["vat"])
            ties.append(ctx["number"])
    return ties


def check_clientops(data: bytes, ctx: dict[str, Any], act: CompletedWorksAct) -> None:
    """clientops' act opens with python-docx and carries the act's values."""
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    # the engine sets the text as Russian print wants it (a no-break space after «№»…)
    assert f"АКТ №\xa0{ctx['number']}" in text, text[:200]
    assert f"Итого: {ctx['total']}" in text
    assert amount_in_words(act.total) in text
    assert ctx["items"][4]["amount"] in cells
    assert typeset(ctx["items"][0]["name"]) in cells
    section = document.sections[0]
    assert section.page_width is not None
    assert round(section.page_width.mm) == 210  # A4, not python-docx's US Letter


def first_document_s(act: CompletedWorksAct) -> float:
    """Seconds for the first act of a process: draw the layout, compile it, render."""
    from clientops._documents import _engine

    _engine._builtin.cache_clear()
    t0 = time.perf_counter()
    render_document(act)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- main


def cycler(fn: Callable[[Any], bytes], inputs: list[Any]) -> Callable[[], bytes]:
    position = iter(range(1 << 62))
    return lambda: fn(inputs[next(position) % len(inputs)])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (7)")
    ap.add_argument(
        "--min-time", type=float, default=0.5, help="seconds each timed run lasts at least (0.5)"
    )
    ap.add_argument("--acts", type=int, default=64, help="distinct acts, cycled (64)")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.acts < 1 or args.min_time < 0:
        ap.error("--repeat and --acts must be positive, --min-time not negative")

    ctxs = [workloads.act_context(i) for i in range(1, args.acts + 1)]
    acts = [to_act(ctx) for ctx in ctxs]
    ties = check_workload(ctxs, acts)
    if ties:
        harness.log(
            f"VAT half a kopeck from two roundings in acts {', '.join(ties)}: clientops rounds "
            "half-up, the workload half-even (one kopeck apart)"
        )
    first_s = first_document_s(acts[0])

    impls: dict[str, Callable[[Any], bytes]] = {
        "python_docx": plain.render_python_docx,
        "docxtpl": plain.make_render_docxtpl(plain.make_docxtpl_template()),
        "floor_zipfile": plain.make_floor(),
        "floor_prezipped": plain.make_floor_prezipped(),
    }
    sizes: dict[str, int] = {}
    for name, fn in impls.items():
        data = fn(ctxs[0])
        plain.check(data, ctxs[0])
        sizes[name] = len(data)
    values = [act_values(ctx) for ctx in ctxs]
    data = with_clientops(values[0])
    check_clientops(data, ctxs[0], acts[0])
    sizes["clientops"] = len(data)

    cases = {name: cycler(fn, ctxs) for name, fn in impls.items()}
    cases["clientops"] = cycler(with_clientops, values)
    harness.log(
        f"bench_docs: {args.acts} acts, repeat={args.repeat}, min_time={args.min_time}; "
        f"first clientops act of the process (layout drawn and compiled): {first_s * 1e3:.0f} ms"
    )
    res = harness.compare(cases, repeat=args.repeat, min_time=args.min_time, baseline="python_docx")

    per_s = {name: 1 / res[name]["median"] for name in cases}
    speedup = harness.paired_ratio(res, "python_docx", "clientops")  # t_python_docx / t_clientops
    of_floor = harness.paired_ratio(res, "floor_prezipped", "clientops")  # floor speed share
    for name in cases:
        r = res[name]
        harness.log(
            f"{name:>16}: {per_s[name]:>8,.1f} docs/s  (median {r['median'] * 1e3:.2f} ms/doc, "
            f"min {r['min'] * 1e3:.2f}, max {r['max'] * 1e3:.2f}, {r['runs']} runs of "
            f"{r['number']}; {sizes[name]:,} bytes)"
        )
    meets = per_s["clientops"] >= TARGET_DOCS_PER_S and speedup >= TARGET_SPEEDUP
    harness.log(
        f"clientops = {speedup:.1f}x python-docx (target >= {TARGET_SPEEDUP}x), "
        f"{of_floor:.2f} of the physical floor's speed; "
        f"{per_s['clientops']:,.0f} docs/s (target >= {TARGET_DOCS_PER_S}): "
        f"{'MET' if meets else 'NOT MET'}"
    )
    harness.emit(
        {
            "bench": "docs-clientops",
            "acts": args.acts,
            "repeat": args.repeat,
            "min_time": args.min_time,
            "seed": workloads.SEED,
            "docs_per_s": {name: round(v, 1) for name, v in per_s.items()},
            "speedup_vs_python_docx": speedup,
            "speed_of_floor_prezipped": of_floor,
            "time_ratio_vs_python_docx": res["ratios"],
            "targets": {"docs_per_s": TARGET_DOCS_PER_S, "speedup": TARGET_SPEEDUP},
            "meets_target": meets,
            "first_document_s": round(first_s, 4),
            "vat_rounding_ties": ties,
            "output_bytes": sizes,
            "results": res,
            "machine": harness.machine(),
            "timed": "clientops: the act built and validated from plain values, then rendered",
            "versions": harness.versions(
                "clientops", "python-docx", "docxtpl", "lxml", "num2words"
            ),
        }
    )


if __name__ == "__main__":
    main()
