"""The daily agenda on SQLite: clientops against the shared anchor's hand-written query, in the
same run, on the same fixed-seed data (issue 5, "Performance").

The anchor (``shared/anchors/bench_agenda.py``, ``workloads.py``): n clients (default
1,000,000), 50 managers, about 3 reactions per client, seed ``workloads.SEED``, a hand-written
SQLite schema with its indexes and ANALYZE, and the three agenda queries (open reactions due,
satisfaction calls due, unpaid subscriptions from the 20th) for one manager (manager 7) and for
all managers at once, run with raw ``sqlite3`` and ``fetchall()``.

clientops' store is built from the very same generated rows (``workloads.gen_clients``,
``workloads.gen_reactions``) **through clientops' storage API**, so its schema and indexes are
clientops' own (``SQLiteStorage``, no ANALYZE, no extra index):

* staff: one department ``client`` with the 50 managers ``m01`` … ``m50`` (anchor manager 7 is
  ``m07``), written by ``put_staff``;
* clients: ``uow.clients.add_many`` in batches of 10,000 cards (id ``c0000001``…, the workload's
  name, its phone as E.164, ``manager_id`` ``mNN``, city Москва; no birthday: the anchor's
  agenda has no touches, and its clients are organisations);
* the satisfaction round: ``uow.claims.put_satisfaction(client, manager, 2025-01-09, last
  call)`` for every client, the last call being the workload's ``last_satisfaction_call``;
* reactions: one appeal per client (``uow.appeals.add``), then each of the workload's
  reactions with ``uow.appeals.add_reaction``: kind and topic as generated, ``employee_id``
  ``m<responsible>``,
  ``due_at`` the workload's naive time in Europe/Moscow, done ones with ``done_at = due_at``;
* debts: for each client with a negative balance (the anchor's "unpaid subscription"), one open
  invoice for June 2025 (issued 1 June, due 10 June, one line of the monthly fee, VAT 20 %
  included) with ``uow.invoices.add``. clientops' billing rules put a payment reminder on the
  agenda for it from the 20th, so the debts part has the same clients.

Every row goes through the store's own method, one by one, except the clients (its bulk
``add_clients``); nothing is written with SQL of this script. The file is cached under
``--dir`` as ``clientops-agenda-<n>.db`` (``--rebuild`` makes it again), so is the anchor's
file (``anchor-agenda-<n>.db``, built by the anchor's own ``build()``).

The agenda day is ``workloads.NOW`` (Monday 23 June 2025, a working day, day >= 20), with
clientops' clock fixed at 10:00 Moscow time. The definitions agree on that day as follows:

* **satisfaction calls**: the anchor takes ``last_satisfaction_call <= NOW - 14 days``
  (2025-06-09). clientops' bounds (``satisfaction_due_bounds``) are the last working day up to
  the day minus 14 days: the day is a working day, so the bound is the same 2025-06-09, and the
  working-day shift of the due day cannot push a call past a working day. Same clients.
* **debts**: the anchor takes ``balance_kop < 0 AND subscription_fee_kop > 0``; clientops takes
  the open invoices of the manager's clients whose reminders have started (one reminder per
  client). Same clients, by construction of the invoices above.
* **reactions**: the anchor takes ``due_at <= now`` (10:00); clientops' daily agenda takes what
  is due up to the **end of the day** (``due_at <= next midnight``), so it also lists the
  reactions due later today. The count check and the timed baseline therefore run the anchor's
  SQL with ``now`` = 2025-06-24 00:00:00 (case ``anchor_raw``); the anchor with its own
  10:00 parameters is timed alongside for reference (case ``anchor_raw_at_10``).

Timed cases, interleaved by ``harness.compare`` in each repeat (paired ratios, baseline
``anchor_raw``): one manager (``A.raw_agenda_one(con, 7, ...)`` against
``ops.agenda.for_manager("m07", day)``) and all managers (``A.raw_agenda_all`` against
``ops.agenda.for_everyone(day)``: 50 agendas in one unit of work). clientops does more per
call: it checks the employee, reads the claims, visits, trainings and touches sources too (all
empty here), builds ``AgendaItem`` objects with their Russian reasons and orders them.

Memory: the ``tracemalloc`` peak of one ``daily_agenda("m07")`` at n and at n/10 (the n/10
store is built and cached too).

Run:  python bench/bench_agenda.py [--n 1000000] [--repeat 5] [--dir /tmp] [--rebuild]
      python bench/bench_agenda.py --n 2000 --repeat 1 --min-time 0 --dir /tmp/x   # smoke

Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
Exits non-zero when the per-source counts of the two sides differ.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
import tracemalloc
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import _anchors

import clientops
from clientops import ClientOps
from clientops._clients_service import put_staff
from clientops.adapters.sqlite import SQLiteStorage
from clientops.agenda import Agenda, AgendaKind
from clientops.billing import Invoice, InvoiceId, InvoiceLine, Month
from clientops.model import (
    Appeal,
    AppealId,
    Client,
    ClientId,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
)

harness, W = _anchors.load("bench_agenda")
A = _anchors.load_script("bench_agenda", "bench_agenda.py")

NOW: datetime = W.NOW.replace(tzinfo=W.MSK)  # aware, Europe/Moscow
DAY: date = NOW.date()
DEPARTMENT = DepartmentId("client")
ASSIGNED_ON = date(2025, 1, 9)
CREATED_AT = datetime(2025, 5, 1, 9, 0, tzinfo=W.MSK)
BATCH = 10_000
TARGET, CEILING = 1.0, 1.5
#: The anchor's parameters with ``now`` at the end of the day: what clientops' daily agenda
#: lists as due (``due_at <= next midnight``); call cutoff and debts as the anchor's.
P_DAY = {**W.agenda_params(), "now": W.dt_sql(W.NOW.replace(hour=0, minute=0) + timedelta(days=1))}
SOURCES = {"reactions": AgendaKind.REACTION, "calls": AgendaKind.SATISFACTION_CALL}


def manager_id(anchor_manager: int) -> EmployeeId:
    return EmployeeId(f"m{anchor_manager:02d}")


def staff() -> StaffDirectory:
    return StaffDirectory(
        departments=(Department(DEPARTMENT, "Клиентский отдел", head_id=manager_id(1)),),
        employees=tuple(
            Employee(
                manager_id(m),
                f"Менеджер {m:02d}",
                f"Менеджер{m:02d}",
                DEPARTMENT,
                (Role.CLIENT_MANAGER,),
            )
            for m in range(1, W.MANAGERS + 1)
        ),
    )


def _moscow(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=W.MSK)


# --------------------------------------------------------------------------- the builds


def build_clientops(path: Path, clients: list[tuple], reactions: list[tuple]) -> dict[str, Any]:
    """The clientops store of the workload, through the store's API; seconds per phase."""
    tmp = Path(f"{path}.building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    phases: Counter[str] = Counter()
    t_all = time.perf_counter()
    store = SQLiteStorage(tmp)
    with store.unit_of_work() as uow:
        put_staff(uow, staff())
    by_client: dict[int, list[tuple]] = {}
    for r in reactions:
        by_client.setdefault(r[1], []).append(r)
    kinds = {k.value: k for k in ReactionKind}
    june = Month(2025, 6)
    invoices = 0
    for start in range(0, len(clients), BATCH):
        batch = clients[start : start + BATCH]
        with store.unit_of_work() as uow:
            t0 = time.perf_counter()
            cards = [
                Client(
                    id=ClientId(f"c{cid:07d}"),
                    name=name,
                    city="Москва",
                    phones=(Phone(_anchors.card_phone(phone)),),
                    manager_id=manager_id(mgr),
                    created_at=CREATED_AT,
                )
                for cid, name, phone, mgr, *_ in batch
            ]
            uow.clients.add_many(cards)
            t1 = time.perf_counter()
            for cid, _name, _phone, mgr, last_call, _bd, _fee, _bal in batch:
                uow.claims.put_satisfaction(
                    ClientId(f"c{cid:07d}"),
                    manager_id(mgr),
                    ASSIGNED_ON,
                    date.fromisoformat(last_call),
                )
            t2 = time.perf_counter()
            for cid, *_ in batch:
                own = by_client.get(cid)
                if not own:
                    continue
                appeal = Appeal(
                    AppealId(f"a{cid:07d}"),
                    ClientId(f"c{cid:07d}"),
                    "Сопровождение клиента",
                    DEPARTMENT,
                    CREATED_AT,
                )
                uow.appeals.add(appeal)
                for rid, _c, kind, topic, responsible, due_at, done in own:
                    due = _moscow(due_at)
                    uow.appeals.add_reaction(
                        Reaction(
                            id=ReactionId(f"r{rid:08d}"),
                            appeal_id=appeal.id,
                            client_id=appeal.client_id,
                            kind=kinds[kind],
                            topic=topic,
                            due_at=due,
                            created_at=CREATED_AT,
                            employee_id=manager_id(responsible),
                            done_at=due if done else None,
                        )
                    )
            t3 = time.perf_counter()
            for cid, _name, _phone, _mgr, _lc, _bd, fee, balance in batch:
                if balance >= 0:
                    continue
                invoices += 1
                uow.invoices.add(
                    Invoice(
                        id=InvoiceId(f"i{cid:07d}"),
                        number=f"2025-{invoices:07d}",
                        client_id=ClientId(f"c{cid:07d}"),
                        period=june,
                        issue_date=date(2025, 6, 1),
                        due_date=date(2025, 6, 10),
                        lines=(
                            InvoiceLine(
                                "Абонентское обслуживание за июнь 2025 г.",
                                "мес.",
                                1,
                                Money(Decimal(fee) / 100),
                            ),
                        ),
                        vat_rate=Decimal(20),
                    )
                )
            t4 = time.perf_counter()
        t5 = time.perf_counter()
        phases["clients"] += t1 - t0
        phases["satisfaction"] += t2 - t1
        phases["appeals_reactions"] += t3 - t2
        phases["invoices"] += t4 - t3
        phases["commit"] += t5 - t4
    store.close()  # the last connection: WAL checkpointed
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    total = time.perf_counter() - t_all
    return {
        "total_s": round(total, 2),
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        "clients": len(clients),
        "reactions": len(reactions),
        "invoices": invoices,
        "db_bytes": path.stat().st_size,
    }


def ensure_clientops(path: Path, n: int, rebuild: bool, data: tuple | None = None) -> dict:
    if path.exists() and not rebuild:
        harness.log(f"[agenda n={n}] clientops store cached: {path}")
        return {"cached": True, "db_bytes": path.stat().st_size}
    clients, reactions = data if data is not None else generate(n)
    harness.log(f"[agenda n={n}] building the clientops store through its API: {path}")
    built = build_clientops(path, clients, reactions)
    harness.log(
        f"[agenda n={n}] clientops build {built['total_s']:.1f}s "
        f"({(built['clients'] + built['reactions']) / built['total_s']:,.0f} rows/s); "
        f"phases {built['phases_s']}"
    )
    return {"cached": False, **built}


def ensure_anchor(path: Path, n: int, rebuild: bool, data: tuple) -> dict:
    if path.exists() and not rebuild:
        harness.log(f"[agenda n={n}] anchor database cached: {path}")
        return {"cached": True, "db_bytes": path.stat().st_size}
    clients, reactions = data
    built = A.build(str(path), clients, reactions)
    harness.log(
        f"[agenda n={n}] anchor build: insert {built['insert_s']:.1f}s, "
        f"index+ANALYZE {built['index_s']:.1f}s"
    )
    return {"cached": False, **{k: round(v, 2) for k, v in built.items()}}


def generate(n: int) -> tuple[list[tuple], list[tuple]]:
    t0 = time.perf_counter()
    clients = W.gen_clients(n)
    reactions = W.gen_reactions(clients)
    harness.log(
        f"[agenda n={n}] generated {len(clients):,} clients + {len(reactions):,} reactions "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    return clients, reactions


# --------------------------------------------------------------------------- the checks


def clientops_counts(agenda: Agenda) -> dict[str, int]:
    kinds = Counter(item.kind for item in agenda.items)
    out = {name: kinds[kind] for name, kind in SOURCES.items()}
    out["debts"] = kinds[AgendaKind.PAYMENT_REMINDER]
    out["other"] = sum(kinds.values()) - sum(out.values())
    return out


def anchor_counts(agenda: dict) -> dict[str, int]:
    return {k: len(v) for k, v in agenda.items()}


def summed(agendas: tuple[Agenda, ...]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for agenda in agendas:
        total.update(clientops_counts(agenda))
    return {k: total[k] for k in ("reactions", "calls", "debts", "other")}


def explain(ops: ClientOps) -> dict[str, str]:
    """EXPLAIN QUERY PLAN of clientops' three main agenda queries for m07, on its store: the
    statements are the ones ``daily_agenda`` runs, caught with sqlite3's trace callback (with
    their parameters bound), so the plans are of the SQL clientops really sends."""
    marks = {
        "due_reactions": "FROM reactions",
        "satisfaction_calls_due": "FROM satisfaction",
        "open_invoices_managed_by": "FROM invoices",
    }
    seen: list[str] = []
    conn = ops.storage._db  # type: ignore[attr-defined]
    conn.set_trace_callback(seen.append)
    try:
        ops.agenda.for_manager(manager_id(W.AGENDA_MANAGER), DAY)
    finally:
        conn.set_trace_callback(None)
    db = sqlite3.connect(ops.storage.path)  # type: ignore[attr-defined]
    try:
        plans: dict[str, str] = {}
        for name, mark in marks.items():
            sql = next(s for s in seen if mark in s and s.lstrip().upper().startswith("SELECT"))
            rows = db.execute("EXPLAIN QUERY PLAN " + sql)
            plans[name] = " | ".join(row[-1] for row in rows)
        return plans
    finally:
        db.close()


def source_times(ops: ClientOps, repeat: int) -> dict[str, float]:
    """Median seconds of each store query behind one manager's agenda (m07), for where the
    time goes; the rest of daily_agenda is Python (items, reasons, ordering)."""
    from clientops.rules.satisfaction import satisfaction_due_bounds

    m = manager_id(W.AGENDA_MANAGER)
    until = NOW.replace(hour=0, minute=0) + timedelta(days=1)
    bounds = satisfaction_due_bounds(DAY, ops.policy.satisfaction, ops.policy.calendar)
    calls = {
        "due_reactions": lambda uow: uow.agenda.due_reactions(m, until=until),
        "satisfaction_calls_due": lambda uow: uow.agenda.satisfaction_calls_due(
            bounds, manager_id=m
        ),
        "open_invoices_managed_by": lambda uow: uow.agenda.open_invoices_managed_by(m),
        "daily_agenda": None,
    }
    out: dict[str, float] = {}
    for name, call in calls.items():
        runs = []
        for _ in range(max(repeat, 3)):
            t0 = time.perf_counter()
            if call is None:
                ops.agenda.for_manager(m, DAY)
            else:
                with ops.storage.unit_of_work() as uow:
                    call(uow)
            runs.append(time.perf_counter() - t0)
        out[name] = sorted(runs)[len(runs) // 2]
    return out


def peak_kib(ops: ClientOps) -> tuple[float, int]:
    """tracemalloc peak of one daily_agenda(m07) (after a warm-up call), and its items."""
    m = manager_id(W.AGENDA_MANAGER)
    ops.agenda.for_manager(m, DAY)
    tracemalloc.start()
    try:
        agenda = ops.agenda.for_manager(m, DAY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024, len(agenda.items)


def open_ops(path: Path) -> ClientOps:
    return ClientOps(SQLiteStorage(path), clock=lambda: NOW)


def ms(stats: dict) -> str:
    return f"{stats['median'] * 1e3:,.1f} ms ({stats['min'] * 1e3:,.1f}–{stats['max'] * 1e3:,.1f})"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="clients")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case, interleaved")
    ap.add_argument("--min-time", type=float, default=0.2, help="one manager: loop each run")
    ap.add_argument("--dir", default="/tmp", help="where the cached database files go")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached files")
    a = ap.parse_args(argv)
    folder = Path(a.dir)
    folder.mkdir(parents=True, exist_ok=True)
    small_n = max(a.n // 10, 1)

    anchor_path = folder / f"anchor-agenda-{a.n}.db"
    ops_path = folder / f"clientops-agenda-{a.n}.db"
    small_path = folder / f"clientops-agenda-{small_n}.db"
    need = a.rebuild or not anchor_path.exists() or not ops_path.exists()
    data = generate(a.n) if need else None
    builds = {
        "anchor": ensure_anchor(anchor_path, a.n, a.rebuild, data) if data else None,
        "clientops": ensure_clientops(ops_path, a.n, a.rebuild, data),
    }
    if builds["anchor"] is None:
        builds["anchor"] = ensure_anchor(anchor_path, a.n, False, ())
    del data
    builds["clientops_small"] = ensure_clientops(small_path, small_n, a.rebuild)

    con = sqlite3.connect(anchor_path)
    ops = open_ops(ops_path)
    m_anchor, m = W.AGENDA_MANAGER, manager_id(W.AGENDA_MANAGER)
    p_anchor = W.agenda_params()

    # ---- the counts, per source, one manager and everyone
    ours_one = clientops_counts(ops.agenda.for_manager(m, DAY))
    theirs_one = anchor_counts(A.raw_agenda_one(con, m_anchor, P_DAY))
    theirs_one_at_10 = anchor_counts(A.raw_agenda_one(con, m_anchor, p_anchor))
    ours_all = summed(ops.agenda.for_everyone(DAY))
    theirs_all = anchor_counts(A.raw_agenda_all(con, P_DAY))
    same_one = all(ours_one[k] == theirs_one[k] for k in ("reactions", "calls", "debts"))
    same_all = all(ours_all[k] == theirs_all[k] for k in ("reactions", "calls", "debts"))
    harness.log(f"[agenda n={a.n}] counts, manager 7 / m07 on {DAY}:")
    harness.log(f"  anchor (now = end of day): {theirs_one}")
    harness.log(f"  clientops daily_agenda:    {ours_one}")
    harness.log(
        f"  anchor at 10:00 (its own): {theirs_one_at_10} (reactions due 10:00–24:00 left out)"
    )
    harness.log(f"  all managers: anchor {theirs_all}, clientops {ours_all}")
    harness.log(f"  same per source: one manager {same_one}, all managers {same_all}")

    plans = explain(ops)
    for k, v in plans.items():
        harness.log(f"  clientops plan {k}: {v}")

    # ---- timing
    one = harness.compare(
        {
            "anchor_raw": lambda: A.raw_agenda_one(con, m_anchor, P_DAY),
            "anchor_raw_at_10": lambda: A.raw_agenda_one(con, m_anchor, p_anchor),
            "clientops": lambda: ops.agenda.for_manager(m, DAY),
        },
        repeat=a.repeat,
        min_time=a.min_time,
        baseline="anchor_raw",
    )
    everyone = harness.compare(
        {
            "anchor_raw": lambda: A.raw_agenda_all(con, P_DAY),
            "anchor_raw_at_10": lambda: A.raw_agenda_all(con, p_anchor),
            "clientops": lambda: ops.agenda.for_everyone(DAY),
        },
        repeat=a.repeat,
        min_time=0,
        baseline="anchor_raw",
    )
    sources = source_times(ops, a.repeat)
    con.close()

    # ---- memory
    peak_n, items_n = peak_kib(ops)
    ops.close()
    small = open_ops(small_path)
    peak_small, items_small = peak_kib(small)
    small.close()

    r_one, r_all = one["ratios"]["clientops"], everyone["ratios"]["clientops"]
    verdict = (
        "MET"
        if max(r_one, r_all) <= TARGET
        else ("within the ceiling" if max(r_one, r_all) <= CEILING else "MISSED")
    )
    harness.log(f"[agenda n={a.n}] one manager (m07): ")
    for case in ("anchor_raw", "anchor_raw_at_10", "clientops"):
        harness.log(f"  {case:>17}: {ms(one[case])}")
    harness.log(f"[agenda n={a.n}] all {W.MANAGERS} managers:")
    for case in ("anchor_raw", "anchor_raw_at_10", "clientops"):
        harness.log(f"  {case:>17}: {ms(everyone[case])}")
    harness.log(
        "  one m07 agenda's store queries (median): "
        + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in sources.items())
    )
    harness.log(
        f"clientops / anchor: one manager {r_one:.3f}, all managers {r_all:.3f} "
        f"(target <= {TARGET}, never > {CEILING}): {verdict}"
    )
    harness.log(
        f"memory, tracemalloc peak of daily_agenda(m07): {peak_n:,.0f} KiB at n={a.n:,} "
        f"({items_n} items), {peak_small:,.0f} KiB at n={small_n:,} ({items_small} items); "
        f"{peak_n / max(items_n, 1):.2f} and {peak_small / max(items_small, 1):.2f} KiB per item"
    )

    harness.emit(
        {
            "bench": "clientops_agenda",
            "n_clients": a.n,
            "day": DAY.isoformat(),
            "now": NOW.isoformat(),
            "manager": {"anchor": m_anchor, "clientops": m},
            "builds": builds,
            "counts": {
                "one": {"anchor": theirs_one, "clientops": ours_one, "same": same_one},
                "all": {"anchor": theirs_all, "clientops": ours_all, "same": same_all},
                "one_anchor_at_10": theirs_one_at_10,
            },
            "ms": {
                "one": {
                    k: one[k]["median"] * 1e3
                    for k in ("anchor_raw", "anchor_raw_at_10", "clientops")
                },
                "all": {
                    k: everyone[k]["median"] * 1e3
                    for k in ("anchor_raw", "anchor_raw_at_10", "clientops")
                },
            },
            "ratios": {"one": r_one, "all": r_all},
            "verdict": verdict,
            "store_queries_ms": {k: v * 1e3 for k, v in sources.items()},
            "memory_kib": {
                "n": {"clients": a.n, "peak": peak_n, "items": items_n},
                "n_10": {"clients": small_n, "peak": peak_small, "items": items_small},
            },
            "plans": plans,
            "one_manager_s": one,
            "all_managers_s": everyone,
            "machine": harness.machine(),
            "sqlite": sqlite3.sqlite_version,
            "versions": {"clientops": getattr(clientops, "__version__", None)},
        }
    )
    if not (same_one and same_all):
        harness.log("the per-source counts differ between clientops and the anchor")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
