"""What a claim sets off, as pure functions: who is told (the head of the department at fault and
the general director), the claim's appeal and its escalation reactions, the event plugins
forward, and the figures of the manager's report (seed 003: «объём заявленных претензий» and
«объём удовлетворённых претензий», in claims, orders and roubles).

The claim process itself is :mod:`clientops.claims`. Every claim has one appeal, made when it
is filed, with the id ``claim-<claim id>``; the escalation reaction to each person has the id
``claim-<claim id>-notify-<employee id>`` (``…-escalate-…`` when the manager brings the
director in later), so a filing done twice makes the same records, never a second set::

    >>> from clientops.claims import ClaimId
    >>> claim_appeal_id(ClaimId("k1"))
    'claim-k1'

Filing, with the sample staff of :mod:`clientops.testing` (Иванов heads management, Петров
heads sales)::

    >>> from datetime import datetime, timezone
    >>> from clientops import Policy
    >>> from clientops.claims import ClaimSource
    >>> from clientops.model import DepartmentId, EmployeeId
    >>> from clientops.testing import a_client, a_staff
    >>> decision = file_claim(
    ...     id=ClaimId("k1"), client=a_client(name="ООО «Ромашка»"),
    ...     department_id=DepartmentId("sales"),
    ...     source=ClaimSource.client_words("Обещали скидку и не дали"),
    ...     now=datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc), by=EmployeeId("anna"),
    ...     staff=a_staff(), policy=Policy(),
    ... )
    >>> [(r.employee_id, r.due_at.time().isoformat()) for r in decision.reactions]
    [('petrov', '10:00:00'), ('ivanov', '10:00:00')]
    >>> decision.reactions[1].topic
    'ЧП: рекламация клиента ООО «Ромашка», отдел «Отдел продаж». Обещали скидку и не дали'
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

import attrs

from clientops._checks import date_errors as _day_errors
from clientops._checks import raise_errors as _raise_errors
from clientops._claims import (
    Claim,
    ClaimAction,
    ClaimAdvanced,
    ClaimEvent,
    ClaimFiled,
    ClaimId,
    ClaimOccasion,
    ClaimPolicy,
    ClaimSource,
    ClaimStage,
    EscalateToDirector,
    advance,
    open_claim,
)
from clientops._names import PersonName
from clientops._orders import OrderId
from clientops.commands import Command, CreateAppeal, CreateReaction
from clientops.errors import FieldError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Reaction,
    ReactionId,
    StaffDirectory,
)

if TYPE_CHECKING:  # clientops.policy may import this package's modules: no import cycle
    from clientops.policy import Policy

__all__ = [
    "ClaimDecision",
    "ClaimFigures",
    "ClaimRecipient",
    "ClaimReport",
    "RecipientReason",
    "advance_claim",
    "claim_appeal_id",
    "claim_figures",
    "claim_policy",
    "claim_recipients",
    "escalation_reaction_id",
    "file_claim",
    "general_director",
]


def claim_policy(policy: Policy, claims: ClaimPolicy | None = None) -> ClaimPolicy:
    """The claim policy in force: ``claims`` when given, else ``policy.claims``."""
    return claims if claims is not None else policy.claims


def claim_appeal_id(claim_id: ClaimId) -> AppealId:
    """The id of the appeal a claim's reactions belong to."""
    return AppealId(f"claim-{claim_id}")


def escalation_reaction_id(
    claim_id: ClaimId, employee_id: EmployeeId, *, step: str = "notify"
) -> ReactionId:
    """The id of the reaction telling ``employee_id`` of the claim (``step`` is ``notify`` on
    filing, ``escalate`` when the director is brought in).

    >>> escalation_reaction_id(ClaimId("k1"), EmployeeId("ivanov"))
    'claim-k1-notify-ivanov'
    """
    return ReactionId(f"claim-{claim_id}-{step}-{employee_id}")


# --------------------------------------------------------------------------- recipients


class RecipientReason(enum.Enum):
    """Why someone is told of a claim."""

    #: The head of the department whose work caused the claim.
    HEAD_OF_DEPARTMENT = "head_of_department"
    #: The general director.
    GENERAL_DIRECTOR = "general_director"
    #: The general director standing in for a department that has no head.
    NO_HEAD_OF_DEPARTMENT = "no_head_of_department"


