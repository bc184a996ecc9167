"""Keeping clients: a client drifting away won back, another one leaving, a client without a
manager picked up, on a SQLite file.

Run it:  python examples/keep_the_client.py [--db clientops-demo/retention.db]

In January «ООО «Ромашка»» (Анна's client) orders calendars, pays once and is invoiced for a
turnstile it never pays for. By late June it has not ordered for months: the risk scan names
the signals (no orders, no payments, overdue debt), marks it leaving and puts a call on
Анна's agenda (the follow-up plan «Уходящий клиент»). «АО «Лютик»» announces it ends its
contract. Ольга calls both on a win-back campaign: «Ромашка» stays for a discount, «Лютик»
leaves for a competitor and counts as lost in the month's report; «Ромашка» gets a 5 % discount
until the year's end, which its next invoice shows, and the credit check of its next order
gives its reasons. «ИП Васильев» has no
manager: he is on the list of unassigned clients, Ольга calls him, hands his wish for a
second turnstile to sales, and the director gives him to Анна. A contractor, «ООО
«Монтаж-Сервис»», installs a turnstile at «Ромашка»: the visit is on Анна's agenda, the work
is accepted with an act and the contractor's bill goes into the payment plan. At the end: the
figures per manager.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from decimal import Decimal
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
from clientops.billing import InvoiceLine, Payment, PaymentId
from clientops.campaigns import (
    CallScript,
    Campaign,
    CampaignId,
    CampaignPurpose,
    Left,
    ScriptPoint,
    Stayed,
    WarmLead,
)
from clientops.clients import StaffDirectory
from clientops.contractors import (
    Contractor,
    ContractorContract,
    ContractorId,
    ContractorPrice,
    Contractors,
)
from clientops.orders import OrderSpecification
from clientops.retention import Retention, RetentionStatus
from clientops.russian import money_text

MOSCOW = ZoneInfo("Europe/Moscow")
ANNA, OLGA, PETROV, IVANOV = (EmployeeId(e) for e in ("anna", "olga", "petrov", "ivanov"))
ROMASHKA, LUTIK, VASILIEV = ClientId("romashka"), ClientId("lutik"), ClientId("vasiliev")
WIN_BACK, ORPHANS = CampaignId("win-back"), CampaignId("orphans")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 13, 10, 0, tzinfo=MOSCOW)

    def __call__(self) -> datetime:
        return self.now


def staff() -> StaffDirectory:
    d = DepartmentId
    return StaffDirectory(
        departments=(
            Department(d("client"), "Клиентский отдел", head_id=ANNA),
            Department(d("sales"), "Отдел продаж", head_id=PETROV),
            Department(d("management"), "Менеджмент", head_id=IVANOV),
        ),
        employees=(
            Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,)),
            Employee(OLGA, "Орлова Ольга Петровна", "Ольга", d("client"), (Role.CALL_MANAGER,)),
            Employee(PETROV, "Петров Игорь Олегович", "Игорь", d("sales"), (Role.SALES_MANAGER,)),
            Employee(IVANOV, "Иванов Иван Иванович", "Иван", d("management"), (Role.DIRECTOR,)),
        ),
    )


def card(
    client_id: ClientId, name: str, city: str, phone: str, manager: EmployeeId | None
) -> Client:
    return Client(
        id=client_id,
        name=name,
        city=city,
        phones=(Phone.parse(phone),),
        manager_id=manager,
        contract_numbers=(f"{client_id.upper()}-1",),
    )


def spec() -> OrderSpecification:
    return OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design="Календарь 2025",
        materials="Мелованная бумага 170 г/м²",
        production_deadline=date(2025, 2, 10),
        delivery_address="Москва, ул. Тверская, 1",
        packaging_type="Гофрокороб",
        packaging_marking="Логотип клиента",
        delivery_deadline=date(2025, 2, 14),
        delivery_format="Курьер до двери",
    )


def campaign(campaign_id: CampaignId, name: str, purpose: CampaignPurpose) -> Campaign:
    return Campaign(
        id=campaign_id,
        name=name,
        purpose=purpose,
        script=CallScript(
            (
                ScriptPoint("hello", "Здравствуйте! Компания {company}, меня зовут {caller:nom}."),
                ScriptPoint("why", "Звоню узнать, всё ли Вас устраивает в нашей работе."),
                ScriptPoint("offer", "Можем предложить особые условия на следующий заказ."),
            )
        ),
        assignees=(OLGA, ANNA),
        start=date(2025, 6, 1),
        end=date(2025, 7, 31),
    )


def main() -> None:
    typeset_output()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("clientops-demo/retention.db"))
    path: Path = parser.parse_args().db
    url = fresh_sqlite(path, "keep_the_client")  # empty each run; never another's file

    clock = Clock()
    with clientops.connect(url, clock=clock) as ops:
        ops.clients.add_staff(staff())
        ops.clients.add(card(ROMASHKA, "ООО «Ромашка»", "Москва", "+7 495 100-20-30", ANNA))
        ops.clients.add(card(LUTIK, "АО «Лютик»", "Казань", "+7 843 200-30-40", ANNA))
        ops.clients.add(card(VASILIEV, "ИП Васильев", "Москва", "+7 495 300-40-50", None))

        # January: an order, a payment, an invoice for a turnstile that stays unpaid
        ops.orders.open(ROMASHKA, spec(), number="З-0001", by=ANNA)
        ops.orders.open(LUTIK, spec(), number="З-0002", by=ANNA)
        turnstile = InvoiceLine("Турникет", "шт", Decimal(1), Money("108500"))
        ops.billing.issue_invoice(ROMASHKA, [turnstile], issue_date=date(2025, 1, 13))
        payment = Payment(PaymentId("p1"), date(2025, 1, 20), Money("45000"), client_id=None)
        with ops.storage.unit_of_work() as uow:
            uow.payments.add(payment)
        ops.billing.assign_payment(payment.id, ROMASHKA)
        ops.orders.open(VASILIEV, spec(), number="З-0003", by=PETROV)

        clock.now = datetime(2025, 6, 23, 10, 0, tzinfo=MOSCOW)
        retention = Retention(ops)
        print("=== Риск ухода, 23.06.2025 ===")
        for risk in retention.risks():
            state = "уходящий" if risk.leaving else "риск невысок"
            print(f"{risk.name}: {state} (вес сигналов {risk.score})")
            print(risk.explain())

        marked = retention.scan(by=ANNA)
        print(f"\nОтмечены уходящими: {', '.join(r.name for r in marked)}")
        for reaction in ops.clients.reactions_of(ROMASHKA):
            if reaction.plan == "win_back":
                print(f"В плане Анны: {reaction.topic}")
        retention.announce_termination(LUTIK, date(2025, 7, 31), by=ANNA, reason="письмо клиента")
        print("АО «Лютик» заявил о расторжении договора с 31.07.2025")
        print(f"Повторная проверка отметила: {len(retention.scan(by=ANNA))}")

        print("\n=== Кампания «Возврат уходящих клиентов» ===")
        ops.campaigns.create(
            campaign(WIN_BACK, "Возврат уходящих, июнь", CampaignPurpose.WIN_BACK), by=ANNA
        )
        print(f"В списке: {retention.win_back(WIN_BACK, by=ANNA)}")
        outcomes = {
            ROMASHKA: Stayed(offer="скидка 5 % на следующий заказ"),
            LUTIK: Left(reason="перешли к конкуренту"),
        }
        while (call := ops.campaigns.next_client(WIN_BACK, caller=OLGA)) is not None:
            record = ops.campaigns.record_outcome(
                WIN_BACK, call.target.client_id, outcomes[call.target.client_id], by=OLGA
            )
            print(f"{call.client_name}: {record.call.outcome.label}")
        for kept in retention.records():
            name = ops.clients.get(kept.client_id).name
            why = f" ({kept.reason})" if kept.reason else ""
            print(f"  {name} — {kept.status.label}{why}")
        lost = ", ".join(r.name for r in retention.lost()) or "нет"
        print(f"Потерянные клиенты для отчёта: {lost}")

        print("\n=== Особые условия «Ромашки» ===")
        retention.set_terms(
            ROMASHKA,
            Decimal("0.05"),
            valid_from=date(2025, 6, 23),
            valid_until=date(2025, 12, 31),
            by=ANNA,
            conditions="скидка за возврат клиента",
        )
        reader = InvoiceLine("Считыватель карт", "шт", Decimal(2), Money("12000"))
        invoice = ops.billing.issue_invoice(ROMASHKA, [reader])
        for line in invoice.lines:
            print(
                f"Счёт № {invoice.number}: {line.name}, {line.quantity}\u00a0{line.unit} × "
                f"{money_text(line.price)} = {money_text(line.amount)}"
            )
        standing = retention.credit(ROMASHKA)
        print(f"Платёжная дисциплина: {standing.score} из 100 ({'; '.join(standing.reasons)})")
        print(f"Новый заказ на {money_text(Money('50000'))}:")
        print(retention.check_order(ROMASHKA, Money("50000")).explain())

        print("\n=== Клиенты без менеджера ===")
        for orphan in retention.unassigned():
            print(f"  {orphan.name}, {orphan.city}")
        ops.campaigns.create(
            campaign(ORPHANS, "Клиенты без менеджера", CampaignPurpose.LOYALTY), by=ANNA
        )
        print(f"В списке обзвона: {retention.call_unassigned(ORPHANS, by=ANNA)}")
        call = ops.campaigns.next_client(ORPHANS, caller=OLGA)
        assert call is not None
        ops.campaigns.record_outcome(
            ORPHANS,
            call.target.client_id,
            WarmLead(note="Нужен второй турникет на проходную"),
            by=OLGA,
        )
        sales = [r for r in ops.clients.reactions_of(VASILIEV) if r.department_id == "sales"]
        print(f"{call.client_name}: допродажа передана в отдел продаж: {sales[-1].topic}")
        assigned = retention.assign(VASILIEV, ANNA, by=IVANOV)
        manager = ops.clients.staff().employee(ANNA)
        print(f"{assigned.name} закреплён за менеджером: {manager.full_name if manager else '—'}")
        print(f"Без менеджера осталось: {len(retention.unassigned())}")

        print("\n=== Подрядчик ===")
        contractors = Contractors(ops)
        montazh = ContractorId("montazh")
        contractors.add(
            Contractor(
                montazh,
                "ООО «Монтаж-Сервис»",
                ("монтаж турникета",),
                contract=ContractorContract("П-3/25", date(2025, 1, 1), date(2025, 12, 31)),
                prices=(ContractorPrice("монтаж турникета", Money(12_000), date(2025, 1, 1)),),
            ),
            by=ANNA,
        )
        contractors.set_price(
            montazh, "монтаж турникета", Money(14_000), since=date(2025, 6, 1), by=ANNA
        )
        visit = contractors.schedule_visit(
            montazh, ROMASHKA, "монтаж турникета", date(2025, 7, 1), by=ANNA
        )
        (control,) = [r for r in ops.clients.reactions_of(ROMASHKA) if r.id == visit.reaction_id]
        print(f"В плане Анны: {control.topic}")
        clock.now = datetime(2025, 7, 1, 16, 0, tzinfo=MOSCOW)
        contractors.record_done(visit.id, "Турникет смонтирован и проверен", by=ANNA)
        contractors.accept(visit.id, act_number="А-17", by=ANNA)
        for row in ops.billing.payment_plan().rows:
            bill = row.bill
            print(f"В плане платежей: {bill.supplier}, {bill.purpose}, {money_text(bill.amount)}")

        print("\n=== Итоги по менеджерам ===")
        for row in retention.figures():
            who = ops.clients.staff().employee(row.manager_id) if row.manager_id else None
            share = f"{row.won_back_share * 100:.0f}\u00a0%"
            print(
                f"{who.full_name if who else 'Без менеджера'}: уходящих {row.leaving}, "
                f"остались {row.stayed}, ушли {row.left}, отложили {row.paused}; "
                f"удалось вернуть {share}"
            )
        kept_record = retention.record(ROMASHKA)
        if kept_record is None or kept_record.status is not RetentionStatus.STAYED:
            raise SystemExit("«Ромашка» должна была остаться")


if __name__ == "__main__":
    main()
