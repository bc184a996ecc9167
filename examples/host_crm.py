"""clientops inside a CRM that already exists: one SQLite file, the CRM's tables and clientops's.

Run it:  python examples/host_crm.py [--out host-crm-demo]

The CRM keeps its customers in its own table. The example opens clientops over the CRM's own
connection (``SQLiteStorage.over_connection``), so both live in one file, and then:

1. sends the CRM's customers to clientops by the CRM's ids (``ops.clients.upsert_many``);
   sent again, nothing changes;
2. adds a customer in the CRM and its card in clientops in ONE transaction of the CRM's, and
   shows that the CRM's rollback takes the card back too;
3. lets the department work in clientops (an incoming call, its reaction completed);
4. follows the change feed (``clientops.feed.Feed``) into the CRM's activity table, saving the
   feed position in the same transaction as the activity rows, so each event lands once even
   if the process is killed; read again, there is nothing new.
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from _support.fresh import fresh_folder
from _support.output import typeset_output

from clientops import (
    ClientId,
    ClientOps,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Phone,
    Policy,
    Role,
)
from clientops.adapters.sqlite import SQLiteStorage
from clientops.calls import CallIntent, IncomingCall
from clientops.clients import ExternalCard, ExternalId, ReactionResult
from clientops.feed import Feed
from clientops.model import Contact

NOW = datetime(2025, 6, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ANNA = EmployeeId("anna")

CRM_TABLES = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL,
    phone TEXT NOT NULL, contact TEXT NOT NULL);
CREATE TABLE activity (
    position INTEGER PRIMARY KEY, customer_id INTEGER, what TEXT NOT NULL);
CREATE TABLE feed_position (n INTEGER NOT NULL);
INSERT INTO feed_position VALUES (0);
INSERT INTO customers VALUES
    (1, 'ООО «Ромашка»', 'Омск', '8 912 345-67-89', 'Иванов Иван'),
    (2, 'ИП Сидоров', 'Тверь', '+7 913 111-22-33', 'Сидоров Пётр');
"""

#: What the CRM writes in its activity log for each kind of event it follows.
WHAT = {
    "ClientCreated": "карточка создана в clientops",
    "ClientUpdated": "карточка изменена в clientops",
    "AppealOpened": "открыто обращение",
    "ReactionScheduled": "запланирована реакция",
    "ReactionCompleted": "реакция выполнена",
    "CallRouted": "входящий звонок распределён",
}


def card_of(row: sqlite3.Row) -> ExternalCard:
    """One row of the CRM's customers table as clientops's card."""
    return ExternalCard(
        external_id=ExternalId("crm", str(row["id"])),
        name=row["name"],
        city=row["city"],
        phones=(Phone.parse(row["phone"]),),
        contacts=(Contact(row["contact"]),),
    )


def sync(crm: sqlite3.Connection, ops: ClientOps) -> str:
    rows = crm.execute("SELECT * FROM customers ORDER BY id").fetchall()
    return ops.clients.upsert_many(card_of(row) for row in rows).summary()


def follow_feed(crm: sqlite3.Connection, ops: ClientOps) -> list[str]:
    """The CRM's feed consumer: activity rows and the position, one commit per batch."""
    feed = Feed(ops)
    crm_ids: dict[str, int | None] = {}

    def customer_of(client_id: str | None) -> int | None:
        if client_id is None:
            return None
        if client_id not in crm_ids:
            external = ops.clients.get(ClientId(client_id)).external_id
            crm_ids[client_id] = int(external.id) if external else None
        return crm_ids[client_id]

    lines = []
    (position,) = crm.execute("SELECT n FROM feed_position").fetchone()
    while entries := feed.read(after=position, limit=100):
        with crm:  # the activity and the position: one transaction of the CRM's
            for entry in entries:
                customer = customer_of(entry.data().get("client_id"))
                what = WHAT.get(entry.kind, "событие")
                crm.execute(
                    "INSERT INTO activity VALUES (?, ?, ?)", (entry.position, customer, what)
                )
                lines.append(f"  № {entry.position}: клиент {customer} — {what}")
            position = entries[-1].position
            crm.execute("UPDATE feed_position SET n=?", (position,))
    return lines


def main() -> None:
    typeset_output()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("host-crm-demo"))
    args = parser.parse_args()
    folder = fresh_folder(args.out, "host_crm")
    path = folder / "crm.db"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)  # the example's own file of a previous run

    crm = sqlite3.connect(path, isolation_level=None)
    crm.row_factory = sqlite3.Row
    crm.executescript(CRM_TABLES)
    crm.isolation_level = ""  # the CRM's own transactions from here: `with crm:`
    ops = ClientOps(
        SQLiteStorage.over_connection(crm),
        policy=Policy(external_sources=("crm",)),
        clock=lambda: NOW,
    )
    ops.clients.add_department(Department(DepartmentId("client"), "Клиентский отдел", ANNA))
    ops.clients.add_employee(
        Employee(
            ANNA, "Смирнова Анна Сергеевна", "Анна", DepartmentId("client"), (Role.CLIENT_MANAGER,)
        )
    )

    print("1. Клиенты CRM переданы в clientops по их номерам в CRM")
    print("  ", sync(crm, ops))
    print("   Ещё раз:", sync(crm, ops))

    print("2. Новый клиент в CRM и его карточка в clientops — одна транзакция CRM")
    new = (3, "ООО «Лютик»", "Казань", "+7 917 222-33-44", "Зайцева Ольга")
    try:
        with crm:
            crm.execute("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", new)
            row = crm.execute("SELECT * FROM customers WHERE id=3").fetchone()
            ops.clients.upsert(card_of(row))
            raise RuntimeError("CRM передумала")
    except RuntimeError:
        pass
    (customers,) = crm.execute("SELECT count(*) FROM customers").fetchone()
    cards = len(ops.clients.find(name="Лютик"))
    print(
        f"   После отката CRM: клиентов в CRM — {customers}, таких карточек в clientops — {cards}"
    )
    with crm:
        crm.execute("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", new)
        row = crm.execute("SELECT * FROM customers WHERE id=3").fetchone()
        result = ops.clients.upsert(card_of(row))
    print(f"   После фиксации: карточка клиента {result.card.name} создана в clientops")

    print("3. Работа отдела в clientops: звонок клиента и его обработка")
    routing = ops.calls.handle_incoming(
        IncomingCall(
            CallIntent.PRODUCT_INFO,
            caller_phone="8 912 345-67-89",
            topic="Продление лицензии",
        ),
        answered_by=ANNA,
    )
    assert routing.client is not None
    assert routing.reaction is not None
    ops.clients.complete_reaction(routing.reaction.id, ReactionResult.DONE, by=ANNA)
    print(f"   Звонок от клиента {routing.client.name} принят, реакция выполнена")

    print("4. CRM читает ленту изменений в свой журнал")
    for line in follow_feed(crm, ops):
        print(line)
    again = follow_feed(crm, ops)
    print("   Прочитана ещё раз:", "новых событий нет" if not again else f"{len(again)} новых")
    (logged,) = crm.execute("SELECT count(*) FROM activity").fetchone()
    (position,) = crm.execute("SELECT n FROM feed_position").fetchone()
    print(f"   В журнале CRM записей: {logged}, позиция ленты: {position}")
    ops.close()
    crm.close()


if __name__ == "__main__":
    main()
