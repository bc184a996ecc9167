"""A client department's month, from what the store holds to the director's signature.

Run it:  python examples/monthly_report.py [--db clientops-demo/report.db]
                                          [--out clientops-demo/report]

The client department of MLS IT: two client managers (Анна, Олег), a call manager (Екатерина)
and the director (Иванов). From December 2025 to March 2026 their clients order (each order
walked through its stages: request, supplier's quote, price, production, quality, shipping,
payment, closing), pay invoices, file claims and take satisfaction calls; the call manager
calls. Then, on 2 April 2026:

- the plans of April are proposed from the last three months plus 10 %, one is returned by the
  director with a comment, corrected and approved;
- the reports of March are prepared, with each figure beside its plan, the clients lost and the
  criterion that lost each, submitted and approved;
- the call manager's control points for March and the managers' pay sheets.

Everything is printed in Russian; the report of the department is written as .docx (with its
chart), .csv and .json, the pay sheets as .csv.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from _support.fresh import fresh_folder, fresh_sqlite
from _support.output import typeset_output

import clientops
from clientops import (
    Client,
    ClientId,
    Contact,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Phone,
    Role,
)
from clientops.billing import InvoiceLine, Month, Payment, PaymentId
from clientops.calls import CallDirection, CallLogEntry, CallStatus
from clientops.claims import ClaimSource, FindCauses, FixKind, ResolveSatisfied, StartFix
from clientops.clients import StaffDirectory
from clientops.documents import plural_ru
from clientops.model import Department
from clientops.orders import (
    AcceptQuality,
    AgreeWithClient,
    ApproveRequest,
    Close,
    IssuePrepaymentInvoice,
    NotifyClient,
    OrderSpecification,
    QueueAtSupplier,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    StartProduction,
    SupplierQuote,
)
from clientops.planning import (
    PlanLine,
    Planning,
    SheetKind,
    pay_sheet_csv,
    report_csv,
    report_docx,
    report_json,
)
from clientops.russian import money_text
from clientops.satisfaction import SatisfactionCall, SatisfactionOutcome

MSK = ZoneInfo("Europe/Moscow")
ANNA, OLEG, KATE, IVANOV = (EmployeeId(n) for n in ("anna", "oleg", "kate", "ivanov"))
CLIENT, SALES = DepartmentId("client"), DepartmentId("sales")
PRINTER = "Типография «Омега»"
MARCH, APRIL = Month(2026, 3), Month(2026, 4)


class Clock:
    """The department's clock, moved by the example from day to day."""

    def __init__(self) -> None:
        self.now = datetime(2025, 11, 1, 9, tzinfo=MSK)

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: str, hour: int = 10) -> None:
        self.now = datetime.combine(date.fromisoformat(day), time(hour), MSK)


def staff() -> StaffDirectory:
    return StaffDirectory(
        departments=(
            Department(CLIENT, "Клиентский отдел", head_id=ANNA),
            Department(SALES, "Отдел продаж"),
            Department(DepartmentId("management"), "Менеджмент", head_id=IVANOV),
        ),
        employees=(
            Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", CLIENT, (Role.CLIENT_MANAGER,)),
            Employee(OLEG, "Орлов Олег Петрович", "Олег", CLIENT, (Role.CLIENT_MANAGER,)),
            Employee(KATE, "Котова Екатерина Ивановна", "Екатерина", CLIENT, (Role.CALL_MANAGER,)),
            Employee(
                IVANOV,
                "Иванов Иван Иванович",
                "Иван",
                DepartmentId("management"),
                (Role.DIRECTOR, Role.MANAGEMENT),
            ),
        ),
    )


