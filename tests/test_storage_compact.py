"""Schema 27: the compact storage of the timeline and of the cards, on SQLite and PostgreSQL.

The timeline's rows are kept under (client, moment, id) with the kind as a number, ``ref``
only when the id does not hold it and the summary's fixed words coded; a page is a range of
that key; an entry written again moves with its moment and client; the cards' documents keep
no field at its default. A store of schema 26 migrates keeping every entry and every card.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests._schema_back import drop_later

import clientops
from clientops import ClientOps
from clientops._timeline import note_json
from clientops.adapters import _schema
from clientops.adapters._sql import (
    TIMELINE_KIND_CODES,
    dump,
    from_micros,
    micros,
    pack_summary,
    timeline_sql,
    unpack_summary,
)
from clientops.adapters.sqlite import SQLiteStorage, _utc
from clientops.clients import (
    Attachment,
    ClientId,
    DepartmentId,
    EmployeeId,
    NextReaction,
    ReactionResult,
    TimelineEntry,
    TimelineKind,
    TimelineQuery,
)
from clientops.model import Client, Contact
from clientops.testing import T0, a_call, a_client, a_staff, an_invoice

ANNA = EmployeeId("anna")


def test_every_kind_has_its_own_stored_number() -> None:
    assert set(TIMELINE_KIND_CODES) == set(TimelineKind)
    assert len(set(TIMELINE_KIND_CODES.values())) == len(TimelineKind)


_SUMMARIES = (
    "Обращение: Продление договора",
    "Запланировано: исходящий звонок — Уточнить дату доставки",
    "Исходящий звонок: Уточнить дату доставки — Не дозвонились: Не взяли трубку",
    "Входящий звонок, 3 мин 12 с, есть запись",
    "Папка клиента: подписи проверены",
    "Заказ № З-00017: этап «Согласование с клиентом»",
    "Счёт № 2025-00017 за 2025-06: выставлен, оплатить до 18.06.2025",
    "Оплата 12000 RUB — Оплата по счёту",
    "Претензия: Подана — Обещали скидку и не дали",
    "Звонок удовлетворённости сделан",
    "Обучение «Работа с отчётами»: проведено",
    "Заметка: Просили КП на 2026 год (вложений: 1)",
    "Карточка изменена: город, ИНН",
    "Запланировано: встреча — Задача: письмо, Письмо, Встреча",
)


@pytest.mark.parametrize("summary", _SUMMARIES)
def test_a_summary_is_stored_shorter_and_read_back_the_same(summary: str) -> None:
    packed = pack_summary(summary)
    assert unpack_summary(packed) == summary
    assert len(packed.encode()) < len(summary.encode())
    assert packed.isprintable() is False


def test_a_summary_without_fixed_words_is_stored_as_it_is() -> None:
    assert pack_summary("Счёт 17 оплачен") == "Счёт 17 оплачен"
    assert unpack_summary("Счёт 17 оплачен") == "Счёт 17 оплачен"


def test_an_instant_is_stored_as_its_exact_microseconds() -> None:
    for moment in (T0, datetime(1969, 12, 31, 23, 59, 59, 999999, UTC), T0.replace(year=9999)):
        assert from_micros(micros(moment)) == moment


@pytest.mark.parametrize(
    "query",
    [
        TimelineQuery(),
        TimelineQuery(kinds=(TimelineKind.CALL, TimelineKind.NOTE)),
        TimelineQuery(since=T0 - timedelta(days=30), until=T0),
        TimelineQuery(after=(T0, "call:c1")),
    ],
)
def test_a_page_is_a_range_of_the_primary_key_in_its_order(
    query: TimelineQuery, tmp_path: Path
) -> None:
    SQLiteStorage(tmp_path / "t.db").close()
    sql, params = timeline_sql(ClientId("c1"), query, "", micros)
    with sqlite3.connect(tmp_path / "t.db") as db:
        plan = " | ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert plan.startswith("SEARCH timeline USING PRIMARY KEY (client_id=?")
    assert "TEMP B-TREE" not in plan


# -- on SQLite and PostgreSQL ------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    found: str = request.getfixturevalue("postgres_url")
    return found


def _entry(client_id: str, at: datetime, entry_id: str, ref: str) -> TimelineEntry:
    return TimelineEntry(
        entry_id, ClientId(client_id), at, TimelineKind.CALL, ref, "Входящий звонок, 12 с"
    )


def _all(ops: ClientOps, client_id: str) -> list[TimelineEntry]:
    found: list[TimelineEntry] = []
    after = None
    while True:
        page = ops.clients.timeline(ClientId(client_id), after=after, limit=2)
        found.extend(page.entries)
        if page.next is None:
            return found
        after = page.next


def test_an_entry_written_again_moves_with_its_moment_and_client(url: str) -> None:
    with clientops.connect(url, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        one = ops.clients.add(a_client(manager_id=ANNA))
        two = ops.clients.add(a_client(manager_id=ANNA))
        with ops.storage.unit_of_work() as uow:
            uow.timeline.record([_entry(one.id, T0, "call:x", "x")])
        with ops.storage.unit_of_work() as uow:
            uow.timeline.record([_entry(one.id, T0 + timedelta(seconds=5), "call:x", "x")])
        assert [e.at for e in _all(ops, one.id)] == [T0 + timedelta(seconds=5)]
        with ops.storage.unit_of_work() as uow:
            uow.timeline.record([_entry(two.id, T0, "call:x", "x")])
        assert _all(ops, one.id) == []
        assert [(e.id, e.client_id, e.at) for e in _all(ops, two.id)] == [("call:x", two.id, T0)]


def _fill(ops: ClientOps, clock: list[datetime]) -> list[Client]:
    """Cards and a history of every shape of row: ids holding their ref and not, a hashed
    long id, a note with its text and files, a call's recording, all-day entries."""
    ops.clients.add_staff(a_staff())
    rich = a_client(
        manager_id=ANNA,
        inn="7707083893",
        contacts=(Contact("Иван Петров", decision_maker=True),),
        emails=("office@example.ru",),
    )
    cards = [ops.clients.add(rich), ops.clients.add(a_client(manager_id=ANNA))]
    card = cards[0]
    appeal = ops.clients.open_appeal(
        card.id, topic="Продление договора", department_id=DepartmentId("client"), by=ANNA
    )
    clock[0] = T0 + timedelta(minutes=5)
    reaction = ops.clients.add_reaction(
        appeal.id, NextReaction(T0 + timedelta(hours=1), ANNA), by=ANNA
    )
    clock[0] = T0 + timedelta(minutes=20)
    ops.clients.complete_reaction(reaction.id, ReactionResult.NO_ANSWER, by=ANNA, note="Нет")
    with ops.storage.unit_of_work() as uow:
        call = a_call(client=card, at=T0 + timedelta(minutes=10), seconds=75)
        uow.calls.add(attrs.evolve(call, recording="https://pbx.example/rec/42.mp3"))
        uow.invoices.add(an_invoice(card))
        uow.timeline.record(
            [
                _entry(card.id, T0 - timedelta(days=1), "call:" + "f" * 64, "x" * 190),
                _entry(card.id, T0 - timedelta(days=2), "call:a:b", "a:b"),
                _entry(card.id, T0 - timedelta(days=3), "call:zz", "other"),
            ]
        )
    ops.clients.add_note(
        card.id,
        "Просили КП\nпо почте",
        by=ANNA,
        attachments=(Attachment("КП.pdf", "https://files.example/kp.pdf"),),
    )
    ops.clients.update(attrs.evolve(ops.clients.get(card.id), city="Тюмень"), by=ANNA)
    return cards


