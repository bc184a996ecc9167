"""Bank statements in the 1C exchange format, and matching their payments to open invoices.

:func:`read_bank_statement` reads a ``1CClientBankExchange`` text file (the ``kl_to_1c.txt`` a
bank's client system exports for 1C): the header, the ``СекцияРасчСчет`` balance blocks and the
flat list of ``СекцияДокумент`` blocks. Every value is typed: dates, amounts as
:class:`~clientops.model.Money` (never a float), INNs with their control digits checked,
20-digit accounts. A payment is incoming or outgoing relative to the statement's own accounts
(``РасчСчет``). The file is taken whole or not at all: *any* problem (a broken block, a missing
``КонецФайла``, a missing, unknown or repeated field, a bad amount, date, INN or account,
balances that do not add up, bytes foreign to the encoding) raises one
:class:`~clientops.errors.ValidationError` listing every problem of the file, each
:class:`~clientops.errors.FieldError` naming its line (``line 17: Сумма``).

:func:`match_payments` is pure: it takes the incoming payments and the open invoices and decides,
for each payment, which invoice it pays (by the invoice number in ``НазначениеПлатежа``, else by
the payer's INN and the exact amount) or why it cannot tell. Nothing is guessed: an ambiguous
or unknown payment is left for a person, with the reason.

Example::

    >>> from datetime import date
    >>> from clientops import ClientId, Money
    >>> from clientops.bank_statements import OpenInvoice, match_payments, read_bank_statement
    >>> text = '''1CClientBankExchange
    ... ВерсияФормата=1.03
    ... Кодировка=Windows
    ... ДатаНачала=01.07.2025
    ... ДатаКонца=31.07.2025
    ... РасчСчет=40702810900000000001
    ... СекцияДокумент=Платежное поручение
    ... Номер=15
    ... Дата=16.07.2025
    ... Сумма=4500.00
    ... ПлательщикСчет=40702810500000000002
    ... ПлательщикИНН=7707083893
    ... Плательщик1=ООО "Ромашка"
    ... ПолучательСчет=40702810900000000001
    ... ДатаПоступило=17.07.2025
    ... НазначениеПлатежа=Оплата по счету № 77 от 15.07.2025, без НДС
    ... КонецДокумента
    ... КонецФайла
    ... '''
    >>> statement = read_bank_statement(text.encode("cp1251"))
    >>> statement.encoding, len(statement.payments)
    ('cp1251', 1)
    >>> payment = statement.payments[0]
    >>> payment.direction.value, payment.amount, payment.payer.name
    ('incoming', Money(amount=Decimal('4500.00'), currency='RUB'), 'ООО "Ромашка"')
    >>> invoice = OpenInvoice("77", ClientId("c1"), "7707083893", Money("4500"), date(2025, 7, 15))
    >>> result = match_payments(statement.payments, [invoice])
    >>> [(m.invoice.number, m.code.value, m.outcome.value) for m in result.matched]
    [('77', 'by_number', 'paid')]
"""

from __future__ import annotations

import codecs
import datetime as _dt
import enum
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from clientops._billing import Payment, PaymentId, PaymentSource
from clientops._checks import inn_checksum_ok
from clientops._formats import full_date, money_text
from clientops._sources import CHUNK, positive_limit, read_source
from clientops.errors import FieldError, ValidationError
from clientops.model import MAX_AMOUNT, ClientId, Money, number_key

__all__ = [
    "ACCOUNT_FIELDS",
    "DEFAULT_INVOICE_PATTERN",
    "DOCUMENT_FIELDS",
    "HEADER_FIELDS",
    "AccountSection",
    "BankStatement",
    "MatchCode",
    "MatchPolicy",
    "MatchResult",
    "OpenInvoice",
    "PaymentDirection",
    "PaymentMatch",
    "PaymentOutcome",
    "StatementLimits",
    "StatementParty",
    "StatementPayment",
    "UnmatchedPayment",
    "find_invoice_numbers",
    "invoice_number_key",
    "match_payments",
    "payment_from_statement",
    "payment_id_for",
    "read_bank_statement",
]


# --------------------------------------------------------------------------- the format

#: The first line of every file.
MARKER = "1CClientBankExchange"

#: The fields the header may hold (before the first section). ``РасчСчет`` (one per account) and
#: ``Документ`` (one per document kind) may repeat.
HEADER_FIELDS: tuple[str, ...] = (
    "ВерсияФормата",
    "Кодировка",
    "Отправитель",
    "Получатель",
    "ДатаСоздания",
    "ВремяСоздания",
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "Документ",
)

#: The fields of a ``СекцияРасчСчет`` … ``КонецРасчСчет`` balance block.
ACCOUNT_FIELDS: tuple[str, ...] = (
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "НачальныйОстаток",
    "ВсегоПоступило",
    "ВсегоСписано",
    "КонечныйОстаток",
)


def _party_fields(side: str, date_key: str) -> tuple[str, ...]:
    return (
        f"{side}Счет",
        date_key,
        side,
        f"{side}ИНН",
        f"{side}КПП",
        *(f"{side}{i}" for i in range(1, 5)),
        f"{side}РасчСчет",
        f"{side}Банк1",
        f"{side}Банк2",
        f"{side}БИК",
        f"{side}Корсчет",
    )


#: The fields of a ``СекцияДокумент`` … ``КонецДокумента`` block: the document head and the
#: bank's receipt, the payer and the recipient, the payment attributes, the budget (tax) fields
#: and the fields of particular document kinds, as the exchange standard lists them. Any other
#: key is an error naming its line; a bank's own extra keys can be allowed with
#: ``read_bank_statement(..., extra_fields=...)``.
DOCUMENT_FIELDS: tuple[str, ...] = (
    *("Номер", "Дата", "Сумма"),
    *("КвитанцияДата", "КвитанцияВремя", "КвитанцияСодержание"),
    *_party_fields("Плательщик", "ДатаСписано"),
    *_party_fields("Получатель", "ДатаПоступило"),
    *("ВидПлатежа", "ВидОплаты", "КодНазПлатежа", "Код", "Очередность"),
    "НазначениеПлатежа",
    *(f"НазначениеПлатежа{i}" for i in range(1, 7)),
    *("СтатусСоставителя", "ПоказательКБК", "ОКАТО", "ПоказательОснования"),
    *("ПоказательПериода", "ПоказательНомера", "ПоказательДаты", "ПоказательТипа"),
    *("СрокАкцепта", "ВидАккредитива", "СрокПлатежа"),
    *(f"УсловиеОплаты{i}" for i in range(1, 4)),
    *("ПлатежПоПредст", "ДополнУсловия", "НомерСчетаПоставщика", "ДатаОтсылкиДок"),
)

_REPEATABLE_HEADER = frozenset(("РасчСчет", "Документ"))
_OPEN_DOCUMENT = "СекцияДокумент"
_CLOSE_DOCUMENT = "КонецДокумента"
_OPEN_ACCOUNT = "СекцияРасчСчет"
_CLOSE_ACCOUNT = "КонецРасчСчет"
_END = "КонецФайла"
_MARKERS = frozenset((_CLOSE_DOCUMENT, _OPEN_ACCOUNT, _CLOSE_ACCOUNT, _END, MARKER))

