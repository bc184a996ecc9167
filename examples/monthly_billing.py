"""Monthly billing and collection, end to end, on a SQLite file.

Run it:  python examples/monthly_billing.py [--out clientops-demo/billing]

A dozen subscription clients. The billing run for November 2026 on its billing day (the 15th
is a Sunday, so the invoices go out on Friday the 13th), with every invoice as .docx; the same
run again issues nothing. A bank statement (1C client-bank exchange, windows-1251) arrives on
the 18th: payments matched by invoice number, by the payer's INN and amount, one overpaid
(credit kept), one nobody's (left for a person). The reminder calls of the 20th (a Friday) and
of the 23rd (the Monday after; nothing on the weekend), and the list of debtors as .docx. The
invoices and payments are also written to a double-entry ledger (beancount) when the ledger
adapter is installed.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
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
)
from clientops.billing import (
    BankDetails,
    BillingPolicy,
    InvoiceParty,
    Month,
    Subscription,
    SubscriptionId,
)
from clientops.clients import StaffDirectory
from clientops.russian import money_text, quote

OUR_ACCOUNT = "40702810900000000001"
CLIENT_ACCOUNT = "40702810500000000002"
OUR_INN = "7728012340"
#: INNs with valid control digits, one per client.
INNS = (
    "5501100012",
    "5501100020",
    "5501100037",
    "5501100044",
    "5501100051",
    "5501100069",
    "5501100076",
    "5501100083",
    "5501100090",
    "5501100100",
    "5501100118",
    "5501100125",
)
NAMES = (
    "Ромашка",
    "Лютик",
    "Василёк",
    "Колокольчик",
    "Одуванчик",
    "Незабудка",
    "Ландыш",
    "Фиалка",
    "Клевер",
    "Мята",
    "Шалфей",
    "Чабрец",
)


class Clock:
    """The department's clock, moved from day to day by the script (9:00 in Moscow)."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 6, 0, tzinfo=UTC)


def staff() -> StaffDirectory:
    return StaffDirectory(
        departments=(Department(DepartmentId("client"), "Клиентский отдел", head_id="anna"),),
        employees=(
            Employee(
                EmployeeId("anna"),
                "Смирнова Анна Сергеевна",
                "Анна",
                DepartmentId("client"),
                (Role.CLIENT_MANAGER,),
            ),
            Employee(
                EmployeeId("oleg"),
                "Орлов Олег Петрович",
                "Олег",
                DepartmentId("client"),
                (Role.CLIENT_MANAGER,),
            ),
        ),
    )


def policy() -> clientops.Policy:
    company = InvoiceParty(
        name="ООО «Клиентский сервис»",
        inn=OUR_INN,
        kpp="772801001",
        address="125009, Москва, ул. Тверская, д. 1",
    )
    bank = BankDetails(
        bank="ПАО Сбербанк, г. Москва",
        bik="044525225",
        account=OUR_ACCOUNT,
        correspondent_account="30101810400000000225",
    )
    billing = BillingPolicy(supplier=company, bank=bank, head="Иванов И. И.", accountant="Петрова")
    return attrs.evolve(clientops.Policy(), billing=billing)


