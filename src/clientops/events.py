"""What happened: the one event stream.

Every value plugins hear through ``clientops_event`` is an :class:`Event`: a frozen attrs
value with ``at``, the time it happened. The services publish them after the unit of work
that produced them has committed, never before, and only for what changed (an idempotent
re-run that changes nothing publishes nothing).

The events of the kernel (cards, staff, appeals, reactions, the routing of calls) live here;
each area's events live with the area's values (:mod:`clientops.claims`,
:mod:`clientops.billing`, …). ``docs/hooks.md`` lists them all with when each is published.

    >>> from datetime import datetime, timezone
    >>> from clientops.model import ClientId
    >>> event = ClientCreated(ClientId("c1"), datetime(2026, 1, 12, 9, 0, tzinfo=timezone.utc))
    >>> isinstance(event, Event), event.at.hour
    (True, 9)
"""

from __future__ import annotations

from datetime import datetime

import attrs

from clientops.model import (
    AppealId,
    ClientId,
    DepartmentId,
    EmployeeId,
    ReactionId,
    ReactionResult,
)

__all__ = [
    "AppealOpened",
    "CallRouted",
    "ClientCreated",
    "ClientUpdated",
    "Event",
    "ReactionCompleted",
    "ReactionScheduled",
]


@attrs.frozen
class Event:
    """The base of every event of the stream: ``at`` is when it happened.

    Subclasses are frozen attrs values too; most declare ``at`` again to keep it in the place
    their positional constructor has always had it. Listen to all of them with one
    ``clientops_event`` hook implementation and tell them apart with ``isinstance``."""

    at: datetime = attrs.field(kw_only=True)


@attrs.frozen
class ClientCreated(Event):
    """A card was created (by hand, by an import, by a call or a folder)."""

    client_id: ClientId
    at: datetime


@attrs.frozen
class ClientUpdated(Event):
    """A stored card was changed (``version`` is the card's version after the change)."""

    client_id: ClientId
    version: int
    at: datetime


@attrs.frozen
class AppealOpened(Event):
    appeal_id: AppealId
    client_id: ClientId
    department_id: DepartmentId
    at: datetime


@attrs.frozen
class ReactionScheduled(Event):
    """A reaction (a call to make, a task) was stored, due at ``due_at``; ``at`` is when it
    was scheduled."""

    reaction_id: ReactionId
    client_id: ClientId
    department_id: DepartmentId | None
    employee_id: EmployeeId | None
    due_at: datetime
    at: datetime


@attrs.frozen
class ReactionCompleted(Event):
    """A reaction was done by ``employee_id`` with ``result``; ``next_reaction_id`` is the
    reaction scheduled after it in the same unit of work (``None`` when none was)."""

    reaction_id: ReactionId
    client_id: ClientId
    employee_id: EmployeeId
    result: ReactionResult
    next_reaction_id: ReactionId | None
    at: datetime


@attrs.frozen
class CallRouted(Event):
    """An incoming call was routed; ``branch`` is a :class:`~clientops.rules.calls.CallBranch`
    value, ``client_id`` the card it was recorded on (``None`` when nothing was recorded)."""

    branch: str
    answered_by: EmployeeId
    client_id: ClientId | None
    at: datetime
