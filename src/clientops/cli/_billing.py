"""``clientops billing status --month``: where a month's billing stands (its billing period,
the invoices issued for it, what is paid and owed, what a run would still issue)."""

from __future__ import annotations

from typing import Any

import click

from clientops.billing import Invoice, InvoiceStatus, Month
from clientops.cli._app import MONTH, Env, _money, billing, pass_env
from clientops.model import Money

__all__ = ["billing_status"]

#: the Russian words of the billing period's states
_PERIOD = {"not_open": "ещё не открыт", "open": "открыт", "closed": "закрыт"}


def _row(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "client_id": invoice.client_id,
        "status": invoice.status.value,
        "total": _money(invoice.total),
        "paid": _money(invoice.paid),
        "outstanding": _money(invoice.outstanding),
        "due_date": invoice.due_date.isoformat(),
    }


@billing.command("status")
@click.option("--month", type=MONTH, required=True)
@pass_env
def billing_status(env: Env, month: Month) -> None:
    """Where the month's billing stands: its billing period (not yet open, open, closed), the
    invoices issued for it with what is paid and owed, and what a run would still issue.
    Nothing is stored."""
    with env.open() as ops:
        today = ops.context.today()
        opens = ops.billing.billing_date(month)
        closes = ops.billing.billing_date(month.next())
        with ops.storage.unit_of_work(readonly=True) as uow:
            invoices = uow.invoices.for_period(month)
        plan = ops.billing.plan(month)
    period = "not_open" if today < opens else "open" if today < closes else "closed"
    live = [i for i in invoices if i.status is not InvoiceStatus.CANCELLED]
    total = sum((i.total for i in live), Money(0))
    paid = sum((i.paid for i in live), Money(0))
    owed = sum((i.outstanding for i in live), Money(0))
    env.emit(
        {
            "month": str(month),
            "billing_date": opens.isoformat(),
            "period_closes": closes.isoformat(),
            "period": period,
            "invoices": [_row(i) for i in invoices],
            "issued": len(live),
            "cancelled": len(invoices) - len(live),
            "total": _money(total),
            "paid": _money(paid),
            "outstanding": _money(owed),
            "to_issue": len(plan.to_issue),
            "corrections": len(plan.corrections),
        }
    )
    env.say(
        f"Счета за {month}: период выставления {_PERIOD[period]} (с {opens:%d.%m.%Y} по "
        f"{closes:%d.%m.%Y}). Выставлено {len(live)} на {_money(total)} руб., оплачено "
        f"{_money(paid)} руб., долг {_money(owed)} руб.; ещё выставить: {len(plan.to_issue)}, "
        f"исправить: {len(plan.corrections)}.",
        f"Invoices for {month}: billing period {period.replace('_', ' ')} ({opens.isoformat()} "
        f"to {closes.isoformat()}). Issued {len(live)} totalling {_money(total)} RUB, paid "
        f"{_money(paid)} RUB, owed {_money(owed)} RUB; still to issue: {len(plan.to_issue)}, "
        f"to correct: {len(plan.corrections)}.",
    )
    for i in invoices:
        env.line(
            f"  № {i.number}  {i.client_id}  {_money(i.total)}  {i.status.value}  "
            f"{_money(i.outstanding)}"
        )
