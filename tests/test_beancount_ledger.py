"""The beancount ledger adapter (clientops.adapters.beancount), checked by the real engine.

A month of billing is built with the billing rules (subscriptions → a billing plan →
invoices, a one-off invoice, corrections, a cancellation, payments read from a 1C statement,
matched and allocated: in full, in part, over), recorded, and then the ledger is handed to
``bean-check`` and read back with ``beancount.loader``: it must pass, and every account must
hold what the invoices and payments say. Idempotency is byte-for-byte; a file cut short is
refused naming the line; and a broken ledger is shown to fail ``bean-check``, so the check
is known to bite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from beancount import loader
from beancount.core.data import Transaction

from clientops import PluginHost
from clientops.accounting import Accounting, AccountingError, InvoiceRecord, PaymentRecord
from clientops.adapters.beancount import MARKER, BeancountLedger, LedgerAccounts
from clientops.bank_statements import match_payments, read_bank_statement
from clientops.billing import (
    BillingPolicy,
    Credit,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceStatus,
    Month,
    Payment,
    PaymentId,
    Subscription,
    SubscriptionId,
)
from clientops.errors import ValidationError
from clientops.model import ClientId, Money
from clientops.rules.billing import (
    allocate_payments,
    cancel_invoice,
    correct_invoice,
    one_off_invoice,
    open_invoices,
    payments_from_matches,
    plan_billing,
)
from clientops.workdays import russian_calendar

BEAN_CHECK = Path(sys.executable).parent / "bean-check"
POLICY = BillingPolicy()
CAL = russian_calendar()
NOV = Month(2026, 11)
OUR_ACCOUNT = "40702810900000000001"
ZERO = Decimal("0.00")

#: client → (name as the ledger's payee, INN, subscription fee or None)
CLIENTS: dict[str, tuple[str, str, str | None]] = {
    "c1": ('ООО "Ромашка"', "7707083893", "12000"),
    "c2": ("ИП Иванов И. И.", "550112345626", "3000"),  # starts on the 16th: pro-rated
    "c3": ('ООО "Рога\\Копыта"', "5501123450", "5000"),
    "c4": ("АО «Лютик»", "5406012341", "7000"),
    "c5": ("ООО Разовый клиент", "7728012340", None),  # a one-off invoice, no subscription
}


def bean_check(path: Path) -> subprocess.CompletedProcess[str]:
    if not BEAN_CHECK.exists():  # beancount is in the dev extras: its absence is a failure
        pytest.fail(f"bean-check not found at {BEAN_CHECK}: pip install -e '.[dev]'")
    return subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def assert_bean_check_passes(path: Path) -> None:
    result = bean_check(path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def balances(path: Path) -> dict[str, Decimal]:
    """Every account's balance, as beancount itself reads the file."""
    entries, errors, options = loader.load_file(str(path))
    assert errors == []
    assert options["operating_currency"] == ["RUB"]
    sums: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, Transaction):
            for posting in entry.postings:
                assert posting.units.currency == "RUB"
                sums[posting.account] = sums.get(posting.account, ZERO) + posting.units.number
    return sums


# --------------------------------------------------------------------------- a month of billing


def statement(*documents: tuple[str, str, str, str, str]) -> bytes:
    """A 1C statement of incoming payments: (number, day, amount, payer INN, purpose)."""
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        f"РасчСчет={OUR_ACCOUNT}",
    ]
    for number, day, amount, inn, purpose in documents:
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={number}",
            f"Дата={day}",
            f"Сумма={amount}",
            "ПлательщикСчет=40702810500000000002",
            f"ПлательщикИНН={inn}",
            f"Плательщик1=Плательщик {inn}",
            f"ПолучательСчет={OUR_ACCOUNT}",
            f"ДатаПоступило={day}",
            f"НазначениеПлатежа={purpose}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251")


@attrs.frozen
class BillingMonth:
    """What a month of billing produced, in the order it happened, and how it ended."""

    records: tuple[InvoiceRecord | PaymentRecord, ...]
    invoices: tuple[Invoice, ...]
    payments: tuple[Payment, ...]
    credits: tuple[Credit, ...]


def name_of(client: str) -> str:
    return CLIENTS[client][0]


