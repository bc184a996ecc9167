"""Follow-up plans: named chains of reactions a manager does not schedule by hand.

A plan is data, not code: a user writes their own and puts it in
:attr:`clientops.Policy.follow_up_plans`. Each step says what to do (a topic and a kind of
reaction), how long after the step before it (working days of the production calendar and/or
hours) and who answers for it; completing a reaction that is a plan's step schedules the next
step, once. A plan is checked when it is made: a step leading to an unknown step, a cycle, or
two steps with one name raise ValidationError naming the step::

    >>> plan = FollowUpPlan(
    ...     "kp",
    ...     "КП отправлено",
    ...     (
    ...         PlanStep("check", "Проверить получение КП", Delay(working_days=2), then="call"),
    ...         PlanStep("call", "Перезвонить по КП", Delay(working_days=5)),
    ...     ),
    ... )
    >>> [step.name for step in plan.chain()]
    ['check', 'call']
    >>> try:
    ...     FollowUpPlan("loop", "Петля", (PlanStep("a", "А", Delay(hours=1), then="a"),))
    ... except ValidationError as err:
    ...     print(err.errors[0])
    steps[0].then: step 'a' closes a cycle: a → a
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from clientops._checks import TOPIC_LENGTH, fail, instance, not_blank, text, tuple_of
from clientops.errors import FieldError, ValidationError
from clientops.model import DepartmentId, EmployeeId, ReactionKind, ReactionResult, Role
from clientops.workdays import WorkCalendar, add_working_days

__all__ = ["Delay", "FollowUpPlan", "FollowUpPlans", "PlanStep", "default_follow_up_plans"]


def _not_negative(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail(attribute.name, f"{value!r} is not a whole number ≥ 0", subject="Delay")


@attrs.frozen
class Delay:
    """How long after the step before it a step is due: ``working_days`` of the production
    calendar (the same local time of day, on that working day), then ``hours`` of clock time.
    ``Delay()`` is due at once."""

    working_days: int = attrs.field(default=0, validator=_not_negative)
    hours: int = attrs.field(default=0, validator=_not_negative)

    def due(self, start: datetime, *, calendar: WorkCalendar, tz: ZoneInfo) -> datetime:
        """The moment a step is due when the step before it ended at ``start``.

        >>> from datetime import UTC
        >>> from clientops.workdays import russian_calendar
        >>> Delay(working_days=1).due(
        ...     datetime(2026, 11, 3, 6, 0, tzinfo=UTC), calendar=russian_calendar(),
        ...     tz=ZoneInfo("Europe/Moscow"))  # 4 November is a holiday
        datetime.datetime(2026, 11, 5, 6, 0, tzinfo=datetime.timezone.utc)
        """
        moment = start
        if self.working_days:
            local = start.astimezone(tz)
            day = add_working_days(calendar, local.date(), self.working_days)
            wall = time(local.hour, local.minute, local.second, local.microsecond)
            moment = datetime.combine(day, wall, tzinfo=tz).astimezone(start.tzinfo)
        return moment + timedelta(hours=self.hours)


@attrs.frozen
class PlanStep:
    """One step of a plan: the reaction to schedule (``topic``, ``kind``), how long after the
    step before it (``after``), who answers for it and the step after it (``then``, by name;
    ``None`` ends the chain). ``stop_on``: results of this step that end the chain (a client
    who refused is not called back).

    Who answers, in order: ``employee_id``; else an employee holding ``role`` — the one who
    completed the step before, or else the card's manager; else ``department_id`` (the
    reaction waits on the department's agenda until someone takes it); else the owner of the
    step before (its employee and department)."""

    name: str = attrs.field(validator=text(limit=64, multiline=False))
    topic: str = attrs.field(validator=text(limit=TOPIC_LENGTH))
    after: Delay = attrs.field(factory=Delay, validator=instance(Delay))
    then: str | None = attrs.field(
        default=None, validator=text(limit=64, optional=True, multiline=False)
    )
    kind: ReactionKind = attrs.field(
        default=ReactionKind.OUTGOING_CALL, validator=instance(ReactionKind)
    )
    role: Role | None = attrs.field(default=None, validator=instance(Role, optional=True))
    employee_id: EmployeeId | None = attrs.field(
        default=None, validator=text(limit=64, optional=True, multiline=False)
    )
    department_id: DepartmentId | None = attrs.field(
        default=None, validator=text(limit=64, optional=True, multiline=False)
    )
    stop_on: tuple[ReactionResult, ...] = attrs.field(
        default=(ReactionResult.REFUSED, ReactionResult.CANCELLED),
        validator=tuple_of(ReactionResult),
    )


@attrs.frozen
class FollowUpPlan:
    """A named chain of steps: the first step is ``steps[0]``, each leads to its ``then``.
    Checked when made: names unique, every ``then`` a step of the plan, no cycle, every step
    reachable from the first (each error names the step: ``steps[1].then``)."""

    name: str = attrs.field(validator=text(limit=64, multiline=False))
    title: str = attrs.field(validator=not_blank)
    steps: tuple[PlanStep, ...] = attrs.field(validator=tuple_of(PlanStep))

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.steps:
            errors.append(FieldError("steps", "a plan needs at least one step"))
        index: dict[str, int] = {}
        for i, step in enumerate(self.steps):
            if step.name in index:
                errors.append(FieldError(f"steps[{i}].name", f"step {step.name!r} twice"))
            index.setdefault(step.name, i)
        for i, step in enumerate(self.steps):
            if step.then is not None and step.then not in index:
                errors.append(FieldError(f"steps[{i}].then", f"unknown step {step.then!r}"))
        if errors:
            raise ValidationError(errors, subject="FollowUpPlan")
        seen: list[str] = []
        step = self.steps[0]
        while True:
            seen.append(step.name)
            if step.then is None:
                break
            if step.then in seen:
                path = " → ".join((*seen[seen.index(step.then) :], step.then))
                fail(
                    f"steps[{index[step.name]}].then",
                    f"step {step.then!r} closes a cycle: {path}",
                    subject="FollowUpPlan",
                )
            step = self.steps[index[step.then]]
        unreached = [
            FieldError(f"steps[{i}]", f"step {s.name!r} is never reached from {seen[0]!r}")
            for i, s in enumerate(self.steps)
            if s.name not in seen
        ]
        if unreached:
            raise ValidationError(unreached, subject="FollowUpPlan")

    @property
    def first(self) -> PlanStep:
        return self.steps[0]

    def step(self, name: str) -> PlanStep | None:
        return next((s for s in self.steps if s.name == name), None)

    def chain(self) -> tuple[PlanStep, ...]:
        """The steps in the order they are done."""
        out = [self.first]
        while out[-1].then is not None:
            nxt = self.step(out[-1].then)
            assert nxt is not None  # checked when made
            out.append(nxt)
        return tuple(out)

    def after(self, name: str, result: ReactionResult) -> PlanStep | None:
        """The step scheduled when step ``name`` ends with ``result``: ``None`` at the end of
        the chain, for a result in the step's ``stop_on``, or for a step the plan no longer
        has."""
        step = self.step(name)
        if step is None or step.then is None or result in step.stop_on:
            return None
        return self.step(step.then)


def _plans(inst: object, attribute: attrs.Attribute[object], value: object) -> None:
    tuple_of(FollowUpPlan)(inst, attribute, value)
    names = [p.name for p in value]  # type: ignore[attr-defined]
    for i, name in enumerate(names):
        if name in names[:i]:
            fail(f"plans[{i}].name", f"plan {name!r} twice", subject="FollowUpPlans")


@attrs.frozen
class FollowUpPlans:
    """The follow-up plans a company uses, by name (:attr:`clientops.Policy.follow_up_plans`)."""

    plans: tuple[FollowUpPlan, ...] = attrs.field(
        factory=lambda: default_follow_up_plans(), validator=_plans
    )

    def get(self, name: str) -> FollowUpPlan | None:
        return next((p for p in self.plans if p.name == name), None)

    def require(self, name: str) -> FollowUpPlan:
        """The plan ``name``; an unknown one raises ValidationError naming ``plan``."""
        plan = self.get(name)
        if plan is None:
            known = ", ".join(p.name for p in self.plans) or "none"
            raise ValidationError([FieldError("plan", f"unknown plan {name!r} (known: {known})")])
        return plan


def default_follow_up_plans() -> tuple[FollowUpPlan, ...]:
    """The plans of the job descriptions: a commercial offer (КП) and an information letter
    (ИП) sent, their receipt checked in 2 working days, a call back in 5; a leaving client
    (seed 002 / 16): a call at once to find the cause, an offer to stay 2 working days
    later (``Policy.retention.leaving_plan``)."""
    return (
        FollowUpPlan(
            "commercial_offer",
            "КП отправлено",
            (
                PlanStep(
                    "check_receipt",
                    "Проверить получение КП",
                    Delay(working_days=2),
                    then="call_back",
                ),
                PlanStep("call_back", "Перезвонить по КП", Delay(working_days=5)),
            ),
        ),
        FollowUpPlan(
            "information_letter",
            "Информационное письмо отправлено",
            (PlanStep("check_receipt", "Проверить получение ИП", Delay(working_days=2)),),
        ),
        FollowUpPlan(
            "win_back",
            "Уходящий клиент",
            (
                PlanStep(
                    "find_cause",
                    "Позвонить уходящему клиенту: выяснить причину",
                    Delay(),
                    then="offer",
                    role=Role.CLIENT_MANAGER,
                ),
                PlanStep(
                    "offer",
                    "Предложить условия, чтобы клиент остался",
                    Delay(working_days=2),
                    role=Role.CLIENT_MANAGER,
                ),
            ),
        ),
    )
