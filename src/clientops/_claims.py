"""Claims (рекламации): an unhappy client's complaint, from filing to its resolution, as one pure
process (seeds 000, 002 process 16, 003 «Сервис клиенту»).

An unsatisfied client is an emergency (ЧП). The manager records the claim — the client's own
words or the manager's notes — names the department whose work caused it, and passes it at once
to the head of that department and to the general director. Then the causes are found, the
goods replaced, the work redone or the money refunded, and the claim is resolved with the client
satisfied or not. The director is brought in when the manager cannot resolve it; court claims
go to the lawyers.

A :class:`Claim` is a frozen value; an action (:class:`FindCauses`, :class:`StartFix`,
:class:`ResolveSatisfied`…) moves it with :func:`advance`, which checks it against
:data:`TRANSITIONS` and returns a new claim with one more :class:`ClaimStep` in its history. A
step the process does not allow raises :class:`~clientops.errors.TransitionError`. Who is told,
how soon and in which words is :class:`ClaimPolicy`; the reactions and events themselves are
made by :mod:`clientops.rules.claims`. No storage, no clock.

Example::

    >>> from datetime import datetime, timezone
    >>> from clientops.model import ClientId, DepartmentId, EmployeeId, Money
    >>> now = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    >>> claim = open_claim(
    ...     id=ClaimId("k1"), client_id=ClientId("c1"),
    ...     department_id=DepartmentId("tech_support"),
    ...     source=ClaimSource.client_words("Турникет не работает вторую неделю"),
    ...     money=Money("45000"), now=now, by=EmployeeId("anna"),
    ... )
    >>> claim.stage.label
    'Рекламация зарегистрирована'
    >>> claim = advance(claim, FindCauses("Контроллер вышел из строя"), now=now,
    ...                 by=EmployeeId("anna"))
    >>> allowed_actions(claim)
    ('find_causes', 'start_fix', 'resolve_satisfied', 'resolve_unsatisfied', 'withdraw', \
'escalate_to_director', 'refer_to_legal')
    >>> claim = advance(claim, StartFix(FixKind.REPLACEMENT), now=now, by=EmployeeId("anna"))
    >>> claim = advance(claim, ResolveSatisfied("Контроллер заменён"), now=now,
    ...                 by=EmployeeId("anna"))
    >>> claim.stage.value, claim.fix.label, claim.satisfied
    ('resolved_satisfied', 'Замена', True)
    >>> advance(claim, Withdraw("передумал"), now=now, by=EmployeeId("anna"))
    Traceback (most recent call last):
    ...
    clientops.errors.TransitionError: claim k1: cannot withdraw at resolved_satisfied (the claim \
is closed); allowed next: nothing
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, NewType, assert_never

import attrs

from clientops._checks import aware_errors as _aware_errors
from clientops._checks import raise_errors as _raise
from clientops._checks import string_errors as _text_errors
from clientops._checks import tuple_of
from clientops._orders import OrderId
from clientops._text import template_validator
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.events import Event
from clientops.model import ClientId, DepartmentId, EmployeeId, Money, ReactionKind, Role

__all__ = [
    "FILE",
    "TRANSITIONS",
    "Claim",
    "ClaimAction",
    "ClaimAdvanced",
    "ClaimEvent",
    "ClaimFiled",
    "ClaimId",
    "ClaimOccasion",
    "ClaimPolicy",
    "ClaimSource",
    "ClaimStage",
    "ClaimStep",
    "ClaimTexts",
    "ClaimTransition",
    "EscalateToDirector",
    "FindCauses",
    "FixKind",
    "ReferToLegal",
    "ResolveSatisfied",
    "ResolveUnsatisfied",
    "SourceKind",
    "StartFix",
    "Withdraw",
    "advance",
    "allowed_actions",
    "open_claim",
    "state_diagram",
]

ClaimId = NewType("ClaimId", str)

#: The action that opens a claim; it is the first step of every history.
FILE = "file"


# --------------------------------------------------------------------------- checks


def _optional_text_errors(path: str, value: object) -> list[FieldError]:
    return [] if value is None else _text_errors(path, value)


def _money_errors(path: str, value: object) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, Money):
        return [FieldError(path, f"must be Money or None, got {value!r}")]
    if value.amount <= 0:
        return [FieldError(path, f"must be positive, got {value}")]
    return []


def _required(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a non-blank string, else ValidationError naming the field."""
    _raise(_text_errors(attribute.name, value), "claim action")