def receive(
    data: bytes, invoices: list[Invoice], records: list[InvoiceRecord | PaymentRecord]
) -> tuple[list[Invoice], list[Payment], list[Credit]]:
    """Read, match and allocate a statement's payments; record them."""
    read = read_bank_statement(data)
    result = match_payments(read.payments, open_invoices(invoices))
    assert result.unmatched == ()
    payments = payments_from_matches(result, statement_digest=read.digest)
    batch = allocate_payments(payments, invoices, POLICY)
    for r in batch.results:
        client = r.allocations[0].client_id if r.allocations else r.credit.client_id  # type: ignore[union-attr]
        records.append(
            PaymentRecord(
                payment=r.payment,
                allocations=r.allocations,
                credit=r.credit,
                client_name=name_of(client),
            )
        )
    return list(batch.invoices), list(payments), list(batch.credits)


def a_month() -> BillingMonth:
    subs = [
        Subscription(
            SubscriptionId(f"s-{client}"),
            ClientId(client),
            Money(fee),
            date(2026, 11, 16) if client == "c2" else date(2026, 1, 1),
            payer_inn=inn,
        )
        for client, (_, inn, fee) in CLIENTS.items()
        if fee is not None
    ]
    plan = plan_billing(NOV, subs, [], POLICY, CAL)
    assert plan.issue_date == date(2026, 11, 13)  # the 15th is a Sunday
    invoices = list(plan.to_issue)
    invoices.append(
        one_off_invoice(
            id=InvoiceId("one-off-c5"),
            client_id=ClientId("c5"),
            lines=(InvoiceLine("Настройка оборудования", "шт.", 2, Money("2500")),),
            issue_date=date(2026, 11, 13),
            existing=invoices,
            policy=POLICY,
            calendar=CAL,
            payer_inn=CLIENTS["c5"][1],
        )
    )
    records: list[InvoiceRecord | PaymentRecord] = [
        InvoiceRecord(invoice=i, client_name=name_of(i.client_id)) for i in invoices
    ]
    number = {i.client_id: i.number for i in invoices}
    # the 17th: c1 pays in full, c2 a part, c5 more than its invoice
    invoices, payments, credits = receive(
        statement(
            ("15", "17.11.2026", "12000.00", CLIENTS["c1"][1], f"Оплата по счету № {number['c1']}"),
            ("16", "17.11.2026", "1000.00", CLIENTS["c2"][1], f"Оплата счета № {number['c2']}"),
            ("17", "17.11.2026", "5500.00", CLIENTS["c5"][1], f"Оплата по счету № {number['c5']}"),
        ),
        invoices,
        records,
    )
    # the 18th: c1's fee is lowered after it paid (the excess becomes credit), c3's raised,
    # c4's invoice cancelled
    for client, fee in (("c1", "10000"), ("c3", "6000")):
        at = next(n for n, i in enumerate(invoices) if i.client_id == client)
        fixed = correct_invoice(
            invoices[at],
            on=date(2026, 11, 18),
            existing=invoices,
            policy=POLICY,
            calendar=CAL,
            fee=Money(fee),
        )
        invoices[at] = fixed.original
        invoices.append(fixed.correction)
        if fixed.credit is not None:
            credits.append(fixed.credit)
        records.append(
            InvoiceRecord(
                invoice=fixed.correction, client_name=name_of(client), reverses=fixed.original
            )
        )
    at = next(n for n, i in enumerate(invoices) if i.client_id == "c4")
    invoices[at] = cancel_invoice(invoices[at])
    records.append(InvoiceRecord(invoice=invoices[at], client_name=name_of("c4")))
    # the 20th: c3 pays its corrected invoice, c2 another part (200.00 still owed)
    c3_number = next(i.number for i in invoices if i.client_id == "c3" and i.corrects)
    invoices, more, more_credits = receive(
        statement(
            ("31", "20.11.2026", "6000.00", CLIENTS["c3"][1], f"Оплата по счету № {c3_number}"),
            ("32", "20.11.2026", "300.00", CLIENTS["c2"][1], f"Доплата по счету № {number['c2']}"),
        ),
        invoices,
        records,
    )
    return BillingMonth(
        tuple(records), tuple(invoices), (*payments, *more), (*credits, *more_credits)
    )


MONTH = a_month()


def record_all(ledger: BeancountLedger, records: Iterable[InvoiceRecord | PaymentRecord]) -> None:
    for record in records:
        if isinstance(record, InvoiceRecord):
            ledger.record_invoice(record)
        else:
            ledger.record_payment(record)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "clientops.beancount"


