"""Incoming calls into SQLite: clientops against hand-written sqlite3, in the same run.

The issue's acceptance criterion: route and record 10,000 incoming calls into SQLite, print
calls per second and the ratio to writing the same rows with raw sqlite3. Target (issue 22):
clientops at least half of raw speed (it was one third before).

Workload (deterministic, seed ``_workloads.SEED``): n calls
``IncomingCall(CallIntent.PRODUCT_INFO, ...)``, each from a new caller (a distinct valid Russian
mobile number written in varied human formats, an organisation name, a city, usually a
contact person, a topic), answered by ``anna`` of :func:`clientops.testing.a_staff`, with the
clock fixed at ``workloads.NOW`` in Europe/Moscow.

Cases, interleaved by ``harness.compare`` in each repeat, each on a fresh database file:

* ``clientops``: ``ClientOps`` over ``SQLiteStorage``; one ``handle_incoming_call`` (one unit of
  work, one transaction) per call.
* ``raw_sqlite3`` (the baseline): the same rows (client with the same JSON doc, phone index,
  appeal, reaction) written with ``sqlite3``, one ``BEGIN IMMEDIATE ... COMMIT`` per call, the
  JSON docs built with ``json.dumps`` of plain dicts inside the timed loop.
* ``raw_sqlite3_lookups`` (only with ``--lookups``): the baseline plus the two look-ups that
  clientops runs to avoid a second card for a known caller (by phone, by name within city).

Each timed run starts from a copy of one template database (schema made by ``SQLiteStorage``,
staff already stored), so both cases have the same schema, indexes, PRAGMAs and setup cost.

Run:  python bench/bench_calls.py [--n 10000] [--repeat 5] [--dir DIR] [--lookups]
      python bench/bench_calls.py --profile --n 2000     # cProfile of the clientops case

Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import secrets
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import _harness as harness
import _workloads as workloads
import phonenumbers

import clientops
from clientops import ClientOps, EmployeeId, PluginHost, Policy
from clientops.adapters._sql import pack_summary
from clientops.adapters.sqlite import SQLiteStorage
from clientops.calls import CallIntent, IncomingCall
from clientops.model import organisation_key
from clientops.testing import a_staff

TARGET = 0.5  # clientops speed as a fraction of raw sqlite3 speed (issue 22)
ANSWERED_BY = EmployeeId("anna")

#: What the raw baseline does not do, that clientops does for every call.
BASELINE_SKIPS = (
    "phone parsing and validation (the baseline gets pre-normalised E.164)",
    "organisation-name key (the baseline gets it precomputed)",
    "look-ups of an existing card by phone and by name within city (unless --lookups)",
    "loading the staff directory and checking the answering employee",
    "Python-side foreign-key checks (client of the appeal, appeal of the reaction)",
    "model validation (attrs validators), cattrs unstructuring",
    "routing decision, call script, events published to plugins",
)


# --------------------------------------------------------------------------- workload


NOW: datetime = workloads.NOW.replace(tzinfo=workloads.MSK)  # aware, Europe/Moscow
#: the timeline's instants are microseconds since this (schema 27)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


# --------------------------------------------------------------------------- workload


class Caller(NamedTuple):
    """One incoming call as the raw fields; ``e164`` and ``name_key`` are for the baseline."""

    phone_text: str
    e164: str
    name: str
    name_key: str
    city: str
    contact_person: str | None
    topic: str


_CITIES = ("Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань", "Самара", "Омск")
_PEOPLE = (
    "Иванов Иван",
    "Петрова Анна",
    "Сидоров Пётр",
    "Кузнецова Мария",
    "Смирнов Олег",
    "Орлова Елена Викторовна",
)
_TOPICS = (
    "Цены на ArchiCredit",
    "Как работает модуль отчётов",
    "Список клиентов в нашем городе",
    "Стоимость подключения филиала",
    "Коммерческое предложение для сети магазинов",
    "Сроки внедрения",
)
_ORG_WORDS = (
    "Ромашка",
    "Вектор",
    "Северсталь-Сервис",
    "Альфа-Трейд",
    "Гранит",
    "Лотос",
    "Меридиан",
    "Прогресс",
    "Сибирь",
    "Техснаб",
    "Уралмаш-Опт",
    "Янтарь",
)
_FORMS = ("ООО", "АО", "ИП", "ПАО")
_QUOTES = (("«", "»"), ('"', '"'), ("", ""))
#: How people write a mobile number ``9ab cde-fg-hi``, given its ten national digits.
_PHONE_FORMATS: tuple[Callable[[str], str], ...] = (
    lambda d: f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"8{d}",
    lambda d: f"+7{d}",
    lambda d: f"+7({d[:3]}){d[3:]}",
    lambda d: f"{d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
    lambda d: f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
)


def _valid_mobile(digits: str) -> bool:
    """Not every 9xx block is allocated: keep numbers that a strict policy accepts."""
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(f"+7{digits}", None)))


def gen_callers(n: int, seed: int) -> list[Caller]:
    """n new callers: distinct valid mobile numbers, distinct organisation names."""
    rng = random.Random(seed + 100)
    seen: set[str] = set()
    out: list[Caller] = []
    for i in range(1, n + 1):
        while True:
            digits = f"9{rng.randint(0, 999_999_999):09d}"
            if digits not in seen and _valid_mobile(digits):
                seen.add(digits)
                break
        word = _ORG_WORDS[rng.randrange(len(_ORG_WORDS))]
        left, right = _QUOTES[rng.randrange(len(_QUOTES))]
        out.append(
            Caller(
                phone_text=_PHONE_FORMATS[rng.randrange(len(_PHONE_FORMATS))](digits),
                e164=f"+7{digits}",
                name=f"{_FORMS[rng.randrange(len(_FORMS))]} {left}{word} {i}{right}",
                name_key=f"{word.casefold().replace('-', ' ')} {i}",
                city=_CITIES[rng.randrange(len(_CITIES))],
                contact_person=_PEOPLE[rng.randrange(len(_PEOPLE))] if rng.random() < 0.9 else None,
                topic=_TOPICS[rng.randrange(len(_TOPICS))],
            )
        )
    return out


def to_calls(callers: list[Caller]) -> list[IncomingCall]:
    return [
        IncomingCall(
            CallIntent.PRODUCT_INFO,
            caller_phone=c.phone_text,
            name=c.name,
            city=c.city,
            contact_person=c.contact_person,
            topic=c.topic,
        )
        for c in callers
    ]


def check_workload(callers: list[Caller]) -> None:
    """The baseline's precomputed keys are what clientops computes, for every caller."""
    policy = Policy()
    for c in callers:
        assert organisation_key(c.name) == c.name_key, (c.name, c.name_key)
        phone = clientops.Phone.parse(c.phone_text, policy.phone_region, strict=True)
        assert phone.e164 == c.e164, (c.phone_text, c.e164)