def _note(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        _raise([FieldError(attribute.name, "must be a string")], "claim action")


# --------------------------------------------------------------------------- kinds


class ClaimStage(enum.Enum):
    """Where a claim is; ``label`` is the Russian name."""

    FILED = "filed"
    CAUSES_FOUND = "causes_found"
    BEING_FIXED = "being_fixed"
    RESOLVED_SATISFIED = "resolved_satisfied"
    RESOLVED_UNSATISFIED = "resolved_unsatisfied"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The stage in Russian."""
        return _STAGE_LABELS[self]

    @property
    def closed(self) -> bool:
        """Whether nothing more happens to a claim at this stage."""
        return self in _CLOSED


_S = ClaimStage
_STAGE_LABELS: dict[ClaimStage, str] = {
    _S.FILED: "Рекламация зарегистрирована",
    _S.CAUSES_FOUND: "Причины выяснены",
    _S.BEING_FIXED: "Устранение: замена, исправление или возврат денег",
    _S.RESOLVED_SATISFIED: "Урегулирована, клиент удовлетворён",
    _S.RESOLVED_UNSATISFIED: "Закрыта, клиент не удовлетворён",
    _S.WITHDRAWN: "Отозвана клиентом",
}
_OPEN = (_S.FILED, _S.CAUSES_FOUND, _S.BEING_FIXED)
_CLOSED = frozenset({_S.RESOLVED_SATISFIED, _S.RESOLVED_UNSATISFIED, _S.WITHDRAWN})


class SourceKind(enum.Enum):
    """Whose words the claim is: the client's own (written by the client or taken down word for
    word), or the manager's notes of the conversation."""

    CLIENT_WORDS = "client_words"
    MANAGER_NOTES = "manager_notes"

    @property
    def label(self) -> str:
        return "Со слов клиента" if self is SourceKind.CLIENT_WORDS else "Заметки менеджера"


class FixKind(enum.Enum):
    """How the claim is put right: the goods replaced, the work redone or fixed, the money
    refunded, or nothing to put right (an explanation, an apology, a claim found unfounded)."""

    REPLACEMENT = "replacement"
    FIX = "fix"
    REFUND = "refund"
    NONE = "none"

    @property
    def label(self) -> str:
        return _FIX_LABELS[self]


_FIX_LABELS: dict[FixKind, str] = {
    FixKind.REPLACEMENT: "Замена",
    FixKind.FIX: "Исправление",
    FixKind.REFUND: "Возврат денег",
    FixKind.NONE: "Без замены и возврата",
}


class ClaimOccasion(enum.Enum):
    """Where the claim came up: the satisfaction round (seed 000), an incoming call, the
    feedback after a training, a delivery or a pilot, a service visit (seed 002), or elsewhere."""

    SATISFACTION_CALL = "satisfaction_call"
    INCOMING_CALL = "incoming_call"
    TRAINING_FEEDBACK = "training_feedback"
    SERVICE_VISIT = "service_visit"
    DELIVERY_FEEDBACK = "delivery_feedback"
    PILOT_FEEDBACK = "pilot_feedback"
    OTHER = "other"


# --------------------------------------------------------------------------- values


@attrs.frozen
class ClaimSource:
    """The claim in words: ``kind`` says whose they are, ``text`` is what was said or written.

    >>> ClaimSource.manager_notes("Недоволен сроками поставки").kind.label
    'Заметки менеджера'
    """

    kind: SourceKind
    text: str

    def __attrs_post_init__(self) -> None:
        errors = _text_errors("text", self.text)
        if not isinstance(self.kind, SourceKind):
            errors.insert(0, FieldError("kind", f"must be a SourceKind, got {self.kind!r}"))
        _raise(errors, "claim source")

    @classmethod
    def client_words(cls, text: str) -> ClaimSource:
        """The client's own words."""
        return cls(SourceKind.CLIENT_WORDS, text)

    @classmethod
    def manager_notes(cls, text: str) -> ClaimSource:
        """The manager's notes of the conversation."""
        return cls(SourceKind.MANAGER_NOTES, text)


