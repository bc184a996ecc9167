"""A plain-text double-entry ledger in the beancount format: the ``beancount`` accounting backend.

:class:`BeancountLedger` appends every issued invoice and received payment to a ledger file
that the real ``bean-check`` accepts. It writes text; beancount itself is needed only to
check or report on the file (``pip install clientops[ledger]``), never to write it.

What is written (the accounts are :class:`LedgerAccounts`, all configurable):

- on the first write, the header: ``option "title"`` (the company), ``option
  "operating_currency"`` and an ``open`` directive, dated ``opened_on``, for every account the
  ledger uses (an account used later for the first time is opened then, with the same date);
- per issued invoice, a transaction on its issue date: receivable ``+total``, income
  ``−net`` (``Income:Subscriptions`` for a subscription's invoice, ``Income:Services`` for a
  one-off one), VAT ``−vat`` (none without VAT);
- per correction, the original's entry reversed (its exact postings negated, dated the
  correction's issue date, «Сторно счёта № …»), then the correction's entry, and, when the
  client had paid the original more than the correction's total, that excess moved from the
  receivable to the client's credit; per cancellation, the reversal alone;
- per payment: bank ``+amount``, receivable ``−allocated`` for each invoice it paid, the
  client's credit ``−overpayment``.

Each transaction carries its key (``clientops-key: "issue:<invoice id>"``,
``"reversal:<invoice id>"``, ``"credit:<invoice id>"``, ``"payment:<payment id>"``) and the
ids a person needs (``invoice-id``, ``invoice-number``, ``client-id``, ``payment-id``…). The
ledger reads its own keys back when it is opened, so recording an invoice or a payment again,
in this process or after a restart, writes nothing. Each record is written with one
``write`` and ``fsync``; a file whose last entry was cut short (a crash, a full disk) is
refused on opening with an :class:`~clientops.accounting.AccountingError` naming the line.

Example::

    >>> import tempfile
    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from pathlib import Path
    >>> from clientops.accounting import InvoiceRecord
    >>> from clientops.billing import Invoice, InvoiceId, InvoiceLine, Month
    >>> from clientops.model import ClientId, Money
    >>> invoice = Invoice(
    ...     id=InvoiceId("inv-1"), number="2026-00001", client_id=ClientId("c1"),
    ...     period=Month(2026, 11), issue_date=date(2026, 11, 13), due_date=date(2026, 11, 18),
    ...     lines=(InvoiceLine("Абонентское обслуживание", "мес.", 1, Money("12000")),),
    ...     vat_rate=Decimal(22),
    ... )
    >>> path = Path(tempfile.mkdtemp()) / "clientops.beancount"
    >>> ledger = BeancountLedger(path, company="ООО «Клиентский сервис»")
    >>> ledger.record_invoice(InvoiceRecord(invoice=invoice, client_name='ООО "Ромашка"'))
    >>> ledger.record_invoice(InvoiceRecord(invoice=invoice, client_name='ООО "Ромашка"'))
    >>> ledger.close()
    >>> print(path.read_text(encoding="utf-8").split("\\n\\n")[-2])
    2026-11-13 * "ООО \\"Ромашка\\"" "Счёт № 2026-00001 за ноябрь 2026"
      clientops-key: "issue:inv-1"
      invoice-id: "inv-1"
      invoice-number: "2026-00001"
      client-id: "c1"
      period: "2026-11"
      due-date: "2026-11-18"
      Assets:Receivable:Clients                   12000.00 RUB
      Income:Services                             -9836.07 RUB
      Liabilities:VAT:Payable                     -2163.93 RUB
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs

from clientops._billing import MONTHS_NOMINATIVE, Invoice, InvoiceStatus
from clientops.accounting import (
    AccountingError,
    FetchedPayments,
    InvoiceRecord,
    PaymentRecord,
)
from clientops.errors import FieldError, ValidationError
from clientops.model import Money

try:  # POSIX: several processes appending to one ledger take turns
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["MARKER", "BeancountLedger", "LedgerAccounts"]

#: The first line of every ledger file this adapter writes; a non-empty file without it is
#: refused (it is somebody else's ledger).
MARKER = "; clientops beancount ledger"

_BACKEND = "beancount"
_CENT = Decimal("0.01")
_ROOTS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")
_COMPONENT = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")
_CURRENCY = re.compile(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MONEY_WIDTH = 54  # the column the amounts end at, as bean-format would align them


# --------------------------------------------------------------------------- the accounts


def _account_errors(field: str, value: object, root: str) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(field, f"must be a string, got {type(value).__name__}")]
    parts = value.split(":")
    if len(parts) < 2 or parts[0] not in _ROOTS:
        return [FieldError(field, f"{value!r} is not a beancount account (Root:Name…)")]
    bad = [p for p in parts[1:] if not _COMPONENT.fullmatch(p)]
    if bad:
        return [
            FieldError(
                field,
                f"{value!r}: {bad[0]!r} is not an account component (ASCII letters, digits "
                "and '-', starting with a capital letter or a digit)",
            )
        ]
    if parts[0] != root:
        return [FieldError(field, f"{value!r} must be under {root}:")]
    return []


@attrs.frozen
class LedgerAccounts:
    """The accounts of the ledger, by role. Account names are beancount's: ASCII components,
    each capitalised, under the root the role needs (a bank account is an asset, VAT owed is a
    liability). A bad name raises :class:`~clientops.errors.ValidationError` naming the field.
    """

    #: What clients owe on issued invoices (дебиторская задолженность, сч. 62).
    receivable: str = "Assets:Receivable:Clients"
    #: Revenue of subscription invoices, without VAT (сч. 90.01).
    subscriptions: str = "Income:Subscriptions"
    #: Revenue of one-off invoices (no subscription), without VAT.
    services: str = "Income:Services"
    #: VAT charged on invoices, owed to the budget (сч. 68.02).
    vat: str = "Liabilities:VAT:Payable"
    #: The bank account payments arrive on (сч. 51).
    bank: str = "Assets:Bank:Current"
    #: Money clients paid beyond what they owed: advances, overpayments (сч. 62.02).
    credit: str = "Liabilities:ClientCredit"

    def __attrs_post_init__(self) -> None:
        roots = {
            "receivable": "Assets",
            "subscriptions": "Income",
            "services": "Income",
            "vat": "Liabilities",
            "bank": "Assets",
            "credit": "Liabilities",
        }
        errors: list[FieldError] = []
        for field, root in roots.items():
            errors += _account_errors(field, getattr(self, field), root)
        if errors:
            raise ValidationError(errors, subject="ledger accounts")

    def all(self) -> tuple[str, ...]:
        """Every account, once, in the order of the fields."""
        return tuple(dict.fromkeys(attrs.astuple(self)))


# --------------------------------------------------------------------------- entries


@attrs.frozen
class _Posting:
    account: str
    amount: Decimal
    currency: str
    meta: tuple[tuple[str, str], ...] = ()

    def negated(self) -> _Posting:
        return _Posting(self.account, -self.amount, self.currency)


@attrs.frozen
class _Entry:
    """A transaction as written, or as read back from the file."""

    key: str
    day: date
    payee: str
    narration: str
    meta: tuple[tuple[str, str], ...]
    postings: tuple[_Posting, ...]

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.meta if key == name), None)


def _quote(text: str) -> str:
    """``text`` as a beancount string: one line, backslashes and quotes escaped."""
    flat = _CONTROL.sub(" ", text)
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _amount(value: Decimal) -> str:
    if value == 0:
        value = abs(value)  # never "-0.00"
    return format(value.quantize(_CENT), "f")


def _render(entry: _Entry) -> str:
    lines = [f"{entry.day.isoformat()} * {_quote(entry.payee)} {_quote(entry.narration)}"]
    lines.append(f"  clientops-key: {_quote(entry.key)}")
    lines += [f"  {key}: {_quote(value)}" for key, value in entry.meta]
    for posting in entry.postings:
        head = f"  {posting.account} "
        number = _amount(posting.amount)
        lines.append(f"{head}{number.rjust(max(1, _MONEY_WIDTH - len(head)))} {posting.currency}")
        lines += [f"    {key}: {_quote(value)}" for key, value in posting.meta]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading back

_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_STRING = r'"(?:[^"\\]|\\.)*"'
_TRANSACTION = re.compile(rf"^{_DAY}\s+[*!]\s*(?P<strings>(?:{_STRING}\s*){{0,2}})$")
_OPEN = re.compile(rf"^{_DAY}\s+open\s+(?P<account>\S+)")
_OPTION = re.compile(rf"^option\s+(?P<name>{_STRING})\s+(?P<value>{_STRING})\s*$")
_META = re.compile(rf"^(?P<indent>\s+)(?P<key>[a-z][A-Za-z0-9_-]*):\s*(?P<value>{_STRING})\s*$")
_POSTING = re.compile(
    r"^\s+(?P<account>[A-Z][A-Za-z0-9-]*(?::[A-Z0-9][A-Za-z0-9-]*)+)\s+"
    r"(?P<amount>-?\d+(?:\.\d+)?)\s+(?P<currency>[A-Z][A-Z0-9'._-]*)\s*$"
)


def _day(match: re.Match[str]) -> date | None:
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@attrs.define
class _State:
    """What the file holds, as far as the adapter is concerned."""

    size: int = 0
    header: bool = False
    currency: str | None = None
    opened: dict[str, date] = attrs.Factory(dict)
    entries: dict[str, _Entry] = attrs.Factory(dict)
    #: invoice id → the entry of the invoice that corrects it
    corrected_by: dict[str, _Entry] = attrs.Factory(dict)

    def add(self, entry: _Entry) -> None:
        self.entries.setdefault(entry.key, entry)
        corrects = entry.get("corrects")
        if entry.key.startswith("issue:") and corrects:
            self.corrected_by.setdefault(corrects, entry)


def _blocks(lines: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """The runs of non-blank lines, with the number of each run's first line."""
    start, block = 0, list[str]()
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _read_transaction(first: int, block: list[str]) -> tuple[_Entry | None, str]:
    """The transaction of ``block`` with its key, or ``None`` and why it is incomplete."""
    head = _TRANSACTION.match(block[0])
    day = _day(head) if head else None
    if head is None or day is None:
        return None, "its first line is not a transaction's date line"
    strings = re.findall(_STRING, head["strings"])
    texts = [_unquote(s) for s in strings]
    payee, narration = (texts[0], texts[1]) if len(texts) == 2 else ("", "".join(texts))
    meta: list[tuple[str, str]] = []
    postings: list[_Posting] = []
    for offset, line in enumerate(block[1:], 1):
        line = line.rstrip("\r")
        if line.lstrip().startswith(";"):
            continue
        found = _META.match(line)
        if found:
            value = _unquote(found["value"])
            if postings and len(found["indent"]) > 2:
                last = postings[-1]
                postings[-1] = attrs.evolve(last, meta=(*last.meta, (found["key"], value)))
            elif not postings:
                meta.append((found["key"], value))
            continue
        posting = _POSTING.match(line)
        if posting is None:
            return None, f"line {first + offset} is neither metadata nor a posting with an amount"
        try:
            amount = Decimal(posting["amount"])
        except InvalidOperation:  # pragma: no cover - the pattern admits numbers only
            return None, f"line {first + offset}: bad amount"
        postings.append(_Posting(posting["account"], amount, posting["currency"]))
    if len(postings) < 2:
        return None, "it has fewer than two postings"
    sums: dict[str, Decimal] = {}
    for p in postings:
        sums[p.currency] = sums.get(p.currency, Decimal(0)) + p.amount
    if any(total != 0 for total in sums.values()):
        return None, "its postings do not add up to zero"
    key = dict(meta).get("clientops-key", "")
    rest = tuple((k, v) for k, v in meta if k != "clientops-key")
    return _Entry(key, day, payee, narration, rest, tuple(postings)), ""


