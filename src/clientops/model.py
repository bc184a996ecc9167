"""The data model: immutable records of the client department.

Every entity is a frozen attrs class; collections are tuples; a change is ``attrs.evolve``. Ids are
typed strings (``ClientId``, ``AppealId``…) that sort by creation time. Times are timezone-aware.

Example::

    >>> from clientops import Client, ClientId, Phone
    >>> card = Client(
    ...     id=ClientId("c1"),
    ...     name='ООО "Ромашка"',
    ...     city="Омск",
    ...     phones=(Phone.parse("8 (3812) 12-34-56"),),
    ... )
    >>> card.phones[0].e164, card.contact_person
    ('+73812123456', '—')
    >>> organisation_key('ООО "Ромашка"') == organisation_key("ромашка ооо")
    True
"""

from __future__ import annotations

import enum
import functools
import os
import re
import time
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, NewType

import attrs
import phonenumbers

from clientops._checks import (
    EMAIL,
    ID_LENGTH,
    NOTE_LENGTH,
    TOPIC_LENGTH,
    aware,
    fail,
    instance,
    is_a,
    not_blank,
    text,
    text_problem,
    texts,
    to_decimal,
    tuple_of,
)
from clientops._names import Gender, PersonName
from clientops.errors import FieldError, InvalidPhoneError, NotFoundError, ValidationError

__all__ = [
    "Absence",
    "Appeal",
    "AppealId",
    "AppealType",
    "Client",
    "ClientCategory",
    "ClientId",
    "ClientKind",
    "ClientQuery",
    "Contact",
    "Department",
    "DepartmentId",
    "DueReaction",
    "Employee",
    "EmployeeId",
    "ExternalId",
    "Money",
    "NextReaction",
    "Phone",
    "Reaction",
    "ReactionId",
    "ReactionKind",
    "ReactionResult",
    "Role",
    "StaffDirectory",
    "city_key",
    "contract_key",
    "new_id",
    "organisation_key",
]

ClientId = NewType("ClientId", str)
AppealId = NewType("AppealId", str)
ReactionId = NewType("ReactionId", str)
EmployeeId = NewType("EmployeeId", str)
DepartmentId = NewType("DepartmentId", str)

_last_ms = 0
_counter = 0
#: the random parts of the next ids (ten hex digits, 40 bits each), drawn from the system's
#: random source 128 at a time (an incoming call makes three ids; one ``os.urandom`` each cost
#: more than the rest of the id). ``list.pop`` hands each to one thread; a forked child starts
#: a new pool, never repeating its parent's parts.
_random_parts: list[str] = []
os.register_at_fork(after_in_child=_random_parts.clear)


def _random_part() -> str:
    try:
        return _random_parts.pop()
    except IndexError:
        drawn = os.urandom(5 * 128).hex()
        _random_parts.extend([drawn[i : i + 10] for i in range(0, len(drawn), 10)])
        return _random_parts.pop()


def new_id() -> str:
    """A new 26-character id that sorts by creation time (milliseconds, then a counter, then
    random bits), so that rows inserted together sit together in an index."""
    global _last_ms, _counter
    ms = time.time_ns() // 1_000_000
    if ms == _last_ms:
        _counter += 1
    else:
        _last_ms, _counter = ms, 0
    return f"{ms:012x}{_counter % 0x10000:04x}{_random_part()}"


# --------------------------------------------------------------------------- validators
# Every validator raises ValidationError naming the field (clientops._checks); the text limits
# (lengths, allowed characters) are the ones every store can keep.

_id = text(limit=ID_LENGTH)
_optional_id = text(limit=ID_LENGTH, optional=True)
_optional_blankless = _optional_id
_optional_text = text(optional=True)
_topic = text(limit=TOPIC_LENGTH)
_optional_topic = text(limit=TOPIC_LENGTH, optional=True)
_note = text(limit=NOTE_LENGTH, multiline=True, required=False, optional=True)


def _moment(inst: Any, attribute: attrs.Attribute[Any], value: datetime) -> None:
    if value is None:
        fail(attribute.name, "required", subject=type(inst).__name__)
    aware(inst, attribute, value)