@attrs.frozen
class ClaimStep:
    """One step of a claim's history: the ``action`` done, the ``stage`` it led to, when and
    by whom, and its text (the causes, the outcome, the reason). Every :func:`advance` adds
    one."""

    stage: ClaimStage
    at: datetime
    by: EmployeeId
    action: str
    note: str = ""

    def __attrs_post_init__(self) -> None:
        errors = _aware_errors("at", self.at) + _text_errors("by", self.by)
        errors += _text_errors("action", self.action)
        if not isinstance(self.stage, ClaimStage):
            errors.insert(0, FieldError("stage", f"must be a ClaimStage, got {self.stage!r}"))
        if not isinstance(self.note, str):
            errors.append(FieldError("note", "must be a string"))
        _raise(errors, "claim step")


def _claim_errors(claim: Claim) -> list[FieldError]:
    errors = _text_errors("id", claim.id) + _text_errors("client_id", claim.client_id)
    department = _text_errors("department_id", claim.department_id)
    if claim.department_id is None or (department and department[0].message == "required"):
        department = [
            FieldError("department_id", "required: name the department whose work caused it")
        ]
    errors += department
    if not isinstance(claim.source, ClaimSource):
        errors.append(FieldError("source", f"must be a ClaimSource, got {claim.source!r}"))
    if not isinstance(claim.stage, ClaimStage):
        errors.append(FieldError("stage", f"must be a ClaimStage, got {claim.stage!r}"))
    if not claim.history:
        errors.append(FieldError("history", "must hold at least the filing step"))
    elif claim.history[0].action != FILE:
        errors.append(FieldError("history", f"must start with the {FILE!r} step"))
    elif claim.history[-1].stage is not claim.stage:
        errors.append(
            FieldError(
                "stage",
                f"{claim.stage.value} is not the stage of the last step "
                f"({claim.history[-1].stage.value})",
            )
        )
    errors += _optional_text_errors("manager_id", claim.manager_id)
    errors += _money_errors("money", claim.money)
    errors += _optional_text_errors("order_id", claim.order_id)
    errors += _optional_text_errors("invoice_id", claim.invoice_id)
    if not isinstance(claim.occasion, ClaimOccasion):
        errors.append(FieldError("occasion", f"must be a ClaimOccasion, got {claim.occasion!r}"))
    if claim.fix is not None and not isinstance(claim.fix, FixKind):
        errors.append(FieldError("fix", f"must be a FixKind or None, got {claim.fix!r}"))
    for name in ("causes", "outcome"):
        if not isinstance(getattr(claim, name), str):
            errors.append(FieldError(name, "must be a string"))
    for name in ("director_involved", "legal"):
        if not isinstance(getattr(claim, name), bool):
            errors.append(FieldError(name, "must be True or False"))
    if type(claim.version) is not int or claim.version < 0:
        errors.append(FieldError("version", "must be a non-negative int"))
    return errors


