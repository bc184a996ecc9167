"""The orders area: an order from the preliminary request to its close, the hand-offs it
needs, repeat orders, missed deadlines and the orders' calendar (``ops.orders``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from clientops._checks import check_entry_points
from clientops._clients_sync import list_page
from clientops._context import Context
from clientops._credit import CreditCheck
from clientops._credit_helpers import credit_gate
from clientops._orders import (
    Action,
    Close,
    HandOff,
    Order,
    OrderAdvanced,
    OrderId,
    OrderOpened,
    OrderSpecification,
    OrderStage,
    Overdue,
    Ship,
    handoffs,
    overdue,
)
from clientops._orders import advance as _advance
from clientops._orders import open_order as _open_order
from clientops._orders import repeat_order as _repeat_order
from clientops._recording import appeal_opened, reaction_scheduled
from clientops._retention import ClientTerms
from clientops._sync import ListFilter, Page
from clientops.calendar import CalendarEntry, CalendarPolicy
from clientops.events import Event
from clientops.ics import write_ics
from clientops.model import (
    ClientId,
    EmployeeId,
    Money,
    Reaction,
    Role,
    StaffDirectory,
    new_id,
)
from clientops.ports import UnitOfWork, retention_repository
from clientops.rules.order_outputs import (
    handoff_reactions,
    order_appeal,
    order_appeal_id,
    order_entries,
    repeat_contact_reaction,
)

__all__ = ["OrderChange", "OrdersService"]

_TOPIC = 300


def _credit_handoff(check: CreditCheck, order: Order, client: str, topic: str) -> HandOff:
    """The director's task to approve ``order`` (the credit check asked for it)."""
    words = topic.format(number=order.number, client=client, reasons="; ".join(check.reasons))
    words = words if len(words) <= _TOPIC else words[: _TOPIC - 1] + "…"
    return HandOff(Role.DIRECTOR, "credit_approval", f"order {order.number}: {words}")


@attrs.frozen
class OrderChange:
    """What an order use case stored: the order as it now is, and the reactions it made (the
    hand-offs to the designer, the director, the sales manager; the repeat-contact call once
    the order is closed)."""

    order: Order
    reactions: tuple[Reaction, ...] = ()


