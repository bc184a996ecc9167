"""The card's timeline through ``ops.clients``: one ordered, paged history across the areas,
with who, when and a Russian line; notes with attachments by reference; filters by kind and
period; keyset paging; the migration that fills it from the records stored before; on
memory, SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from tests._schema_back import drop_later

import clientops
from clientops import ClientOps
from clientops.adapters import _schema
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import (
    Attachment,
    DepartmentId,
    EmployeeId,
    NextReaction,
    ReactionResult,
    TimelineKind,
)
from clientops.errors import NotFoundError, ValidationError
from clientops.ports import Storage
from clientops.testing import T0, a_call, a_client, a_payment, a_staff, an_invoice, an_order

ANNA = EmployeeId("anna")
MSK = clientops.Policy().tz


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "timeline.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ops(make_storage: Callable[[], Storage], clock: Clock) -> Iterator[ClientOps]:
    with ClientOps(make_storage(), clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def test_one_history_across_the_areas_newest_first(ops: ClientOps, clock: Clock) -> None:
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    appeal = ops.clients.open_appeal(
        card.id, topic="Продление договора", department_id=DepartmentId("client"), by=ANNA
    )
    clock.now = T0 + timedelta(minutes=5)
    call = ops.clients.add_reaction(appeal.id, NextReaction(T0 + timedelta(hours=1), ANNA), by=ANNA)
    with ops.storage.unit_of_work() as uow:
        entry = a_call(client=card, at=T0 + timedelta(minutes=10), seconds=75)
        uow.calls.add(attrs.evolve(entry, recording="https://pbx.example/rec/42.mp3"))
    clock.now = T0 + timedelta(minutes=20)
    ops.clients.complete_reaction(
        call.id, ReactionResult.NO_ANSWER, by=ANNA, note="Не взяли трубку"
    )
    clock.now = T0 + timedelta(minutes=30)
    ops.clients.add_note(
        card.id,
        "Просили КП на 2026 год\nпо почте",
        by=ANNA,
        attachments=(Attachment("КП-2026.pdf", "https://files.example/kp-2026.pdf"),),
    )
    page = ops.clients.timeline(card.id)
    assert [e.kind for e in page.entries] == [
        TimelineKind.NOTE,
        TimelineKind.REACTION,
        TimelineKind.CALL,
        TimelineKind.REACTION,
        TimelineKind.APPEAL,
    ]
    assert page.lines(MSK) == (
        "23.06.2025 10:30 Заметка (anna): Заметка: Просили КП на 2026 год (вложений: 1)",
        "23.06.2025 10:20 Реакция (anna): Исходящий звонок: Продление договора — "
        "Не дозвонились: Не взяли трубку",
        "23.06.2025 10:10 Звонок (anna): Входящий звонок, 1 мин 15 с, есть запись",
        "23.06.2025 10:05 Реакция (anna): Запланировано: исходящий звонок — Продление договора",
        "23.06.2025 10:00 Обращение (anna): Обращение: Продление договора",
    )
    note = page.entries[0]
    assert note.body == "Просили КП на 2026 год\nпо почте"
    assert note.attachments[0].ref == "https://files.example/kp-2026.pdf"
    assert page.entries[2].link == "https://pbx.example/rec/42.mp3"
    assert page.next is None


def test_filters_by_kind_and_period_and_pages_by_keyset(ops: ClientOps, clock: Clock) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA))
    for n in range(25):
        clock.now = T0 + timedelta(hours=n)
        ops.clients.add_note(card.id, f"Заметка {n}", by=ANNA, note_id=f"n{n:02d}")
    with ops.storage.unit_of_work() as uow:
        uow.orders.add(an_order(card))
        uow.invoices.add(an_invoice(card, issue_date=date(2025, 6, 13)))
        uow.payments.add(a_payment(card, date=date(2025, 6, 20)))
    seen: list[str] = []
    after = None
    while True:
        page = ops.clients.timeline(card.id, kinds=(TimelineKind.NOTE,), after=after, limit=10)
        seen += [e.ref for e in page.entries]
        if page.next is None:
            break
        after = page.next
    assert seen == [f"n{n:02d}" for n in reversed(range(25))]
    money = ops.clients.timeline(card.id, kinds=(TimelineKind.INVOICE, TimelineKind.PAYMENT))
    assert [(e.kind, e.all_day) for e in money.entries] == [
        (TimelineKind.PAYMENT, True),
        (TimelineKind.INVOICE, True),
    ]
    assert money.entries[0].line(MSK) == ("20.06.2025 Оплата: Оплата 12000 RUB — Оплата по счёту")
    window = ops.clients.timeline(
        card.id, since=T0 + timedelta(hours=3), until=T0 + timedelta(hours=5)
    )
    assert [e.ref for e in window.entries] == ["n04", "n03"]
    (order,) = ops.clients.timeline(card.id, kinds=(TimelineKind.ORDER,)).entries
    assert "этап" in order.summary


def test_a_retried_note_is_stored_once_and_bad_input_stores_nothing(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA))
    ops.clients.add_note(card.id, "Позвонить в четверг", by=ANNA, note_id="n1")
    ops.clients.add_note(card.id, "Позвонить в четверг", by=ANNA, note_id="n1")
    assert len(ops.clients.timeline(card.id).entries) == 1
    with pytest.raises(ValidationError) as caught:
        ops.clients.add_note(card.id, "   ", by=ANNA)
    assert caught.value.paths == ("text",)
    with pytest.raises(ValidationError) as caught:
        ops.clients.add_note(card.id, "Файл", by=ANNA, attachments=(Attachment("", "https://x"),))
    with pytest.raises(NotFoundError):
        ops.clients.add_note(card.id, "Кто это?", by=EmployeeId("nobody"))
    with pytest.raises(NotFoundError):
        ops.clients.timeline(clientops.clients.ClientId("nobody"))
    for bad in (
        {"limit": 0},
        {"limit": 501},
        {"kinds": ("note",)},
        {"since": T0.replace(tzinfo=None)},
    ):
        with pytest.raises(ValidationError):
            ops.clients.timeline(card.id, **bad)  # type: ignore[arg-type]
    assert len(ops.clients.timeline(card.id).entries) == 1


def test_the_upgrade_to_the_timeline_schema_fills_it_from_stored_records(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "old.db"
    with ClientOps(SQLiteStorage(path), clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        card = ops.clients.add(a_client(manager_id=ANNA))
        appeal = ops.clients.open_appeal(
            card.id, topic="Счёт", department_id=DepartmentId("client"), by=ANNA
        )
        with ops.storage.unit_of_work() as uow:
            uow.invoices.add(an_invoice(card))
            uow.claims.put_satisfaction(card.id, ANNA, date(2025, 6, 1), date(2025, 6, 20))
        before = ops.clients.timeline(card.id).entries
    added = next(t.since for t in _schema.TABLES if t.name == "timeline")
    with sqlite3.connect(path) as db:  # a store of the version before: no timeline table
        drop_later(db.execute, added - 1)
        db.execute(f"PRAGMA user_version={added - 1}")
    with ClientOps(SQLiteStorage(path), clock=clock) as ops:
        after = ops.clients.timeline(card.id).entries
    assert after == before
    assert {e.kind for e in after} == {
        TimelineKind.APPEAL,
        TimelineKind.INVOICE,
        TimelineKind.SATISFACTION_CALL,
    }
    assert appeal.id in [e.ref for e in after]


def test_a_card_change_is_on_the_timeline_naming_the_fields(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(city="Омск", manager_id=ANNA))
    changed = ops.clients.update(attrs.evolve(card, city="Тюмень", inn="7707083893"), by=ANNA)
    ops.clients.update(changed)  # nothing the manager sees changed: no entry
    (entry,) = ops.clients.timeline(card.id, kinds=(TimelineKind.CARD,)).entries
    assert (entry.who, entry.summary) == (ANNA, "Карточка изменена: город, ИНН")


def test_entries_of_an_appeal_are_checked_entries_and_a_bad_id_is_refused() -> None:
    """An appeal's entry is made without its checks when the appeal's parts pass them (it is
    then the entry its constructor makes); an id an appeal takes but an entry does not (a tab
    in it) is refused as ever."""
    from clientops._timeline import timeline_entries
    from clientops.model import Appeal, AppealId, ClientId, DepartmentId

    (entry,) = timeline_entries(
        Appeal(AppealId("a1"), ClientId("c1"), "Тема  с\nпереносом", DepartmentId("sales"), T0)
    )
    assert attrs.evolve(entry) == entry
    assert entry.summary == "Обращение: Тема с переносом"
    tabbed = Appeal(AppealId("a\t1"), ClientId("c1"), "Тема", DepartmentId("sales"), T0)
    with pytest.raises(ValidationError, match="control character") as err:
        timeline_entries(tabbed)
    assert err.value.paths == ("id",)