def statement(payments: list[tuple[str, str, str, str]]) -> bytes:
    """What the bank sends: a 1C client-bank exchange file (windows-1251) with these incoming
    payments (number, amount, payer's INN, purpose)."""
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Банк-Клиент",
        "Получатель=1С:Предприятие",
        "ДатаСоздания=18.11.2026",
        "ДатаНачала=16.11.2026",
        "ДатаКонца=18.11.2026",
        f"РасчСчет={OUR_ACCOUNT}",
    ]
    for number, amount, inn, purpose in payments:
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={number}",
            "Дата=17.11.2026",
            f"Сумма={amount}",
            f"ПлательщикСчет={CLIENT_ACCOUNT}",
            f"ПлательщикИНН={inn}",
            f"ПолучательСчет={OUR_ACCOUNT}",
            "ДатаПоступило=18.11.2026",
            f"ПолучательИНН={OUR_INN}",
            f"НазначениеПлатежа={purpose}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("clientops-demo/billing"))
    out: Path = parser.parse_args().out
    typeset_output()
    fresh_folder(out, "monthly_billing")  # its own folder: never another's files
    url = fresh_sqlite(out / "billing.db", "monthly_billing")

    clock = Clock(date(2026, 11, 2))
    with clientops.connect(url, policy=policy(), clock=clock) as ops:
        ops.clients.add_staff(staff())
        ledger = _open_ledger(ops, out)
        cards: list[Client] = []
        for n, (name, inn) in enumerate(zip(NAMES, INNS, strict=True)):
            card = ops.clients.add(
                Client(
                    id=ClientId(f"c{n + 1:02d}"),
                    name=f"ООО «{name}»",
                    city="Омск",
                    phones=(Phone.parse(f"+7 912 000-00-{n + 10:02d}"),),
                    inn=inn,
                    manager_id=EmployeeId("anna" if n % 2 == 0 else "oleg"),
                )
            )
            fee = Money(8000 + 1000 * (n % 4))
            start = date(2026, 11, 16) if n == 11 else date(2026, 1, 1)  # the last one is new
            ops.billing.add_subscription(
                Subscription(SubscriptionId(f"s{n + 1:02d}"), card.id, fee, start)
            )
            cards.append(card)

        november = Month(2026, 11)
        day = ops.billing.plan(november).issue_date
        print(f"Счета выставляются {day:%d.%m.%Y} (15-е — воскресенье)")
        clock.day = date(2026, 11, 13)
        run = ops.billing.run(november, documents=out / "invoices")
        print(run.summary())
        for invoice in run.issued[-2:]:
            print(f"  № {invoice.number}: {invoice.lines[0].name} — {money_text(invoice.total)}")
        print("Повторный запуск:", ops.billing.run(november).summary())

        clock.day = date(2026, 11, 18)
        issued = {i.client_id: i for i in run.issued}
        data = statement(
            [
                ("301", "8000.00", INNS[0], f"Оплата по счету № {issued[cards[0].id].number}"),
                ("302", "9000.00", INNS[1], "Абонентская плата за ноябрь"),
                ("303", "15000.00", INNS[2], f"Оплата счета {issued[cards[2].id].number}"),
                ("304", "5000.00", INNS[3], f"Частичная оплата счета {issued[cards[3].id].number}"),
                ("305", "1234.00", "5501100132", "Оплата по договору 17"),
            ]
        )
        (out / "statement.txt").write_bytes(data)
        report = ops.billing.import_bank_statement(out / "statement.txt")
        print("Выписка:", report.summary())
        for credit in report.credits:
            name = ops.clients.get(credit.client_id).name
            print(f"  переплата {money_text(credit.amount)} — {name}")
        for payment in report.unmatched:
            print(
                f"  не опознан: {money_text(payment.amount)}, ИНН {payment.payer_inn}, "
                f"{quote(payment.purpose)}"
            )
        print("Та же выписка ещё раз:", ops.billing.import_bank_statement(data).summary())

        for day in (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)):
            clock.day = day
            reminders = ops.billing.reminders(day)
            print(f"Напоминания {day:%d.%m} ({_weekday(day)}): {len(reminders.reactions)}")
            for reaction in reminders.reactions[:2]:
                manager = ops.clients.staff().employee(reaction.employee_id or "")
                print(f"  {manager.full_name if manager else '—'}: {reaction.topic}")

        debtors = ops.billing.debtors(date(2026, 11, 23))
        owed = sum((d.owed for d in debtors), Money(0))
        print(f"Должников: {len(debtors)}, долг {money_text(owed)}")
        listing = ops.billing.debtors_list(date(2026, 11, 23), compiled_by="Смирнова А. С.")
        (out / "debtors.docx").write_bytes(ops.documents.render(listing))
        if ledger:
            ops.outbox.deliver(limit=1000)
            print("Проводки записаны в", ledger)
    print("Файлы в", out)


def _open_ledger(ops: clientops.ClientOps, out: Path) -> Path | None:
    """Write invoices and payments to a beancount ledger too (the adapter needs no extra
    package to write; ``bean-check`` from the beancount package validates it)."""
    path = out / "ledger.beancount"
    path.unlink(missing_ok=True)
    ops.billing.open_accounting("beancount", path=path, company="ООО «Клиентский сервис»")
    return path


def _weekday(day: date) -> str:
    return ("пн", "вт", "ср", "чт", "пт", "сб", "вс")[day.weekday()]


if __name__ == "__main__":
    main()