@attrs.frozen
class Claim:
    """One claim of a client (рекламация, претензия).

    Make one with :func:`open_claim` (or :func:`clientops.rules.claims.file_claim`, which also
    makes its appeal and escalation) and change it with :func:`advance`. ``stage`` is always
    the stage of the last step of ``history``. ``department_id`` is the department whose work
    caused the claim: a claim without one is refused (:class:`~clientops.errors.ValidationError`
    naming ``department_id``). ``manager_id`` is the client's manager, whose report counts it.
    ``money`` is the money involved (the claim's sum), ``order_id`` / ``invoice_id`` what it is
    about. ``causes``, ``fix`` and ``outcome`` are filled in as it moves; ``director_involved``
    once the director was brought in, ``legal`` once it went to the lawyers. ``version`` is for
    optimistic concurrency and belongs to the store.
    """

    id: ClaimId
    client_id: ClientId
    department_id: DepartmentId
    source: ClaimSource
    stage: ClaimStage
    history: tuple[ClaimStep, ...] = attrs.field(validator=tuple_of(ClaimStep))
    manager_id: EmployeeId | None = None
    money: Money | None = None
    order_id: OrderId | None = None
    invoice_id: str | None = None
    occasion: ClaimOccasion = ClaimOccasion.OTHER
    causes: str = ""
    fix: FixKind | None = None
    outcome: str = ""
    director_involved: bool = False
    legal: bool = False
    version: int = 0

    def __attrs_post_init__(self) -> None:
        _raise(_claim_errors(self), "claim")

    @property
    def filed_at(self) -> datetime:
        return self.history[0].at

    @property
    def filed_by(self) -> EmployeeId:
        return self.history[0].by

    @property
    def closed(self) -> bool:
        """Resolved (either way) or withdrawn."""
        return self.stage.closed

    @property
    def closed_at(self) -> datetime | None:
        """When it was resolved or withdrawn, ``None`` while open."""
        return self.history[-1].at if self.closed else None

    @property
    def satisfied(self) -> bool | None:
        """``True`` resolved with the client satisfied, ``False`` resolved without, ``None``
        while open or when withdrawn."""
        if self.stage is ClaimStage.RESOLVED_SATISFIED:
            return True
        if self.stage is ClaimStage.RESOLVED_UNSATISFIED:
            return False
        return None

    def did(self, action: str) -> bool:
        """Whether ``action`` (an action name) is in the history."""
        return any(step.action == action for step in self.history)


def open_claim(
    *,
    id: ClaimId,
    client_id: ClientId,
    department_id: DepartmentId,
    source: ClaimSource,
    now: datetime,
    by: EmployeeId,
    manager_id: EmployeeId | None = None,
    money: Money | None = None,
    order_id: OrderId | None = None,
    invoice_id: str | None = None,
    occasion: ClaimOccasion = ClaimOccasion.OTHER,
) -> Claim:
    """A new claim at :attr:`ClaimStage.FILED`, filed by ``by`` at ``now``. Every bad field
    is named in one :class:`~clientops.errors.ValidationError`:

    >>> from datetime import datetime, timezone
    >>> open_claim(id=ClaimId("k1"), client_id=ClientId("c1"), department_id=None,
    ...            source=ClaimSource.manager_notes("Недоволен"), by=EmployeeId("anna"),
    ...            now=datetime(2026, 3, 2, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    clientops.errors.ValidationError: invalid claim: department_id: required: name the \
department whose work caused it
    """
    errors = _aware_errors("now", now) + _text_errors("by", by)
    _raise(errors, "claim")
    step = ClaimStep(ClaimStage.FILED, now, by, FILE, source.text)
    return Claim(
        id=id,
        client_id=client_id,
        department_id=department_id,
        source=source,
        stage=ClaimStage.FILED,
        history=(step,),
        manager_id=manager_id if manager_id is not None else by,
        money=money,
        order_id=order_id,
        invoice_id=invoice_id,
        occasion=occasion,
    )


# --------------------------------------------------------------------------- actions


@attrs.frozen
class FindCauses:
    """The causes are found (or found again, when a fix did not help): the fix is decided
    anew."""

    name: ClassVar[str] = "find_causes"
    causes: str = attrs.field(validator=_required)


def _a_fix(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, FixKind):
        _raise([FieldError(attribute.name, f"must be a FixKind, got {value!r}")], "claim action")
    if value is FixKind.NONE:
        _raise(
            [
                FieldError(
                    attribute.name,
                    "nothing to start for FixKind.NONE: resolve the claim instead",
                )
            ],
            "claim action",
        )


@attrs.frozen
class StartFix:
    """Start putting it right: replace the goods, redo or fix the work, or refund the money."""

    name: ClassVar[str] = "start_fix"
    kind: FixKind = attrs.field(validator=_a_fix)
    note: str = attrs.field(default="", validator=_note)


@attrs.frozen
class ResolveSatisfied:
    """The claim is settled and the client is satisfied; ``outcome`` says how. Resolved
    straight after the causes were found, the fix is :attr:`FixKind.NONE`."""

    name: ClassVar[str] = "resolve_satisfied"
    outcome: str = attrs.field(validator=_required)


