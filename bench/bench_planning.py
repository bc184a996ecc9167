"""The month's report of every manager of a department, from SQLite and PostgreSQL, against
hand-written SQL computing the same figures on the same database, in the same run.

Issue 20 asks for at most 1.2x the hand-written SQL over 1,000,000 clients and 10,000,000
orders, invoices and calls, memory bounded by the number of managers.

Workload (fixed seed 20, version ``WORKLOAD``): ``--managers`` client managers with
``--clients`` cards each; every card has 1 to ``--orders`` orders spread over August 2025 to
March 2026 (a price of 1,000 to 100,000 roubles, opened on a random day; one in four closed 2
to 20 days later), and one card in two an invoice paid in March. Written through the
repositories once (setup, not timed); with ``--cache DIR`` the SQLite file is kept in DIR and
the PostgreSQL schema is kept (``bench_planning_<size>``), and a later run of the same size
reuses them. The workload has no calls: the report does not read them.

The cases, each computing the March 2026 figures of every manager, taking turns:

* ``clientops``: ``Planning(ops).reports(Month(2026, 3), department="client")``: every line
  of every manager's report from the store's read model (``uow.planning.client_groups``:
  one statement grouping the clients by what the default rules read of them, a row a
  group), without the records behind the figures;
* ``raw_sqlite3`` / ``raw_psycopg`` (baseline): three statements on a kept-open connection,
  grouped by manager: the eleven lines the workload gives data for (new / regular / repeat
  clients with orders and their sums, cash inflow, profit, lost regular / repeat clients, new
  in the base), the rules written out in SQL.

The two must give the same eleven figures for every manager (the run stops otherwise), and
clientops must give 0 for the seven lines the workload has no data for. Peak memory is the
Python heap of one more run (tracemalloc).

Each run's wall time and CPU time are kept: the CPU time of this process plus, on
PostgreSQL, of the server processes serving its connections (read from /proc). The machine
is shared: the wall time of a run grows with the other jobs' load, its CPU time much less.
PostgreSQL's parallel workers are counted too (read every 20 ms while they live; the
baseline's statements use two at 1,000,000 clients). Both cases run under the same
settings: the baseline's session turns JIT compilation off, as the read model does for its
transaction. Figures: bench/README.md.

The workload is written a batch at a time (``--load bulk``, the default): every row made by
the repository's own encoder (``uow.orders.row`` …, what ``add`` writes), the timeline
entries as ``add`` records them (``uow.timeline.row``), written by COPY on PostgreSQL (by
``executemany`` of the repository's INSERT on SQLite, and for the invoices, whose INSERT reads
the card); ``--load repositories`` writes through ``add``, a record at
a time (tests/test_bench.py checks that both leave the same rows). A sample of 50 clients is
read back through the repositories after the build and must equal what was written.
``--build-only`` builds (or finds) the cached workload and stops.

Run:  python bench/bench_planning.py [--managers 4] [--clients 250] [--orders 6] [--repeat 3]
                                     [--url postgresql://postgres@127.0.0.1:5432/test]
                                     [--dir DIR] [--cache /work/bench-cache] [--schema NAME]
                                     [--load bulk|repositories] [--build-only]
                                     [--skip-sqlite] [--skip-postgres]

Progress and figures go to stderr; the last stdout line is one JSON object. Without
``--cache`` the PostgreSQL schema is named ``clientops_bench_planning_<pid>`` and dropped at
the end; ``--schema NAME`` names it (and keeps it, like ``--cache``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

import clientops
from clientops import ClientOps, Money
from clientops.billing import Allocation, Invoice, InvoiceId, InvoiceLine, Month, Payment, PaymentId
from clientops.clients import StaffDirectory, timeline_entries
from clientops.model import Client, ClientId, Department, DepartmentId, Employee, EmployeeId, Role
from clientops.orders import (
    Order,
    OrderId,
    OrderSpecification,
    OrderStage,
    OrderStep,
    open_order,
)
from clientops.planning import PlanLine, Planning

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
MSK = ZoneInfo("Europe/Moscow")
MARCH = Month(2026, 3)
SEED = 20
SPEC = OrderSpecification(
    product_type="Календарь",
    quantity=100,
    design="Макет",
    materials="Бумага",
    production_deadline=date(2026, 6, 1),
    delivery_address="Омск",
    packaging_type="Коробка",
    packaging_marking="Логотип",
    delivery_deadline=date(2026, 6, 5),
    delivery_format="Курьер",
)
MONTHS = [Month(2025, m) for m in range(8, 13)] + [Month(2026, m) for m in range(1, 4)]
#: Counted up when the workload changes, so a cached database of an older one is not reused.
WORKLOAD = 2

#: The figures the hand-written SQL computes, each as ``Planning`` names it.
LINES = (
    PlanLine.NEW_CLIENTS,
    PlanLine.NEW_CLIENTS_SUM,
    PlanLine.REGULAR_CLIENTS,
    PlanLine.REGULAR_CLIENTS_SUM,
    PlanLine.REPEAT_CLIENTS,
    PlanLine.REPEAT_CLIENTS_SUM,
    PlanLine.CASH_INFLOW,
    PlanLine.PROFIT,
    PlanLine.LOST_REGULAR,
    PlanLine.LOST_REPEAT,
    PlanLine.NEW_IN_BASE,
)

# The hand-written SQL: every manager's March figures in two statements (orders grouped by
# client, then by manager; allocations by manager). Local days by Moscow's fixed +03:00.
# The rules written out: regular = orders in at least 3 of the 6 months before March; new =
# no order before March; lost = last order + 3 months (regular) or + 6 months (not) in March;
# new in base = assigned to the satisfaction round, else created, in March.
ORDERS_SQLITE = """
WITH o AS (
  SELECT c.manager_id AS mid, o.client_id AS cid,
         date(json_extract(o.doc, '$.history[0].at'), '+180 minutes') AS opened,
         CASE WHEN o.stage = 'closed' THEN date((
           SELECT json_extract(h.value, '$.at') FROM json_each(o.doc, '$.history') h
           WHERE json_extract(h.value, '$.stage') = 'closed' ORDER BY h.key LIMIT 1),
           '+180 minutes') END AS closed,
         CAST(round(CAST(json_extract(o.doc, '$.price.amount') AS REAL) * 100) AS INTEGER) AS p
  FROM orders o JOIN clients c ON c.id = o.client_id WHERE c.manager_id IN ({marks})),
