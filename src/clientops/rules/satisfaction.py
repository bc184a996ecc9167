"""The satisfaction round (seed 000, «Выявление удовлетворённости клиента»), as pure functions.

Every two weeks the client manager calls each client assigned to them and asks whether they are
satisfied with the software, the technical support and the company. Satisfied: ask for a
recommendation letter and follow the request up. Unsatisfied: an emergency, a claim passed at
once to the head of the department at fault and to the general director
(:func:`clientops.rules.claims.file_claim`). Not reached: call again the next working day.

**The cadence.** The next call is due :attr:`SatisfactionPolicy.interval` (14 days) after the
last one, or :attr:`~SatisfactionPolicy.first_call_after` the day the client was assigned when
there has been none; it counts from the day of the call actually made, so a late call moves the
next ones. With :attr:`~SatisfactionPolicy.shift_to_working_day` (the default) a call due on a
day off of the working calendar (a weekend, a public holiday, a moved day off) is due the next
working day instead; switch it off to keep the bare 14-day rhythm::

    >>> from datetime import date
    >>> import attrs
    >>> policy = SatisfactionPolicy()
    >>> next_satisfaction_call(date(2026, 12, 24), date(2026, 1, 12), policy)
    datetime.date(2027, 1, 11)
    >>> bare = attrs.evolve(policy, shift_to_working_day=False)
    >>> next_satisfaction_call(date(2026, 12, 24), date(2026, 1, 12), bare)
    datetime.date(2027, 1, 7)

(7 January is Christmas, and the New Year holidays of 2027 last until the 10th.)

Ids are deterministic: a call at 10:00 UTC on 2 March 2026 to client ``c1`` is recorded on the
appeal ``satisfaction-c1-20260302T100000``, with the reactions ``…-call`` (the call itself, done),
``…-letter`` (the letter's follow-up) or ``…-retry`` (the call again), and an unsatisfied call
files the claim of the same id; recording the same call twice makes the same records.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from clientops._text import template_names, template_validator
from clientops.claims import (
    ClaimEvent,
    ClaimId,
    ClaimOccasion,
    ClaimPolicy,
    ClaimSource,
)
from clientops.commands import Command, CreateAppeal, CreateReaction
from clientops.errors import FieldError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientId,
    DepartmentId,
    EmployeeId,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    StaffDirectory,
)
from clientops.orders import OrderId
from clientops.rules.claims import ClaimDecision, file_claim
from clientops.workdays import (
    WorkCalendar,
    add_working_days,
    next_working_day,
    previous_working_day,
    russian_calendar,
)

if TYPE_CHECKING:  # clientops.policy may import this module: no import cycle
    from clientops.policy import Policy

__all__ = [
    "AssignedClient",
    "RecommendationRequest",
    "SatisfactionCall",
    "SatisfactionCallDue",
    "SatisfactionDecision",
    "SatisfactionDueBounds",
    "SatisfactionOutcome",
    "SatisfactionPolicy",
    "SatisfactionRecorded",
    "SatisfactionTexts",
    "next_satisfaction_call",
    "record_satisfaction",
    "satisfaction_appeal_id",
    "satisfaction_due",
    "satisfaction_due_bounds",
    "satisfaction_policy",
]


# --------------------------------------------------------------------------- policy


def _errors_raise(errors: list[FieldError], subject: str) -> None:
    if errors:
        raise ValidationError(errors, subject=subject)


def _day_errors(path: str, value: object) -> list[FieldError]:
    if isinstance(value, datetime) or not isinstance(value, date):
        return [FieldError(path, f"must be a date, got {value!r}")]
    return []


def _whole_days(value: object, *, positive: bool) -> bool:
    if not isinstance(value, timedelta) or value.seconds or value.microseconds:
        return False
    return value > timedelta(0) if positive else value >= timedelta(0)


_satisfaction_template = template_validator("client", "date", "manager", "company")


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
    the client's name, ``{date}`` a day as ``24.12.2026``, ``{manager}`` the manager's full
    name, ``{company}`` the company's name)."""

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
        _errors_raise(errors, "satisfaction policy")


def satisfaction_policy(
    policy: Policy, satisfaction: SatisfactionPolicy | None = None
) -> SatisfactionPolicy:
    """The round's policy in force: ``satisfaction`` when given, else ``policy.satisfaction``."""
    return satisfaction if satisfaction is not None else policy.satisfaction


