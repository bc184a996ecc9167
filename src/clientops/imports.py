"""Bulk import of client cards from a CSV file: read, validate, build cards; store nothing.

:func:`read_clients_csv` takes the bytes of a spreadsheet saved as CSV (or the path of one),
finds the encoding (UTF-8 with or without a BOM, windows-1251, UTF-16 with a BOM) and the
delimiter (``;``, ``,`` or a tab), maps the header's columns (English or Russian names) to card
fields, and checks every row on its own. The answer is a :class:`ClientImport`: the cards built
from good rows, and every bad row with its physical line number and *all* its reasons. A bad
row never stops the file; only a file that cannot be read as a table at all (binary data, bytes
foreign to the encoding, no header, unknown or missing columns, an unclosed quote) raises
:class:`~clientops.errors.ValidationError`, naming the line.

Example::

    >>> from datetime import UTC, datetime
    >>> from clientops.imports import read_clients_csv
    >>> data = (
    ...     "Наименование;Город;Телефон;ИНН\\n"
    ...     'ООО "Ромашка";Омск;8 (3812) 12-34-56;7707083893\\n'
    ...     "ИП Сидоров;Тара;12-34;\\n"
    ... ).encode("cp1251")
    >>> result = read_clients_csv(data, now=datetime(2025, 6, 23, tzinfo=UTC))
    >>> result.encoding, result.delimiter
    ('cp1251', ';')
    >>> [(row.line, row.client.name, row.client.phones[0].e164) for row in result.accepted]
    [(2, 'ООО "Ромашка"', '+73812123456')]
    >>> print(result.report())
    Строк: 2, принято: 1, отклонено: 1.
    Строка 3: Телефон: «12-34» — не номер телефона

Reasons are :class:`~clientops.errors.FieldError` values whose ``path`` is the column's header as
written in the file; their wording comes from :class:`ImportMessages` (Russian by default,
:data:`ENGLISH_IMPORT_MESSAGES` for English).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from clientops._checks import inn_checksum_ok
from clientops._sources import positive_limit, read_source
from clientops._text import template_validator
from clientops.errors import FieldError, InvalidPhoneError, ValidationError
from clientops.model import (
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    Contact,
    EmployeeId,
    Phone,
    StaffDirectory,
    contract_key,
    new_id,
    organisation_key,
)
from clientops.policy import Policy

__all__ = [
    "COLUMNS",
    "ENGLISH_IMPORT_MESSAGES",
    "ClientImport",
    "ImportColumn",
    "ImportLimits",
    "ImportMessages",
    "ImportedClient",
    "RejectedRow",
    "read_clients_csv",
]


# --------------------------------------------------------------------------- messages

_template = template_validator(
    "value", "choices", "line", "found", "expected", "rows", "accepted", "rejected", "count"
)


@attrs.define(
    frozen=True, field_transformer=lambda _, fields: [f.evolve(validator=_template) for f in fields]
)
class ImportMessages:
    """The wording of an import's reasons and report, as ``str.format`` templates (Russian by
    default; :data:`ENGLISH_IMPORT_MESSAGES` is the English one).

    Placeholders: ``{value}`` (the cell or header as written), ``{choices}``, ``{line}``,
    ``{found}``, ``{expected}``, and in the report ``{rows}``, ``{accepted}``, ``{rejected}``,
    ``{count}``.
    """

    required: str = "обязательное поле не заполнено"
    bad_phone: str = "«{value}» — не номер телефона"
    bad_email: str = "«{value}» — не адрес электронной почты"
    bad_inn: str = "«{value}» — не ИНН: нужно 10 или 12 цифр"
    bad_inn_checksum: str = "«{value}» — не сходится контрольное число"
    bad_choice: str = "«{value}» — неизвестное значение; можно: {choices}"
    bad_date: str = "«{value}» — не дата (нужно ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)"
    bad_contract: str = "«{value}» — не номер договора"
    contact_phone_without_contact: str = "телефон контакта указан, а контактное лицо — нет"
    unknown_manager: str = "сотрудник «{value}» не найден"
    ambiguous_manager: str = "«{value}» — несколько сотрудников: {choices}"
    duplicate_contract: str = "договор «{value}» уже есть в строке {line}"
    duplicate_client: str = "«{value}» с этим телефоном уже есть в строке {line}"
    extra_cells: str = "ячеек в строке {found}, а столбцов в заголовке {expected}"
    unnamed_column: str = "значение «{value}» в столбце без заголовка"
    bad_quotes: str = (
        "неверные кавычки: ячейка в кавычках должна кончаться кавычкой, "
        "а кавычки внутри неё — быть удвоены"
    )
    unclosed_quote: str = "кавычка, открытая в этой строке, не закрыта до конца файла"
    bad_record: str = "строка CSV не читается ({value})"
    cell_too_long: str = "ячейка длиннее {expected} символов (ImportLimits.max_cell_chars)"
    quoted_cell_too_long: str = (
        "ячейка длиннее {expected} символов (ImportLimits.max_cell_chars), "
        "или кавычка, открытая в этой строке, не закрыта"
    )
    line_too_long: str = "строка длиннее {expected} символов (ImportLimits.max_line_chars)"
    too_many_rows: str = "строк с данными больше {expected} (ImportLimits.max_rows)"
    unknown_column: str = "неизвестный столбец; известные: {choices}"
    repeated_column: str = "столбец «{value}» повторяется (уже был в столбце {found})"
    missing_column: str = "нет обязательного столбца «{value}»"
    no_header: str = "в файле нет строки заголовка"
    not_text: str = "это не текстовый файл CSV (символ {value}); сохраните таблицу в формате CSV"
    undecodable: str = "байты не читаются в кодировке {value}"
    summary: str = "Строк: {rows}, принято: {accepted}, отклонено: {rejected}."
    rejected_line: str = "Строка {line}: {value}"
    more_rejected: str = "… и ещё отклонённых строк: {count}"


#: The import's reasons and report in English: pass ``messages=ENGLISH_IMPORT_MESSAGES``.
ENGLISH_IMPORT_MESSAGES = ImportMessages(
    required="required",
    bad_phone="{value!r} is not a phone number",
    bad_email="{value!r} is not an e-mail address",
    bad_inn="{value!r} is not an INN: 10 or 12 digits are needed",
    bad_inn_checksum="{value!r} fails the check digits of an INN",
    bad_choice="{value!r} is not a known value; one of: {choices}",
    bad_date="{value!r} is not a date (DD.MM.YYYY or YYYY-MM-DD)",
    bad_contract="{value!r} is not a contract number",
    contact_phone_without_contact="a contact phone is given without a contact person",
    unknown_manager="no employee {value!r}",
    ambiguous_manager="{value!r} names several employees: {choices}",
    duplicate_contract="contract {value!r} is already on line {line}",
    duplicate_client="{value!r} with this phone is already on line {line}",
    extra_cells="{found} cells on the line, {expected} columns in the header",
    unnamed_column="value {value!r} in a column without a header",
    bad_quotes=(
        "bad quotes: a quoted cell must end with a quote, and quotes inside it must be doubled"
    ),
    unclosed_quote="a quote opened on this line is not closed before the end of the file",
    bad_record="unreadable CSV record ({value})",
    cell_too_long="a cell longer than {expected} characters (ImportLimits.max_cell_chars)",
    quoted_cell_too_long=(
        "a cell longer than {expected} characters (ImportLimits.max_cell_chars), "
        "or a quote opened on this line is not closed"
    ),
    line_too_long="a line longer than {expected} characters (ImportLimits.max_line_chars)",
    too_many_rows="more than {expected} data rows (ImportLimits.max_rows)",
    unknown_column="unknown column; known: {choices}",
    repeated_column="column {value!r} is repeated (already column {found})",
    missing_column="required column {value!r} is missing",
    no_header="the file has no header line",
    not_text="not a CSV text file (character {value}); save the spreadsheet as CSV",
    undecodable="bytes that are not {value}",
    summary="Rows: {rows}, accepted: {accepted}, rejected: {rejected}.",
    rejected_line="Line {line}: {value}",
    more_rejected="… and {count} more rejected rows",
)


# --------------------------------------------------------------------------- columns


@attrs.frozen
class ImportColumn:
    """A card field that a CSV column can fill, and the header names that mean it (English
    first, then Russian). Header names match regardless of case, ``ё``, spaces and punctuation
    (``E-mail`` = ``email``, ``Эл. почта`` = ``эл почта``). A ``multiple`` field takes several
    values in one cell (separated by ``,``, ``;`` or a line break) and may have several columns
    (``Телефон``, ``Телефон 2``…)."""

    field: str
    names: tuple[str, ...]
    required: bool = False
    multiple: bool = False


#: Every column the import understands, in the order of the card.
COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(
        "name",
        (
            *("name", "client", "client name", "organisation", "organization", "company"),
            *("наименование", "название", "клиент", "контрагент", "организация", "компания"),
            *("наименование клиента", "наименование контрагента", "наименование организации"),
            *("название организации", "название компании", "полное наименование", "фио"),
        ),
        required=True,
    ),
    ImportColumn("city", ("city", "group", "город", "группа", "населенный пункт"), required=True),
    ImportColumn(
        "phones",
        (
            *("phone", "phones", "telephone", "tel"),
            *("телефон", "телефоны", "тел", "номер телефона", "телефон клиента"),
            *("мобильный телефон", "рабочий телефон"),
        ),
        required=True,
        multiple=True,
    ),
    ImportColumn(
        "emails",
        (
            *("email", "emails", "e mail", "e mails", "mail"),
            *("эл почта", "электронная почта", "адрес электронной почты", "почта", "емейл"),
        ),
        multiple=True,
    ),
    ImportColumn(
        "kind",
        (
            *("kind", "type", "client kind"),
            *("тип", "вид", "тип клиента", "вид клиента", "тип контрагента", "вид контрагента"),
        ),
    ),
    ImportColumn("category", ("category", "категория", "категория клиента")),
    ImportColumn(
        "contact_person",
        (
            *("contact person", "contact"),
            *("контактное лицо", "контакт", "фио контакта", "фио контактного лица"),
        ),
    ),
    ImportColumn(
        "contact_phones",
        (
            *("contact phone", "contact phones"),
            *("телефон контактного лица", "телефоны контактного лица", "телефон контакта"),
            "контактный телефон",
        ),
        multiple=True,
    ),
    ImportColumn(
        "manager_id",
        (
            *("manager id", "manager"),
            *("менеджер", "ответственный", "ответственный менеджер", "клиентский менеджер"),
        ),
    ),
    ImportColumn(
        "contract_numbers",
        (
            *("contract", "contracts", "contract number", "contract numbers"),
            *("договор", "договоры", "номер договора", "номера договоров", "договора"),
        ),
        multiple=True,
    ),
    ImportColumn("inn", ("inn", "tax id", "инн")),
    ImportColumn(
        "birthday", ("birthday", "date of birth", "birth date", "день рождения", "дата рождения")
    ),
    ImportColumn(
        "company_day",
        ("company day", "день компании", "день рождения компании", "дата основания"),
    ),
)

_NON_WORD = re.compile(r"[\W_]+")
_TRAILING_NUMBER = re.compile(r"\s*\d+$")


def _norm(text: str) -> str:
    """Case, ``ё``, spaces and punctuation aside: ``'E-Mail '`` → ``'e mail'``."""
    return _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


_BY_NAME: dict[str, ImportColumn] = {}
for _column in COLUMNS:
    for _name in _column.names:
        _BY_NAME.setdefault(_norm(_name), _column)
del _column, _name


def _column_for(header: str) -> ImportColumn | None:
    key = _norm(header)
    column = _BY_NAME.get(key)
    if column is None:
        numbered = _BY_NAME.get(_TRAILING_NUMBER.sub("", key))
        if numbered is not None and numbered.multiple:
            column = numbered
    return column


_KINDS: tuple[tuple[ClientKind, tuple[str, ...]], ...] = (
    (
        ClientKind.ORGANISATION,
        (
            *("организация", "юридическое лицо", "юр лицо", "юрлицо", "юл", "компания"),
            *("organisation", "organization", "org", "company", "legal entity"),
        ),
    ),
    (
        ClientKind.PERSON,
        (
            *("физическое лицо", "физ лицо", "физлицо", "фл", "частное лицо", "человек"),
            *("person", "individual", "private person"),
        ),
    ),
)
_CATEGORIES: tuple[tuple[ClientCategory, tuple[str, ...]], ...] = (
    (ClientCategory.CLIENT, ("клиент", "покупатель", "client", "customer")),
    (ClientCategory.DEALER, ("дилер", "dealer")),
    (ClientCategory.PROSPECT, ("потенциальный клиент", "потенциальный", "лид", "prospect", "lead")),
    (ClientCategory.SUPPLIER, ("поставщик", "supplier", "vendor")),
)


def _lookup(table: tuple[tuple[Any, tuple[str, ...]], ...]) -> tuple[dict[str, Any], str]:
    found = {_norm(name): value for value, names in table for name in (*names, value.value)}
    choices = ", ".join(f"{names[0]} ({value.value})" for value, names in table)
    return found, choices


_KIND_BY_NAME, _KIND_CHOICES = _lookup(_KINDS)
_CATEGORY_BY_NAME, _CATEGORY_CHOICES = _lookup(_CATEGORIES)


# --------------------------------------------------------------------------- cell values

_SEPARATORS = re.compile(r"\s*[,;\r\n]+\s*")
_HAS_ALNUM = re.compile(r"[^\W_]")
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@(?:[^@\s<>()\[\],;:\".]+\.)+[^@\s<>()\[\],;:\".]{2,}")
_RU_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]+")
_BLANK_CONTACT = frozenset(("", "-", "—", "–"))


def _parse_date(text: str) -> date | None:
    match = _RU_DATE.fullmatch(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def _split(cell: str) -> list[str]:
    """The values of a cell that may hold several, separated by ``,``, ``;`` or line breaks."""
    cell = cell.strip()
    if not cell:
        return []
    if "," in cell or ";" in cell or "\n" in cell or "\r" in cell:
        return [value for value in _SEPARATORS.split(cell) if value]
    return [cell]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- results


@attrs.frozen
class ImportedClient:
    """A good row: the card built from it and the line of the file where the row starts."""

    line: int
    client: Client


@attrs.frozen
class RejectedRow:
    """A bad row: the line where it starts, every reason (``path`` is the column's header as
    written in the file, or empty for the row as a whole), and its cells as read (a record the
    CSV reader could not split is one cell holding its text)."""

    line: int
    reasons: tuple[FieldError, ...]
    raw: tuple[str, ...]


@attrs.frozen
class ClientImport:
    """The outcome of reading a CSV file of clients. Nothing is stored yet.

    ``digest`` is the SHA-256 of the file's bytes (hex): the same file gives the same digest,
    so it can key the import against being stored twice. ``header`` is the header as written,
    ``fields`` the card field each column fills (``None`` for a column without a header), and
    ``header_line`` the line it is on.
    """

    accepted: tuple[ImportedClient, ...]
    rejected: tuple[RejectedRow, ...]
    encoding: str
    delimiter: str
    digest: str
    header: tuple[str, ...]
    fields: tuple[str | None, ...]
    header_line: int = 1
    messages: ImportMessages = attrs.field(factory=ImportMessages, eq=False, repr=False)

    @property
    def clients(self) -> tuple[Client, ...]:
        """The cards of the accepted rows, in file order."""
        return tuple(row.client for row in self.accepted)

    @property
    def rows(self) -> int:
        """How many data rows the file has (blank lines not counted)."""
        return len(self.accepted) + len(self.rejected)

    @property
    def ok(self) -> bool:
        """Whether every row was accepted."""
        return not self.rejected

    def summary(self) -> str:
        """One line: rows read, accepted, rejected (``Строк: 3, принято: 2, отклонено: 1.``)."""
        return self.messages.summary.format(
            rows=self.rows, accepted=len(self.accepted), rejected=len(self.rejected)
        )

    def report(self, *, limit: int | None = None) -> str:
        """The summary, then one line per rejected row with all its reasons; with ``limit``,
        at most that many rows and a count of the rest."""
        shown = self.rejected if limit is None else self.rejected[: max(limit, 0)]
        lines = [self.summary()]
        lines.extend(
            self.messages.rejected_line.format(
                line=row.line, value="; ".join(str(reason) for reason in row.reasons)
            )
            for row in shown
        )
        if len(shown) < len(self.rejected):
            lines.append(self.messages.more_rejected.format(count=len(self.rejected) - len(shown)))
        return "\n".join(lines)


# --------------------------------------------------------------------------- decoding

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: What ``str.splitlines`` also ends a line at, unlike the CSV reader.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x85\u2028\u2029]")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n?$", re.IGNORECASE)
_DELIMITERS = (";", ",", "\t")


def _line_at(text: str, position: int) -> int:
    """The 1-based physical line of ``text[position]`` (``\\n``, ``\\r\\n`` and ``\\r`` end
    lines, as for the CSV reader)."""
    return (
        text.count("\n", 0, position)
        + text.count("\r", 0, position)
        - text.count("\r\n", 0, position)
        + 1
    )


def _file_error(line: int, message: str) -> ValidationError:
    return ValidationError([FieldError(f"line {line}", message)], subject="CSV file")


def _decode(data: bytes, encoding: str | None, messages: ImportMessages) -> tuple[str, str]:
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise ValidationError(
                [FieldError("encoding", f"unknown encoding {encoding!r}")], subject="CSV file"
            ) from None
        candidates = [name]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1251"]
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            if name != candidates[-1]:
                continue
            _check_text(data.decode(name, errors="replace"), messages)  # binary: say so
            prefix = data[: exc.start].decode(name, errors="replace")
            raise _file_error(
                _line_at(prefix, len(prefix)), messages.undecodable.format(value=name)
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _check_text(text: str, messages: ImportMessages) -> None:
    """Refuse binary data (an .xlsx, an image): control characters no spreadsheet writes."""
    bad = _CONTROL.search(text)
    if bad is not None:
        raise _file_error(
            _line_at(text, bad.start()), messages.not_text.format(value=f"U+{ord(bad[0]):04X}")
        )


def _lines(text: str, messages: ImportMessages) -> list[str]:
    """The physical lines, each with its line break (``\\n``, ``\\r\\n`` or ``\\r``)."""
    _check_text(text, messages)
    if _OTHER_BREAKS.search(text) is None:
        return text.splitlines(keepends=True)  # the same lines, without StringIO's UCS-4 copy
    return io.StringIO(text, newline="").readlines()


# --------------------------------------------------------------------------- header


def _reader(lines: Iterable[str], delimiter: str) -> Any:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)


def _is_blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()


def _first_record(
    lines: list[str], start: int, delimiter: str, messages: ImportMessages, cell_limit: int
) -> tuple[list[str], int, int] | None:
    """The first non-blank record at or after line index ``start``: its cells, the 1-based line
    it starts on and the number of lines read up to its end."""
    reader = _reader(itertools.islice(lines, start, None), delimiter)
    consumed = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            line = start + consumed + 1
            problem = _record_problem(exc, lines[line - 1], messages, cell_limit)
            raise _file_error(line, problem) from None
        first = start + consumed + 1
        consumed = reader.line_num
        if cells and not _is_blank(cells):
            _check_cells(cells, first, messages, cell_limit)
            return cells, first, start + consumed


def _fatal(exc: csv.Error) -> bool:
    """Whether the reader ran to the end of the file inside a quoted cell, or past the size
    limit of a cell (a long cell, or a quote never closed): the record's end is lost, so the
    file cannot be read on."""
    text = str(exc)
    return "unexpected end of data" in text or "field larger than field limit" in text


def _record_problem(exc: csv.Error, first: str, messages: ImportMessages, limit: int) -> str:
    """The message for a record the reader refused; ``first`` is the record's first line."""
    text = str(exc)
    if "field larger than field limit" in text:
        template = messages.quoted_cell_too_long if '"' in first else messages.cell_too_long
        return template.format(expected=limit)
    if "unexpected end of data" in text:
        return messages.unclosed_quote
    if "expected after" in text:
        return messages.bad_quotes
    return messages.bad_record.format(value=text)