per AS (
  SELECT mid, cid,
         min(opened) < :start AS before,
         max(CASE WHEN opened <= :end THEN opened END) AS last,
         count(DISTINCT CASE WHEN opened >= :since AND opened < :start
                        THEN substr(opened, 1, 7) END) >= 3 AS regular,
         sum(CASE WHEN opened BETWEEN :start AND :end THEN p END) AS in_month,
         sum(CASE WHEN closed BETWEEN :start AND :end THEN p ELSE 0 END) AS profit
  FROM o GROUP BY mid, cid),
seg AS (
  SELECT mid, in_month, profit, regular,
         CASE WHEN NOT before THEN 'new' WHEN regular THEN 'regular' ELSE 'repeat' END AS seg,
         CASE WHEN regular THEN date(last, '+3 months') ELSE date(last, '+6 months') END AS lost
  FROM per)
SELECT mid,
       sum(seg = 'new' AND in_month IS NOT NULL), sum(CASE WHEN seg = 'new' THEN in_month END),
       sum(seg = 'regular' AND in_month IS NOT NULL),
       sum(CASE WHEN seg = 'regular' THEN in_month END),
       sum(seg = 'repeat' AND in_month IS NOT NULL),
       sum(CASE WHEN seg = 'repeat' THEN in_month END),
       sum(profit),
       sum(lost BETWEEN :start AND :end AND regular),
       sum(lost BETWEEN :start AND :end AND NOT regular)
FROM seg GROUP BY mid
"""
CASH_SQLITE = """
SELECT c.manager_id,
       sum(CAST(round(CAST(json_extract(a.doc, '$.amount.amount') AS REAL) * 100) AS INTEGER))
FROM allocations a JOIN clients c ON c.id = a.client_id
WHERE c.manager_id IN ({marks}) AND json_extract(a.doc, '$.date') BETWEEN :start AND :end
GROUP BY c.manager_id
"""
BASE_SQLITE = """
SELECT c.manager_id, count(*) FROM clients c LEFT JOIN satisfaction s ON s.client_id = c.id
WHERE c.manager_id IN ({marks})
  AND coalesce(s.assigned_on, date(json_extract(c.doc, '$.created_at'), '+180 minutes'))
      BETWEEN :start AND :end