@pytest.fixture
def ledger(path: Path) -> Iterator[BeancountLedger]:
    ledger = BeancountLedger(path, company="ООО «Клиентский сервис»")
    yield ledger
    ledger.close()


@pytest.fixture
def written(path: Path) -> bytes:
    """The ledger of the whole month, written once."""
    with BeancountLedger(path, company="ООО «Клиентский сервис»") as ledger:
        record_all(ledger, MONTH.records)
    return path.read_bytes()


# --------------------------------------------------------------------------- the engine agrees


def test_the_month_covers_every_kind_of_record() -> None:
    statuses = {i.status for i in MONTH.invoices}
    assert statuses == {
        InvoiceStatus.CORRECTED,
        InvoiceStatus.CANCELLED,
        InvoiceStatus.PAID,
        InvoiceStatus.PARTLY_PAID,
    }
    assert any(i.subscription_id is None for i in MONTH.invoices)
    assert len(MONTH.credits) == 2  # c5 overpaid; c1's correction left an excess
    assert any(c.invoice_id is not None for c in MONTH.credits)
    assert any(
        isinstance(r, PaymentRecord) and r.credit is not None and r.allocations
        for r in MONTH.records
    )


def test_bean_check_accepts_the_ledger(path: Path, written: bytes) -> None:
    assert_bean_check_passes(path)
    text = written.decode("utf-8")
    assert text.startswith(MARKER)
    assert 'option "title" "ООО «Клиентский сервис»"' in text
    assert 'option "operating_currency" "RUB"' in text


def test_the_balances_are_what_the_invoices_and_payments_say(path: Path, written: bytes) -> None:
    sums = balances(path)
    valid = [
        i
        for i in MONTH.invoices
        if i.status not in (InvoiceStatus.CANCELLED, InvoiceStatus.CORRECTED)
    ]
    net = {
        kind: sum((i.total.amount - (i.vat.amount if i.vat else 0) for i in valid if kind(i)), ZERO)
        for kind in (lambda i: i.subscription_id is not None, lambda i: i.subscription_id is None)
    }
    by_kind = list(net.values())
    assert sums["Assets:Receivable:Clients"] == sum(
        (i.outstanding.amount for i in MONTH.invoices), ZERO
    )
    assert sums["Income:Subscriptions"] == -by_kind[0]
    assert sums["Income:Services"] == -by_kind[1]
    assert sums["Liabilities:VAT:Payable"] == -sum((i.vat.amount for i in valid if i.vat), ZERO)
    assert sums["Assets:Bank:Current"] == sum((p.amount.amount for p in MONTH.payments), ZERO)
    assert (
        sums["Liabilities:ClientCredit"] == -sum((c.amount for c in MONTH.credits), Money(0)).amount
    )
    # and the figures themselves, worked by hand: c2 still owes 1500 − 1000 − 300
    assert sums["Assets:Receivable:Clients"] == Decimal("200.00")
    assert sums["Assets:Bank:Current"] == Decimal("24800.00")  # 12000+1000+5500+6000+300
    assert sums["Liabilities:ClientCredit"] == Decimal("-2500.00")  # 2000 + 500
    assert sum(sums.values(), ZERO) == 0