def order(
    ops: clientops.ClientOps,
    clock: Clock,
    client: Client,
    number: str,
    opened: str,
    price: str,
    *,
    closed: str | None = None,
) -> None:
    """An order opened on ``opened``, quoted by the printer at 60 % of ``price``; when
    ``closed`` is given, produced, accepted, shipped, paid and closed by that day."""
    clock.to(opened)
    spec = OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design="Макет «Календарь 2026»",
        materials="Мелованная бумага 170 г/м²",
        production_deadline=date.fromisoformat(opened) + timedelta(days=20),
        delivery_address=f"{client.city}, ул. Ленина, 1",
        packaging_type="Гофрокороб",
        packaging_marking="Логотип клиента, номер заказа",
        delivery_deadline=date.fromisoformat(opened) + timedelta(days=25),
        delivery_format="Курьер до двери",
    )
    order_id = ops.orders.open(client.id, spec, number=number, by=ANNA).order.id
    cost = (Decimal(price) * Decimal("0.6")).quantize(Decimal("0.01"))
    deadline = date.fromisoformat(opened) + timedelta(days=15)
    steps = [
        ApproveRequest(),
        SendToSupplier(PRINTER),
        ReceiveQuote(SupplierQuote(PRINTER, Money(cost), deadline, clock.now)),
        SetPrice(Money(price)),
        AgreeWithClient(production_deadline=deadline),
        SignFinalRequest(),
        QueueAtSupplier(),
    ]
    for step in steps:
        ops.orders.advance(order_id, step, by=ANNA)
    if closed is None:
        return
    clock.to(closed, 9)
    for step in (
        IssuePrepaymentInvoice(f"П-{number}"),
        StartProduction(),
        RecordControlSample("1 экз.", "архив, полка 1"),
        AcceptQuality(note="без замечаний"),
        NotifyClient(),
        Ship(),
        SignAct(),
        ReceivePayment(),
        ReceiveOriginals(),
        Close(),
    ):
        ops.orders.advance(order_id, step, by=ANNA)


def paid(ops: clientops.ClientOps, clock: Clock, client: Client, day: str, amount: str) -> None:
    """An invoice issued and paid in full on ``day``."""
    clock.to(day)
    line = InvoiceLine("Календари настенные", "шт.", 1, Money(amount))
    invoice = ops.billing.issue_invoice(client.id, [line])
    payment = Payment(PaymentId(f"p-{invoice.number}"), date.fromisoformat(day), Money(amount))
    with ops.storage.unit_of_work() as uow:
        uow.payments.add(payment)
    ops.billing.assign_payment(payment.id, client.id, invoice_number=invoice.number)


def calls(ops: clientops.ClientOps) -> None:
    """Екатерина's outgoing calls on the working days of March: 60 a day, one in four long."""
    n = 0
    with ops.storage.unit_of_work() as uow:
        for day in range(2, 32):
            start = datetime(2026, 3, day, 9, tzinfo=MSK)
            if not ops.policy.calendar.is_working_day(start.date()):
                continue
            for i in range(60):
                n += 1
                at = start + timedelta(minutes=8 * i)
                talk = 150 if i % 4 == 0 else 25
                uow.calls.add(
                    CallLogEntry(
                        call_id=f"out-{n}",
                        direction=CallDirection.OUTGOING,
                        employee_id=KATE,
                        started_at=at,
                        answered_at=at + timedelta(seconds=10),
                        ended_at=at + timedelta(seconds=10 + talk),
                        duration_seconds=10 + talk,
                        talk_seconds=talk,
                        outcome=CallStatus.ANSWERED,
                    )
                )


MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def month_name(month: Month) -> str:
    return f"{MONTHS[month.month - 1]} {month.year} г."


def rub(value: Decimal) -> str:
    return money_text(Money(value))


def show(value: Decimal | None, line: PlanLine) -> str:
    if value is None:
        return "—"
    return rub(value) if line.money else f"{value:f}"


