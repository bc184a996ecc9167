"""Orders through production, end to end, on a SQLite file.

Run it:  python examples/order_lifecycle.py [--out clientops-demo/orders]

Three orders of one client, as the client manager of the job description runs them: one from
the preliminary request to the closed deal; one rejected at quality and replaced; and a repeat
of the first with the special conditions of a repeat order. Each step is printed in Russian
with the stage it leads to and the hand-offs it made; an illegal step is refused and changes
nothing. The deadlines of the open orders are exported as an .ics file.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from _support.fresh import fresh_folder, fresh_sqlite
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
    TransitionError,
    new_id,
)
from clientops.billing import BankDetails, InvoiceParty
from clientops.documents import order_request_for, prepayment_invoice_for
from clientops.labels import action_label, label, reason_label
from clientops.orders import (
    AcceptQuality,
    Action,
    AddProductionStage,
    AgreeWithClient,
    ApproveRequest,
    Close,
    CompleteProductionStage,
    IssuePrepaymentInvoice,
    NotifyClient,
    OrderChange,
    OrderId,
    OrderSpecification,
    QueueAtSupplier,
    QueueReplacement,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    RejectQuality,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    StartProduction,
    SupplierQuote,
)
from clientops.russian import count_text, money_text

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ANNA = EmployeeId("anna")
SUPPLIER = "Типография «Омега»"


class Clock:
    """The demo's time: an hour passes between two steps."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def tick(self, hours: int = 1) -> None:
        self.now += timedelta(hours=hours)


def set_up(ops: clientops.ClientOps) -> Client:
    for dept in (
        Department(DepartmentId("sales"), "Отдел продаж", head_id=EmployeeId("petrov")),
        Department(DepartmentId("client"), "Клиентский отдел", head_id=ANNA),
        Department(DepartmentId("management"), "Дирекция", head_id=EmployeeId("ivanov")),
        Department(DepartmentId("design"), "Дизайн-студия"),
    ):
        ops.clients.add_department(dept)
    for emp in (
        Employee(
            ANNA, "Смирнова Анна Сергеевна", "Анна", DepartmentId("client"), (Role.CLIENT_MANAGER,)
        ),
        Employee(
            EmployeeId("ivanov"),
            "Иванов Иван Иванович",
            "Иван",
            DepartmentId("management"),
            (Role.DIRECTOR,),
        ),
        Employee(
            EmployeeId("lebedeva"),
            "Лебедева Ольга Петровна",
            "Ольга",
            DepartmentId("design"),
            (Role.DESIGNER,),
        ),
        Employee(
            EmployeeId("petrov"),
            "Петров Игорь Олегович",
            "Игорь",
            DepartmentId("sales"),
            (Role.SALES_MANAGER,),
        ),
    ):
        ops.clients.add_employee(emp)
    return ops.clients.add(
        Client(
            id=ClientId(new_id()),
            name="ООО «Ромашка»",
            city="Омск",
            phones=(Phone.parse("+7 3812 12-34-56"),),
            manager_id=ANNA,
            created_at=NOW,
        )
    )