#: ``Кодировка`` as written (case aside) → the codec it names.
_DECLARED: dict[str, str] = {
    "windows": "cp1251",
    "dos": "cp866",
    "utf-8": "utf-8",
    "utf8": "utf-8",
}
_DECLARED_CHOICES = "Windows, DOS, UTF-8"

# --------------------------------------------------------------------------- messages

_REQUIRED = "обязательное поле не заполнено"
_UNKNOWN = {
    "header": "неизвестное поле заголовка (известные: HEADER_FIELDS)",
    "account": "неизвестное поле секции СекцияРасчСчет (известные: ACCOUNT_FIELDS)",
    "document": (
        "неизвестное поле документа (известные: DOCUMENT_FIELDS; поля своего банка "
        "разрешите через extra_fields)"
    ),
}
_REPEATED = "поле повторяется (уже было в строке {line})"
_BAD_AMOUNT = "«{value}» — не сумма: нужны рубли и копейки через точку, например 12.50"
_NOT_POSITIVE = "«{value}» — сумма платежа должна быть больше нуля"
_TOO_LARGE = "«{value}» — слишком большая сумма (не больше {limit})"
_BAD_DATE = "«{value}» — не дата (нужно ДД.ММ.ГГГГ)"
_BAD_INN = "«{value}» — не ИНН: нужно 10 или 12 цифр"
_BAD_INN_CHECKSUM = "«{value}» — не сходится контрольное число ИНН"
_INN_CONFLICT = "ИНН «{value}» в этом поле не совпадает с {key}={other}"
_BAD_ACCOUNT = "«{value}» — не номер счёта: нужно 20 цифр"
_BAD_BIK = "«{value}» — не БИК: нужно 9 цифр"
_BAD_ENCODING = "неизвестная кодировка «{value}»; можно: {choices}"
_UNDECODABLE = "байты не читаются в кодировке {value}"
_NOT_A_STATEMENT = f"это не файл обмена с банком: первая строка должна быть {MARKER}"
_NOT_KEY_VALUE = "строка не вида Поле=Значение"
_NO_KEY = "нет имени поля перед «=»"
_OUTSIDE = "поле вне секции: после первой секции поля заголовка не пишут"
_MARKER_VALUE = "у {key} не бывает значения, а здесь «{value}»"
_UNCLOSED = "секция не закрыта строкой {close}: {where}"
_UNCLOSED_NEXT = "в строке {line} начинается {key}"
_UNCLOSED_EOF = "файл кончился"
_UNCLOSED_END = "в строке {line} КонецФайла"
_WRONG_CLOSE = "{key} закрывает секцию {opened} из строки {line}"
_STRAY_CLOSE = "{key} без открытой секции"
_AFTER_END = "строки после КонецФайла"
_NO_END = "нет строки КонецФайла: файл обрезан"
_REPEATED_MARKER = f"{MARKER} может быть только первой строкой"
_NO_ACCOUNT = "в выписке нет расчётного счёта: ни в заголовке, ни в секциях СекцияРасчСчет"
_FOREIGN = "ни ПлательщикСчет ({payer}), ни ПолучательСчет ({recipient}) не счёт выписки ({own})"
_NO_BOOKING = "обязательное поле для {what} по счёту выписки"
_BALANCE = (
    "остатки не сходятся: {opening} + {credited} − {debited} = {expected}, "
    "а КонечныйОстаток {closing}"
)
_TURNOVER = "в секции {value}, а по документам выписки за {start}–{end} по счёту {account}: {found}"
_PERIOD = "ДатаКонца {end} раньше ДатаНачала {start}"

_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_SIGNED_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")
_ACCOUNT = re.compile(r"[0-9]{20}")
_BIK = re.compile(r"[0-9]{9}")
_INN_SHAPE = re.compile(r"[0-9]{10}|[0-9]{12}")
_COMPOSITE = re.compile(r"(?:ИНН\s*)?([0-9]{10}|[0-9]{12})(?:/[0-9]*)?[\s,]+(.+)", re.IGNORECASE)
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


# --------------------------------------------------------------------------- values


class PaymentDirection(enum.Enum):
    """Which way a payment goes relative to the statement's own accounts."""

    INCOMING = "incoming"  #: to one of our accounts from outside (``ДатаПоступило``)
    OUTGOING = "outgoing"  #: from one of our accounts to outside (``ДатаСписано``)
    INTERNAL = "internal"  #: between two of our own accounts


@attrs.frozen
class StatementParty:
    """The payer or the recipient of a payment, as the document gives them.

    ``name`` is ``Плательщик1`` (``Получатель1``) when set, else the name part of the
    composite ``Плательщик`` (``ИНН 7707083893 ООО "Ромашка"`` → ``ООО "Ромашка"``). ``inn`` is
    ``ПлательщикИНН`` (or the INN of the composite field); ``None`` when not given or ``0``.
    """

    account: str
    inn: str | None = None
    name: str | None = None
    kpp: str | None = None
    bank: str | None = None
    bik: str | None = None
    correspondent_account: str | None = None


@attrs.frozen
class StatementPayment:
    """One ``СекцияДокумент`` of a statement, typed.

    ``kind`` is the value after ``СекцияДокумент=`` (``Платежное поручение``; empty when the
    file writes none). ``date`` is the payer's document date; ``received_on`` and
    ``debited_on`` are the bank's booking dates (``ДатаПоступило``, ``ДатаСписано``).
    ``purpose`` is ``НазначениеПлатежа``, or its wrapped lines ``НазначениеПлатежа1..6``
    joined when it is empty. ``fields`` keeps every ``key=value`` of the block as written
    (values stripped), and ``line``/``end_line`` where the block is in the file, for audit.
    """

    number: str
    date: date
    amount: Money
    direction: PaymentDirection
    payer: StatementParty
    recipient: StatementParty
    purpose: str = ""
    received_on: _dt.date | None = None
    debited_on: _dt.date | None = None
    kind: str = ""
    line: int = 0
    end_line: int = 0
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def booked_on(self) -> _dt.date:
        """The day the bank booked it on our side: ``ДатаПоступило`` for an incoming payment,
        ``ДатаСписано`` for an outgoing one, else the document date."""
        if self.direction is PaymentDirection.INCOMING and self.received_on is not None:
            return self.received_on
        return self.debited_on or self.received_on or self.date

    @property
    def key(self) -> tuple[str, ...]:
        """A natural key across files (overlapping statements repeat documents, and ``Номер``
        alone is not unique): date, number, amount, both accounts, payer INN and a hash of
        the purpose."""
        purpose = hashlib.sha256(self.purpose.encode("utf-8")).hexdigest()[:16]
        return (
            self.date.isoformat(),
            self.number,
            f"{self.amount.amount:.2f} {self.amount.currency}",
            self.payer.account,
            self.recipient.account,
            self.payer.inn or "",
            purpose,
        )