GROUP BY c.manager_id
"""
ORDERS_POSTGRES = """
WITH d AS MATERIALIZED (
  SELECT c.manager_id AS mid, o.client_id AS cid, o.stage, o.doc::jsonb AS j
  FROM orders o JOIN clients c ON c.id = o.client_id WHERE c.manager_id IN ({marks})),
o AS MATERIALIZED (
  SELECT mid, cid,
         (((j->'history'->0->>'at')::timestamptz AT TIME ZONE 'Europe/Moscow'))::date AS opened,
         CASE WHEN stage = 'closed' THEN ((
           SELECT (h->>'at')::timestamptz FROM jsonb_array_elements(j->'history')
           WITH ORDINALITY e(h, i) WHERE h->>'stage' = 'closed' ORDER BY i LIMIT 1)
           AT TIME ZONE 'Europe/Moscow')::date END AS closed,
         (j->'price'->>'amount')::numeric AS p
  FROM d),
per AS (
  SELECT mid, cid,
         min(opened) < :start AS before,
         max(CASE WHEN opened <= :end THEN opened END) AS last,
         count(DISTINCT CASE WHEN opened >= :since AND opened < :start
                        THEN date_trunc('month', opened) END) >= 3 AS regular,
         sum(CASE WHEN opened BETWEEN :start AND :end THEN p END) AS in_month,
         sum(CASE WHEN closed BETWEEN :start AND :end THEN p ELSE 0 END) AS profit
  FROM o GROUP BY mid, cid),
seg AS (
  SELECT mid, in_month, profit, regular,
         CASE WHEN NOT before THEN 'new' WHEN regular THEN 'regular' ELSE 'repeat' END AS seg,
         (last + CASE WHEN regular THEN interval '3 months' ELSE interval '6 months' END)::date
           AS lost
  FROM per)
SELECT mid,
       count(*) FILTER (WHERE seg = 'new' AND in_month IS NOT NULL),
       sum(in_month) FILTER (WHERE seg = 'new'),
       count(*) FILTER (WHERE seg = 'regular' AND in_month IS NOT NULL),
       sum(in_month) FILTER (WHERE seg = 'regular'),
       count(*) FILTER (WHERE seg = 'repeat' AND in_month IS NOT NULL),
       sum(in_month) FILTER (WHERE seg = 'repeat'),
       sum(profit),
       count(*) FILTER (WHERE lost BETWEEN :start AND :end AND regular),
       count(*) FILTER (WHERE lost BETWEEN :start AND :end AND NOT regular)
FROM seg GROUP BY mid
"""
CASH_POSTGRES = """
SELECT c.manager_id, sum(((a.doc::jsonb)->'amount'->>'amount')::numeric)
FROM allocations a JOIN clients c ON c.id = a.client_id
WHERE c.manager_id IN ({marks})
  AND ((a.doc::jsonb)->>'date')::date BETWEEN :start AND :end
GROUP BY c.manager_id
"""
BASE_POSTGRES = """
SELECT c.manager_id, count(*) FROM clients c LEFT JOIN satisfaction s ON s.client_id = c.id
WHERE c.manager_id IN ({marks})
  AND coalesce(s.assigned_on,
               (((c.doc::jsonb)->>'created_at')::timestamptz AT TIME ZONE 'Europe/Moscow')::date)
      BETWEEN :start AND :end
