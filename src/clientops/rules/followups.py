"""Follow-up plans: which reaction a plan schedules, when, and for whom.

Pure: the plan, the reaction just completed (or the moment a plan is started), the people
involved and the policy in; the step to schedule out. :class:`~clientops.clients.ClientsService`
stores it in the unit of work that completes the reaction.

>>> from datetime import UTC, datetime
>>> from clientops import Policy
>>> from clientops.testing import a_staff
>>> anna = a_staff().require("anna")
>>> plan = Policy().follow_up_plans.require("commercial_offer")
>>> step = first_step(plan, start=datetime(2026, 11, 3, 6, 0, tzinfo=UTC), by=anna,
...                   manager=None, policy=Policy())
>>> step.step, step.reaction.due_at.date(), step.reaction.employee_id  # 4 November: a holiday
('check_receipt', datetime.date(2026, 11, 6), 'anna')
"""

from __future__ import annotations

from datetime import datetime

import attrs

from clientops._followups import FollowUpPlan, PlanStep
from clientops.model import (
    DepartmentId,
    Employee,
    EmployeeId,
    NextReaction,
    Reaction,
    ReactionResult,
)
from clientops.policy import Policy

__all__ = ["ScheduledStep", "first_step", "next_step"]


@attrs.frozen
class ScheduledStep:
    """A plan's step to schedule: the plan, the step's name and the reaction to store."""

    plan: str
    step: str
    reaction: NextReaction


def _schedule(
    plan: FollowUpPlan,
    step: PlanStep,
    *,
    start: datetime,
    by: Employee,
    manager: Employee | None,
    employee_id: EmployeeId | None,
    department_id: DepartmentId | None,
    policy: Policy,
) -> ScheduledStep:
    due = step.after.due(start, calendar=policy.calendar, tz=policy.tz)
    owner: tuple[EmployeeId | None, DepartmentId | None]
    holder = None
    if step.role is not None:
        holder = next(
            (p for p in (by, manager) if p is not None and step.role in p.roles),
            None,
        )
    if step.employee_id is not None:
        owner = (step.employee_id, step.department_id)
    elif holder is not None:
        owner = (holder.id, holder.department_id)
    elif step.department_id is not None:
        owner = (None, step.department_id)
    else:
        owner = (employee_id, department_id)
    reaction = NextReaction(
        due, employee_id=owner[0], department_id=owner[1], topic=step.topic, kind=step.kind
    )
    return ScheduledStep(plan.name, step.name, reaction)


def first_step(
    plan: FollowUpPlan,
    *,
    start: datetime,
    by: Employee,
    manager: Employee | None,
    policy: Policy,
) -> ScheduledStep:
    """The plan's first step, started by ``by`` at ``start`` on a card managed by
    ``manager``: due ``after`` ``start``; owned as :class:`~clientops.clients.PlanStep` says,
    by ``by`` when the step names no one."""
    return _schedule(
        plan,
        plan.first,
        start=start,
        by=by,
        manager=manager,
        employee_id=by.id,
        department_id=by.department_id,
        policy=policy,
    )


def next_step(
    plan: FollowUpPlan | None,
    done: Reaction,
    result: ReactionResult,
    *,
    at: datetime,
    by: Employee,
    manager: Employee | None,
    policy: Policy,
) -> ScheduledStep | None:
    """The step after ``done`` (a step of ``plan``) completed by ``by`` at ``at`` with
    ``result``: ``None`` when ``done`` is no plan's step, at the end of the chain, when the
    result stops it (the step's ``stop_on``), or when the plan or the step is gone from the
    policy. Owned as the step says, else by the owner of ``done``."""
    if plan is None or done.plan != plan.name or done.step is None:
        return None
    step = plan.after(done.step, result)
    if step is None:
        return None
    return _schedule(
        plan,
        step,
        start=at,
        by=by,
        manager=manager,
        employee_id=done.employee_id,
        department_id=done.department_id,
        policy=policy,
    )