@attrs.frozen
class ClaimRecipient:
    """A person told of a claim, once, with every reason they are told for (the director of a
    department at fault is its head and the director)."""

    employee_id: EmployeeId
    reasons: tuple[RecipientReason, ...]


def general_director(
    staff: StaffDirectory, *, policy: Policy, claims: ClaimPolicy | None = None
) -> Employee:
    """The general director: ``claims.director_id`` when set, else the head of
    ``policy.management_department``, else the first employee (by id) with
    ``claims.director_role``. Nobody found (or a ``director_id`` not in ``staff``) raises
    :class:`~clientops.errors.ValidationError` naming ``staff``: a claim must reach the director.
    """
    rules = claim_policy(policy, claims)
    if rules.director_id is not None:
        person = staff.employee(rules.director_id)
        if person is None:
            raise ValidationError(
                [
                    FieldError(
                        "staff",
                        f"the general director {rules.director_id!r} (ClaimPolicy.director_id) "
                        "is not in the staff directory",
                    )
                ],
                subject="claim escalation",
            )
        return person
    head = staff.head_of(policy.management_department)
    if head is not None:
        return head
    holders = sorted(staff.with_role(rules.director_role), key=lambda e: e.id)
    if holders:
        return holders[0]
    raise ValidationError(
        [
            FieldError(
                "staff",
                f"no general director: department {policy.management_department!r} has no head "
                f"in the staff directory and nobody has the role {rules.director_role.value!r}; "
                "set one, or ClaimPolicy.director_id",
            )
        ],
        subject="claim escalation",
    )


def _unknown_department(department_id: DepartmentId, staff: StaffDirectory) -> FieldError:
    known = ", ".join(sorted(d.id for d in staff.departments)) or "none"
    return FieldError(
        "department_id", f"{department_id!r} is not a department of the staff (known: {known})"
    )


def claim_recipients(
    department_id: DepartmentId,
    *,
    staff: StaffDirectory,
    policy: Policy,
    claims: ClaimPolicy | None = None,
) -> tuple[ClaimRecipient, ...]:
    """Who is told at once of a claim against ``department_id``: its head, then the general
    director (:func:`general_director`), each once. A department without a head (or whose head
    is not in the staff) falls back to the director. An unknown department raises
    :class:`~clientops.errors.ValidationError` naming ``department_id``; no director raises one
    naming ``staff``.

    An absent head (on leave) is still told: the reaction waits for them, and the director has
    it at once anyway."""
    rules = claim_policy(policy, claims)
    if staff.department(department_id) is None:
        raise ValidationError([_unknown_department(department_id, staff)], subject="claim")
    told: dict[EmployeeId, list[RecipientReason]] = {}
    if rules.notify_head:
        head = staff.head_of(department_id)
        if head is not None:
            told.setdefault(head.id, []).append(RecipientReason.HEAD_OF_DEPARTMENT)
        else:
            director = general_director(staff, policy=policy, claims=rules)
            told.setdefault(director.id, []).append(RecipientReason.NO_HEAD_OF_DEPARTMENT)
    if rules.notify_director:
        director = general_director(staff, policy=policy, claims=rules)
        told.setdefault(director.id, []).append(RecipientReason.GENERAL_DIRECTOR)
    return tuple(ClaimRecipient(person, tuple(reasons)) for person, reasons in told.items())


# --------------------------------------------------------------------------- filing


@attrs.frozen
class ClaimDecision:
    """What filing or moving a claim comes to: the ``claim`` after it, its ``appeal`` (on
    filing), the ``reactions`` to make, who was told (``recipients``) and the ``events`` to
    publish after the unit of work commits. :attr:`commands` are the records to create."""

    claim: Claim
    appeal: Appeal | None = None
    reactions: tuple[Reaction, ...] = ()
    recipients: tuple[ClaimRecipient, ...] = ()
    events: tuple[ClaimEvent, ...] = ()

    @property
    def commands(self) -> tuple[Command, ...]:
        """The appeal and reactions as commands for the shell, appeal first."""
        first: tuple[Command, ...] = (CreateAppeal(self.appeal),) if self.appeal else ()
        return (*first, *(CreateReaction(r) for r in self.reactions))


