"""The monthly billing run: N subscriptions into a SQLite file, every invoice as .docx.

Issue 4's target: 10,000 subscriptions in under 100 s on this machine, where python-docx used
the plain way would need about 1,000 s for the documents alone. One run, in one process:

* ``clientops``: ``ops.billing.run(month, documents=folder)`` on a fresh SQLite file
  holding N clients with a subscription each (fees, starts and pauses from the fixed seed
  ``workloads.SEED``): plan, store in batches, write N .docx files. Then the same run again,
  which must issue nothing (the idempotency a user relies on), timed too.
* where the time goes, measured on the same data right after: the pure plan
  (``rules.billing.plan_billing`` on the loaded subscriptions), the documents
  (``render_document`` of each issued invoice and its file written), and storage as the rest
  of the run (reads, inserts, commits).
* the baseline, in the same run: the same invoices drawn with python-docx the plain way
  (``bench_invoices.render_python_docx``, a new document per invoice) on a sample of
  ``--sample`` invoices, extrapolated to N.

Run:  python bench/bench_billing.py [--n 10000] [--sample 100] [--dir /tmp]
Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import _harness as harness
import _workloads as workloads
import attrs

import clientops
from clientops import Client, ClientId, Money
from clientops._billing_helpers import payment_invoice
from clientops.adapters.sqlite import SQLiteStorage
from clientops.billing import (
    BankDetails,
    BillingPolicy,
    InvoiceParty,
    Month,
    Pause,
    Subscription,
    SubscriptionId,
)
from clientops.documents import render_document
from clientops.rules.billing import plan_billing

MONTH = Month(2026, 11)
SUPPLIER = InvoiceParty(
    name="ООО «Клиентский сервис»", inn="7728012340", kpp="772801001", address="Москва"
)
BANK = BankDetails(
    bank="ПАО Сбербанк",
    bik="044525225",
    account="40702810900000000001",
    correspondent_account="30101810400000000225",
)


def inn10(first9: str) -> str:
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return first9 + str(sum(int(d) * w for d, w in zip(first9, weights, strict=True)) % 11 % 10)


def workload(n: int) -> list[tuple[Client, Subscription]]:
    """N clients with a subscription each, from the fixed seed: most billed the whole month,
    some starting mid-month, some paused a week, some ended before it (skipped)."""
    rng = random.Random(workloads.SEED)
    out = []
    for i in range(n):
        card = Client(
            id=ClientId(f"c{i:06d}"),
            name=f"ООО «Клиент {i}»",
            city=rng.choice(("Омск", "Томск", "Москва", "Казань")),
            inn=inn10(f"55{i:07d}"),
        )
        start = date(2026, 11, rng.randint(2, 28)) if rng.random() < 0.1 else date(2025, 1, 1)
        end = date(2026, 10, 31) if start.year == 2025 and rng.random() < 0.02 else None
        pauses = (Pause(date(2026, 11, 3), date(2026, 11, 9)),) if rng.random() < 0.05 else ()
        fee = Money(rng.choice((4000, 6500, 8000, 12000, 15500)))
        out.append(
            (card, Subscription(SubscriptionId(f"s{i:06d}"), card.id, fee, start, end, pauses))
        )
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--n", type=int, default=10_000, help="subscriptions (10000)")
    ap.add_argument("--sample", type=int, default=100, help="python-docx sample (100)")
    ap.add_argument("--dir", type=Path, default=None, help="where the SQLite file goes")
    ap.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--sizes",
        type=harness.sizes_arg,
        default=None,
        help="a scaling curve: one run per size, each in its own process (e.g. 10000,100000)",
    )
    args = ap.parse_args(argv)
    if args.n < 1 or args.sample < 1:
        ap.error("--n and --sample must be positive")
    if args.sizes:
        curve(args)
        return
    if args.build is not None:  # the child process run() starts: the database, then exit
        build(args.build, args.n)
        return

    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_billing_", dir=args.dir))
    try:
        figures = run(work, args.n, args.sample)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    harness.emit(figures)


def curve(args: argparse.Namespace) -> None:
    """One child process per size; one table of time and memory per size."""
    extra = ["--sample", str(args.sample)]
    if args.dir is not None:
        extra += ["--dir", str(args.dir)]
    points = harness.curve(__file__, args.sizes, extra)
    rows = [
        [
            p["subscriptions"],
            p["issued"],
            p["run_s"],
            p["invoices_per_s"],
            p["second_run_s"],
            round(p["second_run_share"] * 100, 1),
            None if p["rss_before_run_kib"] is None else round(p["rss_before_run_kib"] / 1024, 1),
            round(p["peak_rss_kib"]["after_run"] / 1024, 1),
            round(p["peak_rss_kib"]["after_second_run"] / 1024, 1),
            None
            if p["peak_rss_above_start_kib"] is None
            else round(p["peak_rss_above_start_kib"] / 1024, 1),
            p["ratio_vs_python_docx_documents"],
        ]
        for p in points
    ]
    harness.log(
        harness.table(
            (
                "subscriptions",
                "issued",
                "run s",
                "invoices/s",
                "rerun s",
                "rerun % of run",
                "RSS before run MiB",
                "peak RSS after run MiB",
                "peak RSS after rerun MiB",
                "run peak above start MiB",
                "x python-docx docs",
            ),
            rows,
        )
    )
    harness.emit({"bench": "billing-run-curve", "sizes": args.sizes, "points": points})


def build(db: Path, n: int) -> None:
    """The workload's cards and subscriptions stored into ``db``."""
    pairs = workload(n)
    storage = SQLiteStorage(db)
    try:
        with storage.unit_of_work() as uow:
            uow.clients.add_many([card for card, _ in pairs])
            for _, subscription in pairs:
                uow.subscriptions.add(subscription)
    finally:
        storage.close()


