"""A client folder taken over from sales, end to end, on a SQLite file.

Run it:  python examples/onboard_client.py [--out clientops-demo/onboarding]

The sales manager hands over the folder of a new client with one defect (the second copy of
the contract is not signed). The client manager receives it: the checks, who is told, the
notice of nonconformities; then the courier's quote and the pickup (the offline courier that
ships with clientops, booked through the outbox), the welcome call script, the e-mail with the
manager's contacts, the parcel list, the rest of the checklist, and an output folder with the
.docx papers and the .ics calendar.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from _support.fresh import fresh_folder, fresh_sqlite
from _support.output import typeset_output

import clientops
from clientops import (
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Phone,
    PluginHost,
    Role,
    hookimpl,
)
from clientops.adapters.offline_courier import OfflineCourier
from clientops.labels import label
from clientops.onboarding import (
    CONTACTS_EMAIL_TOPIC,
    ClientFolder,
    DocumentCopy,
    FolderContract,
    FolderInvoice,
    OnboardingStep,
    TitlePage,
)
from clientops.outbox import OutboxMessage
from clientops.russian import money_text, quote

NOW = datetime(2025, 6, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ANNA = EmployeeId("anna")


class Clock:
    """The demo's time: Monday 23 June 2025, 10:00 in Moscow, moved on by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class MailToFiles:
    """An outbox deliverer for the contacts e-mail: writes each as an .eml file (a real one
    would hand it to an SMTP server)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @hookimpl
    def clientops_register_deliverer(self, register):  # type: ignore[no-untyped-def]
        def send(message: OutboxMessage) -> None:
            data = message.data()
            mail = EmailMessage()
            mail["To"] = data["to"]
            mail["From"] = data["sender"] or "noreply@example.ru"
            mail["Subject"] = data["subject"]
            mail.set_content(data["body"])
            path = self.directory / f"{message.key}.eml"
            path.write_bytes(bytes(mail))
            print(f"   письмо отправлено: {data['to']} — {quote(data['subject'])}")

        register(CONTACTS_EMAIL_TOPIC, send)


def set_up(ops: clientops.ClientOps) -> None:
    for dept in (
        Department(DepartmentId("sales"), "Отдел продаж", head_id=EmployeeId("petrov")),
        Department(DepartmentId("client"), "Клиентский отдел", head_id=ANNA),
        Department(DepartmentId("tech_support"), "Техническая поддержка"),
    ):
        ops.clients.add_department(dept)
    for emp in (
        Employee(
            ANNA,
            "Смирнова Анна Сергеевна",
            "Анна",
            DepartmentId("client"),
            (Role.CLIENT_MANAGER,),
            phone=Phone.parse("+7 495 123-45-67"),
            email="anna@mls-it.example",
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


def the_folder() -> ClientFolder:
    """The folder as the sales manager hands it over: the second contract copy is unsigned."""
    return ClientFolder(
        title_page=TitlePage(
            client_name="ООО «Ромашка»",
            contract_number="12/25-АМ",
            sales_manager="Кузнецова Мария Павловна",
            city="Омск",
            contact_person="Иванов Пётр Сергеевич",
            phone="8 (3812) 12-34-56",
            products=("ArchiMed+",),
            address="ул. Ленина, 10, офис 5",
        ),
        contracts=(
            FolderContract(
                "12/25-АМ",
                kind="Лицензионный договор",
                copies=(DocumentCopy(), DocumentCopy(signed=False), DocumentCopy()),
            ),
        ),
        invoices=(FolderInvoice("С-77", copies=(DocumentCopy(),) * 2, amount=Money("48000")),),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="clientops-demo/onboarding", type=Path)
    args = parser.parse_args()
    typeset_output()
    out: Path = args.out
    fresh_folder(out, "onboard_client")  # its own folder: never another's files
    url = fresh_sqlite(out / "onboarding.db", "onboard_client")

    clock = Clock()
    host = PluginHost()
    host.register(MailToFiles(out), name="mail-to-files")
    courier = OfflineCourier(clock=clock)
    with clientops.connect(url, host=host, clock=clock, courier=courier) as ops:
        set_up(ops)

        print("1. Приём клиентской папки")
        intake = ops.onboarding.receive_folder(the_folder(), manager=ANNA)
        oid = intake.onboarding.id
        print(f"   клиент: {intake.client.name}, {intake.client.city} (карточка создана)")
        for problem in intake.check.nonconformities:
            print(f"   несоответствие: {problem.message}")
        staff = ops.clients.staff()
        for reaction in intake.reactions:
            assert reaction.employee_id is not None
            person = staff.employee(reaction.employee_id)
            name = person.full_name if person else reaction.employee_id
            print(f"   реакция → {name}: {reaction.topic} (до {reaction.due_at:%H:%M})")

        print("2. Подписи и печати: экземпляр подписан у руководителя")
        clock.now += timedelta(hours=2)
        ops.onboarding.complete_step(oid, OnboardingStep.CHECK_SIGNATURES, by=ANNA, note="подписан")

        print("3. Курьер")
        booked = ops.onboarding.book_delivery(oid, by=ANNA)
        assert booked.delivery is not None
        offer = booked.delivery.quote
        print(
            f"   {offer.origin} → {offer.destination}: {money_text(offer.price)}, "
            f"{offer.days_min}–{offer.days_max} дн.; забор {booked.delivery.pickup_date:%d.%m.%Y}, "
            f"доставка до {booked.delivery.planned_date:%d.%m.%Y}"
        )
        ops.outbox.deliver()
        booking = ops.onboarding.booking(oid)
        assert booking is not None
        print(f"   забор заказан, трек-номер {booking.tracking_number}")

        print("4. Приветственный звонок")
        for line in ops.onboarding.welcome_script(oid):
            print(f"   — {line}")
        clock.now += timedelta(minutes=10)
        ops.onboarding.record_welcome_call(oid, by=ANNA, email="director@romashka.example")

        print("5. Контакты на e-mail клиента")
        ops.onboarding.send_contacts(oid, by=ANNA)
        ops.outbox.deliver()

        print("6. Реакция на плановую дату доставки")
        for reaction in ops.clients.reactions_of(intake.client.id):
            if reaction.employee_id == ANNA and not reaction.done:
                due = reaction.due_at.astimezone(ops.policy.tz)
                print(f"   {due:%d.%m.%Y %H:%M} — {reaction.topic}")

        print("7–10. Посылка")
        onboarding = ops.onboarding.get(oid)
        for item in onboarding.parcel:
            print(f"   [ ] {item.label} × {item.quantity} — {item.source}")
        for blocker in onboarding.parcel_blockers():
            print(f"   ждёт: шаг {blocker.step.number} — {blocker.reason}")
        for step in (
            OnboardingStep.PREPARE_BOX,
            OnboardingStep.KEY_AND_DISC,
            OnboardingStep.PREPARE_BOOK,
            OnboardingStep.PREPARE_ACTS,
        ):
            ops.onboarding.complete_step(oid, step, by=ANNA)
            print(f"   шаг {step.number} выполнен: {label(step)}")
        onboarding = ops.onboarding.get(oid)
        print(f"   посылка готова: {'да' if onboarding.parcel_ready else 'нет'}")
        print(f"   чек-лист закрыт: {'да' if onboarding.finished else 'нет'}")

        print("Документы и календарь")
        for path in ops.onboarding.export(oid, out):
            print(f"   {path}")


if __name__ == "__main__":
    main()
