"""The accounting kits (``clientops.testing.AccountingContract`` and
``PaymentSourceContract``) against the built-in backends: the beancount ledger and the folder
of 1C bank statements."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest

from clientops.accounting import AccountingError, InvoiceRecord
from clientops.adapters.bank_statement_folder import StatementFolder
from clientops.adapters.beancount import BeancountLedger
from clientops.model import Money
from clientops.testing import AccountingContract, PaymentSourceContract

_KEY = re.compile(r'^\s+clientops-key: "(?:issue|payment):([^"]+)"$', re.MULTILINE)


class TestBeancountLedger(AccountingContract):
    @pytest.fixture
    def accounting(self, tmp_path: Path) -> Iterator[BeancountLedger]:
        ledger = BeancountLedger(tmp_path / "kit.beancount", closed_through=self.closed_through)
        yield ledger
        ledger.close()

    def records_held(self, accounting: BeancountLedger) -> Sequence[str]:  # type: ignore[override]
        if not accounting.path.exists():
            return ()
        return _KEY.findall(accounting.path.read_text(encoding="utf-8"))

    def reopen(self, accounting: BeancountLedger) -> BeancountLedger:  # type: ignore[override]
        return BeancountLedger(accounting.path, closed_through=self.closed_through)


def test_a_ledger_closed_through_a_day_still_takes_a_repeat_of_what_it_holds(
    tmp_path: Path,
) -> None:
    kit = TestBeancountLedger()
    invoice = kit.invoice(issued=date(2025, 5, 20))
    with BeancountLedger(tmp_path / "l.beancount") as open_books:
        open_books.record_invoice(InvoiceRecord(invoice=invoice, client_name="ООО «Ромашка»"))
    with BeancountLedger(tmp_path / "l.beancount", closed_through=date(2025, 5, 31)) as closed:
        closed.record_invoice(InvoiceRecord(invoice=invoice, client_name="ООО «Ромашка»"))
        assert closed.recorded() == {f"issue:{invoice.id}"}
        with pytest.raises(AccountingError, match="closed through 2025-05-31"):
            closed.record_invoice(
                InvoiceRecord(invoice=kit.invoice(issued=date(2025, 5, 31)), client_name="ИП")
            )


OURS = "40702810900000000001"
THEIRS = "40702810500000000002"


def _statement(payments: Sequence[tuple[date, Money, str, str]]) -> bytes:
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows"]
    lines.append(f"РасчСчет={OURS}")
    for number, (day, amount, inn, purpose) in enumerate(payments, start=1):
        text = day.strftime("%d.%m.%Y")
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={number}",
            f"Дата={text}",
            f"Сумма={amount.amount}",
            f"ПлательщикСчет={THEIRS}",
            f"ПлательщикИНН={inn}",
            'Плательщик1=ООО "Ромашка"',
            f"ПолучательСчет={OURS}",
            f"ДатаПоступило={text}",
            f"НазначениеПлатежа={purpose}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251")


class TestStatementFolder(PaymentSourceContract):
    @pytest.fixture
    def accounting(self, tmp_path: Path) -> Iterator[StatementFolder]:
        folder = StatementFolder(tmp_path)
        yield folder
        folder.close()

    def supply(  # type: ignore[override]
        self, accounting: StatementFolder, payments: Sequence[tuple[date, Money, str, str]]
    ) -> None:
        (accounting.path / "kl_to_1c.txt").write_bytes(_statement(payments))

    def break_source(self, accounting: StatementFolder) -> None:  # type: ignore[override]
        whole = (accounting.path / "kl_to_1c.txt").read_bytes()
        (accounting.path / "kl_to_1c_copying.txt").write_bytes(whole[: len(whole) // 2])
