"""The baseline a user writes without clientops for "today's agenda": a plain SQLite schema
(``_workloads.SCHEMA_SQL``, four indexes and ANALYZE), filled with ``executemany`` in one
transaction, and the three agenda queries run with raw ``sqlite3`` and ``fetchall()``, or with
SQLAlchemy Core executing the very same SQL text.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

import _workloads as W

Agenda = dict[str, list[Any]]


def build(
    path: str, clients: Sequence[tuple[Any, ...]], reactions: Sequence[tuple[Any, ...]]
) -> dict[str, float]:
    """A fresh database file at ``path``: schema, every row in one transaction, then the
    indexes and ANALYZE (timed apart); seconds per phase."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    t0 = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    for p in W.PRAGMAS:
        con.execute(p)
    con.executescript(W.SCHEMA_SQL)
    con.execute("BEGIN")
    con.executemany(W.INSERT_CLIENT, clients)
    con.executemany(W.INSERT_REACTION, reactions)
    con.execute("COMMIT")
    t1 = time.perf_counter()
    for statement in W.INDEX_SQL:
        con.execute(statement)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t2 = time.perf_counter()
    con.close()
    return {"insert_s": t1 - t0, "index_s": t2 - t1, "total_s": t2 - t0}


def raw_agenda_one(con: sqlite3.Connection, manager: int, p: dict[str, Any]) -> Agenda:
    """One manager's agenda: the three queries, rows fetched."""
    q = W.AGENDA_ONE_SQL
    return {
        "reactions": con.execute(q["reactions"], {"m": manager, "now": p["now"]}).fetchall(),
        "calls": con.execute(
            q["calls"], {"m": manager, "call_cutoff": p["call_cutoff"]}
        ).fetchall(),
        "debts": con.execute(q["debts"], {"m": manager}).fetchall() if p["debts_active"] else [],
    }


def raw_agenda_all(con: sqlite3.Connection, p: dict[str, Any]) -> Agenda:
    """Every manager's agenda at once, ordered by manager."""
    q = W.AGENDA_ALL_SQL
    return {
        "reactions": con.execute(q["reactions"], {"now": p["now"]}).fetchall(),
        "calls": con.execute(q["calls"], {"call_cutoff": p["call_cutoff"]}).fetchall(),
        "debts": con.execute(q["debts"]).fetchall() if p["debts_active"] else [],
    }


def sqlalchemy_core(
    path: str, p: dict[str, Any]
) -> tuple[Callable[[int], Agenda], Callable[[], Agenda], Callable[[], None]]:
    """SQLAlchemy Core on the same file, the same SQL text: (one manager, everyone, dispose).
    Each agenda checks a connection out of the engine's pool, as an application does."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{path}")
    one_sql = {k: text(v) for k, v in W.AGENDA_ONE_SQL.items()}
    all_sql = {k: text(v) for k, v in W.AGENDA_ALL_SQL.items()}

    def one(manager: int) -> Agenda:
        with engine.connect() as c:
            return {
                "reactions": list(
                    c.execute(one_sql["reactions"], {"m": manager, "now": p["now"]}).all()
                ),
                "calls": list(
                    c.execute(
                        one_sql["calls"], {"m": manager, "call_cutoff": p["call_cutoff"]}
                    ).all()
                ),
                "debts": list(c.execute(one_sql["debts"], {"m": manager}).all())
                if p["debts_active"]
                else [],
            }

    def everyone() -> Agenda:
        with engine.connect() as c:
            return {
                "reactions": list(c.execute(all_sql["reactions"], {"now": p["now"]}).all()),
                "calls": list(c.execute(all_sql["calls"], {"call_cutoff": p["call_cutoff"]}).all()),
                "debts": list(c.execute(all_sql["debts"]).all()) if p["debts_active"] else [],
            }

    return one, everyone, engine.dispose


def counts(agenda: Agenda) -> dict[str, int]:
    return {k: len(v) for k, v in agenda.items()}
