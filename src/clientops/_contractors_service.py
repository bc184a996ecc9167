"""Contractors: their services, prices and contracts; their visits to clients planned,
controlled, accepted with an act and paid through the payment plan.

:class:`Contractors` works over a :class:`~clientops.ClientOps` (anything with its
``context``): ``Contractors(ops)``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

import attrs

from clientops._billing import (
    SupplierBillId,
    enter_into_payment_plan,
    request_supplier_bill,
)
from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._contractors import (
    Contractor,
    ContractorId,
    ContractorPrice,
    ContractorVisit,
    ContractorVisitChanged,
    ContractorVisitStatus,
)
from clientops._recording import appeal_opened, reaction_scheduled
from clientops._text import format_date
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    ClientId,
    EmployeeId,
    Money,
    Reaction,
    ReactionId,
    ReactionKind,
    new_id,
)
from clientops.ports import contractors_repository

__all__ = ["Contractors"]


class _HasContext(Protocol):
    @property
    def context(self) -> Context: ...


@check_entry_points
class Contractors:
    """Contractors for non-core work (seed 002 / 18): the services and prices they quote
    (with their history), their contracts, their visits to clients::

    >>> import clientops
    >>> from datetime import date
    >>> from clientops.contractors import (Contractor, ContractorContract, ContractorId,
    ...                                    ContractorPrice, Contractors)
    >>> from clientops.model import Money
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id="anna"))
    >>> contractors = Contractors(ops)
    >>> _ = contractors.add(Contractor(
    ...     ContractorId("montazh"), "ООО «Монтаж-Сервис»", ("монтаж турникета",),
    ...     contract=ContractorContract("П-3/25", date(2025, 1, 1), date(2025, 12, 31)),
    ...     prices=(ContractorPrice("монтаж турникета", Money(14_000), date(2025, 1, 1)),)),
    ...     by="anna")
    >>> visit = contractors.schedule_visit("montazh", card.id, "монтаж турникета",
    ...                                    date(2025, 7, 1), by="anna")
    >>> [r.topic for r in ops.clients.reactions_of(card.id)]
    ['Проконтролировать визит подрядчика ООО «Монтаж-Сервис» 01.07.2025: монтаж турникета']
    >>> ops.close()
    """

    def __init__(self, ops: _HasContext) -> None:
        self._context = ops.context

    # ------------------------------------------------------------------ contractors

    def add(self, contractor: Contractor, *, by: EmployeeId) -> Contractor:
        """Store a new contractor (DuplicateError for an id taken)."""
        if not isinstance(contractor, Contractor):
            raise ValidationError([FieldError("contractor", "not a Contractor")])
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            stored = attrs.evolve(contractor, version=0)
            contractors_repository(uow).add(stored)
        return stored

    def get(self, contractor_id: ContractorId) -> Contractor:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return contractors_repository(uow).get(contractor_id)

    def all(self) -> tuple[Contractor, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return contractors_repository(uow).all()

    def set_price(
        self,
        contractor_id: ContractorId,
        service: str,
        price: Money,
        *,
        since: date,
        by: EmployeeId,
    ) -> Contractor:
        """A new price of ``service`` from ``since`` on; the old ones stay as its history
        (monitor the prices: seed 002 / 18). A service the contractor does not do raises
        ValidationError naming ``service``; a price below zero naming ``price``."""
        record = ContractorPrice(service, price, since)
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            contractor = contractors_repository(uow).get(contractor_id)
            if service not in contractor.services:
                raise ValidationError([FieldError("service", f"not a service of {contractor_id}")])
            prices = tuple(p for p in contractor.prices if (p.service, p.since) != (service, since))
            return contractors_repository(uow).update(
                attrs.evolve(contractor, prices=(*prices, record))
            )

    # ------------------------------------------------------------------ visits

    def visits_of(self, client_id: ClientId) -> tuple[ContractorVisit, ...]:
        """The client's contractor visits, oldest first; NotFoundError for an unknown one."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return contractors_repository(uow).visits_of(client_id)

    def schedule_visit(
        self,
        contractor_id: ContractorId,
        client_id: ClientId,
        service: str,
        day: date,
        *,
        by: EmployeeId,
        visit_id: str | None = None,
    ) -> ContractorVisit:
        """Agree the day of a contractor's visit to a client: the visit is planned and the
        client's manager (``by`` when there is none) gets a task to control it on that day.
        A day outside the contractor's contract (or a contractor without one) raises
        ValidationError naming ``day``; a service it does not do naming ``service``; an
        unknown client or contractor NotFoundError. Nothing is stored then."""
        if type(day) is not date:
            raise ValidationError([FieldError("day", f"not a date: {day!r}")])
        now = self._context.now()
        policy = self._context.policy
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            starter = staff.require(by)
            contractor = contractors_repository(uow).get(contractor_id)
            card = uow.clients.get(client_id)
            if service not in contractor.services:
                raise ValidationError([FieldError("service", f"not a service of {contractor_id}")])
            contract = contractor.contract
            if contract is None or not contract.covers(day):
                dates = (
                    "no contract"
                    if contract is None
                    else f"the contract runs {contract.starts_on}..{contract.ends_on or ''}"
                )
                raise ValidationError([FieldError("day", f"{day} is outside {dates}")])
            the_id = visit_id if visit_id is not None else new_id()
            owner = (staff.employee(card.manager_id) if card.manager_id else None) or starter
            topic = (
                f"Проконтролировать визит подрядчика {contractor.name} "
                f"{format_date(day)}: {service}"
            )
            appeal = Appeal(
                AppealId(f"contractor-{the_id}"),
                client_id,
                f"Визит подрядчика {contractor.name}",
                owner.department_id,
                created_at=now,
                created_by=by,
            )
            reaction = Reaction(
                ReactionId(f"contractor-{the_id}-control"),
                appeal.id,
                client_id,
                ReactionKind.TASK,
                topic,
                due_at=datetime.combine(day, policy.campaigns.work_start, tzinfo=policy.tz),
                created_at=now,
                department_id=owner.department_id,
                employee_id=owner.id,
                created_by=by,
            )
            visit = ContractorVisit(
                the_id,
                contractor_id,
                client_id,
                service,
                day,
                planned_by=by,
                planned_at=now,
                reaction_id=reaction.id,
                price=contractor.price_of(service, day),
            )
            uow.appeals.add(appeal)
            uow.appeals.add_reaction(reaction)
            contractors_repository(uow).add_visit(visit)
            self._context.publish(
                (
                    appeal_opened(appeal, now),
                    reaction_scheduled(reaction, now),
                    ContractorVisitChanged(
                        visit.id, contractor_id, client_id, visit.status, at=now
                    ),
                )
            )
        return visit

    def record_done(self, visit_id: str, work_done: str, *, by: EmployeeId) -> ContractorVisit:
        """The contractor came and did the work (``work_done``: what, as checked on site).
        A visit not planned raises TransitionError; blank ``work_done`` ValidationError."""
        if not isinstance(work_done, str) or not work_done.strip():
            raise ValidationError([FieldError("work_done", "required")])
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            visit = contractors_repository(uow).get_visit(visit_id)
            _require(visit, ContractorVisitStatus.PLANNED, "record the work done")
            stored = contractors_repository(uow).update_visit(
                attrs.evolve(visit, status=ContractorVisitStatus.DONE, work_done=work_done.strip())
            )
            self._context.publish((_changed(stored, now),))
        return stored

    def accept(
        self,
        visit_id: str,
        *,
        act_number: str,
        by: EmployeeId,
        amount: Money | None = None,
    ) -> ContractorVisit:
        """Accept the work with the act ``act_number``: the contractor's bill (``amount``,
        else its price of the service on the visit's day) enters the payment plan, due
        ``Policy.retention.contractor_bill_days`` (5) days later. A visit whose work is not
        recorded raises TransitionError; a blank act number ValidationError naming
        ``act_number``; no price known and no ``amount`` ValidationError naming
        ``amount``."""
        if not isinstance(act_number, str) or not act_number.strip():
            raise ValidationError([FieldError("act_number", "required")])
        now = self._context.now()
        today = self._context.today()
        policy = self._context.policy
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            visit = contractors_repository(uow).get_visit(visit_id)
            _require(visit, ContractorVisitStatus.DONE, "accept the work")
            price = amount if amount is not None else visit.price
            if price is None:
                raise ValidationError([FieldError("amount", "no price of the service is known")])
            contractor = contractors_repository(uow).get(visit.contractor_id)
            bill = request_supplier_bill(
                SupplierBillId(f"contractor-{visit.id}"),
                supplier=contractor.name,
                purpose=f"{visit.service} ({format_date(visit.day)}), акт № {act_number.strip()}",
                on=today,
                expected_amount=price,
                supplier_inn=contractor.inn,
            )
            bill = enter_into_payment_plan(
                bill,
                number=act_number.strip(),
                amount=price,
                due_date=today + timedelta(days=policy.retention.contractor_bill_days),
                on=today,
            )
            uow.payments.add_supplier_bill(bill)
            stored = contractors_repository(uow).update_visit(
                attrs.evolve(
                    visit,
                    status=ContractorVisitStatus.ACCEPTED,
                    act_number=act_number.strip(),
                    accepted_on=today,
                    price=price,
                    bill_id=bill.id,
                )
            )
            self._context.publish((_changed(stored, now),))
        return stored

    def cancel(self, visit_id: str, *, by: EmployeeId) -> ContractorVisit:
        """Cancel a planned visit. One done or accepted raises TransitionError."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            uow.staff.directory().require(by)
            visit = contractors_repository(uow).get_visit(visit_id)
            _require(visit, ContractorVisitStatus.PLANNED, "cancel")
            stored = contractors_repository(uow).update_visit(
                attrs.evolve(visit, status=ContractorVisitStatus.CANCELLED)
            )
            self._context.publish((_changed(stored, now),))
        return stored


def _require(visit: ContractorVisit, status: ContractorVisitStatus, attempted: str) -> None:
    if visit.status is not status:
        raise TransitionError(
            f"contractor visit {visit.id}", current=visit.status.value, attempted=attempted
        )


def _changed(visit: ContractorVisit, now: datetime) -> ContractorVisitChanged:
    return ContractorVisitChanged(
        visit.id, visit.contractor_id, visit.client_id, visit.status, at=now
    )
