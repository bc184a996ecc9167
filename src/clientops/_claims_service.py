"""The claims area: claims against a department and the satisfaction round that may file
them (``ops.claims``). The decisions are the pure functions of
:mod:`clientops.rules.claims` and :mod:`clientops.rules.satisfaction`; events are published
after the commit.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import attrs

from clientops._checks import check_entry_points, date_errors
from clientops._claims import (
    Claim,
    ClaimAction,
    ClaimId,
    ClaimOccasion,
    ClaimSource,
    ClaimStage,
)
from clientops._clients_sync import list_page
from clientops._context import Context
from clientops._orders import OrderId
from clientops._recording import record_appeals_and_reactions
from clientops._sync import ListFilter, Page
from clientops.errors import ValidationError
from clientops.events import Event
from clientops.model import (
    Client,
    ClientId,
    DepartmentId,
    EmployeeId,
    Money,
    new_id,
)
from clientops.ports import UnitOfWork
from clientops.queries import agenda_queries
from clientops.rules import claims as _claims
from clientops.rules import satisfaction as _satisfaction
from clientops.rules.claims import ClaimDecision, ClaimReport
from clientops.rules.satisfaction import SatisfactionDecision
from clientops.satisfaction import AssignedClient, SatisfactionCall, SatisfactionCallDue

__all__ = ["ClaimsService"]


@check_entry_points
class ClaimsService:
    """Claims and the satisfaction round::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> from datetime import date
    >>> ops.claims.open()
    ()
    >>> ops.claims.satisfaction_calls_due(date(2025, 6, 23))
    ()
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def assign_client(self, client_id: ClientId, manager_id: EmployeeId, *, on: date) -> Client:
        """Make ``manager_id`` the client's manager from the day ``on``: the card's
        ``manager_id`` and the client's row of the satisfaction round (the first call is due
        ``policy.satisfaction.first_call_after`` later, unless the client was called already:
        the last call counts, whoever made it). NotFoundError for an unknown client or
        manager. Returns the stored card."""
        AssignedClient(client_id, manager_id, on)  # checks the values
        with self._context.storage.unit_of_work() as uow:
            uow.staff.directory().require(manager_id)
            client = uow.clients.get(client_id)
            if client.manager_id != manager_id:
                client = uow.clients.update(attrs.evolve(client, manager_id=manager_id))
            found = uow.claims.satisfaction_of(client_id)
            uow.claims.put_satisfaction(
                client_id, manager_id, on, found.last_call if found is not None else None
            )
        return client

    def satisfaction_calls_due(
        self, day: date, *, manager: EmployeeId | None = None
    ) -> tuple[SatisfactionCallDue, ...]:
        """The satisfaction calls due on ``day`` (late ones included) to the clients of
        ``manager``, or of everyone: the longest overdue first, each with its reason. The store
        answers with one set-based query (:func:`~clientops.rules.satisfaction
        .satisfaction_due_bounds`). An unknown manager raises NotFoundError, not ``()``."""
        rules = self._context.policy.satisfaction
        calendar = self._context.policy.calendar
        bounds = _satisfaction.satisfaction_due_bounds(day, rules, calendar)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            if manager is not None:
                uow.staff.directory().require(manager)
            rows = agenda_queries(uow).satisfaction_calls_due(bounds, manager_id=manager)
        return _satisfaction.satisfaction_due(rows, day, policy=rules, calendar=calendar)

    def record_satisfaction(
        self, client_id: ClientId, call: SatisfactionCall, *, by: EmployeeId
    ) -> SatisfactionDecision:
        """Record a satisfaction call to the client (:func:`~clientops.rules.satisfaction
        .record_satisfaction`), in one unit of work: the call's appeal and reactions (the
        letter's follow-up, or the call again), and for an unsatisfied client the claim with
        its appeal and the reactions to the head of the department at fault and the general
        director. The client's last satisfaction call becomes the call's day (a client not
        reached is still due). The same call recorded twice raises DuplicateError and stores
        nothing; so does every other refusal. ``by`` (who records it) must be on the staff."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            client = uow.clients.get(client_id)
            decision = _satisfaction.record_satisfaction(
                call, client=client, staff=staff, policy=self._context.policy
            )
            events = record_appeals_and_reactions(uow, (decision.appeal,), decision.reactions, now)
            if decision.claim is not None:
                events += self._store_claim(uow, decision.claim, now)
            if decision.last_call is not None:
                found = uow.claims.satisfaction_of(client_id)
                if found is None:
                    uow.claims.put_satisfaction(
                        client_id, call.manager_id, decision.last_call, decision.last_call
                    )
                elif found.last_call is None or found.last_call < decision.last_call:
                    uow.claims.put_satisfaction(
                        client_id, found.manager_id, found.assigned_on, decision.last_call
                    )
            self._context.publish((*decision.events, *events))
        return decision

    @staticmethod
    def _store_claim(uow: UnitOfWork, decision: ClaimDecision, now: datetime) -> list[Event]:
        appeals = (decision.appeal,) if decision.appeal is not None else ()
        events = record_appeals_and_reactions(uow, appeals, decision.reactions, now)
        uow.claims.add(decision.claim)
        return events

    def file(
        self,
        client_id: ClientId,
        *,
        department_id: DepartmentId,
        source: ClaimSource,
        by: EmployeeId,
        money: Money | None = None,
        order_id: OrderId | None = None,
        invoice_id: str | None = None,
        occasion: ClaimOccasion = ClaimOccasion.OTHER,
        claim_id: ClaimId | None = None,
    ) -> ClaimDecision:
        """File a claim of the client against ``department_id`` now and pass it on at once
        (:func:`~clientops.rules.claims.file_claim`): the claim, its appeal and a reaction to
        the head of that department and to the general director, stored in one unit of work.
        A claim without a department (or with an unknown one) raises ValidationError naming
        ``department_id``, and nothing is stored."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            client = uow.clients.get(client_id)
            decision = _claims.file_claim(
                id=claim_id if claim_id is not None else ClaimId(new_id()),
                client=client,
                department_id=department_id,
                source=source,
                now=now,
                by=by,
                staff=staff,
                policy=self._context.policy,
                money=money,
                order_id=order_id,
                invoice_id=invoice_id,
                occasion=occasion,
            )
            events = self._store_claim(uow, decision, now)
            self._context.publish((*decision.events, *events))
        return decision

    def advance(self, claim_id: ClaimId, action: ClaimAction, *, by: EmployeeId) -> ClaimDecision:
        """Do ``action`` on the stored claim now (:func:`~clientops.rules.claims
        .advance_claim`): the claim as stored (its version counted up) and, when the director
        is brought in, the reaction to the director, in one unit of work. A step the process
        does not allow raises TransitionError and changes nothing."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            claim = uow.claims.get(claim_id)
            decision = _claims.advance_claim(
                claim,
                action,
                client=uow.clients.get(claim.client_id),
                now=now,
                by=by,
                staff=staff,
                policy=self._context.policy,
            )
            stored = uow.claims.update(decision.claim)
            events = record_appeals_and_reactions(uow, (), decision.reactions, now)
            self._context.publish((*decision.events, *events))
        return attrs.evolve(decision, claim=stored)

    def get(self, claim_id: ClaimId) -> Claim:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.claims.get(claim_id)

    def claims_of(self, client_id: ClientId) -> tuple[Claim, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.claims.of_client(client_id)

    def list(
        self,
        *,
        client_id: ClientId | None = None,
        manager_id: EmployeeId | None = None,
        stage: ClaimStage | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[Claim]:
        """A page of claims (of a client, of a manager, at a stage), oldest first, and the
        cursor of the next page (as :meth:`ops.clients.list` pages cards)."""
        status = None if stage is None else stage.value
        where = ListFilter(client_id=client_id, manager_id=manager_id, status=status)
        return list_page(self._context, "claims", where, cursor, limit)

    def open(self, *, department_id: DepartmentId | None = None) -> tuple[Claim, ...]:
        """The claims not resolved or withdrawn yet, oldest first (against ``department_id``
        when given)."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.claims.open(department_id=department_id)

    def figures(self, first: date, last: date) -> ClaimReport:
        """The claim figures of the days ``first`` to ``last`` (both included, local days of
        ``policy.timezone``; :func:`~clientops.rules.claims.claim_figures`), read with one
        range query."""
        errors = date_errors("first", first) + date_errors("last", last)
        if errors:
            raise ValidationError(errors, subject="claim figures")
        tz = self._context.policy.tz
        start = datetime.combine(first, time(0), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            found = uow.claims.between(start, end) if start < end else ()
        return _claims.claim_figures(found, first, last, tz=tz)
