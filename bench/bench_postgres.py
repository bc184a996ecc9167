"""Clients imported per second and one manager's agenda on PostgreSQL: clientops against the
same work written by hand with psycopg 3, in one run.

Issue 6: at 1,000,000 clients, clientops within 1.5x of hand-written (time ratio < 1.5).

Workload (deterministic, the fixed-seed ``_workloads``): ``gen_clients(n)`` (names, phones,
managers 1..50) and ``gen_reactions`` (1-5 reactions per client, due within +-30 days of
``workloads.NOW``, Europe/Moscow). The staff is one department with 50 managers ``m1``..``m50``.

1. Import. ONE UTF-8 CSV (``;``, columns Наименование;Город;Телефон;Менеджер) of the n clients.
   Each timed run imports it into a FRESH schema (schema, migration, staff, autovacuum off
   for the two tables, a CHECKPOINT and opening the connection are setup, not timed); the
   order of the cases alternates from one repeat to the next:

   * ``clientops``: ``ops.clients.import_csv(csv_bytes)`` (detection, every row checked, phones
     parsed, cards built, one unit of work with COPY);
   * ``hand_psycopg`` (baseline): decode, ``csv.reader``, each phone parsed, validated and
     formatted E.164 with ``phonenumbers``, the same columns and JSON doc (``json.dumps`` of a
     plain dict), COPY into clients and client_phones in one transaction.

2. Agenda. ONE schema with n clients (``uow.clients.add_many``), one appeal per client and the
   workload's reactions (``uow.appeals.add``, ``uow.appeals.add_reaction``), then ANALYZE; the
   stored row counts are checked against the workload. One ``harness.compare`` times
   ``ops.clients.due_reactions(EmployeeId("m7"), until=NOW)`` against **the very statement
   clientops sends** (caught at psycopg's ``Connection.execute``, with its parameters) run by
   hand on a kept-open psycopg connection with ``fetchall()``. Both must return the workload's
   rows, in the same order, with the clients' names.

Run:  python bench/bench_postgres.py [--n 100000] [--repeat 5] [--import-repeat 3]
                                     [--url postgresql://postgres@127.0.0.1:5432/test]
                                     [--skip-import] [--skip-agenda] [--profile]

Every schema is named ``clientops_bench_<pid>_<case>_<i>`` and dropped at the end (also on
an error or SIGTERM). Progress and figures go to stderr; the last stdout line is one JSON
object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import io
import json
import os
import pstats
import signal
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import _harness as harness
import _workloads as workloads
import phonenumbers
import psycopg
from psycopg import sql

from clientops import ClientOps, EmployeeId, PluginHost, ReactionKind
from clientops.adapters.postgres import PostgresStorage
from clientops.model import (
    Appeal,
    AppealId,
    Client,
    ClientId,
    Department,
    DepartmentId,
    Employee,
    Phone,
    Reaction,
    ReactionId,
    Role,
    StaffDirectory,
    city_key,
    new_id,
    organisation_key,
)

TARGET = 1.5  # clientops time / hand-written time must stay below this
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEPARTMENT = DepartmentId("client")

#: What the import baseline does not do, that clientops does for every file or row.
IMPORT_BASELINE_SKIPS = (
    "encoding and delimiter detection (it decodes UTF-8 and splits on ';')",
    "header mapping by name (it knows the four columns), checks for missing/unknown columns",
    "binary-file check, SHA-256 digest and the import-once key (batch_keys)",
    "per-row checks for blank required cells, extra cells, in-file duplicates (name + phone)",
    "manager lookup by name (it only checks the id against the stored employee ids)",
    "attrs Client models with validators, cattrs unstructuring (it dumps a plain dict)",
    "ImportedClient/ImportReport objects, ClientCreated events for plugins",
)
#: What the agenda baseline does not do, that clientops does for every call.
AGENDA_BASELINE_SKIPS = (
    "pool checkout and a read-only transaction around the read (BEGIN ISOLATION LEVEL "
    "REPEATABLE READ, READ ONLY and COMMIT: two more round trips)",
    "the staff check that the employee exists (the employee looked up in the cached "
    "directory; meta.staff_rev is read by the statement itself, so the baseline reads it too)",
    "DueReaction objects with ReactionKind enums (it returns psycopg's tuples)",
)


# --------------------------------------------------------------------------- workload


MSK = workloads.MSK
NOW: datetime = workloads.NOW.replace(tzinfo=MSK)  # aware, Europe/Moscow
MANAGER = EmployeeId(f"m{workloads.AGENDA_MANAGER}")


# --------------------------------------------------------------------------- workload

CITIES = ("Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань", "Самара", "Омск")
HEADER = ("Наименование", "Город", "Телефон", "Менеджер")


def a_staff() -> StaffDirectory:
    """The client department with the workload's managers ``m1``..``m50``."""
    return StaffDirectory(
        departments=(Department(DEPARTMENT, "Клиентский отдел"),),
        employees=tuple(
            Employee(
                EmployeeId(f"m{k}"),
                f"Менеджеров Номер{k} Клиентович",
                f"Номер{k}",
                DEPARTMENT,
                (Role.CLIENT_MANAGER,),
            )
            for k in range(1, workloads.MANAGERS + 1)
        ),
    )


