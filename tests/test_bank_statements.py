"""Bank statements in the 1CClientBankExchange format: both encodings, every kind of broken
file (each problem naming its line, all of them at once, nothing returned), the digest, and
matching payments to open invoices (by number, by INN and amount, and every reason not to)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientops import ClientId, FieldError, Money, ValidationError
from clientops.bank_statements import (
    DOCUMENT_FIELDS,
    HEADER_FIELDS,
    BankStatement,
    MatchCode,
    MatchPolicy,
    MatchResult,
    OpenInvoice,
    PaymentDirection,
    PaymentOutcome,
    StatementParty,
    StatementPayment,
    find_invoice_numbers,
    invoice_number_key,
    match_payments,
    read_bank_statement,
)

DATA = Path(__file__).resolve().parent / "data" / "statements"

OWN = "40702810900000000001"
OWN_2 = "40702810900000000009"
FOREIGN = "40702810500000000002"
FOREIGN_2 = "40702810100000000004"

# An independent implementation of the INN control digits, so that the reader's is tested.
_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _control(digits: str, weights: Sequence[int]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn10(first9: str) -> str:
    return first9 + _control(first9, _W10)


def inn12(first10: str) -> str:
    eleven = first10 + _control(first10, _W11)
    return eleven + _control(eleven, _W12)


INN_A = inn10("550112345")  # 5501123450
INN_B = inn10("540601234")
INN_P = inn12("5501123456")  # an individual entrepreneur
OUR_INN = inn10("772801234")


def test_the_inns_used_here_are_valid_and_a_changed_digit_is_not() -> None:
    assert (INN_A, INN_P) == ("5501123450", "550112345626")
    assert INN_A[:-1] + str((int(INN_A[-1]) + 1) % 10) != inn10(INN_A[:9])


# --------------------------------------------------------------------------- writing files


def incoming(**fields: str) -> dict[str, str]:
    """The fields of an incoming payment order, in file order; keywords override them (a test
    drops one with ``del``)."""
    doc = {
        "Номер": "15",
        "Дата": "16.07.2025",
        "Сумма": "4500.00",
        "ПлательщикСчет": FOREIGN,
        "ПлательщикИНН": INN_A,
        "Плательщик1": 'ООО "Ромашка"',
        "ПолучательСчет": OWN,
        "ДатаПоступило": "17.07.2025",
        "ПолучательИНН": OUR_INN,
        "Получатель1": 'ООО "Клиентский сервис"',
        "НазначениеПлатежа": "Оплата по счету № 77 от 15.07.2025, без НДС",
    }
    doc.update(fields)
    return doc


def outgoing(**fields: str) -> dict[str, str]:
    doc = {
        "Номер": "512",
        "Дата": "17.07.2025",
        "Сумма": "1000.00",
        "ПлательщикСчет": OWN,
        "ДатаСписано": "17.07.2025",
        "ПлательщикИНН": OUR_INN,
        "ПолучательСчет": FOREIGN_2,
        "ПолучательИНН": INN_B,
        "НазначениеПлатежа": "Оплата по счету поставщика № П-19",
    }
    doc.update(fields)
    return doc


HEADER: dict[str, str] = {
    "ВерсияФормата": "1.03",
    "Кодировка": "Windows",
    "Отправитель": "Банк Клиент Онлайн",
    "Получатель": "1С:Предприятие",
    "ДатаСоздания": "18.07.2025",
    "ДатаНачала": "01.07.2025",
    "ДатаКонца": "31.07.2025",
    "РасчСчет": OWN,
}


def lines_of(
    documents: Iterable[Mapping[str, str]] = (),
    *,
    header: Mapping[str, str] | None = None,
    sections: Iterable[Mapping[str, str]] = (),
    kind: str = "Платежное поручение",
) -> list[str]:
    out = ["1CClientBankExchange"]
    out += [f"{k}={v}" for k, v in (HEADER if header is None else header).items()]
    for section in sections:
        out += ["СекцияРасчСчет", *(f"{k}={v}" for k, v in section.items()), "КонецРасчСчет"]
    for doc in documents:
        out += [f"СекцияДокумент={kind}", *(f"{k}={v}" for k, v in doc.items()), "КонецДокумента"]
    out.append("КонецФайла")
    return out


def encode(lines: Sequence[str], encoding: str = "cp1251", newline: str = "\r\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def statement(
    documents: Iterable[Mapping[str, str]] = (), encoding: str = "cp1251", **options: Any
) -> BankStatement:
    return read_bank_statement(encode(lines_of(documents, **options), encoding))


def problems(data: bytes | Sequence[str], **options: Any) -> list[tuple[str, str]]:
    """The (path, message) of every problem the reader finds; the read must fail."""
    raw = data if isinstance(data, bytes) else encode(data)
    with pytest.raises(ValidationError) as caught:
        read_bank_statement(raw, **options)
    assert caught.value.subject == "bank statement"
    assert all(isinstance(e, FieldError) for e in caught.value.errors)
    return [(e.path, e.message) for e in caught.value.errors]


def paths(data: bytes | Sequence[str], **options: Any) -> list[str]:
    return [path for path, _ in problems(data, **options)]


def line_of(lines: Sequence[str], text: str, start: int = 0) -> int:
    """The 1-based number of the first line equal to (or starting with) ``text``."""
    for number, line in enumerate(lines[start:], start + 1):
        if line == text or line.startswith(text):
            return number
    raise AssertionError(f"{text!r} not in the file")


# --------------------------------------------------------------------------- well-formed files


def test_a_real_shaped_windows_1251_statement() -> None:
    path = DATA / "one_day_cp1251.txt"
    result = read_bank_statement(path)
    assert (result.encoding, result.declared_encoding, result.format_version) == (
        "cp1251",
        "Windows",
        "1.02",
    )
    assert (result.sender, result.receiver) == ("Банк Клиент Онлайн", None)
    assert (result.created_on, result.created_time) == (date(2025, 7, 18), "09:15:02")
    assert (result.start, result.end) == (date(2025, 7, 17), date(2025, 7, 17))
    assert result.accounts == result.own_accounts == (OWN,)
    assert result.document_kinds == ("Платежное поручение", "Банковский ордер")
    (section,) = result.sections
    assert section == attrs.evolve(
        section,
        account=OWN,
        start=date(2025, 7, 17),
        end=date(2025, 7, 17),
        opening=Money("45329.91"),
        credited=Money("40000.00"),
        debited=Money("41184.00"),
        closing=Money("44145.91"),
        line=13,
    )
    assert [(p.kind, p.number, p.amount, p.direction) for p in result.payments] == [
        ("Платежное поручение", "697162", Money("25000.00"), PaymentDirection.INCOMING),
        ("Платежное поручение", "41", Money("15000.00"), PaymentDirection.INCOMING),
        ("Платежное поручение", "512", Money("41000.00"), PaymentDirection.OUTGOING),
        ("Банковский ордер", "9001", Money("184.00"), PaymentDirection.OUTGOING),
    ]
    assert [p.number for p in result.incoming] == ["697162", "41"]
    assert [p.number for p in result.outgoing] == ["512", "9001"]

    first = result.payments[0]
    assert first.payer == StatementParty(
        account=FOREIGN,
        inn="5501123450",
        name='ООО "Ромашка"',
        kpp="550101001",
        bank="ПАО СБЕРБАНК",
        bik="045209673",
        correspondent_account="30101810900000000673",
    )
    assert (first.recipient.account, first.recipient.inn) == (OWN, OUR_INN)
    assert (first.date, first.received_on, first.debited_on, first.booked_on) == (
        date(2025, 7, 16),
        date(2025, 7, 17),
        None,
        date(2025, 7, 17),
    )
    # a trailing space of the purpose is not kept; the receipt stays in the raw fields
    assert first.purpose.endswith("Без налога (НДС)")
    assert ("КвитанцияСодержание", "статус документа: Внешний") in first.fields
    assert (first.line, first.end_line) == (22, 63)

    second = result.payments[1]  # an ИП: INN/KPP in the composite field, KPP 0, wrapped purpose
    assert (second.payer.inn, second.payer.name, second.payer.kpp) == (
        INN_P,
        "ИП Иванов И. И.",
        None,
    )
    assert second.purpose == "Абонентская плата за июль 2025 г. Без НДС"


def test_the_same_statement_in_utf8_with_a_bom_and_a_wrong_header_reads_the_same() -> None:
    windows = read_bank_statement(DATA / "one_day_cp1251.txt")
    utf8 = read_bank_statement(str(DATA / "one_day_utf8_bom.txt"))  # a str is a path
    assert (utf8.encoding, utf8.declared_encoding) == ("utf-8-sig", "Windows")
    assert utf8.payments == windows.payments
    assert utf8.sections == windows.sections
    assert utf8.digest != windows.digest


@pytest.mark.parametrize(
    ("encoding", "declared", "detected"),
    [
        ("cp1251", "Windows", "cp1251"),
        ("cp1251", "windows", "cp1251"),
        ("utf-8", "UTF-8", "utf-8"),
        ("utf-8", "Windows", "utf-8"),  # banks get the header wrong: the bytes decide
        ("utf-8-sig", "UTF8", "utf-8-sig"),
        ("cp866", "DOS", "cp866"),
        ("cp1251", "UTF-8", "cp1251"),
    ],
)
def test_each_encoding_is_found_from_the_bytes(encoding: str, declared: str, detected: str) -> None:
    lines = lines_of([incoming()], header={**HEADER, "Кодировка": declared})
    result = read_bank_statement(encode(lines, encoding))
    assert (result.encoding, result.declared_encoding) == (detected, declared)
    (payment,) = result.payments
    assert payment.payer.name == 'ООО "Ромашка"'
    assert payment.purpose == "Оплата по счету № 77 от 15.07.2025, без НДС"


def test_an_explicit_encoding_overrides_detection() -> None:
    data = encode(lines_of([incoming()]), "cp1251")
    assert read_bank_statement(data, encoding="windows-1251").encoding == "cp1251"
    with pytest.raises(ValidationError, match="unknown encoding"):
        read_bank_statement(data, encoding="no-such-codec")
    with pytest.raises(ValidationError, match="not a text encoding of this format"):
        read_bank_statement(data, encoding="utf-16")


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_ends_blank_lines_spaces_and_no_final_newline(newline: str) -> None:
    lines = lines_of([incoming(НазначениеПлатежа="Оплата   по сч. 77 ")])
    padded: list[str] = []
    for line in lines:
        padded.append(line + "  " if "=" in line else line)
        if line in ("КонецДокумента", "РасчСчет=" + OWN):
            padded.append("")
    data = newline.join(padded).encode("cp1251")  # no line break after КонецФайла
    (payment,) = read_bank_statement(data).payments
    assert payment.purpose == "Оплата   по сч. 77"
    assert payment.number == "15"


def test_a_value_is_split_at_the_first_equals_sign_and_key_order_does_not_matter() -> None:
    doc = incoming(НазначениеПлатежа="Код=7; ключ=значение")
    reordered = dict(reversed(list(doc.items())))
    (payment,) = statement([reordered]).payments
    assert payment.purpose == "Код=7; ключ=значение"
    assert payment.amount == Money("4500.00")


@pytest.mark.parametrize(
    ("composite", "inn", "name"),
    [
        (f'ИНН {INN_A} ООО "Ромашка"', INN_A, 'ООО "Ромашка"'),
        (f"ИНН {INN_P}/0  ИП Иванов И. И.", INN_P, "ИП Иванов И. И."),
        (f'{INN_A}, ООО "Ромашка"', INN_A, 'ООО "Ромашка"'),
        ('ПАО "Ростелеком"', None, 'ПАО "Ростелеком"'),
    ],
)
def test_the_payer_from_the_composite_field(composite: str, inn: str | None, name: str) -> None:
    doc = incoming(Плательщик=composite)
    del doc["ПлательщикИНН"], doc["Плательщик1"]
    (payment,) = statement([doc]).payments
    assert (payment.payer.inn, payment.payer.name) == (inn, name)


def test_payer_name_line_wins_over_the_composite_and_inn_0_means_none() -> None:
    doc = incoming(Плательщик=f"ИНН {INN_A} Ромашка", ПлательщикИНН="0", ПлательщикКПП="0")
    (payment,) = statement([doc]).payments
    assert (payment.payer.inn, payment.payer.name, payment.payer.kpp) == (
        INN_A,
        'ООО "Ромашка"',
        None,
    )
    doc = incoming(ПлательщикИНН="")
    assert statement([doc]).payments[0].payer.inn is None


def test_the_purpose_from_its_wrapped_lines_only_when_the_main_one_is_empty() -> None:
    wrapped = {"НазначениеПлатежа1": "Оплата по счету № 7", "НазначениеПлатежа2": "без НДС"}
    (joined,) = statement([incoming(НазначениеПлатежа="", **wrapped)]).payments
    assert joined.purpose == "Оплата по счету № 7 без НДС"
    (main,) = statement([incoming(**wrapped)]).payments
    assert main.purpose == "Оплата по счету № 77 от 15.07.2025, без НДС"


def test_incoming_outgoing_and_internal_relative_to_the_statement_accounts() -> None:
    header = {**HEADER, "РасчСчет": OWN}
    lines = lines_of(
        [
            incoming(),
            outgoing(),
            outgoing(Номер="9", ПолучательСчет=OWN_2, ДатаПоступило="17.07.2025"),
        ],
        header=header,
        sections=[
            {"ДатаНачала": "01.07.2025", "РасчСчет": OWN_2, "НачальныйОстаток": "0"},
        ],
    )
    result = read_bank_statement(encode(lines))
    assert result.own_accounts == (OWN, OWN_2)
    assert [p.direction for p in result.payments] == [
        PaymentDirection.INCOMING,
        PaymentDirection.OUTGOING,
        PaymentDirection.INTERNAL,
    ]
    assert result.payments[1].booked_on == date(2025, 7, 17)


def test_several_accounts_in_the_header_and_a_bare_document_kind() -> None:
    lines = lines_of([incoming(ПолучательСчет=OWN_2)], kind="")
    lines.insert(line_of(lines, "РасчСчет="), f"РасчСчет={OWN_2}")
    lines = [line if line != "СекцияДокумент=" else "СекцияДокумент" for line in lines]
    result = read_bank_statement(encode(lines))
    assert result.accounts == (OWN, OWN_2)
    (payment,) = result.payments
    assert (payment.kind, payment.direction) == ("", PaymentDirection.INCOMING)


def test_the_header_dates_and_accounts_may_be_missing_when_a_section_has_the_account() -> None:
    header = {"ВерсияФормата": "1.02", "Кодировка": "Windows"}
    section = {"ДатаНачала": "17.07.2025", "РасчСчет": OWN, "НачальныйОстаток": "100.00"}
    result = statement([incoming()], header=header, sections=[section])
    assert (result.start, result.end, result.accounts, result.own_accounts) == (
        None,
        None,
        (),
        (OWN,),
    )
    assert result.payments[0].direction is PaymentDirection.INCOMING


def test_a_bank_specific_field_is_accepted_when_allowed() -> None:
    data = encode(lines_of([incoming(КодВалюты="643")]))
    with pytest.raises(ValidationError):
        read_bank_statement(data)
    (payment,) = read_bank_statement(data, extra_fields=["КодВалюты"]).payments
    assert ("КодВалюты", "643") in payment.fields


def test_sections_per_day_reconcile_with_their_documents() -> None:
    def day(start: str, opening: str, credited: str, closing: str) -> dict[str, str]:
        return {
            "ДатаНачала": start,
            "ДатаКонца": start,
            "РасчСчет": OWN,
            "НачальныйОстаток": opening,
            "ВсегоПоступило": credited,
            "ВсегоСписано": "0",
            "КонечныйОстаток": closing,
        }

    documents = [
        incoming(Сумма="100.00", ДатаПоступило="17.07.2025"),
        incoming(Номер="16", Сумма="50.5", ДатаПоступило="18.07.2025"),
    ]
    sections = [day("17.07.2025", "0", "100", "100.00"), day("18.07.2025", "100", "50.50", "150.5")]
    result = statement(documents, sections=sections)
    assert [s.closing for s in result.sections] == [Money("100"), Money("150.50")]
    assert result.payments[1].amount == Money(Decimal("50.50"))


def test_a_negative_balance_is_an_overdraft_not_an_error() -> None:
    section = {
        "ДатаНачала": "01.07.2025",
        "РасчСчет": OWN,
        "НачальныйОстаток": "-200.00",
        "ВсегоПоступило": "4500.00",
        "ВсегоСписано": "0.00",
        "КонечныйОстаток": "4300.00",
    }
    (read,) = statement([incoming()], sections=[section]).sections
    assert read.opening == Money("-200.00")


def test_a_statement_without_documents() -> None:
    result = statement([])
    assert result.payments == ()
    assert result.own_accounts == (OWN,)


# --------------------------------------------------------------------------- the digest


def test_the_digest_is_the_sha256_of_the_bytes_and_stable() -> None:
    data = (DATA / "one_day_cp1251.txt").read_bytes()
    first = read_bank_statement(data)
    again = read_bank_statement(DATA / "one_day_cp1251.txt")
    assert first.digest == again.digest == hashlib.sha256(data).hexdigest()
    assert first == again
    # the same statement written with other line ends is another file
    assert read_bank_statement(data.replace(b"\r\n", b"\n")).digest != first.digest


def test_a_str_with_a_line_break_is_not_taken_for_a_path() -> None:
    with pytest.raises(ValidationError, match="as bytes") as caught:
        read_bank_statement("\n".join(lines_of([incoming()])))
    assert caught.value.paths == ("source",)


# --------------------------------------------------------------------------- broken files


def test_not_a_statement_at_all() -> None:
    assert problems(b"Hello\r\nworld\r\n") == [
        ("line 1", "это не файл обмена с банком: первая строка должна быть 1CClientBankExchange")
    ]
    assert paths(b"") == ["line 1"]
    assert paths(b"\x89PNG\r\n\x1a\n\x00\x00") == ["line 1"]


def test_a_document_without_its_end_before_the_next_one() -> None:
    lines = lines_of([incoming(), incoming(Номер="16")])
    first = line_of(lines, "СекцияДокумент=")
    second = line_of(lines, "СекцияДокумент=", first)
    del lines[second - 2]  # the first document's КонецДокумента
    assert lines[second - 2].startswith("СекцияДокумент")
    assert problems(lines) == [
        (
            f"line {first}: СекцияДокумент",
            f"секция не закрыта строкой КонецДокумента: в строке {second - 1} начинается "
            "СекцияДокумент",
        )
    ]


def test_a_section_nested_in_a_document() -> None:
    lines = lines_of([incoming()])
    opened = line_of(lines, "СекцияДокумент=")
    lines[opened + 2 : opened + 2] = ["СекцияРасчСчет", "РасчСчет=" + OWN, "КонецРасчСчет"]
    found = problems(lines)
    assert found[0] == (
        f"line {opened}: СекцияДокумент",
        f"секция не закрыта строкой КонецДокумента: в строке {opened + 3} начинается "
        "СекцияРасчСчет",
    )
    # the rest of the broken document is then outside any section, and its end is stray
    assert (f"line {len(lines) - 1}: КонецДокумента", "КонецДокумента без открытой секции") in found


def test_a_document_left_open_at_the_end_of_the_file() -> None:
    lines = lines_of([incoming()])
    lines.remove("КонецДокумента")
    opened = line_of(lines, "СекцияДокумент=")
    assert problems(lines) == [
        (
            f"line {opened}: СекцияДокумент",
            f"секция не закрыта строкой КонецДокумента: в строке {len(lines)} КонецФайла",
        )
    ]
    lines.remove("КонецФайла")
    assert paths(lines) == [f"line {opened}: СекцияДокумент", f"line {len(lines)}: КонецФайла"]


def test_a_truncated_file_without_its_end() -> None:
    lines = lines_of([incoming()])[:-1]
    assert problems(lines) == [
        (f"line {len(lines)}: КонецФайла", "нет строки КонецФайла: файл обрезан")
    ]


def test_a_section_closed_by_the_wrong_end_and_a_stray_end() -> None:
    lines = lines_of([incoming()])
    opened = line_of(lines, "СекцияДокумент=")
    closed = line_of(lines, "КонецДокумента")
    lines[closed - 1] = "КонецРасчСчет"
    lines.insert(closed, "КонецДокумента")
    assert problems(lines) == [
        (
            f"line {closed}: КонецРасчСчет",
            f"КонецРасчСчет закрывает секцию СекцияДокумент из строки {opened}",
        ),
        (f"line {closed + 1}: КонецДокумента", "КонецДокумента без открытой секции"),
    ]


def test_lines_after_the_end_of_the_file() -> None:
    lines = [*lines_of([incoming()]), "", "Номер=1"]
    assert problems(lines) == [(f"line {len(lines)}", "строки после КонецФайла")]


def test_a_line_that_is_not_a_field_and_a_field_without_a_name() -> None:
    lines = lines_of([incoming()])
    at = line_of(lines, "Сумма=")
    lines[at:at] = ["просто текст", "=4500.00"]
    assert problems(lines) == [
        (f"line {at + 1}", "строка не вида Поле=Значение"),
        (f"line {at + 2}", "нет имени поля перед «=»"),
    ]


def test_a_header_field_after_the_first_section_and_a_repeated_marker() -> None:
    lines = lines_of([incoming()])
    end = line_of(lines, "КонецДокумента")
    lines[end:end] = ["ДатаКонца=31.07.2025", "1CClientBankExchange"]
    assert paths(lines) == [
        f"line {end + 1}: ДатаКонца",
        f"line {end + 2}: 1CClientBankExchange",
    ]


@pytest.mark.parametrize("field", ["Номер", "Дата", "Сумма", "ПлательщикСчет", "ПолучательСчет"])
def test_a_missing_required_field_names_the_document_line(field: str) -> None:
    doc = incoming()
    del doc[field]
    lines = lines_of([incoming(), doc])
    second = line_of(lines, "СекцияДокумент=", line_of(lines, "СекцияДокумент="))
    assert problems(lines) == [(f"line {second}: {field}", "обязательное поле не заполнено")]


@pytest.mark.parametrize("field", ["Номер", "Дата", "Сумма", "ПлательщикСчет"])
def test_an_empty_required_field_names_its_own_line(field: str) -> None:
    lines = lines_of([incoming(**{field: ""})])
    assert problems(lines) == [
        (f"line {line_of(lines, field + '=')}: {field}", "обязательное поле не заполнено")
    ]


def test_bad_header_dates_name_their_lines() -> None:
    header = {**HEADER, "ДатаСоздания": "18.07.25", "ДатаКонца": "30.06.2025"}
    lines = lines_of([incoming()], header=header)
    assert problems(lines) == [
        (
            f"line {line_of(lines, 'ДатаСоздания=')}: ДатаСоздания",
            "«18.07.25» — не дата (нужно ДД.ММ.ГГГГ)",
        ),
        (
            f"line {line_of(lines, 'ДатаКонца=')}: ДатаКонца",
            "ДатаКонца 30.06.2025 раньше ДатаНачала 01.07.2025",
        ),
    ]


@pytest.mark.parametrize("field", ["ВерсияФормата", "Кодировка"])
def test_a_missing_required_header_field_names_line_1(field: str) -> None:
    header = dict(HEADER)
    del header[field]
    assert problems(lines_of([incoming()], header=header)) == [
        (f"line 1: {field}", "обязательное поле не заполнено")
    ]


def test_an_unknown_encoding_in_the_header() -> None:
    lines = lines_of([incoming()], header={**HEADER, "Кодировка": "KOI8-R"})
    assert problems(lines) == [
        (
            f"line {line_of(lines, 'Кодировка=')}: Кодировка",
            "неизвестная кодировка «KOI8-R»; можно: Windows, DOS, UTF-8",
        )
    ]


@pytest.mark.parametrize(
    ("where", "field"),
    [("document", "СуммаПрописью"), ("header", "ИННОрганизации"), ("section", "Остаток")],
)
def test_an_unknown_field_names_its_line(where: str, field: str) -> None:
    section = {"ДатаНачала": "01.07.2025", "РасчСчет": OWN, "НачальныйОстаток": "0"}
    if where == "document":
        lines = lines_of([incoming(**{field: "x"})])
    elif where == "header":
        lines = lines_of([incoming()], header={**HEADER, field: "x"})
    else:
        lines = lines_of([incoming()], sections=[{**section, field: "x"}])
    ((path, message),) = problems(lines)
    assert path == f"line {line_of(lines, field + '=')}: {field}"
    assert message.startswith("неизвестное поле")


def test_the_allow_lists_hold_the_reference_fields() -> None:
    assert {"Номер", "Дата", "Сумма", "ПлательщикИНН", "Плательщик1", "ПолучательСчет"} <= set(
        DOCUMENT_FIELDS
    )
    assert {"ДатаПоступило", "ДатаСписано", "НазначениеПлатежа6", "КвитанцияСодержание"} <= set(
        DOCUMENT_FIELDS
    )
    assert "НазначениеПлатежа 1" not in DOCUMENT_FIELDS  # a typo of one library, not the format
    assert len(set(DOCUMENT_FIELDS)) == len(DOCUMENT_FIELDS)
    assert HEADER_FIELDS[:2] == ("ВерсияФормата", "Кодировка")


def test_a_repeated_field_in_a_document_but_not_the_header_accounts() -> None:
    lines = lines_of([incoming()])
    first = line_of(lines, "Сумма=")
    lines.insert(first, "Сумма=4600.00")
    assert problems(lines) == [
        (f"line {first + 1}: Сумма", f"поле повторяется (уже было в строке {first})")
    ]


@pytest.mark.parametrize(
    "amount", ["12,5", "-3", "1e3", "12.505", "1 000.00", "abc", "NaN", "Infinity", ".50", "12."]
)
def test_a_bad_amount_names_its_line(amount: str) -> None:
    lines = lines_of([incoming(Сумма=amount)])
    assert problems(lines) == [
        (
            f"line {line_of(lines, 'Сумма=')}: Сумма",
            f"«{amount}» — не сумма: нужны рубли и копейки через точку, например 12.50",
        )
    ]


@pytest.mark.parametrize("amount", ["0", "0.00"])
def test_a_zero_payment_is_refused(amount: str) -> None:
    lines = lines_of([incoming(Сумма=amount)])
    assert problems(lines) == [
        (
            f"line {line_of(lines, 'Сумма=')}: Сумма",
            f"«{amount}» — сумма платежа должна быть больше нуля",
        )
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Дата", "31.02.2025"),
        ("Дата", "2025-07-16"),
        ("Дата", "1.7.2025"),
        ("Дата", "16/07/2025"),
        ("ДатаПоступило", "32.07.2025"),
    ],
)
def test_a_bad_date_names_its_line(field: str, value: str) -> None:
    lines = lines_of([incoming(**{field: value})])
    assert problems(lines) == [
        (f"line {line_of(lines, field + '=')}: {field}", f"«{value}» — не дата (нужно ДД.ММ.ГГГГ)")
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("770708389", "«770708389» — не ИНН: нужно 10 или 12 цифр"),
        ("77070838931", "«77070838931» — не ИНН: нужно 10 или 12 цифр"),
        ("77O7083893", "«77O7083893» — не ИНН: нужно 10 или 12 цифр"),
        ("7707083894", "«7707083894» — не сходится контрольное число ИНН"),
        ("550112345627", "«550112345627» — не сходится контрольное число ИНН"),
    ],
)
def test_a_bad_inn_names_its_line(value: str, message: str) -> None:
    lines = lines_of([incoming(ПлательщикИНН=value)])
    assert problems(lines) == [(f"line {line_of(lines, 'ПлательщикИНН=')}: ПлательщикИНН", message)]


def test_an_inn_in_the_composite_field_that_contradicts_the_inn_field() -> None:
    lines = lines_of([incoming(Плательщик=f"ИНН {INN_B} ООО Другое")])
    assert problems(lines) == [
        (
            f"line {line_of(lines, 'Плательщик=')}: Плательщик",
            f"ИНН «{INN_B}» в этом поле не совпадает с ПлательщикИНН={INN_A}",
        )
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ПлательщикСчет", "4070281050000000000"),
        ("ПолучательСчет", "407028109000000000011"),
        ("ПлательщикКорсчет", "3010181090000000067X"),
    ],
)
def test_a_bad_account_names_its_line(field: str, value: str) -> None:
    lines = lines_of([incoming(**{field: value})])
    assert (
        f"line {line_of(lines, field + '=')}: {field}",
        f"«{value}» — не номер счёта: нужно 20 цифр",
    ) in problems(lines)


def test_a_bad_header_account_and_bik() -> None:
    lines = lines_of([incoming(ПлательщикБИК="04520967")], header={**HEADER, "РасчСчет": "123"})
    assert paths(lines) == [
        f"line {line_of(lines, 'РасчСчет=')}: РасчСчет",
        f"line {line_of(lines, 'ПлательщикБИК=')}: ПлательщикБИК",
    ]


def test_a_document_touching_none_of_the_statement_accounts() -> None:
    lines = lines_of([incoming(ПолучательСчет=FOREIGN_2)])
    ((path, message),) = problems(lines)
    assert path == f"line {line_of(lines, 'СекцияДокумент=')}: СекцияДокумент"
    assert message == (
        f"ни ПлательщикСчет ({FOREIGN}), ни ПолучательСчет ({FOREIGN_2}) не счёт выписки ({OWN})"
    )


@pytest.mark.parametrize(
    ("doc", "field"),
    [(incoming(ДатаПоступило=""), "ДатаПоступило"), (outgoing(ДатаСписано=""), "ДатаСписано")],
)
def test_a_payment_on_our_account_without_its_booking_date(doc: dict[str, str], field: str) -> None:
    lines = lines_of([doc])
    ((path, message),) = problems(lines)
    assert path == f"line {line_of(lines, field + '=')}: {field}"
    assert message.startswith("обязательное поле для ")


def test_a_statement_without_any_account_of_its_own() -> None:
    header = {k: v for k, v in HEADER.items() if k != "РасчСчет"}
    assert problems(lines_of([incoming()], header=header)) == [
        (
            "line 1: РасчСчет",
            "в выписке нет расчётного счёта: ни в заголовке, ни в секциях СекцияРасчСчет",
        )
    ]


def test_balances_that_do_not_add_up() -> None:
    section = {
        "ДатаНачала": "01.07.2025",
        "РасчСчет": OWN,
        "НачальныйОстаток": "100.00",
        "ВсегоПоступило": "4500.00",
        "ВсегоСписано": "0.00",
        "КонечныйОстаток": "4500.00",
    }
    lines = lines_of([incoming()], sections=[section])
    assert problems(lines) == [
        (
            f"line {line_of(lines, 'КонечныйОстаток=')}: КонечныйОстаток",
            "остатки не сходятся: 100.00 + 4500.00 − 0.00 = 4600.00, а КонечныйОстаток 4500.00",
        )
    ]


def test_a_filtered_or_truncated_file_does_not_match_its_turnovers() -> None:
    path = DATA / "one_day_cp1251.txt"
    lines = path.read_bytes().decode("cp1251").split("\r\n")
    start = line_of(lines, "СекцияДокумент=Банковский ордер")
    end = line_of(lines, "КонецДокумента", start)
    del lines[start - 1 : end]  # the bank's fee is gone
    assert problems(encode(lines[:-1])) == [
        (
            "line 13: ВсегоСписано",
            f"в секции 41184.00, а по документам выписки за 17.07.2025–17.07.2025 по счёту {OWN}: "
            "41000.00",
        )
    ]


def test_bytes_foreign_to_the_encoding_name_their_lines() -> None:
    lines = lines_of([incoming(), incoming(Номер="16")])
    data = bytearray(encode(lines, "utf-8"))
    purpose = "Оплата по счету № 77 от 15.07.2025, без НДС"
    # the second document's purpose was written in windows-1251 into a UTF-8 file
    at = data.rindex(purpose.encode("utf-8"))
    data[at : at + len(purpose.encode("utf-8"))] = purpose.encode("cp1251")
    second = line_of(lines, "НазначениеПлатежа=", line_of(lines, "НазначениеПлатежа="))
    assert problems(bytes(data)) == [(f"line {second}", "байты не читаются в кодировке utf-8")]


def test_a_windows_file_read_as_utf8_on_request() -> None:
    lines = lines_of([incoming()])
    found = paths(encode(lines, "cp1251"), encoding="utf-8")
    assert "line 2" in found  # ВерсияФормата=… is the first line with Cyrillic
    assert all(re.fullmatch(r"line \d+(: .+)?", p) for p in found)


def test_every_problem_of_the_file_at_once_in_line_order() -> None:
    lines = lines_of(
        [
            incoming(Сумма="12,5"),
            incoming(Номер="16", Дата="31.02.2025", Лишнее="1"),
            incoming(Номер="17", ПлательщикИНН="7707083894"),
        ]
    )
    found = paths(lines)
    assert found == [
        f"line {line_of(lines, 'Сумма=12,5')}: Сумма",
        f"line {line_of(lines, 'Дата=31.02.2025')}: Дата",
        f"line {line_of(lines, 'Лишнее=')}: Лишнее",
        f"line {line_of(lines, 'ПлательщикИНН=7707083894')}: ПлательщикИНН",
    ]


def test_all_or_nothing_one_bad_document_among_good_ones_refuses_the_file() -> None:
    good = [incoming(Номер=str(n)) for n in range(1, 6)]
    assert len(statement(good).payments) == 5
    lines = lines_of([*good, incoming(Номер="6", Сумма="-3")])
    with pytest.raises(ValidationError) as caught:
        read_bank_statement(encode(lines))
    assert len(caught.value.errors) == 1
    assert str(caught.value).startswith("invalid bank statement: line ")


# --------------------------------------------------------------------------- round trip

_TEXT = st.text(
    alphabet=st.sampled_from(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
        'abcXYZ0123456789 .,-№"()/=%'
    ),
    max_size=80,
).map(str.strip)


@st.composite
def payments(draw: st.DrawFn) -> StatementPayment:
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
    kopecks = draw(st.integers(min_value=1, max_value=10**13))
    outgoing_ = draw(st.booleans())
    ours = StatementParty(OWN, OUR_INN, 'ООО "Клиентский сервис"')
    inn = draw(
        st.one_of(
            st.none(),
            st.from_regex(r"[0-9]{9}", fullmatch=True).map(inn10),
            st.from_regex(r"[0-9]{10}", fullmatch=True).map(inn12),
        )
    )
    theirs = StatementParty(
        draw(st.from_regex(r"[0-9]{20}", fullmatch=True).filter(lambda a: a != OWN)),
        inn,
        draw(_TEXT) or None,
    )
    booked = day + timedelta(days=draw(st.integers(0, 5)))
    return StatementPayment(
        number=draw(st.from_regex(r"[0-9A-ZА-Я][0-9A-ZА-Я/-]{0,9}", fullmatch=True)),
        date=day,
        amount=Money(Decimal(kopecks) / 100),
        direction=PaymentDirection.OUTGOING if outgoing_ else PaymentDirection.INCOMING,
        payer=ours if outgoing_ else theirs,
        recipient=theirs if outgoing_ else ours,
        purpose=draw(_TEXT),
        received_on=None if outgoing_ else booked,
        debited_on=booked if outgoing_ else None,
        kind=draw(st.sampled_from(["Платежное поручение", "Банковский ордер"])),
    )


def write(payments: Sequence[StatementPayment]) -> list[str]:
    """A test-side writer of the format, field by field, from typed payments."""

    def party(side: str, p: StatementParty, booked_key: str, booked: date | None) -> list[str]:
        return [
            f"{side}Счет={p.account}",
            f"{booked_key}={booked.strftime('%d.%m.%Y') if booked else ''}",
            f"{side}ИНН={p.inn or ''}",
            f"{side}1={p.name or ''}",
        ]

    out = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", f"РасчСчет={OWN}"]
    for p in payments:
        out += [
            f"СекцияДокумент={p.kind}",
            f"Номер={p.number}",
            f"Дата={p.date:%d.%m.%Y}",
            f"Сумма={p.amount.amount:.2f}",
            *party("Плательщик", p.payer, "ДатаСписано", p.debited_on),
            *party("Получатель", p.recipient, "ДатаПоступило", p.received_on),
            f"НазначениеПлатежа={p.purpose}",
            "КонецДокумента",
        ]
    return [*out, "КонецФайла"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    written=st.lists(payments(), max_size=6),
    encoding=st.sampled_from(["cp1251", "utf-8", "utf-8-sig", "cp866"]),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_payments_written_in_the_format_read_back_equal(
    written: list[StatementPayment], encoding: str, newline: str
) -> None:
    data = encode(write(written), encoding, newline)
    read = read_bank_statement(data)
    assert read.encoding == encoding
    assert read.digest == hashlib.sha256(data).hexdigest()
    stripped = [attrs.evolve(p, line=0, end_line=0, fields=()) for p in read.payments]
    assert stripped == written
    assert all(p.line < p.end_line for p in read.payments)


# --------------------------------------------------------------------------- invoice numbers


@pytest.mark.parametrize(
    ("purpose", "numbers"),
    [
        ("Оплата по счету № 123 от 01.07.2025", ("123",)),
        ("Оплата по счету № 00238 от 10.02.2016г. сумма - 2500р.", ("00238",)),
        ("За товары, по счету №125 на сумму 175000-00", ("125",)),
        (
            "ОПЛАТА ПО СЧЕТУ №53433 ОТ 08.06.2026Г СУММА 484898-30В Т.Ч. НДС(5%) 23090-40",
            ("53433",),
        ),
        ("Аванс по сч. 52721 от 06.07.2026 за мебель. Сумма 167885-42", ("52721",)),
        ("Оплата по сч. №49001 за товар", ("49001",)),
        ("сч. 123", ("123",)),
        ("счёт №С-77", ("С-77",)),
        ("Оплата по счету № 1007/2 от 10 июля 2026 г. - Стульчик", ("1007/2",)),
        ("по дог. ИР-2367069/25 от 28.11.2025 согл.сч.№№:44966523 от 05.08.26.", ("44966523",)),
        ("(дог. № 5782 от 09.02.21 г.) по сч. № 5782 от 09.02.21 г.", ("5782",)),
        ("… по сч. № 3423-1 от …", ("3423-1",)),
        ("Оплата счета _№77 от 01.01.2025, без НДС", ("77",)),
        ("Оплата по счету N 10 за товар", ("10",)),
        ("Счет No 5", ("5",)),
        ("оплата по с/ч 45", ("45",)),
        ("Оплата по счету #ТР-156", ("ТР-156",)),
        ("Оплата по счетам № 12, 13 и 15", ("12", "13", "15")),
        ("Оплата по счету 12, 2500.00 руб.", ("12",)),
        ("Оплата по заказу клиента №9614, НДС не облагается", ()),
        ("Расчет по договору N 0320 от 21.06.2021 за экспертизу", ()),
        ("Перевод на р/сч 40802810401500287892 без указания заказа", ()),
        ("перевод на расчетный счет 40702810900000000001", ()),
        ("Оплата по счет-фактуре 55", ()),
        ("по сч-ф 55 от 01.07.2025", ()),
        ("показания счетчика 123", ()),
        ("Абонентская плата за июль 2025 г.", ()),
    ],
)
def test_invoice_numbers_in_a_purpose(purpose: str, numbers: tuple[str, ...]) -> None:
    assert find_invoice_numbers(purpose) == numbers


def test_invoice_number_keys() -> None:
    assert invoice_number_key("00238") == invoice_number_key("238")
    assert invoice_number_key("C-077") == invoice_number_key("с-77")  # Latin C
    assert invoice_number_key("1007/02") == invoice_number_key("1007/2")
    assert invoice_number_key("Ё-1") == invoice_number_key("е-1")
    assert invoice_number_key("100") != invoice_number_key("10")


def test_a_policy_pattern_needs_a_number_group() -> None:
    policy = MatchPolicy(invoice_pattern=r"INV-(?P<number>\d+)")
    assert find_invoice_numbers("payment for inv-42", policy=policy) == ("42",)
    assert find_invoice_numbers("Оплата по счету № 7", policy=policy) == ()
    with pytest.raises(ValueError, match="no group named 'number'"):
        MatchPolicy(invoice_pattern=r"INV-(\d+)")


# --------------------------------------------------------------------------- matching

ISSUED = date(2025, 7, 15)


def invoice(number: str, due: str = "4500.00", inn: str | None = INN_A, **kw: Any) -> OpenInvoice:
    return OpenInvoice(
        number=number,
        client_id=kw.pop("client_id", ClientId(f"client-{inn}")),
        payer_inn=inn,
        amount_due=Money(due),
        issued_on=kw.pop("issued_on", ISSUED),
    )


def pay(
    purpose: str = "", amount: str = "4500.00", inn: str | None = INN_A, **kw: Any
) -> StatementPayment:
    return StatementPayment(
        number=kw.pop("number", "15"),
        date=date(2025, 7, 16),
        amount=Money(amount),
        direction=kw.pop("direction", PaymentDirection.INCOMING),
        payer=StatementParty(FOREIGN, inn, 'ООО "Ромашка"'),
        recipient=StatementParty(OWN, OUR_INN),
        purpose=purpose,
        received_on=date(2025, 7, 17),
        line=kw.pop("line", 0),
    )


def only_unmatched(result: MatchResult) -> tuple[MatchCode, str, tuple[str, ...]]:
    assert not result.matched
    (left,) = result.unmatched
    return left.code, left.reason, tuple(i.number for i in left.candidates)


def test_matched_by_the_invoice_number_in_the_purpose() -> None:
    invoices = [invoice("76"), invoice("77"), invoice("78")]
    result = match_payments([pay("Оплата по счету № 077 от 15.07.2025")], invoices)
    (match,) = result.matched
    assert (match.invoice.number, match.code, match.outcome) == (
        "77",
        MatchCode.BY_NUMBER,
        PaymentOutcome.PAID,
    )
    assert (match.applied, match.remaining, match.credit) == (
        Money("4500.00"),
        Money(0),
        Money(0),
    )
    assert match.reason == "в назначении платежа счёт № 077; оплачен полностью"
    assert [i.number for i in result.open_invoices] == ["76", "78"]
    assert result.unmatched == result.skipped == ()


def test_a_number_match_needs_no_inn_and_ignores_the_amount() -> None:
    result = match_payments([pay("счёт №С-77", amount="100.00", inn=None)], [invoice("C-77")])
    (match,) = result.matched
    assert (match.code, match.outcome) == (MatchCode.BY_NUMBER, PaymentOutcome.PARTIAL)


def test_matched_by_payer_inn_and_exact_amount_without_a_number() -> None:
    invoices = [invoice("1", "1000.00"), invoice("2", "4500.00"), invoice("3", "4500.00", INN_B)]
    result = match_payments([pay("Абонентская плата за июль")], invoices)
    (match,) = result.matched
    assert (match.invoice.number, match.code, match.outcome) == (
        "2",
        MatchCode.BY_INN_AND_AMOUNT,
        PaymentOutcome.PAID,
    )
    assert match.reason == (
        f"в назначении нет номера счёта; единственный открытый счёт ИНН {INN_A} "
        "на 4\xa0500,00\xa0руб.; "
        "оплачен полностью"
    )


def test_two_invoices_of_the_payer_for_the_amount_are_ambiguous() -> None:
    invoices = [invoice("1"), invoice("2"), invoice("3", "100.00")]
    code, reason, candidates = only_unmatched(match_payments([pay("Абонентская плата")], invoices))
    assert (code, candidates) == (MatchCode.AMBIGUOUS_INN_AND_AMOUNT, ("1", "2"))
    assert reason == (
        f"в назначении нет номера счёта, а у ИНН {INN_A} несколько открытых счетов на "
        "4\xa0500,00\xa0руб.: № 1, № 2"
    )


def test_two_invoices_with_the_number_are_ambiguous_unless_the_inn_tells_them_apart() -> None:
    same_number = [invoice("5", inn=INN_A), invoice("5", inn=INN_B)]
    (match,) = match_payments([pay("по сч. 5")], same_number).matched
    assert match.invoice.payer_inn == INN_A
    code, _, candidates = only_unmatched(match_payments([pay("по сч. 5", inn=None)], same_number))
    assert (code, candidates) == (MatchCode.AMBIGUOUS_NUMBER, ("5", "5"))
    both_a = [invoice("5"), invoice("5", issued_on=date(2024, 7, 15))]
    code, reason, _ = only_unmatched(match_payments([pay("по сч. 5")], both_a))
    assert code is MatchCode.AMBIGUOUS_NUMBER
    assert reason.endswith("разнесите платёж вручную")


def test_an_unknown_invoice_number_is_never_guessed_by_amount() -> None:
    invoices = [invoice("78")]  # the payer's only invoice, for exactly the amount
    code, reason, _ = only_unmatched(match_payments([pay("Оплата по счету № 77")], invoices))
    assert code is MatchCode.UNKNOWN_NUMBER
    assert reason.startswith("в назначении счёт № 77, но открытого счёта с таким номером нет")


def test_several_invoices_in_one_purpose_are_left_for_a_person() -> None:
    invoices = [invoice("12", "1500.00"), invoice("13", "3000.00")]
    code, reason, candidates = only_unmatched(
        match_payments([pay("Оплата по счетам № 12 и 13")], invoices)
    )
    assert (code, candidates) == (MatchCode.SEVERAL_INVOICES, ("12", "13"))
    assert reason == "в назначении несколько счетов (счета № 12, № 13); разнесите платёж вручную"


def test_someone_elses_invoice_number() -> None:
    code, reason, _ = only_unmatched(match_payments([pay("по счету 9", inn=INN_B)], [invoice("9")]))
    assert code is MatchCode.PAYER_INN_MISMATCH
    assert reason == f"в назначении счёт № 9, но счёт выставлен ИНН {INN_A}, а платит ИНН {INN_B}"
    lenient = MatchPolicy(check_payer_inn=False)
    (match,) = match_payments(
        [pay("по счету 9", inn=INN_B)], [invoice("9")], policy=lenient
    ).matched
    assert match.code is MatchCode.BY_NUMBER


def test_an_invoice_issued_after_the_payment_is_not_what_it_pays() -> None:
    later = invoice("9", issued_on=date(2025, 7, 20))
    code, _, candidates = only_unmatched(match_payments([pay("по счету 9")], [later]))
    assert (code, candidates) == (MatchCode.NUMBER_ISSUED_LATER, ("9",))
    code, _, _ = only_unmatched(match_payments([pay("Абонентская плата")], [later]))
    assert code is MatchCode.UNKNOWN_PAYER


def test_an_invoice_in_another_currency() -> None:
    euro = OpenInvoice("9", ClientId("c"), INN_A, Money("100", "EUR"), ISSUED)
    code, _, _ = only_unmatched(match_payments([pay("по счету 9")], [euro]))
    assert code is MatchCode.CURRENCY_MISMATCH


@pytest.mark.parametrize(
    ("payment", "policy", "code", "reason"),
    [
        (
            pay("Абонентская плата", inn=None),
            MatchPolicy(),
            MatchCode.NO_REFERENCE,
            "в назначении нет номера счёта, а ИНН плательщика не указан",
        ),
        (
            pay("Абонентская плата"),
            MatchPolicy(by_inn_and_amount=False),
            MatchCode.NO_REFERENCE,
            "в назначении нет номера счёта",
        ),
        (
            pay("Абонентская плата", inn=INN_P),
            MatchPolicy(),
            MatchCode.UNKNOWN_PAYER,
            f"в назначении нет номера счёта, и открытых счетов на ИНН {INN_P} нет",
        ),
        (
            pay("Абонентская плата", amount="4000.00"),
            MatchPolicy(),
            MatchCode.NO_INVOICE_FOR_AMOUNT,
            f"в назначении нет номера счёта, а ни один открытый счёт ИНН {INN_A} не на "
            "4\xa0000,00\xa0руб.: № 1",
        ),
    ],
)
def test_unmatched_payments_say_why(
    payment: StatementPayment, policy: MatchPolicy, code: MatchCode, reason: str
) -> None:
    result = match_payments([payment], [invoice("1")], policy=policy)
    assert only_unmatched(result)[:2] == (code, reason)
    assert result.open_invoices == (invoice("1"),)


def test_a_partial_payment_leaves_the_rest_open_and_a_second_one_finishes_it() -> None:
    first = pay("Аванс по сч. 77", amount="1500.00", number="1")
    second = pay("Окончательная оплата по счету № 77", amount="3000.00", number="2")
    after_first = match_payments([first], [invoice("77")])
    (match,) = after_first.matched
    assert (match.outcome, match.applied, match.remaining, match.credit) == (
        PaymentOutcome.PARTIAL,
        Money("1500.00"),
        Money("3000.00"),
        Money(0),
    )
    assert match.reason == (
        "в назначении платежа счёт № 77; оплачен частично: 1\xa0500,00\xa0руб. "
        "из 4\xa0500,00\xa0руб., "
        "осталось 3\xa0000,00\xa0руб."
    )
    assert [i.amount_due for i in after_first.open_invoices] == [Money("3000.00")]

    both = match_payments([first, second], [invoice("77")])
    assert [(m.outcome, m.remaining) for m in both.matched] == [
        (PaymentOutcome.PARTIAL, Money("3000.00")),
        (PaymentOutcome.PAID, Money(0)),
    ]
    assert both.matched[1].invoice.amount_due == Money("3000.00")
    assert both.open_invoices == ()


def test_the_rest_of_a_partly_paid_invoice_matches_by_inn_and_amount() -> None:
    first = pay("по сч. 77", amount="1500.00", number="1")
    rest = pay("доплата", amount="3000.00", number="2")
    result = match_payments([first, rest], [invoice("77")])
    assert [m.code for m in result.matched] == [MatchCode.BY_NUMBER, MatchCode.BY_INN_AND_AMOUNT]


def test_an_overpayment_is_kept_as_a_visible_credit() -> None:
    result = match_payments([pay("Оплата по счету № 77", amount="5000.00")], [invoice("77")])
    (match,) = result.matched
    assert (match.outcome, match.applied, match.remaining, match.credit) == (
        PaymentOutcome.OVERPAID,
        Money("4500.00"),
        Money(0),
        Money("500.00"),
    )
    assert result.credits == (match,)
    assert match.reason.endswith("переплата 500,00\xa0руб. — аванс (кредит) клиента")
    assert result.open_invoices == ()


def test_outgoing_internal_and_repeated_payments_are_skipped() -> None:
    paid = pay("Оплата по счету № 77", line=22)
    payments = [
        pay("Оплата по счету № 77", direction=PaymentDirection.OUTGOING),
        pay("Оплата по счету № 77", direction=PaymentDirection.INTERNAL),
        paid,
        attrs.evolve(paid, line=80),  # the same document in an overlapping statement
    ]
    result = match_payments(payments, [invoice("77"), invoice("78")])
    assert [m.payment for m in result.matched] == [paid]
    assert [(s.code, s.reason) for s in result.skipped] == [
        (MatchCode.NOT_INCOMING, "исходящий платёж, не оплата счёта"),
        (MatchCode.NOT_INCOMING, "внутренний платёж, не оплата счёта"),
        (MatchCode.DUPLICATE, "этот платёж уже был (документ в строке 22)"),
    ]
    assert [i.number for i in result.open_invoices] == ["78"]


def test_the_codes_are_stable() -> None:
    assert {c.value for c in MatchCode} == {
        "by_number",
        "by_inn_and_amount",
        "unknown_number",
        "number_issued_later",
        "ambiguous_number",
        "several_invoices",
        "payer_inn_mismatch",
        "currency_mismatch",
        "ambiguous_inn_and_amount",
        "no_invoice_for_amount",
        "unknown_payer",
        "no_reference",
        "not_incoming",
        "duplicate",
    }
    assert {o.value for o in PaymentOutcome} == {"paid", "partial", "overpaid"}


def test_an_open_invoice_owes_a_positive_amount() -> None:
    with pytest.raises(ValueError, match="positive"):
        invoice("1", "0")


def test_a_statement_read_and_matched_end_to_end() -> None:
    result = read_bank_statement(DATA / "one_day_cp1251.txt")
    invoices = [
        invoice("238", "25000.00", INN_A),
        invoice("239", "15000.00", INN_P),
        invoice("240", "15000.00", INN_B),
    ]
    matched = match_payments(result.payments, invoices)
    assert [(m.payment.number, m.invoice.number, m.code) for m in matched.matched] == [
        ("697162", "238", MatchCode.BY_NUMBER),
        ("41", "239", MatchCode.BY_INN_AND_AMOUNT),
    ]
    assert [s.payment.number for s in matched.skipped] == ["512", "9001"]
    assert matched.open_invoices == (invoices[2],)
    assert matched.report() == "Сопоставлено: 2, не сопоставлено: 0, пропущено: 2."


def test_the_report_lists_each_unmatched_payment_with_its_reason() -> None:
    result = match_payments([pay("Абонентская плата", inn=None)], [])
    assert result.report().splitlines() == [
        "Сопоставлено: 0, не сопоставлено: 1, пропущено: 0.",
        'Платёж № 15 от 16.07.2025 на 4\xa0500,00\xa0руб. (ООО "Ромашка"): в назначении нет номера '
        "счёта, а ИНН плательщика не указан",
    ]