@attrs.frozen
class AccountSection:
    """One ``СекцияРасчСчет`` block: an account's balances and turnovers over a period.

    Several blocks per account are normal (one per day in some banks). When all four amounts
    are given they add up (``opening + credited − debited = closing``), and the turnovers equal
    the file's documents for that account and period; the reader checks both.
    """

    account: str
    start: date
    opening: Money
    end: date | None = None
    credited: Money | None = None
    debited: Money | None = None
    closing: Money | None = None
    line: int = 0


@attrs.frozen
class BankStatement:
    """A statement file as read: the header, the balance blocks and the payments.

    ``accounts`` are the header's ``РасчСчет`` lines; :attr:`own_accounts` adds those of the
    balance blocks. ``declared_encoding`` is ``Кодировка`` as written (it can be wrong);
    ``encoding`` is the codec the bytes were read with (``cp1251``, ``utf-8``, ``utf-8-sig``
    or ``cp866``). ``digest`` is the SHA-256 of the file's bytes (hex): the same file gives the
    same digest, so it keys the import against being applied twice.
    """

    format_version: str
    declared_encoding: str
    payments: tuple[StatementPayment, ...]
    digest: str
    encoding: str
    sender: str | None = None
    receiver: str | None = None
    created_on: date | None = None
    created_time: str | None = None
    start: date | None = None
    end: date | None = None
    accounts: tuple[str, ...] = ()
    document_kinds: tuple[str, ...] = ()
    sections: tuple[AccountSection, ...] = ()

    @property
    def own_accounts(self) -> tuple[str, ...]:
        """The statement's own accounts: the header's, then those only in balance blocks."""
        return tuple(dict.fromkeys((*self.accounts, *(s.account for s in self.sections))))

    @property
    def incoming(self) -> tuple[StatementPayment, ...]:
        """The payments received on our accounts, in file order."""
        return tuple(p for p in self.payments if p.direction is PaymentDirection.INCOMING)

    @property
    def outgoing(self) -> tuple[StatementPayment, ...]:
        """The payments sent from our accounts, in file order."""
        return tuple(p for p in self.payments if p.direction is PaymentDirection.OUTGOING)


# --------------------------------------------------------------------------- reading


def _limits(value: object) -> StatementLimits:
    if not isinstance(value, StatementLimits):
        raise ValidationError(
            [FieldError("limits", f"must be StatementLimits, not {type(value).__name__}")],
            subject="bank statement",
        )
    return value


@attrs.frozen
class StatementLimits:
    """How large a statement :func:`read_bank_statement` takes; a file over a limit is refused
    with a :class:`~clientops.errors.ValidationError` naming the limit (and the line).

    ``max_bytes`` is the file's size (checked before reading a file, and while reading a
    pipe); ``max_line_bytes`` a line's length in bytes, without its line break;
    ``max_documents`` the number of ``СекцияДокумент`` blocks; ``max_problems`` how many
    problems are listed before reading stops (the error then ends with one naming the limit).
    The defaults take a year of a busy account's statements; raise them when yours are larger.
    """

    max_bytes: int = attrs.field(default=256 * 1024 * 1024, validator=positive_limit)
    max_line_bytes: int = attrs.field(default=64 * 1024, validator=positive_limit)
    max_documents: int = attrs.field(default=1_000_000, validator=positive_limit)
    max_problems: int = attrs.field(default=1000, validator=positive_limit)