def test_each_invoice_is_entered_as_the_issue_says(path: Path, written: bytes) -> None:
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    by_key = {e.meta["clientops-key"]: e for e in entries if isinstance(e, Transaction)}
    first = next(i for i in MONTH.invoices if i.client_id == "c1" and not i.corrects)
    issue = by_key[f"issue:{first.id}"]
    assert issue.date == date(2026, 11, 13)
    assert issue.payee == 'ООО "Ромашка"'
    assert issue.narration == f"Счёт № {first.number} за ноябрь 2026"
    assert (issue.meta["invoice-id"], issue.meta["invoice-number"], issue.meta["client-id"]) == (
        first.id,
        first.number,
        "c1",
    )
    assert [(p.account, p.units.number) for p in issue.postings] == [
        ("Assets:Receivable:Clients", Decimal("12000.00")),
        ("Income:Subscriptions", Decimal("-9836.07")),  # VAT 22 % included in the price
        ("Liabilities:VAT:Payable", Decimal("-2163.93")),
    ]
    # the correction: the original reversed exactly, on the correction's day, then the new one
    reversal = by_key[f"reversal:{first.id}"]
    assert reversal.date == date(2026, 11, 18)
    assert reversal.narration.startswith(f"Сторно счёта № {first.number}")
    assert [(p.account, p.units.number) for p in reversal.postings] == [
        (p.account, -p.units.number) for p in issue.postings
    ]
    correction = by_key[f"issue:{first.corrected_by}"]
    assert correction.postings[0].units.number == Decimal("10000.00")
    assert by_key[f"credit:{first.corrected_by}"].postings[1].units.number == Decimal("-2000.00")
    # the cancellation: the reversal only
    cancelled = next(i for i in MONTH.invoices if i.status is InvoiceStatus.CANCELLED)
    assert "аннулирован" in by_key[f"reversal:{cancelled.id}"].narration
    assert not any(k.startswith(f"issue:{cancelled.id}-") for k in by_key)
    # a payment: bank in, receivable out per invoice, the excess to the client's credit
    c5 = next(
        r for r in MONTH.records if isinstance(r, PaymentRecord) and r.client_name == name_of("c5")
    )
    pay = by_key[f"payment:{c5.payment.id}"]
    assert [(p.account, p.units.number) for p in pay.postings] == [
        ("Assets:Bank:Current", Decimal("5500.00")),
        ("Assets:Receivable:Clients", Decimal("-5000.00")),
        ("Liabilities:ClientCredit", Decimal("-500.00")),
    ]
    assert pay.postings[1].meta["invoice-number"] == c5.allocations[0].invoice_number
    assert pay.meta["payment-id"] == c5.payment.id
    assert pay.meta["payer-inn"] == CLIENTS["c5"][1]


# --------------------------------------------------------------------------- idempotency


def test_recording_everything_again_changes_nothing(path: Path, written: bytes) -> None:
    with BeancountLedger(path, company="ООО «Клиентский сервис»") as same_process:
        record_all(same_process, MONTH.records)
        record_all(same_process, reversed(MONTH.records))
    assert path.read_bytes() == written


def test_a_ledger_written_twice_in_one_process_is_the_same(
    path: Path, written: bytes, tmp_path: Path
) -> None:
    other = tmp_path / "other.beancount"
    with BeancountLedger(other, company="ООО «Клиентский сервис»") as ledger:
        record_all(ledger, MONTH.records)
        record_all(ledger, MONTH.records)
        assert len(ledger.recorded()) == written.decode().count("clientops-key:")
    assert other.read_bytes() == written


def test_keys_survive_reopening(path: Path, written: bytes) -> None:
    reopened = BeancountLedger(path, company="ООО «Клиентский сервис»")
    assert len(reopened.recorded()) == written.decode().count("clientops-key:")
    assert f"payment:{MONTH.payments[0].id}" in reopened.recorded()
    reopened.close()


def test_a_record_half_written_before_a_crash_is_finished(
    path: Path, ledger: BeancountLedger
) -> None:
    """A correction writes the reversal and the new invoice in one go; if only the reversal
    made it (the file cut at the entry boundary), sending the record again adds the rest."""
    record_all(ledger, MONTH.records)
    full = path.read_bytes()
    correction = next(
        r for r in MONTH.records if isinstance(r, InvoiceRecord) and r.reverses is not None
    )
    text = full.decode()
    start = text.index(f'clientops-key: "issue:{correction.invoice.id}"')
    cut = text.rindex("\n\n", 0, start) + 2
    path.write_bytes(text[:cut].encode())
    again = BeancountLedger(path)
    again.record_invoice(correction)
    again.close()
    assert path.read_text().count(f'"issue:{correction.invoice.id}"') == 1
    assert path.read_text().count(f'"reversal:{correction.reverses.id}"') == 1  # type: ignore[union-attr]
    assert_bean_check_passes(path)


def test_another_writer_of_the_same_file_is_seen(path: Path) -> None:
    """Two ledgers over one file (two processes): the second reads what the first wrote
    before writing, so nothing is written twice."""
    first, second = BeancountLedger(path), BeancountLedger(path)
    first.record_invoice(MONTH.records[0])  # type: ignore[arg-type]
    second.record_invoice(MONTH.records[0])  # type: ignore[arg-type]
    second.record_invoice(MONTH.records[1])  # type: ignore[arg-type]
    first.record_invoice(MONTH.records[1])  # type: ignore[arg-type]
    assert path.read_text().count("clientops-key:") == 2
    assert_bean_check_passes(path)


