"""The daily agenda on SQLite: clientops against the hand-written query on a plain schema, in
the same run, on the same fixed-seed data (issue 5, "Performance"; issue 22).

The baseline (``_plain_sql``, ``_workloads``): n clients (default 1,000,000), 50 managers,
about 3 reactions per client, seed ``_workloads.SEED``, a hand-written SQLite schema with its
indexes and ANALYZE, and the three agenda queries (open reactions due, satisfaction calls due,
unpaid subscriptions from the 20th) for one manager (manager 7) and for all managers at once,
run with raw ``sqlite3`` and ``fetchall()`` (case ``plain_sqlite3``), and with SQLAlchemy Core
executing the very same SQL text (case ``sqlalchemy_core``).

clientops' store is built from the very same generated rows (``_workloads.gen_clients``,
``_workloads.gen_reactions``) **through clientops' storage API**, so its schema and indexes are
clientops' own (``SQLiteStorage``, no ANALYZE, no extra index):

* staff: one department ``client`` with the 50 managers ``m01`` … ``m50`` (manager 7 is
  ``m07``), written by ``put_staff``;
* clients: ``uow.clients.add_many`` in batches of 10,000 cards (id ``c0000001``…, the workload's
  name, its phone as E.164, ``manager_id`` ``mNN``, city Москва; no birthday: the plain agenda
  has no touches, and its clients are organisations);
* the satisfaction round: ``uow.claims.put_satisfaction(client, manager, 2025-01-09, last
  call)`` for every client, the last call being the workload's ``last_satisfaction_call``;
* reactions: one appeal per client (``uow.appeals.add_many``, a batch at a time), then the
  workload's reactions with ``uow.appeals.add_many_reactions``: kind and topic as generated,
  ``employee_id`` ``m<responsible>``, ``due_at`` the workload's naive time in Europe/Moscow,
  done ones with ``done_at = due_at``;
* debts: for each client with a negative balance (the plain schema's "unpaid subscription"),
  one open invoice for June 2025 (issued 1 June, due 10 June, one line of the monthly fee, VAT
  20 % included) with ``uow.invoices.add``. clientops' billing rules put a payment reminder on
  the agenda for it from the 20th, so the debts part has the same clients.

Every row goes through the store's own method; nothing is written with SQL of this script. The
files are cached under ``--dir`` as ``clientops-agenda-<n>.db`` and ``plain-agenda-<n>.db``
(``--rebuild`` makes them again), each with its build figures beside it (``.build.json``).

The agenda day is ``_workloads.NOW`` (Monday 23 June 2025, a working day, day >= 20), with
clientops' clock fixed at 10:00 Moscow time. The definitions agree on that day as follows:

* **satisfaction calls**: the plain query takes ``last_satisfaction_call <= NOW - 14 days``
  (2025-06-09). clientops' bounds (``satisfaction_due_bounds``) are the last working day up to
  the day minus 14 days: the day is a working day, so the bound is the same 2025-06-09.
* **debts**: the plain query takes ``balance_kop < 0 AND subscription_fee_kop > 0``; clientops
  takes the open invoices of the manager's clients whose reminders have started. Same clients.
* **reactions**: clientops' daily agenda takes what is due up to the **end of the day**
  (``due_at <= next midnight``), so the plain SQL runs with ``now`` = 2025-06-24 00:00:00.

Every source's row count is checked equal on both sides (one manager and everyone) before any
timing; the script exits non-zero when one differs.

Timed cases, interleaved by ``harness.compare`` in each repeat (paired ratios, baseline
``plain_sqlite3``), one manager (``ops.agenda.for_manager("m07", day)``) and everyone
(``ops.agenda.for_everyone(day)``: 50 agendas in one unit of work):

* ``plain_sqlite3``: the plain schema's three queries, raw;
* ``sqlalchemy_core``: the same SQL text through SQLAlchemy Core (a pooled connection per call);
* ``clientops``: the public call;
* ``floor_own_sql``: the floor: the very SELECT statements clientops sends for that call
  (caught with sqlite3's trace callback, parameters bound), run raw on clientops' own database
  with ``fetchall()`` on a kept-open connection, no transaction, no Python objects.

The garbage collector: ``for_everyone`` pauses it while it builds the agendas, so every case of
the everyone comparison runs with it paused too (``harness.compare(disable_gc=True)``); the
one-manager comparison runs every case with it on.

Memory: the ``tracemalloc`` peak of one ``for_manager("m07")`` and of one ``for_everyone``; the
build's peak resident memory above what the generated rows already took (``getrusage``).

Scaling: ``--sizes 10000,100000,1000000`` runs the whole benchmark once per size, each in a
child process (so each peak memory is that size's own), and prints one table: build time and
rows/s, database size, agenda times and ratios, peak memory per size.

Run:  python bench/bench_agenda.py [--n 1000000] [--repeat 5] [--dir /tmp] [--rebuild]
      python bench/bench_agenda.py --sizes 10000,100000,1000000 --repeat 3
      python bench/bench_agenda.py --n 2000 --repeat 1 --min-time 0 --dir /tmp/x   # smoke

Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import _harness as harness
import _plain_sql as plain
import _workloads as W

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

NOW: datetime = W.NOW.replace(tzinfo=W.MSK)  # aware, Europe/Moscow
DAY: date = NOW.date()
DEPARTMENT = DepartmentId("client")
ASSIGNED_ON = date(2025, 1, 9)
CREATED_AT = datetime(2025, 5, 1, 9, 0, tzinfo=W.MSK)
BATCH = 10_000
TARGET, CEILING = 1.0, 1.5
#: The plain query's parameters with ``now`` at the end of the day: what clientops' daily
#: agenda lists as due (``due_at <= next midnight``); call cutoff and debts as the workload's.
P_DAY = {**W.agenda_params(), "now": W.dt_sql(W.NOW.replace(hour=0, minute=0) + timedelta(days=1))}
SOURCES = {"reactions": AgendaKind.REACTION, "calls": AgendaKind.SATISFACTION_CALL}


def manager_id(number: int) -> EmployeeId:
    return EmployeeId(f"m{number:02d}")


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
                    phones=(Phone(W.card_phone(phone)),),
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
            appeals: list[Appeal] = []
            written: list[Reaction] = []
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
                appeals.append(appeal)
                for rid, _c, kind, topic, responsible, due_at, done in own:
                    due = _moscow(due_at)
                    written.append(
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
            uow.appeals.add_many(appeals)
            uow.appeals.add_many_reactions(written)
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


def _sidecar(path: Path) -> Path:
    return Path(f"{path}.build.json")


def _cached(path: Path, n: int, what: str) -> dict[str, Any] | None:
    """The build figures of a cached file, or None when it must be built."""
    if not path.exists():
        return None
    harness.log(f"[agenda n={n}] {what} cached: {path}")
    try:
        figures: dict[str, Any] = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        figures = {}
    return {**figures, "cached": True, "db_bytes": path.stat().st_size}


def _built(path: Path, figures: dict[str, Any]) -> dict[str, Any]:
    _sidecar(path).write_text(json.dumps(figures))
    return {**figures, "cached": False}


def ensure_clientops(path: Path, n: int, rebuild: bool, data: tuple[list, list]) -> dict:
    found = None if rebuild else _cached(path, n, "clientops store")
    if found is not None:
        return found
    clients, reactions = data
    harness.log(f"[agenda n={n}] building the clientops store through its API: {path}")
    before = harness.rss_kib()
    built = build_clientops(path, clients, reactions)
    rows = built["clients"] + built["reactions"]
    built["rows_per_s"] = round(rows / built["total_s"], 1)
    built["peak_rss_above_data_kib"] = _peak_above(before)
    harness.log(
        f"[agenda n={n}] clientops build {built['total_s']:.1f}s "
        f"({built['rows_per_s']:,.0f} rows/s, {built['db_bytes'] / 2**20:,.1f} MiB); "
        f"phases {built['phases_s']}"
    )
    return _built(path, built)


def ensure_plain(path: Path, n: int, rebuild: bool, data: tuple[list, list]) -> dict:
    found = None if rebuild else _cached(path, n, "plain database")
    if found is not None:
        return found
    clients, reactions = data
    before = harness.rss_kib()
    built: dict[str, Any] = {
        k: round(v, 2) for k, v in plain.build(str(path), clients, reactions).items()
    }
    rows = len(clients) + len(reactions)
    built.update(
        clients=len(clients),
        reactions=len(reactions),
        rows_per_s=round(rows / max(built["total_s"], 1e-9), 1),
        db_bytes=path.stat().st_size,
        peak_rss_above_data_kib=_peak_above(before),
    )
    harness.log(
        f"[agenda n={n}] plain build: insert {built['insert_s']:.1f}s, "
        f"index+ANALYZE {built['index_s']:.1f}s ({built['db_bytes'] / 2**20:,.1f} MiB)"
    )
    return _built(path, built)


def _peak_above(before: int | None) -> int | None:
    """How far the process's peak resident memory rose above ``before`` (KiB); 0 when the
    peak was reached earlier (by the generated rows themselves)."""
    if before is None:
        return None
    return max(harness.peak_rss_kib() - before, 0)


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


def summed(agendas: tuple[Agenda, ...]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for agenda in agendas:
        total.update(clientops_counts(agenda))
    return {k: total[k] for k in ("reactions", "calls", "debts", "other")}


def traced(ops: ClientOps, call: Callable[[], object]) -> list[str]:
    """Every statement clientops sends for ``call`` (parameters bound), caught with
    sqlite3's trace callback on the store's connections: the writing one and the one of
    its read-only units of work (opened by the first of them)."""
    seen: list[str] = []
    storage = ops.storage
    conns = [storage._db, getattr(storage, "_reader", None)]  # type: ignore[attr-defined]
    conns = [c for c in conns if c is not None]
    for conn in conns:
        conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        for conn in conns:
            conn.set_trace_callback(None)
    return seen


def own_statements(ops: ClientOps, call: Callable[[], object]) -> list[str]:
    """The SELECT statements clientops sends for ``call`` (parameters bound): what the floor
    case runs raw."""
    seen = traced(ops, call)
    return [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def raw_runner(con: sqlite3.Connection, statements: list[str]) -> Callable[[], list[list]]:
    def run() -> list[list]:
        return [con.execute(statement).fetchall() for statement in statements]

    return run


def explain(ops: ClientOps) -> dict[str, str]:
    """EXPLAIN QUERY PLAN of clientops' three main agenda queries for m07, on its store: the
    statements are the ones ``daily_agenda`` runs, caught with sqlite3's trace callback (with
    their parameters bound), so the plans are of the SQL clientops really sends."""
    marks = {
        "due_reactions": "FROM reactions WHERE employee_id",
        "satisfaction_calls_due": "FROM satisfaction",
        "open_invoices_managed_by": "FROM invoices",
    }
    seen = traced(ops, lambda: ops.agenda.for_manager(manager_id(W.AGENDA_MANAGER), DAY))
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


def peak_kib(call: Callable[[], object]) -> float:
    """tracemalloc peak of one ``call`` (after a warm-up call), in KiB."""
    call()
    tracemalloc.start()
    try:
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024


def open_ops(path: Path) -> ClientOps:
    return ClientOps(SQLiteStorage(path), clock=lambda: NOW)


def ms(stats: dict) -> str:
    return f"{stats['median'] * 1e3:,.1f} ms ({stats['min'] * 1e3:,.1f}–{stats['max'] * 1e3:,.1f})"


# --------------------------------------------------------------------------- main

CASES = ("plain_sqlite3", "sqlalchemy_core", "clientops", "floor_own_sql")


def run_one_size(a: argparse.Namespace) -> int:
    folder = Path(a.dir)
    folder.mkdir(parents=True, exist_ok=True)
    plain_path = folder / f"plain-agenda-{a.n}.db"
    ops_path = folder / f"clientops-agenda-{a.n}.db"
    need = a.rebuild or not plain_path.exists() or not ops_path.exists()
    data = generate(a.n) if need else ([], [])
    builds = {
        "plain": ensure_plain(plain_path, a.n, a.rebuild, data),
        "clientops": ensure_clientops(ops_path, a.n, a.rebuild, data),
    }
    del data
    ratio_size = builds["clientops"]["db_bytes"] / max(builds["plain"]["db_bytes"], 1)

    con = sqlite3.connect(plain_path)
    ops = open_ops(ops_path)
    own = sqlite3.connect(ops_path)  # the floor: clientops' own database, raw
    core_one, core_all, core_dispose = plain.sqlalchemy_core(str(plain_path), P_DAY)
    number, m = W.AGENDA_MANAGER, manager_id(W.AGENDA_MANAGER)

    # ---- the counts, per source, one manager and everyone
    ours_one = clientops_counts(ops.agenda.for_manager(m, DAY))
    theirs_one = plain.counts(plain.raw_agenda_one(con, number, P_DAY))
    core_one_counts = plain.counts(core_one(number))
    ours_all = summed(ops.agenda.for_everyone(DAY))
    theirs_all = plain.counts(plain.raw_agenda_all(con, P_DAY))
    core_all_counts = plain.counts(core_all())
    sources = ("reactions", "calls", "debts")
    same_one = core_one_counts == theirs_one and all(ours_one[k] == theirs_one[k] for k in sources)
    same_all = core_all_counts == theirs_all and all(ours_all[k] == theirs_all[k] for k in sources)
    harness.log(f"[agenda n={a.n}] counts per source, manager 7 / m07 on {DAY}:")
    harness.log(f"  plain SQL (now = end of day): {theirs_one}; SQLAlchemy Core {core_one_counts}")
    harness.log(f"  clientops for_manager:        {ours_one}")
    harness.log(f"  everyone: plain {theirs_all}, clientops {ours_all}")
    harness.log(f"  same per source: one manager {same_one}, everyone {same_all}")
    if not (same_one and same_all):
        harness.log("the per-source counts differ between clientops and the plain SQL")
        return 1

    plans = explain(ops)
    for k, v in plans.items():
        harness.log(f"  clientops plan {k}: {v}")
    own_one = own_statements(ops, lambda: ops.agenda.for_manager(m, DAY))
    own_all = own_statements(ops, lambda: ops.agenda.for_everyone(DAY))
    harness.log(
        f"  clientops sends {len(own_one)} SELECTs for one manager, {len(own_all)} for everyone"
    )

    # ---- timing: the same GC setting for every case of a comparison
    one = harness.compare(
        {
            "plain_sqlite3": lambda: plain.raw_agenda_one(con, number, P_DAY),
            "sqlalchemy_core": lambda: core_one(number),
            "clientops": lambda: ops.agenda.for_manager(m, DAY),
            "floor_own_sql": raw_runner(own, own_one),
        },
        repeat=a.repeat,
        min_time=a.min_time,
        baseline="plain_sqlite3",
    )
    everyone = harness.compare(
        {
            "plain_sqlite3": lambda: plain.raw_agenda_all(con, P_DAY),
            "sqlalchemy_core": core_all,
            "clientops": lambda: ops.agenda.for_everyone(DAY),
            "floor_own_sql": raw_runner(own, own_all),
        },
        repeat=a.repeat,
        min_time=0,
        baseline="plain_sqlite3",
        disable_gc=True,  # for_everyone pauses the collector itself: so does every case here
    )
    store_ms = source_times(ops, a.repeat)
    con.close()
    own.close()
    core_dispose()

    # ---- memory
    peak_one = peak_kib(lambda: ops.agenda.for_manager(m, DAY))
    peak_all = peak_kib(lambda: ops.agenda.for_everyone(DAY))
    items_one = sum(ours_one.values())
    items_all = sum(ours_all.values())
    ops.close()

    r_one, r_all = one["ratios"]["clientops"], everyone["ratios"]["clientops"]
    own_one_r = harness.paired_ratio(one, "clientops", "floor_own_sql")
    own_all_r = harness.paired_ratio(everyone, "clientops", "floor_own_sql")
    verdict = (
        "MET"
        if max(r_one, r_all) <= TARGET
        else ("within the ceiling" if max(r_one, r_all) <= CEILING else "MISSED")
    )
    harness.log(f"[agenda n={a.n}] one manager (m07), GC on:")
    for case in CASES:
        harness.log(f"  {case:>16}: {ms(one[case])}")
    harness.log(f"[agenda n={a.n}] all {W.MANAGERS} managers, GC paused for every case:")
    for case in CASES:
        harness.log(f"  {case:>16}: {ms(everyone[case])}")
    harness.log(
        "  one m07 agenda's store queries (median): "
        + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in store_ms.items())
    )
    harness.log(
        f"ratio clientops / plain SQL: one manager {r_one:.3f}, everyone {r_all:.3f} "
        f"(target <= {TARGET}, never > {CEILING}): {verdict}"
    )
    harness.log(
        f"ratio clientops / the floor (its own SQL raw on its own database): one manager "
        f"{own_one_r:.3f}, everyone {own_all_r:.3f}"
    )
    harness.log(
        f"SQLAlchemy Core / plain SQL: one manager {one['ratios']['sqlalchemy_core']:.3f}, "
        f"everyone {everyone['ratios']['sqlalchemy_core']:.3f}"
    )
    harness.log(
        f"memory, tracemalloc peak: for_manager(m07) {peak_one:,.0f} KiB ({items_one} items), "
        f"for_everyone {peak_all:,.0f} KiB ({items_all} items); database "
        f"{builds['clientops']['db_bytes'] / 2**20:,.1f} MiB = {ratio_size:.2f}x the plain one"
    )

    harness.emit(
        {
            "bench": "clientops_agenda",
            "n_clients": a.n,
            "day": DAY.isoformat(),
            "now": NOW.isoformat(),
            "manager": {"plain": number, "clientops": m},
            "builds": builds,
            "db_size_ratio": round(ratio_size, 3),
            "counts": {
                "one": {
                    "plain": theirs_one,
                    "sqlalchemy_core": core_one_counts,
                    "clientops": ours_one,
                    "same": same_one,
                },
                "all": {
                    "plain": theirs_all,
                    "sqlalchemy_core": core_all_counts,
                    "clientops": ours_all,
                    "same": same_all,
                },
            },
            "ms": {
                "one": {k: one[k]["median"] * 1e3 for k in CASES},
                "all": {k: everyone[k]["median"] * 1e3 for k in CASES},
            },
            "ratios": {"one": r_one, "all": r_all},
            "ratios_vs_floor": {"one": own_one_r, "all": own_all_r},
            "ratios_sqlalchemy_core": {
                "one": one["ratios"]["sqlalchemy_core"],
                "all": everyone["ratios"]["sqlalchemy_core"],
            },
            "gc": {"one": one["gc"], "all": everyone["gc"]},
            "verdict": verdict,
            "store_queries_ms": {k: v * 1e3 for k, v in store_ms.items()},
            "memory_kib": {
                "one": {"peak": peak_one, "items": items_one},
                "all": {"peak": peak_all, "items": items_all},
            },
            "peak_rss_kib": harness.peak_rss_kib(),
            "plans": plans,
            "own_statements": {"one": len(own_one), "all": len(own_all)},
            "one_manager_s": one,
            "all_managers_s": everyone,
            "machine": harness.machine(),
            "sqlite": sqlite3.sqlite_version,
            "versions": harness.versions("clientops", "SQLAlchemy"),
        }
    )
    return 0


def run_sizes(a: argparse.Namespace) -> int:
    """One child process per size; one table of time and memory per size."""
    args = ["--repeat", str(a.repeat), "--min-time", str(a.min_time), "--dir", a.dir]
    if a.rebuild:
        args.append("--rebuild")
    points = harness.curve(__file__, a.sizes, args)
    rows = []
    for p in points:
        ours, theirs = p["builds"]["clientops"], p["builds"]["plain"]
        rows.append(
            [
                p["n_clients"],
                ours.get("total_s"),
                ours.get("rows_per_s"),
                theirs.get("rows_per_s"),
                round(ours["db_bytes"] / 2**20, 1),
                round(theirs["db_bytes"] / 2**20, 1),
                _mib(ours.get("peak_rss_above_data_kib")),
                round(p["ms"]["one"]["clientops"], 2),
                round(p["ms"]["one"]["plain_sqlite3"], 2),
                p["ratios"]["one"],
                round(p["ms"]["all"]["clientops"], 1),
                p["ratios"]["all"],
                round(p["memory_kib"]["one"]["peak"]),
                round(p["memory_kib"]["all"]["peak"]),
                _mib(p["peak_rss_kib"]),
            ]
        )
    table = harness.table(
        (
            "clients",
            "build s",
            "build rows/s",
            "plain rows/s",
            "DB MiB",
            "plain DB MiB",
            "build peak MiB",
            "m07 ms",
            "plain m07 ms",
            "ratio m07",
            "everyone ms",
            "ratio everyone",
            "m07 peak KiB",
            "everyone peak KiB",
            "process peak MiB",
        ),
        rows,
    )
    harness.log(table)
    harness.emit({"bench": "clientops_agenda_curve", "sizes": a.sizes, "points": points})
    return 0


def _mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="clients")
    ap.add_argument(
        "--sizes",
        type=harness.sizes_arg,
        default=None,
        help="a scaling curve: one run per size (e.g. 10000,100000,1000000)",
    )
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case, interleaved")
    ap.add_argument("--min-time", type=float, default=0.2, help="one manager: loop each run")
    ap.add_argument("--dir", default="/tmp", help="where the cached database files go")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached files")
    a = ap.parse_args(argv)
    if a.n < 1 or a.repeat < 1:
        ap.error("--n and --repeat must be positive")
    return run_sizes(a) if a.sizes else run_one_size(a)


if __name__ == "__main__":
    sys.exit(main())