# --------------------------------------------------------------------------- databases


class Files:
    """Fresh database files copied from one template: schema by SQLiteStorage, staff stored."""

    def __init__(self, folder: Path, host: PluginHost) -> None:
        self.folder = folder
        self.template = folder / "template.db"
        self._seq = 0
        ops = ClientOps(SQLiteStorage(self.template), host=host, clock=lambda: NOW)
        staff = a_staff()
        ops.clients.add_staff(staff)
        ops.close()  # the last connection: WAL checkpointed, the -wal file removed
        assert not Path(f"{self.template}-wal").exists()
        self.last: dict[str, Path] = {}

    def fresh(self, case: str) -> Path:
        self._seq += 1
        path = self.folder / f"{case}-{self._seq:03d}.db"
        shutil.copyfile(self.template, path)
        self.last[case] = path
        return path


# --------------------------------------------------------------------------- the cases


def run_clientops(path: Path, calls: list[IncomingCall], host: PluginHost) -> None:
    """What an application does: open the store, take the calls one by one."""
    ops = clientops.connect(f"sqlite:///{path}", host=host, clock=lambda: NOW)
    try:
        handle = ops.calls.handle_incoming
        for call in calls:
            handle(call, answered_by=ANSWERED_BY)
    finally:
        ops.close()


def _raw_ids() -> Iterator[str]:
    """Ids of the same shape as clientops' (time-ordered, 26 hex characters)."""
    seq = 0
    while True:
        seq += 1
        yield f"{time.time_ns() // 1_000_000:012x}{seq % 0x10000:04x}{secrets.token_hex(5)}"