@attrs.frozen
class ResolveUnsatisfied:
    """The claim is closed with the client still not satisfied; ``outcome`` says why."""

    name: ClassVar[str] = "resolve_unsatisfied"
    outcome: str = attrs.field(validator=_required)


@attrs.frozen
class Withdraw:
    """The client withdraws the claim; ``reason`` says why."""

    name: ClassVar[str] = "withdraw"
    reason: str = attrs.field(validator=_required)


@attrs.frozen
class EscalateToDirector:
    """The manager cannot resolve it alone: the director is brought in (once; the stage
    stays)."""

    name: ClassVar[str] = "escalate_to_director"
    reason: str = attrs.field(validator=_required)


@attrs.frozen
class ReferToLegal:
    """The claim goes to the lawyers (a court claim, a legal demand): once; the stage stays."""

    name: ClassVar[str] = "refer_to_legal"
    note: str = attrs.field(validator=_required)


ClaimAction = (
    FindCauses
    | StartFix
    | ResolveSatisfied
    | ResolveUnsatisfied
    | Withdraw
    | EscalateToDirector
    | ReferToLegal
)
_ACTION_TYPES: tuple[type, ...] = (
    FindCauses,
    StartFix,
    ResolveSatisfied,
    ResolveUnsatisfied,
    Withdraw,
    EscalateToDirector,
    ReferToLegal,
)


# --------------------------------------------------------------------------- the table

#: A guard on the claim: the reason to refuse, or ``None``.
Guard = Callable[["Claim"], str | None]


@attrs.frozen
class ClaimTransition:
    """One row of the process: ``action`` may be done at any of ``sources`` and leads to
    ``target`` (``None``: the claim stays where it is); ``guard`` says in words what else must
    hold and ``check`` is that condition (a reason to refuse, or ``None``)."""

    action: str
    sources: tuple[ClaimStage, ...]
    target: ClaimStage | None
    guard: str = ""
    check: Guard | None = attrs.field(default=None, eq=False, repr=False)

    def leads_to(self, stage: ClaimStage) -> ClaimStage:
        """The stage the action leads to from ``stage``."""
        return self.target if self.target is not None else stage


def _not_escalated(claim: Claim) -> str | None:
    return "the director is already involved" if claim.director_involved else None


def _not_legal(claim: Claim) -> str | None:
    return "already with the lawyers" if claim.legal else None


#: The process, one row per action. :func:`advance`, :func:`allowed_actions` and
#: :func:`state_diagram` all read it.
TRANSITIONS: tuple[ClaimTransition, ...] = (
    ClaimTransition(
        "find_causes",
        _OPEN,
        _S.CAUSES_FOUND,
        "the causes named; after a fix that did not help, the fix is decided anew",
    ),
    ClaimTransition("start_fix", (_S.CAUSES_FOUND,), _S.BEING_FIXED, "replacement, fix or refund"),
    ClaimTransition(
        "resolve_satisfied",
        (_S.CAUSES_FOUND, _S.BEING_FIXED),
        _S.RESOLVED_SATISFIED,
        "the outcome named",
    ),
    ClaimTransition(
        "resolve_unsatisfied",
        (_S.CAUSES_FOUND, _S.BEING_FIXED),
        _S.RESOLVED_UNSATISFIED,
        "the outcome named",
    ),
    ClaimTransition("withdraw", _OPEN, _S.WITHDRAWN, "the reason named"),
    ClaimTransition("escalate_to_director", _OPEN, None, "once", _not_escalated),
    ClaimTransition("refer_to_legal", _OPEN, None, "once", _not_legal),
)

_TABLE: dict[str, ClaimTransition] = {t.action: t for t in TRANSITIONS}


def _refusal(claim: Claim, transition: ClaimTransition) -> str | None:
    if claim.stage not in transition.sources:
        if claim.closed:
            return "the claim is closed"
        if transition.action in ("resolve_satisfied", "resolve_unsatisfied", "start_fix"):
            return "the causes are not found yet"
        stages = ", ".join(s.value for s in transition.sources)
        return f"{transition.action} is done only at {stages}"
    return transition.check(claim) if transition.check is not None else None


