"""Equipment from the supplier to an installed, paying client, on a SQLite file.

Run it:  python examples/equipment_project.py [--db clientops-demo/equipment.db]
                                              [--out clientops-demo/equipment]

One client, ООО «Ромашка» in Omsk, as the client manager of seed 002 runs the project: offers
from three suppliers for turnstiles, the cheapest ordered and its bill in the payment plan;
the goods accepted at the business park's warehouse with their serial numbers, one moved to
the office; an in-town parcel by courier and the equipment to Omsk by a transport company;
the client's acceptance and the signed closing documents; the installation on a ready site as
a pilot that becomes a paying subscription; the client's cloud. Every step is printed in
Russian; the consignment note, the УПД and the installation act are written as .docx files.
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
from clientops.adapters.offline_cloud import OfflineCloud
from clientops.adapters.offline_courier import OfflineCourier
from clientops.agenda import AgendaKind
from clientops.billing import Month
from clientops.courier import Address, Party
from clientops.documents import Party as DocumentParty
from clientops.documents import render_document
from clientops.russian import money_text
from clientops.service_visits import InstalledEquipment, ServerFormat, TechFacts
from clientops.supply import (
    Installations,
    OutOfStockError,
    Shipment,
    ShipmentLine,
    SupplierOffer,
    Suppliers,
    Supply,
)

START = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ANNA = EmployeeId("anna")
PARK, OFFICE = "Склад в бизнес-парке", "Офис"
TURNSTILE = "Турникет T-3"
MLS = DocumentParty(
    "ООО «MLS IT»", "ИНН 7701234567, г. Москва, ул. Складская, 3", "Директор", "А. А. Орлов"
)
ROMASHKA = DocumentParty(
    "ООО «Ромашка»", "ИНН 5507654321, г. Омск, ул. Ленина, 10", "Директор", "Б. Б. Белов"
)


class Clock:
    """The demo's time: it moves by whole days between the steps."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def days(self, n: int) -> None:
        self.now += timedelta(days=n)


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


def rub(money: Money) -> str:
    return money_text(money)


def day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def set_up(ops: clientops.ClientOps) -> Client:
    ops.clients.add_department(Department(DepartmentId("client"), "Клиентский отдел", ANNA))
    ops.clients.add_department(Department(DepartmentId("accounting"), "Бухгалтерия"))
    ops.clients.add_employee(
        Employee(
            ANNA, "Смирнова Анна Сергеевна", "Анна", DepartmentId("client"), (Role.CLIENT_MANAGER,)
        )
    )
    ops.clients.add_employee(
        Employee(
            EmployeeId("olga"),
            "Козлова Ольга Ивановна",
            "Ольга",
            DepartmentId("accounting"),
            (Role.MANAGEMENT,),
        )
    )
    return ops.clients.add(
        Client(
            id=ClientId(new_id()),
            name="ООО «Ромашка»",
            city="Омск",
            phones=(Phone.parse("+7 3812 12-34-56"),),
            manager_id=ANNA,
            created_at=START,
        )
    )


def on_agenda(ops: clientops.ClientOps) -> None:
    """The supply items on Анна's agenda today."""
    for item in ops.agenda.for_manager(ANNA).of_kind(AgendaKind.SUPPLY):
        print(f"  • {item.why}")


def shipped(shipment: Shipment) -> str:
    price = "" if shipment.price is None else f", {rub(shipment.price)}"
    until = "" if shipment.delivery_by is None else f", доставка до {day(shipment.delivery_by)}"
    return (
        f"  {shipment.reason} → {shipment.city}: {shipment.carrier.label}{price}{until}; "
        f"{shipment.stage.label.lower()}"
    )