def run_raw(path: Path, callers: list[Caller], *, lookups: bool = False) -> None:
    """Hand-written sqlite3: the same rows, one transaction per call."""
    db = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
    try:
        # The PRAGMAs SQLiteStorage sets on its connection (WAL is kept in the file).
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=10000")
        ids = _raw_ids()
        execute = db.execute
        dumps = json.dumps
        delay = timedelta(minutes=1)
        for c in callers:
            now = NOW
            created = now.isoformat()
            due = now + delay
            execute("BEGIN IMMEDIATE")
            try:
                if lookups:
                    execute(
                        "SELECT doc FROM clients WHERE id IN "
                        "(SELECT client_id FROM client_phones WHERE e164=?) ORDER BY seq",
                        (c.e164,),
                    ).fetchall()
                    execute(
                        "SELECT doc FROM clients WHERE name_key=? AND city_key=? ORDER BY seq",
                        (c.name_key, c.city.casefold()),
                    ).fetchall()
                client_id, appeal_id, reaction_id = next(ids), next(ids), next(ids)
                contacts: list[dict[str, Any]] = (
                    [
                        {
                            "name": c.contact_person,
                            "position": None,
                            "phones": [],
                            "emails": [],
                            "decision_maker": False,
                            "external_id": None,
                            "gender": None,
                        }
                    ]
                    if c.contact_person
                    else []
                )
                # the card's document as clientops stores it (schema 27): no field at its
                # default
                client_doc: dict[str, Any] = {
                    "id": client_id,
                    "name": c.name,
                    "city": c.city,
                    "phones": [c.e164],
                }
                if contacts:
                    client_doc["contacts"] = contacts
                client_doc["created_at"] = created
                # the listing columns (schema 18): name, category and the change stamp
                changed = datetime.now(UTC).replace(tzinfo=None).isoformat()
                execute(
                    "INSERT INTO clients(id, version, name_key, city_key, manager_id, doc, name, "
                    "category, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        client_id,
                        0,
                        c.name_key,
                        c.city.casefold(),
                        None,
                        dumps(client_doc, ensure_ascii=False, separators=(",", ":")),
                        c.name,
                        "client",
                        changed,
                    ),
                )
                execute(
                    "INSERT INTO client_phones(e164, client_id) VALUES (?, ?)", (c.e164, client_id)
                )
                # compact documents (schema 26): no field the row holds as a column, none at
                # its default
                appeal_doc = {
                    "topic": c.topic,
                    "department_id": "sales",
                    "created_at": created,
                    "created_by": ANSWERED_BY,
                }
                execute(
                    "INSERT INTO appeals(id, client_id, version, doc) VALUES (?, ?, ?, ?)",
                    (
                        appeal_id,
                        client_id,
                        0,
                        dumps(appeal_doc, ensure_ascii=False, separators=(",", ":")),
                    ),
                )
                reaction_doc = {
                    "due_at": due.isoformat(),
                    "created_at": created,
                    "created_by": ANSWERED_BY,
                }
                execute(
                    "INSERT INTO reactions(id, appeal_id, client_id, department_id, employee_id, "
                    "due_at, done, version, doc, kind, topic, client_name) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        reaction_id,
                        appeal_id,
                        client_id,
                        "sales",
                        None,
                        due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"),
                        0,
                        0,
                        dumps(reaction_doc, ensure_ascii=False, separators=(",", ":")),
                        "incoming_call",
                        c.topic,
                        c.name,
                    ),
                )
                # the card's timeline: the appeal's entry and the reaction's (schema 27: the
                # instant in microseconds, the kind's number, no ref where the id holds it,
                # the summary's fixed words coded as clientops codes them)
                at = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")  # the feed's
                at_us = (now - _EPOCH) // _MICROSECOND
                execute(
                    "INSERT INTO timeline(client_id, at, id, kind, ref, summary, who, link, "
                    "all_day, doc) VALUES (?, ?, ?, 1, NULL, ?, ?, NULL, 0, NULL), "
                    "(?, ?, ?, 2, NULL, ?, ?, NULL, 0, NULL)",
                    (
                        client_id,
                        at_us,
                        f"appeal:{appeal_id}",
                        pack_summary(f"Обращение: {c.topic}"),
                        ANSWERED_BY,
                        client_id,
                        at_us,
                        f"reaction:{reaction_id}",
                        pack_summary(f"Запланировано: входящий звонок — {c.topic}"),
                        ANSWERED_BY,
                    ),
                )
                # the change feed (schema 19): the call's four events, in the order published
                events = (
                    ("ClientCreated", {"client_id": client_id, "at": created}),
                    (
                        "AppealOpened",
                        {
                            "appeal_id": appeal_id,
                            "client_id": client_id,
                            "department_id": "sales",
                            "at": created,
                        },
                    ),
                    (
                        "ReactionScheduled",
                        {
                            "reaction_id": reaction_id,
                            "client_id": client_id,
                            "department_id": "sales",
                            "employee_id": None,
                            "due_at": due.isoformat(),
                            "at": created,
                        },
                    ),
                    (
                        "CallRouted",
                        {
                            "branch": "sales",
                            "answered_by": ANSWERED_BY,
                            "client_id": client_id,
                            "at": created,
                        },
                    ),
                )
                db.executemany(
                    "INSERT INTO feed(kind, schema_version, at, doc) VALUES (?, 1, ?, ?)",
                    [
                        (kind, at, dumps(doc, ensure_ascii=False, separators=(",", ":")))
                        for kind, doc in events
                    ],
                )
            except BaseException:
                execute("ROLLBACK")
                raise
            execute("COMMIT")
    finally:
        db.close()


