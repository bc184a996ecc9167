"""Monthly billing through ClientOps on a real SQLite file (and PostgreSQL): the run on the
billing day, idempotent and interrupted runs, invoice documents read back, bank statements
matched and applied (and refused whole when malformed), reminders from the 20th on working
days, corrections, duplicates, debtors and supplier bills."""

from __future__ import annotations

import io
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import docx
import pytest

import clientops
from clientops import ClientOps, EmployeeId, Money, PluginHost
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.billing import (
    BankDetails,
    BillingPolicy,
    FeeChange,
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceStatus,
    Month,
    Pause,
    Subscription,
    SubscriptionId,
    SupplierBillStatus,
)
from clientops.clients import TimelineKind
from clientops.errors import (
    DuplicateError,
    NotFoundError,
    StorageError,
    TransitionError,
    ValidationError,
)
from clientops.model import Client, ClientId, ReactionKind
from clientops.rules.billing import SkipReason
from clientops.testing import FailingStorage, a_client, a_staff

ANNA = EmployeeId("anna")
OWN = "40702810900000000001"
FOREIGN = "40702810500000000002"
INNS = ["5501100012", "5501100020", "5501100037", "5501100044", "5501100051"]
OUR_INN = "7728012340"
SUPPLIER = InvoiceParty(
    name="ООО «Клиентский сервис»", inn=OUR_INN, kpp="772801001", address="Москва"
)
BANK = BankDetails(
    bank="ПАО Сбербанк", bik="044525225", account=OWN, correspondent_account="30101810400000000225"
)
POLICY = attrs.evolve(
    clientops.Policy(),
    billing=BillingPolicy(supplier=SUPPLIER, bank=BANK, head="Иванов И. И."),
)
NOVEMBER = Month(2026, 11)