def read_bank_statement(
    source: bytes | str | os.PathLike[str],
    *,
    encoding: str | None = None,
    extra_fields: Iterable[str] = (),
    limits: StatementLimits | None = None,
) -> BankStatement:
    """Read a ``1CClientBankExchange`` statement; all of it, or nothing.

    ``source`` is the file's bytes, or its path (a ``str`` or an ``os.PathLike``; a ``str`` is
    always a path); anything else (an ``int``, a file object) is refused with a
    :class:`~clientops.errors.ValidationError` naming ``source`` before anything is opened.
    The encoding is found from the bytes: a UTF-8 byte-order mark, else the codec (UTF-8,
    windows-1251 or DOS cp866) in which the file's own keys (``ВерсияФормата``,
    ``Кодировка``…) are written, else UTF-8 when the bytes are valid UTF-8, else windows-1251;
    ``encoding`` overrides it. ``Кодировка`` must be ``Windows``, ``DOS`` or ``UTF-8`` but may
    disagree with the bytes (banks get it wrong); both are kept. ``extra_fields`` are document
    keys of your bank to accept (they stay in :attr:`StatementPayment.fields`). ``limits``
    bounds the file's size, its lines and documents (:class:`StatementLimits`).

    Raises :class:`~clientops.errors.ValidationError` (``subject`` ``"bank statement"``) listing
    every problem of the file, each path naming the line (``line 17: Сумма``).
    """
    limits = _limits(StatementLimits() if limits is None else limits)
    data = read_source(source, subject="bank statement", max_bytes=limits.max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    problems = _Problems(limits.max_problems)
    try:
        return _read(data, digest, encoding, frozenset(extra_fields), limits, problems)
    except _TooMany:
        raise problems.error() from None


class _TooMany(Exception):
    """Raised by :class:`_Problems` when the limit of problems is reached: reading stops."""


class _Problems:
    """Every problem of a file (up to ``limit``), kept in line order."""

    def __init__(self, limit: int) -> None:
        self._found: list[tuple[int, int, FieldError]] = []
        self._limit = limit
        self._stopped = False

    def add(self, line: int, key: str, message: str) -> None:
        path = f"line {line}: {key}" if key else f"line {line}"
        self._found.append((line, len(self._found), FieldError(path, message)))
        if len(self._found) >= self._limit:
            self._stopped = True
            raise _TooMany

    def __bool__(self) -> bool:
        return bool(self._found)

    def error(self) -> ValidationError:
        found = [error for _, _, error in sorted(self._found, key=lambda f: f[:2])]
        if self._stopped:
            found.append(
                FieldError(
                    "max_problems",
                    f"{self._limit} problems found; reading stopped there (StatementLimits)",
                )
            )
        return ValidationError(found, subject="bank statement")


def _read(
    data: bytes,
    digest: str,
    encoding: str | None,
    extra: frozenset[str],
    limits: StatementLimits,
    problems: _Problems,
) -> BankStatement:
    codec, body = _codec(data, encoding)
    lines = _lines(data, body, codec, problems, limits)
    first = next(lines, None)
    if first is None or first[1].strip() != MARKER:
        problems.add(1, "", _NOT_A_STATEMENT)
        raise problems.error()
    built = _Built(problems)
    header = _scan(lines, problems, extra, built, limits)
    statement = built.statement(header, digest=digest, encoding=codec)
    if problems or statement is None:
        raise problems.error()
    return statement


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked a chunk at a time (no decoded copy)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), CHUNK):
            decoder.decode(view[start : start + CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for codec in ("utf-8", "cp1251", "cp866"):
        if any(key.encode(codec) in data for key in ("ВерсияФормата", "Кодировка", _END)):
            return codec
    return "utf-8" if _is_utf8(data) else "cp1251"


def _codec(data: bytes, encoding: str | None) -> tuple[str, int]:
    """The codec the file is read with, and where its text starts (after a byte-order mark)."""
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ValidationError(
                [FieldError("encoding", f"unknown encoding {encoding!r}")], subject="bank statement"
            ) from None
        if "\n=".encode(codec) != b"\n=":  # UTF-16 and the like: lines cannot be split as bytes
            raise ValidationError(
                [FieldError("encoding", f"{encoding!r} is not a text encoding of this format")],
                subject="bank statement",
            )
    else:
        codec = _detect(data)
    if codec in ("utf-8-sig", "utf-8") and data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if encoding is None else codec, len(codecs.BOM_UTF8)
    return codec, 0


def _lines(
    data: bytes, start: int, codec: str, problems: _Problems, limits: StatementLimits
) -> Iterator[tuple[int, str]]:
    """The file's physical lines (without their breaks), one at a time, with their numbers.
    Undecodable lines are problems (and read with replacement characters, so later checks
    still run); a line over ``max_line_bytes`` is a problem and reads as empty."""
    plain = "utf-8" if codec == "utf-8-sig" else codec
    longest = limits.max_line_bytes
    number = 0
    position = start
    end = len(data)
    breaks = _LINE_BREAK.finditer(data, start)
    while position < end:
        found = next(breaks, None)
        stop, after = (found.start(), found.end()) if found is not None else (end, end)
        number += 1
        if stop - position > longest:
            problems.add(
                number, "", f"строка длиннее {longest} байт (StatementLimits.max_line_bytes)"
            )
            text = ""
        else:
            raw = data[position:stop]
            try:
                text = raw.decode(plain)
            except UnicodeDecodeError:
                problems.add(number, "", _UNDECODABLE.format(value=codec))
                text = raw.decode(plain, errors="replace")
        yield number, text
        position = after
    if number == 0:
        yield 1, ""  # an empty file: one empty line


@attrs.define
class _Block:
    """A section as scanned: where it opens and closes, its title and its fields."""

    kind: str  # "header", "account" or "document"
    line: int
    title: str = ""
    end_line: int = 0
    values: dict[str, tuple[int, str]] = attrs.Factory(dict)
    repeated: dict[str, list[tuple[int, str]]] = attrs.Factory(dict)
    order: list[tuple[str, str]] = attrs.Factory(list)


_OPENERS = {"account": _OPEN_ACCOUNT, "document": _OPEN_DOCUMENT}
_CLOSERS = {"account": _CLOSE_ACCOUNT, "document": _CLOSE_DOCUMENT}
_KIND_OF_CLOSER = {closer: kind for kind, closer in _CLOSERS.items()}


def _scan(
    lines: Iterator[tuple[int, str]],
    problems: _Problems,
    extra: frozenset[str],
    built: _Built,
    limits: StatementLimits,
) -> _Block:
    """Split the lines (after the first) into the header and the sections; every structural
    problem is recorded, a broken section is left out (its fields are not checked further),
    and each closed section goes to ``built`` as soon as it closes. Returns the header.

    Keys are kept as the format's own strings, and a (key, value) pair met before is shared,
    so that a statement's many repeated values (accounts, banks, dates) are held once."""
    allowed = {
        "header": {key: key for key in HEADER_FIELDS},
        "account": {key: key for key in ACCOUNT_FIELDS},
        "document": {key: key for key in (*DOCUMENT_FIELDS, *extra)},
    }
    pairs: dict[tuple[str, str], tuple[str, str]] = {}
    header = _Block("header", 1)
    current: _Block | None = None
    in_header = True
    ended_at = 0
    documents = 0
    last = 1

    def unclosed(block: _Block, where: str) -> None:
        close = _CLOSERS[block.kind]
        problems.add(block.line, _OPENERS[block.kind], _UNCLOSED.format(close=close, where=where))

    for number, raw in lines:
        last = number
        text = raw.strip()
        if not text:
            continue
        if ended_at:
            problems.add(number, "", _AFTER_END)
            break
        key, eq, value = (part.strip() for part in text.partition("="))
        if key in (_OPEN_DOCUMENT, _OPEN_ACCOUNT):
            if current is not None:
                unclosed(current, _UNCLOSED_NEXT.format(line=number, key=key))
            if key == _OPEN_ACCOUNT and value:
                problems.add(number, key, _MARKER_VALUE.format(key=key, value=value))
            kind = "document" if key == _OPEN_DOCUMENT else "account"
            if kind == "document":
                documents += 1
                if documents > limits.max_documents:
                    problems.add(
                        number,
                        key,
                        f"документов больше {limits.max_documents} (StatementLimits.max_documents)",
                    )
                    raise problems.error()
            current = _Block(kind, number, title=value)
            in_header = False
        elif key in _MARKERS:
            if value:
                problems.add(number, key, _MARKER_VALUE.format(key=key, value=value))
            if key == MARKER:
                problems.add(number, key, _REPEATED_MARKER)
            elif key == _END:
                if current is not None:
                    unclosed(current, _UNCLOSED_END.format(line=number))
                    current = None
                ended_at = number
            elif current is None:
                problems.add(number, key, _STRAY_CLOSE.format(key=key))
            elif current.kind != _KIND_OF_CLOSER[key]:
                problems.add(
                    number,
                    key,
                    _WRONG_CLOSE.format(key=key, opened=_OPENERS[current.kind], line=current.line),
                )
                current = None
            else:
                current.end_line = number
                built.closed(current)
                current = None
        elif not eq:
            problems.add(number, "", _NOT_KEY_VALUE)
        elif not key:
            problems.add(number, "", _NO_KEY)
        else:
            block = current if current is not None else header if in_header else None
            if block is None:
                problems.add(number, key, _OUTSIDE)
                continue
            known = allowed[block.kind].get(key)
            if known is None:
                problems.add(number, key, _UNKNOWN[block.kind])
                continue
            pair = (known, value)
            pair = pairs.setdefault(pair, pair)
            block.order.append(pair)
            if block.kind == "header" and key in _REPEATABLE_HEADER:
                block.repeated.setdefault(known, []).append((number, pair[1]))
            elif key in block.values:
                earlier = block.values[key][0]
                problems.add(number, key, _REPEATED.format(line=earlier))
            else:
                block.values[known] = (number, pair[1])
    if current is not None:
        unclosed(current, _UNCLOSED_EOF)
    if not ended_at:
        problems.add(last, _END, _NO_END)
    return header


class _Reader:
    """Typed values out of one block; every problem goes to ``problems`` with its line."""

    def __init__(self, block: _Block, problems: _Problems) -> None:
        self.block = block
        self.problems = problems

    def where(self, key: str) -> int:
        found = self.block.values.get(key)
        return found[0] if found else self.block.line

    def problem(self, key: str, message: str) -> None:
        self.problems.add(self.where(key), key, message)

    def text(self, key: str, *, required: bool = False) -> str | None:
        found = self.block.values.get(key)
        value = found[1] if found else ""
        if not value:
            if required:
                self.problem(key, _REQUIRED)
            return None
        return value

    def date(self, key: str, *, required: bool = False, zero: bool = False) -> date | None:
        value = self.text(key, required=required)
        if value is None or (zero and value == "0"):
            return None
        return _parse_date(value, lambda message: self.problem(key, message))

    def amount(
        self, key: str, *, required: bool = False, signed: bool = False, positive: bool = False
    ) -> Money | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        if not (_SIGNED_AMOUNT if signed else _AMOUNT).fullmatch(value):
            self.problem(key, _BAD_AMOUNT.format(value=value))
            return None
        amount = Decimal(value)
        if not -MAX_AMOUNT < amount < MAX_AMOUNT:  # what Money holds: refused on its line
            self.problem(key, _TOO_LARGE.format(value=value, limit=MAX_AMOUNT - 1))
            return None
        money = Money(amount)
        if positive and money.amount <= 0:
            self.problem(key, _NOT_POSITIVE.format(value=value))
            return None
        return money

    def account(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if value is not None and not _ACCOUNT.fullmatch(value):
            self.problem(key, _BAD_ACCOUNT.format(value=value))
            return None
        return value

    def bik(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not _BIK.fullmatch(value):
            self.problem(key, _BAD_BIK.format(value=value))
            return None
        return value

    def inn(self, key: str) -> str | None:
        value = self.text(key)
        if value is None or value == "0":
            return None
        return _check_inn(value, lambda message: self.problem(key, message))


def _parse_date(value: str, problem: Callable[[str], None]) -> date | None:
    match = _DATE.fullmatch(value)
    if match:
        try:
            return date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    problem(_BAD_DATE.format(value=value))
    return None


def _check_inn(value: str, problem: Callable[[str], None]) -> str | None:
    if not _INN_SHAPE.fullmatch(value):
        problem(_BAD_INN.format(value=value))
        return None
    if not inn_checksum_ok(value):
        problem(_BAD_INN_CHECKSUM.format(value=value))
        return None
    return value


class _Built:
    """The sections and payments of the closed blocks, built as each block closes (so that a
    block's raw fields are dropped at once); a payment's direction waits for the end, when
    all the statement's own accounts are known."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.sections: list[AccountSection] = []
        self.section_wrote_account = False
        self.pending: list[_Pending] = []
        self.parties: dict[StatementParty, StatementParty] = {}

    def closed(self, block: _Block) -> None:
        if block.kind == "document":
            found = _pending(block, self.problems, self.parties)
            if found is not None:
                self.pending.append(found)
            return
        if block.values.get("РасчСчет", (0, ""))[1]:
            self.section_wrote_account = True
        section = _section(block, self.problems)
        if section is not None:
            self.sections.append(section)

    def statement(self, header: _Block, *, digest: str, encoding: str) -> BankStatement | None:
        problems = self.problems
        head = _Reader(header, problems)
        version = head.text("ВерсияФормата", required=True)
        declared = head.text("Кодировка", required=True)
        if declared is not None and declared.casefold() not in _DECLARED:
            head.problem(
                "Кодировка", _BAD_ENCODING.format(value=declared, choices=_DECLARED_CHOICES)
            )
        created_on = head.date("ДатаСоздания")
        start = head.date("ДатаНачала")
        end = head.date("ДатаКонца")
        if start and end and end < start:
            head.problem("ДатаКонца", _PERIOD.format(start=_ru(start), end=_ru(end)))
        own: list[str] = []
        header_accounts = [value for _, value in header.repeated.get("РасчСчет", []) if value]
        for number, value in header.repeated.get("РасчСчет", []):
            if not value:
                continue  # an empty value is "not set"
            if not _ACCOUNT.fullmatch(value):
                problems.add(number, "РасчСчет", _BAD_ACCOUNT.format(value=value))
            elif value not in own:
                own.append(value)
        kinds = tuple(value for _, value in header.repeated.get("Документ", []) if value)

        sections = self.sections
        for section in sections:
            if section.account not in own:
                own.append(section.account)
        # a bad account is reported on its own line, not as a missing one
        if not header_accounts and not self.section_wrote_account:
            problems.add(1, "РасчСчет", _NO_ACCOUNT)

        payments = [p for p in (_direct(p, own, problems) for p in self.pending) if p is not None]
        self.pending.clear()
        if not problems:  # a broken or bad document would make every turnover look wrong
            for section in sections:
                _check_turnovers(section, payments, end, problems)

        if problems or version is None or declared is None:
            return None
        return BankStatement(
            format_version=version,
            declared_encoding=declared,
            payments=tuple(payments),
            digest=digest,
            encoding=encoding,
            sender=head.text("Отправитель"),
            receiver=head.text("Получатель"),
            created_on=created_on,
            start=start,
            end=end,
            created_time=head.text("ВремяСоздания"),
            accounts=tuple(header_accounts),
            document_kinds=kinds,
            sections=tuple(sections),
        )


def _ru(day: date) -> str:
    return full_date(day)


def _section(block: _Block, problems: _Problems) -> AccountSection | None:
    read = _Reader(block, problems)
    account = read.account("РасчСчет", required=True)
    start = read.date("ДатаНачала", required=True)
    end = read.date("ДатаКонца")
    opening = read.amount("НачальныйОстаток", required=True, signed=True)
    credited = read.amount("ВсегоПоступило")
    debited = read.amount("ВсегоСписано")
    closing = read.amount("КонечныйОстаток", signed=True)
    if start and end and end < start:
        read.problem("ДатаКонца", _PERIOD.format(start=_ru(start), end=_ru(end)))
        return None
    if account is None or start is None or opening is None:
        return None
    if credited is not None and debited is not None and closing is not None:
        expected = opening + credited - debited
        if expected != closing:
            read.problem(
                "КонечныйОстаток",
                _BALANCE.format(
                    opening=opening.amount,
                    credited=credited.amount,
                    debited=debited.amount,
                    expected=expected.amount,
                    closing=closing.amount,
                ),
            )
    return AccountSection(
        account=account,
        start=start,
        end=end,
        opening=opening,
        credited=credited,
        debited=debited,
        closing=closing,
        line=block.line,
    )


def _check_turnovers(
    section: AccountSection,
    payments: Sequence[StatementPayment],
    statement_end: date | None,
    problems: _Problems,
) -> None:
    """The section's turnovers against the documents of its account and period: a mismatch
    means a truncated or filtered file."""
    end = section.end or statement_end

    def within(day: date | None) -> bool:
        return day is not None and section.start <= day and (end is None or day <= end)

    for key, total, side in (
        ("ВсегоПоступило", section.credited, "recipient"),
        ("ВсегоСписано", section.debited, "payer"),
    ):
        if total is None:
            continue
        found = Money(0)
        for payment in payments:
            party: StatementParty = getattr(payment, side)
            booked = payment.received_on if side == "recipient" else payment.debited_on
            if party.account == section.account and within(booked):
                found += payment.amount
        if found != total:
            problems.add(
                section.line,
                key,
                _TURNOVER.format(
                    value=total.amount,
                    start=_ru(section.start),
                    end=_ru(end) if end else "…",
                    account=section.account,
                    found=found.amount,
                ),
            )


@attrs.frozen
class _Pending:
    """A document read, all but its direction: the booking dates' lines and whether they are
    set, for the checks that need the statement's own accounts."""

    block_line: int
    end_line: int
    kind: str
    number: str | None
    day: date | None
    amount: Money | None
    payer: StatementParty
    recipient: StatementParty
    purpose: str
    received_on: date | None
    debited_on: date | None
    received: tuple[int, bool]  # ДатаПоступило: its line, and whether it is set (not 0)
    debited: tuple[int, bool]  # ДатаСписано
    fields: tuple[tuple[str, str], ...]


def _pending(
    block: _Block, problems: _Problems, parties: dict[StatementParty, StatementParty]
) -> _Pending | None:
    read = _Reader(block, problems)
    number = read.text("Номер", required=True)
    day = read.date("Дата", required=True)
    amount = read.amount("Сумма", required=True, positive=True)
    received_on = read.date("ДатаПоступило", zero=True)
    debited_on = read.date("ДатаСписано", zero=True)
    payer = _party(read, "Плательщик")
    recipient = _party(read, "Получатель")
    purpose = read.text("НазначениеПлатежа") or " ".join(
        value for i in range(1, 7) if (value := read.text(f"НазначениеПлатежа{i}"))
    )
    if payer is None or recipient is None:
        return None
    return _Pending(
        block_line=block.line,
        end_line=block.end_line,
        kind=block.title,
        number=number,
        day=day,
        amount=amount,
        payer=parties.setdefault(payer, payer),
        recipient=parties.setdefault(recipient, recipient),
        purpose=purpose,
        received_on=received_on,
        debited_on=debited_on,
        received=(read.where("ДатаПоступило"), read.text("ДатаПоступило") not in (None, "0")),
        debited=(read.where("ДатаСписано"), read.text("ДатаСписано") not in (None, "0")),
        fields=tuple(block.order),
    )


def _direct(found: _Pending, own: Sequence[str], problems: _Problems) -> StatementPayment | None:
    """The payment of a document, once the statement's own accounts are known."""
    payer, recipient = found.payer, found.recipient
    direction: PaymentDirection | None = None
    if own:
        to_us, from_us = recipient.account in own, payer.account in own
        if to_us and from_us:
            direction = PaymentDirection.INTERNAL
        elif to_us:
            direction = PaymentDirection.INCOMING
        elif from_us:
            direction = PaymentDirection.OUTGOING
        else:
            problems.add(
                found.block_line,
                _OPEN_DOCUMENT,
                _FOREIGN.format(
                    payer=payer.account, recipient=recipient.account, own=", ".join(own)
                ),
            )
        if to_us and not found.received[1]:
            problems.add(found.received[0], "ДатаПоступило", _NO_BOOKING.format(what="поступления"))
            direction = None
        if from_us and not found.debited[1]:
            problems.add(found.debited[0], "ДатаСписано", _NO_BOOKING.format(what="списания"))
            direction = None
    if found.number is None or found.day is None or found.amount is None or direction is None:
        return None
    return StatementPayment(
        number=found.number,
        date=found.day,
        amount=found.amount,
        direction=direction,
        payer=payer,
        recipient=recipient,
        purpose=found.purpose,
        received_on=found.received_on,
        debited_on=found.debited_on,
        kind=found.kind,
        line=found.block_line,
        end_line=found.end_line,
        fields=found.fields,
    )


def _party(read: _Reader, side: str) -> StatementParty | None:
    account = read.account(f"{side}Счет", required=True)
    inn = read.inn(f"{side}ИНН")
    name = read.text(f"{side}1")
    composite = read.text(side)
    if composite is not None:
        match = _COMPOSITE.fullmatch(composite)
        if match is None:
            name = name or composite
        else:
            found = _check_inn(match[1], lambda message: read.problem(side, message))
            if found is not None and inn is not None and found != inn:
                read.problem(side, _INN_CONFLICT.format(value=found, key=f"{side}ИНН", other=inn))
            inn = inn or found
            name = name or match[2].strip()
    read.account(f"{side}РасчСчет")
    correspondent = read.account(f"{side}Корсчет")
    bik = read.bik(f"{side}БИК")
    kpp = read.text(f"{side}КПП")
    if account is None:
        return None
    return StatementParty(
        account=account,
        inn=inn,
        name=name,
        kpp=None if kpp == "0" else kpp,
        bank=read.text(f"{side}Банк1"),
        bik=bik,
        correspondent_account=correspondent,
    )


# --------------------------------------------------------------------------- matching

#: The default way to find an invoice number in a payment's purpose: «счет», «счёт», «счету»,
#: «счета», «сч.», «сч», «с/ч» (not «счет-фактура», «сч-ф», «р/сч», «расчетный»), optionally
#: «№», «№№», «N», «No» or «#», then the number: digits with an optional letter prefix
#: (``С-77``, ``ТР-156``) and ``-1`` or ``/2`` suffixes. After a plural («по счетам № 12, 13
#: и 15», the group ``several``) a list of numbers follows. Matched ignoring case against the
#: purpose with «ё» read as «е».
DEFAULT_INVOICE_PATTERN = (
    r"(?<![\w/])"
    r"(?:сч(?:ет(?:(?P<several>ам|ами|ах|ов)|а|у|ом|е|ы)?)?|с/ч)(?!\w)\.?"
    r"(?!\s*[-/]?\s*ф)"
    r"[\s.:_]*"
    r"(?:(?:№|No\.?|N|#)[\s.:_]*)*"
    r"(?P<number>(?:[a-zа-я]{1,4}-?)?[0-9]+(?:[-/][0-9]+)*)(?!\w)"
)
_NEXT_NUMBER = re.compile(
    r"\s*(?:,|;|\bи\b)\s*(?:(?:№|No\.?|N|#)[\s.:_]*)*"
    r"(?P<number>(?:[a-zа-я]{1,4}-?)?[0-9]+(?:[-/][0-9]+)*)(?![\w]|[.,][0-9])",
    re.IGNORECASE,
)

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _compile(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    compiled = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
    if "number" not in compiled.groupindex:
        raise ValueError(f"invoice_pattern {compiled.pattern!r} has no group named 'number'")
    return compiled


@attrs.frozen
class MatchPolicy:
    """How :func:`match_payments` decides.

    ``invoice_pattern`` finds invoice numbers in a purpose; it needs a group named ``number``
    (a ``str`` is compiled ignoring case). ``by_inn_and_amount`` turns on the second step: a
    purpose without an invoice number still matches the one open invoice of the payer's INN
    for exactly that amount. ``check_payer_inn`` refuses a number match when the invoice's
    and the payment's INNs are both known and differ (someone else's invoice number).
    """

    invoice_pattern: re.Pattern[str] = attrs.field(
        default=DEFAULT_INVOICE_PATTERN, converter=_compile
    )
    by_inn_and_amount: bool = True
    check_payer_inn: bool = True


def invoice_number_key(number: str) -> str:
    """An invoice number as stored and compared: :func:`clientops.model.number_key`, the one
    key of contract and invoice numbers (case, spaces, dashes, «№», «ё», Latin letters written
    for Cyrillic ones and leading zeros do not count: ``"00238"`` = ``"238"``,
    ``"C-077"`` = ``"с-77"``).

    >>> invoice_number_key("C-077"), invoice_number_key("с-77")
    ('с77', 'с77')
    """
    return number_key(number)


def find_invoice_numbers(purpose: str, *, policy: MatchPolicy | None = None) -> tuple[str, ...]:
    """The invoice numbers a payment's purpose names, as written, in order, without repeats.

    >>> find_invoice_numbers("ОПЛАТА ПО СЧЕТУ №53433 ОТ 08.06.2026Г СУММА 484898-30")
    ('53433',)
    >>> find_invoice_numbers("Оплата по сч. 12, счёт №С-77; р/сч 40702810900000000001")
    ('12', 'С-77')
    >>> find_invoice_numbers("Оплата по счетам № 12, 13 и 015")
    ('12', '13', '015')
    >>> find_invoice_numbers("Оплата по заказу клиента №9614, НДС не облагается")
    ()
    """
    pattern = (policy or MatchPolicy()).invoice_pattern
    text = _SPACES.sub(" ", purpose).replace("ё", "е").replace("Ё", "Е")
    found: dict[str, str] = {}
    for match in pattern.finditer(text):
        numbers = [match["number"]]
        if "several" in pattern.groupindex and match["several"]:
            end = match.end()
            while (more := _NEXT_NUMBER.match(text, end)) is not None:
                numbers.append(more["number"])
                end = more.end()
        for number in numbers:
            if number and not _ACCOUNT.fullmatch(number):
                found.setdefault(invoice_number_key(number), number)
    return tuple(found.values())


def _positive(_: Any, attribute: attrs.Attribute[Money], value: Money) -> None:
    if not isinstance(value, Money) or value.amount <= 0:
        raise ValueError(f"{attribute.name} must be a positive Money, not {value!r}")


@attrs.frozen
class OpenInvoice:
    """An invoice still (partly) unpaid, as matching sees it: its number, the client, the
    buyer's INN when known, what is still due and the day it was issued."""

    number: str
    client_id: ClientId
    payer_inn: str | None
    amount_due: Money = attrs.field(validator=_positive)
    issued_on: date


class MatchCode(enum.Enum):
    """Why a payment was matched, left unmatched or skipped. The values are stable."""

    BY_NUMBER = "by_number"
    BY_INN_AND_AMOUNT = "by_inn_and_amount"
    UNKNOWN_NUMBER = "unknown_number"
    NUMBER_ISSUED_LATER = "number_issued_later"
    AMBIGUOUS_NUMBER = "ambiguous_number"
    SEVERAL_INVOICES = "several_invoices"
    PAYER_INN_MISMATCH = "payer_inn_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    AMBIGUOUS_INN_AND_AMOUNT = "ambiguous_inn_and_amount"
    NO_INVOICE_FOR_AMOUNT = "no_invoice_for_amount"
    UNKNOWN_PAYER = "unknown_payer"
    NO_REFERENCE = "no_reference"
    NOT_INCOMING = "not_incoming"
    DUPLICATE = "duplicate"


class PaymentOutcome(enum.Enum):
    """What a matched payment did to its invoice."""

    PAID = "paid"  #: exactly the amount due
    PARTIAL = "partial"  #: less than due: the invoice stays open for the rest
    OVERPAID = "overpaid"  #: more than due: the rest is the client's credit


@attrs.frozen
class PaymentMatch:
    """A payment matched to an invoice. ``invoice`` is the invoice as it stood before this
    payment; ``applied`` went to it, ``remaining`` is still due on it, ``credit`` is the
    overpayment kept for the client (zero unless ``outcome`` is ``OVERPAID``)."""

    payment: StatementPayment
    invoice: OpenInvoice
    code: MatchCode
    outcome: PaymentOutcome
    applied: Money
    remaining: Money
    credit: Money
    reason: str


@attrs.frozen
class UnmatchedPayment:
    """A payment left for a person (or skipped), with why. ``candidates`` are the invoices
    that could not be told apart, or that nearly fit."""

    payment: StatementPayment
    code: MatchCode
    reason: str
    candidates: tuple[OpenInvoice, ...] = ()


@attrs.frozen
class MatchResult:
    """Every payment's decision. ``matched`` and ``unmatched`` hold the incoming payments;
    ``skipped`` the outgoing and internal ones and repeats of a payment already seen.
    ``open_invoices`` are the invoices still open afterwards, with what is left due."""

    matched: tuple[PaymentMatch, ...]
    unmatched: tuple[UnmatchedPayment, ...]
    skipped: tuple[UnmatchedPayment, ...]
    open_invoices: tuple[OpenInvoice, ...]

    @property
    def credits(self) -> tuple[PaymentMatch, ...]:
        """The matches that left a credit (an overpayment) for the client."""
        return tuple(m for m in self.matched if m.outcome is PaymentOutcome.OVERPAID)

    def report(self) -> str:
        """For a person: one line per payment that was not matched, with the reason."""
        lines = [
            f"Сопоставлено: {len(self.matched)}, не сопоставлено: {len(self.unmatched)}, "
            f"пропущено: {len(self.skipped)}."
        ]
        lines.extend(
            f"Платёж № {u.payment.number} от {_ru(u.payment.date)} на {_money(u.payment.amount)}"
            f" ({u.payment.payer.name or u.payment.payer.inn or u.payment.payer.account}): "
            f"{u.reason}"
            for u in self.unmatched
        )
        return "\n".join(lines)


def _money(money: Money) -> str:
    return money_text(money)


def _numbers(invoices: Iterable[OpenInvoice]) -> str:
    return ", ".join(f"№ {i.number}" for i in invoices)


def match_payments(
    payments: Iterable[StatementPayment],
    invoices: Iterable[OpenInvoice],
    *,
    policy: MatchPolicy | None = None,
) -> MatchResult:
    """Decide which open invoice each incoming payment pays; pure, nothing stored.

    In order, for each payment: outgoing and internal ones, and repeats of a payment already
    seen (same :attr:`~StatementPayment.key`), are skipped. When the purpose names invoice
    numbers (``policy.invoice_pattern``), the payment goes to the one open invoice with that
    number issued on or before the booking day (several with the number: the one of the
    payer's INN); a number no open invoice has, several invoices, or another payer's INN leave
    it unmatched. Without a number, the payment goes to the one open invoice of the payer's
    INN for exactly the amount (``policy.by_inn_and_amount``); none or several leave it
    unmatched. A smaller amount pays the invoice partly (it stays open for the rest, so a
    later payment can finish it); a larger one pays it and keeps the rest as credit.
    """
    policy = policy or MatchPolicy()
    open_: list[OpenInvoice] = list(invoices)
    matched: list[PaymentMatch] = []
    unmatched: list[UnmatchedPayment] = []
    skipped: list[UnmatchedPayment] = []
    seen: dict[tuple[str, ...], StatementPayment] = {}

    def apply(payment: StatementPayment, invoice: OpenInvoice, code: MatchCode, why: str) -> None:
        due = invoice.amount_due
        if payment.amount == due:
            outcome, applied, credit = PaymentOutcome.PAID, due, Money(0, due.currency)
            how = "оплачен полностью"
        elif payment.amount < due:
            outcome, applied, credit = (
                PaymentOutcome.PARTIAL,
                payment.amount,
                Money(0, due.currency),
            )
            how = (
                f"оплачен частично: {_money(payment.amount)} из {_money(due)}, "
                f"осталось {_money(due - payment.amount)}"
            )
        else:
            outcome, applied, credit = PaymentOutcome.OVERPAID, due, payment.amount - due
            how = f"оплачен полностью, переплата {_money(credit)} — аванс (кредит) клиента"
        remaining = due - applied
        index = open_.index(invoice)
        if remaining.amount > 0:
            open_[index] = attrs.evolve(invoice, amount_due=remaining)
        else:
            del open_[index]
        matched.append(
            PaymentMatch(
                payment, invoice, code, outcome, applied, remaining, credit, f"{why}; {how}"
            )
        )

    def leave(
        payment: StatementPayment, code: MatchCode, why: str, candidates: Iterable[OpenInvoice] = ()
    ) -> None:
        unmatched.append(UnmatchedPayment(payment, code, why, tuple(candidates)))

    for payment in payments:
        if payment.direction is not PaymentDirection.INCOMING:
            what = "исходящий" if payment.direction is PaymentDirection.OUTGOING else "внутренний"
            skipped.append(
                UnmatchedPayment(payment, MatchCode.NOT_INCOMING, f"{what} платёж, не оплата счёта")
            )
            continue
        first = seen.setdefault(payment.key, payment)
        if first is not payment:
            skipped.append(
                UnmatchedPayment(
                    payment,
                    MatchCode.DUPLICATE,
                    f"этот платёж уже был (документ в строке {first.line})",
                )
            )
            continue
        inn = payment.payer.inn
        numbers = find_invoice_numbers(payment.purpose, policy=policy)
        if numbers:
            keys = {invoice_number_key(n) for n in numbers}
            named = ("счёт " if len(numbers) == 1 else "счета ") + ", ".join(
                f"№ {n}" for n in numbers
            )
            by_number = [i for i in open_ if invoice_number_key(i.number) in keys]
            if len(numbers) > 1:
                leave(
                    payment,
                    MatchCode.SEVERAL_INVOICES,
                    f"в назначении несколько счетов ({named}); разнесите платёж вручную",
                    by_number,
                )
                continue
            if not by_number:
                leave(
                    payment,
                    MatchCode.UNKNOWN_NUMBER,
                    f"в назначении {named}, но открытого счёта с таким номером нет "
                    "(оплачен раньше, отменён или номер чужой)",
                )
                continue
            candidates = [i for i in by_number if i.issued_on <= payment.booked_on]
            if not candidates:
                leave(
                    payment,
                    MatchCode.NUMBER_ISSUED_LATER,
                    f"в назначении {named}, но такой счёт выставлен позже платежа",
                    by_number,
                )
                continue
            if len(candidates) > 1 and inn is not None:
                candidates = [i for i in candidates if i.payer_inn == inn] or candidates
            if len(candidates) > 1:
                leave(
                    payment,
                    MatchCode.AMBIGUOUS_NUMBER,
                    f"в назначении {named}, подходят несколько счетов: {_numbers(candidates)}; "
                    "разнесите платёж вручную",
                    candidates,
                )
                continue
            (invoice,) = candidates
            if policy.check_payer_inn and inn and invoice.payer_inn and inn != invoice.payer_inn:
                leave(
                    payment,
                    MatchCode.PAYER_INN_MISMATCH,
                    f"в назначении {named}, но счёт выставлен ИНН {invoice.payer_inn}, "
                    f"а платит ИНН {inn}",
                    candidates,
                )
                continue
            if invoice.amount_due.currency != payment.amount.currency:
                leave(
                    payment,
                    MatchCode.CURRENCY_MISMATCH,
                    f"в назначении {named}, но счёт в {invoice.amount_due.currency}, "
                    f"а платёж в {payment.amount.currency}",
                    candidates,
                )
                continue
            apply(payment, invoice, MatchCode.BY_NUMBER, f"в назначении платежа {named}")
            continue
        if not policy.by_inn_and_amount:
            leave(payment, MatchCode.NO_REFERENCE, "в назначении нет номера счёта")
            continue
        if inn is None:
            leave(
                payment,
                MatchCode.NO_REFERENCE,
                "в назначении нет номера счёта, а ИНН плательщика не указан",
            )
            continue
        of_payer = [i for i in open_ if i.payer_inn == inn and i.issued_on <= payment.booked_on]
        if not of_payer:
            leave(
                payment,
                MatchCode.UNKNOWN_PAYER,
                f"в назначении нет номера счёта, и открытых счетов на ИНН {inn} нет",
            )
            continue
        exact = [i for i in of_payer if i.amount_due == payment.amount]
        if len(exact) == 1:
            apply(
                payment,
                exact[0],
                MatchCode.BY_INN_AND_AMOUNT,
                f"в назначении нет номера счёта; единственный открытый счёт ИНН {inn} "
                f"на {_money(payment.amount)}",
            )
        elif exact:
            leave(
                payment,
                MatchCode.AMBIGUOUS_INN_AND_AMOUNT,
                f"в назначении нет номера счёта, а у ИНН {inn} несколько открытых счетов "
                f"на {_money(payment.amount)}: {_numbers(exact)}",
                exact,
            )
        else:
            leave(
                payment,
                MatchCode.NO_INVOICE_FOR_AMOUNT,
                f"в назначении нет номера счёта, а ни один открытый счёт ИНН {inn} "
                f"не на {_money(payment.amount)}: {_numbers(of_payer)}",
                of_payer,
            )
    return MatchResult(tuple(matched), tuple(unmatched), tuple(skipped), tuple(open_))


# --------------------------------------------------------------------------- payments


def _expect_payment(value: object, subject: str) -> None:
    if not isinstance(value, StatementPayment):
        problem = f"must be a StatementPayment, got {type(value).__name__}"
        raise ValidationError([FieldError("payment", problem)], subject=subject)


def payment_id_for(payment: StatementPayment) -> PaymentId:
    """A payment's id from its natural key (date, number, amount, accounts, INN, purpose):
    the same document read from two overlapping statements gets the same id."""
    _expect_payment(payment, "payment id")
    digest = hashlib.sha256("\x1f".join(payment.key).encode("utf-8")).hexdigest()
    return PaymentId(f"pay-{digest[:24]}")


def payment_from_statement(
    payment: StatementPayment,
    *,
    statement_digest: str,
    client_id: ClientId | None = None,
    invoice_number: str | None = None,
) -> Payment:
    """A :class:`~clientops.billing.Payment` from a statement's document: booked on its
    booking day, with its payer, purpose and source (the statement's digest, line, number)."""
    _expect_payment(payment, "payment")
    return Payment(
        id=payment_id_for(payment),
        date=payment.booked_on,
        amount=payment.amount,
        payer_inn=payment.payer.inn,
        payer_name=payment.payer.name or "",
        purpose=payment.purpose,
        source=PaymentSource(statement_digest, payment.line or None, payment.number or None),
        client_id=client_id,
        invoice_number=invoice_number,
    )