def main() -> None:
    typeset_output()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("clientops-demo/equipment.db"))
    parser.add_argument("--out", type=Path, default=Path("clientops-demo/equipment"))
    args = parser.parse_args()
    url = fresh_sqlite(args.db, "equipment_project")
    out = fresh_folder(args.out, "equipment_project")

    clock = Clock()
    courier = OfflineCourier(clock=clock)
    sender = Party(
        "Кладовщик Орлов", Phone.parse("+7 495 123-45-67"), Address("Москва", "ул. Складская, 3")
    )
    with clientops.connect(url, clock=clock, courier=courier) as ops:
        client = set_up(ops)
        # one courier for every kind of carrier here: the context's (connect(courier=...))
        supply = Supply(ops, sender=sender)
        work = Installations(ops, cloud=OfflineCloud())

        print("1. Закупка: прайс-листы трёх поставщиков")
        suppliers = Suppliers(ops)
        for offer in (
            SupplierOffer("ООО «Быстро»", TURNSTILE, Money(61000), 10, 2),
            SupplierOffer("ООО «Дёшево»", TURNSTILE, Money(58000), 10, 5),
            SupplierOffer("ООО «Мало»", TURNSTILE, Money(40000), 1, 3),
        ):
            suppliers.record_price_list(offer.supplier, [offer])
        purchase = supply.request_offers(
            TURNSTILE, 3, client_id=client.id, offers=suppliers.offers_for(TURNSTILE)
        )
        for offer in purchase.offers:
            print(
                f"  {offer.supplier}: {rub(offer.unit_price)} за штуку, на складе "
                f"{offer.in_stock} шт., срок {offer.delivery_days} дн."
            )
        purchase = supply.order(purchase.id, invoice_number="218", accountant=EmployeeId("olga"))
        assert purchase.chosen is not None
        assert purchase.due_on is not None
        print(
            f"  Выбран {purchase.chosen.supplier}: счёт № 218 на "
            f"{rub(purchase.chosen.total(purchase.quantity))} внесён в план-факт, "
            f"отгрузка до {day(purchase.due_on)}"
        )

        clock.days(4)
        suppliers.record_price_list(
            "ООО «Быстро»", [SupplierOffer("ООО «Быстро»", TURNSTILE, Money(66000), 8, 2)]
        )
        print("\n2. На повестке Анны за день до срока поставщика")
        on_agenda(ops)
        clock.days(1)
        supply.accept_goods(
            purchase.id,
            received=3,
            serials=("T3-001", "T3-002", "T3-003"),
            remote=True,
            photos=("https://disk.example/priemka-1.jpg",),
        )
        supply.move_stock(TURNSTILE, 1, source=PARK, target=OFFICE, serials=("T3-003",))
        print("  Товар принят удалённо по фото, один турникет перевезён в офис:")
        for text in supply.stock_report().splitlines():
            print(f"  {text}")

        print("\n3. Отгрузки")
        try:
            supply.plan_shipment(
                client.id,
                reason="Оборудование",
                city="Омск",
                address="ул. Ленина, 10",
                lines=(ShipmentLine(TURNSTILE, 5, PARK),),
            )
        except OutOfStockError as refused:
            print(
                f"  Отказ: {refused.warehouse.lower()} — свободно {refused.free} шт., "
                f"а нужно {refused.wanted} шт."
            )
        parcel = supply.plan_shipment(
            client.id,
            reason="Посылка с ключами и договором",
            city="Москва",
            address="Москва, ул. Тверская, 1 (представительство)",
            lines=(ShipmentLine(TURNSTILE, 1, OFFICE, unit_grams=9000, unit_price=Money(75000)),),
            on=clock.now.date() + timedelta(days=1),
        )
        equipment = supply.plan_shipment(
            client.id,
            reason="Турникеты по договору № 5/26",
            city="Омск",
            address="ул. Ленина, 10",
            lines=(ShipmentLine(TURNSTILE, 2, PARK, unit_grams=9000, unit_price=Money(75000)),),
            on=clock.now.date() + timedelta(days=1),
        )
        recipient = Party(
            "Белов Борис",
            Phone.parse("+7 3812 12-34-56"),
            Address("Омск", "ул. Ленина, 10"),
            company="ООО «Ромашка»",
        )
        local = Party(
            "Белов Борис",
            Phone.parse("+7 3812 12-34-56"),
            Address("Москва", "ул. Тверская, 1"),
            company="ООО «Ромашка»",
        )
        parcel = supply.book(parcel.id, recipient=local)
        equipment = supply.book(equipment.id, recipient=recipient)
        print(shipped(parcel))
        print(shipped(equipment))

        clock.days(5)
        parcel = supply.track(parcel.id)
        print(f"  Посылка: {parcel.stage.label.lower()} {day(parcel.delivered_on or START.date())}")
        equipment = supply.mark_delivered(equipment.id)
        equipment = supply.accept(equipment.id, feedback="Привезли вовремя, упаковка целая")
        note = supply.shipping_papers(
            equipment.id, number="ТН-17", supplier=MLS, consignee=ROMASHKA, basis="Договор № 5/26"
        )
        (out / "tovarnaya-nakladnaya-TN-17.docx").write_bytes(note)
        upd = supply.upd(equipment.id, seller=MLS, buyer=ROMASHKA, basis="Договор № 5/26")
        (out / f"upd-{upd.number.replace('/', '-')}.docx").write_bytes(render_document(upd))
        pl = supply.packing_list(equipment.id, sender=MLS)
        (out / f"packing-list-{pl.number.replace('/', '-')}.docx").write_bytes(render_document(pl))
        print(f"  Клиент принял оборудование: «{equipment.feedback}»")
        print(f"  Записаны товарная накладная № ТН-17 и УПД № {upd.number} (статус {upd.status})")
        print(f"  Записан упаковочный лист № {pl.number}")
        clock.days(10)
        print("  Через десять дней на повестке:")
        on_agenda(ops)
        supply.sign_documents(equipment.id)
        print("  Закрывающие документы подписаны")

        print("\n4. Монтаж и пилот")
        site = work.add_site(
            client.id,
            address="г. Омск, ул. Ленина, 10",
            installed=("Контроллер СКУД",),
            passage_points=2,
        )
        install_day = clock.now.date() + timedelta(days=3)
        try:
            work.schedule_installation(site.id, equipment.id, install_day)
        except TransitionError:
            print("  Монтаж не назначен: объект ещё не готов")
        work.set_site_ready(site.id, install_day)
        installation = work.schedule_installation(site.id, equipment.id, install_day)
        print(f"  Объект готов к {day(install_day)}, монтаж назначен на {day(installation.day)}")
        clock.days(3)
        work.finish_installation(installation.id, act_number="МО-7")
        act = work.installation_act(
            installation.id,
            executor=MLS,
            customer=ROMASHKA,
            contract="Договор № 5/26",
            city="г. Омск",
            price=Money(9000),
        )
        (out / "akt-montazha-MO-7.docx").write_bytes(render_document(act))
        work.record_support_facts(
            site.id,
            TechFacts(
                server_format=ServerFormat.CLOUD,
                equipment=(InstalledEquipment(TURNSTILE, 2), InstalledEquipment("Контроллер СКУД")),
                integration=True,
                integration_note="1С:ЗУП",
                passage_points=2,
            ),
        )
        print(
            "  Смонтировано, акт № МО-7 записан; техподдержке известны: "
            + ", ".join(work.site(site.id).installed)
        )
        pilot = work.start_pilot(
            client.id,
            site_id=site.id,
            equipment=(TURNSTILE,),
            start=clock.now.date(),
            planned_end=clock.now.date() + timedelta(days=30),
            fee=Money(15000),
        )
        clock.days(7)
        on_agenda(ops)
        work.check_in(pilot.id, works=True, note="Проходы считаются верно")
        clock.days(23)
        pilot = work.end_pilot(pilot.id, billing_from=clock.now.date() + timedelta(days=1))
        assert pilot.billing_from is not None
        print(
            f"  Пилот завершён, абонентская плата {rub(pilot.fee)} в месяц "
            f"с {day(pilot.billing_from)}"
        )
        month = Month.of(pilot.billing_from).next()
        plan = ops.billing.plan(month)
        print(
            f"  Счета за {MONTHS[month.month - 1]} {month.year} года: {len(plan.to_issue)} "
            f"на {rub(plan.total)}"
        )

        print("\n5. Облако клиента")
        cloud = work.agree_cloud_url(client.id, "romashka.mls-cloud.example")
        cloud = work.provision_cloud(
            cloud.id, email="admin@romashka.example", materials=("Инструкция администратора.pdf",)
        )
        for step in cloud.done:
            print(f"  ✓ {step.label}")

        print("\n6. Обучение")
        training = ops.service.open_training(client.id, manager=ANNA, by=ANNA)
        starts = clock.now.replace(hour=11) + timedelta(days=2)
        ops.service.schedule_training(training.id, starts_at=starts, by=ANNA)
        clock.now = starts + timedelta(hours=2)
        ops.service.hold_training(training.id, by=ANNA, note="Показали отчёты по проходам")
        ops.service.collect_training_feedback(
            training.id, text="Всё понятно, спасибо", rating=5, by=ANNA
        )
        training = ops.service.send_training_recording(
            training.id, url="https://disk.example/obuchenie.mp4", by=ANNA
        )
        print(
            f"  Обучение {starts:%d.%m.%Y в %H:%M}: отзыв получен, запись отправлена — "
            f"{training.status.label.lower()}"
        )

        print("\n7. План-факт")
        for row in ops.billing.payment_plan().rows:
            print(
                f"  {row.bill.supplier}: счёт № {row.bill.number} на "
                f"{rub(row.bill.amount or Money(0))}"
            )
        for bill in ops.billing.payment_plan().awaiting:
            print(f"  {bill.supplier}: ждём счёт, ожидается {rub(bill.amount or Money(0))}")
    print(f"\nДокументы: {out}")


if __name__ == "__main__":
    main()
