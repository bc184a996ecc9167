"""A folder of 1C client-bank statement files: the ``bank_statements`` accounting backend.

The bank's client system exports statements (``kl_to_1c.txt``) in the ``1CClientBankExchange``
format, windows-1251 or UTF-8; someone, or a scheduled job, drops them into a folder.
:meth:`StatementFolder.fetch_payments` reads every statement file there with
:func:`clientops.bank_statements.read_bank_statement` and returns, per file, the payments
received on our account: incoming documents booked on or after ``since``, as
:class:`~clientops.billing.Payment` values with no client yet (the service matches them to
invoices). Everything else (outgoing payments, transfers between our own accounts, incoming
ones left out) is told in the batch's ``notes``.

A file is read whole or not at all, and so is the folder: when any file is broken (a bad
amount, a missing ``КонецФайла``, a file still being copied), ``fetch_payments`` raises
:class:`StatementFileError` naming every bad file and line, and returns nothing, so that no
statement is half imported and a person fixes (or removes) the file first. The folder is
only read: files are neither moved nor deleted; the service skips a file seen before by
its ``source`` (the file's SHA-256 digest), so two copies of one file count once.

The exchange format carries payments only: :meth:`~StatementFolder.record_invoice` and
:meth:`~StatementFolder.record_payment` do nothing.

Example::

    >>> import tempfile
    >>> from datetime import date
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "kl_to_1c.txt").write_bytes('''1CClientBankExchange
    ... ВерсияФормата=1.03
    ... Кодировка=Windows
    ... РасчСчет=40702810900000000001
    ... СекцияДокумент=Платежное поручение
    ... Номер=15
    ... Дата=16.11.2026
    ... Сумма=12000.00
    ... ПлательщикСчет=40702810500000000002
    ... ПлательщикИНН=7707083893
    ... Плательщик1=ООО "Ромашка"
    ... ПолучательСчет=40702810900000000001
    ... ДатаПоступило=17.11.2026
    ... НазначениеПлатежа=Оплата по счету № 2026-00001 от 13.11.2026
    ... КонецДокумента
    ... КонецФайла
    ... '''.encode("cp1251"))
    >>> [batch] = StatementFolder(folder).fetch_payments(since=date(2026, 11, 1))
    >>> [(p.date, str(p.amount), p.payer_inn, p.client_id) for p in batch.payments]
    [(datetime.date(2026, 11, 17), '12000.00 RUB', '7707083893', None)]
    >>> StatementFolder(folder).fetch_payments(since=date(2026, 11, 18))[0].payments
    ()
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from clientops._text import format_date, format_money
from clientops.accounting import AccountingError, FetchedPayments, InvoiceRecord, PaymentRecord
from clientops.bank_statements import (
    BankStatement,
    PaymentDirection,
    StatementPayment,
    payment_from_statement,
    read_bank_statement,
)
from clientops.errors import FieldError, ValidationError

__all__ = ["StatementFileError", "StatementFolder"]

_BACKEND = "bank_statements"


class StatementFileError(AccountingError):
    """Statement files that cannot be read. ``files`` maps each bad file's path to its
    problems, each naming its line (``line 17: Сумма``) as
    :func:`~clientops.bank_statements.read_bank_statement` reported them."""

    def __init__(self, files: Mapping[Path, Sequence[FieldError]]) -> None:
        self.files: dict[Path, tuple[FieldError, ...]] = {p: tuple(e) for p, e in files.items()}
        told = "; ".join(
            f"{path}: " + "; ".join(str(e) for e in errors) for path, errors in self.files.items()
        )
        count = len(self.files)
        super().__init__(
            _BACKEND,
            "fetch_payments",
            f"{count} statement file{'s' if count > 1 else ''} cannot be read, nothing was "
            f"imported: {told}",
        )


def _who(party_name: str | None, inn: str | None) -> str:
    parts = [p for p in (party_name, f"ИНН {inn}" if inn else None) if p]
    return ", ".join(parts) or "не указан"


def _describe(payment: StatementPayment) -> str:
    return (
        f"строка {payment.line}: № {payment.number or '—'} от {format_date(payment.date)} "
        f"на {format_money(payment.amount)} руб."
    )


class StatementFolder:
    """The ``bank_statements`` backend: the 1C statement files in the folder ``path``.

    ``pattern`` selects the files (``*.txt`` by default; matched without regard to case, so
    ``KL_TO_1C.TXT`` counts); subfolders are not read. ``accounts``, when given, are the only
    accounts of ours whose incoming payments are taken (others are noted); by default any
    account the statement declares as its own. ``encoding`` overrides the detected encoding
    and ``extra_fields`` admits a bank's own document keys (both passed to
    :func:`~clientops.bank_statements.read_bank_statement`).
    """

    name: str = "bank_statements"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        pattern: str = "*.txt",
        accounts: Iterable[str] = (),
        encoding: str | None = None,
        extra_fields: Iterable[str] = (),
    ) -> None:
        errors: list[FieldError] = []
        if not isinstance(pattern, str) or not pattern:
            errors.append(FieldError("pattern", "required"))
        chosen = () if isinstance(accounts, str) else tuple(accounts)
        if isinstance(accounts, str) or any(
            not isinstance(a, str) or len(a) != 20 or not a.isdigit() for a in chosen
        ):
            errors.append(FieldError("accounts", "must be a list of 20-digit account numbers"))
        if encoding is not None and not isinstance(encoding, str):
            errors.append(FieldError("encoding", "must be a codec name or None"))
        if errors:
            raise ValidationError(errors, subject="statement folder")
        self.path = Path(path)
        self.pattern = pattern
        self.accounts = chosen
        self.encoding = encoding
        self.extra_fields = tuple(extra_fields)
        self._closed = False

    def __repr__(self) -> str:
        return f"StatementFolder({str(self.path)!r})"

    def __enter__(self) -> StatementFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the port

    def record_invoice(self, record: InvoiceRecord) -> None:
        """Nothing: a bank statement holds no invoices."""
        self._check_open("record_invoice")

    def record_payment(self, record: PaymentRecord) -> None:
        """Nothing: the statements are the bank's; clientops does not write them."""
        self._check_open("record_payment")

    def fetch_payments(self, since: date) -> Sequence[FetchedPayments]:
        """One batch per statement file, in the order of the file names: the incoming
        payments booked on or after ``since``, and notes on what was left out.

        ``source`` is the file's digest, so two copies of one file give the same source.
        When ``since`` left some of the file's incoming payments out, the source is
        ``<digest>@<since>`` instead: the batch is not the whole file, and a later call
        with an earlier ``since`` must not be skipped as "seen" (the payments' own ids,
        from their natural key, keep a payment from being counted twice).

        Raises :class:`StatementFileError` (nothing returned) when any file is broken, and
        :class:`~clientops.accounting.AccountingError` when the folder cannot be read.
        """
        self._check_open("fetch_payments")
        if isinstance(since, datetime) or not isinstance(since, date):
            raise AccountingError(
                _BACKEND, "fetch_payments", f"since must be a date, got {since!r}"
            )
        read: list[tuple[Path, BankStatement]] = []
        bad: dict[Path, Sequence[FieldError]] = {}
        for file in self._files():
            try:
                statement = read_bank_statement(
                    file, encoding=self.encoding, extra_fields=self.extra_fields
                )
            except ValidationError as exc:
                bad[file] = exc.errors
            except OSError as exc:
                bad[file] = (FieldError("", f"cannot be read: {exc.strerror or exc}"),)
            else:
                read.append((file, statement))
        if bad:
            raise StatementFileError(bad)
        return tuple(self._batch(file, statement, since) for file, statement in read)

    def close(self) -> None:
        """Nothing to release; later calls raise AccountingError. Idempotent."""
        self._closed = True

    # -- reading

    def _check_open(self, operation: str) -> None:
        if self._closed:
            raise AccountingError(
                _BACKEND, operation, f"the statement folder {self.path} is closed"
            )

    def _files(self) -> list[Path]:
        try:
            names = sorted(os.listdir(self.path))
        except OSError as exc:
            raise AccountingError(
                _BACKEND, "fetch_payments", f"{self.path}: {exc.strerror or exc}"
            ) from exc
        pattern = self.pattern.lower()
        return [
            self.path / name
            for name in names
            if fnmatch.fnmatchcase(name.lower(), pattern) and (self.path / name).is_file()
        ]

    def _batch(self, file: Path, statement: BankStatement, since: date) -> FetchedPayments:
        payments = []
        notes: list[str] = []
        early: list[int] = []
        for payment in statement.payments:
            where = _describe(payment)
            if payment.direction is PaymentDirection.OUTGOING:
                to = _who(payment.recipient.name, payment.recipient.inn)
                notes.append(f"{file.name}: {where}: списание ({to}) — не поступление, пропущено")
                continue
            if payment.direction is PaymentDirection.INTERNAL:
                notes.append(f"{file.name}: {where}: перевод между своими счетами — пропущен")
                continue
            if self.accounts and payment.recipient.account not in self.accounts:
                notes.append(
                    f"{file.name}: {where}: поступление на счёт {payment.recipient.account}, "
                    "не из выбранных — пропущено"
                )
                continue
            if payment.booked_on < since:
                early.append(payment.line)
                continue
            if payment.payer.inn is None:
                notes.append(
                    f"{file.name}: {where}: у плательщика "
                    f"({_who(payment.payer.name, None)}) нет ИНН — сопоставить вручную"
                )
            payments.append(payment_from_statement(payment, statement_digest=statement.digest))
        source = statement.digest
        if early:
            lines = ", ".join(str(n) for n in early)
            notes.append(
                f"{file.name}: поступлений до {format_date(since)} не взято: {len(early)} "
                f"(строки {lines})"
            )
            source = f"{statement.digest}@{since.isoformat()}"
        return FetchedPayments(source=source, payments=tuple(payments), notes=tuple(notes))
