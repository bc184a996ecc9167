"""The card's timeline and notes, and card completeness, for ``ops.clients``: the use cases
:class:`~clientops.clients.ClientsService` delegates to (kept here so each service module
stays small)."""

from __future__ import annotations

from datetime import datetime

from clientops._completeness import CardScore, CompletenessReport
from clientops._context import Context
from clientops._timeline import (
    Attachment,
    TimelineEntry,
    TimelineKind,
    TimelinePage,
    TimelineQuery,
    note_entry,
)
from clientops.errors import FieldError, NotFoundError, ValidationError
from clientops.model import Client, ClientId, DepartmentId, EmployeeId, new_id
from clientops.rules.completeness import score_card, summarise

__all__ = ["add_note", "card_scores", "read_timeline"]


def read_timeline(
    context: Context,
    client_id: ClientId,
    *,
    kinds: tuple[TimelineKind, ...],
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> TimelinePage:
    query = TimelineQuery(kinds, since, until, after, limit)
    with context.storage.unit_of_work(readonly=True) as uow:
        uow.clients.get(client_id)
        return uow.timeline.page(client_id, query)


def add_note(
    context: Context,
    client_id: ClientId,
    body: str,
    *,
    by: EmployeeId,
    attachments: tuple[Attachment, ...],
    note_id: str | None,
) -> TimelineEntry:
    if not body.strip():
        raise ValidationError([FieldError("text", "a note needs words")], subject="note")
    entry = note_entry(
        note_id if note_id is not None else new_id(),
        client_id,
        body,
        at=context.now(),
        by=by,
        attachments=attachments,
    )
    with context.storage.unit_of_work() as uow:
        uow.staff.directory().require(by)
        uow.clients.get(client_id)
        uow.timeline.record([entry])
    return entry


def card_scores(
    context: Context,
    *,
    client_id: ClientId | None = None,
    manager: EmployeeId | None = None,
    department: DepartmentId | None = None,
) -> CompletenessReport:
    """``ops.clients.completeness``: exactly one of the three is given (ValidationError)."""
    given = [v for v in (client_id, manager, department) if v is not None]
    if len(given) != 1:
        raise ValidationError(
            [FieldError("client_id", "give one of client_id, manager, department")]
        )
    policy = context.policy
    with context.storage.unit_of_work(readonly=True) as uow:
        staff = uow.staff.directory()
        cards: tuple[Client, ...]
        if client_id is not None:
            cards = (uow.clients.get(client_id),)
        elif manager is not None:
            staff.require(manager)
            cards = uow.clients.managed_by(manager)
        else:
            assert department is not None
            if staff.department(department) is None:
                raise NotFoundError("department", department)
            members = sorted(e.id for e in staff.members(department))
            cards = tuple(c for m in members for c in uow.clients.managed_by(m))
    scores: list[CardScore] = [score_card(card, policy=policy.completeness) for card in cards]
    return summarise(scores)