def run(work: Path, n: int, sample: int) -> dict[str, object]:
    import bench_invoices  # the plain python-docx invoice, the documents' baseline

    policy = attrs.evolve(
        clientops.Policy(), billing=BillingPolicy(supplier=SUPPLIER, bank=BANK, head="Иванов")
    )
    clock = datetime(2026, 11, 13, 6, 0, tzinfo=UTC)
    # the data are made and stored by a child process, so this one's peak memory is the
    # run's (plus the interpreter and the libraries), not the generated workload's
    subprocess.run(
        [sys.executable, __file__, "--build", str(work / "billing.db"), "--n", str(n)], check=True
    )
    harness.log(f"bench_billing: {n} subscriptions stored in {work}")
    with clientops.ClientOps(
        SQLiteStorage(work / "billing.db"), policy=policy, clock=lambda: clock
    ) as ops:
        gc.collect()
        rss_before = harness.rss_kib()
        peak_before = harness.peak_rss_kib()
        t0 = time.perf_counter()
        run = ops.billing.run(MONTH, documents=work / "invoices")
        total_s = time.perf_counter() - t0
        peak_run = harness.peak_rss_kib()
        t0 = time.perf_counter()
        again = ops.billing.run(MONTH)
        again_s = time.perf_counter() - t0
        peak_again = harness.peak_rss_kib()
        if again.issued:
            raise SystemExit("bench_billing: the second run issued invoices: not idempotent")
        files = len(list((work / "invoices").glob("*.docx")))
        if files != len(run.issued):
            raise SystemExit(f"bench_billing: {files} files for {len(run.issued)} invoices")

        # where the time goes, on the same data
        with ops.storage.unit_of_work() as uow:
            subscriptions = uow.subscriptions.all()
            payers = uow.subscriptions.payers(s.client_id for s in subscriptions)
        inns = {c: inn or "" for c, (_, inn) in payers.items()}
        names = {c: name for c, (name, _) in payers.items()}
        t0 = time.perf_counter()
        plan_billing(MONTH, subscriptions, (), policy.billing, policy.calendar, payer_inns=inns)
        rules_s = time.perf_counter() - t0
        out = work / "again"
        out.mkdir()
        writing_s = 0.0
        t0 = time.perf_counter()
        for invoice in run.issued:
            document = payment_invoice(ops.context, invoice, names[invoice.client_id])
            data = render_document(document)
            t1 = time.perf_counter()
            (out / f"{invoice.number}.docx").write_bytes(data)
            writing_s += time.perf_counter() - t1
        documents_s = time.perf_counter() - t0
        docx_bytes = sum(p.stat().st_size for p in out.glob("*.docx"))
        storage_s = max(total_s - rules_s - documents_s, 0.0)

        # the baseline: python-docx the plain way, on a sample of the same invoices
        sample_docs = [
            payment_invoice(ops.context, i, names[i.client_id]) for i in run.issued[:sample]
        ]
        t0 = time.perf_counter()
        for document in sample_docs:
            bench_invoices.render_python_docx(document)
        per_docx_s = (time.perf_counter() - t0) / len(sample_docs)
    issued = len(run.issued)
    baseline_docs_s = per_docx_s * issued
    rate = issued / total_s
    harness.log(
        f"clientops: {issued:,} invoices issued (+ {len(run.plan.skipped)} skipped) with .docx "
        f"in {total_s:.1f} s = {rate:,.0f} invoices/s; the second run: {again_s:.2f} s, "
        "nothing issued"
    )
    above = None if rss_before is None else max(peak_run - rss_before, 0)
    harness.log(
        f"  second run / full run: {again_s / total_s:.1%}; peak resident memory of the "
        f"process {peak_run / 1024:,.0f} MiB after the run"
        + (f" ({above / 1024:,.0f} MiB above where it started)" if above is not None else "")
    )
    harness.log(
        f"  time shares: documents {documents_s / total_s:.0%} ({documents_s:.1f} s, of which "
        f"writing the files {writing_s:.1f} s), "
        f"storage {storage_s / total_s:.0%} ({storage_s:.1f} s), "
        f"rules {rules_s / total_s:.0%} ({rules_s:.1f} s)"
    )
    harness.log(
        f"python-docx the plain way: {1 / per_docx_s:,.1f} invoices/s on {len(sample_docs)} "
        f"of them → the documents of {issued:,} invoices alone {baseline_docs_s:,.0f} s; "
        f"clientops's whole run is {baseline_docs_s / total_s:.1f}x faster than that "
        f"(target: the run under 100 s)"
    )
    return {
        "bench": "billing-run",
        "subscriptions": n,
        "issued": issued,
        "skipped": len(run.plan.skipped),
        "seed": workloads.SEED,
        "run_s": round(total_s, 3),
        "invoices_per_s": round(rate, 1),
        "second_run_s": round(again_s, 3),
        "second_run_share": round(again_s / total_s, 4),
        "peak_rss_kib": {
            "before_run": peak_before,
            "after_run": peak_run,
            "after_second_run": peak_again,
        },
        "rss_before_run_kib": rss_before,
        "peak_rss_above_start_kib": above,
        "documents_s": round(documents_s, 3),
        "writing_files_s": round(writing_s, 3),
        "docx_bytes_mean": round(docx_bytes / max(issued, 1)),
        "shares": {
            "documents": round(documents_s / total_s, 3),
            "writing_files": round(writing_s / total_s, 3),
            "storage": round(storage_s / total_s, 3),
            "rules": round(rules_s / total_s, 3),
        },
        "python_docx_invoices_per_s": round(1 / per_docx_s, 1),
        "python_docx_documents_s_estimate": round(baseline_docs_s, 1),
        "ratio_vs_python_docx_documents": round(baseline_docs_s / total_s, 2),
        "machine": harness.machine(),
        "versions": harness.versions("clientops", "python-docx"),
    }


if __name__ == "__main__":
    main()