def _scan(path: Path, data: bytes) -> _State:
    """Read the ledger's own lines back: its options, opened accounts and keyed entries.
    A last entry cut short, or a keyed entry that does not balance, raises AccountingError
    naming the line."""

    def refuse(message: str) -> AccountingError:
        return AccountingError(_BACKEND, "open", f"{path}: {message}")

    state = _State(size=len(data))
    if not data:
        return state
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end < len(data):
            number = data[: exc.start].count(b"\n") + 1
            raise refuse(f"line {number}: not UTF-8 ({exc.reason})") from None
        text = data[: exc.start].decode("utf-8", errors="replace")  # cut inside a character
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if not lines[0].startswith(MARKER):
        raise refuse(
            f"line 1: not a clientops ledger (its first line is not {MARKER!r}); give the "
            "adapter a file of its own and include it from your main ledger"
        )
    state.header = True
    if lines[-1] == "":
        lines.pop()  # the break after the last line
    blocks = list(_blocks(lines))
    if blocks and not text.endswith(("\n\n", "\r\n\r\n")):
        first, block = blocks[-1]
        end = first + len(block) - 1
        raise refuse(
            f"line {first}: the last entry (lines {first}–{end}) is cut short: every write "
            "of clientops ends with an empty line, and this one does not (a crash or a full "
            "disk while writing?). Remove those lines (or restore the file from a backup) and "
            "open the ledger again; clientops sends the record again"
        )
    for first, block in blocks:
        if _TRANSACTION.match(block[0]):
            entry, why = _read_transaction(first, block)
            if entry is None:
                if any(_META.match(ln) and "clientops-key" in ln for ln in block):
                    raise refuse(f"line {first}: an entry of clientops is broken: {why}")
                continue  # somebody else's transaction: bean-check's business
            if entry.key:
                state.add(entry)
            continue
        for text_line in block:
            found = _OPEN.match(text_line)
            if found:
                day = _day(found)
                if day is not None:
                    state.opened.setdefault(found["account"], day)
                continue
            option = _OPTION.match(text_line)
            if option and _unquote(option["name"]) == "operating_currency":
                state.currency = state.currency or _unquote(option["value"])
    return state