GROUP BY c.manager_id
"""


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def managers(n: int) -> list[EmployeeId]:
    return [EmployeeId(f"m{i}") for i in range(n)]


Records = tuple[list[Order], list[Invoice], list[Payment], list[Allocation]]


def fill(ops: ClientOps, args: argparse.Namespace) -> int:
    """The workload, written into the store; the number of orders and invoices.

    ``--load repositories`` writes every record through the repositories' ``add`` (a few
    checks and a statement a record); ``--load bulk`` (the default) writes the same records
    a batch at a time with ``executemany``, each row built by the repository's own encoder
    (``uow.orders.row`` …, the values ``add`` writes), their timeline entries by
    ``uow.timeline.record``, the cards by ``uow.clients.add_many``; a sample of the clients is
    then read back through the repositories and must equal what was written."""
    rng = random.Random(SEED)
    pick = random.Random(SEED + 1)  # the sample read back (not drawn from the workload's rng)
    client = DepartmentId("client")
    ops.clients.add_staff(
        StaffDirectory(
            departments=(Department(client, "Клиентский отдел"),),
            employees=tuple(
                Employee(m, f"Менеджер {m}", "Менеджер", client, (Role.CLIENT_MANAGER,))
                for m in managers(args.managers)
            ),
        )
    )
    made = 0
    started = time.perf_counter()
    sample: dict[ClientId, Records] = {}
    batch = 2000  # cards a transaction
    for manager in managers(args.managers):
        for first in range(0, args.clients, batch):
            with ops.storage.unit_of_work() as uow:
                cards = [
                    Client(
                        ClientId(f"{manager}-c{i}"),
                        f"ООО «Клиент {manager}-{i}»",
                        "Омск",
                        manager_id=manager,
                    )
                    for i in range(first, min(first + batch, args.clients))
                ]
                uow.clients.add_many(cards)
                made_here = [make_records(card, manager, rng, args) for card in cards]
                if args.load == "repositories":
                    for orders, invoices, payments, allocations in made_here:
                        for order in orders:
                            uow.orders.add(order)
                        for invoice in invoices:
                            uow.invoices.add(invoice)
                        for payment in payments:
                            uow.payments.add(payment)
                        for allocation in allocations:
                            uow.payments.add_allocation(allocation)
                else:
                    write_bulk(uow, made_here)
                for card, records in zip(cards, made_here, strict=True):
                    made += len(records[0]) + len(records[1])
                    if len(sample) < 50 and pick.random() < 0.01:
                        sample[card.id] = records
        log(f"  {manager}: {made:,} records, {time.perf_counter() - started:.0f} s")
    check_sample(ops, sample)
    return made


def write_bulk(uow: Any, made: list[Records]) -> None:
    """The records of a batch of cards, a statement a table, each row as the repository's
    ``add`` writes it, and their timeline entries as ``add`` records them: on PostgreSQL by
    COPY (the rows of the INSERT of ``add``, the columns it names), on SQLite by
    ``executemany`` of that INSERT."""
    orders = [o for r in made for o in r[0]]
    invoices = [i for r in made for i in r[1]]
    payments = [p for r in made for p in r[2]]
    allocations = [a for r in made for a in r[3]]
    write = copy_rows if hasattr(uow, "_conn") else (lambda uow, sql, rows: uow._xmany(sql, rows))
    write(uow, uow.orders.INSERT, [uow.orders.row(o) for o in orders])
    write(uow, uow.invoices.INSERT, [uow.invoices.row(i) for i in invoices])
    write(uow, uow.payments.INSERT, [uow.payments.row(p) for p in payments])
    write(uow, uow.payments.ALLOCATE, [uow.payments.allocation_row(a) for a in allocations])
    timeline = uow.timeline
    entries = [e for r in (*orders, *invoices, *payments) for e in timeline_entries(r)]
    # new entries: the INSERT of ``record`` adds them (its ON CONFLICT clause is not reached)
    write(uow, timeline.INSERT, [timeline.row(e) for e in entries])


_INSERT = re.compile(r"INSERT INTO (\w+)\s*\(([^)]*)\)\s*VALUES ")


def copy_rows(uow: Any, insert: str, rows: list[tuple[Any, ...]]) -> None:
    """The rows of ``insert`` written by PostgreSQL's COPY into the table and columns it
    names (an ``INSERT INTO table(columns) VALUES …``; the rows are new, so its ON CONFLICT
    clause, if any, is not reached: a row that would reach it fails the COPY), many times
    faster than a statement a row; an INSERT of another form (the invoices': SELECT from
    the card) by ``executemany``."""
    found = _INSERT.match(insert)
    if found is None:
        uow._xmany(insert, rows)
        return
    if not rows:
        return
    table, columns = found.group(1), found.group(2)
    with uow._conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def check_sample(ops: ClientOps, sample: dict[ClientId, Records]) -> None:
    """The sampled clients' records, read back through the repositories, are those written."""
    with ops.storage.unit_of_work(readonly=True) as uow:
        for cid, (orders, invoices, payments, allocations) in sample.items():
            if uow.orders.of_client(cid) != tuple(orders):
                raise SystemExit(f"the orders of {cid} read back differ")
            for invoice in invoices:
                if uow.invoices.get(invoice.id) != invoice:
                    raise SystemExit(f"invoice {invoice.id} read back differs")
            for payment in payments:
                if uow.payments.find(payment.id) != payment:
                    raise SystemExit(f"payment {payment.id} read back differs")
            if uow.payments.allocations_of(cid) != tuple(allocations):
                raise SystemExit(f"the allocations of {cid} read back differ")
    log(f"  {len(sample)} clients read back through the repositories: the same records")


