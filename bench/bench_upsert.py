"""Bulk upsert of a host CRM's cards: ``ops.clients.upsert_many`` against a hand-written
``executemany`` (SQLite) or ``COPY`` (PostgreSQL) of the same rows into the same schema, in
one run.

Issue 18: 100,000 cards into SQLite and into PostgreSQL at no less than half the speed of the
hand-written load (clientops rows/s / hand rows/s >= 0.5).

Workload (deterministic, ``_workloads.gen_clients(n)``): each client is an
``ExternalCard`` of the source ``crm`` with its external id (the workload's number), its name,
a city (one of eight), its phone (E.164, ``workloads.card_phone``) and its manager ``m1``..``m50``.
The cards are built once, before timing; both cases get the same list.

Cases, each timed run into a FRESH store (creating it, the schema and opening the connection
are setup, not timed); the order of the cases alternates from one repeat to the next:

* ``clientops``: ``ops.clients.upsert_many(cards)``: each card checked (source declared, no
  external id twice), looked up by its external id (none is stored yet: every card is
  created), the card built and validated, stored with its lookup rows in ONE unit of work
  (SQLite ``executemany``, PostgreSQL ``COPY``), a ClientCreated event published for each;
* ``hand`` (baseline): for each card, a new id, the lookup keys clientops stores
  (``organisation_key``, ``city_key``), the card's JSON (``json.dumps`` of a plain dict of the
  same shape) and the rows of ``clients``, ``client_phones``, ``external_ids`` and the change
  feed (one ClientCreated entry per card, as clientops writes), written with ``executemany`` /
  ``COPY`` in one transaction.

After the timed runs, the last store of each case is checked to hold n cards, n phones, n
external ids and n feed entries; a second ``upsert_many`` of the same cards (every card
unchanged) is timed once per store (``unchanged_rows_per_s``).

The figure to read is ``ratio_speed_clientops_over_hand``: the median over the repeats of
(hand's time / clientops's time) of the two runs of one repeat, which ran back to back.

Run:  python bench/bench_upsert.py [--n 100000] [--repeat 3] [--dir /tmp]
                                   [--url postgresql://postgres@127.0.0.1:5432/test] [--no-postgres]

Every PostgreSQL schema is named ``clientops_upsert_<pid>_<case>_<i>`` and dropped at the end
(also on an error). Progress and figures go to stderr; the last stdout line is one JSON object
(``harness.emit``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import _harness as harness
import _workloads as workloads

from clientops import ClientOps, PluginHost, Policy
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import ExternalCard, ExternalId
from clientops.model import EmployeeId, Phone, city_key, new_id, organisation_key

CITIES = ("Омск", "Новосибирск", "Тюмень", "Томск", "Москва", "Тверь", "Казань", "Пермь")
POLICY = Policy(external_sources=("crm",))


def make_cards(n: int) -> list[ExternalCard]:
    return [
        ExternalCard(
            ExternalId("crm", str(row[0])),
            row[1],
            CITIES[row[0] % len(CITIES)],
            phones=(Phone(workloads.card_phone(row[2])),),
            manager_id=EmployeeId(f"m{row[3]}"),
        )
        for row in workloads.gen_clients(n)
    ]


def card_doc(card: ExternalCard, client_id: str, created_at: str) -> str:
    """The card's JSON as clientops stores it, built by hand from a plain dict."""
    return json.dumps(
        {
            "id": client_id,
            "name": card.name,
            "city": card.city,
            "phones": [p.e164 for p in card.phones],
            "kind": card.kind.value,
            "category": "client",
            "contacts": [],
            "emails": [],
            "manager_id": card.manager_id,
            "contract_numbers": [],
            "inn": None,
            "birthday": None,
            "company_day": None,
            "created_at": created_at,
            "version": 0,
            "external_id": {"source": card.external_id.source, "id": card.external_id.id},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def hand_rows(
    cards: list[ExternalCard], stamp: Any
) -> tuple[
    list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]
]:
    """The rows of ``clients``, ``client_phones``, ``external_ids`` and ``feed`` (one
    ClientCreated per card, at positions 1, 2, … of an empty feed) for the cards."""
    clients, phones, externals, feed = [], [], [], []
    created = workloads.NOW.isoformat()
    at = workloads.NOW
    for card in cards:
        client_id = new_id()
        clients.append(
            (
                client_id,
                0,
                organisation_key(card.name),
                city_key(card.city),
                card.manager_id,
                card_doc(card, client_id, created),
                card.name,
                None,
                None,
                "client",
                stamp,
            )
        )
        phones.extend((p.e164, client_id) for p in card.phones)
        externals.append(("client", card.external_id.source, card.external_id.id, client_id))
        event = json.dumps({"client_id": client_id, "at": created}, separators=(",", ":"))
        feed.append((len(feed) + 1, "ClientCreated", 1, at, event))
    return clients, phones, externals, feed


_CLIENT_COLUMNS = (
    "id, version, name_key, city_key, manager_id, doc, name, birthday_md, company_day_md, "
    "category, changed_at"
)


# --------------------------------------------------------------------------- SQLite


def _utc_text(moment: Any) -> str:
    """A moment as SQLiteStorage stores it: UTC, no offset, microseconds."""
    return str(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"))


def sqlite_hand(path: Path, cards: list[ExternalCard]) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000", time.gmtime())
    db.execute("BEGIN IMMEDIATE")
    clients, phones, externals, feed = hand_rows(cards, stamp)
    db.executemany(
        f"INSERT INTO clients({_CLIENT_COLUMNS}) VALUES ({', '.join('?' * 11)})", clients
    )
    db.executemany("INSERT INTO client_phones(e164, client_id) VALUES (?, ?)", phones)
    db.executemany(
        "INSERT INTO external_ids(kind, source, external_id, record_id) VALUES (?, ?, ?, ?)",
        externals,
    )
    db.executemany(
        "INSERT INTO feed(seq, kind, schema_version, at, doc) VALUES (?, ?, ?, ?, ?)",
        [(seq, kind, version, _utc_text(at), doc) for seq, kind, version, at, doc in feed],
    )
    db.execute("COMMIT")
    db.close()


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {
            t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("clients", "client_phones", "external_ids", "feed")
        }


def bench_sqlite(cards: list[ExternalCard], repeat: int, where: Path) -> dict[str, Any]:
    host = PluginHost(entry_points=False).load()
    runs: dict[str, list[float]] = {"clientops": [], "hand": []}
    last: dict[str, Path] = {}
    for i in range(repeat):
        order = ("clientops", "hand") if i % 2 == 0 else ("hand", "clientops")
        for case in order:
            path = where / f"upsert_{case}_{i}.db"
            SQLiteStorage(path).close()  # the schema: setup
            gc.collect()
            if case == "clientops":
                ops = ClientOps(SQLiteStorage(path), host=host, policy=POLICY)
                t0 = time.perf_counter()
                ops.clients.upsert_many(cards)
                runs[case].append(time.perf_counter() - t0)
                ops.close()
            else:
                t0 = time.perf_counter()
                sqlite_hand(path, cards)
                runs[case].append(time.perf_counter() - t0)
            harness.log(f"sqlite {case} run {i}: {len(cards) / runs[case][-1]:,.0f} rows/s")
            last[case] = path
    ops = ClientOps(SQLiteStorage(last["clientops"]), host=host, policy=POLICY)
    t0 = time.perf_counter()
    again = ops.clients.upsert_many(cards)
    unchanged = time.perf_counter() - t0
    ops.close()
    assert len(again.unchanged) == len(cards)
    return _result(cards, runs, unchanged, {c: sqlite_counts(p) for c, p in last.items()})


# --------------------------------------------------------------------------- PostgreSQL


class Server:
    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.admin = psycopg.connect(url, autocommit=True)
        self.prefix = f"clientops_upsert_{os.getpid()}_"
        self.schemas: list[str] = []

    def fresh(self, name: str) -> str:
        from clientops.adapters.postgres import PostgresStorage

        schema = f"{self.prefix}{name}"
        self.schemas.append(schema)
        PostgresStorage(self.url, schema=schema, min_size=0, max_size=1).close()
        return schema

    def counts(self, schema: str) -> dict[str, int]:
        out = {}
        for table in ("clients", "client_phones", "external_ids", "feed"):
            row = self.admin.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()
            out[table] = int(row[0]) if row else 0
        return out

    def close(self) -> None:
        for schema in self.schemas:
            self.admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.admin.close()


def postgres_hand(url: str, schema: str, cards: list[ExternalCard]) -> Callable[[], None]:
    import psycopg

    conn = psycopg.connect(url, options=f"-c search_path={schema}")

    def load() -> None:
        with conn.transaction(), conn.cursor() as cur:
            stamp = workloads.NOW
            clients, phones, externals, feed = hand_rows(cards, stamp)
            with cur.copy(f"COPY clients({_CLIENT_COLUMNS}) FROM STDIN") as copy:
                for row in clients:
                    copy.write_row(row)
            with cur.copy("COPY client_phones(e164, client_id) FROM STDIN") as copy:
                for row in phones:
                    copy.write_row(row)
            with cur.copy(
                "COPY external_ids(kind, source, external_id, record_id) FROM STDIN"
            ) as copy:
                for row in externals:
                    copy.write_row(row)
            # the feed's positions, taken from the feed_head counter as clientops takes them
            cur.execute(
                "INSERT INTO meta(key, value) VALUES ('feed_head', %s) ON CONFLICT (key) "
                "DO UPDATE SET value=meta.value+excluded.value",
                (len(feed),),
            )
            with cur.copy("COPY feed(seq, kind, schema_version, at, doc) FROM STDIN") as copy:
                for row in feed:
                    copy.write_row(row)
        conn.close()

    return load


def bench_postgres(cards: list[ExternalCard], repeat: int, url: str) -> dict[str, Any]:
    from clientops.adapters.postgres import PostgresStorage

    host = PluginHost(entry_points=False).load()
    server = Server(url)
    try:
        runs: dict[str, list[float]] = {"clientops": [], "hand": []}
        last: dict[str, str] = {}
        for i in range(repeat):
            order = ("clientops", "hand") if i % 2 == 0 else ("hand", "clientops")
            for case in order:
                schema = server.fresh(f"{case}_{i}")
                if case == "clientops":
                    store = PostgresStorage(url, schema=schema, min_size=1, max_size=1)
                    ops = ClientOps(store, host=host, policy=POLICY)
                    gc.collect()
                    t0 = time.perf_counter()
                    ops.clients.upsert_many(cards)
                    runs[case].append(time.perf_counter() - t0)
                    ops.close()
                else:
                    load = postgres_hand(url, schema, cards)
                    gc.collect()
                    t0 = time.perf_counter()
                    load()
                    runs[case].append(time.perf_counter() - t0)
                harness.log(f"postgresql {case} run {i}: {len(cards) / runs[case][-1]:,.0f} rows/s")
                last[case] = schema
        store = PostgresStorage(url, schema=last["clientops"], min_size=1, max_size=1)
        ops = ClientOps(store, host=host, policy=POLICY)
        t0 = time.perf_counter()
        again = ops.clients.upsert_many(cards)
        unchanged = time.perf_counter() - t0
        ops.close()
        assert len(again.unchanged) == len(cards)
        result = _result(cards, runs, unchanged, {c: server.counts(s) for c, s in last.items()})
        result["schema_prefix"] = server.prefix
        return result
    finally:
        server.close()


# --------------------------------------------------------------------------- report


def _result(
    cards: list[ExternalCard],
    runs: dict[str, list[float]],
    unchanged: float,
    counts: dict[str, dict[str, int]],
) -> dict[str, Any]:
    n = len(cards)
    for case, found in counts.items():
        assert found == {"clients": n, "client_phones": n, "external_ids": n, "feed": n}, (
            case,
            found,
        )
    rates = {case: round(n / statistics.median(times)) for case, times in runs.items()}
    # paired, as harness.compare pairs them: each repeat's two runs ran back to back
    paired = [h / c for c, h in zip(runs["clientops"], runs["hand"], strict=True)]
    return {
        "n": n,
        "rows_per_s": rates,
        "ratio_speed_clientops_over_hand": round(statistics.median(paired), 3),
        "ratio_of_median_speeds": round(rates["clientops"] / rates["hand"], 3),
        "unchanged_rows_per_s": round(n / unchanged),
        "seconds": {case: [round(t, 3) for t in times] for case, times in runs.items()},
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where the SQLite files go (a temp dir)")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    harness.log(f"bench_upsert: {args.n:,} cards, {args.repeat} repeats")
    cards = make_cards(args.n)
    result: dict[str, Any] = {"machine": harness.machine()}
    with tempfile.TemporaryDirectory(dir=args.dir) as where:
        result["sqlite"] = bench_sqlite(cards, args.repeat, Path(where))
    harness.log(
        f"sqlite: {json.dumps(result['sqlite']['rows_per_s'])}, ratio "
        f"{result['sqlite']['ratio_speed_clientops_over_hand']}"
    )
    if not args.no_postgres:
        result["postgresql"] = bench_postgres(cards, args.repeat, args.url)
        harness.log(
            f"postgresql: {json.dumps(result['postgresql']['rows_per_s'])}, ratio "
            f"{result['postgresql']['ratio_speed_clientops_over_hand']}"
        )
    harness.emit(result)


if __name__ == "__main__":
    main()
