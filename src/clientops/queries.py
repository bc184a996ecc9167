"""The agenda's read model, for any store: its fast path when it has one, a fallback otherwise.

A store MAY answer the agenda's set-based queries itself (``uow.agenda``, an
:class:`~clientops.ports.AgendaQueries`): the SQL stores keep a few copied columns and
covering indexes for them. A store that does not is served by :class:`RepositoryAgendaQueries`,
which builds the same rows, in the same order, from the repositories every store has::

    with storage.unit_of_work(readonly=True) as uow:
        due = agenda_queries(uow).due_reactions(employee_id, until=now)

The contract kit (:class:`clientops.testing.AgendaQueriesContract`) checks on every store that
its fast path and this fallback give exactly the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from clientops._agenda import ClientTouch, client_touches
from clientops._billing import OwedInvoice
from clientops.model import Client, ClientId, DueReaction, EmployeeId
from clientops.ports import AgendaQueries, UnitOfWork
from clientops.satisfaction import AssignedClient, SatisfactionDueBounds

__all__ = ["RepositoryAgendaQueries", "agenda_queries"]


def agenda_queries(uow: UnitOfWork) -> AgendaQueries:
    """The agenda's queries of ``uow``: the store's own (``uow.agenda``) when it has them,
    else :class:`RepositoryAgendaQueries` over its repositories."""
    fast: AgendaQueries | None = getattr(uow, "agenda", None)
    return fast if fast is not None else RepositoryAgendaQueries(uow)


class RepositoryAgendaQueries:
    """:class:`~clientops.ports.AgendaQueries` computed from the repositories alone: correct
    on any store, as fast as its repositories (it reads the cards it names one by one)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._cards: dict[ClientId, Client] = {}

    def _card(self, client_id: ClientId) -> Client:
        card = self._cards.get(client_id)
        if card is None:
            card = self._cards[client_id] = self._uow.clients.get(client_id)
        return card

    def due_reactions(self, employee_id: EmployeeId, *, until: datetime) -> tuple[DueReaction, ...]:
        rows = [
            DueReaction(r.id, r.client_id, self._card(r.client_id).name, r.kind, r.topic, r.due_at)
            for r in self._uow.appeals.open_reactions(employee_id)
            if r.due_at <= until
        ]
        rows.sort(key=lambda r: (r.due_at, r.client_name, r.reaction_id))
        return tuple(rows)

    def open_invoices_managed_by(self, manager_id: EmployeeId) -> tuple[OwedInvoice, ...]:
        found: list[OwedInvoice] = []
        for invoice in self._uow.invoices.open():
            card = self._card(invoice.client_id)
            if card.manager_id == manager_id:
                found.append(OwedInvoice.of(invoice, client_name=card.name))
        return tuple(found)

    def satisfaction_calls_due(
        self, bounds: SatisfactionDueBounds, *, manager_id: EmployeeId | None = None
    ) -> tuple[AssignedClient, ...]:
        def due(row: AssignedClient) -> bool:
            if row.last_call is not None:
                return row.last_call <= bounds.last_call_until
            return row.assigned_on <= bounds.assigned_until

        rows = [row for row in self._uow.claims.assigned(manager_id=manager_id) if due(row)]
        return tuple(sorted(rows, key=lambda row: (row.client_name, row.client_id)))

    def client_touches(
        self, month_days: Sequence[str], *, manager_id: EmployeeId | None = None
    ) -> tuple[ClientTouch, ...]:
        return client_touches(self._uow.clients.all(), month_days, manager_id=manager_id)