def _version(inst: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if not is_a(value, int) or value < 0:
        fail(
            attribute.name,
            f"must be a non-negative int, got {value!r}",
            subject=type(inst).__name__,
        )


_optional_day = instance(date, optional=True)
_flag = instance(bool)


def _email_problem(email: object) -> str | None:
    problem = text_problem(email)
    if problem:
        return problem
    assert isinstance(email, str)
    return None if EMAIL.match(email) else f"{email!r} is not an e-mail address"


def _emails(inst: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not isinstance(value, tuple):
        fail(
            attribute.name,
            f"must be a tuple, got {type(value).__name__}",
            subject=type(inst).__name__,
        )
    errors = [
        FieldError(f"{attribute.name}[{i}]", problem)
        for i, email in enumerate(value)
        if (problem := _email_problem(email))
    ]
    if errors:
        raise ValidationError(errors, subject=type(inst).__name__)


def _optional_email(inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (problem := _email_problem(value)):
        fail(attribute.name, problem, subject=type(inst).__name__)


# --------------------------------------------------------------------------- values


_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


#: the blanks, dashes, dots and brackets a number of country code 7 is usually written with
_WRITTEN_SEPARATORS = str.maketrans("", "", " \u00a0-().")
_WRITTEN_RU = re.compile(r"(\+7|8)?([0-9]{10})", re.ASCII)


def _written_ru(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number ``phonenumbers.parse(text, region)`` makes of the usual writings of a
    number of country code 7, built directly (parsing costs more than all the rules of an
    incoming call): ``+7`` and ten digits; with region RU also ``8`` and ten digits, or ten
    digits alone. None for anything else, which the parser reads.

    Left to the parser as well: a first national digit 0 or 1 (a leading zero; ``8 10`` is
    Russia's international prefix), and ten digits alone that start with 7 or 8 (the country
    code, the national prefix). What remains is read with no prefix stripped from the ten
    digits, as the parser reads it with the metadata of country code 7 (tests/test_model.py
    compares the two on every first digit and many writings, in four regions).
    """
    if len(text) > 40:
        return None
    found = _WRITTEN_RU.fullmatch(text.translate(_WRITTEN_SEPARATORS))
    if found is None:
        return None
    prefix, digits = found.groups()
    if digits[0] in "01":
        return None
    if prefix != "+7" and (region != "RU" or (prefix is None and digits[0] in "78")):
        return None
    return phonenumbers.PhoneNumber(country_code=7, national_number=int(digits))


@functools.lru_cache(maxsize=4096)
def _parse_e164(text: str, region: str, strict: bool) -> str:
    number = _written_ru(text, region)
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            message = str(exc.args[0]) if exc.args else "unparseable"
            raise InvalidPhoneError(text, message) from None
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    else:  # what format_number writes of it: "+7" and the ten digits (none of them a 0 first)
        e164 = f"+7{number.national_number}"
    if not strict:
        ok = phonenumbers.is_possible_number(number)
    elif number.country_code == 7 and not number.italian_leading_zero and len(e164) == 12:
        # the very number _valid_e164 builds from this E.164 form (country code 7, the same
        # national number, no leading zero): asked there, so that the card made with this
        # phone (Client checks its phones) finds the answer in that cache
        ok = _valid_e164(e164)
    else:
        ok = phonenumbers.is_valid_number(number)
    if not ok:
        raise InvalidPhoneError(text, "not a valid number" if strict else "impossible length")
    return e164


@functools.lru_cache(maxsize=4096)
def _valid_e164(e164: str) -> bool:
    if len(e164) == 12 and e164.startswith("+7"):
        # a Russian or Kazakh number (country code 7, ten national digits, never a leading
        # zero): the number phonenumbers.parse would build, built directly (half the cost of
        # checking a card's phone, which a bulk upsert of cards does for every card)
        return phonenumbers.is_valid_number(
            phonenumbers.PhoneNumber(country_code=7, national_number=int(e164[2:]))
        )
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False


@functools.lru_cache(maxsize=4096)
def _phone(e164: str) -> Phone:
    """The Phone of an E.164 text :func:`_parse_e164` wrote: a number parsed again (a new
    caller is parsed for the look-ups and again for the card) is not checked again."""
    return Phone(e164)


def _valid_phones(inst: Any, attribute: attrs.Attribute[Any], value: tuple[Phone, ...]) -> None:
    """A card's phones: Phone values, each a valid number (InvalidPhoneError naming it)."""
    tuple_of(Phone)(inst, attribute, value)
    for i, phone in enumerate(value):
        if not phone.valid:
            raise InvalidPhoneError(phone.e164, "not a valid number", path=f"{attribute.name}[{i}]")


@attrs.frozen(order=True)
class Phone:
    """A phone number in E.164 form (``+79123456789``). Build one with :meth:`parse`."""

    e164: str = attrs.field()

    @e164.validator
    def _check(self, _: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str):
            fail("e164", f"must be a string, got {type(value).__name__}", subject="Phone")
        if not _E164.match(value):
            raise InvalidPhoneError(value, "not in E.164 form", path="e164")

    @property
    def valid(self) -> bool:
        """Whether phonenumbers knows this as a valid number (not merely of a possible
        length): what a client's card asks of its phones."""
        return _valid_e164(self.e164)

    @classmethod
    def parse(cls, text: str, region: str = "RU", *, strict: bool = True) -> Phone:
        """Parse a phone written any usual way (``8 (912) 345-67-89``, ``+7 912 3456789``…).

        ``region`` applies to numbers written without a country code. ``strict`` asks that the
        number be valid for its region, not merely of a possible length. Raises
        :class:`~clientops.errors.InvalidPhoneError` naming the value.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidPhoneError(str(text), "empty")
        e164 = _parse_e164(text, region, strict)
        return _phone(e164) if cls is Phone else cls(e164)

    def international(self) -> str:
        """The number for people to read: ``+7 912 345-67-89``."""
        number = phonenumbers.parse(self.e164, None)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    def __str__(self) -> str:
        return self.e164


#: The largest amount of money (exclusive): enough for any invoice, small enough that
#: rounding to kopecks stays within Decimal's default 28 digits.
MAX_AMOUNT = Decimal(10) ** 15


def _amount(value: Any) -> Decimal:
    """Money's amount: a finite Decimal within :data:`MAX_AMOUNT`, else ValidationError."""
    if type(value) is Decimal and value.is_finite() and -MAX_AMOUNT < value < MAX_AMOUNT:
        return value  # the common case, first
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        fail("amount", str(exc))
    if not -MAX_AMOUNT < amount < MAX_AMOUNT:
        fail("amount", f"{amount} is out of range (at most {MAX_AMOUNT - 1} in absolute value)")
    return amount


_CURRENCY = re.compile(r"^[A-Z]{3}$")


@attrs.frozen
class Money:
    """An amount of money: a ``Decimal`` and an ISO 4217 currency (roubles by default).

    Floats are refused. Arithmetic works within one currency only.

    >>> Money("100.50") + Money(20)
    Money(amount=Decimal('120.50'), currency='RUB')
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(default="RUB")

    @currency.validator
    def _check_currency(self, _: attrs.Attribute[str], value: str) -> None:
        if value != "RUB" and (not isinstance(value, str) or not _CURRENCY.match(value)):
            fail("currency", f"{value!r} is not an ISO 4217 currency code", subject="Money")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * to_decimal(factor), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def rounded(self) -> Money:
        """Rounded half-up to kopecks (two places)."""
        return Money(self.amount.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# --------------------------------------------------------------------------- text keys

#: Latin letters that look like Cyrillic ones (upper or lower case), as one script: a number
#: or a name copied from print, or typed on the other keyboard layout, is the same.
VISUAL_LOOKALIKES: Mapping[str, str] = {
    **dict(zip("ABCEHKMOPTXY", "авсенкмортху", strict=True)),
    **dict(zip("abcehkmoptxy", "авсенкмортху", strict=True)),
}
#: Latin letters with no Cyrillic twin, as a number is heard when dictated («дэ» is written
#: ``D``): D Д, F Ф, G Г, I И, L Л, N Н, R Р, S С, U У, V В, Z З. J, Q and W, which have no
#: one Cyrillic letter, are kept.
SOUND_ALIKES: Mapping[str, str] = {
    **dict(zip("DFGILNRSUVZ", "дфгилнрсувз", strict=True)),
    **dict(zip("dfgilnrsuvz", "дфгилнрсувз", strict=True)),
}
_ONE_SCRIPT = str.maketrans({"ё": "е", "Ё": "е", **VISUAL_LOOKALIKES})
_NUMBER_SCRIPT = str.maketrans({"ё": "е", "Ё": "е", **VISUAL_LOOKALIKES, **SOUND_ALIKES})


def _one_script(text: str) -> str:
    return text.translate(_ONE_SCRIPT).casefold().translate(_ONE_SCRIPT)


_LEGAL_PHRASES = tuple(
    _one_script(phrase)
    for phrase in (
        "общество с ограниченной ответственностью",
        "публичное акционерное общество",
        "закрытое акционерное общество",
        "открытое акционерное общество",
        "непубличное акционерное общество",
        "акционерное общество",
        "индивидуальный предприниматель",
        "автономная некоммерческая организация",
        "limited liability company",
    )
)
_LEGAL_FORMS = frozenset(
    _one_script(form)
    for form in (
        *("ооо", "оао", "зао", "пао", "нао", "ао", "ип", "чп", "нко", "ано", "гуп", "муп"),
        *("фгуп", "тоо", "пк", "llc", "ltd", "inc", "jsc", "gmbh"),
    )
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def organisation_key(name: str) -> str:
    """The key under which an organisation's name is looked up: case, «ё», Latin letters that
    look Cyrillic (:data:`VISUAL_LOOKALIKES`), quotes, punctuation and the legal form (ООО,
    АО, ИП… written short or in full) do not count.

    >>> organisation_key('ООО "Ромашка"'), organisation_key("ромашка ооо")
    ('ромашка', 'ромашка')
    >>> organisation_key("Общество с ограниченной ответственностью «Ёлка-Плюс»")
    'елка плюс'
    >>> organisation_key("OOO «POMAШKA»") == organisation_key("ООО «Ромашка»")  # Latin O, P, K
    True
    """
    text = _one_script(name)
    for phrase in _LEGAL_PHRASES:
        text = text.replace(phrase, " ")
    words = _NON_WORD.sub(" ", text).replace("_", " ").split()
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)


#: every dash a number is written with: hyphen-minus, hyphen, non-breaking hyphen, figure
#: dash, en dash, em dash, horizontal bar, minus sign, small and full-width hyphen-minus
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
#: every slash: solidus, fraction slash, division slash, full-width solidus, and the
#: backslash (the «/» key without Shift on the Russian layout)
SLASHES = "/\u2044\u2215\uff0f\\"
_SEPARATORS = str.maketrans({**dict.fromkeys(DASHES, "-"), **dict.fromkeys(SLASHES, "/")})
# what a number starts with and is not part of it: «договор», «счёт», «№», «N», «No.», «#»
_NUMBER_PREFIX = re.compile(
    r"[\s.:,]*(?:(?:договор|contract|сч[её]т|invoice)(?![^\W\d_])|[№#]|n[º°]|no?\.|no?(?=\s))",
    re.IGNORECASE,
)
_NUMBER_WORDS = re.compile(
    "(?:"
    + "|".join(w.translate(_NUMBER_SCRIPT) for w in ("договор", "contract", "счет", "invoice"))
    + r")(?![^\W\d_])"
)
_GAP = re.compile(r"[\s\u00a0\u202f\-]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _gap(match: re.Match[str]) -> str:
    # a dash between two digits separates them (12-5 is not 125); any other run of spaces and
    # dashes does not count («д 2025», «Д–2025» and «Д2025» are one number)
    text, start, end = match.string, match.start(), match.end()
    between_digits = start > 0 and end < len(text) and text[start - 1] in "0123456789"
    between_digits = between_digits and text[end] in "0123456789"
    return "-" if between_digits and "-" in match.group() else ""


def number_key(number: str) -> str:
    """The key under which a contract or an invoice number is stored and looked up, whoever
    wrote or dictated it: case, spaces, the dash (any of :data:`DASHES`) between a letter and
    a digit, the kind of slash (:data:`SLASHES`), a leading «договор», «счёт», «№», «N» or
    «No.», «ё», leading zeros, and Latin letters written for Cyrillic ones
    (:data:`VISUAL_LOOKALIKES`, :data:`SOUND_ALIKES`) do not count. The digits always count:
    numbers that differ in a digit never share a key. A Latin ``N`` or ``No`` followed by a
    space or a dot is read as «№» (``N 12`` is ``№ 12``), never as the letter «Н».

    >>> {number_key(n) for n in ("Д-2025/117", "д 2025/117", "D-2025/117", "№ Д–2025/0117")}
    {'д2025/117'}
    >>> number_key("Договор № 12/25-А"), number_key("C-077"), number_key("12-5")
    ('12/25а', 'с77', '12-5')
    """
    text = number.translate(_SEPARATORS).replace("ё", "е").replace("Ё", "Е")
    while (prefix := _NUMBER_PREFIX.match(text)) is not None and prefix.end() > 0:
        text = text[prefix.end() :]
    text = text.replace("№", "").replace("#", "")
    text = text.translate(_NUMBER_SCRIPT).casefold().translate(_NUMBER_SCRIPT)
    text = _LEADING_ZEROS.sub("", _GAP.sub(_gap, text))
    while (word := _NUMBER_WORDS.match(text)) is not None:
        text = text[word.end() :]
    return text


def contract_key(number: str) -> str:
    """The key under which a contract number is stored and looked up: :func:`number_key`
    (``Договор № 12/25-А`` = ``12/25а``, «д 2025/117» = «Д-2025/117»)."""
    return number_key(number)


def city_key(city: str) -> str:
    """The key under which a city is looked up: case and ``ё`` do not count."""
    return " ".join(city.casefold().replace("ё", "е").split())


# --------------------------------------------------------------------------- staff


_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")


def _source(inst: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _SOURCE.match(value):
        fail(
            attribute.name,
            f"{value!r} is not a source name (lower-case letters, digits, '_', '.', '-')",
            subject=type(inst).__name__,
        )


@attrs.frozen
class ExternalId:
    """The id a host system gives a record: ``source`` names the system (``"crm"``,
    ``"1c"``; declared in :attr:`Policy.external_sources <clientops.Policy.external_sources>`)
    and ``id`` is the record's id there. Unique per source and kind of record: two cards
    never carry the same one."""

    source: str = attrs.field(validator=_source)
    id: str = attrs.field(validator=_id)

    def __str__(self) -> str:
        return f"{self.source}:{self.id}"


_optional_external = instance(ExternalId, optional=True)


class Role(enum.Enum):
    """What an employee does (see DOMAIN.md, "Who acts")."""

    CLIENT_MANAGER = "client_manager"
    SALES_MANAGER = "sales_manager"
    CALL_MANAGER = "call_manager"
    TECH_SUPPORT = "tech_support"
    MANAGEMENT = "management"
    DIRECTOR = "director"
    DESIGNER = "designer"


@attrs.frozen
class Department:
    """A department: ``sales``, ``client``, ``tech_support``, ``management``…"""

    id: DepartmentId = attrs.field(validator=_id)
    name: str = attrs.field(validator=not_blank)
    head_id: EmployeeId | None = attrs.field(default=None, validator=_optional_id)


@attrs.frozen
class Employee:
    """A member of staff. ``first_name`` is what they say on the phone; ``extension`` is
    their internal number on the company's PBX (click-to-call rings it, call events name
    it)."""

    id: EmployeeId = attrs.field(validator=_id)
    full_name: str = attrs.field(validator=not_blank)
    first_name: str = attrs.field(validator=not_blank)
    department_id: DepartmentId = attrs.field(validator=_id)
    roles: tuple[Role, ...] = attrs.field(default=(), validator=tuple_of(Role))
    phone: Phone | None = attrs.field(default=None, validator=instance(Phone, optional=True))
    email: str | None = attrs.field(default=None, validator=_optional_email)
    extension: str | None = attrs.field(default=None, validator=_optional_blankless)
    #: the employee's id in a host system (a CRM's user)
    external_id: ExternalId | None = attrs.field(default=None, validator=_optional_external)
    #: the gender the name declines by, when the name itself does not tell (``Саша Шевчук``)
    gender: Gender | None = attrs.field(default=None, validator=instance(Gender, optional=True))

    @property
    def person(self) -> PersonName:
        """The full name for a template, declined by its placeholder's case (``{x:dat}``)."""
        return PersonName(self.full_name, self.gender)


@attrs.frozen
class Absence:
    """An employee away from ``start`` to ``end``, both days included."""

    employee_id: EmployeeId = attrs.field(validator=_id)
    start: date = attrs.field(validator=instance(date))
    end: date = attrs.field(validator=instance(date))
    reason: str = attrs.field(default="", validator=text(required=False))

    @end.validator
    def _check_end(self, _: attrs.Attribute[date], value: date) -> None:
        if value < self.start:
            fail(
                "end", f"absence ends ({value}) before it starts ({self.start})", subject="Absence"
            )

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def _name_words(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().replace("ё", "е").replace(".", " ").split())


@attrs.frozen
class StaffDirectory:
    """Who works where, and who is away: a plain value handed to the rules."""

    departments: tuple[Department, ...] = attrs.field(default=(), validator=tuple_of(Department))
    employees: tuple[Employee, ...] = attrs.field(default=(), validator=tuple_of(Employee))
    absences: tuple[Absence, ...] = attrs.field(default=(), validator=tuple_of(Absence))

    def employee(self, employee_id: EmployeeId) -> Employee | None:
        return next((e for e in self.employees if e.id == employee_id), None)

    def require(self, employee_id: EmployeeId) -> Employee:
        """The employee with this id, or NotFoundError naming it."""
        employee = self.employee(employee_id)
        if employee is None:
            raise NotFoundError("employee", employee_id)
        return employee

    def department(self, department_id: DepartmentId) -> Department | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def at_extension(self, extension: str) -> Employee | None:
        """The employee whose PBX extension this is."""
        return next((e for e in self.employees if e.extension == extension), None)

    def members(self, department_id: DepartmentId) -> tuple[Employee, ...]:
        return tuple(e for e in self.employees if e.department_id == department_id)

    def head_of(self, department_id: DepartmentId) -> Employee | None:
        dept = self.department(department_id)
        return self.employee(dept.head_id) if dept and dept.head_id else None

    def with_role(self, role: Role) -> tuple[Employee, ...]:
        return tuple(e for e in self.employees if role in e.roles)

    def is_absent(self, employee_id: EmployeeId, day: date) -> bool:
        return any(a.employee_id == employee_id and a.covers(day) for a in self.absences)

    def find_employee(self, name: str) -> tuple[Employee, ...]:
        """Employees whose id is ``name``, or whose full name contains every word said
        (``"Петров"``, ``"Иван Петров"``, ``"петров и."``), case and ``ё`` aside."""
        said = _name_words(name)
        if not said:
            return ()
        exact = tuple(e for e in self.employees if e.id == name)
        if exact:
            return exact
        found = []
        for e in self.employees:
            words = _name_words(e.full_name)
            if all(any(w == s or (len(s) == 1 and w.startswith(s)) for w in words) for s in said):
                found.append(e)
        return tuple(found)


# --------------------------------------------------------------------------- clients


class ClientKind(enum.Enum):
    """An organisation, or a private person (named by full name)."""

    ORGANISATION = "organisation"
    PERSON = "person"


class ClientCategory(enum.Enum):
    """The card's category (Категория)."""

    CLIENT = "client"
    DEALER = "dealer"
    PROSPECT = "prospect"
    SUPPLIER = "supplier"


@attrs.frozen
class Contact:
    """A person at the client: name, what they do there, how to reach them."""

    name: str = attrs.field(validator=not_blank)
    position: str | None = attrs.field(default=None, validator=_optional_text)
    phones: tuple[Phone, ...] = attrs.field(default=(), validator=_valid_phones)
    emails: tuple[str, ...] = attrs.field(default=(), validator=_emails)
    decision_maker: bool = attrs.field(default=False, validator=_flag)
    #: the contact's id in a host system (unique among the card's contacts)
    external_id: ExternalId | None = attrs.field(default=None, validator=_optional_external)
    #: the gender the name declines by, when the name itself does not tell
    gender: Gender | None = attrs.field(default=None, validator=instance(Gender, optional=True))

    @property
    def person(self) -> PersonName:
        """The name for a template, declined by its placeholder's case (``{contact:dat}``)."""
        return PersonName(self.name, self.gender)


_INN = re.compile(r"^\d{10}(\d{2})?$")


def _inn(inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _INN.match(value)):
        fail(
            attribute.name,
            f"{value!r} is not an INN (10 or 12 digits)",
            subject=type(inst).__name__,
        )


def _contract_numbers(inst: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    """Contract numbers: one-line keys, none blank once «№» and «договор» are dropped (the
    key a card is found by)."""
    texts(limit=ID_LENGTH)(inst, attribute, value)
    errors = [
        FieldError(f"{attribute.name}[{i}]", f"{number!r} has no number in it")
        for i, number in enumerate(value)
        if not contract_key(number)
    ]
    if errors:
        raise ValidationError(errors, subject=type(inst).__name__)


@attrs.frozen
class Client:
    """The counterparty card (карточка контрагента).

    ``city`` is the card's group. ``contacts[0]`` is the contact person; without one the card
    shows a dash. ``version`` counts stored changes (optimistic concurrency).
    """

    id: ClientId = attrs.field(validator=_id)
    name: str = attrs.field(validator=not_blank)
    city: str = attrs.field(validator=not_blank)
    phones: tuple[Phone, ...] = attrs.field(default=(), validator=_valid_phones)
    kind: ClientKind = attrs.field(default=ClientKind.ORGANISATION, validator=instance(ClientKind))
    category: ClientCategory = attrs.field(
        default=ClientCategory.CLIENT, validator=instance(ClientCategory)
    )
    contacts: tuple[Contact, ...] = attrs.field(default=(), validator=tuple_of(Contact))
    emails: tuple[str, ...] = attrs.field(default=(), validator=_emails)
    manager_id: EmployeeId | None = attrs.field(default=None, validator=_optional_id)
    contract_numbers: tuple[str, ...] = attrs.field(default=(), validator=_contract_numbers)
    inn: str | None = attrs.field(default=None, validator=_inn)
    birthday: date | None = attrs.field(default=None, validator=_optional_day)
    company_day: date | None = attrs.field(default=None, validator=_optional_day)
    created_at: datetime | None = attrs.field(default=None, validator=aware)
    version: int = attrs.field(default=0, validator=_version)
    #: the card's id in a host system (unique per source): what
    #: :meth:`ops.clients.upsert <clientops.clients.ClientsService.upsert>` finds it by
    external_id: ExternalId | None = attrs.field(default=None, validator=_optional_external)

    def __attrs_post_init__(self) -> None:
        seen: dict[ExternalId, int] = {}
        for i, contact in enumerate(self.contacts):
            if contact.external_id is None:
                continue
            first = seen.setdefault(contact.external_id, i)
            if first != i:
                fail(
                    f"contacts[{i}].external_id",
                    f"{str(contact.external_id)!r} is the id of contacts[{first}] too",
                    subject="Client",
                )

    @property
    def contact_person(self) -> str:
        """The contact person's name, or «—» when none was given."""
        return self.contacts[0].name if self.contacts else "—"

    @property
    def is_dealer(self) -> bool:
        return self.category is ClientCategory.DEALER


@attrs.frozen
class ClientQuery:
    """What to look a client up by; the fields given must all match.

    ``name`` matches by :func:`organisation_key`, ``contract`` by :func:`contract_key`, ``city``
    regardless of case.
    """

    phone: Phone | None = attrs.field(default=None, validator=instance(Phone, optional=True))
    contract: str | None = attrs.field(default=None, validator=_optional_text)
    name: str | None = attrs.field(default=None, validator=_optional_text)
    city: str | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if self.phone is None and self.contract is None and self.name is None:
            fail(
                "query",
                "a client query needs a phone, a contract number or a name",
                subject="client query",
            )

    def matches(self, client: Client) -> bool:
        """Whether ``client`` answers this query (what every store must agree with)."""
        if self.phone is not None and self.phone not in client.phones:
            return False
        if self.contract is not None:
            key = contract_key(self.contract)
            if all(contract_key(c) != key for c in client.contract_numbers):
                return False
        if self.name is not None and organisation_key(client.name) != organisation_key(self.name):
            return False
        return self.city is None or city_key(client.city) == city_key(self.city)


# --------------------------------------------------------------------------- appeals


class AppealType(enum.Enum):
    """Which line of work an appeal belongs to (Тип обращения)."""

    CLIENT_DEPARTMENT = "client_department"
    SALES = "sales"
    TECH_SUPPORT = "tech_support"
    SERVICE = "service"
    BILLING = "billing"
    CLAIM = "claim"
    OTHER = "other"


@attrs.frozen
class Appeal:
    """One request of a client (обращение): what it is about and which department it is for."""

    id: AppealId = attrs.field(validator=_id)
    client_id: ClientId = attrs.field(validator=_id)
    topic: str = attrs.field(validator=_topic)
    department_id: DepartmentId = attrs.field(validator=_id)
    created_at: datetime = attrs.field(validator=_moment)
    type: AppealType = attrs.field(
        default=AppealType.CLIENT_DEPARTMENT, validator=instance(AppealType)
    )
    project: str | None = attrs.field(default=None, validator=_optional_text)
    note: str | None = attrs.field(default=None, validator=_note)
    created_by: EmployeeId | None = attrs.field(default=None, validator=_optional_id)
    version: int = attrs.field(default=0, validator=_version)


class ReactionKind(enum.Enum):
    """The kind of activity (Тип реакции)."""

    INCOMING_CALL = "incoming_call"
    OUTGOING_CALL = "outgoing_call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


class ReactionResult(enum.Enum):
    """What came of a reaction (Итог реакции); :attr:`label` is its Russian name."""

    DONE = "done"
    NO_ANSWER = "no_answer"
    REFUSED = "refused"
    MOVED = "moved"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _RESULT_LABELS[self]


_RESULT_LABELS = {
    ReactionResult.DONE: "Выполнено",
    ReactionResult.NO_ANSWER: "Не дозвонились",
    ReactionResult.REFUSED: "Отказ клиента",
    ReactionResult.MOVED: "Перенесено по просьбе клиента",
    ReactionResult.CANCELLED: "Отменено",
}


@attrs.frozen
class NextReaction:
    """A reaction to schedule by hand: when it is due, who answers for it (an employee, a
    department, or both) and, optionally, its topic (the topic of the reaction it follows, or
    of the appeal, when ``None``) and kind."""

    due_at: datetime = attrs.field(validator=_moment)
    employee_id: EmployeeId | None = attrs.field(default=None, validator=_optional_id)
    department_id: DepartmentId | None = attrs.field(default=None, validator=_optional_id)
    topic: str | None = attrs.field(default=None, validator=_optional_topic)
    kind: ReactionKind = attrs.field(
        default=ReactionKind.OUTGOING_CALL, validator=instance(ReactionKind)
    )

    def __attrs_post_init__(self) -> None:
        if self.department_id is None and self.employee_id is None:
            fail(
                "employee_id",
                "a reaction needs a responsible employee or department",
                subject="NextReaction",
            )


@attrs.frozen
class Reaction:
    """An activity on an appeal (реакция), owned by a department and/or an employee, with the
    time the next reaction is due."""

    id: ReactionId = attrs.field(validator=_id)
    appeal_id: AppealId = attrs.field(validator=_id)
    client_id: ClientId = attrs.field(validator=_id)
    kind: ReactionKind = attrs.field(validator=instance(ReactionKind))
    topic: str = attrs.field(validator=_topic)
    due_at: datetime = attrs.field(validator=_moment)
    created_at: datetime = attrs.field(validator=_moment)
    department_id: DepartmentId | None = attrs.field(default=None, validator=_optional_id)
    employee_id: EmployeeId | None = attrs.field(default=None, validator=_optional_id)
    created_by: EmployeeId | None = attrs.field(default=None, validator=_optional_id)
    outcome: str | None = attrs.field(default=None, validator=_note)
    done_at: datetime | None = attrs.field(default=None, validator=aware)
    version: int = attrs.field(default=0, validator=_version)
    result: ReactionResult | None = attrs.field(
        default=None, validator=instance(ReactionResult, optional=True)
    )
    done_by: EmployeeId | None = attrs.field(default=None, validator=_optional_id)
    #: the follow-up plan (:class:`clientops.clients.FollowUpPlan`) and the step of it this
    #: reaction is, when it is one: completing it schedules the plan's next step
    plan: str | None = attrs.field(default=None, validator=_optional_id)
    step: str | None = attrs.field(default=None, validator=_optional_id)

    def __attrs_post_init__(self) -> None:
        if self.department_id is None and self.employee_id is None:
            fail(
                "department_id",
                "a reaction needs a responsible department or employee",
                subject="Reaction",
            )
        if (self.plan is None) != (self.step is None):
            fail("step", "a plan's step needs both the plan and the step", subject="Reaction")

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue(self, now: datetime) -> bool:
        return not self.done and self.due_at < now


class DueReaction(NamedTuple):
    """An open reaction on a manager's list: what the agenda shows, read without loading the
    whole reaction and client records (a row: stores read thousands at a time)."""

    reaction_id: ReactionId
    client_id: ClientId
    client_name: str
    kind: ReactionKind
    topic: str
    due_at: datetime

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now
