"""``clientops billing status --month``: where a month's billing stands (its billing period,
the invoices issued for it, what is paid and owed, what a run would still issue); ``billing
subscribe``: a client's monthly subscription, the thing billing runs invoice."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import click

from clientops.billing import Invoice, InvoiceStatus, Month, Subscription, SubscriptionId
from clientops.cli._app import (
    DAY,
    EXIT_BAD_INPUT,
    MONTH,
    CommandError,
    Env,
    _money,
    billing,
    pass_env,
)
from clientops.clients import ClientId
from clientops.errors import ValidationError
from clientops.labels import label
from clientops.model import Money, new_id
from clientops.russian import money_text

__all__ = ["billing_status", "billing_subscribe"]

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
            names = {
                c: uow.clients.get(c).name for c in dict.fromkeys(i.client_id for i in invoices)
            }
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
        f"{closes:%d.%m.%Y}). Выставлено {len(live)} на {money_text(total)}, оплачено "
        f"{money_text(paid)}, долг {money_text(owed)}; ещё выставить: {len(plan.to_issue)}, "
        f"исправить: {len(plan.corrections)}.",
        f"Invoices for {month}: billing period {period.replace('_', ' ')} ({opens.isoformat()} "
        f"to {closes.isoformat()}). Issued {len(live)} totalling {money_text(total, lang='en')}"
        f", paid {money_text(paid, lang='en')}, owed {money_text(owed, lang='en')}; still to "
        f"issue: {len(plan.to_issue)}, to correct: {len(plan.corrections)}.",
    )
    lang = "en" if env.lang == "en" else "ru"
    numero = "No." if lang == "en" else "№"
    for i in invoices:
        env.line(
            f"  {numero}\u00a0{i.number}  {names[i.client_id]}  {money_text(i.total, lang=lang)}  "
            f"{label(i.status, lang=lang)}  {money_text(i.outstanding, lang=lang)}"
        )


@billing.command("subscribe")
@click.option("--client", "client_id", help="The card's id.")
@click.option("--contract", help="Or the card's contract number.")
@click.option("--fee", required=True, help="The monthly fee in roubles (12000, 12000.50).")
@click.option("--start", type=DAY, required=True, help="The first day billed.")
@click.option("--end", type=DAY, help="The last day billed (none: until ended).")
@click.option("--service", help="The invoice line's text (Абонентское обслуживание).")
@click.option("--payer-inn", help="The payer's INN, when another company pays.")
@pass_env
def billing_subscribe(
    env: Env,
    client_id: str | None,
    contract: str | None,
    fee: str,
    start: date,
    end: date | None,
    service: str | None,
    payer_inn: str | None,
) -> None:
    """Subscribe a client (by card id or contract number) to a monthly fee, from --start."""
    if (client_id is None) == (contract is None):
        raise CommandError(
            EXIT_BAD_INPUT, "укажите --client или --contract", "give --client or --contract"
        )
    try:
        money = Money(fee)
    except (ValidationError, ArithmeticError, ValueError):
        raise CommandError(
            EXIT_BAD_INPUT,
            f"--fee: {fee!r} — не сумма в рублях",
            f"--fee: {fee!r} is not an amount of roubles",
        ) from None
    with env.open() as ops:
        if contract is not None:
            found = ops.clients.find(contract=contract)
            if len(found) != 1:
                raise CommandError(
                    EXIT_BAD_INPUT,
                    f"договор {contract!r} не найден",
                    f"contract {contract!r} not found",
                )
            card = found[0]
        else:
            card = ops.clients.get(ClientId(str(client_id)))
        subscription = Subscription(
            id=SubscriptionId(new_id()),
            client_id=card.id,
            fee=money,
            start=start,
            end=end,
            payer_inn=payer_inn,
        )
        if service:
            subscription = attrs.evolve(subscription, service=service)
        ops.billing.add_subscription(subscription)
    env.emit(
        {
            "subscription": {
                "id": subscription.id,
                "client_id": subscription.client_id,
                "fee": _money(subscription.fee),
                "start": subscription.start.isoformat(),
                "end": subscription.end.isoformat() if subscription.end else None,
                "service": subscription.service,
            }
        }
    )
    env.say(
        f"Подписка оформлена: {card.name}, {money_text(subscription.fee)} в месяц "
        f"с {subscription.start:%d.%m.%Y}.",
        f"Subscribed: {card.name}, {money_text(subscription.fee, lang='en')} a month "
        f"from {subscription.start.isoformat()}.",
    )
