"""The credit check in a unit of work: the client's payment discipline from the stored
invoices, payments and its own credit limit, and the check ``ops.orders`` makes of a new
order and a shipment. Used by :mod:`clientops._retention_service` (``Retention.credit``) and
:mod:`clientops._orders_service`: one reading of the store, one rule set
(:mod:`clientops.rules.credit`)."""

from __future__ import annotations

from datetime import date

from clientops._context import Context
from clientops._credit import (
    CreditCheck,
    CreditDecision,
    CreditRefusedError,
    CreditStanding,
    InvoiceFact,
)
from clientops.model import ClientId, Money
from clientops.ports import UnitOfWork, retention_repository
from clientops.rules.credit import admit, check_order, payment_discipline

__all__ = ["credit_gate", "credit_standing"]


def credit_standing(
    uow: UnitOfWork, client_id: ClientId, today: date, context: Context
) -> CreditStanding:
    """The client's standing from the store (:func:`~clientops.rules.credit
    .payment_discipline`): its invoices (cancelled and corrected ones left out), the
    payments allocated to them, its own credit limit."""
    by_invoice: dict[str, list[tuple[date, Money]]] = {}
    for allocation in uow.payments.allocations_of(client_id):
        by_invoice.setdefault(allocation.invoice_id, []).append(
            (allocation.date, allocation.amount)
        )
    facts = []
    for invoice in uow.invoices.of_client(client_id):
        if invoice.status.value in ("cancelled", "corrected"):
            continue
        paid = sorted(by_invoice.get(invoice.id, ()))
        facts.append(
            InvoiceFact(
                invoice.number,
                invoice.due_date,
                invoice.total,
                invoice.outstanding,
                payments=len(paid),
                paid_on=paid[-1][0] if paid and not invoice.is_open else None,
            )
        )
    own = retention_repository(uow).credit_limit(client_id)
    return payment_discipline(
        client_id,
        facts,
        today=today,
        policy=context.policy.retention.credit,
        limit=own.limit if own is not None else None,
    )


def credit_gate(
    uow: UnitOfWork,
    context: Context,
    client_id: ClientId,
    amount: Money,
    *,
    approved: bool,
    shipment: bool,
) -> CreditCheck | None:
    """The check ``ops.orders`` makes before it stores a new order or a shipment of
    ``amount``: ``None`` when it goes ahead (or ``Policy.retention.credit.check_orders`` is
    off), the check when the director is to approve it (a new order stored with a task to
    the director); raises :class:`~clientops.retention.CreditRefusedError` when refused
    (:func:`~clientops.rules.credit.admit`), before anything is stored."""
    policy = context.policy.retention.credit
    if not policy.check_orders:
        return None
    standing = credit_standing(uow, client_id, context.today(), context)
    check = check_order(standing, amount, policy=policy)
    verdict = admit(check, approved=approved, shipment=shipment, policy=policy)
    if verdict is CreditDecision.REFUSE:
        raise CreditRefusedError(check, what="shipment" if shipment else "order")
    return check if verdict is CreditDecision.APPROVAL else None