def make_records(
    card: Client, manager: EmployeeId, rng: random.Random, args: argparse.Namespace
) -> Records:
    orders: list[Order] = []
    for k in range(rng.randint(1, args.orders)):
        month = rng.choice(MONTHS)
        day = month.day(rng.randint(1, 28))
        at = datetime(day.year, day.month, day.day, 10, tzinfo=MSK)
        order = open_order(
            id=OrderId(f"{card.id}-o{k}"),
            client_id=card.id,
            number=f"{card.id}-{k}",
            specification=SPEC,
            now=at,
            by=manager,
        )
        price = Money(Decimal(rng.randint(1_000, 100_000)))
        if rng.random() < 0.25:  # one order in four is closed 2 to 20 days later
            step = OrderStep(
                OrderStage.CLOSED, at + timedelta(days=rng.randint(2, 20)), manager, "close"
            )
            order = attrs.evolve(
                order, price=price, history=(*order.history, step), stage=OrderStage.CLOSED
            )
        else:
            order = attrs.evolve(order, price=price)
        orders.append(order)
    if rng.random() >= 0.5:
        return orders, [], [], []
    amount = Money(Decimal(rng.randint(1_000, 50_000)))
    paid = date(2026, 3, rng.randint(1, 31))
    invoice = Invoice(
        InvoiceId(f"{card.id}-i"),
        f"{card.id}-I",
        card.id,
        MARCH,
        date(2026, 3, 1),
        date(2026, 3, 10),
        (InvoiceLine("Заказ", "шт.", 1, amount),),
        None,
    )
    payment = Payment(PaymentId(f"{card.id}-p"), paid, amount, client_id=card.id)
    allocation = Allocation(payment.id, invoice.id, invoice.number, card.id, amount, paid)
    return orders, [invoice], [payment], [allocation]


Figures = dict[str, dict[str, Decimal]]


def clientops_case(ops: ClientOps, args: argparse.Namespace) -> Callable[[], Figures]:
    planning = Planning(ops)

    def run() -> Figures:
        found: Figures = {}
        for report in planning.reports(MARCH, department=DepartmentId("client")):
            assert report.manager_id is not None
            found[report.manager_id] = {line.value: report.fact(line) for line in LINES}
            rest = [line for line in PlanLine if line not in LINES and report.fact(line)]
            assert not rest, f"the workload has no data for {rest}"
        return found

    return run


def raw_case(
    execute: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]],
    postgres: bool,
    args: argparse.Namespace,
) -> Callable[[], Figures]:
    who = managers(args.managers)
    if postgres:
        mark, day = "%s", "DATE '{}'"
        sqls = ORDERS_POSTGRES, CASH_POSTGRES, BASE_POSTGRES
    else:
        mark, day = "?", "'{}'"
        sqls = ORDERS_SQLITE, CASH_SQLITE, BASE_SQLITE
    bounds = {
        ":since": day.format("2025-09-01"),
        ":start": day.format(MARCH.first_day.isoformat()),
        ":end": day.format(MARCH.last_day.isoformat()),
    }

    def ready(sql: str) -> str:
        sql = sql.replace("{marks}", ", ".join([mark] * len(who)))
        for name, value in bounds.items():
            sql = sql.replace(name, value)
        return sql

    orders_sql, cash_sql, base_sql = (ready(sql) for sql in sqls)
    cents = (lambda v: Decimal(v or 0)) if postgres else (lambda v: Decimal(v or 0) / 100)

    def run() -> Figures:
        found: Figures = {m: {line.value: Decimal(0) for line in LINES} for m in who}
        for mid, *v in execute(orders_sql, tuple(who)):
            figures = found[mid]
            for line, value, money in zip(
                (*LINES[:6], PlanLine.PROFIT, PlanLine.LOST_REGULAR, PlanLine.LOST_REPEAT),
                v,
                (False, True, False, True, False, True, True, False, False),
                strict=True,
            ):
                figures[line.value] = cents(value) if money else Decimal(value or 0)
        for mid, cash in execute(cash_sql, tuple(who)):
            found[mid][PlanLine.CASH_INFLOW.value] = cents(cash)
        for mid, count in execute(base_sql, tuple(who)):
            found[mid][PlanLine.NEW_IN_BASE.value] = Decimal(count)
        return found

    return run


