"""The statement-folder accounting backend (clientops.adapters.bank_statement_folder): 1C
client-bank files in a folder, read whole or not at all, incoming payments only."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from clientops import PluginHost
from clientops.accounting import Accounting, AccountingError, InvoiceRecord, PaymentRecord
from clientops.adapters.bank_statement_folder import StatementFileError, StatementFolder
from clientops.bank_statements import payment_id_for, read_bank_statement
from clientops.billing import Payment, PaymentId
from clientops.errors import ValidationError
from clientops.model import Money

DATA = Path(__file__).parent / "data" / "statements"
OURS = "40702810900000000001"
SECOND = "40702810900000000009"
THEIRS = "40702810500000000002"


def document(
    number: str,
    day: str,
    amount: str,
    *,
    inn: str | None = "7707083893",
    incoming: bool = True,
    to: str = OURS,
    purpose: str = "Оплата по счету № 2026-00001",
) -> list[str]:
    lines = ["СекцияДокумент=Платежное поручение", f"Номер={number}", f"Дата={day}"]
    lines.append(f"Сумма={amount}")
    if incoming:
        lines += [f"ПлательщикСчет={THEIRS}", f"ПолучательСчет={to}", f"ДатаПоступило={day}"]
        if inn:
            lines.append(f"ПлательщикИНН={inn}")
        lines.append('Плательщик1=ООО "Ромашка"')
    else:
        lines += [f"ПлательщикСчет={OURS}", f"ПолучательСчет={THEIRS}", f"ДатаСписано={day}"]
        lines += ["ПолучательИНН=5406012341", 'Получатель1=ООО "Поставщик"']
    lines += [f"НазначениеПлатежа={purpose}", "КонецДокумента"]
    return lines


def statement(
    *documents: list[str], encoding: str = "cp1251", accounts: tuple[str, ...] = (OURS,)
) -> bytes:
    declared = "Windows" if encoding == "cp1251" else "UTF-8"
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", f"Кодировка={declared}"]
    lines += [f"РасчСчет={a}" for a in accounts]
    for doc in documents:
        lines += doc
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode(encoding)


NOVEMBER = statement(
    document("15", "16.11.2026", "12000.00"),
    document("512", "17.11.2026", "41000.00", incoming=False),
    document("16", "18.11.2026", "1500.00", inn="550112345626"),
    document("17", "20.11.2026", "700.00", inn=None, purpose="Абонентская плата"),
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "statements"
    path.mkdir()
    return path


def test_files_in_cp1251_and_utf8_are_both_read(folder: Path) -> None:
    (folder / "a_windows.txt").write_bytes(NOVEMBER)
    (folder / "b_utf8.txt").write_bytes(
        statement(document("40", "19.11.2026", "3000.00", purpose="Оплата, ёжик"), encoding="utf-8")
    )
    shutil.copyfile(DATA / "one_day_utf8_bom.txt", folder / "c_bom.txt")
    windows, utf8, bom = StatementFolder(folder).fetch_payments(date(2025, 1, 1))
    assert [str(p.amount) for p in windows.payments] == [
        "12000.00 RUB",
        "1500.00 RUB",
        "700.00 RUB",
    ]
    assert [p.purpose for p in utf8.payments] == ["Оплата, ёжик"]
    assert [p.payer_name for p in bom.payments] == ['ООО "Ромашка"', "ИП Иванов И. И."]
    assert windows.source == read_bank_statement(NOVEMBER).digest


def test_payments_are_converted_as_the_rules_convert_them(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    [batch] = StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    read = read_bank_statement(NOVEMBER)
    first = batch.payments[0]
    assert isinstance(first, Payment)
    assert first.id == payment_id_for(read.incoming[0])
    assert (first.date, first.amount, first.payer_inn, first.client_id) == (
        date(2026, 11, 16),
        Money("12000.00"),
        "7707083893",
        None,
    )
    assert first.source is not None
    assert (first.source.statement, first.source.number) == (read.digest, "15")
    assert first.source.line == read.incoming[0].line


def test_outgoing_payments_are_not_returned_but_noted(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    [batch] = StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    assert Money("41000.00") not in [p.amount for p in batch.payments]
    [outgoing] = [n for n in batch.notes if "списание" in n]
    assert outgoing.startswith("kl_to_1c.txt: строка ")
    assert "№ 512" in outgoing
    assert 'ООО "Поставщик"' in outgoing


def test_a_payer_without_an_inn_is_returned_and_noted(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    [batch] = StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    assert [p.payer_inn for p in batch.payments] == ["7707083893", "550112345626", None]
    assert any("нет ИНН" in n and "№ 17" in n for n in batch.notes)


def test_the_same_file_twice_has_the_same_source(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    (folder / "kl_to_1c (copy).txt").write_bytes(NOVEMBER)
    first, second = StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    assert first.source == second.source == read_bank_statement(NOVEMBER).digest
    assert [p.id for p in first.payments] == [p.id for p in second.payments]


def test_the_same_payments_in_two_encodings_keep_their_ids(folder: Path) -> None:
    shutil.copyfile(DATA / "one_day_cp1251.txt", folder / "a.txt")
    shutil.copyfile(DATA / "one_day_utf8_bom.txt", folder / "b.txt")
    windows, utf8 = StatementFolder(folder).fetch_payments(date(2025, 1, 1))
    assert windows.source != utf8.source  # other bytes, another file
    assert [p.id for p in windows.payments] == [p.id for p in utf8.payments]
    assert len(windows.payments) == 2


def test_since_leaves_earlier_payments_out(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    source = StatementFolder(folder)
    [whole] = source.fetch_payments(date(2026, 11, 16))
    [part] = source.fetch_payments(date(2026, 11, 18))
    [none] = source.fetch_payments(date(2026, 11, 21))
    assert [p.date for p in whole.payments] == [
        date(2026, 11, 16),
        date(2026, 11, 18),
        date(2026, 11, 20),
    ]
    assert [p.date for p in part.payments] == [date(2026, 11, 18), date(2026, 11, 20)]
    assert none.payments == ()
    digest = read_bank_statement(NOVEMBER).digest
    assert whole.source == digest
    # a partial batch is not the file: an earlier `since` later must not be skipped as seen
    assert part.source == f"{digest}@2026-11-18"
    assert none.source == f"{digest}@2026-11-21"
    assert any("до 18.11.2026 не взято: 1" in n for n in part.notes)


def test_a_corrupt_file_is_an_error_naming_the_file_and_the_line(folder: Path) -> None:
    (folder / "a_good.txt").write_bytes(NOVEMBER)
    broken = NOVEMBER.replace("Сумма=1500.00".encode("cp1251"), "Сумма=12,5".encode("cp1251"))
    (folder / "b_broken.txt").write_bytes(broken)
    (folder / "c_good.txt").write_bytes(NOVEMBER)
    line = broken.split(b"\r\n").index("Сумма=12,5".encode("cp1251")) + 1
    with pytest.raises(StatementFileError) as caught:
        StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    error = caught.value
    assert isinstance(error, AccountingError)
    assert (error.backend, error.operation) == ("bank_statements", "fetch_payments")
    assert list(error.files) == [folder / "b_broken.txt"]
    assert [e.path for e in error.files[folder / "b_broken.txt"]] == [f"line {line}: Сумма"]
    assert f"b_broken.txt: line {line}: Сумма" in str(error)
    assert "nothing was imported" in str(error)


def test_every_bad_file_is_named(folder: Path) -> None:
    (folder / "a.txt").write_bytes(NOVEMBER.replace("КонецФайла".encode("cp1251"), b""))
    (folder / "b.txt").write_bytes(b"not a statement\r\n")
    with pytest.raises(StatementFileError) as caught:
        StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    assert list(caught.value.files) == [folder / "a.txt", folder / "b.txt"]
    assert "2 statement files cannot be read" in str(caught.value)
    assert "line 1" in str(caught.value)


def test_only_statement_files_are_read(folder: Path) -> None:
    (folder / "KL_TO_1C.TXT").write_bytes(NOVEMBER)
    (folder / "notes.csv").write_text("not a statement", encoding="utf-8")
    (folder / "old").mkdir()
    (folder / "old" / "kl_to_1c.txt").write_bytes(b"broken")
    (folder / "dir.txt").mkdir()
    [batch] = StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    assert len(batch.payments) == 3
    with pytest.raises(StatementFileError, match=r"notes\.csv: line 1"):
        StatementFolder(folder, pattern="*.csv").fetch_payments(date(2026, 11, 1))
    assert StatementFolder(folder, pattern="none-*").fetch_payments(date(2026, 11, 1)) == ()


def test_accounts_chooses_which_of_our_accounts_count(folder: Path) -> None:
    (folder / "two.txt").write_bytes(
        statement(
            document("1", "16.11.2026", "100.00"),
            document("2", "16.11.2026", "200.00", to=SECOND),
            accounts=(OURS, SECOND),
        )
    )
    [both] = StatementFolder(folder).fetch_payments(date(2026, 11, 1))
    [one] = StatementFolder(folder, accounts=[SECOND]).fetch_payments(date(2026, 11, 1))
    assert [str(p.amount) for p in both.payments] == ["100.00 RUB", "200.00 RUB"]
    assert [str(p.amount) for p in one.payments] == ["200.00 RUB"]
    assert any(OURS in n and "не из выбранных" in n for n in one.notes)


def test_a_missing_folder_is_an_accounting_error(tmp_path: Path) -> None:
    with pytest.raises(AccountingError, match="nowhere") as caught:
        StatementFolder(tmp_path / "nowhere").fetch_payments(date(2026, 11, 1))
    assert caught.value.operation == "fetch_payments"


def test_bad_options_are_refused(folder: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        StatementFolder(folder, pattern="", accounts="40702810900000000001")
    assert caught.value.paths == ("pattern", "accounts")
    with pytest.raises(AccountingError, match="since must be a date"):
        StatementFolder(folder).fetch_payments("2026-11-01")  # type: ignore[arg-type]


def test_recording_does_nothing(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    backend = StatementFolder(folder)
    payment = Payment(PaymentId("p1"), date(2026, 11, 16), Money("10"))
    backend.record_payment(PaymentRecord(payment=payment))
    backend.record_invoice(object())  # type: ignore[arg-type]  # not even looked at
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before


def test_close_is_idempotent_and_final(folder: Path) -> None:
    backend = StatementFolder(folder)
    assert isinstance(backend, Accounting)
    assert backend.name == "bank_statements"
    backend.close()
    backend.close()
    with pytest.raises(AccountingError, match="closed"):
        backend.fetch_payments(date(2026, 11, 1))
    with pytest.raises(AccountingError, match="closed"):
        backend.record_invoice(InvoiceRecord.__new__(InvoiceRecord))


def test_the_plugin_opens_a_folder(folder: Path) -> None:
    (folder / "kl_to_1c.txt").write_bytes(NOVEMBER)
    host = PluginHost(entry_points=False)
    backend = host.open_accounting("bank_statements", path=folder, accounts=[OURS])
    assert isinstance(backend, StatementFolder)
    assert len(backend.fetch_payments(date(2026, 11, 1))[0].payments) == 3
