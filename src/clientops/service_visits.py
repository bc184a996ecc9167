"""Service visits and trainings (seed 002, processes 7 and 11): the values and the policy.

A client's :class:`ServiceContract` says how often scheduled maintenance happens (a
:class:`MaintenanceRecurrence`: every *n* weeks, monthly on a day, quarterly) and within how
many working days an emergency visit must happen (1–2 in the seed's contracts). A
:class:`Visit` is one trip of an engineer, scheduled or emergency: requested, planned for a
day, done with the work described and the parts bought under the contract, or cancelled. A
:class:`Training` is a new client's training: the date and time agreed and moved, the feedback
collected, the recording sent, and the :class:`TechFacts` tech support needs.

Every status change goes through a table (:data:`VISIT_TRANSITIONS`,
:data:`TRAINING_TRANSITIONS`) read by the functions of :mod:`clientops.rules.service_visits`,
which raise :class:`~clientops.errors.TransitionError` for a step the process does not allow.
Every number and phrase is a default of :class:`VisitPolicy` (Russian texts). Bad input raises
:class:`~clientops.errors.ValidationError` naming every bad field.

Example::

    >>> from datetime import date
    >>> from clientops.model import ClientId
    >>> contract = ServiceContract(
    ...     id=ServiceContractId("sc1"), client_id=ClientId("c1"), number="СО-12/25",
    ...     starts_on=date(2025, 11, 10), emergency_response_days=1,
    ...     maintenance=MaintenanceRecurrence.quarterly(day=15),
    ... )
    >>> contract.maintenance.rrule
    'FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15'
    >>> contract.first_maintenance
    datetime.date(2025, 11, 15)
    >>> contract.maintenance.dates(contract.first_maintenance, date(2026, 1, 1), date(2026, 12, 31))
    (datetime.date(2026, 2, 15), datetime.date(2026, 5, 15), datetime.date(2026, 8, 15), \
datetime.date(2026, 11, 15))
    >>> VisitPolicy().non_working_day
    <NonWorkingDay.NEXT_WORKING_DAY: 'next_working_day'>
"""

from __future__ import annotations

import calendar as _calendar
import enum
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, NewType, TypeVar

import attrs

from clientops._checks import aware_errors, date_errors, raise_errors, string_errors
from clientops._text import template_validator
from clientops.calendar import Frequency, Recurrence
from clientops.errors import FieldError, ValidationError
from clientops.events import Event
from clientops.model import ClientId, DepartmentId, EmployeeId, Money

__all__ = [
    "TRAINING_TRANSITIONS",
    "VISIT_TRANSITIONS",
    "Feedback",
    "InstalledEquipment",
    "MaintenanceFrequency",
    "MaintenanceRecurrence",
    "NonWorkingDay",
    "Part",
    "Reschedule",
    "ServerFormat",
    "ServiceContract",
    "ServiceContractId",
    "StatusChange",
    "TechFacts",
    "Training",
    "TrainingId",
    "TrainingScheduled",
    "TrainingStatus",
    "TrainingStep",
    "Visit",
    "VisitAct",
    "VisitId",
    "VisitKind",
    "VisitPolicy",
    "VisitScheduled",
    "VisitSlaBreached",
    "VisitStatus",
    "VisitStep",
    "VisitTexts",
]

ServiceContractId = NewType("ServiceContractId", str)
VisitId = NewType("VisitId", str)
TrainingId = NewType("TrainingId", str)


# --------------------------------------------------------------------------- checks


def _count_errors(path: str, value: object, *, minimum: int) -> list[FieldError]:
    if type(value) is not int or value < minimum:
        return [FieldError(path, f"must be an int >= {minimum}, got {value!r}")]
    return []


def _tuple_errors(path: str, value: object, kind: type) -> list[FieldError]:
    if not isinstance(value, tuple):
        return [FieldError(path, f"must be a tuple, got {type(value).__name__}")]
    return [
        FieldError(f"{path}[{i}]", f"must be {kind.__name__}, got {item!r}")
        for i, item in enumerate(value)
        if not isinstance(item, kind)
    ]


def _last_day(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]


# --------------------------------------------------------------------------- recurrence