# --------------------------------------------------------------------------- checks

_ID_FIELDS = ("id", "client_id", "appeal_id")
_FEED_IDS = ("client_id", "appeal_id", "reaction_id")


def _contents(path: Path) -> dict[str, Any]:
    """Row counts, and every stored row with its ids left out, in insertion order."""
    db = sqlite3.connect(str(path))
    try:

        def docs(table: str) -> list[dict[str, Any]]:
            out = []
            for (doc,) in db.execute(f"SELECT doc FROM {table} ORDER BY seq"):
                data = json.loads(doc)
                for key in _ID_FIELDS:
                    data.pop(key, None)
                out.append(data)
            return out

        return {
            "counts": {
                t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("clients", "client_phones", "appeals", "reactions", "employees")
            },
            "clients": db.execute(
                "SELECT version, name_key, city_key, manager_id, name, category, "
                "changed_at IS NOT NULL FROM clients ORDER BY seq"
            ).fetchall(),
            "phones": sorted(e for (e,) in db.execute("SELECT e164 FROM client_phones")),
            "reactions": db.execute(
                "SELECT department_id, employee_id, due_at, done, version, kind, topic, "
                "client_name FROM reactions ORDER BY seq"
            ).fetchall(),
            "orphans": db.execute(
                "SELECT count(*) FROM reactions r JOIN appeals a ON a.id = r.appeal_id "
                "WHERE a.client_id <> r.client_id"
            ).fetchone()[0],
            "client_docs": docs("clients"),
            "appeal_docs": docs("appeals"),
            "feed": [
                (
                    kind,
                    version,
                    at,
                    {k: v for k, v in json.loads(doc).items() if k not in _FEED_IDS},
                )
                for kind, version, at, doc in db.execute(
                    "SELECT kind, schema_version, at, doc FROM feed ORDER BY seq"
                )
            ],
            "reaction_docs": docs("reactions"),
            "timeline": db.execute(
                # schema 27: no insertion order (WITHOUT ROWID); each card's entries in its
                # page's order, the cards in the order they were added
                "SELECT t.at, t.kind, t.summary, t.who, t.link, t.all_day, t.doc FROM timeline t "
                "JOIN clients c ON c.id = t.client_id ORDER BY c.seq, t.at, t.kind"
            ).fetchall(),
        }
    finally:
        db.close()