def own_ports() -> list[int]:
    """The local TCP ports of this process's sockets (its connections to PostgreSQL)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def postgres_cpu(execute: Callable[..., Any]) -> Callable[[], dict[int, float]]:
    """The CPU seconds (user + system) of each server process serving this process, read
    from /proc (the server runs on this machine)."""

    def snapshot() -> dict[int, float]:
        rows = execute(
            "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", (own_ports(),)
        )
        found = {}
        for (pid,) in rows:
            cpu = proc_cpu(pid)
            if cpu is not None:
                found[pid] = cpu
        return found

    return snapshot


def proc_cpu(pid: int) -> float | None:
    """The CPU seconds (user + system) of a process of this machine, None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Workers(threading.Thread):
    """The CPU time of the parallel workers PostgreSQL starts for the given backends: short
    lived processes (children of the postmaster named "parallel worker for PID n"), read
    every 20 ms while a run lasts; what a worker spends after its last reading is missed
    (at most 20 ms a worker). Its own CPU time is kept to be taken off this process's."""

    def __init__(self, backends: set[int]) -> None:
        super().__init__(daemon=True)
        self._backends = backends
        self._postmaster: int | None = None
        for pid in backends:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self._postmaster = int(stat[1])
            break
        self._seen: dict[int, bool] = {}
        self.cpu: dict[int, float] = {}
        self.own = 0.0
        self._done = threading.Event()

    def poll(self) -> None:
        if self._postmaster is None:
            return
        path = Path(f"/proc/{self._postmaster}/task/{self._postmaster}/children")
        try:
            children = [int(p) for p in path.read_text().split()]
        except OSError:
            return
        for pid in children:
            ours = self._seen.get(pid)
            if ours is None:
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                leader = title.rpartition("parallel worker for PID ")[2].split()
                ours = self._seen[pid] = (
                    bool(leader) and leader[0].isdigit() and (int(leader[0]) in self._backends)
                )
            if ours:
                cpu = proc_cpu(pid)
                if cpu is not None:
                    self.cpu[pid] = cpu

    def run(self) -> None:
        begun = time.thread_time()
        while not self._done.wait(0.02):
            self.poll()
        self.poll()
        self.own = time.thread_time() - begun

    def stop(self) -> float:
        """The workers' CPU seconds."""
        self._done.set()
        self.join()
        return sum(self.cpu.values())


class Meter:
    """The wall time and the CPU time of a run: this process's, plus (PostgreSQL) the
    server processes serving it and their parallel workers: the machine is shared, and the
    CPU time a run takes does not grow with the other jobs' load the way its wall time does."""

    def __init__(self, server: Callable[[], dict[int, float]] | None) -> None:
        self._server = server
        self._workers: Workers | None = None

    def start(self) -> tuple[float, float, dict[int, float]]:
        server = self._server() if self._server else {}
        if self._server:
            self._workers = Workers(set(server))
            self._workers.start()
        return time.perf_counter(), time.process_time(), server

    def stop(self, begun: tuple[float, float, dict[int, float]]) -> tuple[float, float]:
        wall, cpu = time.perf_counter() - begun[0], time.process_time() - begun[1]
        if self._server:
            assert self._workers is not None
            cpu += self._workers.stop() - self._workers.own
            before = begun[2]
            after = self._server()
            cpu += sum(t - before.get(pid, 0.0) for pid, t in after.items())
        return wall, cpu