def _cut(text: str, limit: int) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _reaction(
    claim: Claim,
    recipient: ClaimRecipient,
    *,
    step: str,
    topic: str,
    now: datetime,
    by: EmployeeId,
    rules: ClaimPolicy,
) -> Reaction:
    head = RecipientReason.HEAD_OF_DEPARTMENT in recipient.reasons
    delay = rules.head_delay if head else rules.director_delay
    if head and len(recipient.reasons) > 1:
        delay = min(rules.head_delay, rules.director_delay)
    return Reaction(
        id=escalation_reaction_id(claim.id, recipient.employee_id, step=step),
        appeal_id=claim_appeal_id(claim.id),
        client_id=claim.client_id,
        kind=rules.reaction_kind,
        topic=topic,
        due_at=now + delay,
        created_at=now,
        employee_id=recipient.employee_id,
        created_by=by,
    )


def file_claim(
    *,
    id: ClaimId,
    client: Client,
    department_id: DepartmentId,
    source: ClaimSource,
    now: datetime,
    by: EmployeeId,
    staff: StaffDirectory,
    policy: Policy,
    claims: ClaimPolicy | None = None,
    money: Money | None = None,
    order_id: OrderId | None = None,
    invoice_id: str | None = None,
    occasion: ClaimOccasion = ClaimOccasion.OTHER,
) -> ClaimDecision:
    """File a claim of ``client`` against ``department_id`` and pass it on at once.

    Returns the claim (at :attr:`~clientops.claims.ClaimStage.FILED`, its manager the client's
    manager, else ``by``), its appeal (type :attr:`~clientops.model.AppealType.CLAIM`, in
    ``policy.client_department``, which follows the claim), one reaction to each recipient of
    :func:`claim_recipients` due ``head_delay`` / ``director_delay`` after ``now`` (at once by
    default), and a :class:`~clientops.claims.ClaimFiled` event.

    Bad input raises one :class:`~clientops.errors.ValidationError` naming every bad field: a
    missing or unknown ``department_id``, a blank source, money that is not positive…"""
    rules = claim_policy(policy, claims)
    errors: list[FieldError] = []
    claim: Claim | None = None
    try:
        claim = open_claim(
            id=id,
            client_id=client.id,
            department_id=department_id,
            source=source,
            now=now,
            by=by,
            manager_id=client.manager_id if client.manager_id is not None else by,
            money=money,
            order_id=order_id,
            invoice_id=invoice_id,
            occasion=occasion,
        )
    except ValidationError as exc:
        errors += exc.errors
    department = None
    if isinstance(department_id, str) and department_id.strip():
        department = staff.department(department_id)
        if department is None:
            errors.append(_unknown_department(department_id, staff))
    if errors or claim is None or department is None:
        raise ValidationError(errors, subject="claim")
    recipients = claim_recipients(department_id, staff=staff, policy=policy, claims=rules)
    texts = rules.texts
    head = staff.head_of(department_id)
    fill = {
        "client": client.name,
        "department": department.name,
        "text": _cut(source.text, rules.text_limit),
        "detail": "",
        "head": head.person if head is not None else PersonName("—"),
    }
    appeal = Appeal(
        id=claim_appeal_id(claim.id),
        client_id=client.id,
        topic=texts.appeal_topic.format(**fill),
        department_id=policy.client_department,
        created_at=now,
        type=AppealType.CLAIM,
        note=source.text,
        created_by=by,
    )
    reactions = []
    for recipient in recipients:
        if RecipientReason.HEAD_OF_DEPARTMENT in recipient.reasons:
            template = texts.to_head
        elif RecipientReason.NO_HEAD_OF_DEPARTMENT in recipient.reasons:
            template = texts.to_director_no_head
        else:
            template = texts.to_director
        reactions.append(
            _reaction(
                claim,
                recipient,
                step="notify",
                topic=template.format(**fill),
                now=now,
                by=by,
                rules=rules,
            )
        )
    event = ClaimFiled(
        claim_id=claim.id,
        client_id=claim.client_id,
        department_id=claim.department_id,
        recipients=tuple(r.employee_id for r in recipients),
        source=source.kind,
        text=source.text,
        money=claim.money,
        order_id=claim.order_id,
        by=by,
        at=now,
    )
    return ClaimDecision(
        claim=claim,
        appeal=appeal,
        reactions=tuple(reactions),
        recipients=recipients,
        events=(event,),
    )