def verify(paths: dict[str, Path], n: int) -> dict[str, dict[str, int]]:
    """Each case stored n clients, phones, appeals and reactions; the baseline's rows are the
    rows clientops stores (ids aside)."""
    found = {case: _contents(path) for case, path in paths.items()}
    reference = found["clientops"]
    for case, got in found.items():
        counts = got["counts"]
        for table in ("clients", "client_phones", "appeals", "reactions"):
            if counts[table] != n:
                raise SystemExit(f"bench_calls: {case} stored {counts[table]} {table}, not {n}")
        if got["orphans"]:
            raise SystemExit(f"bench_calls: {case} has reactions of another client's appeal")
        for key in (
            "clients",
            "phones",
            "reactions",
            "client_docs",
            "appeal_docs",
            "feed",
            "timeline",
        ):
            if got[key] != reference[key]:
                raise SystemExit(
                    f"bench_calls: {case} rows differ from clientops' ({key}); the baseline "
                    "must write what clientops writes: update run_raw"
                )
        if got["reaction_docs"] != reference["reaction_docs"]:
            raise SystemExit(f"bench_calls: {case} reaction docs differ from clientops'")
    return {case: got["counts"] for case, got in found.items()}


# --------------------------------------------------------------------------- main


def _cpu_timed(
    cpu: dict[str, list[float]], case: str, run: Callable[[], object]
) -> Callable[[], object]:
    """``run``, also recording the CPU time of this process it took (user + system;
    ``time.process_time``) in ``cpu[case]``: on a loaded machine the wall-clock time also
    holds the time spent waiting for a core, the CPU time does not."""
    samples = cpu.setdefault(case, [])

    def timed() -> object:
        t0 = time.process_time()
        try:
            return run()
        finally:
            samples.append(time.process_time() - t0)

    return timed


def _cpu_ratio(cpu: dict[str, list[float]], case: str, base: str) -> float:
    """Median over the timed repeats (the warm-up left out) of cpu_case / cpu_base."""
    pairs = zip(cpu[case][1:], cpu[base][1:], strict=True)
    return round(statistics.median(a / b for a, b in pairs), 3)


