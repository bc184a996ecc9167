"""Storing the appeals and reactions a rule decided on, with the events that say so: shared
by the use cases of :class:`clientops.ClientOps`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from clientops.events import AppealOpened, Event, ReactionScheduled
from clientops.model import Appeal, Reaction
from clientops.ports import UnitOfWork


def record_appeals_and_reactions(
    uow: UnitOfWork, appeals: Iterable[Appeal], reactions: Iterable[Reaction], now: datetime
) -> list[Event]:
    """Store ``appeals`` then ``reactions`` in ``uow``; the events that say so (to publish
    after the commit)."""
    events: list[Event] = []
    for appeal in appeals:
        uow.appeals.add(appeal)
        events.append(AppealOpened(appeal.id, appeal.client_id, appeal.department_id, now))
    for reaction in reactions:
        uow.appeals.add_reaction(reaction)
        events.append(
            ReactionScheduled(
                reaction.id,
                reaction.client_id,
                reaction.department_id,
                reaction.employee_id,
                reaction.due_at,
            )
        )
    return events
