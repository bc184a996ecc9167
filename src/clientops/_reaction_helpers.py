"""The reactions' helpers of ``ops.clients``: a reaction built from a plan with its owners
checked, the follow-up's id, and the owners' checks (kept apart so the service stays small)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import attrs

from clientops._followups import FollowUpPlan
from clientops.errors import FieldError, NotFoundError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    ClientId,
    DepartmentId,
    Employee,
    EmployeeId,
    NextReaction,
    Reaction,
    ReactionId,
    ReactionResult,
    StaffDirectory,
    new_id,
)
from clientops.policy import Policy
from clientops.ports import UnitOfWork
from clientops.rules.followups import first_step

__all__ = [
    "follow_up_id",
    "planned",
    "require_department",
    "require_employee",
    "result_name",
    "start_plan_in",
]


def follow_up_id(reaction_id: ReactionId) -> ReactionId:
    """The id of the reaction scheduled when ``reaction_id`` is completed: the same for every
    retry of the completion, so the follow-up is stored once."""
    digest = hashlib.sha256(f"follow-up:{reaction_id}".encode()).hexdigest()
    return ReactionId(f"f{digest[:31]}")


def result_name(result: ReactionResult | None) -> str:
    return result.value if result is not None else "without a result"


def require_department(staff: StaffDirectory, department_id: DepartmentId, path: str) -> None:
    if staff.department(department_id) is None:
        raise ValidationError([FieldError(path, f"unknown department {department_id!r}")])


def require_employee(staff: StaffDirectory, employee_id: EmployeeId, path: str) -> Employee:
    employee = staff.employee(employee_id)
    if employee is None:
        raise ValidationError([FieldError(path, f"unknown employee {employee_id!r}")])
    return employee


def planned(
    plan: NextReaction,
    staff: StaffDirectory,
    path: str,
    *,
    id: ReactionId,
    appeal_id: AppealId,
    client_id: ClientId,
    topic: str,
    now: datetime,
    by: EmployeeId,
) -> Reaction:
    """The reaction ``plan`` describes, its owners checked against ``staff`` (errors named
    under ``path``); an employee given alone brings their department."""
    department = plan.department_id
    if department is not None:
        require_department(staff, department, f"{path}.department_id")
    if plan.employee_id is not None:
        employee = require_employee(staff, plan.employee_id, f"{path}.employee_id")
        if department is None:
            department = employee.department_id
    return Reaction(
        id=id,
        appeal_id=appeal_id,
        client_id=client_id,
        kind=plan.kind,
        topic=plan.topic if plan.topic is not None else topic,
        due_at=plan.due_at,
        created_at=now,
        department_id=department,
        employee_id=plan.employee_id,
        created_by=by,
    )


def start_plan_in(
    uow: UnitOfWork,
    policy: Policy,
    chosen: FollowUpPlan,
    client_id: ClientId,
    by: EmployeeId,
    appeal_id: AppealId | None,
    reaction_id: ReactionId | None,
    now: datetime,
) -> tuple[Appeal | None, Reaction]:
    """The first step of ``chosen`` on a client, stored in ``uow``: on ``appeal_id``, or on a
    new appeal titled as the plan (returned first, ``None`` when the appeal was given)."""
    opened: Appeal | None = None
    staff = uow.staff.directory()
    starter = staff.require(by)
    card = uow.clients.get(client_id)
    if appeal_id is None:
        opened = Appeal(
            id=AppealId(new_id()),
            client_id=client_id,
            topic=chosen.title,
            department_id=starter.department_id,
            created_at=now,
            created_by=by,
        )
        uow.appeals.add(opened)
        appeal = opened
    else:
        appeal = uow.appeals.get(appeal_id)
        if appeal.client_id != client_id:
            raise NotFoundError("appeal of client", (client_id, appeal_id))
    step = first_step(
        chosen,
        start=now,
        by=starter,
        manager=staff.employee(card.manager_id) if card.manager_id else None,
        policy=policy,
    )
    reaction = planned(
        step.reaction,
        staff,
        f"plan {chosen.name!r}, step {step.step!r}",
        id=reaction_id if reaction_id is not None else ReactionId(new_id()),
        appeal_id=appeal.id,
        client_id=client_id,
        topic=appeal.topic,
        now=now,
        by=by,
    )
    reaction = attrs.evolve(reaction, plan=step.plan, step=step.step)
    uow.appeals.add_reaction(reaction)
    return opened, reaction