def test_threads_recording_at_once_write_each_record_once(
    path: Path, ledger: BeancountLedger
) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            record_all(ledger, MONTH.records)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    text = path.read_text()
    keys = [line.split('"')[1] for line in text.splitlines() if "clientops-key:" in line]
    assert len(keys) == len(set(keys)) == len(ledger.recorded())
    assert_bean_check_passes(path)


# --------------------------------------------------------------------------- a file cut short


def last_write_lines(
    path: Path, ledger_records: Iterable[InvoiceRecord | PaymentRecord]
) -> tuple[bytes, bytes]:
    """The file before and after the last record's write."""
    *head, last = list(ledger_records)
    with BeancountLedger(path) as ledger:
        record_all(ledger, head)
        before = path.read_bytes()
        record_all(ledger, [last])
    return before, path.read_bytes()


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.7, 0.95])
def test_a_file_cut_inside_the_last_entry_is_refused_naming_the_line(
    path: Path, fraction: float
) -> None:
    before, after = last_write_lines(path, MONTH.records)
    written = after[len(before) :]
    cut = len(before) + max(1, int(len(written) * fraction))
    path.write_bytes(after[:cut])
    first_line = before.count(b"\n") + 1
    with pytest.raises(AccountingError, match=rf"line {first_line}\b") as caught:
        BeancountLedger(path)
    assert caught.value.backend == "beancount"
    assert caught.value.operation == "open"
    assert str(path) in str(caught.value)
    assert "cut short" in str(caught.value)


def test_every_cut_of_the_last_entry_is_refused(path: Path) -> None:
    before, after = last_write_lines(path, MONTH.records)
    for cut in range(len(before) + 1, len(after)):
        path.write_bytes(after[:cut])
        with pytest.raises(AccountingError, match="cut short"):
            BeancountLedger(path)
    for cut in (len(before), len(after)):  # whole writes: accepted
        path.write_bytes(after[:cut])
        BeancountLedger(path).close()


def test_a_file_cut_in_the_header_is_refused(path: Path) -> None:
    with BeancountLedger(path) as ledger:
        record_all(ledger, MONTH.records[:1])
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"option") + 10])
    with pytest.raises(AccountingError, match=r"line 1: the last entry .* is cut short"):
        BeancountLedger(path)


