"""A morning on the phone line, through the console PBX, on a SQLite file.

Run it:  python examples/phone_line.py [--db clientops-demo/phone_line.db]

The console adapter stands in for the company's PBX and prints what a PBX would do; every
call event goes into the call log (``ops.calls.record_event``). The operator's screen
shows the caller's card and where the call should go (the ``clientops_incoming_call`` hook);
the manager who answers routes the call by the rules of the incoming-call tutorial. Five calls:
a client reaching its manager, a caller asking for a sales manager (put through), a missed
call from an unknown number (a call-back on the agenda), the call-back made by click-to-call,
and a hidden number nobody answered. Then the call log and the call manager's figures.
"""

from __future__ import annotations

import argparse
import sys
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
    Phone,
    Role,
    hookimpl,
)
from clientops.calls import (
    CallIntent,
    CallLogEntry,
    CallStatus,
    IncomingCall,
    IncomingCallNotice,
)
from clientops.labels import label

MOSCOW = ZoneInfo("Europe/Moscow")
ANNA = EmployeeId("anna")
PETROV = EmployeeId("petrov")


class Clock:
    """The morning's clock: the script moves it on."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW)

    def __call__(self) -> datetime:
        return self.now

    def wait(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class OperatorScreen:
    """What the operator sees: the caller's card when an incoming call starts, and each call
    as it ends."""

    @hookimpl
    def clientops_incoming_call(self, notice: IncomingCallNotice) -> None:
        card = notice.client.name if notice.client else "новый абонент"
        to = notice.manager.full_name if notice.manager else "спросить, кто нужен"
        caller = "скрытый номер" if str(notice.entry.caller) == "anonymous" else notice.entry.caller
        print(f"    [экран] {caller}: {card}; соединить: {to}")

    @hookimpl
    def clientops_call_ended(self, entry: CallLogEntry) -> None:
        outcome = label(entry.outcome) if entry.outcome else "?"
        print(f"    [журнал] {outcome}, {entry.duration_seconds} с")


def set_up(ops: clientops.ClientOps) -> None:
    ops.clients.add_department(Department(DepartmentId("client"), "Клиентский отдел", head_id=ANNA))
    ops.clients.add_department(Department(DepartmentId("sales"), "Отдел продаж", head_id=PETROV))
    ops.clients.add_employee(
        Employee(
            ANNA,
            "Смирнова Анна Сергеевна",
            "Анна",
            DepartmentId("client"),
            (Role.CLIENT_MANAGER,),
            extension="101",
        )
    )
    ops.clients.add_employee(
        Employee(
            PETROV,
            "Петров Игорь Олегович",
            "Игорь",
            DepartmentId("sales"),
            (Role.SALES_MANAGER,),
            extension="201",
        )
    )
    ops.clients.add(
        Client(
            id=ClientId("romashka"),
            name="ООО «Ромашка»",
            city="Омск",
            phones=(Phone.parse("+7 912 345-67-89"),),
            manager_id=ANNA,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("clientops-demo/phone_line.db"))
    path: Path = parser.parse_args().db
    typeset_output()
    url = fresh_sqlite(path, "phone_line")  # empty each run; never another's file

    clock = Clock()
    host = clientops.PluginHost()
    host.register(OperatorScreen(), name="operator-screen")
    with clientops.connect(url, host=host, clock=clock) as ops:
        set_up(ops)
        phone = ops.telephony.open(
            "console",
            clock=clock,
            line="+74951234567",
            extensions={"101": ANNA, "201": PETROV},
            out=sys.stdout,
        )

        print(f"{clock.now:%H:%M} — звонит клиент")
        call = phone.incoming("+79123456789")
        phone.ring(call, "101")
        phone.answer(call, "101")
        clock.wait(minutes=3, seconds=5)
        phone.hang_up(call)
        phone.record(call, "rec/2026-11-24/console-1.mp3")

        clock.wait(minutes=12)
        print(f"{clock.now:%H:%M} — просят менеджера по продажам")
        call = phone.incoming("+7 3822 55-66-77")
        phone.ring(call, "101")
        phone.answer(call, "101")
        routing = ops.calls.handle_incoming(
            IncomingCall(
                CallIntent.SALES_MANAGER,
                caller_phone="+7 3822 55-66-77",
                requested_manager="Петров",
            ),
            answered_by=ANNA,
        )
        print("    Анна:", " ".join(routing.script))
        assert routing.transfer_to is not None
        assert routing.transfer_to.employee_id == PETROV
        ops.telephony.transfer_call(call, PETROV)
        phone.ring(call, "201")
        phone.answer(call, "201")
        clock.wait(minutes=6)
        phone.hang_up(call)

        clock.wait(minutes=10)
        print(f"{clock.now:%H:%M} — звонок с незнакомого номера, никто не взял трубку")
        call = phone.incoming("+7 913 000-11-22")
        phone.ring(call, "101")
        clock.wait(seconds=25)
        phone.hang_up(call, CallStatus.NO_ANSWER)
        missed = ops.calls.get(call)
        card = ops.clients.get(missed.client_id) if missed.client_id else None
        due = ops.clients.due_reactions(ANNA, until=clock.now + timedelta(hours=1))
        print(f"    карточка: {card.name if card else '—'}; в плане Анны: {due[-1].topic}")

        clock.wait(minutes=20)
        print(f"{clock.now:%H:%M} — Анна перезванивает (звонок из CRM)")
        placed = ops.telephony.click_to_call(ANNA, "+7 913 000-11-22", key=f"callback-{call}")
        again = ops.telephony.click_to_call(ANNA, "+7 913 000-11-22", key=f"callback-{call}")
        assert again == placed  # the same key never rings twice
        assert placed.call_id is not None
        phone.answer(placed.call_id)
        clock.wait(minutes=2)
        phone.hang_up(placed.call_id)

        clock.wait(minutes=8)
        print(f"{clock.now:%H:%M} — скрытый номер, пропущен")
        call = phone.incoming("anonymous")
        phone.ring(call, "101")
        clock.wait(seconds=15)
        phone.hang_up(call, CallStatus.NO_ANSWER)

        print("Журнал звонков за утро:")
        names = {e.id: e.full_name for e in ops.clients.staff().employees}
        for entry in ops.calls.log(date(2026, 11, 24)):
            when = entry.at.astimezone(MOSCOW).strftime("%H:%M") if entry.at else "--:--"
            who = names.get(entry.employee_id or "", "—")
            outcome = label(entry.outcome) if entry.outcome else "идёт"
            direction = label(entry.direction) if entry.direction else "?"
            number = str(entry.outside_number)
            number = "скрытый номер" if number == "anonymous" else number
            print(
                f"  {when} {direction:9} {number:18} {outcome:11} "
                f"{entry.talk_seconds or 0:4} с  {who}"
            )
        figures = ops.calls.figures(date(2026, 11, 24))
        total = figures.total
        print(
            f"Итого: звонков {total.calls}, отвечено {total.answered}, пропущено {total.missed}, "
            f"от {ops.policy.telephony.min_call_seconds} с: {total.long_calls}, "
            f"в разговоре {total.airtime}"
        )
        for employee, numbers in figures.by_employee:
            who = names.get(employee or "", "—")
            print(f"  {who}: звонков {numbers.calls}, в разговоре {numbers.airtime}")


if __name__ == "__main__":
    main()