def _setup_cost(files: Files, repeat: int = 5) -> float:
    """Seconds to make a fresh database file (inside every timed run, for every case)."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        path = files.fresh("setup")
        samples.append(time.perf_counter() - t0)
        path.unlink()
    del files.last["setup"]
    return min(samples)


def profile(args: argparse.Namespace, calls: list[IncomingCall], host: PluginHost) -> None:
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        files = Files(Path(folder), host)
        run_clientops(files.fresh("warmup"), calls[: min(200, len(calls))], host)
        path = files.fresh("clientops")
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        run_clientops(path, calls, host)
        prof.disable()
        elapsed = time.perf_counter() - t0
        counts = verify({"clientops": path}, len(calls))
    harness.log(
        f"profile: {len(calls)} calls in {elapsed:.2f} s under cProfile "
        f"({len(calls) / elapsed:,.0f} calls/s with profiling overhead)"
    )
    top: dict[str, list[dict[str, Any]]] = {}
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        st = pstats.Stats(prof, stream=out)
        st.sort_stats(order).print_stats(args.top)
        harness.log(f"--- top {args.top} by {order}")
        harness.log(out.getvalue().split("\n", 6)[-1].rstrip())
        rows = []
        raw_stats: dict[Any, Any] = st.stats  # type: ignore[attr-defined]
        key = 3 if order == "cumulative" else 2
        for func, (_cc, ncalls, tottime, cumtime, _) in sorted(
            raw_stats.items(), key=lambda kv: kv[1][key], reverse=True
        )[: args.top]:
            rows.append(
                {
                    "function": f"{func[0]}:{func[1]}({func[2]})",
                    "ncalls": ncalls,
                    "tottime_s": round(tottime, 4),
                    "cumtime_s": round(cumtime, 4),
                    "per_call_us": round(cumtime / len(calls) * 1e6, 1),
                }
            )
        top[order] = rows
    harness.emit(
        {
            "bench": "calls-profile",
            "n": len(calls),
            "seconds": round(elapsed, 3),
            "counts": counts,
            "top": top,
            "machine": harness.machine(),
            "versions": _versions(),
        }
    )


def _versions() -> dict[str, Any]:
    found: dict[str, Any] = harness.versions(
        "clientops", "attrs", "cattrs", "phonenumbers", "pluggy"
    )
    found["sqlite"] = sqlite3.sqlite_version
    return found


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--n", type=int, default=10_000, help="calls per timed run (10000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case (5)")
    ap.add_argument("--dir", default=None, help="where the database files go (a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the database files")
    ap.add_argument(
        "--lookups", action="store_true", help="add a raw case that also runs the look-ups"
    )
    ap.add_argument(
        "--profile", action="store_true", help="profile the clientops case instead of timing"
    )
    ap.add_argument("--top", type=int, default=15, help="functions shown by --profile (15)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        ap.error("--n and --repeat must be positive")

    callers = gen_callers(args.n, workloads.SEED)
    check_workload(callers)
    calls = to_calls(callers)
    host = PluginHost().load()  # composition root, once, as an application does
    if args.profile:
        profile(args, calls, host)
        return

    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench_calls-", dir=args.dir))
    harness.log(f"bench_calls: n={args.n} repeat={args.repeat} files in {folder}")
    try:
        files = Files(folder, host)
        setup_s = _setup_cost(files)
        cpu: dict[str, list[float]] = {}
        cases: dict[str, Callable[[], object]] = {
            "raw_sqlite3": _cpu_timed(
                cpu, "raw_sqlite3", lambda: run_raw(files.fresh("raw_sqlite3"), callers)
            ),
            "clientops": _cpu_timed(
                cpu, "clientops", lambda: run_clientops(files.fresh("clientops"), calls, host)
            ),
        }
        if args.lookups:
            cases["raw_sqlite3_lookups"] = _cpu_timed(
                cpu,
                "raw_sqlite3_lookups",
                lambda: run_raw(files.fresh("raw_sqlite3_lookups"), callers, lookups=True),
            )
        res = harness.compare(cases, repeat=args.repeat, min_time=0, baseline="raw_sqlite3")
        counts = verify(dict(files.last), args.n)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    per_s = {case: args.n / res[case]["median"] for case in cases}
    speed = harness.paired_ratio(res, "raw_sqlite3", "clientops")  # t_raw / t_clientops
    ratio = res["ratios"]["clientops"]  # t_clientops / t_raw
    for case in cases:
        r = res[case]
        harness.log(
            f"{case:>20}: {per_s[case]:>9,.0f} calls/s  (median {r['median']:.3f} s for "
            f"{args.n} calls, min {r['min']:.3f} s, max {r['max']:.3f} s, {r['runs']} runs)"
        )
    harness.log(f"time ratio clientops / raw_sqlite3 = {ratio:.3f} (median of paired runs)")
    cpu_ratio = _cpu_ratio(cpu, "clientops", "raw_sqlite3")
    cpu_per_call = {
        case: round(statistics.median(cpu[case][1:]) / args.n * 1e6, 1) for case in cases
    }
    harness.log(
        f"CPU time ratio clientops / raw_sqlite3 = {cpu_ratio:.3f} (median of paired runs; "
        "CPU per call, median: "
        + ", ".join(f"{case} {us} us" for case, us in cpu_per_call.items())
        + ")"
    )
    if args.lookups:
        harness.log(
            f"time ratio raw_sqlite3_lookups / raw_sqlite3 = {res['ratios']['raw_sqlite3_lookups']}"
        )
    harness.log(
        f"speed = {speed:.3f} of raw (target >= {TARGET:.2f}): "
        f"{'MET' if speed >= TARGET else 'NOT MET'}"
    )
    harness.log(
        f"setup of a fresh database (inside every timed run, both cases): {setup_s * 1e3:.2f} ms"
    )
    harness.log("the baseline skips: " + "; ".join(BASELINE_SKIPS))
    harness.emit(
        {
            "bench": "calls",
            "n": args.n,
            "repeat": args.repeat,
            "seed": workloads.SEED,
            "now": NOW.isoformat(),
            "calls_per_s": {k: round(v, 1) for k, v in per_s.items()},
            "ratio_time_clientops_over_raw": ratio,
            "ratio_cpu_clientops_over_raw": cpu_ratio,
            "cpu_us_per_call": cpu_per_call,
            "cpu_samples": {case: [round(x, 6) for x in v[1:]] for case, v in cpu.items()},
            "speed_of_raw": speed,
            "target_speed_of_raw": round(TARGET, 3),
            "meets_target": speed >= TARGET,
            "setup_s": round(setup_s, 6),
            "counts": counts,
            "baseline": "raw_sqlite3",
            "baseline_skips": list(BASELINE_SKIPS),
            "results": res,
            "machine": harness.machine(),
            "versions": _versions(),
        }
    )


if __name__ == "__main__":
    main()
