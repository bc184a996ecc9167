"""The incoming call, end to end: the four branches of the job description, on a SQLite file.

Run it:  python examples/incoming_call.py [--db clientops-demo/incoming_call.db]

It sets up a small company (sales, client department, tech support, management), then takes
five calls: a price request from a new caller, a caller asking for a sales manager who is on
holiday, a client calling tech support by contract number, a tech-support caller who cannot be
identified, and an offer of cooperation. For each it prints, in Russian, what the manager says
and what was recorded in the database.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from _support.fresh import fresh_sqlite
from _support.output import typeset_output

import clientops
from clientops import (
    Client,
    ClientId,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Phone,
    Role,
)
from clientops.calls import CallIntent, CallRouting, IncomingCall
from clientops.clients import Absence
from clientops.russian import quote

NOW = datetime(2025, 6, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ANNA = EmployeeId("anna")


def set_up(ops: clientops.ClientOps) -> None:
    for dept in (
        Department(DepartmentId("sales"), "Отдел продаж", head_id=EmployeeId("petrov")),
        Department(DepartmentId("client"), "Клиентский отдел", head_id=ANNA),
        Department(DepartmentId("tech_support"), "Техническая поддержка"),
        Department(DepartmentId("management"), "Менеджмент"),
    ):
        ops.clients.add_department(dept)
    for emp in (
        Employee(
            ANNA, "Смирнова Анна Сергеевна", "Анна", DepartmentId("client"), (Role.CLIENT_MANAGER,)
        ),
        Employee(
            EmployeeId("petrov"),
            "Петров Игорь Олегович",
            "Игорь",
            DepartmentId("sales"),
            (Role.SALES_MANAGER,),
        ),
        Employee(
            EmployeeId("kuznetsova"),
            "Кузнецова Мария Павловна",
            "Мария",
            DepartmentId("sales"),
            (Role.SALES_MANAGER,),
        ),
    ):
        ops.clients.add_employee(emp)
    ops.clients.add_absence(
        Absence(EmployeeId("kuznetsova"), date(2025, 6, 16), date(2025, 6, 29), "отпуск")
    )
    ops.clients.add(
        Client(
            id=ClientId(clientops.new_id()),
            name="ООО «Вектор»",
            city="Томск",
            phones=(Phone.parse("8 (3822) 55-66-77"),),
            contract_numbers=("Д-15/24",),
            created_at=NOW,
        )
    )


CALLS: tuple[tuple[str, IncomingCall], ...] = (
    (
        "1. Запрос цен от нового звонящего",
        IncomingCall(
            CallIntent.PRODUCT_INFO,
            caller_phone="8 (912) 345-67-89",
            name="ООО «Ромашка»",
            city="Омск",
            topic="Запрос цен по ArchiCredit",
        ),
    ),
    (
        "2. Просят менеджера по продажам, который в отпуске",
        IncomingCall(CallIntent.SALES_MANAGER, requested_manager="Кузнецова"),
    ),
    (
        "3. Клиент звонит в техподдержку, называет номер договора",
        IncomingCall(
            CallIntent.TECH_SUPPORT,
            is_customer=True,
            contract_number="д-15/24",
            topic="Не запускается модуль отчётов",
        ),
    ),
    (
        "3а. Звонящий в техподдержку не найден",
        IncomingCall(CallIntent.TECH_SUPPORT, is_customer=True, name="ООО «Неизвестная»"),
    ),
    (
        "4. Предложение о сотрудничестве",
        IncomingCall(
            CallIntent.COOPERATION,
            caller_phone="+7 495 123-45-67",
            name="АО «Медиа-Партнёр»",
            city="Москва",
            contact_person="Олег Викторович",
            topic="Размещение рекламы",
        ),
    ),
)


#: What the rule's violation codes mean, for the manager.
VIOLATIONS_RU = {
    "employee_absent": "запрошенного сотрудника сегодня нет на месте",
    "employee_not_found": "такого сотрудника нет в справочнике",
    "employee_ambiguous": "под это имя подходят несколько сотрудников",
    "client_not_found": "клиент или дилер не найден ни по названию, ни по договору",
    "client_ambiguous": "под эти данные подходят несколько клиентов",
}


def describe(ops: clientops.ClientOps, routing: CallRouting) -> list[str]:
    staff = ops.clients.staff()

    def department(dept_id: DepartmentId | None) -> str:
        found = staff.department(dept_id) if dept_id else None
        return found.name if found else str(dept_id)

    lines = [f"   МКО: {quote(line)}" for line in routing.script]
    if routing.transfer_to is not None:
        if routing.transfer_to.employee_id is not None:
            employee = staff.employee(routing.transfer_to.employee_id)
            target = employee.full_name if employee else routing.transfer_to.employee_id
        else:
            target = department(routing.transfer_to.department_id)
        lines.append(f"   Перевод звонка: {target}")
    if routing.reaction is None:
        lines.append("   В CRM: ничего не записано")
    else:
        client, reaction = routing.client, routing.reaction
        assert client is not None
        card = "новая карточка" if routing.new_client else "существующая карточка"
        lines.append(
            f"   В CRM: {card} {client.name}, {client.city}, "
            f"контакт {client.contact_person}, тел. {client.phones[0].international()}"
        )
        due = reaction.due_at.astimezone(ops.policy.tz).strftime("%d.%m.%Y %H:%M")
        lines.append(
            f"   Обращение «{routing.appeal.topic if routing.appeal else ''}» → "
            f"реакция «Входящий звонок» для отдела «{department(reaction.department_id)}», "
            f"срок {due}"
        )
    for violation in routing.decision.violations:
        lines.append(f"   Внимание: {VIOLATIONS_RU.get(violation.code, violation.message)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="clientops-demo/incoming_call.db", type=Path)
    args = parser.parse_args(argv)
    typeset_output()
    db: Path = args.db
    # the demo starts from an empty database each time, and never touches another one
    url = fresh_sqlite(db, "incoming_call")

    with clientops.connect(url, clock=lambda: NOW) as ops:
        set_up(ops)
        for title, call in CALLS:
            routing = ops.calls.handle_incoming(call, answered_by=ANNA)
            print(title)
            print("\n".join(describe(ops, routing)))
            print()
        found = ops.clients.find(phone="+7 912 3456789")
        print(f"Поиск по телефону +7 912 3456789: {', '.join(c.name for c in found)}")
        found = ops.clients.find(name="ромашка ооо")
        print(f"Поиск по названию «ромашка ооо»: {', '.join(c.name for c in found)}")
    print(f"База данных: {db}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