# --------------------------------------------------------------------------- the adapter


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


class BeancountLedger:
    """The ``beancount`` accounting backend: issued invoices and received payments appended
    to the beancount ledger file at ``path`` (created on the first write).

    ``company`` is the ledger's title, ``currency`` its operating currency (an amount in
    another one is refused), ``accounts`` the account of each role, ``opened_on`` the date
    of the ``open`` directives (no entry may be dated before it). ``today`` gives the date of
    a cancellation's reversal (the invoice does not say when it was cancelled): today, or the
    invoice's issue date when that is later. ``closed_through``, when given, is the last day
    of the periods whose books are closed (the cut-off): an entry dated on or before it is
    refused with :class:`~clientops.accounting.AccountingError` and nothing is written (a
    record the ledger already holds is still a quiet repeat).

    The file is read on construction (the keys it holds make every write idempotent); a file
    that is not a clientops ledger, is not UTF-8, or ends in an entry cut short raises
    :class:`~clientops.accounting.AccountingError` (``operation`` ``"open"``) naming the line.
    Safe to share between threads; processes appending to the same file take turns (an
    exclusive ``flock`` around each write, POSIX) and read what the others wrote first.
    ``fetch_payments`` returns ``()``: a ledger supplies no payments.
    """

    name: str = "beancount"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        company: str = "clientops",
        currency: str = "RUB",
        accounts: LedgerAccounts = LedgerAccounts(),
        opened_on: date = date(2000, 1, 1),
        today: Callable[[], date] = date.today,
        closed_through: date | None = None,
    ) -> None:
        errors: list[FieldError] = []
        if closed_through is not None and not _is_day(closed_through):
            errors.append(
                FieldError("closed_through", f"must be a date or None, got {closed_through!r}")
            )
        if not isinstance(company, str) or not company.strip():
            errors.append(FieldError("company", "required"))
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            errors.append(FieldError("currency", f"{currency!r} is not a beancount currency"))
        if not isinstance(accounts, LedgerAccounts):
            errors.append(FieldError("accounts", "must be a LedgerAccounts"))
        if not _is_day(opened_on):
            errors.append(FieldError("opened_on", f"must be a date, got {opened_on!r}"))
        if not callable(today):
            errors.append(FieldError("today", "must be a callable returning a date"))
        if errors:
            raise ValidationError(errors, subject="beancount ledger")
        self.path = Path(path)
        self.company = company
        self.currency = currency
        self.accounts = accounts
        self.opened_on = opened_on
        self._today = today
        self.closed_through = closed_through
        self._lock = threading.Lock()
        self._closed = False
        self._state = self._load()
        if self._state.currency not in (None, currency):
            raise AccountingError(
                _BACKEND,
                "open",
                f"{self.path}: the ledger's operating currency is {self._state.currency}, "
                f"not {currency}",
            )

    def __repr__(self) -> str:
        return f"BeancountLedger({str(self.path)!r})"

    def __enter__(self) -> BeancountLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the port

    def record_invoice(self, record: InvoiceRecord) -> None:
        """Write the invoice's entry (a correction: the original's reversal first; a
        cancelled or corrected invoice: its reversal only).

        The entries are keyed ``issue:<id>`` and ``reversal:<id>``: an issued, partly paid or
        paid invoice is the same issue (payments are entries of their own), a cancelled or
        corrected one its reversal, and what the ledger already holds is not written again.
        An invoice the ledger never recorded has no entry to reverse: its cancellation writes
        nothing. An original that arrives after its correction is written and reversed at
        once. ``record.reverses``, when given, must be the invoice the correction corrects;
        it tells what the client had paid on it, so that an excess becomes credit."""
        if not isinstance(record, InvoiceRecord):
            raise AccountingError(
                _BACKEND, "record_invoice", f"expected an InvoiceRecord, got {record!r}"
            )
        self._write("record_invoice", lambda state: self._invoice_entries(record, state))

    def record_payment(self, record: PaymentRecord) -> None:
        """Write the payment's entry: bank ``+amount``, receivable ``−allocated`` per invoice,
        the client's credit ``−overpayment``. The allocations and the credit must add up to
        the payment (allocate it first: an unallocated payment is not booked)."""
        if not isinstance(record, PaymentRecord):
            raise AccountingError(
                _BACKEND, "record_payment", f"expected a PaymentRecord, got {record!r}"
            )
        self._write("record_payment", lambda state: self._payment_entries(record, state))

    def fetch_payments(self, since: date) -> Sequence[FetchedPayments]:
        """``()``: the ledger records payments, it does not supply them."""
        with self._lock:
            self._check_open("fetch_payments")
        return ()

    def close(self) -> None:
        """Stop writing (the file is opened per write, so nothing stays open). Idempotent."""
        with self._lock:
            self._closed = True

    # -- what is in the ledger

    def recorded(self) -> frozenset[str]:
        """The keys of the entries the ledger holds (``issue:inv-1``, ``payment:pay-…``)."""
        with self._lock:
            return frozenset(self._state.entries)

    # -- building entries

    def _check_amount(self, operation: str, what: str, money: Money) -> Decimal:
        if money.currency != self.currency:
            raise AccountingError(
                _BACKEND,
                operation,
                f"{what} is in {money.currency}; the ledger is in {self.currency}",
            )
        if money.amount != money.amount.quantize(_CENT):
            raise AccountingError(_BACKEND, operation, f"{what} {money} has a fraction of a kopeck")
        return money.amount

    def _invoice_postings(self, invoice: Invoice) -> tuple[_Posting, ...]:
        op = "record_invoice"
        what = f"invoice {invoice.number}"
        total = self._check_amount(op, what, invoice.total)
        vat = invoice.vat
        tax = self._check_amount(op, what, vat) if vat is not None else None
        income = self.accounts.subscriptions if invoice.subscription_id else self.accounts.services
        cur = self.currency
        postings = [
            _Posting(self.accounts.receivable, total, cur),
            _Posting(income, -(total - (tax or 0)), cur),
        ]
        if tax is not None:
            postings.append(_Posting(self.accounts.vat, -tax, cur))
        return tuple(postings)

    def _issue(self, record: InvoiceRecord) -> _Entry:
        invoice = record.invoice
        period = invoice.period
        narration = (
            f"Счёт № {invoice.number} за {MONTHS_NOMINATIVE[period.month - 1]} {period.year}"
        )
        meta = [
            ("invoice-id", invoice.id),
            ("invoice-number", invoice.number),
            ("client-id", invoice.client_id),
            ("period", str(period)),
            ("due-date", invoice.due_date.isoformat()),
        ]
        if invoice.subscription_id is not None:
            meta.append(("subscription-id", invoice.subscription_id))
        if invoice.corrects is not None:
            narration += f" (исправление счёта № {invoice.corrects_number})"
            meta += [
                ("corrects", invoice.corrects),
                ("corrects-number", invoice.corrects_number or ""),
            ]
        return _Entry(
            key=f"issue:{invoice.id}",
            day=invoice.issue_date,
            payee=record.client_name or invoice.client_id,
            narration=narration,
            meta=tuple(meta),
            postings=self._invoice_postings(invoice),
        )

    @staticmethod
    def _reversal(original: _Entry, day: date, why: str, **extra: str) -> _Entry:
        invoice_id = original.key.partition(":")[2]
        number = original.get("invoice-number") or invoice_id
        meta = [
            ("invoice-id", invoice_id),
            ("invoice-number", number),
            ("client-id", original.get("client-id") or ""),
        ]
        meta += [(key.replace("_", "-"), value) for key, value in extra.items()]
        return _Entry(
            key=f"reversal:{invoice_id}",
            day=max(day, original.day),
            payee=original.payee,
            narration=f"Сторно счёта № {number} ({why})",
            meta=tuple(meta),
            postings=tuple(p.negated() for p in original.postings),
        )

    def _invoice_entries(self, record: InvoiceRecord, state: _State) -> list[_Entry]:
        op = "record_invoice"
        invoice, reverses = record.invoice, record.reverses
        if not isinstance(invoice, Invoice):
            raise AccountingError(
                _BACKEND, op, f"record.invoice must be an Invoice, got {invoice!r}"
            )
        if reverses is not None and not isinstance(reverses, Invoice):
            raise AccountingError(_BACKEND, op, "record.reverses must be an Invoice or None")
        self._check_amount(op, f"invoice {invoice.number}", invoice.total)
        entries: list[_Entry] = []
        if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.CORRECTED):
            if reverses is not None and reverses.id != invoice.id:
                raise AccountingError(
                    _BACKEND,
                    op,
                    f"invoice {invoice.number} is {invoice.status.value}: record.reverses must be "
                    f"None or the invoice itself, not {reverses.number}",
                )
            original = state.entries.get(f"issue:{invoice.id}")
            if original is None or f"reversal:{invoice.id}" in state.entries:
                return []
            if invoice.status is InvoiceStatus.CANCELLED:
                day = max(self._today(), invoice.issue_date)
                entries.append(self._reversal(original, day, "аннулирован"))
            else:
                successor = state.corrected_by.get(invoice.id)
                day = successor.day if successor else max(self._today(), invoice.issue_date)
                by = successor.get("invoice-number") if successor else invoice.corrected_by
                entries.append(self._reversal(original, day, f"исправлен счётом № {by}"))
            return entries
        if reverses is not None and reverses.id != invoice.corrects:
            raise AccountingError(
                _BACKEND,
                op,
                f"record.reverses is invoice {reverses.number} ({reverses.id}), but invoice "
                f"{invoice.number} corrects {invoice.corrects!r}",
            )
        issue = self._issue(record)
        if invoice.corrects is not None:
            original = state.entries.get(f"issue:{invoice.corrects}")
            if original is not None and f"reversal:{invoice.corrects}" not in state.entries:
                entries.append(
                    self._reversal(
                        original,
                        invoice.issue_date,
                        f"исправлен счётом № {invoice.number}",
                        reversed_by=invoice.id,
                    )
                )
        if issue.key not in state.entries:
            entries.append(issue)
            # the original arriving after its correction: undo it at once
            successor = state.corrected_by.get(invoice.id)
            if successor is not None and f"reversal:{invoice.id}" not in state.entries:
                entries.append(
                    self._reversal(
                        issue,
                        successor.day,
                        f"исправлен счётом № {successor.get('invoice-number')}",
                        reversed_by=successor.key.partition(":")[2],
                    )
                )
        credit_key = f"credit:{invoice.id}"
        if reverses is not None and credit_key not in state.entries:
            excess = reverses.paid.amount - invoice.total.amount
            if excess > 0:
                entries.append(
                    _Entry(
                        key=credit_key,
                        day=invoice.issue_date,
                        payee=issue.payee,
                        narration=(
                            f"Переплата по счёту № {reverses.number} после исправления "
                            f"счётом № {invoice.number}: аванс клиента"
                        ),
                        meta=(
                            ("invoice-id", invoice.id),
                            ("invoice-number", invoice.number),
                            ("client-id", invoice.client_id),
                        ),
                        postings=(
                            _Posting(self.accounts.receivable, excess, self.currency),
                            _Posting(self.accounts.credit, -excess, self.currency),
                        ),
                    )
                )
        return entries

    def _payment_entries(self, record: PaymentRecord, state: _State) -> list[_Entry]:
        op = "record_payment"
        payment = record.payment
        key = f"payment:{payment.id}"
        if key in state.entries:
            return []
        what = f"payment {payment.id}"
        amount = self._check_amount(op, what, payment.amount)
        postings = [_Posting(self.accounts.bank, amount, self.currency)]
        clients: list[str] = []
        numbers: list[str] = []
        for n, allocation in enumerate(record.allocations):
            if allocation.payment_id != payment.id:
                raise AccountingError(
                    _BACKEND, op, f"allocations[{n}] belongs to payment {allocation.payment_id}"
                )
            part = self._check_amount(op, f"allocations[{n}]", allocation.amount)
            postings.append(
                _Posting(
                    self.accounts.receivable,
                    -part,
                    self.currency,
                    (
                        ("invoice-id", allocation.invoice_id),
                        ("invoice-number", allocation.invoice_number),
                    ),
                )
            )
            clients.append(allocation.client_id)
            numbers.append(allocation.invoice_number)
        credit = record.credit
        if credit is not None:
            if credit.payment_id not in (None, payment.id):
                raise AccountingError(
                    _BACKEND, op, f"the credit belongs to payment {credit.payment_id}"
                )
            part = self._check_amount(op, "credit", credit.amount)
            postings.append(_Posting(self.accounts.credit, -part, self.currency))
            clients.append(credit.client_id)
        booked = sum((-p.amount for p in postings[1:]), Decimal(0))
        if booked != amount:
            raise AccountingError(
                _BACKEND,
                op,
                f"{what}: the allocations and the credit add up to {_amount(booked)}, the payment "
                f"is {_amount(amount)}: allocate it in full first",
            )
        client = next(iter(dict.fromkeys(clients)), payment.client_id or "")
        unique = list(dict.fromkeys(numbers))
        if unique:
            word = "счёта" if len(unique) == 1 else "счетов"
            narration = f"Оплата {word} № {', '.join(unique)}"
            if credit is not None:
                narration += ", переплата — аванс клиента"
        else:
            narration = "Аванс клиента: оплата без открытых счетов"
        meta = [("payment-id", payment.id), ("client-id", client)]
        if unique:
            meta.append(("invoice-numbers", ", ".join(unique)))
        if payment.payer_inn:
            meta.append(("payer-inn", payment.payer_inn))
        if payment.source is not None:
            meta.append(("statement", payment.source.statement))
            if payment.source.number:
                meta.append(("document-number", payment.source.number))
        if payment.purpose:
            meta.append(("purpose", payment.purpose))
        return [
            _Entry(
                key=key,
                day=payment.date,
                payee=record.client_name or payment.payer_name or client,
                narration=narration,
                meta=tuple(meta),
                postings=tuple(postings),
            )
        ]

    # -- the file

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise AccountingError(_BACKEND, operation, f"the ledger {self.path} is closed")

    def _load(self) -> _State:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                raise AccountingError(
                    _BACKEND, "open", f"{self.path}: the folder {self.path.parent} does not exist"
                ) from None
            return _State()
        except OSError as exc:
            raise AccountingError(_BACKEND, "open", f"{self.path}: {exc}") from exc
        return _scan(self.path, data)

    def _check_dates(self, entries: Iterable[_Entry], state: _State, operation: str) -> None:
        for entry in entries:
            if self.closed_through is not None and entry.day <= self.closed_through:
                raise AccountingError(
                    _BACKEND,
                    operation,
                    f"{entry.key} is dated {entry.day.isoformat()}, and the books are closed "
                    f"through {self.closed_through.isoformat()}: nothing was written",
                )
            for posting in entry.postings:
                opened = state.opened.get(posting.account, self.opened_on)
                if entry.day < opened:
                    raise AccountingError(
                        _BACKEND,
                        operation,
                        f"{entry.key} is dated {entry.day.isoformat()}, before {posting.account} "
                        f"was opened ({opened.isoformat()}): give the ledger an earlier opened_on",
                    )

    def _text(self, entries: Iterable[_Entry], state: _State, operation: str) -> str:
        """The text appending ``entries`` to the file: the header first when the file is new,
        ``open`` directives for accounts used for the first time, then the entries."""
        entries = list(entries)
        self._check_dates(entries, state, operation)
        opens: dict[str, date] = {}
        if not state.header:
            opens = dict.fromkeys(self.accounts.all(), self.opened_on)
        for entry in entries:
            for posting in entry.postings:
                if posting.account not in state.opened:
                    opens.setdefault(posting.account, self.opened_on)
        parts: list[str] = []
        if not state.header:
            parts.append(
                f"{MARKER}: written by clientops.adapters.beancount\n"
                "; Append-only: an entry per invoice and payment, keyed by clientops-key.\n"
                f'option "title" {_quote(self.company)}\n'
                f'option "operating_currency" {_quote(self.currency)}\n'
            )
        if opens:
            parts.append(
                "".join(
                    f"{day.isoformat()} open {account} {self.currency}\n"
                    for account, day in opens.items()
                )
            )
        parts += [_render(entry) for entry in entries]
        return "\n".join(parts) + "\n"

    def _write(self, operation: str, build: Callable[[_State], list[_Entry]]) -> None:
        with self._lock:
            self._check_open(operation)
            self._refresh(self._size_on_disk(operation))
            entries = [e for e in build(self._state) if e.key not in self._state.entries]
            if not entries:
                return  # all there already: the file is not even opened for writing
            self._check_dates(entries, self._state, operation)
            created = not self.path.exists()
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise AccountingError(_BACKEND, operation, f"{self.path}: {exc}") from exc
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                size = os.fstat(fd).st_size
                self._refresh(size)  # another process may have written meanwhile
                state = self._state
                entries = [e for e in build(state) if e.key not in state.entries]
                if not entries:
                    return
                data = self._text(entries, state, operation).encode("utf-8")
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                except OSError as exc:
                    os.ftruncate(fd, size)  # leave no half entry behind
                    raise AccountingError(_BACKEND, operation, f"{self.path}: {exc}") from exc
                if created:
                    _sync_folder(self.path.parent)
                self._commit(state, entries, size + len(data))
            finally:
                os.close(fd)

    def _size_on_disk(self, operation: str) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise AccountingError(_BACKEND, operation, f"{self.path}: {exc}") from exc

    def _refresh(self, size: int) -> None:
        """Read the file again when its size is not what this ledger last wrote or read."""
        if size != self._state.size:
            self._state = self._load()

    def _commit(self, state: _State, entries: list[_Entry], size: int) -> None:
        if not state.header:
            for account in self.accounts.all():
                state.opened.setdefault(account, self.opened_on)
            state.currency = self.currency
        state.header = True
        for entry in entries:
            for posting in entry.postings:
                state.opened.setdefault(posting.account, self.opened_on)
            state.add(entry)
        state.size = size


def _sync_folder(folder: Path) -> None:
    """Make a newly created file's name durable too (POSIX; a no-op where folders cannot be
    opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