def advance_claim(
    claim: Claim,
    action: ClaimAction,
    *,
    client: Client,
    now: datetime,
    by: EmployeeId,
    staff: StaffDirectory,
    policy: Policy,
    claims: ClaimPolicy | None = None,
) -> ClaimDecision:
    """Do ``action`` on ``claim`` (:func:`clientops.claims.advance`) and say what follows: a
    :class:`~clientops.claims.ClaimAdvanced` event always, and for
    :class:`~clientops.claims.EscalateToDirector` a reaction to the general director due
    ``director_delay`` after ``now``. Refused steps raise
    :class:`~clientops.errors.TransitionError`, bad values
    :class:`~clientops.errors.ValidationError` (``client`` must be the claim's client)."""
    if client.id != claim.client_id:
        raise ValidationError(
            [FieldError("client", f"{client.id!r} is not the client of claim {claim.id}")],
            subject="claim action",
        )
    rules = claim_policy(policy, claims)
    moved = advance(claim, action, now=now, by=by)
    reactions: tuple[Reaction, ...] = ()
    recipients: tuple[ClaimRecipient, ...] = ()
    if isinstance(action, EscalateToDirector):
        director = general_director(staff, policy=policy, claims=rules)
        department = staff.department(claim.department_id)
        recipient = ClaimRecipient(director.id, (RecipientReason.GENERAL_DIRECTOR,))
        topic = rules.texts.escalation.format(
            client=client.name,
            department=department.name if department is not None else claim.department_id,
            text=_cut(claim.source.text, rules.text_limit),
            detail=_cut(action.reason, rules.text_limit),
            head=PersonName("—"),
        )
        reactions = (
            _reaction(
                moved,
                recipient,
                step="escalate",
                topic=topic,
                now=now,
                by=by,
                rules=rules,
            ),
        )
        recipients = (recipient,)
    event = ClaimAdvanced(
        claim_id=moved.id,
        client_id=moved.client_id,
        action=action.name,
        stage=moved.stage,
        by=by,
        at=now,
        recipients=tuple(r.employee_id for r in recipients),
    )
    return ClaimDecision(claim=moved, reactions=reactions, recipients=recipients, events=(event,))


# --------------------------------------------------------------------------- figures


@attrs.frozen
class ClaimFigures:
    """What a set of claims adds up to in a period: claims ``filed`` (with their money and the
    number of distinct orders they concern), claims resolved with the client satisfied or not,
    and claims withdrawn, each counted in the period it happened in. Claims without money count
    as zero roubles."""

    currency: str
    filed: int = 0
    filed_money: Money = attrs.field()
    filed_orders: int = 0
    resolved_satisfied: int = 0
    satisfied_money: Money = attrs.field()
    satisfied_orders: int = 0
    resolved_unsatisfied: int = 0
    unsatisfied_money: Money = attrs.field()
    withdrawn: int = 0

    @filed_money.default
    def _filed_zero(self) -> Money:
        return Money(0, self.currency)

    @satisfied_money.default
    def _satisfied_zero(self) -> Money:
        return Money(0, self.currency)

    @unsatisfied_money.default
    def _unsatisfied_zero(self) -> Money:
        return Money(0, self.currency)