@check_entry_points
class OrdersService:
    """Orders from the preliminary request to the close, with their hand-offs::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> ops.orders.find("З-101") is None
    True
    >>> ops.orders.overdue()
    ()
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def open(
        self,
        client_id: ClientId,
        specification: OrderSpecification,
        *,
        number: str,
        by: EmployeeId,
        vip: bool = False,
        note: str = "",
        existing_layouts: Iterable[str] = (),
        credit_approved: bool = False,
    ) -> OrderChange:
        """A new order at the preliminary request, with its appeal and the hand-offs it needs
        now (a layout the designer must make when its design is not on file — in
        ``existing_layouts`` or an earlier order of the client that went to production; the
        director for a VIP order), in one unit of work. The client's special conditions valid
        today (``Retention.set_terms``) are fixed on the order: their discount prices it
        (``Pricing.applied`` says ``"client_discount"``). An unknown client or employee raises
        NotFoundError, an order number already taken DuplicateError, a bad specification
        ValidationError; nothing is stored then.

        The client's credit is checked first (``Policy.retention.credit``, see
        :func:`clientops.rules.credit.admit`): a client with a payment-discipline score below
        ``refuse_score`` raises :class:`~clientops.retention.CreditRefusedError` naming
        ``client_id``; one whose debt passes its credit limit or whose score is below
        ``approval_score`` gets the order with a task to the director to approve it (or the
        error, when ``on_approval`` refuses), unless ``credit_approved`` says the director
        approved it already."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            card = uow.clients.get(client_id)
            check = credit_gate(
                uow, self._context, client_id, Money(0), approved=credit_approved, shipment=False
            )
            order = _open_order(
                id=OrderId(new_id()),
                client_id=client_id,
                number=number,
                specification=specification,
                now=now,
                by=by,
                vip=vip,
                note=note,
                client_terms=self._terms(uow, client_id),
            )
            extra = (_credit_handoff(check, order, card.name, self._credit_topic),) if check else ()
            change, events = self._add_order(
                uow, order, staff, by=by, now=now, layouts=existing_layouts, extra=extra
            )
            self._context.publish(events)
        return change

    def advance(
        self,
        order_id: OrderId,
        action: Action,
        *,
        by: EmployeeId,
        existing_layouts: Iterable[str] = (),
        conflict: str | None = None,
        upsells: Iterable[str] = (),
        problem: str | None = None,
        credit_approved: bool = False,
    ) -> OrderChange:
        """Do ``action`` (:class:`~clientops.orders.ApproveRequest`,
        :class:`~clientops.orders.Ship`…) on the stored order as ``by``, now, and store it with
        the reactions its hand-offs need (not repeating one already open): the designer's
        layout, the director (VIP, a ``conflict``, repeated quality rejections, a price below
        the minimum margin), the sales manager (``upsells``, a ``problem`` client). Closing the
        order also puts the repeat-contact call on ``by``'s agenda. An action the order does
        not allow now raises TransitionError naming the stage and the allowed actions; the
        stored order is then unchanged.

        A shipment (:class:`~clientops.orders.Ship`) is checked against the client's credit
        (its debt, its order's invoices included, and its payment discipline): one the check
        refuses, or that needs the director's approval not given (``credit_approved``),
        raises :class:`~clientops.retention.CreditRefusedError` naming ``client_id``."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            current = uow.orders.get(order_id)
            if isinstance(action, Ship):
                credit_gate(
                    uow,
                    self._context,
                    current.client_id,
                    Money(0),
                    approved=credit_approved,
                    shipment=True,
                )
            moved = _advance(current, action, now=now, by=by, policy=self._context.policy.orders)
            stored = uow.orders.update(moved)
            reactions = self._order_handoffs(
                uow,
                stored,
                staff,
                by=by,
                now=now,
                existing_layouts=existing_layouts,
                conflict=conflict,
                upsells=upsells,
                problem=problem,
            )
            if isinstance(action, Close):
                call = repeat_contact_reaction(
                    stored, manager=by, now=now, policy=self._context.policy
                )
                uow.appeals.add_reaction(call)
                reactions = (*reactions, call)
            step = stored.history[-1]
            self._context.publish(
                (
                    OrderAdvanced(stored.id, stored.client_id, step.action, stored.stage, by, now),
                    *(reaction_scheduled(r, now) for r in reactions),
                )
            )
        return OrderChange(stored, reactions)

    def repeat(
        self,
        previous_id: OrderId,
        *,
        number: str,
        by: EmployeeId,
        changes: Mapping[str, Any] | None = None,
        specification: OrderSpecification | None = None,
        note: str = "",
        existing_layouts: Iterable[str] = (),
        credit_approved: bool = False,
    ) -> OrderChange:
        """A repeat of a closed order (БП 5.1–5.4): the previous request copied with
        ``changes`` (or a new ``specification``), the special conditions of the policy, and
        the designer asked to make the layout again when ``existing_layouts`` lacks it. The
        client's credit is checked as :meth:`open` does."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            previous = uow.orders.get(previous_id)
            card = uow.clients.get(previous.client_id)
            check = credit_gate(
                uow,
                self._context,
                previous.client_id,
                Money(0),
                approved=credit_approved,
                shipment=False,
            )
            order = _repeat_order(
                previous,
                new_id=OrderId(new_id()),
                number=number,
                now=now,
                by=by,
                policy=self._context.policy.orders,
                copy_specification=specification is None,
                changes=changes,
                specification=specification,
                note=note,
            )
            order = attrs.evolve(order, client_terms=self._terms(uow, previous.client_id))
            extra = (_credit_handoff(check, order, card.name, self._credit_topic),) if check else ()
            change, events = self._add_order(
                uow, order, staff, by=by, now=now, layouts=existing_layouts, extra=extra
            )
            self._context.publish(events)
        return change

    def _add_order(
        self,
        uow: UnitOfWork,
        order: Order,
        staff: StaffDirectory,
        *,
        by: EmployeeId,
        now: datetime,
        layouts: Iterable[str],
        extra: Iterable[HandOff] = (),
    ) -> tuple[OrderChange, list[Event]]:
        """Store a new order with its appeal and the hand-offs it needs now; the events that
        say so."""
        uow.orders.add(order)
        appeal = order_appeal(order, by=by, policy=self._context.policy)
        uow.appeals.add(appeal)
        reactions = self._order_handoffs(
            uow, order, staff, by=by, now=now, existing_layouts=layouts, extra=extra
        )
        events: list[Event] = [
            OrderOpened(order.id, order.client_id, order.number, order.stage, by, now),
            appeal_opened(appeal, now),
            *(reaction_scheduled(r, now) for r in reactions),
        ]
        return OrderChange(order, reactions), events

    def _order_handoffs(
        self,
        uow: UnitOfWork,
        order: Order,
        staff: StaffDirectory,
        *,
        by: EmployeeId,
        now: datetime,
        existing_layouts: Iterable[str] = (),
        conflict: str | None = None,
        upsells: Iterable[str] = (),
        problem: str | None = None,
        extra: Iterable[HandOff] = (),
    ) -> tuple[Reaction, ...]:
        # the layouts on file: those given, and those of the client's other orders that went
        # to production (their layout was made and approved)
        layouts = set(existing_layouts)
        layouts.update(
            o.specification.design
            for o in uow.orders.of_client(order.client_id)
            if o.id != order.id and o.did("sign_final_request")
        )
        needed = handoffs(
            order,
            policy=self._context.policy.orders,
            existing_layouts=frozenset(layouts),
            conflict=conflict,
            upsells=upsells,
            problem=problem,
        )
        existing = [
            r
            for r in uow.appeals.reactions_of(order.client_id)
            if r.appeal_id == order_appeal_id(order.id)
        ]
        made = handoff_reactions(
            order,
            (*needed, *extra),
            staff=staff,
            manager=by,
            existing=existing,
            now=now,
            policy=self._context.policy,
        )
        for reaction in made:
            uow.appeals.add_reaction(reaction)
        return made

    def _terms(self, uow: UnitOfWork, client_id: ClientId) -> ClientTerms | None:
        """The client's special conditions when they are valid today, else ``None``."""
        terms = retention_repository(uow).client_terms(client_id)
        return terms if terms is not None and terms.valid_on(self._context.today()) else None

    @property
    def _credit_topic(self) -> str:
        return self._context.policy.retention.credit.approval_topic

    def get(self, order_id: OrderId) -> Order:
        """One order; NotFoundError when there is none with that id."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.orders.get(order_id)

    def find(self, number: str) -> Order | None:
        """The order with this number, or ``None``."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.orders.find(number)

    def orders_of(self, client_id: ClientId) -> tuple[Order, ...]:
        """The client's orders, oldest first."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.orders.of_client(client_id)

    def list(
        self,
        *,
        client_id: ClientId | None = None,
        stage: OrderStage | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[Order]:
        """A page of orders (of a client, at a stage), oldest first, and the cursor of the
        next page (:meth:`ops.clients.list <clientops.clients.ClientsService.list>`)."""
        where = ListFilter(client_id=client_id, status=None if stage is None else stage.value)
        return list_page(self._context, "orders", where, cursor, limit)

    def overdue(
        self, *, today: date | None = None
    ) -> tuple[tuple[Order, tuple[Overdue, ...]], ...]:
        """Every open order with a missed deadline as of ``today`` (the policy's local date
        by default), with what is missed: production stages, the supplier's deadline, the
        production and delivery deadlines."""
        day = (
            today
            if today is not None
            else self._context.now().astimezone(self._context.policy.tz).date()
        )
        with self._context.storage.unit_of_work(readonly=True) as uow:
            orders = uow.orders.open()
        found = ((o, overdue(o, day, policy=self._context.policy.orders)) for o in orders)
        return tuple((o, missed) for o, missed in found if missed)

    def calendar_entries(
        self, order_id: OrderId, *, calendar_policy: CalendarPolicy | None = None
    ) -> tuple[CalendarEntry, ...]:
        """The order's deadlines as all-day calendar events (see
        :func:`~clientops.rules.order_outputs.order_entries`)."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            order = uow.orders.get(order_id)
            client = uow.clients.get(order.client_id)
        return order_entries(
            order, client=client, policy=self._context.policy, calendar_policy=calendar_policy
        )

    def export_calendar(
        self,
        path: str | os.PathLike[str],
        *,
        stages: Iterable[OrderStage] | None = None,
        calendar_policy: CalendarPolicy | None = None,
    ) -> Path:
        """Write the deadlines of every open order (or of the orders at ``stages``) to one
        .ics file, atomically, with stable UIDs."""
        events: list[CalendarEntry] = []
        with self._context.storage.unit_of_work(readonly=True) as uow:
            orders = uow.orders.open() if stages is None else uow.orders.in_stages(stages)
            for order in orders:
                client = uow.clients.get(order.client_id)
                events.extend(
                    order_entries(
                        order,
                        client=client,
                        policy=self._context.policy,
                        calendar_policy=calendar_policy,
                    )
                )
        return write_ics(path, events, tz=self._context.policy.timezone, now=self._context.now())