class Clock:
    """A clock the test moves; starts on the billing day of November 2026 (Friday the 13th:
    the 15th is a Sunday)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 13, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date, hour: int = 9) -> None:
        self.now = datetime(day.year, day.month, day.day, hour - 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def open_ops(storage: clientops.ports.Storage, clock: Clock) -> ClientOps:
    return ClientOps(storage, policy=POLICY, host=PluginHost(entry_points=False), clock=clock)


@pytest.fixture
def ops(db_path: Path, clock: Clock) -> Iterator[ClientOps]:
    with open_ops(SQLiteStorage(db_path), clock) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def subscribe(ops: ClientOps, count: int = 3, fee: str = "12000") -> list[Client]:
    cards = []
    for n in range(count):
        card = ops.clients.add(a_client(name=f"ООО «Клиент {n + 1}»", inn=INNS[n], manager_id=ANNA))
        ops.billing.add_subscription(
            Subscription(SubscriptionId(f"s{n + 1}"), card.id, Money(fee), date(2026, 1, 1))
        )
        cards.append(card)
    return cards


def dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def statement(documents: Sequence[Mapping[str, str]], encoding: str = "cp1251") -> bytes:
    """A 1C client-bank statement with these incoming payments (Номер, Сумма, ИНН, purpose)."""
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        f"Кодировка={'Windows' if encoding == 'cp1251' else 'UTF-8'}",
        "Отправитель=Банк",
        "Получатель=1С:Предприятие",
        "ДатаСоздания=18.11.2026",
        "ДатаНачала=16.11.2026",
        "ДатаКонца=18.11.2026",
        f"РасчСчет={OWN}",
    ]
    for doc in documents:
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={doc['number']}",
            "Дата=17.11.2026",
            f"Сумма={doc['amount']}",
            f"ПлательщикСчет={FOREIGN}",
            f"ПлательщикИНН={doc['inn']}",
            f"Плательщик1={doc.get('payer', 'ООО Плательщик')}",
            f"ПолучательСчет={OWN}",
            "ДатаПоступило=18.11.2026",
            f"ПолучательИНН={OUR_INN}",
            f"НазначениеПлатежа={doc['purpose']}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


# ------------------------------------------------------------------------ the run


def test_the_run_issues_one_invoice_per_subscription_on_the_friday_before_a_sunday_15th(
    ops: ClientOps, tmp_path: Path
) -> None:
    cards = subscribe(ops)
    run = ops.billing.run(NOVEMBER, documents=tmp_path / "invoices")
    assert [i.number for i in run.issued] == ["2026-00001", "2026-00002", "2026-00003"]
    assert {i.issue_date for i in run.issued} == {date(2026, 11, 13)}
    assert {i.client_id for i in run.issued} == {c.id for c in cards}
    assert all(i.total == Money("12000") for i in run.issued)
    assert all(i.vat_rate == Decimal(22) for i in run.issued)
    assert [p.name for p in run.documents] == [
        "2026-00001.docx",
        "2026-00002.docx",
        "2026-00003.docx",
    ]
    text = docx_text(run.documents[0].read_bytes())
    assert "Счёт на оплату №\xa02026-00001 от 13 ноября 2026\xa0г." in text
    assert "Абонентское обслуживание за ноябрь 2026\xa0г." in text
    assert "Двенадцать тысяч рублей 00 копеек" in text
    assert INNS[0] in text
    assert ops.billing.invoices_of(cards[0].id) == (run.issued[0],)
    assert "выставлено 3" in run.summary()


def test_a_second_run_issues_nothing_and_changes_nothing(ops: ClientOps, db_path: Path) -> None:
    subscribe(ops)
    ops.billing.run(NOVEMBER)
    before = dump(db_path)
    again = ops.billing.run(NOVEMBER)
    assert again.issued == ()
    assert again.already_issued == 3
    assert {s.reason for s in again.plan.skipped} == {SkipReason.ALREADY_ISSUED}
    assert dump(db_path) == before


@pytest.mark.parametrize("store", ["sqlite", "memory", "postgresql"])
def test_a_rerun_after_a_change_dated_back_plans_the_correction_from_the_whole_invoice(
    store: str, db_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    if store == "sqlite":
        storage: clientops.ports.Storage = SQLiteStorage(db_path)
    elif store == "memory":
        storage = MemoryStorage()
    else:
        storage = (
            PluginHost(entry_points=False)
            .load()
            .open_storage(request.getfixturevalue("postgres_url"))
        )
    with open_ops(storage, clock) as ops:
        ops.clients.add_staff(a_staff())
        cards = subscribe(ops, count=3)
        first = ops.billing.run(NOVEMBER)
        paused = attrs.evolve(
            ops.billing.subscriptions_of(cards[1].id)[0],
            pauses=(Pause(date(2026, 11, 1), date(2026, 11, 10)),),
        )
        ops.billing.update_subscription(paused)
        ops.billing.add_subscription(
            Subscription(SubscriptionId("s9"), cards[2].id, Money("3000"), date(2026, 11, 16))
        )
        again = ops.billing.run(NOVEMBER)
        (needed,) = again.plan.corrections
        assert needed.original == ops.billing.invoice(first.issued[1].id)  # the whole invoice
        assert needed.expected == Money("8000.00")  # 20 of 30 days
        assert [s.reason for s in again.plan.skipped] == [
            SkipReason.ALREADY_ISSUED,
            SkipReason.NEEDS_CORRECTION,
            SkipReason.ALREADY_ISSUED,
        ]
        (late,) = again.issued
        assert (late.subscription_id, late.total, late.payer_inn) == (
            "s9",
            Money("1500.00"),
            INNS[2],
        )
        assert late.number == "2026-00004"


def test_an_interrupted_run_finishes_the_rest_without_doubles(db_path: Path, clock: Clock) -> None:
    with open_ops(SQLiteStorage(db_path), clock) as ops:
        ops.clients.add_staff(a_staff())
        cards = subscribe(ops, count=5)
    # the store fails on the second batch (invoices 3 and 4): the first batch of 2 is kept,
    # the second is not
    failing = FailingStorage(SQLiteStorage(db_path), "invoices.add_many", after=1)
    with open_ops(failing, clock) as ops, pytest.raises(StorageError):
        ops.billing.run(NOVEMBER, batch=2)
    with open_ops(SQLiteStorage(db_path), clock) as ops:
        assert len(ops.billing.plan(NOVEMBER).to_issue) == 3
        rest = ops.billing.run(NOVEMBER, batch=2)
        assert [i.number for i in rest.issued] == ["2026-00003", "2026-00004", "2026-00005"]
        assert rest.already_issued == 2
        per_card = [ops.billing.invoices_of(card.id) for card in cards]
        assert [len(found) for found in per_card] == [1, 1, 1, 1, 1]
        assert sorted(found[0].number for found in per_card) == [
            f"2026-0000{n}" for n in range(1, 6)
        ]
        assert ops.billing.run(NOVEMBER).issued == ()


def test_a_paused_or_ended_subscription_is_skipped_with_its_reason(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(inn=INNS[0]))
    ops.billing.add_subscription(
        Subscription(
            SubscriptionId("ended"), card.id, Money("5000"), date(2025, 1, 1), end=date(2026, 9, 30)
        )
    )
    run = ops.billing.run(NOVEMBER)
    assert run.issued == ()
    assert [(s.subscription_id, s.reason) for s in run.plan.skipped] == [
        ("ended", SkipReason.NOT_ACTIVE)
    ]


# ------------------------------------------------------------------------ payments


def test_a_statement_pays_by_number_then_by_inn_and_amount_and_keeps_credit(
    ops: ClientOps, clock: Clock, db_path: Path
) -> None:
    cards = subscribe(ops, count=4)
    issued = ops.billing.run(NOVEMBER).issued
    clock.to(date(2026, 11, 18))
    data = statement(
        [
            # names its invoice: paid in full
            {
                "number": "101",
                "amount": "12000.00",
                "inn": INNS[0],
                "purpose": f"Оплата по счету № {issued[0].number} за ноябрь",
            },
            # no number, the payer's INN and the exact amount
            {"number": "102", "amount": "12000.00", "inn": INNS[1], "purpose": "Абонентская плата"},
            # more than the debt: paid, the rest kept as visible credit
            {
                "number": "103",
                "amount": "15000.00",
                "inn": INNS[2],
                "purpose": f"Оплата счета {issued[2].number}",
            },
            # nobody's: left for a person
            {"number": "104", "amount": "777.00", "inn": "5501100157", "purpose": "Возврат займа"},
        ]
    )
    report = ops.billing.import_bank_statement(data)
    assert len(report.payments) == 4
    assert [p.amount for p in report.unmatched] == [Money("777.00")]
    statuses = [ops.billing.invoice(i.id).status for i in issued]
    assert statuses == [
        InvoiceStatus.PAID,
        InvoiceStatus.PAID,
        InvoiceStatus.PAID,
        InvoiceStatus.ISSUED,
    ]
    assert [(c.client_id, c.amount) for c in ops.billing.credits()] == [
        (cards[2].id, Money("3000.00"))
    ]
    assert [p.amount for p in ops.billing.unmatched_payments()] == [Money("777.00")]
    # the same file again: nothing at all
    before = dump(db_path)
    again = ops.billing.import_bank_statement(data)
    assert again.already_imported
    assert dump(db_path) == before
    # a person assigns the unknown payment: it pays part of the fourth invoice
    assigned = ops.billing.assign_payment(report.unmatched[0].id, cards[3].id)
    assert assigned.client_id == cards[3].id
    fourth = ops.billing.invoice(issued[3].id)
    assert (fourth.status, fourth.paid) == (InvoiceStatus.PARTLY_PAID, Money("777.00"))
    assert ops.billing.unmatched_payments() == ()
    with pytest.raises(ValidationError):
        ops.billing.assign_payment(report.unmatched[0].id, cards[3].id)


def test_an_overlapping_statement_counts_a_payment_once(ops: ClientOps, clock: Clock) -> None:
    subscribe(ops, count=1)
    invoice = ops.billing.run(NOVEMBER).issued[0]
    clock.to(date(2026, 11, 18))
    paid = {
        "number": "7",
        "amount": "6000.00",
        "inn": INNS[0],
        "purpose": f"Оплата счета {invoice.number}",
    }
    ops.billing.import_bank_statement(statement([paid]))
    second = ops.billing.import_bank_statement(statement([paid], encoding="utf-8"))
    assert not second.already_imported  # another file…
    assert len(second.repeated) == 1  # …repeating a payment already applied
    assert ops.billing.invoice(invoice.id).paid == Money("6000.00")


@pytest.mark.parametrize("amount", ["12,5", "-3", "", "12.345"])
def test_a_malformed_statement_is_refused_whole_naming_the_line(
    ops: ClientOps, db_path: Path, amount: str
) -> None:
    subscribe(ops, count=1)
    ops.billing.run(NOVEMBER)
    good = {
        "number": "1",
        "amount": "12000.00",
        "inn": INNS[0],
        "purpose": "Оплата счета 2026-00001",
    }
    bad = {**good, "number": "2", "amount": amount}
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        ops.billing.import_bank_statement(statement([good, bad]))
    # the header is 9 lines, a document 12: the second one's Сумма is line 25
    assert [e.path for e in err.value.errors] == ["line 25: Сумма"]
    assert dump(db_path) == before


def test_the_monthly_run_takes_a_clients_valid_discount_off_and_a_rerun_agrees(
    ops: ClientOps, clock: Clock
) -> None:
    from clientops.retention import Retention

    vip, lapsed = subscribe(ops, count=2)
    retention = Retention(ops)
    retention.set_terms(
        vip.id,
        Decimal("0.1"),
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        by=ANNA,
    )
    retention.set_terms(
        lapsed.id,
        Decimal("0.1"),
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 11, 12),  # ends the day before November's billing date
        by=ANNA,
    )
    issued = {i.client_id: i for i in ops.billing.run(NOVEMBER).issued}
    assert issued[vip.id].total == Money("10800")
    (line,) = issued[vip.id].lines
    assert "скидка 10" in line.name
    assert issued[lapsed.id].total == Money("12000")
    assert "скидка" not in issued[lapsed.id].lines[0].name
    again = ops.billing.run(NOVEMBER)
    assert again.issued == ()
    assert again.plan.corrections == ()


# ------------------------------------------------------------------------ collection


def test_reminders_from_the_20th_on_working_days_until_paid(ops: ClientOps, clock: Clock) -> None:
    cards = subscribe(ops, count=2)
    issued = ops.billing.run(NOVEMBER).issued
    assert ops.billing.reminders(date(2026, 11, 19)).reactions == ()
    friday = ops.billing.reminders(date(2026, 11, 20))
    assert sorted(r.client_id for r in friday.reactions) == sorted(c.id for c in cards)
    assert all(r.kind is ReactionKind.OUTGOING_CALL for r in friday.reactions)
    assert all(r.employee_id == ANNA for r in friday.reactions)
    assert ops.billing.reminders(date(2026, 11, 20)).reactions == ()  # once a day
    assert ops.billing.reminders(date(2026, 11, 21)).reactions == ()  # Saturday
    clock.to(date(2026, 11, 22))
    ops.billing.import_bank_statement(
        statement(
            [
                {
                    "number": "9",
                    "amount": "12000.00",
                    "inn": INNS[0],
                    "purpose": f"Оплата счета {issued[0].number}",
                }
            ]
        )
    )
    monday = ops.billing.reminders(date(2026, 11, 23))
    assert [r.client_id for r in monday.reactions] == [cards[1].id]
    assert [r.id for r in ops.clients.reactions_of(cards[1].id)] == [
        r.id for r in (*friday.reactions, *monday.reactions) if r.client_id == cards[1].id
    ]


def test_debtors_and_their_list(ops: ClientOps) -> None:
    cards = subscribe(ops, count=2)
    ops.billing.run(NOVEMBER)
    found = ops.billing.debtors(date(2026, 11, 25))
    assert sorted(d.client_id for d in found) == sorted(c.id for c in cards)
    assert all(d.owed == Money("12000") for d in found)
    assert all(d.days_overdue > 0 for d in found)
    listing = ops.billing.debtors_list(date(2026, 11, 25), compiled_by="Смирнова А. С.")
    text = docx_text(ops.documents.render(listing))
    assert "ООО «Клиент 1»" in text
    assert "Смирнова Анна Сергеевна" in text
    assert "24000" in text.replace(" ", "").replace("\xa0", "")


# ------------------------------------------------------------------- corrections


def test_a_changed_fee_gives_a_corrected_invoice_never_an_edit(
    ops: ClientOps, clock: Clock
) -> None:
    subscribe(ops, count=1)
    original = ops.billing.run(NOVEMBER).issued[0]
    clock.to(date(2026, 11, 16))
    corrected = ops.billing.correct_invoice(original.id, fee=Money("10000"))
    assert corrected.original.status is InvoiceStatus.CORRECTED
    assert ops.billing.invoice(original.id).status is InvoiceStatus.CORRECTED
    new = ops.billing.invoice(corrected.correction.id)
    assert (new.number, new.total, new.corrects) == ("2026-00002", Money("10000"), original.id)
    text = docx_text(ops.documents.render(ops.billing.invoice_document(new.id)))
    assert "взамен счёта №\xa02026-00001" in text
    with pytest.raises(TransitionError):
        ops.billing.correct_invoice(original.id, fee=Money("9000"))
    # the next run does not issue November again
    assert ops.billing.run(NOVEMBER).issued == ()


def test_a_fee_change_in_the_middle_of_the_month_bills_from_the_next(
    ops: ClientOps, clock: Clock
) -> None:
    card = subscribe(ops, count=1)[0]
    subscription = ops.billing.subscriptions_of(card.id)[0]
    ops.billing.update_subscription(
        attrs.evolve(subscription, fee_changes=(FeeChange(date(2026, 11, 20), Money("15000")),))
    )
    assert ops.billing.run(NOVEMBER).issued[0].total == Money("12000")
    clock.to(ops.billing.billing_date(Month(2026, 12)))
    assert ops.billing.run(Month(2026, 12)).issued[0].total == Money("15000")


def test_a_lost_invoice_is_sent_again_as_a_duplicate(ops: ClientOps) -> None:
    subscribe(ops, count=1)
    invoice = ops.billing.run(NOVEMBER).issued[0]
    sent, data = ops.billing.send_duplicate(invoice.id, to="buh@romashka.ru", by=ANNA)
    assert len(sent.duplicates) == 1
    assert sent.number == invoice.number
    assert sent.total == invoice.total
    text = docx_text(data)
    assert "ДУБЛИКАТ" in text
    assert invoice.number in text


def test_invoice_documents_need_the_company_details(db_path: Path, clock: Clock) -> None:
    with ClientOps(SQLiteStorage(db_path), clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops, count=1)
        with pytest.raises(ValidationError) as err:
            ops.billing.run(NOVEMBER, documents=db_path.parent / "out")
        assert [e.path for e in err.value.errors] == ["billing.supplier", "billing.bank"]
        assert ops.billing.plan(NOVEMBER).to_issue  # nothing was issued


def test_reads_name_what_is_missing(ops: ClientOps) -> None:
    with pytest.raises(NotFoundError):
        ops.billing.invoice(clientops.billing.InvoiceId("nope"))
    with pytest.raises(NotFoundError):
        ops.billing.subscriptions_of(ClientId("nobody"))
    with pytest.raises(NotFoundError):
        ops.billing.add_subscription(
            Subscription(SubscriptionId("x"), ClientId("nobody"), Money("1"), date(2026, 1, 1))
        )


# ------------------------------------------------------------------ supplier bills


def test_a_supplier_bill_from_request_to_paid(ops: ClientOps, clock: Clock) -> None:
    bill = ops.billing.request_supplier_bill("ООО «Картридж»", "Картриджи для принтера")
    entered = ops.billing.enter_supplier_bill(
        bill.id, number="П-19", amount=Money("8400"), due_date=date(2026, 11, 20)
    )
    assert entered.status is SupplierBillStatus.PLANNED
    plan = ops.billing.payment_plan(date(2026, 11, 14))
    assert [(r.bill.supplier, r.bill.amount) for r in plan.rows] == [
        ("ООО «Картридж»", Money("8400"))
    ]
    ops.billing.set_supplier_payment_task(bill.id, to=EmployeeId("ivanov"))
    paid = ops.billing.mark_supplier_bill_paid(bill.id, on=date(2026, 11, 19))
    assert paid.status is SupplierBillStatus.PAID
    with pytest.raises(TransitionError):
        ops.billing.mark_supplier_bill_paid(bill.id)


# ------------------------------------------------------------------------- PostgreSQL


def test_billing_on_postgresql(postgres_url: str, clock: Clock) -> None:
    with clientops.connect(postgres_url, policy=POLICY, clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops, count=3)
        assert len(ops.billing.run(NOVEMBER).issued) == 3
        assert ops.billing.run(NOVEMBER).issued == ()
        clock.to(date(2026, 11, 18))
        report = ops.billing.import_bank_statement(
            statement(
                [
                    {
                        "number": "1",
                        "amount": "12000.00",
                        "inn": INNS[0],
                        "purpose": "Оплата счета 2026-00001",
                    }
                ]
            )
        )
        assert report.unmatched == ()
        assert len(ops.billing.debtors(date(2026, 11, 25))) == 2
        assert ops.billing.import_bank_statement(
            statement(
                [
                    {
                        "number": "1",
                        "amount": "12000.00",
                        "inn": INNS[0],
                        "purpose": "Оплата счета 2026-00001",
                    }
                ]
            )
        ).already_imported


# ------------------------------------------------------------------ one-off invoices


def test_a_client_without_a_subscription_is_invoiced_by_hand_only(
    ops: ClientOps, db_path: Path
) -> None:
    subscribe(ops, count=1)
    ops.billing.run(NOVEMBER)
    card = ops.clients.add(a_client(name="ООО «Разовый»", inn=INNS[4]))
    assert ops.billing.run(NOVEMBER).issued == ()  # no subscription: not billed by a run
    line = InvoiceLine(name="Турникет", unit="шт", quantity=Decimal(1), price=Money("45000"))
    invoice = ops.billing.issue_invoice(card.id, [line])
    assert (invoice.number, invoice.subscription_id, invoice.total) == (
        "2026-00002",
        None,
        Money("45000"),
    )
    assert ops.billing.invoices_of(card.id) == (invoice,)
    before = dump(db_path)
    with pytest.raises(NotFoundError):
        ops.billing.issue_invoice(ClientId("nobody"), [line])
    with pytest.raises(clientops.DuplicateError):
        ops.billing.issue_invoice(card.id, [line], number="2026-00001")
    assert dump(db_path) == before


# ------------------------------------------------------------------ accounting backends


def test_payments_fetched_from_a_statement_folder_are_applied_once(
    db_path: Path, clock: Clock, tmp_path: Path
) -> None:
    from clientops.adapters.bank_statement_folder import StatementFolder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    folder = StatementFolder(inbox)
    with ClientOps(SQLiteStorage(db_path), policy=POLICY, clock=clock, accounting=folder) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops, count=2)
        issued = ops.billing.run(NOVEMBER).issued
        clock.to(date(2026, 11, 18))
        (inbox / "2026-11-18.txt").write_bytes(
            statement(
                [
                    {
                        "number": "5",
                        "amount": "12000.00",
                        "inn": INNS[1],
                        "purpose": f"Оплата счета {issued[1].number}",
                    }
                ]
            )
        )
        first = ops.billing.fetch_payments(date(2026, 11, 1))
        assert [len(batch.payments) for batch in first] == [1]
        assert ops.billing.invoice(issued[1].id).status is InvoiceStatus.PAID
        assert ops.billing.invoice(issued[0].id).status is InvoiceStatus.ISSUED
        before = dump(db_path)
        assert all(
            batch.already_imported for batch in ops.billing.fetch_payments(date(2026, 11, 1))
        )
        assert dump(db_path) == before


def test_invoices_corrections_and_payments_reach_a_ledger_bean_check_accepts(
    db_path: Path, clock: Clock, tmp_path: Path
) -> None:
    import subprocess
    import sys

    ledger = tmp_path / "books.beancount"
    with open_ops(SQLiteStorage(db_path), clock) as ops:
        ops.clients.add_staff(a_staff())
        ops.billing.open_accounting("beancount", path=ledger, company="ООО «Клиентский сервис»")
        subscribe(ops, count=3)
        issued = ops.billing.run(NOVEMBER).issued
        clock.to(date(2026, 11, 16))
        ops.billing.correct_invoice(issued[2].id, fee=Money("10000"))
        ops.billing.cancel_invoice(issued[1].id)
        clock.to(date(2026, 11, 18))
        ops.billing.import_bank_statement(
            statement(
                [
                    {
                        "number": "8",
                        "amount": "13000.00",
                        "inn": INNS[0],
                        "purpose": f"Оплата счета {issued[0].number}",
                    }
                ]
            )
        )
        report = ops.outbox.deliver(limit=100)
        assert report.dead == ()
        assert len(report.delivered) == 6  # 3 invoices, a correction, a cancellation, a payment
        again = ops.outbox.deliver(limit=100)
        assert again.delivered == ()
    text = ledger.read_text(encoding="utf-8")
    assert text.count('invoice-number: "2026-00003"') >= 2  # issued, then reversed
    assert "Сторно" in text
    done = subprocess.run(
        [str(Path(sys.executable).parent / "bean-check"), str(ledger)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    from beancount import loader
    from beancount.core import realization

    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    tree = realization.realize(entries)
    balance = realization.get(tree, "Assets:Receivable:Clients").balance
    # 12 000 (paid by 13 000: 1 000 credit) + 10 000 (the correction) + 0 (cancelled)
    assert str(balance.get_currency_units("RUB").number) == "10000.00"


# ------------------------------------------------------------------------- numbers


def test_a_hand_numbered_invoice_of_last_year_does_not_block_the_month(
    ops: ClientOps, clock: Clock
) -> None:
    cards = subscribe(ops, count=3)
    clock.to(date(2025, 12, 20))
    early = ops.billing.issue_invoice(
        cards[0].id,
        [InvoiceLine("Подключение", "усл.", 1, Money("5000"))],
        number="2026-00001",  # numbered in the new year's sequence, dated in the old one
    )
    assert early.issue_date == date(2025, 12, 20)
    clock.to(date(2026, 1, 15))  # January's billing date
    run = ops.billing.run(Month(2026, 1))
    assert [i.number for i in run.issued] == ["2026-00002", "2026-00003", "2026-00004"]
    by_hand = ops.billing.issue_invoice(
        cards[1].id, [InvoiceLine("Выезд", "усл.", 1, Money("900"))]
    )
    assert by_hand.number == "2026-00005"


class _NumberTakenStorage:
    """A store whose every invoice number is already taken (as if another program wrote
    them behind clientops' back)."""

    def __init__(self, storage: SQLiteStorage) -> None:
        self._storage = storage
        self.name = storage.name

    @contextmanager
    def unit_of_work(self) -> Iterator[object]:
        with self._storage.unit_of_work() as uow:
            yield _NumberTakenUnitOfWork(uow)

    def close(self) -> None:
        self._storage.close()


class _NumberTakenUnitOfWork:
    def __init__(self, uow: object) -> None:
        self._uow = uow
        self.invoices = _NumberTakenInvoices(getattr(uow, "invoices"))  # noqa: B009

    def __getattr__(self, name: str) -> object:
        return getattr(self._uow, name)


class _NumberTakenInvoices:
    def __init__(self, invoices: object) -> None:
        self._invoices = invoices

    def __getattr__(self, name: str) -> object:
        return getattr(self._invoices, name)

    def add(self, invoice: Invoice) -> None:
        raise DuplicateError("invoice number", invoice.number, owner="elsewhere")

    def add_many(self, invoices: Sequence[Invoice]) -> None:
        self.add(invoices[0])


def test_a_number_that_cannot_be_taken_ends_replanning_with_its_duplicate_error(
    db_path: Path, clock: Clock
) -> None:
    with open_ops(SQLiteStorage(db_path), clock) as plain:
        subscribe(plain, count=2)
    storage = _NumberTakenStorage(SQLiteStorage(db_path))
    host = PluginHost(entry_points=False)
    with (
        ClientOps(storage, policy=POLICY, host=host, clock=clock) as ops,  # type: ignore[arg-type]
        pytest.raises(DuplicateError) as err,
    ):
        ops.billing.run(NOVEMBER)
    assert err.value.kind == "invoice number"
    assert isinstance(err.value.key, str)
    assert err.value.key.startswith("2026-")
    assert err.value.key in str(err.value)


def _issue_together(make_ops: Callable[[], ClientOps], client_id: ClientId) -> list[str]:
    """Eight callers issuing an invoice by hand at the same moment, each with its own
    ClientOps (its own connection); their numbers, or the errors they got."""
    start = threading.Barrier(8)
    results: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        with make_ops() as ops:
            start.wait()
            try:
                number = ops.billing.issue_invoice(
                    client_id, [InvoiceLine(f"Выезд {n}", "усл.", 1, Money("900"))]
                ).number
            except Exception as exc:  # reported, not raised in a thread
                number = f"{type(exc).__name__}: {exc}"
            with lock:
                results.append(number)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_eight_concurrent_invoices_on_sqlite_get_distinct_gap_free_numbers(
    db_path: Path, clock: Clock
) -> None:
    with open_ops(SQLiteStorage(db_path), clock) as ops:
        card = subscribe(ops, count=1)[0]
        ops.billing.run(NOVEMBER)  # takes 2026-00001
    numbers = _issue_together(lambda: open_ops(SQLiteStorage(db_path), clock), card.id)
    assert sorted(numbers) == [f"2026-{n:05d}" for n in range(2, 10)]


def test_eight_concurrent_invoices_on_postgresql_get_distinct_gap_free_numbers(
    postgres_url: str, clock: Clock
) -> None:
    def make() -> ClientOps:
        return clientops.connect(postgres_url, policy=POLICY, clock=clock)

    with make() as ops:
        card = subscribe(ops, count=1)[0]
        ops.billing.run(NOVEMBER)  # takes 2026-00001
    numbers = _issue_together(make, card.id)
    assert sorted(numbers) == [f"2026-{n:05d}" for n in range(2, 10)]


def test_two_reminder_runs_of_one_day_racing_on_postgresql_schedule_each_call_once(
    postgres_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers run the day's reminders together: the second commits its calls between
    the first one's reads and its writes. The first finds them on a second look instead of
    failing on the unique keys, and every client gets one call."""
    import clientops._billing_service as service

    def make() -> ClientOps:
        return clientops.connect(postgres_url, policy=POLICY, clock=clock)

    with make() as first, make() as second:
        first.clients.add_staff(a_staff())
        cards = subscribe(first, count=2)
        first.billing.run(NOVEMBER)
        record = service.record_appeals_and_reactions
        raced: list[int] = []
        started: list[bool] = []

        def interleaved(*args: object, **kwargs: object) -> object:
            if not started:  # the first run has read; the second one runs whole and commits
                started.append(True)
                worker = threading.Thread(
                    target=lambda: raced.append(
                        len(second.billing.reminders(date(2026, 11, 20)).reactions)
                    )
                )
                worker.start()
                worker.join()
            return record(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(service, "record_appeals_and_reactions", interleaved)
        late = first.billing.reminders(date(2026, 11, 20))
        assert raced == [2]
        assert late.reactions == ()  # found on the second look: nothing scheduled twice
        monkeypatch.undo()
        calls = [
            r
            for card in cards
            for r in first.clients.reactions_of(card.id)
            if r.kind is ReactionKind.OUTGOING_CALL
        ]
        assert sorted(r.client_id for r in calls) == sorted(c.id for c in cards)


# ------------------------------------------------------------------------- schedule


def test_billing_keeps_to_the_months_billing_period(
    ops: ClientOps, clock: Clock, db_path: Path
) -> None:
    subscribe(ops, count=2)
    assert ops.billing.billing_date(NOVEMBER) == date(2026, 11, 13)  # the 15th is a Sunday
    assert ops.billing.billing_date(Month(2026, 12)) == date(2026, 12, 15)
    before = dump(db_path)
    clock.to(date(2026, 11, 10))
    with pytest.raises(ValidationError) as early:
        ops.billing.run(NOVEMBER)
    assert early.value.errors[0].path == "month"
    assert "2026-11-13" in str(early.value)
    clock.to(date(2026, 12, 20))  # December's billing date has come: November is closed
    with pytest.raises(ValidationError) as closed:
        ops.billing.run(NOVEMBER)
    assert closed.value.errors[0].path == "month"
    assert "2026-12-15" in str(closed.value)
    clock.to(date(2026, 11, 13))
    with pytest.raises(ValidationError) as ahead:
        ops.billing.run(NOVEMBER, issue_date=date(2026, 11, 16))
    assert ahead.value.errors[0].path == "issue_date"
    assert dump(db_path) == before  # nothing was issued by the refused runs
    clock.to(date(2026, 12, 20))
    late = ops.billing.run(NOVEMBER, off_schedule=True)
    # issued today, not on a billing day long gone: due five days from now, not overdue
    assert {(i.issue_date, i.due_date) for i in late.issued} == {
        (date(2026, 12, 20), date(2026, 12, 25))
    }


def test_a_run_later_in_the_billing_period_is_dated_on_its_day(
    ops: ClientOps, clock: Clock
) -> None:
    subscribe(ops, count=1)
    clock.to(date(2026, 11, 20))
    invoice = ops.billing.run(NOVEMBER).issued[0]
    assert invoice.issue_date == date(2026, 11, 20)
    assert invoice.total == Money("12000")


def test_a_run_leaves_the_garbage_collector_as_it_found_it(db_path: Path, clock: Clock) -> None:
    import gc

    with open_ops(SQLiteStorage(db_path), clock) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops, count=4)
        assert gc.isenabled()
        assert len(ops.billing.plan(NOVEMBER).to_issue) == 4
        assert gc.isenabled()
    failing = FailingStorage(SQLiteStorage(db_path), "invoices.add_many", after=1)
    with open_ops(failing, clock) as ops, pytest.raises(StorageError):
        ops.billing.run(NOVEMBER, batch=2)  # fails while the collector is paused
    assert gc.isenabled()
    gc.disable()
    try:
        with open_ops(SQLiteStorage(db_path), clock) as ops:
            assert len(ops.billing.run(NOVEMBER).issued) == 2
        assert not gc.isenabled()  # left off as the application had it
    finally:
        gc.enable()
    assert gc.isenabled()


def test_a_store_without_the_billed_reads_plans_the_same(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written before ``invoices.billed``, ``subscriptions.payers`` and
    ``invoices.add_many``: the run reads ``for_period`` and the cards instead, adds its
    invoices one by one, and plans and issues the same."""
    from clientops.adapters import memory

    def runs() -> list[tuple[object, ...]]:
        with open_ops(MemoryStorage(), clock) as ops:
            ops.clients.add_staff(a_staff())
            cards = subscribe(ops, count=3)
            first = ops.billing.run(NOVEMBER)
            sub = ops.billing.subscriptions_of(cards[0].id)[0]
            ops.billing.update_subscription(attrs.evolve(sub, end=date(2026, 11, 20)))
            again = ops.billing.run(NOVEMBER)
            return [
                tuple((i.id, i.number, i.total, i.payer_inn, i.lines) for i in first.issued),
                tuple((s.subscription_id, s.reason, s.message) for s in again.plan.skipped),
                tuple((c.original.number, c.lines, c.expected) for c in again.plan.corrections),
            ]

    current = runs()
    monkeypatch.delattr(memory._Invoices, "billed")
    monkeypatch.delattr(memory._Subscriptions, "payers")
    monkeypatch.delattr(memory._Invoices, "add_many")
    older = runs()
    assert older == current
    assert len(current[2]) == 1  # the ended subscription's invoice needs a correction


@pytest.mark.parametrize("store", ["memory", "sqlite", "postgresql"])
def test_invoices_added_as_a_batch_are_stored_as_added_one_by_one(
    store: str, request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> None:
    """``uow.invoices.add_many`` (what a billing run stores its batches with) stores what
    ``add`` stores, timeline entries included, and refuses what ``add`` refuses: nothing of a
    refused batch is kept."""

    def storage(name: str) -> clientops.ports.Storage:
        if store == "memory":
            return MemoryStorage()
        if store == "sqlite":
            return SQLiteStorage(tmp_path / f"{name}.db")
        url = request.getfixturevalue("postgres_url")
        return clientops.connect(f"{url}_{name}").storage

    def stored(batch: bool) -> tuple[list[Invoice], list[list[object]], ClientOps]:
        ops = open_ops(storage("batch" if batch else "single"), clock)
        ops.clients.add_staff(a_staff())
        cards = subscribe(ops, count=3)
        invoices = ops.billing.plan(NOVEMBER).to_issue
        with ops.storage.unit_of_work() as uow:
            if batch:
                uow.invoices.add_many(invoices)
            else:
                for invoice in invoices:
                    uow.invoices.add(invoice)
        with ops.storage.unit_of_work(readonly=True) as uow:
            rows = [uow.invoices.get(i.id) for i in invoices]
        assert [i.client_id for i in rows] == [c.id for c in cards]
        pages = [
            [(e.kind, e.ref, e.summary, e.at) for e in ops.clients.timeline(c.id).entries]
            for c in cards
        ]
        return rows, pages, ops

    rows, pages, ops = stored(batch=True)
    one_by_one, their_pages, plain = stored(batch=False)
    plain.close()

    def unnamed(invoices: list[Invoice]) -> list[Invoice]:  # the cards' ids are new_id()s
        return [attrs.evolve(i, client_id=ClientId("-")) for i in invoices]

    assert unnamed(rows) == unnamed(one_by_one)
    assert pages == their_pages
    for invoice, page in zip(rows, pages, strict=True):  # each card shows its invoice
        assert [ref for kind, ref, *_ in page if kind is TimelineKind.INVOICE] == [invoice.id]
    first = rows[0]
    other = attrs.evolve(first, id=type(first.id)("another"))
    nobody = attrs.evolve(first, id=type(first.id)("nobody"), client_id=ClientId("ghost"))
    fresh = attrs.evolve(first, id=type(first.id)("fresh"), number="2026-99999")
    twice = attrs.evolve(fresh, id=type(first.id)("twice"))
    cases: list[tuple[list[Invoice], type[Exception], str | None]] = [
        ([fresh, first], DuplicateError, "invoice"),  # an id stored already
        ([fresh, other], DuplicateError, "invoice number"),  # a number stored already
        ([fresh, twice], DuplicateError, "invoice number"),  # one number twice in the batch
        ([fresh, fresh], DuplicateError, "invoice"),  # one id twice in the batch
        ([fresh, nobody], NotFoundError, None),  # a client that is not there
    ]
    try:
        for batch, error, kind in cases:
            with pytest.raises(error) as raised, ops.storage.unit_of_work() as uow:
                uow.invoices.add_many(batch)
            if kind is not None:
                assert raised.value.kind == kind  # type: ignore[attr-defined]
            with ops.storage.unit_of_work(readonly=True) as uow:
                assert uow.invoices.find("2026-99999") is None
    finally:
        ops.close()


def test_every_subscription_reads_back_as_stored(db_path: Path, clock: Clock) -> None:
    """``uow.subscriptions.all`` (read straight from the documents, not through cattrs) gives
    back each subscription as it was stored, whatever of its fields are set."""
    with open_ops(SQLiteStorage(db_path), clock) as ops:
        cards = [ops.clients.add(a_client(name=f"ООО «Ромашка {n}»")) for n in range(3)]
        made = [
            Subscription(SubscriptionId("plain"), cards[0].id, Money("12000"), date(2025, 1, 1)),
            Subscription(
                SubscriptionId("every-field"),
                cards[1].id,
                Money("999.99", "USD"),
                date(2026, 2, 3),
                end=date(2027, 1, 31),
                pauses=(
                    Pause(date(2026, 3, 1), date(2026, 3, 9), reason="ремонт"),
                    Pause(date(2026, 5, 1), date(2026, 5, 2)),
                ),
                fee_changes=(FeeChange(date(2026, 6, 1), Money("1200.50", "USD")),),
                service="Сопровождение «1С»",
                unit="усл.",
                payer_inn=INNS[1],
            ),
            Subscription(SubscriptionId("same-fee"), cards[2].id, Money("12000"), date(2025, 1, 1)),
        ]
        for subscription in made:
            ops.billing.add_subscription(subscription)
        changed = ops.billing.update_subscription(attrs.evolve(made[2], end=date(2026, 12, 31)))
        with ops.storage.unit_of_work(readonly=True) as uow:
            read = uow.subscriptions.all()
        assert read == (made[0], made[1], changed)
        assert changed.version == 1
        assert read[0].fee == read[2].fee
