"""Three mornings of a small client department, on a SQLite file.

Run it:  python examples/morning_agenda.py [--db clientops-demo/agenda.db]

Two client managers, a head of sales and a general director; a handful of clients, each
assigned to a manager (the satisfaction call is due every 14 days). Each morning the agenda of
every manager is printed in Russian, most urgent first, each item saying why it is there.
On Monday Анна calls her clients: one is satisfied (a recommendation letter is asked for and
followed up), one is not — his complaint about the delivery becomes a claim that goes at once
to the head of sales and to the general director, and sits on everyone's agenda until it is
resolved. On Tuesday the causes are found; on Wednesday the goods are replaced and the client
is satisfied.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
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
    Money,
    Phone,
    Role,
)
from clientops.agenda import AgendaKind
from clientops.claims import (
    FindCauses,
    FixKind,
    ResolveSatisfied,
    SatisfactionCall,
    SatisfactionOutcome,
    StartFix,
)
from clientops.clients import StaffDirectory
from clientops.russian import count_text, money_text

MOSCOW = ZoneInfo("Europe/Moscow")
ANNA, OLEG = EmployeeId("anna"), EmployeeId("oleg")
PETROV, IVANOV = EmployeeId("petrov"), EmployeeId("ivanov")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW)

    def __call__(self) -> datetime:
        return self.now


def staff() -> StaffDirectory:
    d = DepartmentId
    return StaffDirectory(
        departments=(
            Department(d("client"), "Клиентский отдел", head_id=ANNA),
            Department(d("sales"), "Отдел продаж", head_id=PETROV),
            Department(d("management"), "Дирекция", head_id=IVANOV),
        ),
        employees=(
            Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,)),
            Employee(OLEG, "Орлов Олег Петрович", "Олег", d("client"), (Role.CLIENT_MANAGER,)),
            Employee(PETROV, "Петров Игорь Олегович", "Игорь", d("sales"), (Role.SALES_MANAGER,)),
            Employee(IVANOV, "Иванов Иван Иванович", "Иван", d("management"), (Role.DIRECTOR,)),
        ),
    )


CLIENTS = (
    # id, name, manager, assigned on, birthday of the contact
    ("romashka", "ООО «Ромашка»", ANNA, date(2026, 11, 9), None),
    ("vektor", "ООО «Вектор»", ANNA, date(2026, 11, 9), None),
    ("lyutik", "ООО «Лютик»", ANNA, date(2026, 11, 20), date(1980, 11, 24)),
    ("klever", "ООО «Клевер»", OLEG, date(2026, 11, 10), None),
    ("myata", "ИП Мятин", OLEG, date(2026, 11, 19), date(1985, 11, 25)),
)


def print_agendas(ops: clientops.ClientOps, day: date) -> None:
    print(f"\n=== {day:%d.%m.%Y}, {('пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс')[day.weekday()]} ===")
    for agenda in ops.agenda.for_everyone(day):
        person = ops.clients.staff().employee(agenda.employee_id)
        name = person.full_name if person else agenda.employee_id
        print(f"{name}: {count_text(len(agenda.items), 'дело', 'дела', 'дел')}")
        for line in agenda.lines(ops.policy.tz):
            print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("clientops-demo/agenda.db"))
    path: Path = parser.parse_args().db
    typeset_output()
    url = fresh_sqlite(path, "morning_agenda")  # empty each run; never another's file

    clock = Clock()
    with clientops.connect(url, clock=clock) as ops:
        ops.clients.add_staff(staff())
        for n, (key, name, manager, assigned, birthday) in enumerate(CLIENTS):
            ops.clients.add(
                Client(
                    id=ClientId(key),
                    name=name,
                    city="Омск",
                    phones=(Phone.parse(f"+7 912 100-00-{n + 10:02d}"),),
                    birthday=birthday,
                )
            )
            ops.claims.assign_client(ClientId(key), manager, on=assigned)

        monday = date(2026, 11, 23)
        print_agendas(ops, monday)

        clock.now = datetime(2026, 11, 23, 11, 0, tzinfo=MOSCOW)
        happy = ops.claims.record_satisfaction(
            ClientId("romashka"),
            SatisfactionCall(
                client_id=ClientId("romashka"),
                manager_id=ANNA,
                at=clock.now,
                outcome=SatisfactionOutcome.SATISFIED,
                notes="Всё работает, довольны",
            ),
            by=ANNA,
        )
        letter = happy.recommendation
        if letter is not None:
            print(f"\nРомашка довольна: просим рекомендательное письмо ({letter.client_name})")
        clock.now = datetime(2026, 11, 23, 11, 30, tzinfo=MOSCOW)
        unhappy = ops.claims.record_satisfaction(
            ClientId("vektor"),
            SatisfactionCall(
                client_id=ClientId("vektor"),
                manager_id=ANNA,
                at=clock.now,
                outcome=SatisfactionOutcome.UNSATISFIED,
                client_words="Турникеты привезли на неделю позже обещанного, монтаж сорван",
                department_id=DepartmentId("sales"),
                money=Money("45000"),
            ),
            by=ANNA,
        )
        assert unhappy.claim is not None
        claim = unhappy.claim.claim
        directory = ops.clients.staff()
        told = sorted(
            {
                directory.require(r.employee_id).person
                for r in unhappy.claim.reactions
                if r.employee_id
            },
            key=str,
        )
        print(
            "Вектор недоволен: претензия зарегистрирована, сразу сообщено "
            + ", ".join(f"{person:dat}" for person in told)
        )

        tuesday = monday + timedelta(days=1)
        clock.now = datetime(2026, 11, 24, 8, 30, tzinfo=MOSCOW)
        print_agendas(ops, tuesday)
        clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=MOSCOW)
        ops.claims.advance(claim.id, FindCauses("Поставщик сдвинул отгрузку"), by=PETROV)
        ops.claims.advance(claim.id, StartFix(FixKind.REPLACEMENT), by=PETROV)

        wednesday = tuesday + timedelta(days=1)
        clock.now = datetime(2026, 11, 25, 8, 30, tzinfo=MOSCOW)
        print_agendas(ops, wednesday)
        clock.now = datetime(2026, 11, 25, 16, 0, tzinfo=MOSCOW)
        ops.claims.advance(claim.id, ResolveSatisfied("Замена и скидка 10 %"), by=ANNA)
        figures = ops.claims.figures(monday, wednesday)
        print(
            f"\nПретензии за три дня: подано {figures.total.filed}, "
            f"удовлетворено {figures.total.resolved_satisfied}, "
            f"сумма {money_text(figures.total.filed_money)}"
        )
        left = ops.agenda.for_manager(ANNA, wednesday).of_kind(AgendaKind.CLAIM)
        print("Претензий на повестке Анны после решения:", len(left))


if __name__ == "__main__":
    main()