@attrs.define
class _Tally:
    currency: str
    filed: int = 0
    filed_money: Money | None = None
    filed_orders: set[str] = attrs.field(factory=set)
    satisfied: int = 0
    satisfied_money: Money | None = None
    satisfied_orders: set[str] = attrs.field(factory=set)
    unsatisfied: int = 0
    unsatisfied_money: Money | None = None
    withdrawn: int = 0

    def add(self, claim: Claim, filed: bool, closed: ClaimStage | None) -> None:
        money = claim.money or Money(0, self.currency)
        if filed:
            self.filed += 1
            self.filed_money = money if self.filed_money is None else self.filed_money + money
            if claim.order_id is not None:
                self.filed_orders.add(claim.order_id)
        if closed is ClaimStage.RESOLVED_SATISFIED:
            self.satisfied += 1
            self.satisfied_money = (
                money if self.satisfied_money is None else self.satisfied_money + money
            )
            if claim.order_id is not None:
                self.satisfied_orders.add(claim.order_id)
        elif closed is ClaimStage.RESOLVED_UNSATISFIED:
            self.unsatisfied += 1
            self.unsatisfied_money = (
                money if self.unsatisfied_money is None else self.unsatisfied_money + money
            )
        elif closed is ClaimStage.WITHDRAWN:
            self.withdrawn += 1

    def figures(self) -> ClaimFigures:
        zero = Money(0, self.currency)
        return ClaimFigures(
            currency=self.currency,
            filed=self.filed,
            filed_money=self.filed_money or zero,
            filed_orders=len(self.filed_orders),
            resolved_satisfied=self.satisfied,
            satisfied_money=self.satisfied_money or zero,
            satisfied_orders=len(self.satisfied_orders),
            resolved_unsatisfied=self.unsatisfied,
            unsatisfied_money=self.unsatisfied_money or zero,
            withdrawn=self.withdrawn,
        )


@attrs.frozen
class ClaimReport:
    """Claim figures for the days ``start`` to ``end`` (both included): in all, per department
    at fault and per client manager. Departments and managers without claims in the period are
    left out; :meth:`for_department` and :meth:`for_manager` give zeros for them."""

    start: date
    end: date
    currency: str
    total: ClaimFigures
    by_department: tuple[tuple[DepartmentId, ClaimFigures], ...]
    by_manager: tuple[tuple[EmployeeId | None, ClaimFigures], ...]

    def for_department(self, department_id: DepartmentId) -> ClaimFigures:
        found = (f for d, f in self.by_department if d == department_id)
        return next(found, ClaimFigures(self.currency))

    def for_manager(self, manager_id: EmployeeId | None) -> ClaimFigures:
        return next((f for m, f in self.by_manager if m == manager_id), ClaimFigures(self.currency))


def claim_figures(
    claims: Iterable[Claim], start: date, end: date, *, tz: tzinfo, currency: str = "RUB"
) -> ClaimReport:
    """Add up ``claims`` for the days ``start`` to ``end`` (both included, local days in
    ``tz``): a claim counts as filed when it was filed in the period, and as resolved
    (satisfied, unsatisfied) or withdrawn when that happened in the period, whenever it was
    filed. Money is summed as ``Decimal`` in ``currency``; a claim in another currency raises
    :class:`~clientops.errors.ValidationError` naming it (``claims[3].money``), as does an
    ``end`` before ``start``.

    >>> from datetime import timezone
    >>> report = claim_figures([], date(2026, 3, 1), date(2026, 3, 31), tz=timezone.utc)
    >>> report.total.filed, report.total.filed_money
    (0, Money(amount=Decimal('0'), currency='RUB'))
    """
    errors = _day_errors("start", start) + _day_errors("end", end)
    if not errors and end < start:
        errors.append(FieldError("end", f"{end} is before the start {start}"))
    _raise_errors(errors, "claim figures")
    total = _Tally(currency)
    departments: dict[DepartmentId, _Tally] = {}
    managers: dict[EmployeeId | None, _Tally] = {}
    for index, claim in enumerate(claims):
        if claim.money is not None and claim.money.currency != currency:
            errors.append(
                FieldError(
                    f"claims[{index}].money",
                    f"claim {claim.id} is in {claim.money.currency}, the figures in {currency}",
                )
            )
            continue
        filed = start <= claim.filed_at.astimezone(tz).date() <= end
        closed_at = claim.closed_at
        closed = (
            claim.stage
            if closed_at is not None and start <= closed_at.astimezone(tz).date() <= end
            else None
        )
        if not filed and closed is None:
            continue
        for tally in (
            total,
            departments.setdefault(claim.department_id, _Tally(currency)),
            managers.setdefault(claim.manager_id, _Tally(currency)),
        ):
            tally.add(claim, filed, closed)
    _raise_errors(errors, "claim figures")
    return ClaimReport(
        start=start,
        end=end,
        currency=currency,
        total=total.figures(),
        by_department=tuple((d, departments[d].figures()) for d in sorted(departments)),
        by_manager=tuple(
            (m, managers[m].figures()) for m in sorted(managers, key=lambda m: (m is None, m or ""))
        ),
    )