def a_spec(*, design: str, production: date, delivery: date) -> OrderSpecification:
    return OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design=design,
        materials="Мелованная бумага 170 г/м², краски CMYK",
        production_deadline=production,
        delivery_address="Омск, ул. Ленина, 10",
        packaging_type="Гофрокороб",
        packaging_marking="Логотип клиента, номер заказа",
        delivery_deadline=delivery,
        delivery_format="Курьер до двери",
        other=("Отдельно упаковать 10 экземпляров для директора",),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="clientops-demo/orders", type=Path)
    args = parser.parse_args()
    typeset_output()
    out: Path = args.out
    fresh_folder(out, "order_lifecycle")  # its own folder: never another's files
    url = fresh_sqlite(out / "orders.db", "order_lifecycle")
    clock = Clock()
    with clientops.connect(url, clock=clock) as ops:
        client = set_up(ops)
        staff = ops.clients.staff()

        def show(change: OrderChange, what: str) -> None:
            order = change.order
            price = f", цена {money_text(order.price)}" if order.price is not None else ""
            print(f"   {what} → {order.stage.label}{price}")
            for reaction in change.reactions:
                person = staff.employee(reaction.employee_id) if reaction.employee_id else None
                whom = person.full_name if person else reaction.department_id
                print(f"      реакция → {whom}: {reaction.topic}")

        def run(order_id: OrderId, *steps: tuple[str, Action]) -> None:
            for what, action in steps:
                clock.tick()
                show(ops.orders.advance(order_id, action, by=ANNA), what)

        print("Заказ 1: от заявки до закрытия сделки")
        first = ops.orders.open(
            client.id,
            a_spec(
                design="Календарь 2026", production=date(2025, 6, 20), delivery=date(2025, 6, 25)
            ),
            number="З-101",
            by=ANNA,
        )
        show(first, "Предварительная заявка")
        oid = first.order.id
        run(
            oid,
            ("Клиент согласовал заявку", ApproveRequest()),
            ("Заявка передана поставщику", SendToSupplier(SUPPLIER)),
            (
                "Ответ поставщика",
                ReceiveQuote(SupplierQuote(SUPPLIER, Money(10000), date(2025, 6, 18), clock.now)),
            ),
            ("Цена рассчитана (себестоимость + наценка)", SetPrice()),
        )
        print("   Попытка отгрузить заказ сейчас:")
        try:
            ops.orders.advance(oid, Ship(), by=ANNA)
        except TransitionError as err:
            stage = ops.orders.get(oid).stage.label
            print(
                f"      отказ: на этапе «{stage}» отгрузка невозможна ({reason_label(err.reason)})"
            )
            print(f"      допустимые действия: {', '.join(map(action_label, err.allowed))}")
        run(
            oid,
            ("Сроки и цена согласованы с клиентом", AgreeWithClient()),
            ("Подписаны заявка и спецификация", SignFinalRequest()),
            ("Заказ поставлен в очередь", QueueAtSupplier()),
            ("Выставлен счёт на предоплату", IssuePrepaymentInvoice("П-17")),
            ("Этап «печать»", AddProductionStage("печать", date(2025, 6, 12))),
            ("Производство началось", StartProduction()),
            ("Печать завершена", CompleteProductionStage("печать")),
            ("Контрольный образец", RecordControlSample("2 экземпляра", "архив, полка 3")),
            ("Качество принято", AcceptQuality()),
            ("Клиент уведомлён", NotifyClient()),
            ("Отгружено", Ship()),
            ("Акт подписан", SignAct()),
            ("Оплата получена", ReceivePayment()),
            ("Оригиналы получены", ReceiveOriginals()),
            ("Заказ закрыт", Close()),
        )

        print("   Документы заказа:")
        closed = ops.orders.get(oid)
        today = clock.now.date()
        request = order_request_for(
            closed, client_name=client.name, manager="Смирнова Анна Сергеевна", date=today
        )
        invoice = prepayment_invoice_for(
            closed,
            supplier=InvoiceParty("ООО «МЛС АйТи»", "7707083893", "770701001", "Москва"),
            bank=BankDetails(
                "ПАО Сбербанк", "044525225", "40702810938000012345", "30101810400000000225"
            ),
            buyer=InvoiceParty(client.name, "5503248039", "550301001", "Омск"),
            date=today,
            due_date=today + timedelta(days=5),
            prepayment_percent=50,
        )
        for name, document in (("zayavka-Z-101", request), ("schet-P-17", invoice)):
            path = out / f"{name}.docx"
            path.write_bytes(ops.documents.render(document))
            print(f"      {path}")

        print("Заказ 2: брак и замена")
        second = ops.orders.open(
            client.id,
            a_spec(
                design="Буклет «Лето»", production=date(2025, 6, 27), delivery=date(2025, 6, 30)
            ),
            number="З-102",
            by=ANNA,
        )
        show(second, "Предварительная заявка")
        rid = second.order.id
        run(
            rid,
            ("Клиент согласовал заявку", ApproveRequest()),
            ("Заявка передана поставщику", SendToSupplier(SUPPLIER)),
            (
                "Ответ поставщика",
                ReceiveQuote(SupplierQuote(SUPPLIER, Money(8000), date(2025, 6, 24), clock.now)),
            ),
            ("Цена рассчитана", SetPrice()),
            ("Согласовано", AgreeWithClient()),
            ("Подписано", SignFinalRequest()),
            ("В очереди", QueueAtSupplier()),
            ("Счёт на предоплату", IssuePrepaymentInvoice("П-18")),
            ("Производство", StartProduction()),
            ("Брак: смещение печати на 3 мм", RejectQuality("смещение печати на 3 мм")),
            ("Замена поставлена в очередь", QueueReplacement()),
            ("Замена в производстве", StartProduction()),
            ("Контрольный образец", RecordControlSample("2 экземпляра", "архив, полка 4")),
            ("Качество принято", AcceptQuality()),
        )
        replaced = ops.orders.get(rid)
        print(f"   замен после брака: {replaced.replacements}")

        print("Заказ 3: повторный заказ на особых условиях")
        clock.tick(24)
        third = ops.orders.repeat(
            oid,
            number="З-103",
            by=ANNA,
            changes={
                "quantity": 1000,
                "production_deadline": date(2025, 7, 20),
                "delivery_deadline": date(2025, 7, 25),
            },
        )
        show(third, "Копия прошлой заявки, тираж 1000")
        conditions = third.order.special_conditions
        assert conditions is not None
        print(
            f"   особые условия: скидка {conditions.discount:.0%}, "
            f"не дороже прошлого раза ({money_text(conditions.previous_price)})"
        )
        tid = third.order.id
        run(
            tid,
            ("Клиент согласовал заявку", ApproveRequest()),
            ("Заявка передана поставщику", SendToSupplier(SUPPLIER)),
            (
                "Ответ поставщика",
                ReceiveQuote(SupplierQuote(SUPPLIER, Money(9500), date(2025, 7, 15), clock.now)),
            ),
            ("Цена со скидкой повторного заказа", SetPrice()),
        )

        print("Сроки открытых заказов")
        for order, missed in ops.orders.overdue(today=date(2025, 7, 1)):
            for late in missed:
                days = count_text(late.days_late, "день", "дня", "дней")
                print(f"   {order.number}: просрочено ({label(late.kind)}) на {days}")
        path = ops.orders.export_calendar(out / "orders.ics")
        print(f"   календарь: {path}")


if __name__ == "__main__":
    main()