class MaintenanceFrequency(enum.Enum):
    """The unit of a maintenance recurrence."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"


@attrs.frozen
class MaintenanceRecurrence:
    """How often scheduled maintenance happens, as one RFC 5545 rule.

    Make one with :meth:`every_weeks`, :meth:`monthly` or :meth:`quarterly`:

    ==========================  ============================================
    ``every_weeks(2)``           ``FREQ=WEEKLY;INTERVAL=2`` (the weekday of the first visit)
    ``monthly(day=15)``          ``FREQ=MONTHLY;BYMONTHDAY=15``
    ``quarterly(day=-1)``        ``FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1``
    ==========================  ============================================

    ``month_day`` is 1–28 or ``-1`` (the last day of the month): the 29th–31st do not occur in
    every month, and RFC 5545 skips the months without them, which no maintenance contract
    means.

    >>> MaintenanceRecurrence.every_weeks(2).rrule
    'FREQ=WEEKLY;INTERVAL=2'
    >>> MaintenanceRecurrence.monthly(day=-1).next_after(date(2026, 1, 31))
    datetime.date(2026, 2, 28)
    """

    frequency: MaintenanceFrequency
    interval: int = 1
    month_day: int | None = None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not isinstance(self.frequency, MaintenanceFrequency):
            errors.append(FieldError("frequency", f"{self.frequency!r} is not a frequency"))
        errors += _count_errors("interval", self.interval, minimum=1)
        day = self.month_day
        if self.frequency is MaintenanceFrequency.WEEKLY:
            if day is not None:
                errors.append(FieldError("month_day", "a weekly rule has no day of the month"))
        elif type(day) is not int or not (1 <= day <= 28 or day == -1):
            errors.append(
                FieldError(
                    "month_day",
                    f"must be 1..28 or -1 (the last day), got {day!r}: the 29th-31st are not in "
                    "every month",
                )
            )
        raise_errors(errors, "maintenance recurrence")

    @classmethod
    def every_weeks(cls, weeks: int = 1) -> MaintenanceRecurrence:
        """Every ``weeks`` weeks, on the weekday of the first visit."""
        return cls(MaintenanceFrequency.WEEKLY, interval=weeks)

    @classmethod
    def monthly(cls, day: int, *, months: int = 1) -> MaintenanceRecurrence:
        """Every ``months`` months on ``day`` (1–28, or -1 for the last day)."""
        return cls(MaintenanceFrequency.MONTHLY, interval=months, month_day=day)

    @classmethod
    def quarterly(cls, day: int) -> MaintenanceRecurrence:
        """Every three months on ``day``, counted from the month of the first visit."""
        return cls.monthly(day, months=3)

    def _on(self, year: int, month: int) -> date:
        assert self.month_day is not None
        last = _last_day(year, month)
        return date(year, month, last if self.month_day == -1 else self.month_day)

    def first_on_or_after(self, day: date) -> date:
        """The first day of the rule on or after ``day`` (``day`` itself for a weekly rule)."""
        if self.frequency is MaintenanceFrequency.WEEKLY:
            return day
        candidate = self._on(day.year, day.month)
        if candidate >= day:
            return candidate
        year, month = divmod(day.year * 12 + day.month, 12)  # the next month, 1-based
        return self._on(year, month + 1)

    def _nth(self, first: date, n: int) -> date:
        if self.frequency is MaintenanceFrequency.WEEKLY:
            return first + timedelta(weeks=self.interval * n)
        index = first.year * 12 + first.month - 1 + self.interval * n
        return self._on(index // 12, index % 12 + 1)

    def next_after(self, day: date) -> date:
        """The next day of the rule after ``day``, a day of the rule itself."""
        return self._nth(day, 1)

    def dates(self, first: date, start: date, end: date) -> tuple[date, ...]:
        """The days of the series beginning at ``first`` (a day of the rule) from ``start`` to
        ``end``, both included."""
        if self.frequency is MaintenanceFrequency.WEEKLY:
            step = 7 * self.interval
            n = max(0, -(-(start - first).days // step))
        else:
            months = (start.year - first.year) * 12 + start.month - first.month
            n = max(0, months // self.interval - 1)
        found: list[date] = []
        while (day := self._nth(first, n)) <= end:
            if day >= start:
                found.append(day)
            n += 1
        return tuple(found)

    def to_calendar(
        self, *, until: date | None = None, exdates: tuple[datetime | date, ...] = ()
    ) -> Recurrence:
        """The rule as a :class:`clientops.calendar.Recurrence` (RRULE), ending ``until``
        (inclusive) and leaving out ``exdates``."""
        if self.frequency is MaintenanceFrequency.WEEKLY:
            return Recurrence(
                Frequency.WEEKLY, interval=self.interval, until=until, exdates=exdates
            )
        assert self.month_day is not None
        return Recurrence(
            Frequency.MONTHLY,
            interval=self.interval,
            until=until,
            month_days=(self.month_day,),
            exdates=exdates,
        )

    @property
    def rrule(self) -> str:
        """The RRULE value of an open-ended series."""
        return self.to_calendar().rrule(None)


# --------------------------------------------------------------------------- contract


@attrs.frozen
class ServiceContract:
    """The service terms of one client's contract («договор на сервисное обслуживание»).

    ``maintenance`` is the recurrence of scheduled visits (``None``: emergency visits only),
    counted from the first day of the rule on or after ``starts_on``; ``ends_on`` (inclusive)
    ends the contract, ``None`` when it runs until terminated. An emergency visit must happen
    within ``emergency_response_days`` working days of the request (1 or 2 in the seed).
    ``visit_time`` is the local time of scheduled visits when the contract sets one (else the
    policy's); ``address`` is where the engineer goes. ``version`` belongs to the store.
    """

    id: ServiceContractId
    client_id: ClientId
    number: str
    starts_on: date
    emergency_response_days: int
    maintenance: MaintenanceRecurrence | None = None
    ends_on: date | None = None
    visit_time: time | None = None
    address: str = ""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors = string_errors("id", self.id) + string_errors("client_id", self.client_id)
        errors += string_errors("number", self.number)
        dates = date_errors("starts_on", self.starts_on)
        dates += date_errors("ends_on", self.ends_on, optional=True)
        errors += dates
        if not dates and self.ends_on is not None and self.ends_on < self.starts_on:
            errors.append(
                FieldError("ends_on", f"{self.ends_on} is before starts_on {self.starts_on}")
            )
        errors += _count_errors("emergency_response_days", self.emergency_response_days, minimum=1)
        if self.maintenance is not None and not isinstance(self.maintenance, MaintenanceRecurrence):
            errors.append(FieldError("maintenance", "must be a MaintenanceRecurrence or None"))
        if self.visit_time is not None and not isinstance(self.visit_time, time):
            errors.append(FieldError("visit_time", "must be a time of day or None"))
        errors += string_errors("address", self.address, required=False)
        errors += _count_errors("version", self.version, minimum=0)
        raise_errors(errors, "service contract")

    @property
    def first_maintenance(self) -> date | None:
        """The day of the first scheduled visit by the rule, ``None`` without maintenance or
        when the contract ends before it."""
        if self.maintenance is None:
            return None
        first = self.maintenance.first_on_or_after(self.starts_on)
        return None if self.ends_on is not None and first > self.ends_on else first

    def in_force(self, day: date) -> bool:
        """Whether the contract covers ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


# --------------------------------------------------------------------------- transitions


_Status = TypeVar("_Status", bound=enum.Enum)


@attrs.frozen
class StatusChange(Generic[_Status]):
    """One row of a process table: ``action`` may be done from each source status of
    ``moves`` and leads to the status paired with it. ``guard`` says in words what else must
    hold."""

    action: str
    moves: tuple[tuple[_Status, _Status], ...]
    guard: str = ""

    @property
    def sources(self) -> tuple[_Status, ...]:
        return tuple(source for source, _ in self.moves)

    def target(self, source: _Status) -> _Status | None:
        """The status ``action`` leads to from ``source`` (``None`` when not allowed)."""
        return next((to for src, to in self.moves if src is source), None)


# --------------------------------------------------------------------------- visits


class VisitKind(enum.Enum):
    """A scheduled maintenance visit («регламентный выезд») or an emergency one
    («аварийный выезд»)."""

    SCHEDULED = "scheduled"
    EMERGENCY = "emergency"

    @property
    def label(self) -> str:
        return "Плановый выезд" if self is VisitKind.SCHEDULED else "Аварийный выезд"


class VisitStatus(enum.Enum):
    """Where a visit is. ``label`` is the Russian name."""

    #: Requested (an emergency) or put on the plan from the rule (scheduled): no engineer yet.
    NEW = "new"
    #: A day and an engineer are set.
    PLANNED = "planned"
    #: Done, the work described.
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _VISIT_LABELS[self]


_VISIT_LABELS = {
    VisitStatus.NEW: "Новая заявка на выезд",
    VisitStatus.PLANNED: "Выезд назначен",
    VisitStatus.DONE: "Выезд выполнен",
    VisitStatus.CANCELLED: "Выезд отменён",
}

_V = VisitStatus
#: The visit process; :mod:`clientops.rules.service_visits` reads it.
VISIT_TRANSITIONS: tuple[StatusChange[VisitStatus], ...] = (
    StatusChange(
        "plan",
        ((_V.NEW, _V.PLANNED), (_V.PLANNED, _V.PLANNED)),
        "an engineer and a day; a non-working day is moved or refused by the policy",
    ),
    StatusChange("add_part", ((_V.NEW, _V.NEW), (_V.PLANNED, _V.PLANNED)), "one currency"),
    StatusChange("complete", ((_V.PLANNED, _V.DONE),), "the work described"),
    StatusChange("cancel", ((_V.NEW, _V.CANCELLED), (_V.PLANNED, _V.CANCELLED)), "a reason"),
)


@attrs.frozen
class Part:
    """A part bought for a visit under the contract: ``quantity`` pieces at ``unit_price``."""

    name: str
    quantity: int
    unit_price: Money
    supplier: str = ""

    def __attrs_post_init__(self) -> None:
        errors = string_errors("name", self.name)
        errors += _count_errors("quantity", self.quantity, minimum=1)
        if not isinstance(self.unit_price, Money):
            errors.append(FieldError("unit_price", f"must be Money, got {self.unit_price!r}"))
        elif self.unit_price.amount < 0:
            errors.append(FieldError("unit_price", f"must not be negative, got {self.unit_price}"))
        errors += string_errors("supplier", self.supplier, required=False)
        raise_errors(errors, "part")

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@attrs.frozen
class VisitStep:
    """One step of a visit's history: the ``action`` done, the ``status`` it led to, when,
    by whom."""

    status: VisitStatus
    at: datetime
    by: EmployeeId
    action: str
    note: str = ""


@attrs.frozen
class Visit:
    """One service visit.

    ``requested_at`` is when the client asked (emergency) or when the visit was put on the
    plan (scheduled); ``occurrence`` is, for a scheduled visit, the day the contract's rule
    gives, and ``planned_on`` the day it is planned for (moved off a non-working day by the
    policy). ``problem`` is what the client reported; ``works`` what the engineer did (the act
    lists them); ``parts`` what was bought under the contract. ``status`` is always the status
    of the last event of ``history``.
    """

    id: VisitId
    contract_id: ServiceContractId
    client_id: ClientId
    kind: VisitKind
    status: VisitStatus
    requested_at: datetime
    history: tuple[VisitStep, ...]
    planned_on: date | None = None
    engineer_id: EmployeeId | None = None
    occurrence: date | None = None
    problem: str = ""
    works: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    done_at: datetime | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors = string_errors("id", self.id) + string_errors("contract_id", self.contract_id)
        errors += string_errors("client_id", self.client_id)
        if not isinstance(self.kind, VisitKind):
            errors.append(FieldError("kind", f"{self.kind!r} is not a VisitKind"))
        if not isinstance(self.status, VisitStatus):
            errors.append(FieldError("status", f"{self.status!r} is not a VisitStatus"))
        errors += aware_errors("requested_at", self.requested_at)
        errors += _tuple_errors("history", self.history, VisitStep)
        if not errors and not self.history:
            errors.append(FieldError("history", "must hold at least the first event"))
        elif not errors and self.history[-1].status is not self.status:
            errors.append(FieldError("status", "is not the status of the last event"))
        errors += date_errors("planned_on", self.planned_on, optional=True)
        errors += date_errors("occurrence", self.occurrence, optional=True)
        if self.kind is VisitKind.SCHEDULED and self.occurrence is None:
            errors.append(FieldError("occurrence", "a scheduled visit needs its day by the rule"))
        if self.kind is VisitKind.EMERGENCY and self.occurrence is not None:
            errors.append(FieldError("occurrence", "an emergency visit has no rule day"))
        if self.status in (VisitStatus.PLANNED, VisitStatus.DONE):
            if self.planned_on is None:
                errors.append(FieldError("planned_on", f"required when {self.status.value}"))
            if self.engineer_id is None:
                errors.append(FieldError("engineer_id", f"required when {self.status.value}"))
        errors += string_errors("problem", self.problem, required=False)
        errors += _tuple_errors("works", self.works, str)
        errors += _tuple_errors("parts", self.parts, Part)
        errors += aware_errors("done_at", self.done_at, optional=True)
        if self.status is VisitStatus.DONE:
            if self.done_at is None:
                errors.append(FieldError("done_at", "required when done"))
            if not self.works:
                errors.append(FieldError("works", "a done visit describes the work"))
        elif self.done_at is not None:
            errors.append(FieldError("done_at", "only a done visit has it"))
        errors += _count_errors("version", self.version, minimum=0)
        raise_errors(errors, f"visit {self.id}")

    @property
    def done(self) -> bool:
        return self.status is VisitStatus.DONE

    @property
    def open(self) -> bool:
        """Neither done nor cancelled."""
        return self.status in (VisitStatus.NEW, VisitStatus.PLANNED)

    @property
    def parts_total(self) -> Money | None:
        """What the parts cost together, ``None`` without parts."""
        if not self.parts:
            return None
        total = self.parts[0].total
        for part in self.parts[1:]:
            total += part.total
        return total


# --------------------------------------------------------------------------- trainings


class ServerFormat(enum.Enum):
    """Where the client's server runs («формат сервера»)."""

    CLOUD = "cloud"
    ON_PREMISES = "on_premises"

    @property
    def label(self) -> str:
        return "Облако" if self is ServerFormat.CLOUD else "Сервер клиента"


@attrs.frozen
class InstalledEquipment:
    """Equipment already installed at the client («какое оборудование установлено»)."""

    name: str
    quantity: int = 1

    def __attrs_post_init__(self) -> None:
        errors = string_errors("name", self.name) + _count_errors(
            "quantity", self.quantity, minimum=1
        )
        raise_errors(errors, "installed equipment")


@attrs.frozen
class TechFacts:
    """What tech support needs to know, gathered at the training. ``None`` means not found
    out yet; :meth:`missing` names those fields. ``equipment=()`` means none installed.

    >>> TechFacts(server_format=ServerFormat.CLOUD, passage_points=2).missing()
    ('equipment', 'integration')
    """

    server_format: ServerFormat | None = None
    equipment: tuple[InstalledEquipment, ...] | None = None
    #: Whether the integration (with 1C, access control…) is set up.
    integration: bool | None = None
    #: With what, or what is left to set up.
    integration_note: str = ""
    #: How many passage points (entries and exits: barriers, turnstiles) the site has.
    passage_points: int | None = None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.server_format is not None and not isinstance(self.server_format, ServerFormat):
            errors.append(FieldError("server_format", f"{self.server_format!r} is not a format"))
        if self.equipment is not None:
            errors += _tuple_errors("equipment", self.equipment, InstalledEquipment)
        if self.integration is not None and not isinstance(self.integration, bool):
            errors.append(FieldError("integration", "must be True, False or None"))
        errors += string_errors("integration_note", self.integration_note, required=False)
        if self.passage_points is not None:
            errors += _count_errors("passage_points", self.passage_points, minimum=0)
        raise_errors(errors, "tech support facts")

    def missing(self) -> tuple[str, ...]:
        """The facts not found out yet, by field name."""
        names = ("server_format", "equipment", "integration", "passage_points")
        return tuple(name for name in names if getattr(self, name) is None)

    @property
    def complete(self) -> bool:
        return not self.missing()

    def updated(self, other: TechFacts) -> TechFacts:
        """These facts with every fact ``other`` knows put over them."""
        changes = {
            name: getattr(other, name)
            for name in ("server_format", "equipment", "integration", "passage_points")
            if getattr(other, name) is not None
        }
        if other.integration_note:
            changes["integration_note"] = other.integration_note
        return attrs.evolve(self, **changes)


class TrainingStatus(enum.Enum):
    """Where a training is. After it is held, feedback and the recording may come in either
    order; with both it is closed."""

    TO_AGREE = "to_agree"
    SCHEDULED = "scheduled"
    HELD = "held"
    FEEDBACK_COLLECTED = "feedback_collected"
    RECORDING_SENT = "recording_sent"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _TRAINING_LABELS[self]


_TRAINING_LABELS = {
    TrainingStatus.TO_AGREE: "Дата обучения не согласована",
    TrainingStatus.SCHEDULED: "Обучение назначено",
    TrainingStatus.HELD: "Обучение проведено",
    TrainingStatus.FEEDBACK_COLLECTED: "Обратная связь собрана",
    TrainingStatus.RECORDING_SENT: "Запись обучения отправлена",
    TrainingStatus.CLOSED: "Обучение завершено",
    TrainingStatus.CANCELLED: "Обучение отменено",
}

_T = TrainingStatus
_ALIVE = (
    _T.TO_AGREE,
    _T.SCHEDULED,
    _T.HELD,
    _T.FEEDBACK_COLLECTED,
    _T.RECORDING_SENT,
    _T.CLOSED,
)
#: The training process; :mod:`clientops.rules.service_visits` reads it.
TRAINING_TRANSITIONS: tuple[StatusChange[TrainingStatus], ...] = (
    StatusChange("schedule", ((_T.TO_AGREE, _T.SCHEDULED),), "a date and time in the future"),
    StatusChange(
        "reschedule", ((_T.SCHEDULED, _T.SCHEDULED),), "a new time in the future and a reason"
    ),
    StatusChange("hold", ((_T.SCHEDULED, _T.HELD),), "not before the agreed time"),
    StatusChange(
        "collect_feedback",
        ((_T.HELD, _T.FEEDBACK_COLLECTED), (_T.RECORDING_SENT, _T.CLOSED)),
        "the client's words",
    ),
    StatusChange(
        "send_recording",
        ((_T.HELD, _T.RECORDING_SENT), (_T.FEEDBACK_COLLECTED, _T.CLOSED)),
        "a link to the recording",
    ),
    StatusChange("record_facts", tuple((s, s) for s in _ALIVE), "any time before cancelling"),
    StatusChange("cancel", ((_T.TO_AGREE, _T.CANCELLED), (_T.SCHEDULED, _T.CANCELLED)), "a reason"),
)


@attrs.frozen
class Reschedule:
    """One move of a training: from ``previous`` to ``new``, agreed at ``at`` by ``by``."""

    previous: datetime
    new: datetime
    at: datetime
    by: EmployeeId
    reason: str


@attrs.frozen
class Feedback:
    """What the client said after the training; ``rating`` 1–5 when they gave one."""

    text: str
    collected_at: datetime
    rating: int | None = None

    def __attrs_post_init__(self) -> None:
        errors = string_errors("text", self.text) + aware_errors("collected_at", self.collected_at)
        if self.rating is not None and (type(self.rating) is not int or not 1 <= self.rating <= 5):
            errors.append(FieldError("rating", f"must be 1..5 or None, got {self.rating!r}"))
        raise_errors(errors, "feedback")


@attrs.frozen
class TrainingStep:
    """One step of a training's history."""

    status: TrainingStatus
    at: datetime
    by: EmployeeId
    action: str
    note: str = ""


@attrs.frozen
class Training:
    """A new client's training in the application (seed 002, process 7).

    ``starts_at`` is the agreed date and time (``None`` until agreed); each move is in
    ``reschedules``, oldest first. ``facts`` are what tech support needs. ``status`` is
    always the status of the last event of ``history``.
    """

    id: TrainingId
    client_id: ClientId
    manager_id: EmployeeId
    topic: str
    status: TrainingStatus
    history: tuple[TrainingStep, ...]
    starts_at: datetime | None = None
    duration: timedelta | None = None
    reschedules: tuple[Reschedule, ...] = ()
    held_at: datetime | None = None
    feedback: Feedback | None = None
    recording_url: str | None = None
    recording_sent_at: datetime | None = None
    facts: TechFacts = TechFacts()
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors = string_errors("id", self.id) + string_errors("client_id", self.client_id)
        errors += string_errors("manager_id", self.manager_id)
        errors += string_errors("topic", self.topic)
        if not isinstance(self.status, TrainingStatus):
            errors.append(FieldError("status", f"{self.status!r} is not a TrainingStatus"))
        errors += _tuple_errors("history", self.history, TrainingStep)
        if not errors and not self.history:
            errors.append(FieldError("history", "must hold at least the first event"))
        elif not errors and self.history[-1].status is not self.status:
            errors.append(FieldError("status", "is not the status of the last event"))
        errors += aware_errors("starts_at", self.starts_at, optional=True)
        if self.status not in (TrainingStatus.TO_AGREE, TrainingStatus.CANCELLED) and (
            self.starts_at is None
        ):
            errors.append(FieldError("starts_at", "required once the training is agreed"))
        if self.duration is not None and (
            not isinstance(self.duration, timedelta) or self.duration <= timedelta(0)
        ):
            errors.append(FieldError("duration", "must be a positive timedelta or None"))
        errors += _tuple_errors("reschedules", self.reschedules, Reschedule)
        errors += aware_errors("held_at", self.held_at, optional=True)
        if self.feedback is not None and not isinstance(self.feedback, Feedback):
            errors.append(FieldError("feedback", "must be a Feedback or None"))
        if self.recording_url is not None:
            errors += string_errors("recording_url", self.recording_url)
        errors += aware_errors("recording_sent_at", self.recording_sent_at, optional=True)
        if not isinstance(self.facts, TechFacts):
            errors.append(FieldError("facts", "must be TechFacts"))
        errors += _count_errors("version", self.version, minimum=0)
        raise_errors(errors, f"training {self.id}")

    def did(self, action: str) -> bool:
        """Whether ``action`` is in the history."""
        return any(event.action == action for event in self.history)


# --------------------------------------------------------------------------- policy


class NonWorkingDay(enum.Enum):
    """What happens to a visit that falls on a non-working day of the calendar."""

    #: Moved to the next working day.
    NEXT_WORKING_DAY = "next_working_day"
    #: Moved to the last working day before it.
    PREVIOUS_WORKING_DAY = "previous_working_day"
    #: Refused: :class:`~clientops.errors.ValidationError` naming the date.
    REFUSE = "refuse"


_visit_template = template_validator(
    "contract", "client", "problem", "requested", "deadline", "day", "original", "rule", "topic"
)


@attrs.define(
    frozen=True,
    field_transformer=lambda _, fields: [
        f.evolve(validator=_visit_template) if f.type in (str, "str") else f for f in fields
    ],
)
class VisitTexts:
    """The words of service visits and trainings (Russian by default; ``str.format``
    templates with ``{contract}``, ``{client}``, ``{problem}``, ``{requested}``,
    ``{deadline}``, ``{day}``, ``{original}``, ``{rule}``, ``{topic}``; dates are written
    ``ДД.ММ.ГГГГ``, times ``ЧЧ:ММ``)."""

    scheduled_appeal: str = "Плановое сервисное обслуживание по договору № {contract}"
    emergency_appeal: str = "Аварийный выезд по договору № {contract}: {problem}"
    escalation_head: str = (
        "Просрочен аварийный выезд: {client}, договор № {contract}, заявка от {requested}, "
        "срок — до {deadline}. Организовать выезд немедленно"
    )
    escalation_manager: str = (
        "Просрочен аварийный выезд: {client}, договор № {contract}, заявка от {requested}, "
        "срок — до {deadline}. Связаться с клиентом"
    )
    maintenance_event: str = "Сервисное обслуживание: {client} (договор № {contract})"
    maintenance_description: str = "Регламентный выезд по договору № {contract}: {rule}"
    moved_note: str = "Перенесено с {original}: нерабочий день"
    every_week: str = "еженедельно"
    every_weeks: str = "каждые {rule} нед."
    monthly: str = "ежемесячно, {day}"
    every_months: str = "каждые {rule} мес., {day}"
    quarterly: str = "ежеквартально, {day}"
    month_day: str = "{day}-го числа"
    last_day: str = "в последний день месяца"
    training_event: str = "Обучение: {client} — {topic}"
    default_training_topic: str = "Обучение работе с приложением"

    def rule(self, recurrence: MaintenanceRecurrence) -> str:
        """The recurrence in words: «каждые 2 нед.», «ежеквартально, 15-го числа»."""
        if recurrence.frequency is MaintenanceFrequency.WEEKLY:
            n = recurrence.interval
            return self.every_week if n == 1 else self.every_weeks.format(rule=n)
        day = recurrence.month_day
        on = self.last_day if day == -1 else self.month_day.format(day=day)
        if recurrence.interval == 1:
            return self.monthly.format(day=on)
        if recurrence.interval == 3:
            return self.quarterly.format(day=on)
        return self.every_months.format(rule=recurrence.interval, day=on)


def _time_or_none(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, time):
        raise ValidationError([FieldError(attribute.name, "must be a time of day or None")])


def _duration(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError([FieldError(attribute.name, "must be a positive timedelta")])


def _delay(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError([FieldError(attribute.name, "must be a timedelta >= 0")])


def _department(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    errors = string_errors(attribute.name, value)
    raise_errors(errors, "visit policy")


@attrs.frozen
class VisitPolicy:
    """Every number and phrase of service visits and trainings. Change one with
    ``attrs.evolve``.

    An emergency deadline is the end of the contract's *n*-th working day after the request
    day (the request day itself never counts, whatever the hour): midnight after it in the
    department's zone, or ``emergency_deadline_time`` on that day when set (say 18:00, the end
    of the working day).
    """

    #: A visit on a non-working day: moved forward (default), moved back, or refused.
    non_working_day: NonWorkingDay = attrs.field(
        default=NonWorkingDay.NEXT_WORKING_DAY,
        validator=attrs.validators.instance_of(NonWorkingDay),
    )
    #: The local time of a scheduled visit (a contract's own ``visit_time`` wins).
    visit_time: time = attrs.field(
        default=time(10, 0), validator=attrs.validators.instance_of(time)
    )
    #: How long a scheduled visit is in the calendar.
    visit_duration: timedelta = attrs.field(default=timedelta(hours=2), validator=_duration)
    #: ``None``: an emergency deadline is the end of its day; a time: that time of the day.
    emergency_deadline_time: time | None = attrs.field(default=None, validator=_time_or_none)
    #: Its head gets the escalation of a late emergency visit (the service or tech department).
    service_department: DepartmentId = attrs.field(
        default=DepartmentId("tech_support"), validator=_department
    )
    #: Gets the escalation when the client has no manager assigned.
    client_department: DepartmentId = attrs.field(
        default=DepartmentId("client"), validator=_department
    )
    #: An escalation reaction is due this long after the breach is found.
    escalation_delay: timedelta = attrs.field(default=timedelta(0), validator=_delay)
    #: How long a training is when no duration is agreed.
    training_duration: timedelta = attrs.field(default=timedelta(hours=1), validator=_duration)
    texts: VisitTexts = attrs.field(
        default=VisitTexts(), validator=attrs.validators.instance_of(VisitTexts)
    )


# --------------------------------------------------------------------------- the visit act


@attrs.frozen
class VisitAct:
    """What a visit act («акт выезда») says: its number and day, the client and contract,
    the kind of visit, the engineer, the work done line by line and the parts bought under
    the contract. A plain value: a document renderer makes the .docx of it."""

    number: str
    day: date
    client_id: ClientId
    client_name: str
    contract_number: str
    kind: VisitKind
    engineer: str
    works: tuple[str, ...]
    parts: tuple[Part, ...] = ()
    address: str = ""
    problem: str = ""

    def __attrs_post_init__(self) -> None:
        errors = string_errors("number", self.number) + date_errors("day", self.day)
        for name in ("client_id", "client_name", "contract_number", "engineer"):
            errors += string_errors(name, getattr(self, name))
        if not isinstance(self.works, tuple) or not self.works:
            errors.append(FieldError("works", "at least one line of work"))
        raise_errors(errors, "visit act")

    @property
    def parts_total(self) -> Money | None:
        """What the parts cost together, ``None`` without parts."""
        if not self.parts:
            return None
        total = self.parts[0].total
        for part in self.parts[1:]:
            total += part.total
        return total


# --------------------------------------------------------------------------- events


@attrs.frozen
class VisitScheduled(Event):
    """A visit was planned (or planned again): ``engineer_id`` goes on ``planned_on``."""

    visit_id: VisitId
    client_id: ClientId
    kind: VisitKind
    engineer_id: EmployeeId
    planned_on: date
    by: EmployeeId
    at: datetime


@attrs.frozen
class VisitSlaBreached(Event):
    """An emergency visit passed its deadline and was escalated (published once per breach,
    by the first :meth:`check_visit_sla` that escalates it; ``at`` is the check's time)."""

    visit_id: VisitId
    client_id: ClientId
    deadline: datetime
    late_by: timedelta
    at: datetime


@attrs.frozen
class TrainingScheduled(Event):
    """A training's date and time were agreed (``rescheduled`` when it was moved)."""

    training_id: TrainingId
    client_id: ClientId
    manager_id: EmployeeId
    starts_at: datetime
    rescheduled: bool
    by: EmployeeId
    at: datetime
