"""Call campaigns on SQLite: "next client + record outcome" cycles of clientops against the same
statements written by hand with ``sqlite3``, in the same run (issue 19, "Speed").

The base: ``--n`` cards (default 1,000,000: ids ``c0000000``…, an organisation name, a city
out of eight, of which six in Moscow time and two east of it, one valid mobile phone), and a
cold-call campaign whose list holds the first ``--campaign`` of them (default n / 10, so
100,000), called by ``olga``. Everything is written through clientops: the cards with
``uow.clients.add_many`` in batches of 10,000, the campaign with ``ops.campaigns.create`` and
its list with ``ops.campaigns.add_targets`` (each client's time zone from its city). The file
is cached under ``--dir`` as ``campaign-<n>-<campaign>.db`` (``--rebuild`` makes it again);
each timed case runs on its own copy of it.

The clock is fixed at Monday 23 June 2025, 10:00 in Moscow (17:00 east of it: every zone of
the list is within its working hours, so no zone filter applies, as on most of a working day).

One **cycle**:

* ``clientops``: ``ops.campaigns.next_client("cold", caller="olga")`` (one unit of work: the
  claim of the row due first in one indexed statement, which checks that the campaign is
  still at the version read by the last call and returns the card and the staff
  directory's revision) then ``ops.campaigns.record_outcome("cold", client, outcome,
  by="olga")`` (one unit of work: the row's update, on the condition that the row
  ``next_client`` handed out and the campaign are unchanged, the call stored). The first
  call reads the campaign (and every call after a change, as a failed condition does).
  The outcome alternates ``NotInterested()`` (the row is closed) and ``NoAnswer()`` (due
  again in 2 hours). Neither publishes an event, so nothing is appended to the change
  feed: both cases write the same rows (the script checks it after the run: every other
  table holds as many rows in both copies).
* ``raw_sqlite3`` (the baseline): the same two transactions with the same statements written
  by hand: ``BEGIN IMMEDIATE``, the claim of the row due first (``UPDATE … WHERE seq=(SELECT
  … ORDER BY next_call_at, seq LIMIT 1) RETURNING …``, on the same partial index), the card's
  ``SELECT doc`` and its ``json.loads``, ``COMMIT``; then ``BEGIN IMMEDIATE``, the ``INSERT``
  of the call (its JSON doc built with ``json.dumps``), the row's ``UPDATE``, ``COMMIT``.
  What it does not do that clientops does: check the arguments, the caller and the
  campaign's period and purpose, the campaign's version and the staff directory's revision
  (in the claim and the row's update: clientops runs 7 statements a cycle, the card read in
  the claim, against the baseline's 8), the working hours of the list's time zones, the
  script, the model's checks.

Target (the issue): at least 1,000 cycles per second at n = 1,000,000 and clientops within
1.5× the baseline's time per cycle.

Run:  python bench/bench_campaign.py [--n 1000000] [--campaign 100000] [--repeat 5] [--dir DIR]
      python bench/bench_campaign.py --profile --n 20000     # cProfile of the clientops case

Progress goes to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import _harness as harness

from clientops import ClientOps, EmployeeId, PluginHost
from clientops.adapters.sqlite import SQLiteStorage
from clientops.campaigns import (
    CallScript,
    Campaign,
    CampaignId,
    CampaignPurpose,
    NoAnswer,
    NotInterested,
    ScriptPoint,
)
from clientops.model import Client, ClientId, DepartmentId, Employee, Phone, Role, new_id
from clientops.testing import a_staff

TARGET_RATIO = 1.5
TARGET_CYCLES = 1_000
NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)  # Monday, 10:00 in Moscow
CALLER = EmployeeId("olga")
CAMPAIGN = CampaignId("cold")
CITIES = ("Москва", "Санкт-Петербург", "Казань", "Москва", "Нижний Новгород", "Москва")
CITIES += ("Екатеринбург", "Новосибирск")
SCRIPT = CallScript(
    (
        ScriptPoint(
            "hello", "Здравствуйте, {contact:nom}! Компания {company}, меня зовут {caller:nom}."
        ),
        ScriptPoint("why", "Мы помогаем компаниям города {city} вести учёт в облаке."),
        ScriptPoint("offer", "Можно я пришлю Вам коммерческое предложение?"),
    )
)


def _open(path: Path) -> ClientOps:
    return ClientOps(SQLiteStorage(path), host=PluginHost(entry_points=False), clock=lambda: NOW)


def build(path: Path, n: int, listed: int) -> None:
    """The cards, the staff and the campaign with its list, written through clientops."""
    started = time.perf_counter()
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    with _open(tmp) as ops:
        ops.clients.add_staff(a_staff())
        ops.clients.add_employee(
            Employee(
                CALLER,
                "Орлова Ольга Петровна",
                "Ольга",
                DepartmentId("client"),
                (Role.CALL_MANAGER,),
            )
        )
        for start in range(0, n, 10_000):
            cards = [
                Client(
                    id=ClientId(f"c{i:07d}"),
                    name=f"ООО «Клиент {i}»",
                    city=CITIES[i % len(CITIES)],
                    phones=(Phone(f"+7912{i:07d}"),),
                    created_at=NOW,
                )
                for i in range(start, min(start + 10_000, n))
            ]
            with ops.storage.unit_of_work() as uow:
                uow.clients.add_many(cards)
            if start % 200_000 == 0:
                harness.log(f"  cards: {start + len(cards):,} of {n:,}")
        ops.campaigns.create(
            Campaign(
                id=CAMPAIGN,
                name="Холодные звонки",
                purpose=CampaignPurpose.COLD_CALLS,
                script=SCRIPT,
                assignees=(CALLER,),
                start=date(2025, 6, 1),
                end=date(2025, 12, 31),
                daily_plan=60,
            ),
            by=CALLER,
        )
        for start in range(0, listed, 10_000):
            ids = [ClientId(f"c{i:07d}") for i in range(start, min(start + 10_000, listed))]
            ops.campaigns.add_targets(CAMPAIGN, ids, by=CALLER)
        harness.log(f"  campaign: {listed:,} clients listed")
    tmp.rename(path)
    harness.log(f"built {path.name} in {time.perf_counter() - started:.0f} s")


# --------------------------------------------------------------------------- the two cases


def clientops_cycle(path: Path) -> tuple[Callable[[], None], Callable[[], dict[str, int]]]:
    ops = _open(path)
    state = {"cycles": 0, "none": 0}

    def cycle() -> None:
        call = ops.campaigns.next_client(CAMPAIGN, caller=CALLER)
        if call is None:
            state["none"] += 1
            return
        outcome = NotInterested() if state["cycles"] % 2 == 0 else NoAnswer()
        ops.campaigns.record_outcome(CAMPAIGN, call.target.client_id, outcome, by=CALLER)
        state["cycles"] += 1

    return cycle, lambda: dict(state)


_CLAIM_NEXT = (
    "UPDATE campaign_targets SET next_call_at=?, claimed_by=?, version=version+1 "
    "WHERE seq=(SELECT seq FROM campaign_targets "
    "WHERE campaign_id=? AND open=1 AND next_call_at<=? ORDER BY next_call_at, seq LIMIT 1) "
    "RETURNING campaign_id, client_id, timezone, next_call_at, status, attempts, "
    "last_outcome, claimed_by, version"
)
_UPDATE_TARGET = (
    "UPDATE campaign_targets SET timezone=?, next_call_at=?, status=?, open=?, attempts=?, "
    "last_outcome=?, claimed_by=?, version=version+1 "
    "WHERE campaign_id=? AND client_id=? AND version=?"
)
_INSERT_CALL = (
    "INSERT INTO campaign_calls(id, campaign_id, client_id, caller_id, at, outcome, version, doc) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def raw_cycle(path: Path) -> tuple[Callable[[], None], Callable[[], dict[str, int]]]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    state = {"cycles": 0, "none": 0}
    now = _utc(NOW)
    claimed_until = _utc(NOW + timedelta(minutes=15))
    retry_at = _utc(NOW + timedelta(hours=2))

    def cycle() -> None:
        # next client: claim the row due first, read the card
        db.execute("BEGIN IMMEDIATE")
        row = db.execute(_CLAIM_NEXT, (claimed_until, CALLER, CAMPAIGN, now)).fetchone()
        if row is None:
            db.execute("COMMIT")
            state["none"] += 1
            return
        campaign, client, zone, _, _, attempts, _, _, version = row
        card = json.loads(db.execute("SELECT doc FROM clients WHERE id=?", (client,)).fetchone()[0])
        db.execute("COMMIT")
        assert card["name"]
        # record the outcome: the call, the row closed or due again
        closing = state["cycles"] % 2 == 0
        kind = "not_interested" if closing else "no_answer"
        call_id = new_id()
        doc = json.dumps(
            {
                "id": call_id,
                "campaign_id": campaign,
                "client_id": client,
                "caller_id": CALLER,
                "at": NOW.isoformat(),
                "outcomes": [kind],
                "note": None,
                "call_log_id": None,
                "changed_fields": [],
                "reactions": [],
                "outbox_key": None,
                "answers": [],
                "review": None,
                "version": 0,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        db.execute("BEGIN IMMEDIATE")
        db.execute(_INSERT_CALL, (call_id, campaign, client, CALLER, now, kind, 0, doc))
        db.execute(
            _UPDATE_TARGET,
            (
                zone,
                claimed_until if closing else retry_at,
                "done" if closing else "open",
                0 if closing else 1,
                attempts if closing else attempts + 1,
                kind,
                None,
                campaign,
                client,
                version,
            ),
        )
        db.execute("COMMIT")
        state["cycles"] += 1

    return cycle, lambda: dict(state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="cards in the base")
    parser.add_argument("--campaign", type=int, default=None, help="clients on the list (n/10)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    listed = args.campaign if args.campaign is not None else max(args.n // 10, 1)
    args.dir.mkdir(parents=True, exist_ok=True)
    template = args.dir / f"campaign-{args.n}-{listed}.db"
    if args.rebuild or not template.exists():
        for stale in args.dir.glob(f"{template.name}*"):
            stale.unlink()
        build(template, args.n, listed)
    work = Path(tempfile.mkdtemp(prefix="bench-campaign-", dir=args.dir))
    try:
        copies = {}
        for case in ("clientops", "raw_sqlite3"):
            copies[case] = work / f"{case}.db"
            shutil.copyfile(template, copies[case])
        if args.profile:
            cycle, _ = clientops_cycle(copies["clientops"])
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [cycle() for _ in range(2_000)])
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
            harness.log(out.getvalue())
            return
        ours, our_state = clientops_cycle(copies["clientops"])
        raw, raw_state = raw_cycle(copies["raw_sqlite3"])
        result: dict[str, Any] = harness.compare(
            {"raw_sqlite3": raw, "clientops": ours},
            repeat=args.repeat,
            min_time=args.min_time,
            baseline="raw_sqlite3",
        )
        states = {"clientops": our_state(), "raw_sqlite3": raw_state()}
        if any(s["none"] for s in states.values()):
            raise SystemExit(f"the list ran out of due clients: {states} (raise --campaign)")
        with sqlite3.connect(copies["clientops"]) as a, sqlite3.connect(copies["raw_sqlite3"]) as b:
            counts = {
                case: {
                    "clients": db.execute("SELECT count(*) FROM clients").fetchone()[0],
                    "listed": db.execute("SELECT count(*) FROM campaign_targets").fetchone()[0],
                    "calls": db.execute("SELECT count(*) FROM campaign_calls").fetchone()[0],
                }
                for case, db in (("clientops", a), ("raw_sqlite3", b))
            }
            # like for like: clientops wrote nothing the baseline does not (feed rows…)
            for (table,) in a.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                if table in ("campaign_calls", "campaign_targets"):
                    continue
                rows = [db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for db in (a, b)]
                if rows[0] != rows[1]:
                    raise SystemExit(
                        f"bench_campaign: clientops left {rows[0]} rows in {table}, the baseline "
                        f"{rows[1]}: the baseline must write what clientops writes (raw_cycle)"
                    )
        per_s = {case: round(1 / result[case]["median"]) for case in ("raw_sqlite3", "clientops")}
        ratio = result["ratios"]["clientops"]
        harness.log(
            f"cycles/s: raw sqlite3 {per_s['raw_sqlite3']:,}, clientops {per_s['clientops']:,}; "
            f"clientops time / raw time = {ratio} (target <= {TARGET_RATIO}, and >= "
            f"{TARGET_CYCLES:,} cycles/s)"
        )
        harness.emit(
            {
                "bench": "bench_campaign",
                "n": args.n,
                "campaign": listed,
                "cycles_per_s": per_s,
                "ratio": ratio,
                "target_ratio": TARGET_RATIO,
                "target_cycles_per_s": TARGET_CYCLES,
                "meets_target": ratio <= TARGET_RATIO and per_s["clientops"] >= TARGET_CYCLES,
                "counts": counts,
                "timings": {k: v for k, v in result.items() if k in ("raw_sqlite3", "clientops")},
                "machine": harness.machine(),
            }
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