def main() -> None:
    typeset_output()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("clientops-demo/report.db"))
    parser.add_argument("--out", type=Path, default=Path("clientops-demo/report"))
    args = parser.parse_args()
    url = fresh_sqlite(args.db, "monthly_report")
    out = fresh_folder(args.out, "monthly_report")
    clock = Clock()
    ops = clientops.connect(url, clock=clock)
    ops.clients.add_staff(staff())

    def card(name: str, city: str, phone: str, manager: EmployeeId, since: str) -> Client:
        clock.to(since)
        client = ops.clients.add(
            Client(
                ClientId(name.split("«")[-1].rstrip("»").lower()), name, city, (Phone.parse(phone),)
            )
        )
        ops.claims.assign_client(client.id, manager, on=date.fromisoformat(since))
        return client

    vector = card("ООО «Вектор»", "Омск", "+73812000001", ANNA, "2025-11-03")
    lutik = card("ООО «Лютик»", "Омск", "+73812000002", ANNA, "2025-11-03")
    omega = card("АО «Омега-Строй»", "Томск", "+73822000003", ANNA, "2025-11-03")
    zarya = card("ООО «Заря»", "Омск", "+73812000004", ANNA, "2026-03-02")
    sever = card("ООО «Север»", "Новосибирск", "+73832000005", OLEG, "2025-11-03")
    yug = card("ООО «Юг»", "Новосибирск", "+73832000006", OLEG, "2025-11-03")

    # the months before: Вектор orders every month (regular), Лютик and Омега now and then
    order(ops, clock, vector, "101", "2025-12-04", "40000", closed="2025-12-22")
    order(ops, clock, vector, "102", "2026-01-14", "42000", closed="2026-01-29")
    order(ops, clock, vector, "103", "2026-02-05", "45000", closed="2026-02-24")
    order(ops, clock, lutik, "104", "2025-12-10", "15000", closed="2025-12-26")
    order(ops, clock, omega, "105", "2025-11-12", "90000", closed="2025-11-28")
    order(ops, clock, sever, "201", "2025-12-08", "30000", closed="2025-12-24")
    order(ops, clock, sever, "202", "2026-01-20", "31000", closed="2026-02-06")
    order(ops, clock, sever, "203", "2026-02-10", "32000", closed="2026-02-27")
    order(ops, clock, yug, "204", "2025-09-15", "12000", closed="2025-10-01")
    for client, day, amount in (
        (vector, "2025-12-23", "40000"),
        (vector, "2026-01-30", "42000"),
        (vector, "2026-02-25", "45000"),
        (lutik, "2025-12-29", "15000"),
        (sever, "2026-02-09", "31000"),
    ):
        paid(ops, clock, client, day, amount)
    # 25 February: the plans of March, proposed from December to February plus 10 %, approved
    clock.to("2026-02-25")
    planning = Planning(ops)
    for manager in (ANNA, OLEG):
        plan = planning.propose_plan(manager, MARCH, by=manager)
        planning.submit(plan.id, by=manager)
        planning.approve(plan.id, by=IVANOV)
    # March: Вектор and Лютик order again, Заря is new, Север orders
    order(ops, clock, vector, "106", "2026-03-03", "48000", closed="2026-03-20")
    order(ops, clock, lutik, "107", "2026-03-05", "18000", closed="2026-03-26")
    order(ops, clock, zarya, "108", "2026-03-11", "25000")
    order(ops, clock, sever, "205", "2026-03-04", "35000", closed="2026-03-25")
    paid(ops, clock, vector, "2026-03-23", "48000")
    paid(ops, clock, zarya, "2026-03-16", "12500")
    paid(ops, clock, sever, "2026-03-27", "35000")
    # the printer's bill for Вектор's March run, requested, entered, given to Анна and paid
    clock.to("2026-03-12")
    bill = ops.billing.request_supplier_bill(PRINTER, "Печать календарей, заказ 106")
    ops.billing.enter_supplier_bill(
        bill.id, number="Б-312", amount=Money("28800"), due_date=date(2026, 3, 20)
    )
    ops.billing.set_supplier_payment_task(bill.id, to=ANNA)
    ops.billing.mark_supplier_bill_paid(bill.id, on=date(2026, 3, 19))
    # a claim of Лютик filed and resolved, one of Омега still open since February
    clock.to("2026-02-10")
    ops.claims.file(
        omega.id,
        department_id=SALES,
        source=ClaimSource.client_words("Календари пришли с опозданием на неделю"),
        by=ANNA,
        money=Money("9000"),
    )
    clock.to("2026-03-10")
    claim = ops.claims.file(
        lutik.id,
        department_id=SALES,
        source=ClaimSource.client_words("Часть тиража с браком"),
        by=ANNA,
        money=Money("3000"),
    ).claim
    clock.to("2026-03-17")
    ops.claims.advance(claim.id, FindCauses("Сбой печатной машины"), by=ANNA)
    ops.claims.advance(claim.id, StartFix(FixKind.REPLACEMENT), by=ANNA)
    ops.claims.advance(claim.id, ResolveSatisfied("Тираж заменён"), by=ANNA)
    # the satisfaction round: Вектор and Север satisfied, Лютик not reached
    for client, manager, day, outcome in (
        (vector, ANNA, "2026-03-24", SatisfactionOutcome.SATISFIED),
        (lutik, ANNA, "2026-03-25", SatisfactionOutcome.NOT_REACHED),
        (sever, OLEG, "2026-03-18", SatisfactionOutcome.SATISFIED),
    ):
        clock.to(day, 11)
        call = SatisfactionCall(client.id, manager, clock.now, outcome, "")
        ops.claims.record_satisfaction(client.id, call, by=manager)
    calls(ops)

    # Екатерина's prospects: one card filled in well, one with only a name and a phone
    clock.to("2026-03-31")
    ops.clients.add(
        Client(
            ClientId("kedr"),
            "ООО «Кедр»",
            "Омск",
            (Phone.parse("+73812000007"),),
            manager_id=KATE,
            inn="7707083893",
            emails=("info@kedr.example",),
            contacts=(
                Contact(
                    "Петров Пётр Петрович",
                    phones=(Phone.parse("+79131234567"),),
                    decision_maker=True,
                ),
            ),
            contract_numbers=("12/26",),
        )
    )
    ops.clients.add(
        Client(
            ClientId("berjoza"),
            "ООО «Берёза»",
            "Омск",
            (Phone.parse("+73812000008"),),
            manager_id=KATE,
        )
    )

    # 2 April 2026: the plans of April, the reports of March
    clock.to("2026-04-02")
    names = {e.id: e.full_name for e in ops.clients.staff().employees}
    print("Сроки на 2 апреля 2026 года:")
    for due in planning.deadlines(clock.now.date(), department=CLIENT):
        what = "План на" if due.kind is SheetKind.PLAN else "Отчёт за"
        state = due.state.label if due.state else "не составлен"
        late = " — просрочен" if due.missed else ""
        who = names[due.manager_id]
        print(f"  {what} {month_name(due.month)}, {who}: до {due.due_on:%d.%m.%Y}, {state}{late}")

    for manager in (ANNA, OLEG):
        plan = planning.propose_plan(manager, APRIL, by=manager)
        planning.submit(plan.id, by=manager)
    returned = planning.return_sheet(
        "plan-oleg-2026-04", by=IVANOV, comment="Заложите хотя бы одного нового клиента"
    )
    print(f"\nПлан Олега возвращён: «{returned.comment}»")
    fixed = planning.propose_plan(OLEG, APRIL, by=OLEG, figures={PlanLine.NEW_CLIENTS: Decimal(1)})
    planning.submit(fixed.id, by=OLEG)
    for manager in (ANNA, OLEG):
        approved = planning.approve(f"plan-{manager}-2026-04", by=IVANOV)
        print(f"План на апрель 2026 года, {names[manager]}: {approved.state.label}")
        for figure in approved.figures:
            print(f"  {figure.line.label}: {show(figure.value, figure.line)}")

    for manager in (ANNA, OLEG):
        sheet = planning.prepare_report(manager, MARCH, by=manager)
        planning.submit(sheet.id, by=manager)
        planning.approve(sheet.id, by=IVANOV)
    report = planning.report(MARCH, department=CLIENT)
    print("\nОтчёт клиентского отдела за март 2026 года (план — факт — выполнение):")
    for line in report.lines:
        done = f"{line.done_percent} %".replace(".", ",") if line.done_percent is not None else ""
        plan, fact = show(line.plan, line.line), show(line.fact, line.line)
        print(f"  {line.line.label}: {plan} — {fact} {done}".rstrip())
    lost = len(report.lost)
    print(f"\nПотеряно {lost} {plural_ru(lost, ('клиент', 'клиента', 'клиентов'))}:")
    for client in report.lost:
        print(f"  {client.name}: {client.label}, с {client.lost_on:%d.%m.%Y}")

    points = planning.control_points(KATE, MARCH.first_day, MARCH.last_day)
    print(f"\nТочки контроля, {names[KATE]}, март 2026 года:")
    print(f"  Отработано часов: {points.hours_worked}".replace(".", ","))
    share = str(points.calls_done_percent).replace(".", ",")
    print(f"  Звонков: {points.calls} из {points.calls_planned} по плану ({share} %)")
    print(f"  Из них не короче {points.min_seconds} секунд: {points.long_calls}")
    hours, minutes = points.airtime_seconds // 3600, points.airtime_seconds % 3600 // 60
    print(f"  Время в разговоре: {hours} ч {minutes} мин")
    print(f"  Заполненность карточек: {points.card_completeness:.0%}".replace("%", " %"))

    print()
    for manager in (ANNA, OLEG):
        pay = planning.pay_sheet(manager, MARCH)
        print(
            f"Зарплата за март 2026 года, {names[manager]}: оклад {rub(pay.salary.amount)}, "
            f"премия {rub(pay.bonus.amount)}, итого {rub(pay.total.amount)}"
        )
        for line in pay.lines:
            bought, bonus = rub(line.purchases.amount), rub(line.bonus.amount)
            print(f"  {line.name}: покупки {bought}, премия {bonus}")
        (out / f"pay-{manager}-2026-03.csv").write_text(pay_sheet_csv(pay), encoding="utf-8-sig")

    docx = report_docx(report, department_name="Клиентский отдел", approver="И. И. Иванов")
    (out / "report-2026-03.docx").write_bytes(docx)
    (out / "report-2026-03.csv").write_text(report_csv(report), encoding="utf-8-sig")
    (out / "report-2026-03.json").write_text(
        json.dumps(report_json(report), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"\nФайлы отчёта и зарплатных ведомостей: {out}")
    ops.close()


if __name__ == "__main__":
    main()