def _ru(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# --------------------------------------------------------------------------- the cadence


def _raw_due(last_call: date | None, assigned_on: date, policy: SatisfactionPolicy) -> date:
    if last_call is None:
        return assigned_on + policy.first_call_after
    return last_call + policy.interval


def next_satisfaction_call(
    last_call: date | None,
    assigned_on: date,
    policy: SatisfactionPolicy,
    calendar: WorkCalendar | None = None,
) -> date:
    """The day the next satisfaction call is due: ``policy.interval`` after ``last_call``, or
    ``policy.first_call_after`` after ``assigned_on`` when no call was made yet; moved to the
    next working day of ``calendar`` (the Russian production calendar when not given) when
    ``policy.shift_to_working_day``. A last call made before the client was assigned (to
    another manager) still counts: the client is called every two weeks, whoever calls.

    >>> next_satisfaction_call(None, date(2026, 1, 28), SatisfactionPolicy())   # 11.02, Wed
    datetime.date(2026, 2, 11)
    >>> next_satisfaction_call(date(2026, 2, 25), date(2026, 1, 28), SatisfactionPolicy())
    datetime.date(2026, 3, 11)
    """
    errors = _day_errors("assigned_on", assigned_on)
    if last_call is not None:
        errors += _day_errors("last_call", last_call)
    _errors_raise(errors, "satisfaction call")
    due = _raw_due(last_call, assigned_on, policy)
    if policy.shift_to_working_day:
        due = next_working_day(calendar if calendar is not None else russian_calendar(), due)
    return due


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


def satisfaction_due_bounds(
    day: date, policy: SatisfactionPolicy, calendar: WorkCalendar | None = None
) -> SatisfactionDueBounds:
    """The bounds that select, without loading a client, the same calls as
    :func:`satisfaction_due` on ``day``. A shifted due day is on or before ``day`` exactly when
    the bare one is on or before the last working day up to ``day``; so on a working day the
    bound is ``day`` itself, on a day off the working day before it.

    >>> bounds = satisfaction_due_bounds(date(2026, 3, 9), SatisfactionPolicy())  # 8 March moved
    >>> bounds.last_call_until, bounds.assigned_until
    (datetime.date(2026, 2, 20), datetime.date(2026, 2, 20))
    """
    _errors_raise(_day_errors("day", day), "satisfaction due")
    cutoff = day
    if policy.shift_to_working_day:
        cutoff = previous_working_day(calendar if calendar is not None else russian_calendar(), day)
    return SatisfactionDueBounds(
        day=day,
        last_call_until=cutoff - policy.interval,
        assigned_until=cutoff - policy.first_call_after,
    )


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
        errors = _day_errors("assigned_on", self.assigned_on)
        if self.last_call is not None:
            errors += _day_errors("last_call", self.last_call)
        for name in ("client_id", "manager_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                errors.append(FieldError(name, "required"))
        _errors_raise(errors, "assigned client")


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


def satisfaction_due(
    clients: Iterable[AssignedClient],
    day: date,
    *,
    policy: SatisfactionPolicy,
    calendar: WorkCalendar | None = None,
) -> tuple[SatisfactionCallDue, ...]:
    """The satisfaction calls due on ``day`` (late ones included), the longest overdue first,
    then by client name and id. For a small set in memory; a store answers the same question
    with :func:`satisfaction_due_bounds`.

    >>> c = AssignedClient(ClientId("c1"), EmployeeId("anna"), date(2026, 1, 12),
    ...                    last_call=date(2026, 2, 20), client_name="ООО «Ромашка»")
    >>> [(d.due_on, d.days_overdue, d.reason) for d in
    ...  satisfaction_due([c], date(2026, 3, 10), policy=SatisfactionPolicy())]
    [(datetime.date(2026, 3, 6), 4, 'Звонок удовлетворённости: прошлый звонок 20.02.2026')]
    """
    _errors_raise(_day_errors("day", day), "satisfaction due")
    cadence = _Cadence(day, policy, calendar)
    found: list[SatisfactionCallDue] = []
    for client in clients:
        due = cadence.due_on(client.last_call, client.assigned_on)
        if due > day:
            continue
        found.append(
            SatisfactionCallDue(
                client_id=client.client_id,
                client_name=client.client_name,
                manager_id=client.manager_id,
                due_on=due,
                last_call=client.last_call,
                days_overdue=(day - due).days,
                reason=cadence.reason(client.client_name, client.last_call, client.assigned_on),
            )
        )
    found.sort(key=lambda d: (d.due_on, d.client_name, d.client_id))
    return tuple(found)


class _Cadence:
    """:func:`next_satisfaction_call` and the reason of a due call for many clients on one
    day, each computed once per distinct date (a manager's thousand clients share a few
    dozen last-call dates). Shared by :func:`satisfaction_due` and the daily agenda."""

    __slots__ = ("_dues", "_names", "_reasons", "calendar", "day", "policy")

    def __init__(
        self, day: date, policy: SatisfactionPolicy, calendar: WorkCalendar | None
    ) -> None:
        self.day = day
        self.policy = policy
        self.calendar = calendar if calendar is not None else russian_calendar()
        self._dues: dict[tuple[date | None, date | None], date] = {}
        self._reasons: dict[tuple[bool, date], str] = {}
        texts = policy.texts
        # whether a text names the client (then it is made per client, else per date)
        self._names = {
            True: "client" in template_names(texts.first_call),
            False: "client" in template_names(texts.regular_call),
        }

    def due_on(self, last_call: date | None, assigned_on: date) -> date:
        key = (last_call, None) if last_call is not None else (None, assigned_on)
        due = self._dues.get(key)
        if due is None:
            due = _raw_due(last_call, assigned_on, self.policy)
            if self.policy.shift_to_working_day:
                due = next_working_day(self.calendar, due)
            self._dues[key] = due
        return due

    def reason(self, client_name: str, last_call: date | None, assigned_on: date) -> str:
        first = last_call is None
        since = assigned_on if last_call is None else last_call
        texts = self.policy.texts
        template = texts.first_call if first else texts.regular_call
        if self._names[first]:
            return template.format(client=client_name, date=_ru(since), manager="", company="")
        key = (first, since)
        text = self._reasons.get(key)
        if text is None:
            text = self._reasons[key] = template.format(
                client="", date=_ru(since), manager="", company=""
            )
        return text


# --------------------------------------------------------------------------- the call


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
        _errors_raise(errors, "satisfaction call")


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
class SatisfactionRecorded:
    """A satisfaction call was recorded; ``claim_id`` is the claim it led to, if any."""

    client_id: ClientId
    manager_id: EmployeeId
    outcome: SatisfactionOutcome
    at: datetime
    claim_id: ClaimId | None = None


@attrs.frozen
class SatisfactionDecision:
    """What recording a satisfaction call comes to: the call's ``appeal`` and ``reactions``
    (the call itself, done; then the letter's follow-up or the call again), ``last_call`` the
    day to store as the client's last satisfaction call (``None`` when not reached: the call is
    still due), the ``recommendation`` letter's facts, the ``claim`` filed, and the ``events``."""

    call: SatisfactionCall
    appeal: Appeal
    reactions: tuple[Reaction, ...]
    last_call: date | None
    recommendation: RecommendationRequest | None = None
    claim: ClaimDecision | None = None
    events: tuple[SatisfactionRecorded | ClaimEvent, ...] = ()

    @property
    def commands(self) -> tuple[Command, ...]:
        """The records to create, the round's first, then the claim's."""
        own: tuple[Command, ...] = (
            CreateAppeal(self.appeal),
            *(CreateReaction(r) for r in self.reactions),
        )
        return own + (self.claim.commands if self.claim is not None else ())


def satisfaction_appeal_id(client_id: ClientId, at: datetime) -> AppealId:
    """The id of the appeal a satisfaction call made at ``at`` is recorded on.

    >>> satisfaction_appeal_id(ClientId("c1"), datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    'satisfaction-c1-20260302T130000'
    """
    return AppealId(f"satisfaction-{client_id}-{at.astimezone(UTC):%Y%m%dT%H%M%S}")


def record_satisfaction(
    call: SatisfactionCall,
    *,
    client: Client,
    staff: StaffDirectory,
    policy: Policy,
    satisfaction: SatisfactionPolicy | None = None,
    claims: ClaimPolicy | None = None,
    claim_id: ClaimId | None = None,
) -> SatisfactionDecision:
    """Record a satisfaction call and say what follows.

    - **Satisfied**: a :class:`RecommendationRequest` and a reaction for the manager to follow
      the letter up ``letter_follow_up_days`` working days later at ``call_time``.
    - **Unsatisfied**: a claim filed with :func:`~clientops.rules.claims.file_claim` (the
      client's words when taken down, else the manager's notes; the occasion
      :attr:`~clientops.claims.ClaimOccasion.SATISFACTION_CALL`; ``claim_id`` or the call's
      appeal id), passed at once to the head of the department at fault and the director. A
      call without ``department_id`` raises :class:`~clientops.errors.ValidationError` naming it.
    - **Not reached**: a reaction to call again ``retry_after_days`` working days later at
      ``call_time``; ``last_call`` stays ``None``.

    Working days are ``policy.calendar``'s, times of day ``policy.timezone``'s. ``client`` must
    be the call's client and the manager must be in ``staff``."""
    rules = satisfaction_policy(policy, satisfaction)
    errors: list[FieldError] = []
    if client.id != call.client_id:
        errors.append(FieldError("client_id", f"{call.client_id!r} is not {client.id!r}"))
    manager = staff.employee(call.manager_id)
    if manager is None:
        errors.append(FieldError("manager_id", f"{call.manager_id!r} is not in the staff"))
    _errors_raise(errors, "satisfaction call")
    assert manager is not None
    texts = rules.texts
    tz = policy.tz
    today = call.at.astimezone(tz).date()
    appeal_id = satisfaction_appeal_id(client.id, call.at)
    fill = {
        "client": client.name,
        "date": _ru(today),
        "manager": manager.full_name,
        "company": policy.company_name,
    }
    appeal = Appeal(
        id=appeal_id,
        client_id=client.id,
        topic=texts.appeal_topic.format(**fill),
        department_id=policy.client_department,
        created_at=call.at,
        type=AppealType.CLIENT_DEPARTMENT,
        note=call.notes.strip() or None,
        created_by=manager.id,
    )
    said = " ".join(call.notes.split())
    done = Reaction(
        id=ReactionId(f"{appeal_id}-call"),
        appeal_id=appeal_id,
        client_id=client.id,
        kind=ReactionKind.OUTGOING_CALL,
        topic=appeal.topic,
        due_at=call.at,
        created_at=call.at,
        employee_id=manager.id,
        created_by=manager.id,
        outcome=f"{call.outcome.label}. {said}" if said else call.outcome.label,
        done_at=call.at,
    )

    def later(days: int) -> datetime:
        day = add_working_days(policy.calendar, today, days)
        return datetime.combine(day, rules.call_time, tzinfo=tz)

    def task(suffix: str, topic: str, due: datetime) -> Reaction:
        return Reaction(
            id=ReactionId(f"{appeal_id}-{suffix}"),
            appeal_id=appeal_id,
            client_id=client.id,
            kind=ReactionKind.OUTGOING_CALL,
            topic=topic,
            due_at=due,
            created_at=call.at,
            employee_id=manager.id,
            created_by=manager.id,
        )

    recommendation: RecommendationRequest | None = None
    claim: ClaimDecision | None = None
    reactions: tuple[Reaction, ...]
    if call.outcome is SatisfactionOutcome.SATISFIED:
        follow_up = later(rules.letter_follow_up_days)
        reactions = (done, task("letter", texts.letter_follow_up.format(**fill), follow_up))
        recommendation = RecommendationRequest(
            client_id=client.id,
            client_name=client.name,
            contact_person=client.contact_person,
            manager_id=manager.id,
            manager_name=manager.full_name,
            manager_phone=manager.phone,
            manager_email=manager.email,
            company=policy.company_name,
            requested_on=today,
            follow_up_on=follow_up.date(),
            praise=call.notes.strip(),
            text=texts.letter_request.format(**fill),
        )
        last_call: date | None = today
    elif call.outcome is SatisfactionOutcome.UNSATISFIED:
        if call.department_id is None:
            raise ValidationError(
                [FieldError("department_id", "required: name the department whose work caused it")],
                subject="claim",
            )
        words = call.client_words.strip()
        source = ClaimSource.client_words(words) if words else ClaimSource.manager_notes(call.notes)
        claim = file_claim(
            id=claim_id if claim_id is not None else ClaimId(appeal_id),
            client=client,
            department_id=call.department_id,
            source=source,
            now=call.at,
            by=manager.id,
            staff=staff,
            policy=policy,
            claims=claims,
            money=call.money,
            order_id=call.order_id,
            invoice_id=call.invoice_id,
            occasion=ClaimOccasion.SATISFACTION_CALL,
        )
        reactions = (done,)
        last_call = today
    else:
        retry = task("retry", texts.retry.format(**fill), later(rules.retry_after_days))
        reactions = (done, retry)
        last_call = None
    event = SatisfactionRecorded(
        client_id=client.id,
        manager_id=manager.id,
        outcome=call.outcome,
        at=call.at,
        claim_id=claim.claim.id if claim is not None else None,
    )
    return SatisfactionDecision(
        call=call,
        appeal=appeal,
        reactions=reactions,
        last_call=last_call,
        recommendation=recommendation,
        claim=claim,
        events=(event, *(claim.events if claim is not None else ())),
    )