def _valid(text: str) -> bool:
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(text, "RU")))


def csv_phone(text: str) -> str:
    """The workload's phone, or (for the ~0.01% in an unallocated 9xx block, which a strict
    policy rejects) the same subscriber digits under operator code 912."""
    if _valid(text):
        return text
    fixed = f"+7 912 {text[-7:]}"
    assert _valid(fixed), fixed
    return fixed


def make_csv(clients: list[tuple[Any, ...]]) -> tuple[bytes, int]:
    """The CSV file's bytes, and how many phones were replaced by valid ones."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    rewritten = 0
    for cid, name, phone, manager, *_ in clients:
        text = csv_phone(phone)
        rewritten += text != phone
        writer.writerow((name, CITIES[cid % len(CITIES)], text, f"m{manager}"))
    return out.getvalue().encode("utf-8"), rewritten


# --------------------------------------------------------------------------- schemas


class Server:
    """Schemas of this run on one server: made by PostgresStorage, dropped at the end."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if "schema=" in parts.query:
            raise SystemExit(
                "bench_postgres: --url must not name a schema (each run makes its own)"
            )
        self.url = url
        self.prefix = f"clientops_bench_{os.getpid()}_"
        self.made: list[str] = []
        self.admin = psycopg.connect(url, autocommit=True)
        self.can_checkpoint = True

    def storage(self, name: str) -> PostgresStorage:
        schema = self.prefix + name
        self.made.append(schema)
        sep = "&" if urlsplit(self.url).query else "?"
        return PostgresStorage.from_url(f"{self.url}{sep}schema={schema}")

    def connect(self, schema: str, **kwargs: Any) -> psycopg.Connection[Any]:
        """A plain psycopg connection on ``schema`` (what the hand-written code uses)."""
        return psycopg.connect(self.url, options=f"-c search_path={schema}", **kwargs)

    def checkpoint(self) -> None:
        """Flush the previous runs' dirty pages, so no checkpoint falls into a timed run."""
        if not self.can_checkpoint:
            return
        try:
            self.admin.execute("CHECKPOINT")
        except psycopg.Error as exc:
            harness.log(f"  (CHECKPOINT refused, runs may overlap checkpoints: {exc})")
            self.can_checkpoint = False

    def no_autovacuum(self, schema: str, tables: tuple[str, ...]) -> None:
        """Keep autovacuum off these tables, so that it never works on one run's rows while
        the next run is timed (the same for both cases; it changes nothing in the import)."""
        for table in tables:
            self.admin.execute(
                sql.SQL("ALTER TABLE {}.{} SET (autovacuum_enabled = off)").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )

    def count(self, schema: str, table: str) -> int:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        row = self.admin.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def drop(self, schema: str) -> None:
        self.admin.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )
        with suppress(ValueError):
            self.made.remove(schema)

    def close(self) -> None:
        for schema in list(self.made):
            try:
                self.drop(schema)
            except psycopg.Error as exc:
                harness.log(f"bench_postgres: could not drop schema {schema}: {exc}")
        self.admin.close()


