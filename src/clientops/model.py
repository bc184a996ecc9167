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
import re
import secrets
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, NewType

import attrs
import phonenumbers

from clientops.errors import InvalidPhoneError

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
    "Money",
    "Phone",
    "Reaction",
    "ReactionId",
    "ReactionKind",
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


def new_id() -> str:
    """A new 26-character id that sorts by creation time (milliseconds, then a counter, then
    random bits), so that rows inserted together sit together in an index."""
    global _last_ms, _counter
    ms = time.time_ns() // 1_000_000
    if ms == _last_ms:
        _counter += 1
    else:
        _last_ms, _counter = ms, 0
    return f"{ms:012x}{_counter % 0x10000:04x}{secrets.token_hex(5)}"


# --------------------------------------------------------------------------- validators


def _not_blank(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must not be blank")


def _optional_blankless(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError(f"{attribute.name} must not be blank (leave it out instead)")


def _aware(_: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{attribute.name} must be timezone-aware, got {value!r}")


def _tuple_of(kind: type | tuple[type, ...]) -> Any:
    return attrs.validators.deep_iterable(
        member_validator=attrs.validators.instance_of(kind),
        iterable_validator=attrs.validators.instance_of(tuple),
    )


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _emails(_: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not isinstance(value, tuple):
        raise TypeError(f"{attribute.name} must be a tuple")
    for i, email in enumerate(value):
        if not isinstance(email, str) or not _EMAIL.match(email):
            raise ValueError(f"{attribute.name}[{i}]: {email!r} is not an e-mail address")


# --------------------------------------------------------------------------- values


_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@functools.lru_cache(maxsize=4096)
def _parse_e164(text: str, region: str, strict: bool) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(text, str(exc.args[0]) if exc.args else "unparseable") from None
    ok = phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)
    if not ok:
        raise InvalidPhoneError(text, "not a valid number" if strict else "impossible length")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@attrs.frozen(order=True)
class Phone:
    """A phone number in E.164 form (``+79123456789``). Build one with :meth:`parse`."""

    e164: str = attrs.field()

    @e164.validator
    def _check(self, _: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not _E164.match(value):
            raise ValueError(f"{value!r} is not an E.164 phone number")

    @classmethod
    def parse(cls, text: str, region: str = "RU", *, strict: bool = True) -> Phone:
        """Parse a phone written any usual way (``8 (912) 345-67-89``, ``+7 912 3456789``…).

        ``region`` applies to numbers written without a country code. ``strict`` asks that the
        number be valid for its region, not merely of a possible length. Raises
        :class:`~clientops.errors.InvalidPhoneError` naming the value.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidPhoneError(str(text), "empty")
        return cls(_parse_e164(text, region, strict))

    def international(self) -> str:
        """The number for people to read: ``+7 912 345-67-89``."""
        number = phonenumbers.parse(self.e164, None)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    def __str__(self) -> str:
        return self.e164


def _decimal(value: Any) -> Decimal:
    if type(value) is Decimal and value.is_finite():
        return value  # the common case, first
    if isinstance(value, (float, bool)):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    if isinstance(value, (int, str)):
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise ValueError(f"{value!r} is not an amount") from None
    if not isinstance(value, Decimal):
        raise TypeError(f"{value!r} is not an amount")
    if not value.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return value


_CURRENCY = re.compile(r"^[A-Z]{3}$")


@attrs.frozen
class Money:
    """An amount of money: a ``Decimal`` and an ISO 4217 currency (roubles by default).

    Floats are refused. Arithmetic works within one currency only.

    >>> Money("100.50") + Money(20)
    Money(amount=Decimal('120.50'), currency='RUB')
    """

    amount: Decimal = attrs.field(converter=_decimal)
    currency: str = attrs.field(default="RUB")

    @currency.validator
    def _check_currency(self, _: attrs.Attribute[str], value: str) -> None:
        if value != "RUB" and (not isinstance(value, str) or not _CURRENCY.match(value)):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")

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
        return Money(self.amount * _decimal(factor), self.currency)

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

_LEGAL_PHRASES = (
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
_LEGAL_FORMS = frozenset(
    (
        *("ооо", "оао", "зао", "пао", "нао", "ао", "ип", "чп", "нко", "ано", "гуп", "муп"),
        *("фгуп", "тоо", "пк", "llc", "ltd", "inc", "jsc", "gmbh"),
    )
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def organisation_key(name: str) -> str:
    """The key under which an organisation's name is looked up: case, quotes, punctuation and
    the legal form (ООО, АО, ИП… written short or in full) do not count.

    >>> organisation_key('ООО "Ромашка"'), organisation_key("ромашка ооо")
    ('ромашка', 'ромашка')
    >>> organisation_key("Общество с ограниченной ответственностью «Ёлка-Плюс»")
    'елка плюс'
    """
    text = name.casefold().replace("ё", "е")
    for phrase in _LEGAL_PHRASES:
        text = text.replace(phrase, " ")
    words = _NON_WORD.sub(" ", text).replace("_", " ").split()
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)


_CONTRACT_NOISE = re.compile(r"[\s№#]+")


def contract_key(number: str) -> str:
    """The key under which a contract number is looked up: case, spaces, a leading ``№`` and
    the word «договор» do not count (``Договор № 12/25-А`` = ``12/25-а``)."""
    text = number.casefold().replace("ё", "е").strip()
    for prefix in ("договор", "contract"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return _CONTRACT_NOISE.sub("", text)


def city_key(city: str) -> str:
    """The key under which a city is looked up: case and ``ё`` do not count."""
    return " ".join(city.casefold().replace("ё", "е").split())


# --------------------------------------------------------------------------- staff


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

    id: DepartmentId = attrs.field(validator=_not_blank)
    name: str = attrs.field(validator=_not_blank)
    head_id: EmployeeId | None = None


@attrs.frozen
class Employee:
    """A member of staff. ``first_name`` is what they say on the phone; ``extension`` is
    their internal number on the company's PBX (click-to-call rings it, call events name
    it)."""

    id: EmployeeId = attrs.field(validator=_not_blank)
    full_name: str = attrs.field(validator=_not_blank)
    first_name: str = attrs.field(validator=_not_blank)
    department_id: DepartmentId = attrs.field(validator=_not_blank)
    roles: tuple[Role, ...] = attrs.field(default=(), validator=_tuple_of(Role))
    phone: Phone | None = None
    email: str | None = None
    extension: str | None = attrs.field(default=None, validator=_optional_blankless)


@attrs.frozen
class Absence:
    """An employee away from ``start`` to ``end``, both days included."""

    employee_id: EmployeeId = attrs.field(validator=_not_blank)
    start: date
    end: date = attrs.field()
    reason: str = ""

    @end.validator
    def _check_end(self, _: attrs.Attribute[date], value: date) -> None:
        if value < self.start:
            raise ValueError(f"absence ends ({value}) before it starts ({self.start})")

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def _name_words(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().replace("ё", "е").replace(".", " ").split())


@attrs.frozen
class StaffDirectory:
    """Who works where, and who is away: a plain value handed to the rules."""

    departments: tuple[Department, ...] = attrs.field(default=(), validator=_tuple_of(Department))
    employees: tuple[Employee, ...] = attrs.field(default=(), validator=_tuple_of(Employee))
    absences: tuple[Absence, ...] = attrs.field(default=(), validator=_tuple_of(Absence))

    def employee(self, employee_id: EmployeeId) -> Employee | None:
        return next((e for e in self.employees if e.id == employee_id), None)

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

    name: str = attrs.field(validator=_not_blank)
    position: str | None = None
    phones: tuple[Phone, ...] = attrs.field(default=(), validator=_tuple_of(Phone))
    emails: tuple[str, ...] = attrs.field(default=(), validator=_emails)
    decision_maker: bool = False


_INN = re.compile(r"^\d{10}(\d{2})?$")


def _inn(_: Any, __: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not _INN.match(value):
        raise ValueError(f"{value!r} is not an INN (10 or 12 digits)")


@attrs.frozen
class Client:
    """The counterparty card (карточка контрагента).

    ``city`` is the card's group. ``contacts[0]`` is the contact person; without one the card
    shows a dash. ``version`` counts stored changes (optimistic concurrency).
    """

    id: ClientId = attrs.field(validator=_not_blank)
    name: str = attrs.field(validator=_not_blank)
    city: str = attrs.field(validator=_not_blank)
    phones: tuple[Phone, ...] = attrs.field(default=(), validator=_tuple_of(Phone))
    kind: ClientKind = ClientKind.ORGANISATION
    category: ClientCategory = ClientCategory.CLIENT
    contacts: tuple[Contact, ...] = attrs.field(default=(), validator=_tuple_of(Contact))
    emails: tuple[str, ...] = attrs.field(default=(), validator=_emails)
    manager_id: EmployeeId | None = None
    contract_numbers: tuple[str, ...] = attrs.field(default=(), validator=_tuple_of(str))
    inn: str | None = attrs.field(default=None, validator=_inn)
    birthday: date | None = None
    company_day: date | None = None
    created_at: datetime | None = attrs.field(default=None, validator=_aware)
    version: int = 0

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

    phone: Phone | None = None
    contract: str | None = None
    name: str | None = None
    city: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.phone is None and self.contract is None and self.name is None:
            raise ValueError("a client query needs a phone, a contract number or a name")

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

    id: AppealId = attrs.field(validator=_not_blank)
    client_id: ClientId = attrs.field(validator=_not_blank)
    topic: str = attrs.field(validator=_not_blank)
    department_id: DepartmentId = attrs.field(validator=_not_blank)
    created_at: datetime = attrs.field(validator=_aware)
    type: AppealType = AppealType.CLIENT_DEPARTMENT
    project: str | None = None
    note: str | None = None
    created_by: EmployeeId | None = None
    version: int = 0


class ReactionKind(enum.Enum):
    """The kind of activity (Тип реакции)."""

    INCOMING_CALL = "incoming_call"
    OUTGOING_CALL = "outgoing_call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


@attrs.frozen
class Reaction:
    """An activity on an appeal (реакция), owned by a department and/or an employee, with the
    time the next reaction is due."""

    id: ReactionId = attrs.field(validator=_not_blank)
    appeal_id: AppealId = attrs.field(validator=_not_blank)
    client_id: ClientId = attrs.field(validator=_not_blank)
    kind: ReactionKind
    topic: str = attrs.field(validator=_not_blank)
    due_at: datetime = attrs.field(validator=_aware)
    created_at: datetime = attrs.field(validator=_aware)
    department_id: DepartmentId | None = None
    employee_id: EmployeeId | None = None
    created_by: EmployeeId | None = None
    outcome: str | None = None
    done_at: datetime | None = attrs.field(default=None, validator=_aware)
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if self.department_id is None and self.employee_id is None:
            raise ValueError("a reaction needs a responsible department or employee")

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