def test_a_failed_write_leaves_nothing_behind(
    path: Path, ledger: BeancountLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_all(ledger, MONTH.records[:3])
    before = path.read_bytes()
    import os

    real_write = os.write

    def half_then_fail(fd: int, data: bytes | memoryview) -> int:
        if len(data) > 20:
            return real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(AccountingError, match="No space left"):
        ledger.record_invoice(MONTH.records[3])  # type: ignore[arg-type]
    monkeypatch.undo()
    assert path.read_bytes() == before
    ledger.record_invoice(MONTH.records[3])  # type: ignore[arg-type]
    assert_bean_check_passes(path)


# --------------------------------------------------------------------------- strings and names


def test_names_with_quotes_backslashes_and_line_breaks_are_escaped(
    path: Path, ledger: BeancountLedger
) -> None:
    nasty = 'ООО "Рога\\Копыта" \\"хитрое\\" имя\nвторая строка\\'
    record = MONTH.records[0]
    assert isinstance(record, InvoiceRecord)
    invoice = record.invoice
    ledger.record_invoice(InvoiceRecord(invoice=invoice, client_name=nasty))
    assert_bean_check_passes(path)
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    [tx] = [e for e in entries if isinstance(e, Transaction)]
    assert tx.payee == nasty.replace("\n", " ")
    reopened = BeancountLedger(path)
    assert reopened.recorded() == {f"issue:{invoice.id}"}


def test_the_title_is_escaped_too(path: Path) -> None:
    with BeancountLedger(path, company='ООО "Кавычки" \\ слэш') as ledger:
        record_all(ledger, MONTH.records[:1])
    _, errors, options = loader.load_file(str(path))
    assert errors == []
    assert options["title"] == 'ООО "Кавычки" \\ слэш'


def test_account_names_are_configurable(path: Path) -> None:
    accounts = LedgerAccounts(
        receivable="Assets:Debitorka:62-01",
        subscriptions="Income:Abonent",
        services="Income:Razovye",
        vat="Liabilities:NDS",
        bank="Assets:Bank:Alfa",
        credit="Liabilities:Avansy:62-02",
    )
    with BeancountLedger(path, accounts=accounts, opened_on=date(2026, 1, 1)) as ledger:
        record_all(ledger, MONTH.records)
    assert_bean_check_passes(path)
    sums = balances(path)
    assert set(sums) == set(accounts.all())
    assert sums["Assets:Bank:Alfa"] == Decimal("24800.00")
    assert "2026-01-01 open Assets:Debitorka:62-01 RUB" in path.read_text()


def test_an_account_added_later_is_opened_then(path: Path) -> None:
    with BeancountLedger(path) as ledger:
        record_all(ledger, MONTH.records[:2])
    moved = LedgerAccounts(subscriptions="Income:Abonent")
    with BeancountLedger(path, accounts=moved) as ledger:
        record_all(ledger, MONTH.records[2:])
    assert path.read_text().count("open Income:Abonent RUB") == 1
    assert_bean_check_passes(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("receivable", "Assets:Дебиторка", "not an account component"),
        ("bank", "Assets:bank", "not an account component"),
        ("vat", "Assets:VAT", "must be under Liabilities:"),
        ("subscriptions", "Revenue:Subs", "not a beancount account"),
        ("credit", "Liabilities", "not a beancount account"),
    ],
)
def test_bad_account_names_are_refused(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        LedgerAccounts(**{field: value})
    assert caught.value.paths == (field,)


# --------------------------------------------------------------------------- refusals


def test_a_foreign_file_is_refused(path: Path) -> None:
    path.write_text('option "title" "Моя книга"\n', encoding="utf-8")
    with pytest.raises(AccountingError, match="line 1: not a clientops ledger"):
        BeancountLedger(path)


def test_another_currency_is_refused(path: Path, written: bytes) -> None:
    with pytest.raises(AccountingError, match="operating currency is RUB, not EUR"):
        BeancountLedger(path, currency="EUR")
    dollars = Payment(PaymentId("p-usd"), date(2026, 11, 20), Money("10", "USD"))
    credit = Credit(ClientId("c1"), Money("10", "USD"), date(2026, 11, 20), dollars.id)
    with BeancountLedger(path) as ledger, pytest.raises(AccountingError, match="in USD"):
        ledger.record_payment(PaymentRecord(payment=dollars, credit=credit))
    assert path.read_bytes() == written


def test_an_unallocated_payment_is_refused(ledger: BeancountLedger, path: Path) -> None:
    payment = Payment(PaymentId("p-x"), date(2026, 11, 20), Money("100"))
    with pytest.raises(AccountingError, match=r"add up to 0\.00, the payment is 100\.00") as caught:
        ledger.record_payment(PaymentRecord(payment=payment))
    assert caught.value.operation == "record_payment"
    assert not path.exists()


def test_an_entry_before_the_accounts_opened_is_refused(path: Path) -> None:
    with (
        BeancountLedger(path, opened_on=date(2026, 12, 1)) as ledger,
        pytest.raises(AccountingError, match="dated 2026-11-13, before"),
    ):
        ledger.record_invoice(MONTH.records[0])  # type: ignore[arg-type]
    assert not path.exists()


def test_a_mismatched_reversal_is_refused(ledger: BeancountLedger) -> None:
    correction = next(
        r for r in MONTH.records if isinstance(r, InvoiceRecord) and r.reverses is not None
    )
    other = MONTH.records[1]
    assert isinstance(other, InvoiceRecord)
    with pytest.raises(AccountingError, match="corrects"):
        ledger.record_invoice(attrs.evolve(correction, reverses=other.invoice))


def test_a_cancellation_of_an_invoice_never_recorded_writes_nothing(
    ledger: BeancountLedger, path: Path
) -> None:
    cancelled = next(i for i in MONTH.invoices if i.status is InvoiceStatus.CANCELLED)
    ledger.record_invoice(InvoiceRecord(invoice=cancelled, client_name="x"))
    assert not path.exists()


def test_an_original_arriving_after_its_correction_is_undone_at_once(
    path: Path, ledger: BeancountLedger
) -> None:
    correction = next(
        r for r in MONTH.records if isinstance(r, InvoiceRecord) and r.reverses is not None
    )
    assert correction.reverses is not None
    original = attrs.evolve(
        correction.reverses, status=InvoiceStatus.ISSUED, paid=Money(0), corrected_by=None
    )
    ledger.record_invoice(attrs.evolve(correction, reverses=None))
    ledger.record_invoice(InvoiceRecord(invoice=original, client_name="x"))
    assert ledger.recorded() >= {f"issue:{original.id}", f"reversal:{original.id}"}
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    reversal = next(
        e
        for e in entries
        if isinstance(e, Transaction) and e.meta["clientops-key"] == f"reversal:{original.id}"
    )
    assert reversal.date == correction.invoice.issue_date
    assert_bean_check_passes(path)


def test_a_cancellation_is_dated_by_the_clock(path: Path) -> None:
    cancelled = next(i for i in MONTH.invoices if i.status is InvoiceStatus.CANCELLED)
    issued = attrs.evolve(cancelled, status=InvoiceStatus.ISSUED)
    with BeancountLedger(path, today=lambda: date(2026, 11, 19)) as ledger:
        ledger.record_invoice(InvoiceRecord(invoice=issued, client_name="x"))
        ledger.record_invoice(InvoiceRecord(invoice=cancelled, client_name="x"))
    assert '2026-11-19 * "x" "Сторно счёта №' in path.read_text()
    assert balances(path)["Assets:Receivable:Clients"] == 0


# --------------------------------------------------------------------------- the check bites


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        (
            '2026-11-30 * "Ручная правка" "не сходится"\n'
            "  Assets:Bank:Current   100.00 RUB\n"
            "  Income:Services       -99.00 RUB\n",
            "does not balance",
        ),
        (
            '2026-11-30 * "Ручная правка" "счёт не открыт"\n'
            "  Assets:Касса          100.00 RUB\n"
            "  Income:Services      -100.00 RUB\n",
            "unknown account",
        ),
        (
            '2026-11-30 * "Ручная правка" "другая валюта"\n'
            "  Assets:Bank:Current   100.00 USD\n"
            "  Income:Services      -100.00 USD\n",
            "Invalid currency USD",
        ),
    ],
)
def test_bean_check_catches_a_broken_ledger(
    path: Path, written: bytes, tmp_path: Path, broken: str, complaint: str
) -> None:
    copy = tmp_path / "broken.beancount"
    shutil.copyfile(path, copy)
    with copy.open("a", encoding="utf-8") as file:
        file.write("\n" + broken)
    result = bean_check(copy)
    assert result.returncode != 0
    assert complaint in result.stdout + result.stderr
    assert_bean_check_passes(path)  # the original is still fine


