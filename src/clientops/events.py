"""What happened. Events are published to plugins (``clientops_event``) after the unit of work
that produced them has committed, never before."""

from __future__ import annotations

from datetime import datetime

import attrs

from clientops.model import (
    AppealId,
    ClientId,
    DepartmentId,
    EmployeeId,
    ReactionId,
)

__all__ = ["AppealOpened", "CallRouted", "ClientCreated", "Event", "ReactionScheduled"]


@attrs.frozen
class ClientCreated:
    client_id: ClientId
    at: datetime


@attrs.frozen
class AppealOpened:
    appeal_id: AppealId
    client_id: ClientId
    department_id: DepartmentId
    at: datetime


@attrs.frozen
class ReactionScheduled:
    reaction_id: ReactionId
    client_id: ClientId
    department_id: DepartmentId | None
    employee_id: EmployeeId | None
    due_at: datetime


@attrs.frozen
class CallRouted:
    """An incoming call was routed; ``branch`` is a :class:`~clientops.rules.calls.CallBranch`
    value, ``client_id`` the card it was recorded on (``None`` when nothing was recorded)."""

    branch: str
    answered_by: EmployeeId
    client_id: ClientId | None
    at: datetime


Event = ClientCreated | AppealOpened | ReactionScheduled | CallRouted