def _public_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def fresh_ops(server: Server, name: str, host: PluginHost) -> ClientOps:
    """ClientOps on a new schema (created and migrated) holding the staff."""
    ops = ClientOps(server.storage(name), host=host, clock=lambda: NOW)
    ops.clients.add_staff(a_staff())
    return ops


# --------------------------------------------------------------------------- import cases


def run_clientops_import(ops: ClientOps, data: bytes) -> int:
    report = ops.clients.import_csv(data)
    if report.rejected or report.already_imported:
        raise SystemExit(
            f"bench_postgres: clientops rejected rows: {report.parsed.report(limit=5)}"
        )
    return len(report.stored)


def run_hand_import(conn: psycopg.Connection[Any], data: bytes) -> int:
    """What a careful user writes by hand: parse, check each phone and manager, build the
    rows and the JSON doc clientops stores, COPY both tables in one transaction."""
    text = data.decode("utf-8")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next(rows)
    i_name, i_city, i_phone, i_manager = (header.index(h) for h in HEADER)
    managers = {m for (m,) in conn.execute("SELECT id FROM employees")}
    parse, is_valid, fmt = (
        phonenumbers.parse,
        phonenumbers.is_valid_number,
        phonenumbers.format_number,
    )
    e164_format = phonenumbers.PhoneNumberFormat.E164
    dumps = json.dumps
    created = NOW.isoformat()
    # the listing columns (schema 18): the category and the change stamp of each card
    changed = datetime.now(UTC)
    client_rows: list[tuple[Any, ...]] = []
    phone_rows: list[tuple[str, str]] = []
    feed_docs: list[str] = []
    for line, cells in enumerate(rows, start=2):
        if not cells:
            continue
        name = cells[i_name].strip()
        city = cells[i_city].strip()
        manager = cells[i_manager].strip() or None
        number = parse(cells[i_phone], "RU")
        if not name or not city or not is_valid(number) or (manager and manager not in managers):
            raise ValueError(f"line {line}: bad row {cells!r}")
        e164 = fmt(number, e164_format)
        client_id = new_id()
        # the card's document as clientops stores it (schema 27): no field at its default
        doc: dict[str, Any] = {"id": client_id, "name": name, "city": city, "phones": [e164]}
        if manager:
            doc["manager_id"] = manager
        doc["created_at"] = created
        client_rows.append(
            (
                client_id,
                0,
                organisation_key(name),
                city_key(city),
                manager,
                dumps(doc, ensure_ascii=False, separators=(",", ":")),
                name,
                "client",
                changed,
            )
        )
        phone_rows.append((e164, client_id))
        feed_docs.append(dumps({"client_id": client_id, "at": created}, separators=(",", ":")))
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy(
            "COPY clients(id, version, name_key, city_key, manager_id, doc, name, category, "
            "changed_at) FROM STDIN"
        ) as copy:
            for row in client_rows:
                copy.write_row(row)
        with cur.copy("COPY client_phones(e164, client_id) FROM STDIN") as copy:
            for row in phone_rows:
                copy.write_row(row)
        # the change feed (schema 19): one ClientCreated per card, at positions taken from the
        # feed_head counter under its row lock, as clientops takes them
        head = cur.execute(
            "INSERT INTO meta(key, value) VALUES ('feed_head', %s) ON CONFLICT (key) "
            "DO UPDATE SET value=meta.value+excluded.value RETURNING value",
            (len(feed_docs),),
        ).fetchone()
        assert head is not None
        first = int(head[0]) - len(feed_docs) + 1
        with cur.copy("COPY feed(seq, kind, schema_version, at, doc) FROM STDIN") as copy:
            for i, doc in enumerate(feed_docs):
                copy.write_row((first + i, "ClientCreated", 1, NOW, doc))
    return len(client_rows)