def measure(
    cases: list[tuple[str, Callable[[], Figures]]], repeat: int, meter: Meter
) -> tuple[dict[str, tuple[float, float, Figures, int]], float, float]:
    """Each case ``repeat`` times, the cases taking turns (the machine's load, which other
    work changes, weighs on both alike); each case's median wall and CPU time, last figures
    and traced peak, and the medians of the ratios of the pairs (second case over first), of
    wall and of CPU time."""
    walls: dict[str, list[float]] = {name: [] for name, _ in cases}
    cpus: dict[str, list[float]] = {name: [] for name, _ in cases}
    result: dict[str, Figures] = {}
    for _ in range(repeat):
        for name, case in cases:
            begun = meter.start()
            result[name] = case()
            wall, cpu = meter.stop(begun)
            walls[name].append(wall)
            cpus[name].append(cpu)
    found = {}
    for name, case in cases:
        # the peak of one more run, traced (tracing slows a run down: it is not timed)
        tracemalloc.start()
        case()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        log(
            f"  {name}: median {statistics.median(walls[name]):.3f} s over {repeat} "
            f"(all {', '.join(f'{t:.2f}' for t in walls[name])}), CPU median "
            f"{statistics.median(cpus[name]):.3f} s "
            f"(all {', '.join(f'{t:.2f}' for t in cpus[name])}); peak {peak / 1e6:.1f} MB"
        )
        found[name] = (
            statistics.median(walls[name]),
            statistics.median(cpus[name]),
            result[name],
            peak,
        )
    (first, _), (second, _) = cases

    def paired(runs: dict[str, list[float]]) -> float:
        pairs = [b / a for a, b in zip(runs[first], runs[second], strict=True) if a]
        return statistics.median(pairs) if pairs else float("inf")

    return found, paired(walls), paired(cpus)


def same(a: Figures, b: Figures) -> bool:
    def norm(x: Figures) -> Figures:
        return {m: {k: Decimal(v).normalize() for k, v in f.items()} for m, f in x.items()}

    return norm(a) == norm(b)


