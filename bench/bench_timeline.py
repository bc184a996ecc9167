"""The first page of a card's timeline with 10,000 entries, on SQLite: clientops against the
same SQL written by hand, in the same run.

The issue's speed line: the timeline of a client with 10,000 entries, first page in under
5 ms of SQL, measured against the same query written by hand.

Workload: one SQLite store (made by ``SQLiteStorage``, so its schema and indexes) holding the
client under test with ``--n`` timeline entries and ``--others`` other clients with
``--per-other`` entries each (so the index has to pick the client out). The entries are of
every kind (appeals, reactions, calls with a recording link, invoices, payments, notes with an
attachment…), one every 7 minutes back from ``workloads.NOW``, in a shuffled order of
writing (seed ``workloads.SEED``). They are written with ``uow.timeline.record``, as the
store writes them with each record.

Cases, interleaved by ``harness.compare`` in each repeat, each reading the newest
``--limit`` entries:

* ``handwritten_sql`` (the baseline): a plain ``sqlite3`` connection runs the statement
  clientops runs (``SELECT id, client_id, at, kind, ref, summary, who, link, all_day, doc
  FROM timeline WHERE client_id=? ORDER BY at DESC, id DESC LIMIT 51``) and fetches the rows;
* ``clientops_store``: ``uow.timeline.page`` in a read-only unit of work: the same SQL, in
  a transaction, plus the entries made from the rows;
* ``clientops``: ``ops.clients.timeline(client_id)``, the whole use case (the card is
  checked, then the page is read).

Run:  python bench/bench_timeline.py [--n 10000] [--repeat 7] [--kind call]

Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import tempfile
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import _harness as harness
import _workloads as workloads

import clientops
from clientops.adapters._sql import TIMELINE_KIND_CODES, micros, timeline_sql
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import (
    Attachment,
    ClientId,
    EmployeeId,
    TimelineEntry,
    TimelineKind,
    TimelineQuery,
)
from clientops.testing import a_client, a_staff

TARGET_MS = 5.0  # the hand-written SQL of the first page


_SUMMARIES = {
    TimelineKind.APPEAL: "Обращение: Продление договора",
    TimelineKind.REACTION: "Исходящий звонок: Уточнить дату доставки — Выполнено",
    TimelineKind.CALL: "Входящий звонок, 3 мин 12 с, есть запись",
    TimelineKind.FOLDER: "Папка клиента: подписи проверены",
    TimelineKind.ORDER: "Заказ № З-00017: этап «Согласование с клиентом»",
    TimelineKind.INVOICE: "Счёт № 2025-00017 за 2025-06: выставлен, оплатить до 18.06.2025",
    TimelineKind.PAYMENT: "Оплата 12000 RUB — Оплата по счёту",
    TimelineKind.CLAIM: "Претензия: Подана — Обещали скидку и не дали",
    TimelineKind.SATISFACTION_CALL: "Звонок удовлетворённости сделан",
    TimelineKind.VISIT: "Аварийный выезд: запланирован — Турникет не пропускает по картам",
    TimelineKind.TRAINING: "Обучение «Работа с отчётами»: проведено",
    TimelineKind.NOTE: "Заметка: Просили КП на 2026 год (вложений: 1)",
    TimelineKind.CARD: "Карточка изменена: город, ИНН",
}


def gen_entries(client_id: ClientId, n: int, rng: random.Random) -> list[TimelineEntry]:
    """``n`` entries of every kind for one client, one every 7 minutes back from NOW."""
    now = workloads.NOW.replace(tzinfo=UTC)
    kinds = list(TimelineKind)
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        out.append(
            TimelineEntry(
                f"{kind.value}:{client_id}:{i:06d}",
                client_id,
                now - timedelta(minutes=7 * i),
                kind,
                f"ref-{i:06d}",
                _SUMMARIES[kind],
                who=EmployeeId("anna"),
                link="https://pbx.example/rec/42.mp3" if kind is TimelineKind.CALL else None,
                attachments=(
                    (Attachment("КП-2026.pdf", "https://files.example/kp.pdf"),)
                    if kind is TimelineKind.NOTE
                    else ()
                ),
                body="Просили КП на 2026 год\nпо почте" if kind is TimelineKind.NOTE else None,
            )
        )
    rng.shuffle(out)
    return out


def build(path: Path, n: int, others: int, per_other: int) -> ClientId:
    rng = random.Random(workloads.SEED)
    storage = SQLiteStorage(path)
    card = a_client(name="ООО «Ромашка»")
    cards = [a_client() for _ in range(others)]
    with storage.unit_of_work() as uow:
        uow.staff.put_department(a_staff().departments[1])
        uow.clients.add_many([card, *cards])
    batches = [gen_entries(card.id, n, rng)] + [gen_entries(c.id, per_other, rng) for c in cards]
    for entries in batches:
        for start in range(0, len(entries), 2000):
            with storage.unit_of_work() as uow:
                uow.timeline.record(entries[start : start + 2000])
    storage.close()
    return card.id


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--n", type=int, default=10_000, help="entries of the client under test")
    ap.add_argument("--others", type=int, default=200, help="other clients (200)")
    ap.add_argument("--per-other", type=int, default=50, help="entries of each other client")
    ap.add_argument("--limit", type=int, default=50, help="entries per page (50)")
    ap.add_argument("--kind", choices=[k.value for k in TimelineKind], help="filter by a kind")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (7)")
    ap.add_argument("--dir", type=Path, help="where the database goes (a temp dir)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or not 1 <= args.limit <= 500:
        ap.error("--n and --repeat must be positive, --limit within 1..500")

    where = Path(tempfile.mkdtemp(prefix="bench_timeline-", dir=args.dir))
    try:
        path = where / "timeline.db"
        client_id = build(path, args.n, args.others, args.per_other)
        kinds = (TimelineKind(args.kind),) if args.kind else ()
        query = TimelineQuery(kinds=kinds, limit=args.limit)
        sql, _params = timeline_sql(client_id, query, "", micros)
        codes = [TIMELINE_KIND_CODES[k] for k in kinds]  # the kinds as the rows store them
        ops = clientops.connect(f"sqlite:///{path}")
        raw = sqlite3.connect(path)
        storage = ops.storage

        def handwritten_sql() -> list[Any]:
            return raw.execute(
                "SELECT id, client_id, at, kind, ref, summary, who, link, all_day, doc "
                "FROM timeline WHERE client_id=?"
                + (" AND kind IN (?)" if kinds else "")
                + f" ORDER BY at DESC, id DESC LIMIT {args.limit + 1}",
                (client_id, *codes),
            ).fetchall()

        def clientops_store() -> Any:
            with storage.unit_of_work(readonly=True) as uow:
                return uow.timeline.page(client_id, query)

        def clientops_use_case() -> Any:
            return ops.clients.timeline(client_id, kinds=kinds, limit=args.limit)

        plan = " ".join(
            str(row[-1]) for row in raw.execute("EXPLAIN QUERY PLAN " + sql, [client_id, *codes])
        )
        first = clientops_use_case()
        expected = [row[0] for row in handwritten_sql()][: args.limit]  # the ids
        checks = {
            "page": len(first.entries),
            "newest_first": [e.at for e in first.entries]
            == sorted((e.at for e in first.entries), reverse=True),
            "same_rows_as_handwritten": [e.id for e in first.entries] == expected,
            "query_plan": plan,
        }
        if not checks["same_rows_as_handwritten"]:
            raise SystemExit("bench_timeline: clientops and the hand-written SQL disagree")
        harness.log(f"bench_timeline: n={args.n} others={args.others} checks: {checks}")

        cases = {
            "handwritten_sql": handwritten_sql,
            "clientops_store": clientops_store,
            "clientops": clientops_use_case,
        }
        res = harness.compare(cases, repeat=args.repeat, baseline="handwritten_sql")
        ms = {case: round(res[case]["median"] * 1000, 3) for case in cases}
        ratio = harness.paired_ratio(res, "clientops", "handwritten_sql")
        store_ratio = harness.paired_ratio(res, "clientops_store", "handwritten_sql")
        for case in cases:
            r = res[case]
            harness.log(
                f"{case:>16}: {ms[case]:8.3f} ms per first page (min {r['min'] * 1000:.3f}, "
                f"max {r['max'] * 1000:.3f}, {r['runs']} runs of {r['number']})"
            )
        met = ms["handwritten_sql"] < TARGET_MS and ms["clientops_store"] < TARGET_MS
        harness.log(
            f"SQL {ms['handwritten_sql']:.3f} ms by hand, {ms['clientops_store']:.3f} ms through "
            f"the store (target < {TARGET_MS:.0f} ms): {'MET' if met else 'NOT MET'}; "
            f"clientops = {ratio:.2f}x the hand-written SQL, its store {store_ratio:.2f}x"
        )
        raw.close()
        ops.close()
        harness.emit(
            {
                "bench": "timeline-first-page",
                "n_entries": args.n,
                "other_clients": args.others,
                "per_other": args.per_other,
                "limit": args.limit,
                "kind": args.kind,
                "repeat": args.repeat,
                "seed": workloads.SEED,
                "ms_per_page": ms,
                "ratio_clientops_vs_sql": ratio,
                "ratio_store_vs_sql": store_ratio,
                "target_ms": TARGET_MS,
                "meets_target": met,
                "checks": checks,
                "results": res,
                "machine": harness.machine(),
                "versions": harness.versions("clientops", "attrs", "cattrs"),
            }
        )
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