def allowed_actions(claim: Claim) -> tuple[str, ...]:
    """The names of the actions the claim allows now, in the order of :data:`TRANSITIONS`."""
    return tuple(t.action for t in TRANSITIONS if _refusal(claim, t) is None)


def _changes(claim: Claim, action: ClaimAction) -> tuple[dict[str, Any], str]:
    """What ``action`` changes besides the stage and the history, and the step's note."""
    match action:
        case FindCauses(causes=causes):
            return {"causes": causes.strip(), "fix": None}, causes.strip()
        case StartFix(kind=kind, note=note):
            return {"fix": kind}, note.strip() or kind.label
        case ResolveSatisfied(outcome=text) | ResolveUnsatisfied(outcome=text):
            fix = claim.fix if claim.stage is ClaimStage.BEING_FIXED else FixKind.NONE
            return {"outcome": text.strip(), "fix": fix}, text.strip()
        case Withdraw(reason=reason):
            return {"outcome": reason.strip()}, reason.strip()
        case EscalateToDirector(reason=reason):
            return {"director_involved": True}, reason.strip()
        case ReferToLegal(note=note):
            return {"legal": True}, note.strip()
        case _:
            assert_never(action)


def advance(claim: Claim, action: ClaimAction, *, now: datetime, by: EmployeeId) -> Claim:
    """Do ``action`` on ``claim`` at ``now`` as ``by``: the claim after it, with one more
    step in its history.

    An action the claim does not allow now raises :class:`~clientops.errors.TransitionError`
    (``current`` the stage, ``allowed`` what :func:`allowed_actions` says); bad values raise
    :class:`~clientops.errors.ValidationError`. ``claim`` is never changed.
    """
    if not isinstance(action, _ACTION_TYPES):
        raise TypeError(f"{action!r} is not a claim action")
    errors = _aware_errors("now", now) + _text_errors("by", by)
    if not errors and now < claim.history[-1].at:
        errors.append(FieldError("now", f"{now.isoformat()} is before the last step of the claim"))
    _raise(errors, "claim action")
    transition = _TABLE[action.name]
    reason = _refusal(claim, transition)
    if reason is not None:
        raise TransitionError(
            f"claim {claim.id}",
            current=claim.stage.value,
            attempted=action.name,
            allowed=allowed_actions(claim),
            reason=reason,
        )
    changes, note = _changes(claim, action)
    stage = transition.leads_to(claim.stage)
    step = ClaimStep(stage, now, by, action.name, note)
    return attrs.evolve(claim, stage=stage, history=(*claim.history, step), **changes)


def state_diagram() -> str:
    """The process as a Mermaid ``stateDiagram-v2`` drawn from :data:`TRANSITIONS`.

    >>> print(state_diagram().splitlines()[7])
        [*] --> filed
    """
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{stage.label}" as {stage.value}' for stage in ClaimStage]
    lines.append(f"    [*] --> {ClaimStage.FILED.value}")
    for transition in TRANSITIONS:
        for source in transition.sources:
            target = transition.leads_to(source)
            lines.append(f"    {source.value} --> {target.value} : {transition.action}")
    lines += [f"    {stage.value} --> [*]" for stage in ClaimStage if stage.closed]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- events


@attrs.frozen
class ClaimFiled(Event):
    """A claim was filed and passed on: ``recipients`` are the people told at once (the head of
    the department at fault, the general director). Plugins forward it (a messenger, e-mail)."""

    claim_id: ClaimId
    client_id: ClientId
    department_id: DepartmentId
    recipients: tuple[EmployeeId, ...]
    source: SourceKind
    text: str
    money: Money | None
    order_id: OrderId | None
    by: EmployeeId
    at: datetime


@attrs.frozen
class ClaimAdvanced(Event):
    """A claim moved: ``action`` was done and the claim is now at ``stage``; ``recipients`` are
    the people told of it (the director for ``escalate_to_director``), usually none."""

    claim_id: ClaimId
    client_id: ClientId
    action: str
    stage: ClaimStage
    by: EmployeeId
    at: datetime
    recipients: tuple[EmployeeId, ...] = ()


ClaimEvent = ClaimFiled | ClaimAdvanced


# --------------------------------------------------------------------------- policy