# --------------------------------------------------------------------------- the rest of the port


def test_the_ledger_is_an_accounting_backend(ledger: BeancountLedger) -> None:
    assert isinstance(ledger, Accounting)
    assert ledger.name == "beancount"
    assert ledger.fetch_payments(date(2026, 1, 1)) == ()


def test_close_is_idempotent_and_final(ledger: BeancountLedger) -> None:
    ledger.close()
    ledger.close()
    with pytest.raises(AccountingError, match="closed"):
        ledger.record_invoice(MONTH.records[0])  # type: ignore[arg-type]


def test_the_plugin_opens_a_ledger(path: Path) -> None:
    host = PluginHost(entry_points=False)
    backend = host.open_accounting("beancount", path=path, company="ООО «Тест»")
    assert isinstance(backend, BeancountLedger)
    record_all(backend, MONTH.records)
    backend.close()
    assert_bean_check_passes(path)


def test_the_adapter_writes_without_importing_beancount(tmp_path: Path) -> None:
    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name == 'beancount' or name.startswith('beancount.'):\n"
        "        raise ImportError('no beancount here')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "from datetime import date\n"
        "from clientops.accounting import PaymentRecord, InvoiceRecord\n"
        "from clientops.adapters.beancount import BeancountLedger\n"
        "from clientops.billing import Credit, Payment, PaymentId\n"
        "from clientops.model import ClientId, Money\n"
        "p = Payment(PaymentId('p1'), date(2026, 11, 20), Money('10'))\n"
        "c = Credit(ClientId('c1'), Money('10'), date(2026, 11, 20), PaymentId('p1'))\n"
        f"l = BeancountLedger({str(tmp_path / 'x.beancount')!r})\n"
        "l.record_payment(PaymentRecord(payment=p, credit=c))\n"
        "assert 'beancount' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert_bean_check_passes(tmp_path / "x.beancount")
