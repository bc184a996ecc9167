"""A department on one shared database: import, two managers on one card, the outbox.

Run it:  python examples/team_database.py                      # a SQLite file
         python examples/team_database.py --url postgresql://postgres@127.0.0.1:5432/test?schema=demo

The same scenario runs against either store; only the URL differs. It

1. imports the department's clients from a spreadsheet saved as CSV by Excel (windows-1251,
   ``;``), with one bad phone and one row whose contract number is already taken;
2. imports the same file again: nothing is stored twice;
3. lets two managers open the same card and save it: the second save is refused with a
   conflict, re-read, and redone, so neither change is lost;
4. records a welcome letter in the outbox together with a change of the card, and delivers it;
5. prints the morning list of open reactions of one manager.

Everything is printed in Russian, as the department would see it.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
from _support.fresh import fresh_store
from _support.output import typeset_output

import clientops
from clientops import (
    Appeal,
    AppealId,
    AppealType,
    ConflictError,
    Contact,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    PluginHost,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    hookimpl,
    new_id,
)
from clientops.clients import StaffDirectory
from clientops.outbox import OutboxMessage
from clientops.russian import quote

NOW = datetime(2025, 6, 23, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ANNA, OLEG = EmployeeId("anna"), EmployeeId("oleg")

SPREADSHEET = """\
Наименование;Город;Телефон;Договор;Менеджер;Контактное лицо
ООО «Ромашка»;Москва;+7 (495) 123-45-67;Д-1001;anna;Сергей Петрович
АО «Вектор»;Омск;8 3812 55-44-33;Д-1002;oleg;
ИП Сидоров;Тула;позвонить Ивану;Д-1003;anna;
ООО «Гранит»;Казань;+7 843 200-10-10;Д-1004;oleg;"Мария ""Маша"" Орлова"
ООО «Лотос»;Самара;+7 846 300-20-20;Д-1001;anna;
"""


def staff() -> StaffDirectory:
    client = DepartmentId("client")
    return StaffDirectory(
        departments=(Department(client, "Клиентский отдел"),),
        employees=(
            Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", client, (Role.CLIENT_MANAGER,)),
            Employee(OLEG, "Орлов Олег Игоревич", "Олег", client, (Role.CLIENT_MANAGER,)),
        ),
    )


class Mailer:
    """Stands in for the department's mail server: the outbox's deliverer of welcome letters."""

    @hookimpl
    def clientops_register_deliverer(self, register):  # type: ignore[no-untyped-def]
        def send(message: OutboxMessage) -> None:
            data = message.data()
            print(f"   письмо отправлено: {data['to']} — {quote(data['subject'])}")

        register("mail.welcome", send)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        help="a storage URL (default: a fresh SQLite file in clientops-demo/)",
    )
    args = parser.parse_args()
    # an empty store each run (so a second run prints the same), never another's data
    url = fresh_store(
        args.url or f"sqlite:///{Path('clientops-demo') / 'team.db'}", "team_database"
    )

    host = PluginHost(entry_points=False)
    host.register(Mailer(), "mailer")
    with clientops.connect(url, host=host, clock=lambda: NOW) as ops:
        typeset_output()
        print(f"Хранилище: {ops.storage.name} ({url.split('?')[0]})")
        ops.clients.add_staff(staff())

        print("\n1. Загрузка клиентов из таблицы (CSV из Excel, windows-1251):")
        data = SPREADSHEET.encode("cp1251")
        report = ops.clients.import_csv(data)
        print("  ", report.summary())
        for row in report.rejected:
            for reason in row.reasons:
                print(f"   строка {row.line}, «{reason.path}»: {reason.message}")

        print("\n2. Тот же файл ещё раз:")
        print("  ", ops.clients.import_csv(data).summary())

        print("\n3. Анна и Олег одновременно открыли карточку «Ромашки»:")
        (card,) = ops.clients.find(contract="Д-1001")
        annas_copy, olegs_copy = card, card
        saved = ops.clients.update(attrs.evolve(annas_copy, emails=("info@romashka.ru",)))
        print(f"   Анна сохранила e-mail (версия карточки {saved.version})")
        try:
            ops.clients.update(attrs.evolve(olegs_copy, city="Москва, Зеленоград"))
        except ConflictError as err:
            print(
                f"   Олег получил отказ: карточку уже изменили (ждал версию {err.expected}, "
                f"в базе {err.found}); перечитал и сохранил снова"
            )
            fresh = ops.clients.get(card.id)
            saved = ops.clients.update(attrs.evolve(fresh, city="Москва, Зеленоград"))
        print(f"   в карточке и e-mail Анны, и город Олега: {saved.emails[0]}, {saved.city}")

        print("\n4. Приветственное письмо — через outbox, вместе с изменением карточки:")
        with ops.storage.unit_of_work() as uow:
            current = uow.clients.get(card.id)
            director = Contact("Иванов Сергей Петрович", position="директор", decision_maker=True)
            uow.clients.update(attrs.evolve(current, contacts=(*current.contacts, director)))
            uow.outbox.enqueue(
                OutboxMessage.new(
                    "mail.welcome",
                    {"to": current.emails[0], "subject": "Добро пожаловать в MLS IT"},
                    key=f"welcome:{card.id}",
                    now=NOW,
                )
            )
        delivery = ops.outbox.deliver()
        print(f"   доставлено: {len(delivery.delivered)}; повторно не отправляется:", end=" ")
        print(len(ops.outbox.deliver().delivered))

        print("\n5. Утренний список Анны:")
        appeal = Appeal(
            AppealId(new_id()),
            card.id,
            "Продление договора",
            DepartmentId("client"),
            NOW - timedelta(days=1),
            type=AppealType.SERVICE,
        )
        with ops.storage.unit_of_work() as uow:
            uow.appeals.add(appeal)
            for hours, topic in ((-20, "Перезвонить по продлению"), (1, "Отправить счёт")):
                uow.appeals.add_reaction(
                    Reaction(
                        ReactionId(new_id()),
                        appeal.id,
                        card.id,
                        ReactionKind.OUTGOING_CALL,
                        topic,
                        due_at=NOW + timedelta(hours=hours),
                        created_at=NOW - timedelta(days=1),
                        employee_id=ANNA,
                    )
                )
        for item in ops.clients.due_reactions(ANNA, until=NOW + timedelta(hours=8)):
            mark = "ПРОСРОЧЕНО" if item.overdue(NOW) else "сегодня"
            due = item.due_at.astimezone(NOW.tzinfo).strftime("%d.%m %H:%M")
            print(f"   [{mark}] {due} {item.client_name}: {item.topic}")


if __name__ == "__main__":
    main()