_claim_template = template_validator("client", "department", "text", "detail", persons=("head",))


@attrs.define(
    frozen=True,
    field_transformer=lambda _, fields: [f.evolve(validator=_claim_template) for f in fields],
)
class ClaimTexts:
    """The words of a claim's appeal and reactions, Russian by default (``str.format``
    templates with ``{client}`` the client's name, ``{department}`` the department at fault,
    ``{text}`` the claim's words (cut to :attr:`ClaimPolicy.text_limit`), ``{detail}`` the
    reason of an escalation, ``{head:<case>}`` the head of the department in the case the
    sentence needs: ``{head:dat}``)."""

    appeal_topic: str = "Рекламация: {client} — {department}"
    #: To the head of the department at fault.
    to_head: str = "ЧП: рекламация клиента {client} на работу Вашего отдела. {text}"
    #: To the general director.
    to_director: str = "ЧП: рекламация клиента {client}, отдел «{department}». {text}"
    #: To the general director standing in for a department without a head.
    to_director_no_head: str = (
        "ЧП: рекламация клиента {client}, у отдела «{department}» нет начальника. {text}"
    )
    #: To the director when the manager cannot resolve the claim.
    escalation: str = "Рекламация клиента {client}: менеджер не может урегулировать сам — {detail}"


def _delay(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(
            [FieldError(attribute.name, f"must be a non-negative timedelta, got {value!r}")],
            subject="claim policy",
        )


def _bool(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(
            [FieldError(attribute.name, "must be True or False")], subject="claim policy"
        )


def _director_id(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    _raise(_optional_text_errors(attribute.name, value), "claim policy")


def _limit(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 20:
        raise ValidationError(
            [FieldError(attribute.name, f"must be an int of at least 20, got {value!r}")],
            subject="claim policy",
        )


@attrs.frozen
class ClaimPolicy:
    """Who is told of a claim, how soon, and in which words (``Policy.claims``). Change one with
    ``attrs.evolve``; a bad value raises :class:`~clientops.errors.ValidationError` naming it.

    The general director is ``director_id`` when set, else the head of
    ``Policy.management_department``, else the first employee (by id) with ``director_role``.

    >>> policy = ClaimPolicy()
    >>> policy.head_delay, policy.director_delay
    (datetime.timedelta(0), datetime.timedelta(0))
    >>> ClaimPolicy(head_delay=timedelta(minutes=-1))
    Traceback (most recent call last):
    ...
    clientops.errors.ValidationError: invalid claim policy: head_delay: must be a non-negative \
timedelta, got datetime.timedelta(days=-1, seconds=86340)
    """

    #: Tell the head of the department at fault (seed 000: «начальнику отдела»).
    notify_head: bool = attrs.field(default=True, validator=_bool)
    #: Tell the general director (seed 000: «генеральному директору»).
    notify_director: bool = attrs.field(default=True, validator=_bool)
    #: The general director, when the staff directory cannot say who it is.
    director_id: EmployeeId | None = attrs.field(default=None, validator=_director_id)
    #: The role that marks a director when the management department has no head.
    director_role: Role = attrs.field(
        default=Role.DIRECTOR, validator=attrs.validators.instance_of(Role)
    )
    #: The head's reaction is due this long after the claim is filed (0: at once, ЧП).
    head_delay: timedelta = attrs.field(default=timedelta(0), validator=_delay)
    #: The director's reaction is due this long after the claim is filed or escalated.
    director_delay: timedelta = attrs.field(default=timedelta(0), validator=_delay)
    #: The kind of the escalation reactions.
    reaction_kind: ReactionKind = attrs.field(
        default=ReactionKind.TASK, validator=attrs.validators.instance_of(ReactionKind)
    )
    #: The claim's words are cut to this many characters in a reaction's topic.
    text_limit: int = attrs.field(default=200, validator=_limit)
    texts: ClaimTexts = attrs.field(
        default=ClaimTexts(), validator=attrs.validators.instance_of(ClaimTexts)
    )

    def __attrs_post_init__(self) -> None:
        if not (self.notify_head or self.notify_director):
            raise ValidationError(
                [FieldError("notify_director", "a claim must reach the head or the director")],
                subject="claim policy",
            )
