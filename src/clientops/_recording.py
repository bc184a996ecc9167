"""Storing the appeals and reactions a rule decided on, with the events that say so: shared
by the area services."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from clientops.errors import DuplicateError
from clientops.events import AppealOpened, Event, ReactionScheduled
from clientops.model import Appeal, Reaction
from clientops.ports import UnitOfWork

T = TypeVar("T")


def again_if_raced(run: Callable[[], T]) -> T:
    """``run()``, a unit of work that reads what is stored, decides and writes records with
    fixed ids; once more when it loses a race on their unique keys (DuplicateError: a run
    beside it, another worker's, committed the same records between its reads and its
    writes). The second run reads them and writes nothing twice."""
    try:
        return run()
    except DuplicateError:
        return run()


def appeal_opened(appeal: Appeal, now: datetime) -> AppealOpened:
    """The event of ``appeal`` stored at ``now``."""
    return AppealOpened(appeal.id, appeal.client_id, appeal.department_id, now)


def reaction_scheduled(reaction: Reaction, now: datetime) -> ReactionScheduled:
    """The event of ``reaction`` stored at ``now``."""
    return ReactionScheduled(
        reaction.id,
        reaction.client_id,
        reaction.department_id,
        reaction.employee_id,
        reaction.due_at,
        now,
    )


def record_appeals_and_reactions(
    uow: UnitOfWork, appeals: Iterable[Appeal], reactions: Iterable[Reaction], now: datetime
) -> list[Event]:
    """Store ``appeals`` then ``reactions`` in ``uow``; the events that say so (to publish
    after the commit)."""
    events: list[Event] = []
    for appeal in appeals:
        uow.appeals.add(appeal)
        events.append(appeal_opened(appeal, now))
    for reaction in reactions:
        uow.appeals.add_reaction(reaction)
        events.append(reaction_scheduled(reaction, now))
    return events
