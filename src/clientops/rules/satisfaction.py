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

from collections.abc import Iterable
from datetime import UTC, date, datetime

import attrs

from clientops._checks import date_errors as _date_errors
from clientops._checks import raise_errors as _raise_errors
from clientops._claims import (
    ClaimEvent,
    ClaimId,
    ClaimOccasion,
    ClaimPolicy,
    ClaimSource,
)
from clientops._formats import full_date
from clientops._names import PersonName
from clientops._text import template_names
from clientops.commands import Command, CreateAppeal, CreateReaction
from clientops.errors import FieldError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientId,
    Reaction,
    ReactionId,
    ReactionKind,
    StaffDirectory,
)
from clientops.policy import Policy
from clientops.rules.claims import ClaimDecision, file_claim
from clientops.satisfaction import (
    AssignedClient,
    RecommendationRequest,
    SatisfactionCall,
    SatisfactionCallDue,
    SatisfactionDueBounds,
    SatisfactionOutcome,
    SatisfactionPolicy,
    SatisfactionRecorded,
)
from clientops.workdays import (
    WorkCalendar,
    add_working_days,
    next_working_day,
    previous_working_day,
    russian_calendar,
)

__all__ = [
    "SatisfactionCadence",
    "SatisfactionDecision",
    "next_satisfaction_call",
    "record_satisfaction",
    "satisfaction_appeal_id",
    "satisfaction_due",
    "satisfaction_due_bounds",
    "satisfaction_policy",
]


# --------------------------------------------------------------------------- policy


def satisfaction_policy(
    policy: Policy, satisfaction: SatisfactionPolicy | None = None
) -> SatisfactionPolicy:
    """The round's policy in force: ``satisfaction`` when given, else ``policy.satisfaction``."""
    return satisfaction if satisfaction is not None else policy.satisfaction


def _ru(day: date) -> str:
    return full_date(day)


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
    errors = _date_errors("assigned_on", assigned_on)
    if last_call is not None:
        errors += _date_errors("last_call", last_call)
    _raise_errors(errors, "satisfaction call")
    due = _raw_due(last_call, assigned_on, policy)
    if policy.shift_to_working_day:
        due = next_working_day(calendar if calendar is not None else russian_calendar(), due)
    return due


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
    _raise_errors(_date_errors("day", day), "satisfaction due")
    cutoff = day
    if policy.shift_to_working_day:
        cutoff = previous_working_day(calendar if calendar is not None else russian_calendar(), day)
    return SatisfactionDueBounds(
        day=day,
        last_call_until=cutoff - policy.interval,
        assigned_until=cutoff - policy.first_call_after,
    )


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

    >>> from clientops.model import EmployeeId
    >>> c = AssignedClient(ClientId("c1"), EmployeeId("anna"), date(2026, 1, 12),
    ...                    last_call=date(2026, 2, 20), client_name="ООО «Ромашка»")
    >>> [(d.due_on, d.days_overdue, d.reason) for d in
    ...  satisfaction_due([c], date(2026, 3, 10), policy=SatisfactionPolicy())]
    [(datetime.date(2026, 3, 6), 4, 'Звонок удовлетворённости: прошлый звонок 20.02.2026')]
    """
    _raise_errors(_date_errors("day", day), "satisfaction due")
    cadence = SatisfactionCadence(day, policy, calendar)
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


class SatisfactionCadence:
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

    def names_client(self, last_call: date | None) -> bool:
        """Whether the reason of a call with this ``last_call`` names the client (then it is
        made per client; else once per date)."""
        return self._names[last_call is None]

    def reason(self, client_name: str, last_call: date | None, assigned_on: date) -> str:
        first = last_call is None
        since = assigned_on if last_call is None else last_call
        texts = self.policy.texts
        template = texts.first_call if first else texts.regular_call
        if self._names[first]:
            return template.format(
                client=client_name, date=_ru(since), manager=PersonName(""), company=""
            )
        key = (first, since)
        text = self._reasons.get(key)
        if text is None:
            text = self._reasons[key] = template.format(
                client="", date=_ru(since), manager=PersonName(""), company=""
            )
        return text


# --------------------------------------------------------------------------- the call


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
    _raise_errors(errors, "satisfaction call")
    assert manager is not None
    texts = rules.texts
    tz = policy.tz
    today = call.at.astimezone(tz).date()
    appeal_id = satisfaction_appeal_id(client.id, call.at)
    fill = {
        "client": client.name,
        "date": _ru(today),
        "manager": manager.person,
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
