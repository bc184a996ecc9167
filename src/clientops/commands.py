"""What a rule asks the shell to do. Each command is a small frozen value."""

from __future__ import annotations

import attrs

from clientops.model import Appeal, Client, DepartmentId, EmployeeId, Reaction

__all__ = ["Command", "CreateAppeal", "CreateClient", "CreateReaction", "TransferCall"]


@attrs.frozen
class CreateClient:
    client: Client


@attrs.frozen
class CreateAppeal:
    appeal: Appeal


@attrs.frozen
class CreateReaction:
    reaction: Reaction


@attrs.frozen
class TransferCall:
    """Put the caller through to a department or to one employee (exactly one of the two)."""

    department_id: DepartmentId | None = None
    employee_id: EmployeeId | None = None

    def __attrs_post_init__(self) -> None:
        if (self.department_id is None) == (self.employee_id is None):
            raise ValueError("a transfer goes to exactly one department or one employee")


Command = CreateClient | CreateAppeal | CreateReaction | TransferCall