def compare_contents(server: Server, a: str, b: str) -> None:
    """Both schemas hold the same cards (ids aside) and phones, compared on the server."""
    queries = {
        "clients": (
            "SELECT version, name_key, city_key, manager_id, name, category, "
            "changed_at IS NOT NULL, doc::jsonb - 'id' FROM {}.clients"
        ),
        "client_phones": (
            "SELECT c.name, p.e164 FROM {}.client_phones p JOIN {}.clients c ON c.id = p.client_id"
        ),
        "feed": (
            "SELECT f.seq, f.kind, f.schema_version, f.at, c.name, f.doc::jsonb - 'client_id' "
            "FROM {}.feed f JOIN {}.clients c ON c.id = (f.doc::jsonb)->>'client_id'"
        ),
    }
    for table, text in queries.items():
        for x, y in ((a, b), (b, a)):
            left = sql.SQL(text).format(*[sql.Identifier(x)] * text.count("{}"))
            right = sql.SQL(text).format(*[sql.Identifier(y)] * text.count("{}"))
            query = sql.SQL("SELECT count(*) FROM ({} EXCEPT ALL {}) d").format(left, right)
            row = server.admin.execute(query).fetchone()
            assert row is not None
            if row[0]:
                raise SystemExit(
                    f"bench_postgres: {row[0]} {table} rows of {x} are not in {y}: the baseline "
                    "must write what clientops writes (update run_hand_import)"
                )


def bench_import(
    server: Server, data: bytes, n: int, repeat: int, host: PluginHost
) -> dict[str, Any]:
    """Interleaved timed imports, each into a fresh schema; setup is not timed."""
    cases = ("hand_psycopg", "clientops")
    runs: dict[str, list[float]] = {case: [] for case in cases}
    setup: list[float] = []

    def prepare(case: str, i: int) -> tuple[Callable[[bytes], int], Callable[[], None], str]:
        t0 = time.perf_counter()
        ops = fresh_ops(server, f"{case}_{i}", host)
        schema = server.made[-1]
        server.no_autovacuum(schema, ("clients", "client_phones"))
        run: Callable[[bytes], int]
        if case == "clientops":
            run = lambda source: run_clientops_import(ops, source)  # noqa: E731
            done = ops.close
        else:
            ops.close()
            conn = server.connect(schema, autocommit=True)
            run = lambda source: run_hand_import(conn, source)  # noqa: E731
            done = conn.close
        server.checkpoint()
        setup.append(time.perf_counter() - t0)
        return run, done, schema

    # warm-up, untimed: import the modules and fill the caches of both paths with a few rows
    head = b"".join(data.splitlines(keepends=True)[: min(n, 200) + 1])
    for case in cases:
        run, done, schema = prepare(case, 0)
        try:
            run(head)
        finally:
            done()
            server.drop(schema)
    setup.clear()

    order: list[str] = []
    for i in range(repeat):
        schemas: dict[str, str] = {}
        for case in cases if i % 2 == 0 else cases[::-1]:
            run, done, schema = prepare(case, i + 1)
            schemas[case] = schema
            gc.collect()
            try:
                t0 = time.perf_counter()
                stored = run(data)
                dt = time.perf_counter() - t0
            finally:
                done()
            runs[case].append(dt)
            order.append(case)
            counts = {t: server.count(schema, t) for t in ("clients", "client_phones")}
            if stored != n or counts != {"clients": n, "client_phones": n}:
                raise SystemExit(f"bench_postgres: {case} stored {stored} rows, {counts}, not {n}")
            harness.log(
                f"  import {i + 1}/{repeat} {case:>12}: {dt:8.2f} s  {n / dt:>10,.0f} rows/s"
            )
            if i > 0:
                server.drop(schema)
        if i == 0:  # the first pair is kept until both ran, to compare what they stored
            compare_contents(server, schemas["clientops"], schemas["hand_psycopg"])
            for schema in schemas.values():
                server.drop(schema)

    res: dict[str, Any] = {case: harness.stats(r) for case, r in runs.items()}
    res["ratios"] = {
        "clientops": round(
            statistics.median(
                a / b for a, b in zip(runs["clientops"], runs["hand_psycopg"], strict=True)
            ),
            3,
        )
    }
    res["ratios_baseline"] = "hand_psycopg"
    return {"results": res, "order": order, "setup_s": harness.stats(setup)}


# --------------------------------------------------------------------------- agenda