def _back_to_26(url: str, entries: list[TimelineEntry], cards: list[Client]) -> None:
    """The store as schema 26 kept it: the old timeline table with every entry, full cards."""
    old = (
        "INSERT INTO timeline(id, client_id, at, kind, ref, summary, who, link, all_day, doc) "
        "VALUES ({})"
    )
    rows = [
        (
            e.id,
            e.client_id,
            e.at,
            e.kind.value,
            e.ref,
            e.summary,
            e.who,
            e.link,
            int(e.all_day),
            note_json(e),
        )
        for e in entries
    ]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            drop_later(db.execute, 26)
            db.executemany(
                old.format(", ".join("?" * 10)), [(*r[:2], _utc(r[2]), *r[3:]) for r in rows]
            )
            db.executemany("UPDATE clients SET doc=? WHERE id=?", [(dump(c), c.id) for c in cards])
            db.execute("PRAGMA user_version=26")
        return
    import psycopg

    server, schema = url.split("?schema=")
    with psycopg.connect(server) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        drop_later(conn.execute, 26, _schema.POSTGRESQL)
        with conn.cursor() as cur:
            cur.executemany(old.format(", ".join(["%s"] * 10)), rows)
            cur.executemany(
                "UPDATE clients SET doc=%s WHERE id=%s", [(dump(c), c.id) for c in cards]
            )
        conn.execute("UPDATE clientops_schema SET version=26")


def _stored_docs(url: str) -> list[str]:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
            assert "timeline_26" not in tables
            return [r[0] for r in db.execute("SELECT doc FROM clients ORDER BY seq")]
    import psycopg

    server, schema = url.split("?schema=")
    with psycopg.connect(server) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        assert conn.execute("SELECT to_regclass('timeline_26')").fetchone() == (None,)
        return [r[0] for r in conn.execute("SELECT doc FROM clients ORDER BY seq")]


def test_a_store_of_schema_26_migrates_keeping_every_entry_and_card(url: str) -> None:
    clock = [T0]

    def now() -> datetime:
        return clock[0]

    with clientops.connect(url, clock=now) as ops:
        cards = _fill(ops, clock)
        before = {c.id: _all(ops, c.id) for c in cards}
        stored = [ops.clients.get(c.id) for c in cards]
    entries = [e for v in before.values() for e in v]
    assert len(entries) >= 10
    assert any(e.attachments for e in entries)
    assert any(e.link for e in entries)
    _back_to_26(url, entries, stored)
    with clientops.connect(url, clock=now) as ops:
        assert ops.storage.schema_version == _schema.HEAD  # type: ignore[attr-defined]
        after = {c.id: _all(ops, c.id) for c in cards}
        assert [ops.clients.get(c.id) for c in cards] == stored
    assert after == before
    for doc in _stored_docs(url):
        data: dict[str, Any] = json.loads(doc)
        assert None not in data.values()
        assert [] not in data.values()


def test_a_card_is_stored_without_its_defaults_and_read_back_whole(url: str) -> None:
    with clientops.connect(url, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        card = ops.clients.add(a_client(manager_id=ANNA))
        assert ops.clients.get(card.id) == card
    [doc] = _stored_docs(url)
    data: dict[str, Any] = json.loads(doc)
    assert None not in data.values()
    assert [] not in data.values()
    assert {"id", "name", "city"} <= data.keys()
    assert "version" not in data
    assert "contacts" not in data