def one_store(
    url: str,
    label: str,
    raw: str,
    execute_factory: Callable[[], tuple[Callable[..., Any], Callable[[], None]]],
    postgres: bool,
    args: argparse.Namespace,
    built: bool,
) -> dict[str, Any]:
    ops = clientops.connect(url, clock=lambda: datetime(2026, 4, 10, 10, tzinfo=MSK))
    try:
        if built:
            log(f"{label}: the workload is cached")
        else:
            log(f"{label}: writing the workload")
            start = time.perf_counter()
            made = fill(ops, args)
            log(f"  {made:,} records in {time.perf_counter() - start:.1f} s")
        execute, close = execute_factory()
        try:
            if postgres and not built:
                # the planner's statistics of the new tables (of this schema only: a bare
                # ANALYZE reads every table of the database)
                tables = execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", ()
                )
                execute("ANALYZE " + ", ".join(f'"{t}"' for (t,) in tables), ())
            (orders,) = execute("SELECT count(*) FROM orders", ())[0]
            (invoices,) = execute("SELECT count(*) FROM invoices", ())[0]
            if args.build_only:
                log(f"  built: {orders:,} orders, {invoices:,} invoices")
                return {"orders": orders, "invoices": invoices}
            cases = [
                (raw, raw_case(execute, postgres, args)),
                ("clientops", clientops_case(ops, args)),
            ]
            meter = Meter(postgres_cpu(execute) if postgres else None)
            measured, pair_ratio, cpu_pair_ratio = measure(cases, args.repeat, meter)
        finally:
            close()
    finally:
        ops.close()
    base_time, base_cpu, base, base_peak = measured[raw]
    ours_time, ours_cpu, ours, ours_peak = measured["clientops"]
    if not same(ours, base):
        raise SystemExit(f"{label}: the figures differ: clientops {ours} vs {raw} {base}")
    ratio = ours_time / base_time if base_time else float("inf")
    cpu_ratio = ours_cpu / base_cpu if base_cpu else float("inf")
    log(
        f"  the figures agree; ratio clientops / {raw}: wall {ratio:.2f}x of the medians, "
        f"{pair_ratio:.2f}x the median of the runs paired; CPU {cpu_ratio:.2f}x of the "
        f"medians, {cpu_pair_ratio:.2f}x paired (target 1.2x)"
    )
    return {
        "managers": args.managers,
        "clients": args.managers * args.clients,
        "orders": orders,
        "invoices": invoices,
        "lines": [line.value for line in LINES],
        "seconds": {raw: base_time, "clientops": ours_time},
        "cpu_seconds": {raw: base_cpu, "clientops": ours_cpu},
        "peak_bytes": {raw: base_peak, "clientops": ours_peak},
        "ratio_time_clientops_over_raw": ratio,
        "ratio_paired_median": pair_ratio,
        "ratio_cpu_clientops_over_raw": cpu_ratio,
        "ratio_cpu_paired_median": cpu_pair_ratio,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=250)
    parser.add_argument("--orders", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--schema", default=None)
    parser.add_argument("--load", choices=("bulk", "repositories"), default="bulk")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    size = f"m{args.managers}-c{args.clients}-o{args.orders}-s{SEED}-w{WORKLOAD}"
    work = Path(tempfile.mkdtemp(prefix="bench-planning-", dir=args.dir))
    result: dict[str, Any] = {"bench": "planning", "target_ratio": 1.2, "size": size}
    try:
        if not args.skip_sqlite:
            if args.cache is not None:
                args.cache.mkdir(parents=True, exist_ok=True)
                path = args.cache / f"planning-{size}.db"
            else:
                path = work / "bench.db"
            built = path.exists()
            if not built:
                path.unlink(missing_ok=True)

            def sqlite_factory() -> tuple[Callable[..., Any], Callable[[], None]]:
                conn = sqlite3.connect(path)
                return (lambda sql, params: conn.execute(sql, params).fetchall()), conn.close

            if not built and args.cache is not None:
                # built under another name first: an interrupted build is not a cache
                partial = path.with_suffix(".partial")
                partial.unlink(missing_ok=True)
                ops = clientops.connect(
                    f"sqlite:///{partial}", clock=lambda: datetime(2026, 4, 10, 10, tzinfo=MSK)
                )
                try:
                    log("SQLite: writing the workload into the cache")
                    start = time.perf_counter()
                    made = fill(ops, args)
                    log(f"  {made:,} records in {time.perf_counter() - start:.1f} s")
                finally:
                    ops.close()
                partial.rename(path)
                built = True
            result["sqlite"] = one_store(
                f"sqlite:///{path}", "SQLite", "raw_sqlite3", sqlite_factory, False, args, built
            )
        if not args.skip_postgres:
            import psycopg

            keep = args.cache is not None or args.schema is not None
            schema = args.schema or (
                f"bench_planning_{size}".replace("-", "_")
                if keep
                else f"clientops_bench_planning_{os.getpid()}"
            )
            url = f"{args.url}?schema={schema}"

            def postgres_factory() -> tuple[Callable[..., Any], Callable[[], None]]:
                conn = psycopg.connect(args.url, autocommit=True)
                conn.execute(f'SET search_path TO "{schema}"')
                # the settings the read model runs its statement under (for its transaction:
                # clientops.adapters._sql_planning): both cases alike
                conn.execute("SET jit = off")

                def execute(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
                    cur = conn.execute(sql, params)
                    return cur.fetchall() if cur.description else []

                return execute, conn.close

            with psycopg.connect(args.url, autocommit=True) as conn:
                built = keep and bool(
                    conn.execute(
                        "SELECT 1 FROM information_schema.tables "
                        "WHERE table_schema = %s AND table_name = 'bench_built'",
                        (schema,),
                    ).fetchall()
                )
                if keep and not built:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            try:
                result["postgresql"] = one_store(
                    url, "PostgreSQL", "raw_psycopg", postgres_factory, True, args, built
                )
                if keep and not built:
                    with psycopg.connect(args.url, autocommit=True) as conn:
                        conn.execute(f'CREATE TABLE "{schema}".bench_built (at timestamptz)')
            finally:
                if not keep:
                    with psycopg.connect(args.url, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, default=str, separators=(",", ":")))


if __name__ == "__main__":
    main()
