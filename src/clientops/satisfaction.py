"""The values of the satisfaction round (seed 000, «Выявление удовлетворённости клиента»): its
policy and texts, the call a manager records and its outcome, the clients a manager calls, the
bounds a store selects the due calls with, the recommendation letter's facts and the event.

The rules that use them (the cadence, recording a call) are in
:mod:`clientops.rules.satisfaction`; stores, the policy and the documents take these values
from here, so none of them imports a rule.

    >>> SatisfactionPolicy().interval
    datetime.timedelta(days=14)
    >>> SatisfactionOutcome.NOT_REACHED.label
    'Не дозвонились'
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from clientops._checks import date_errors as _date_errors
from clientops._checks import raise_errors as _raise_errors
from clientops._claims import ClaimId
from clientops._orders import OrderId
from clientops._text import template_validator
from clientops.errors import FieldError, ValidationError
from clientops.events import Event
from clientops.model import ClientId, DepartmentId, EmployeeId, Money, Phone

__all__ = [
    "AssignedClient",
    "RecommendationRequest",
    "SatisfactionCall",
    "SatisfactionCallDue",
    "SatisfactionDueBounds",
    "SatisfactionOutcome",
    "SatisfactionPolicy",
    "SatisfactionRecorded",
    "SatisfactionTexts",
]


# --------------------------------------------------------------------------- policy


def _whole_days(value: object, *, positive: bool) -> bool:
    if not isinstance(value, timedelta) or value.seconds or value.microseconds:
        return False
    return value > timedelta(0) if positive else value >= timedelta(0)


_satisfaction_template = template_validator("client", "date", "company", persons=("manager",))


def _texts(_: Any, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    return [
        f.evolve(validator=_satisfaction_template) if f.type in (str, "str") else f for f in fields
    ]


def _questions(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(q, str) and q.strip() for q in value):
        raise ValidationError(
            [FieldError(attribute.name, "must be a tuple of non-blank strings")],
            subject="satisfaction texts",
        )


@attrs.define(frozen=True, field_transformer=_texts)
class SatisfactionTexts:
    """The words of the round, Russian by default (``str.format`` templates with ``{client}``
    the client's name, ``{date}`` a day as ``24.12.2026``, ``{manager:<case>}`` the manager's
    full name in the case the sentence needs, ``{company}`` the company's name)."""

    appeal_topic: str = "Звонок удовлетворённости: {client}"
    #: Why a call is on the agenda: the first one after the client was assigned.
    first_call: str = "Первый звонок удовлетворённости: клиент закреплён {date}"
    #: Why a call is on the agenda: two weeks since the last one.
    regular_call: str = "Звонок удовлетворённости: прошлый звонок {date}"
    letter_follow_up: str = (
        "{client}: проверить, пришло ли рекомендательное письмо (запрошено {date})"
    )
    retry: str = "{client}: повторить звонок удовлетворённости (не дозвонились {date})"
    #: What the manager asks a satisfied client.
    letter_request: str = (
        "Мы рады, что Вы довольны работой с {company}! Не могли бы Вы написать нам "
        "рекомендательное письмо о плюсах работы с нами и наших сильных сторонах?"
    )
    #: What the manager asks on every call (seed 000).
    questions: tuple[str, ...] = attrs.field(
        default=(
            "Удовлетворены ли Вы работой нашего программного обеспечения?",
            "Удовлетворены ли Вы работой нашей службы технической поддержки?",
            "Удовлетворены ли Вы работой с нашей компанией в целом?",
        ),
        validator=_questions,
    )


@attrs.frozen
class SatisfactionPolicy:
    """Every number and switch of the satisfaction round (``Policy.satisfaction``). Change one
    with ``attrs.evolve``; bad values raise :class:`~clientops.errors.ValidationError` naming
    every one.

    >>> SatisfactionPolicy(interval=timedelta(hours=12))
    Traceback (most recent call last):
    ...
    clientops.errors.ValidationError: invalid satisfaction policy: interval: must be a \
positive whole number of days
    """

    #: A call to every assigned client this often (seed 000: «раз в две недели»).
    interval: timedelta = timedelta(days=14)
    #: The first call is due this long after the client is assigned to the manager.
    first_call_after: timedelta = timedelta(days=14)
    #: A call due on a day off is due the next working day (else it keeps its day).
    shift_to_working_day: bool = True
    #: Local time of day of the reactions the round makes (the follow-up, the call again).
    call_time: time = time(11, 0)
    #: The recommendation letter is followed up this many working days after it was asked for.
    letter_follow_up_days: int = 5
    #: A client not reached is called again this many working days later.
    retry_after_days: int = 1
    texts: SatisfactionTexts = SatisfactionTexts()

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not _whole_days(self.interval, positive=True):
            errors.append(FieldError("interval", "must be a positive whole number of days"))
        if not _whole_days(self.first_call_after, positive=False):
            errors.append(
                FieldError("first_call_after", "must be a non-negative whole number of days")
            )
        if not isinstance(self.shift_to_working_day, bool):
            errors.append(FieldError("shift_to_working_day", "must be True or False"))
        if not isinstance(self.call_time, time) or self.call_time.tzinfo is not None:
            errors.append(FieldError("call_time", "must be a local time of day (no tzinfo)"))
        for name in ("letter_follow_up_days", "retry_after_days"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                errors.append(FieldError(name, f"must be a positive int, got {value!r}"))
        if not isinstance(self.texts, SatisfactionTexts):
            errors.append(FieldError("texts", "must be SatisfactionTexts"))
        _raise_errors(errors, "satisfaction policy")


@attrs.frozen
class SatisfactionDueBounds:
    """The set-based form of :func:`satisfaction_due` for a store: on the day asked, a call is
    due to every assigned client whose last satisfaction call was on or before
    ``last_call_until``, or who has had none and was assigned on or before ``assigned_until``.

    In SQL: ``WHERE (last_call IS NOT NULL AND last_call <= :last_call_until) OR (last_call IS
    NULL AND assigned_on <= :assigned_until)``, two range conditions an index answers."""

    day: date
    last_call_until: date
    assigned_until: date


@attrs.frozen
class AssignedClient:
    """A client assigned to ``manager_id`` on ``assigned_on``, last called for satisfaction on
    ``last_call`` (``None``: never)."""

    client_id: ClientId
    manager_id: EmployeeId
    assigned_on: date
    last_call: date | None = None
    client_name: str = ""

    def __attrs_post_init__(self) -> None:
        last, client, manager = self.last_call, self.client_id, self.manager_id
        if (
            type(self.assigned_on) is date
            and (last is None or type(last) is date)
            and type(client) is str
            and type(manager) is str
            and client.strip()
            and manager.strip()
        ):
            return  # the common case, checked first: stores read thousands of these
        errors = _date_errors("assigned_on", self.assigned_on)
        if self.last_call is not None:
            errors += _date_errors("last_call", self.last_call)
        for name in ("client_id", "manager_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                errors.append(FieldError(name, "required"))
        _raise_errors(errors, "assigned client")


@attrs.frozen
class SatisfactionCallDue:
    """A satisfaction call on the agenda: whom, due which day, how many days late, and why
    (``reason``, in the policy's words)."""

    client_id: ClientId
    client_name: str
    manager_id: EmployeeId
    due_on: date
    last_call: date | None
    days_overdue: int
    reason: str


class SatisfactionOutcome(enum.Enum):
    """How a satisfaction call went."""

    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    NOT_REACHED = "not_reached"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    SatisfactionOutcome.SATISFIED: "Клиент удовлетворён",
    SatisfactionOutcome.UNSATISFIED: "Клиент не удовлетворён",
    SatisfactionOutcome.NOT_REACHED: "Не дозвонились",
}


def _optional_text(path: str, value: object) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, str) or not value.strip():
        return [FieldError(path, "must be a non-blank string or None")]
    return []


@attrs.frozen
class SatisfactionCall:
    """One satisfaction call as the manager records it: the ``outcome``; ``notes`` (what the
    client said, in the manager's words); for an unsatisfied client the claim's facts — the
    client's own words if taken down (``client_words``, else the notes are the claim), the
    department whose work caused it, the money and the order or invoice involved."""

    client_id: ClientId
    manager_id: EmployeeId
    at: datetime
    outcome: SatisfactionOutcome
    notes: str = ""
    client_words: str = ""
    department_id: DepartmentId | None = None
    money: Money | None = None
    order_id: OrderId | None = None
    invoice_id: str | None = None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("client_id", "manager_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                errors.append(FieldError(name, "required"))
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            errors.append(FieldError("at", f"must be a timezone-aware datetime, got {self.at!r}"))
        if not isinstance(self.outcome, SatisfactionOutcome):
            errors.append(
                FieldError("outcome", f"must be a SatisfactionOutcome, got {self.outcome!r}")
            )
        for name in ("notes", "client_words"):
            if not isinstance(getattr(self, name), str):
                errors.append(FieldError(name, "must be a string"))
        if (
            self.outcome is SatisfactionOutcome.UNSATISFIED
            and isinstance(self.notes, str)
            and isinstance(self.client_words, str)
            and not (self.notes.strip() or self.client_words.strip())
        ):
            errors.append(
                FieldError("notes", "required for an unsatisfied client: the claim's words")
            )
        errors += _optional_text("department_id", self.department_id)
        errors += _optional_text("order_id", self.order_id)
        errors += _optional_text("invoice_id", self.invoice_id)
        _raise_errors(errors, "satisfaction call")


@attrs.frozen
class RecommendationRequest:
    """What a letter asking a satisfied client for a recommendation needs: the client and the
    person to address, the manager who signs, the company, the day it was asked and the day it
    is followed up, and what the client praised (the manager's notes)."""

    client_id: ClientId
    client_name: str
    contact_person: str
    manager_id: EmployeeId
    manager_name: str
    manager_phone: Phone | None
    manager_email: str | None
    company: str
    requested_on: date
    follow_up_on: date
    praise: str
    text: str


@attrs.frozen
class SatisfactionRecorded(Event):
    """A satisfaction call was recorded; ``claim_id`` is the claim it led to, if any."""

    client_id: ClientId
    manager_id: EmployeeId
    outcome: SatisfactionOutcome
    at: datetime
    claim_id: ClaimId | None = None
