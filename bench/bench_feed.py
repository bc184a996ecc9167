"""Reading the change feed from SQLite and PostgreSQL: events per second through
``Feed(ops).read(after=…, limit=…)`` against a raw SELECT of the same rows, page by page, on a
kept-open connection, in the same run.

Issue 18: at least 50,000 events/s from both stores.

Workload (deterministic, the fixed-seed ``_workloads``): the events of ``gen_clients`` and
``gen_reactions`` in order, a ``ClientCreated`` per client followed by a ``ReactionScheduled``
per reaction of it (employee ``m<manager>``, due at the workload's due time, Europe/Moscow),
until there are ``--n`` of them. They are appended to the feed of a fresh store once (setup,
not timed), in units of work of 10,000, through ``uow.feed.append`` with the records
``FeedRecord.of(event)`` makes, which is what a service's unit of work appends.

The cases, each reading the whole feed from position 0 in pages of ``--page``:

* ``clientops``: ``Feed(ops).read(after=position, limit=page)``: one read-only unit of work
  per page (the head is checked, then the page read), ``FeedEntry`` values with their
  instants parsed;
* ``raw_sqlite3`` / ``raw_psycopg`` (baseline): ``SELECT seq, kind, schema_version, at,
  doc FROM feed WHERE seq>? ORDER BY seq LIMIT ?`` with ``fetchall()`` per page on a
  connection kept open, no transaction of its own (tuples; SQLite's instants stay text).

Run:  python bench/bench_feed.py [--n 100000] [--page 1000] [--repeat 5]
                                 [--url postgresql://postgres@127.0.0.1:5432/test]
                                 [--dir DIR] [--skip-sqlite] [--skip-postgres]

Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
The PostgreSQL schema is named ``clientops_bench_feed_<pid>`` and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import _harness as harness
import _workloads as workloads
import psycopg

from clientops import ClientOps, PluginHost
from clientops.events import ClientCreated, Event, ReactionScheduled
from clientops.feed import Feed, FeedRecord
from clientops.model import ClientId, EmployeeId, ReactionId
from clientops.ports import Storage

TARGET = 50_000  # events per second, from each store
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
RAW = "SELECT seq, kind, schema_version, at, doc FROM feed WHERE seq>? ORDER BY seq LIMIT ?"

MSK = workloads.MSK
NOW: datetime = workloads.NOW.replace(tzinfo=MSK)


def events(n: int) -> Iterator[Event]:
    """The workload's first ``n`` events: a card, then its reactions, card after card."""
    clients = workloads.gen_clients(max(n // 3, 1))
    reactions: dict[int, list[tuple[Any, ...]]] = {}
    for row in workloads.gen_reactions(clients):
        reactions.setdefault(row[1], []).append(row)
    made = 0
    while True:
        for client in clients:
            cid = ClientId(f"c{client[0]}-{made}")
            yield ClientCreated(cid, NOW)
            made += 1
            for rid, _, _, _, manager, due, _ in reactions.get(client[0], ()):
                if made >= n:
                    return
                yield ReactionScheduled(
                    ReactionId(f"r{rid}-{made}"),
                    cid,
                    None,
                    EmployeeId(f"m{manager}"),
                    datetime.fromisoformat(due).replace(tzinfo=MSK),
                    NOW,
                )
                made += 1
            if made >= n:
                return


def fill(storage: Storage, n: int) -> int:
    batch: list[FeedRecord] = []
    head = 0
    for event in events(n):
        batch.append(FeedRecord.of(event))
        if len(batch) == 10_000:
            with storage.unit_of_work() as uow:
                head = uow.feed.append(batch)
            batch = []
    if batch:
        with storage.unit_of_work() as uow:
            head = uow.feed.append(batch)
    return head


def read_clientops(ops: ClientOps, page: int) -> Callable[[], int]:
    feed = Feed(ops)

    def run() -> int:
        position, count = 0, 0
        while entries := feed.read(after=position, limit=page):
            count += len(entries)
            position = entries[-1].position
        return count

    return run


def read_raw(execute: Callable[[str, tuple[int, int]], Any], page: int) -> Callable[[], int]:
    def run() -> int:
        position, count = 0, 0
        while rows := execute(RAW, (position, page)).fetchall():
            count += len(rows)
            position = rows[-1][0]
        return count

    return run


def measure(name: str, cases: dict[str, Callable[[], int]], n: int, repeat: int) -> dict[str, Any]:
    counts = {case: fn() for case, fn in cases.items()}
    if len(set(counts.values())) != 1 or n not in counts.values():
        raise SystemExit(f"bench_feed: {name}: the cases read {counts}, not {n} each")
    baseline = next(c for c in cases if c.startswith("raw"))
    result = harness.compare(cases, repeat=repeat, min_time=0, warmup=False, baseline=baseline)
    per_s = {case: round(n / result[case]["median"]) for case in cases}
    ratio = result["ratios"]["clientops"]
    harness.log(
        f"{name}: clientops {per_s['clientops']:,} events/s, {baseline} "
        f"{per_s[baseline]:,} events/s; time ratio clientops/{baseline} {ratio:.2f}; "
        f"target {TARGET:,} events/s: {'met' if per_s['clientops'] >= TARGET else 'MISSED'}"
    )
    return {
        "events": n,
        "events_per_s": per_s,
        "ratio_time_clientops_over_raw": round(ratio, 3),
        "target_met": per_s["clientops"] >= TARGET,
    }


def bench_sqlite(n: int, page: int, repeat: int, folder: Path) -> dict[str, Any]:
    path = folder / f"feed-{n}.db"
    host = PluginHost(entry_points=False).load()
    ops = ClientOps(host.open_storage(f"sqlite:///{path}"), host=host)
    try:
        harness.log(f"sqlite: {fill(ops.storage, n):,} events appended to {path}")
        raw = sqlite3.connect(path)
        try:
            cases = {
                "raw_sqlite3": read_raw(raw.execute, page),
                "clientops": read_clientops(ops, page),
            }
            return measure("sqlite", cases, n, repeat)
        finally:
            raw.close()
    finally:
        ops.close()


def bench_postgres(n: int, page: int, repeat: int, url: str) -> dict[str, Any]:
    schema = f"clientops_bench_feed_{os.getpid()}"
    sep = "&" if "?" in url else "?"
    host = PluginHost(entry_points=False).load()
    ops = ClientOps(host.open_storage(f"{url}{sep}schema={schema}"), host=host)
    try:
        harness.log(f"postgresql: {fill(ops.storage, n):,} events appended to schema {schema}")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"ANALYZE {schema}.feed")
        with psycopg.connect(url, options=f"-c search_path={schema}", autocommit=True) as raw:

            def execute(statement: str, params: tuple[int, int]) -> Any:
                return raw.execute(statement.replace("?", "%s"), params)

            cases = {
                "raw_psycopg": read_raw(execute, page),
                "clientops": read_clientops(ops, page),
            }
            return measure("postgresql", cases, n, repeat)
    finally:
        ops.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"n": args.n, "page": args.page, "target_events_per_s": TARGET}
    if not args.skip_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="bench-feed-", dir=args.dir))
        try:
            result["sqlite"] = bench_sqlite(args.n, args.page, args.repeat, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if not args.skip_postgres:
        result["postgresql"] = bench_postgres(args.n, args.page, args.repeat, args.url)
    harness.emit(result)


if __name__ == "__main__":
    main()
