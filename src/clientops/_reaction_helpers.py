"""The reactions' helpers of ``ops.clients``: a reaction built from a plan with its owners
checked, the follow-up's id, and the owners' checks (kept apart so the service stays small)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from clientops.errors import FieldError, ValidationError
from clientops.model import (
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
)

__all__ = [
    "follow_up_id",
    "planned",
    "require_department",
    "require_employee",
    "result_name",
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