CHUNK = 50_000


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_agenda(
    server: Server,
    ops: ClientOps,
    clients: list[tuple[Any, ...]],
    reactions: list[tuple[Any, ...]],
) -> dict[str, Any]:
    """Everything through clientops' storage API, as the SQLite agenda benchmark does: n
    clients by ``uow.clients.add_many``, one appeal per client (``uow.appeals.add``) and each
    of the workload's reactions (``uow.appeals.add_reaction``), in units of work of CHUNK
    clients; then ANALYZE."""
    storage = ops.storage
    assert isinstance(storage, PostgresStorage)
    t0 = time.perf_counter()
    for chunk in _chunks(clients):
        cards = [
            Client(
                id=ClientId(f"c{cid}"),
                name=name,
                city=CITIES[cid % len(CITIES)],
                phones=(Phone(phone.replace(" ", "")),),
                manager_id=EmployeeId(f"m{manager}"),
                created_at=NOW,
            )
            for cid, name, phone, manager, *_ in chunk
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(cards)
    t1 = time.perf_counter()
    opened = NOW - timedelta(days=31)
    kinds = {kind.value: kind for kind in ReactionKind}
    by_client: dict[int, list[tuple[Any, ...]]] = {}
    for row in reactions:
        by_client.setdefault(row[1], []).append(row)
    for chunk in _chunks(clients, CHUNK // 5):
        with storage.unit_of_work() as uow:
            for cid, *_ in chunk:
                appeal = Appeal(
                    id=AppealId(f"a{cid}"),
                    client_id=ClientId(f"c{cid}"),
                    topic="Обслуживание по договору",
                    department_id=DEPARTMENT,
                    created_at=opened,
                )
                uow.appeals.add(appeal)
                for rid, _cid, kind, topic, responsible, due_text, done in by_client.get(cid, ()):
                    due = datetime.fromisoformat(due_text).replace(tzinfo=MSK)
                    uow.appeals.add_reaction(
                        Reaction(
                            id=ReactionId(f"r{rid}"),
                            appeal_id=appeal.id,
                            client_id=appeal.client_id,
                            kind=kinds[kind],
                            topic=topic,
                            due_at=due,
                            created_at=opened,
                            department_id=DEPARTMENT,
                            employee_id=EmployeeId(f"m{responsible}"),
                            done_at=min(due, NOW) if done else None,
                        )
                    )
    t2 = time.perf_counter()
    with server.connect(storage.schema, autocommit=True) as conn:
        for table in ("clients", "client_phones", "appeals", "reactions"):
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    t3 = time.perf_counter()
    return {
        "clients_s": round(t1 - t0, 2),
        "appeals_reactions_s": round(t2 - t1, 2),
        "analyze_s": round(t3 - t2, 2),
        "total_s": round(t3 - t0, 2),
    }


def captured_agenda_sql(ops: ClientOps) -> tuple[str, tuple[Any, ...]]:
    """The statement (and its parameters) clientops sends to PostgreSQL for
    ``due_reactions``, caught at psycopg's ``Connection.execute``: the hand-written case runs
    exactly this, so both sides run the same SQL."""
    seen: list[tuple[str, tuple[Any, ...]]] = []
    original = psycopg.Connection.execute

    def spy(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if isinstance(query, str) and "FROM reactions" in query:
            seen.append((query, tuple(params or ())))
        return original(self, query, params, **kwargs)

    psycopg.Connection.execute = spy  # type: ignore[method-assign]
    try:
        ops.clients.due_reactions(MANAGER, until=NOW)
    finally:
        psycopg.Connection.execute = original  # type: ignore[method-assign]
    if len(seen) != 1:
        raise SystemExit(
            f"bench_postgres: due_reactions sent {len(seen)} statements on reactions, not one: "
            "the hand-written case cannot mirror it"
        )
    return seen[0]


def expected_agenda(reactions: list[tuple[Any, ...]]) -> list[str]:
    """Manager 7's open reactions due by NOW, computed from the workload itself."""
    m = workloads.AGENDA_MANAGER
    limit = workloads.dt_sql(workloads.NOW)
    due = [
        (due_text, rid)
        for rid, _cid, _kind, _topic, responsible, due_text, done in reactions
        if responsible == m and not done and due_text <= limit
    ]
    return [f"r{rid}" for _, rid in sorted(due)]


PLANS_USED = (
    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
    "WHERE strpos(statement, 'FROM reactions') > 0"
)


def _plans_used(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    return {"generic": sum(r[0] for r in rows), "custom": sum(r[1] for r in rows)}


def explain(
    server: Server, schema: str, statement: str, params: tuple[Any, ...]
) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the agenda query, with the plan made for these values
    (custom) and with the plan made for any values (generic, as a prepared statement may use)."""
    out: dict[str, list[str]] = {}
    with server.connect(schema, autocommit=True) as conn:
        explain = "EXPLAIN (ANALYZE, BUFFERS) "
        out["custom"] = [line for (line,) in conn.execute(explain + statement, params)]
        conn.execute("SET plan_cache_mode = force_generic_plan")
        numbered = statement
        for i in range(1, len(params) + 1):
            numbered = numbered.replace("%s", f"${i}", 1)
        conn.execute("PREPARE bench_agenda AS " + numbered)
        marks = ", ".join(["{}"] * len(params))
        out["generic"] = [
            line
            for (line,) in conn.execute(
                sql.SQL(explain + f"EXECUTE bench_agenda({marks})").format(*params)
            )
        ]
    return out


def _peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_agenda(
    server: Server,
    clients: list[tuple[Any, ...]],
    repeat: int,
    min_time: float,
    host: PluginHost,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    reactions = workloads.gen_reactions(clients)
    harness.log(f"  generated {len(reactions):,} reactions in {time.perf_counter() - t0:.1f} s")
    ops = fresh_ops(server, "agenda", host)
    storage = ops.storage
    assert isinstance(storage, PostgresStorage)
    schema = storage.schema
    try:
        loaded = load_agenda(server, ops, clients, reactions)
        harness.log(
            f"  loaded {len(clients):,} clients (uow.clients.add_many) + "
            f"{len(clients):,} appeals + {len(reactions):,} reactions "
            f"(uow.appeals.add, uow.appeals.add_reaction) in {loaded['total_s']:.1f} s ({loaded})"
        )
        counts = {
            t: server.count(schema, t) for t in ("clients", "client_phones", "appeals", "reactions")
        }
        stored = {"clients": len(clients), "appeals": len(clients), "reactions": len(reactions)}
        if any(counts[t] != k for t, k in stored.items()):
            raise SystemExit(f"bench_postgres: stored {counts}, the workload has {stored}")
        expected = expected_agenda(reactions)
        names = {f"c{cid}": name for cid, name, *_ in clients}
        del reactions
        statement, params = captured_agenda_sql(ops)
        harness.log(f"  the statement clientops sends (the hand-written case runs it): {statement}")
        with server.connect(schema, autocommit=True) as conn:

            def hand() -> list[tuple[Any, ...]]:
                return conn.execute(statement, params).fetchall()

            def ours() -> tuple[Any, ...]:
                return ops.clients.due_reactions(MANAGER, until=NOW)

            got_hand = [row[0] for row in hand()]
            got_ours = [r.reaction_id for r in ours()]
            if not got_hand == got_ours == expected:
                raise SystemExit(
                    f"bench_postgres: agendas differ: clientops {len(got_ours)} rows, hand "
                    f"{len(got_hand)}, workload {len(expected)} (or in another order)"
                )
            wrong = [r for r in ours() if r.client_name != names[r.client_id]]
            if wrong:
                raise SystemExit(f"bench_postgres: {len(wrong)} rows name the wrong client")
            plans = explain(server, schema, statement, params)
            for kind, lines in plans.items():
                harness.log(f"  EXPLAIN ANALYZE of the hand-written agenda query ({kind} plan):")
                for line in lines:
                    harness.log(f"    {line}")
            res = harness.compare(
                {"hand_psycopg": hand, "clientops": ours},
                repeat=repeat,
                min_time=min_time,
                baseline="hand_psycopg",
            )
            peaks = {"clientops": _peak(ours), "hand_psycopg": _peak(hand)}
            # psycopg prepares a statement run 5 times; the server then picks a custom or the
            # generic plan for each execution: say which the timed runs got, on both sides
            with storage.unit_of_work() as uow:
                used = {
                    "hand_psycopg": _plans_used(conn.execute(PLANS_USED).fetchall()),
                    "clientops": _plans_used(uow._x(PLANS_USED).fetchall()),
                }
            harness.log(f"  executions by plan (prepared statements): {used}")
    finally:
        ops.close()
        server.drop(schema)
    return {
        "rows": len(expected),
        "rows_per_case": {"hand_psycopg": len(got_hand), "clientops": len(got_ours)},
        "statement": statement,
        "counts": counts,
        "load_s": loaded,
        "results": res,
        "tracemalloc_peak_bytes": peaks,
        "plans": plans,
        "plans_used": used,
    }


# --------------------------------------------------------------------------- main


def profile_import(server: Server, data: bytes, n: int, host: PluginHost, top: int) -> None:
    ops = fresh_ops(server, "profile", host)
    schema = server.made[-1]
    prof = cProfile.Profile()
    try:
        t0 = time.perf_counter()
        prof.enable()
        stored = run_clientops_import(ops, data)
        prof.disable()
        elapsed = time.perf_counter() - t0
    finally:
        ops.close()
        server.drop(schema)
    harness.log(f"profile: {stored} rows in {elapsed:.2f} s under cProfile")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(top)
        harness.log(f"--- top {top} by {order}")
        harness.log(out.getvalue().split("\n", 6)[-1].rstrip())


def _versions(server: Server) -> dict[str, Any]:
    found: dict[str, Any] = harness.versions(
        "clientops", "psycopg", "psycopg-binary", "psycopg-pool", "phonenumbers", "attrs", "cattrs"
    )
    row = server.admin.execute("SHOW server_version").fetchone()
    found["postgresql"] = row[0] if row else None
    found["libpq"] = psycopg.pq.version()
    return found


def _settings(server: Server) -> dict[str, str]:
    names = ("shared_buffers", "synchronous_commit", "fsync", "max_wal_size", "wal_level")
    out = {}
    for name in names:
        row = server.admin.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
        out[name] = row[0] if row else ""
    return out


def _sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"bench_postgres: signal {signum}")


def _log_ratio(what: str, ratio: float) -> None:
    verdict = "MET" if ratio < TARGET else "NOT MET"
    harness.log(
        f"{what} time ratio clientops / hand_psycopg = {ratio:.3f} (median of paired runs; "
        f"target < {TARGET}): {verdict}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--n", type=int, default=100_000, help="clients (100000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed agenda runs per case (5)")
    ap.add_argument("--import-repeat", type=int, default=3, help="timed imports per case (3)")
    ap.add_argument("--url", default=DEFAULT_URL, help=f"the server ({DEFAULT_URL})")
    ap.add_argument("--skip-import", action="store_true", help="do not time the import")
    ap.add_argument("--skip-agenda", action="store_true", help="do not time the agenda")
    ap.add_argument(
        "--min-time", type=float, default=0.2, help="agenda: loop each timed run this long (0.2)"
    )
    ap.add_argument(
        "--profile", action="store_true", help="instead of timing, profile one clientops import"
    )
    ap.add_argument("--top", type=int, default=25, help="functions shown by --profile (25)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.import_repeat < 1:
        ap.error("--n, --repeat and --import-repeat must be positive")
    signal.signal(signal.SIGTERM, _sigterm)

    t0 = time.perf_counter()
    # phones a card refuses (about 2 in 10,000) renumbered, for both cases alike
    clients = [
        (cid, name, workloads.card_phone(phone), *rest)
        for cid, name, phone, *rest in workloads.gen_clients(args.n)
    ]
    data, rewritten = make_csv(clients)
    prep_s = time.perf_counter() - t0
    harness.log(
        f"bench_postgres: n={args.n:,} repeat={args.repeat} import-repeat={args.import_repeat} "
        f"server {_public_url(args.url)}; workload + CSV ({len(data) / 1e6:.1f} MB, "
        f"{rewritten} phones in unallocated blocks replaced) in {prep_s:.1f} s"
    )
    host = PluginHost().load()  # composition root, once, as an application does
    server = Server(args.url)
    result: dict[str, Any] = {
        "bench": "postgres",
        "n": args.n,
        "repeat": args.repeat,
        "import_repeat": args.import_repeat,
        "seed": workloads.SEED,
        "now": NOW.isoformat(),
        "url": _public_url(args.url),
        "target_ratio": TARGET,
        "schema_prefix": server.prefix,
    }
    try:
        result["server_settings"] = _settings(server)
        result["versions"] = _versions(server)
        if args.profile:
            profile_import(server, data, args.n, host, args.top)
            result["bench"] = "postgres-profile"
            result["machine"] = harness.machine()
            harness.emit(result)
            return
        if not args.skip_import:
            harness.log(f"import: {args.n:,} rows per run, fresh schema per run")
            imp = bench_import(server, data, args.n, args.import_repeat, host)
            res = imp["results"]
            ratio = res["ratios"]["clientops"]
            rows_per_s = {
                case: {
                    "median": round(args.n / res[case]["median"], 1),
                    "min": round(args.n / res[case]["max"], 1),
                    "max": round(args.n / res[case]["min"], 1),
                }
                for case in ("hand_psycopg", "clientops")
            }
            for case, r in rows_per_s.items():
                harness.log(
                    f"{case:>14}: {r['median']:>9,.0f} rows/s  (min {r['min']:,.0f}, max "
                    f"{r['max']:,.0f}; median {res[case]['median']:.2f} s per import)"
                )
            _log_ratio("import", ratio)
            harness.log(
                "setup per run (schema, migration, staff, CHECKPOINT; not timed): median "
                f"{imp['setup_s']['median']:.2f} s"
            )
            harness.log("the import baseline skips: " + "; ".join(IMPORT_BASELINE_SKIPS))
            result["import"] = {
                "rows_per_s": rows_per_s,
                "ratio_time_clientops_over_hand": ratio,
                "meets_target": ratio < TARGET,
                "csv_bytes": len(data),
                "phones_replaced": rewritten,
                "order": imp["order"],
                "setup_s": imp["setup_s"],
                "baseline_skips": list(IMPORT_BASELINE_SKIPS),
                "results": res,
            }
        if not args.skip_agenda:
            harness.log(f"agenda: one schema with {args.n:,} clients")
            ag = bench_agenda(server, clients, args.repeat, args.min_time, host)
            res = ag["results"]
            ratio = res["ratios"]["clientops"]
            ms = {
                case: {k: round(res[case][k] * 1e3, 3) for k in ("median", "min", "max")}
                for case in ("hand_psycopg", "clientops")
            }
            for case, r in ms.items():
                harness.log(
                    f"{case:>14}: {r['median']:8.2f} ms per agenda (min {r['min']:.2f}, "
                    f"max {r['max']:.2f}; {ag['rows']} rows)"
                )
            _log_ratio("agenda", ratio)
            peaks = ag["tracemalloc_peak_bytes"]
            per_row = (
                f"{peaks['clientops'] / ag['rows']:,.0f} B per row" if ag["rows"] else "no rows"
            )
            harness.log(
                f"tracemalloc peak of one agenda call: clientops {peaks['clientops'] / 1024:,.0f} "
                f"KiB, hand {peaks['hand_psycopg'] / 1024:,.0f} KiB, for {ag['rows']} rows "
                f"({per_row}; it follows the agenda's rows, not the number of clients)"
            )
            harness.log("the agenda baseline skips: " + "; ".join(AGENDA_BASELINE_SKIPS))
            result["agenda"] = {
                "rows": ag["rows"],
                "rows_per_case": ag["rows_per_case"],
                "same_sql": True,
                "statement": ag["statement"],
                "counts": ag["counts"],
                "load_s": ag["load_s"],
                "ms": ms,
                "ratio_time_clientops_over_hand": ratio,
                "meets_target": ratio < TARGET,
                "tracemalloc_peak_bytes": peaks,
                "baseline_skips": list(AGENDA_BASELINE_SKIPS),
                "plans": ag["plans"],
                "plans_used": ag["plans_used"],
                "results": res,
            }
    finally:
        server.close()
    result["machine"] = harness.machine()
    harness.emit(result)


if __name__ == "__main__":
    main()