def _check_cells(cells: list[str], line: int, messages: ImportMessages, limit: int) -> None:
    if max(map(len, cells), default=0) > limit:
        raise _file_error(line, messages.cell_too_long.format(expected=limit))


def _score(cells: list[str]) -> tuple[int, int]:
    return sum(_column_for(cell) is not None for cell in cells), len(cells)


def _header(
    lines: list[str], delimiter: str | None, messages: ImportMessages, cell_limit: int
) -> tuple[list[str], str, int, int]:
    """The header's cells, the delimiter, the header's line and how many lines it ends at."""
    start = 0
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
        sep = _SEP_LINE.match(lines[0])
        if sep is not None:  # Excel's «sep=;» hint line
            start = 1
            delimiter = delimiter or sep[1]
    best: tuple[tuple[int, int], list[str], str, int, int] | None = None
    failure: ValidationError | None = None
    for candidate in (delimiter,) if delimiter else _DELIMITERS:
        try:
            found = _first_record(lines, start, candidate, messages, cell_limit)
        except ValidationError as exc:
            failure = failure or exc
            continue
        if found is None:
            raise _file_error(start + 1, messages.no_header)
        cells, line, end = found
        score = _score(cells)
        if best is None or score > best[0]:
            best = (score, cells, candidate, line, end)
    if best is None:
        assert failure is not None
        raise failure
    _, cells, chosen, line, end = best
    return cells, chosen, line, end


def _map_header(
    cells: list[str], line: int, messages: ImportMessages
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    header = tuple(_one_line(cell) for cell in cells)
    fields: list[str | None] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    known = ", ".join(_display(column) for column in COLUMNS)
    for number, name in enumerate(header, start=1):
        path = f"line {line}, column {number} ({name})"
        if not name:
            fields.append(None)
            continue
        column = _column_for(name)
        if column is None:
            errors.append(FieldError(path, messages.unknown_column.format(choices=known)))
            fields.append(None)
            continue
        if column.field in seen and not column.multiple:
            errors.append(
                FieldError(
                    path, messages.repeated_column.format(value=name, found=seen[column.field])
                )
            )
        seen.setdefault(column.field, number)
        fields.append(column.field)
    for column in COLUMNS:
        if column.required and column.field not in seen:
            errors.append(
                FieldError(
                    f"line {line}: {column.field}",
                    messages.missing_column.format(value=_display(column)),
                )
            )
    if errors:
        raise ValidationError(errors, subject="CSV header")
    return header, tuple(fields)


def _display(column: ImportColumn) -> str:
    russian = next(name for name in column.names if not name.isascii())
    return f"{russian.capitalize()} / {column.names[0]}"


# --------------------------------------------------------------------------- rows


class _Rows:
    """Checks rows against one header; remembers contract numbers and (name, phone) pairs
    seen, so that a later row repeating them is refused naming the earlier line."""

    def __init__(
        self,
        header: tuple[str, ...],
        fields: tuple[str | None, ...],
        *,
        policy: Policy,
        now: datetime,
        staff: StaffDirectory | None,
        make_id: Callable[[], str],
        messages: ImportMessages,
    ) -> None:
        self.width = len(header)
        self.header = header
        self.messages = messages
        self.region = policy.phone_region
        # a card's phones must be valid numbers whatever strict_phones says (Client refuses
        # the rest): a number of merely possible length is reported on its row
        self.strict = True
        self.now = now
        self.staff = staff
        self.make_id = make_id

        def first(field: str) -> int:
            return fields.index(field) if field in fields else -1

        def every(field: str) -> tuple[int, ...]:
            return tuple(i for i, f in enumerate(fields) if f == field)

        self.name = first("name")
        self.city = first("city")
        self.phones = every("phones")
        self.emails = every("emails")
        self.kind = first("kind")
        self.category = first("category")
        self.contact = first("contact_person")
        self.contact_phones = every("contact_phones")
        self.manager = first("manager_id")
        self.contracts = every("contract_numbers")
        self.inn = first("inn")
        self.birthday = first("birthday")
        self.company_day = first("company_day")
        self.unnamed = tuple(i for i, f in enumerate(fields) if f is None)
        self.contract_lines: dict[str, int] = {}
        self.client_lines: dict[tuple[str, str], int] = {}
        self.managers: dict[str, EmployeeId | FieldError] = {}

    def _phones(
        self, cells: list[str], columns: tuple[int, ...], errors: list[FieldError]
    ) -> tuple[Phone, ...]:
        found: list[Phone] = []
        n = len(cells)
        for i in columns:
            if i >= n:
                continue
            for text in _split(cells[i]):
                try:
                    phone = Phone.parse(text, self.region, strict=self.strict)
                except InvalidPhoneError:
                    errors.append(
                        FieldError(self.header[i], self.messages.bad_phone.format(value=text))
                    )
                    continue
                if phone not in found:
                    found.append(phone)
        return tuple(found)

    def _values(self, cells: list[str], columns: tuple[int, ...]) -> list[tuple[int, str]]:
        n = len(cells)
        return [(i, value) for i in columns if i < n for value in _split(cells[i])]

    def _manager(self, text: str) -> EmployeeId | FieldError:
        known = self.managers.get(text)
        if known is not None:
            return known
        result: EmployeeId | FieldError
        path = self.header[self.manager]
        if self.staff is None or self.staff.employee(EmployeeId(text)) is not None:
            result = EmployeeId(text)
        else:
            matches = self.staff.find_employee(text)
            if len(matches) == 1:
                result = matches[0].id
            elif not matches:
                result = FieldError(path, self.messages.unknown_manager.format(value=text))
            else:
                names = ", ".join(e.full_name for e in matches)
                result = FieldError(
                    path, self.messages.ambiguous_manager.format(value=text, choices=names)
                )
        self.managers[text] = result
        return result

    def row(self, line: int, cells: list[str]) -> Client | list[FieldError]:
        """The card of one row, or every reason why there is none."""
        msg = self.messages
        header = self.header
        errors: list[FieldError] = []
        n = len(cells)

        def cell(i: int) -> str:
            return cells[i].strip() if 0 <= i < n else ""

        if n > self.width and not _is_blank(cells[self.width :]):
            errors.append(FieldError("", msg.extra_cells.format(found=n, expected=self.width)))
        for i in self.unnamed:
            value = cell(i)
            if value:
                errors.append(FieldError("", msg.unnamed_column.format(value=value)))

        name = _one_line(cell(self.name))
        if not name:
            errors.append(FieldError(header[self.name], msg.required))
        city = _one_line(cell(self.city))
        if not city:
            errors.append(FieldError(header[self.city], msg.required))
        count = len(errors)
        phones = self._phones(cells, self.phones, errors)
        if not phones and len(errors) == count:
            errors.append(FieldError(header[self.phones[0]], msg.required))

        emails: list[str] = []
        for i, email in self._values(cells, self.emails):
            if not _EMAIL.fullmatch(email):
                errors.append(FieldError(header[i], msg.bad_email.format(value=email)))
            elif email not in emails:
                emails.append(email)

        kind = ClientKind.ORGANISATION
        text = cell(self.kind)
        if text:
            found_kind = _KIND_BY_NAME.get(_norm(text))
            if found_kind is None:
                errors.append(
                    FieldError(
                        header[self.kind], msg.bad_choice.format(value=text, choices=_KIND_CHOICES)
                    )
                )
            else:
                kind = found_kind
        category = ClientCategory.CLIENT
        text = cell(self.category)
        if text:
            found = _CATEGORY_BY_NAME.get(_norm(text))
            if found is None:
                errors.append(
                    FieldError(
                        header[self.category],
                        msg.bad_choice.format(value=text, choices=_CATEGORY_CHOICES),
                    )
                )
            else:
                category = found

        contacts: tuple[Contact, ...] = ()
        contact = _one_line(cell(self.contact))
        contact_phones = self._phones(cells, self.contact_phones, errors)
        if contact not in _BLANK_CONTACT:
            contacts = (Contact(contact, phones=contact_phones),)
        elif contact_phones:
            errors.append(
                FieldError(header[self.contact_phones[0]], msg.contact_phone_without_contact)
            )

        manager_id: EmployeeId | None = None
        text = _one_line(cell(self.manager))
        if text:
            resolved = self._manager(text)
            if isinstance(resolved, FieldError):
                errors.append(resolved)
            else:
                manager_id = resolved

        contracts: list[str] = []
        keys: list[str] = []
        for i, number in self._values(cells, self.contracts):
            key = contract_key(number)
            if not _HAS_ALNUM.search(key):
                errors.append(FieldError(header[i], msg.bad_contract.format(value=number)))
                continue
            if key in keys:
                continue
            earlier = self.contract_lines.setdefault(key, line)
            if earlier != line:
                errors.append(
                    FieldError(header[i], msg.duplicate_contract.format(value=number, line=earlier))
                )
            contracts.append(number)
            keys.append(key)

        inn: str | None = None
        text = cell(self.inn)
        if text:
            digits = text.replace(" ", "")
            if not _DIGITS.fullmatch(digits) or len(digits) not in (10, 12):
                errors.append(FieldError(header[self.inn], msg.bad_inn.format(value=text)))
            elif not inn_checksum_ok(digits):
                errors.append(FieldError(header[self.inn], msg.bad_inn_checksum.format(value=text)))
            else:
                inn = digits

        birthday = self._date(cell(self.birthday), self.birthday, errors)
        company_day = self._date(cell(self.company_day), self.company_day, errors)

        if name and phones:
            key_name = organisation_key(name)
            for phone in phones:
                earlier = self.client_lines.setdefault((key_name, phone.e164), line)
                if earlier != line:
                    errors.append(
                        FieldError(
                            header[self.name], msg.duplicate_client.format(value=name, line=earlier)
                        )
                    )
                    break

        if errors:
            return errors
        try:
            return Client(
                id=ClientId(self.make_id()),
                name=name,
                city=city,
                phones=phones,
                kind=kind,
                category=category,
                contacts=contacts,
                emails=tuple(emails),
                manager_id=manager_id,
                contract_numbers=tuple(contracts),
                inn=inn,
                birthday=birthday,
                company_day=company_day,
                created_at=self.now,
            )
        except ValidationError as exc:  # the model refused what the checks let through
            return [self._in_column(e) for e in exc.errors]

    def _in_column(self, error: FieldError) -> FieldError:
        """A model field's error under its column's header as written in the file."""
        field = error.path.partition("[")[0]
        column = {
            "name": self.name,
            "city": self.city,
            "inn": self.inn,
            "manager_id": self.manager,
            "phones": self.phones[0] if self.phones else -1,
            "emails": self.emails[0] if self.emails else -1,
            "contract_numbers": self.contracts[0] if self.contracts else -1,
        }.get(field, -1)
        return attrs.evolve(error, path=self.header[column]) if column >= 0 else error

    def _date(self, text: str, i: int, errors: list[FieldError]) -> date | None:
        if not text:
            return None
        day = _parse_date(text)
        if day is None:
            errors.append(FieldError(self.header[i], self.messages.bad_date.format(value=text)))
        return day


# --------------------------------------------------------------------------- entry point


@attrs.frozen
class ImportLimits:
    """How large a CSV file :func:`read_clients_csv` takes; a file over a limit is refused with
    a :class:`~clientops.errors.ValidationError` (``subject`` ``"CSV file"``) naming the line
    and the limit.

    ``max_bytes`` is the file's size (checked before reading a file, and while reading a pipe);
    ``max_rows`` the number of data rows (blank ones aside); ``max_line_chars`` a physical
    line's length, without its line break; ``max_cell_chars`` a cell's length (at most
    :func:`csv.field_size_limit`, 131,072 unless your program changed it).
    """

    max_bytes: int = attrs.field(default=256 * 1024 * 1024, validator=positive_limit)
    max_rows: int = attrs.field(default=1_000_000, validator=positive_limit)
    max_line_chars: int = attrs.field(default=1024 * 1024, validator=positive_limit)
    max_cell_chars: int = attrs.field(default=128 * 1024, validator=positive_limit)


def read_clients_csv(
    source: bytes | str | os.PathLike[str],
    *,
    now: datetime,
    policy: Policy | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    staff: StaffDirectory | None = None,
    messages: ImportMessages | None = None,
    make_id: Callable[[], str] = new_id,
    limits: ImportLimits | None = None,
) -> ClientImport:
    """Read a CSV file of clients and check every row; store nothing.

    ``source`` is the file's bytes, or its path (a ``str`` or an ``os.PathLike``; a ``str`` is
    always a path); anything else (an ``int``, a file object) is refused with a
    :class:`~clientops.errors.ValidationError` naming ``source`` before anything is opened.
    ``limits`` bounds the file's size, its rows, lines and cells (:class:`ImportLimits`).
    ``now`` (aware) becomes every card's ``created_at``; ``policy`` gives the phone region and
    strictness.
    ``encoding`` and ``delimiter`` override detection (UTF-8 with or without a BOM, else
    windows-1251; ``;``, ``,`` or a tab, whichever makes the header's cells known columns).
    With ``staff``, the manager column may hold an employee's id or name (``Смирнова Анна``);
    without it, the cell is taken as an employee id.

    Raises :class:`~clientops.errors.ValidationError` (``subject`` ``"CSV file"`` or
    ``"CSV header"``) when the file cannot be read as a table of clients at all; every path
    names the line (and the column). Bad rows are not errors: they are in ``rejected``.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError([FieldError("now", "must be timezone-aware")], subject="import")
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise ValidationError(
            [FieldError("delimiter", f"{delimiter!r} cannot delimit CSV cells")], subject="import"
        )
    if limits is None:
        limits = ImportLimits()
    elif not isinstance(limits, ImportLimits):
        raise ValidationError(
            [FieldError("limits", f"must be ImportLimits, not {type(limits).__name__}")],
            subject="import",
        )
    data = read_source(source, subject="CSV file", max_bytes=limits.max_bytes)
    messages = messages or ImportMessages()
    cell_limit = min(limits.max_cell_chars, csv.field_size_limit())
    policy = policy or Policy()

    digest = hashlib.sha256(data).hexdigest()
    text, used_encoding = _decode(data, encoding, messages)
    lines = _lines(text, messages)
    del text
    if max(map(len, lines), default=0) > limits.max_line_chars:  # then without line breaks
        for number, physical in enumerate(lines, 1):
            if len(physical.rstrip("\r\n")) > limits.max_line_chars:
                raise _file_error(
                    number, messages.line_too_long.format(expected=limits.max_line_chars)
                )
    cells, chosen, header_line, end = _header(lines, delimiter, messages, cell_limit)
    header, fields = _map_header(cells, header_line, messages)
    rows = _Rows(
        header, fields, policy=policy, now=now, staff=staff, make_id=make_id, messages=messages
    )

    accepted: list[ImportedClient] = []
    rejected: list[RejectedRow] = []
    reader = _reader(itertools.islice(lines, end, None), chosen)
    done = 0  # lines of the data part read so far
    count = 0
    while True:
        try:
            for record in reader:
                line = end + done + 1
                done = reader.line_num
                if not record or _is_blank(record):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise _file_error(line, messages.too_many_rows.format(expected=limits.max_rows))
                _check_cells(record, line, messages, cell_limit)
                result = rows.row(line, record)
                if isinstance(result, Client):
                    accepted.append(ImportedClient(line, result))
                else:
                    rejected.append(RejectedRow(line, tuple(result), tuple(record)))
            break
        except csv.Error as exc:
            line = end + done + 1
            done = reader.line_num
            problem = _record_problem(exc, lines[line - 1], messages, cell_limit)
            if _fatal(exc):
                raise _file_error(line, problem) from None
            raw = "".join(lines[line - 1 : end + done]).rstrip("\r\n")
            rejected.append(RejectedRow(line, (FieldError("", problem),), (raw,)))
    return ClientImport(
        accepted=tuple(accepted),
        rejected=tuple(rejected),
        encoding=used_encoding,
        delimiter=chosen,
        digest=digest,
        header=header,
        fields=fields,
        header_line=header_line,
        messages=messages,
    )
