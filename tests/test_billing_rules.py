"""The billing rules (clientops.rules.billing): the billing calendar, idempotent and interrupted
billing runs, pro-rating, pauses, VAT, corrections, duplicates, payment allocation (with the
bank statement matcher), reminder calls, debtors and the supplier payment plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops.bank_statements import (
    OpenInvoice,
    match_payments,
    payment_from_statement,
    read_bank_statement,
)
from clientops.billing import (
    BilledInvoice,
    BillingPolicy,
    Credit,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceStatus,
    Month,
    Pause,
    Payment,
    PaymentId,
    PaymentTerms,
    ProRating,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillId,
    WeekendRule,
    cancel_supplier_bill,
    enter_into_payment_plan,
    mark_supplier_bill_paid,
    request_supplier_bill,
    set_payment_task,
)
from clientops.errors import DuplicateError, TransitionError, ValidationError
from clientops.model import AppealType, ClientId, EmployeeId, Money, ReactionKind
from clientops.rules.billing import (
    SkipReason,
    allocate_payment,
    allocate_payments,
    billing_appeal_id,
    billing_date,
    cancel_invoice,
    correct_invoice,
    debtors,
    due_date,
    duplicate_invoice,
    invoice_id_for,
    next_invoice_numbers,
    one_off_invoice,
    open_invoice,
    open_invoices,
    payment_plan,
    payments_from_matches,
    plan_billing,
    plan_from_billed,
    reminder_reaction_id,
    reminder_reactions,
    subscription_lines,
)
from clientops.workdays import FixedCalendar, ProductionCalendar, russian_calendar

CAL = russian_calendar()
POLICY = BillingPolicy()
MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOV = Month(2026, 11)
NBSP = "\u00a0"


def sub(
    id: str = "s1",
    client: str = "c1",
    fee: str = "12000",
    start: date = date(2025, 1, 1),
    **kw: Any,
) -> Subscription:
    return Subscription(SubscriptionId(id), ClientId(client), Money(fee), start, **kw)


def invoice(
    id: str = "i1",
    number: str = "2026-00001",
    client: str = "c1",
    amount: str = "12000",
    month: Month = NOV,
    issued: date = date(2026, 11, 13),
    due: date = date(2026, 11, 18),
    **kw: Any,
) -> Invoice:
    return Invoice(
        InvoiceId(id),
        number,
        ClientId(client),
        month,
        issued,
        due,
        (InvoiceLine("Абонентское обслуживание", "мес.", 1, Money(amount)),),
        Decimal(22),
        **kw,
    )


def payment(
    amount: str, *, id: str = "p1", client: str | None = "c1", number: str | None = None
) -> Payment:
    return Payment(
        PaymentId(id),
        date(2026, 11, 17),
        Money(amount),
        client_id=ClientId(client) if client else None,
        invoice_number=number,
    )


# --------------------------------------------------------------------------- the billing day

# The 15th of every month of 2025 and 2026 under each rule. Where the 15th is a working day
# all three agree; the others were worked out from the production calendar:
# 2025-02-15 Sat, 2025-03-15 Sat, 2025-11-15 Sat → Friday 14th / Monday 17th;
# 2025-06-15 Sun: 12 June (Russia Day) and 13 June (moved from 8 March) are off, and the
#   14th is a Saturday, so the previous working day is Wednesday 11 June;
# 2026-02-15 Sun, 2026-03-15 Sun, 2026-11-15 Sun → Friday 13th / Monday 16th;
# 2026-08-15 Sat → Friday 14th / Monday 17th.
OFF_15TH = {
    Month(2025, 2): (date(2025, 2, 14), date(2025, 2, 17)),
    Month(2025, 3): (date(2025, 3, 14), date(2025, 3, 17)),
    Month(2025, 6): (date(2025, 6, 11), date(2025, 6, 16)),
    Month(2025, 11): (date(2025, 11, 14), date(2025, 11, 17)),
    Month(2026, 2): (date(2026, 2, 13), date(2026, 2, 16)),
    Month(2026, 3): (date(2026, 3, 13), date(2026, 3, 16)),
    Month(2026, 8): (date(2026, 8, 14), date(2026, 8, 17)),
    Month(2026, 11): (date(2026, 11, 13), date(2026, 11, 16)),
}
MONTHS = [Month(y, m) for y in (2025, 2026) for m in range(1, 13)]


@pytest.mark.parametrize("month", MONTHS, ids=str)
@pytest.mark.parametrize("rule", list(WeekendRule), ids=lambda r: r.value)
def test_billing_date_for_every_month(month: Month, rule: WeekendRule) -> None:
    fifteenth = month.day(15)
    if month in OFF_15TH:
        previous, following = OFF_15TH[month]
        expected = {
            WeekendRule.PREVIOUS_WORKING_DAY: previous,
            WeekendRule.NEXT_WORKING_DAY: following,
            WeekendRule.SAME_DAY: fifteenth,
        }[rule]
        assert not CAL.is_working_day(fifteenth)
    else:
        expected = fifteenth
        assert CAL.is_working_day(fifteenth)
    assert billing_date(month, BillingPolicy(weekend_rule=rule), CAL) == expected


def test_billing_day_and_calendar_are_the_users() -> None:
    policy = BillingPolicy(billing_day=1)
    assert billing_date(Month(2026, 1), policy, CAL) == date(2025, 12, 30)
    assert billing_date(
        Month(2026, 1), attrs.evolve(policy, weekend_rule=WeekendRule.NEXT_WORKING_DAY), CAL
    ) == date(2026, 1, 12)
    shop = FixedCalendar(holidays={date(2026, 11, 13)}, weekend={6})
    assert billing_date(NOV, POLICY, shop) == date(2026, 11, 14)  # Saturday works there
    mine = ProductionCalendar(extra_holidays=[date(2026, 11, 13)])
    assert billing_date(NOV, POLICY, mine) == date(2026, 11, 12)


@pytest.mark.parametrize(
    ("terms", "days", "issued", "due"),
    [
        (PaymentTerms.CALENDAR_DAYS, 5, date(2026, 11, 13), date(2026, 11, 18)),
        (PaymentTerms.CALENDAR_DAYS, 5, date(2026, 6, 15), date(2026, 6, 22)),  # 20th Sat
        (PaymentTerms.CALENDAR_DAYS, 0, date(2026, 11, 13), date(2026, 11, 13)),
        (PaymentTerms.CALENDAR_DAYS, 3, date(2025, 6, 9), date(2025, 6, 16)),  # 12–15 off
        (PaymentTerms.WORKING_DAYS, 5, date(2026, 11, 13), date(2026, 11, 20)),
        (PaymentTerms.WORKING_DAYS, 2, date(2025, 12, 30), date(2026, 1, 13)),
        (PaymentTerms.WORKING_DAYS, 0, date(2026, 11, 13), date(2026, 11, 13)),
    ],
)
def test_due_date(terms: PaymentTerms, days: int, issued: date, due: date) -> None:
    policy = BillingPolicy(payment_terms=terms, payment_days=days)
    assert due_date(issued, policy, CAL) == due


def test_dates_refuse_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        billing_date("2026-11", POLICY, CAL)  # type: ignore[arg-type]
    assert caught.value.paths == ("month",)
    with pytest.raises(ValidationError) as caught:
        billing_date(NOV, POLICY, "RU")  # type: ignore[arg-type]
    assert caught.value.paths == ("calendar",)
    with pytest.raises(ValidationError) as caught:
        due_date(datetime(2026, 11, 13), POLICY, CAL)
    assert caught.value.paths == ("issue_date",)
    with pytest.raises(ValidationError) as caught:
        due_date(date(2026, 11, 13), {"payment_days": 5}, CAL)  # type: ignore[arg-type]
    assert caught.value.paths == ("policy",)


# --------------------------------------------------------------------------- planning


def five() -> list[Subscription]:
    return [sub(f"s{n}", f"c{n}", fee=f"{n}000") for n in (5, 3, 1, 4, 2)]


def test_plan_issues_one_invoice_per_active_subscription_in_a_stable_order() -> None:
    plan = plan_billing(NOV, five(), [], POLICY, CAL)
    assert plan.issue_date == date(2026, 11, 13)
    assert plan.due_date == date(2026, 11, 18)
    assert [(i.client_id, i.number, i.total) for i in plan.to_issue] == [
        (f"c{n}", f"2026-0000{n}", Money(f"{n}000.00")) for n in range(1, 6)
    ]
    first = plan.to_issue[0]
    assert first.id == invoice_id_for(SubscriptionId("s1"), NOV) == "inv-s1-2026-11"
    assert first.subscription_id == "s1"
    assert first.period == NOV
    assert first.status is InvoiceStatus.ISSUED
    assert first.paid == Money(0)
    assert first.lines[0].name == "Абонентское обслуживание за ноябрь 2026 г."
    assert first.lines[0].unit == "мес."
    assert first.lines[0].quantity == 1
    assert first.vat_rate == Decimal(22)
    assert first.vat == Money("180.33")
    assert plan.skipped == ()
    assert plan.corrections == ()
    assert plan.total == Money("15000.00")
    assert "выставить 5" in plan.report()


def test_planning_again_issues_nothing() -> None:
    plan = plan_billing(NOV, five(), [], POLICY, CAL)
    again = plan_billing(NOV, five(), plan.to_issue, POLICY, CAL)
    assert again.to_issue == ()
    assert [s.reason for s in again.skipped] == [SkipReason.ALREADY_ISSUED] * 5
    assert [s.invoice_number for s in again.skipped] == [i.number for i in plan.to_issue]
    assert (
        again.skipped[0].message
        == "счёт за ноябрь 2026\xa0г. уже выставлен: №\xa02026-00001 от 13.11.2026"
    )


def test_an_interrupted_run_finishes_the_rest_under_the_same_numbers() -> None:
    plan = plan_billing(NOV, five(), [], POLICY, CAL)
    issued = list(plan.to_issue[:2])  # the run died after two
    rest = plan_billing(NOV, five(), issued, POLICY, CAL)
    assert rest.to_issue == plan.to_issue[2:]
    assert {s.subscription_id for s in rest.skipped} == {"s1", "s2"}
    everything = issued + list(rest.to_issue)
    assert len({i.number for i in everything}) == len({i.id for i in everything}) == 5
    assert plan_billing(NOV, five(), everything, POLICY, CAL).to_issue == ()


def test_numbers_continue_the_years_sequence_and_skip_taken_ones() -> None:
    earlier = [
        invoice("x1", "2026-00041", month=Month(2026, 10)),
        invoice(
            "x2",
            "2025-00099",
            month=Month(2025, 12),
            issued=date(2025, 12, 15),
            due=date(2025, 12, 22),
        ),
        invoice("x3", "2026-00043", client="c9", subscription_id=SubscriptionId("old")),
        invoice("x4", "С-77"),
    ]
    plan = plan_billing(NOV, five()[:2], earlier, POLICY, CAL)
    assert [i.number for i in plan.to_issue] == ["2026-00044", "2026-00045"]
    january = plan_billing(Month(2027, 1), five()[:1], earlier, POLICY, CAL)
    assert january.issue_date == date(2027, 1, 15)
    assert [i.number for i in january.to_issue] == ["2027-00001"]
    assert next_invoice_numbers(
        [invoice(number="2026-00001"), invoice(number="2026-2")],
        date(2026, 5, 5),
        BillingPolicy(number_format="{year}-{seq}"),
    ) == ("2026-3",)


def test_a_hand_written_number_in_the_way_is_skipped() -> None:
    existing = [invoice("x", "2026-00001", subscription_id=None)]
    own = BillingPolicy(number_format="{year}-{seq:03d}")
    assert next_invoice_numbers(existing, date(2026, 11, 13), own, 2) == ("2026-002", "2026-003")
    # "2026-00001" and "2026-001" differ only by leading zeros: the same number for a bank


def test_subscriptions_not_billed_are_skipped_with_the_reason() -> None:
    subs = [
        sub("s1", start=date(2026, 12, 1)),
        sub("s2", start=date(2025, 1, 1), end=date(2026, 10, 31)),
        sub("s3", pauses=(Pause(date(2026, 10, 20), date(2026, 12, 5)),)),
        sub("s4", fee="0"),
        sub("s5", fee="0.01", start=date(2026, 11, 30)),  # 0.01 / 30 rounds to zero
        sub("s6"),
    ]
    plan = plan_billing(NOV, subs, [], POLICY, CAL)
    assert [i.subscription_id for i in plan.to_issue] == ["s6"]
    assert [(s.subscription_id, s.reason) for s in plan.skipped] == [
        ("s1", SkipReason.NOT_ACTIVE),
        ("s2", SkipReason.NOT_ACTIVE),
        ("s3", SkipReason.PAUSED),
        ("s4", SkipReason.ZERO_AMOUNT),
        ("s5", SkipReason.ZERO_AMOUNT),
    ]
    assert plan.skipped[0].message == "подписка начинается 01.12.2026"
    assert plan.skipped[1].message == "подписка закончилась 31.10.2026"
    assert plan.skipped[2].message == "подписка приостановлена на весь ноябрь 2026\xa0г."
    # a person reads the client's name, never an id; without the names, the reason alone
    report = plan.report({"c1": "ООО «Ромашка»"}).splitlines()
    assert report[4] == "ООО «Ромашка»: подписка приостановлена на весь ноябрь 2026\xa0г."
    assert plan.report().splitlines()[3] == "Пропущено: подписка закончилась 31.10.2026"
    assert not any(word in plan.report() for word in ("s3", "c1"))
    with pytest.raises(ValidationError, match="names"):
        plan.report(["c1"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("subscription", "month", "amount", "name"),
    [
        (
            sub(start=date(2026, 11, 16)),
            NOV,
            "6000.00",
            "Абонентское обслуживание за ноябрь 2026 г. (с 16 по 30 ноября)",
        ),
        (
            sub(end=date(2026, 11, 10)),
            NOV,
            "4000.00",
            "Абонентское обслуживание за ноябрь 2026 г. (с 1 по 10 ноября)",
        ),
        (
            sub(pauses=(Pause(date(2026, 11, 10), date(2026, 11, 19)),)),
            NOV,
            "8000.00",
            "Абонентское обслуживание за ноябрь 2026 г. (20 дн. из 30, без периода приостановки)",
        ),
        (
            sub(fee="3000", start=date(2026, 2, 10)),
            Month(2026, 2),
            "2035.71",  # 3000 × 19 / 28 = 2035.714…
            "Абонентское обслуживание за февраль 2026 г. (с 10 по 28 февраля)",
        ),
        (
            sub(fee="12000.25", start=date(2026, 2, 15)),
            Month(2026, 2),
            "6000.13",  # 12000.25 × 14 / 28 = 6000.125, rounded half-up
            "Абонентское обслуживание за февраль 2026 г. (с 15 по 28 февраля)",
        ),
        (
            sub(fee="1000", start=date(2026, 5, 31)),
            Month(2026, 5),
            "32.26",  # 1000 / 31 = 32.258…
            "Абонентское обслуживание за май 2026 г. (с 31 по 31 мая)",
        ),
    ],
)
def test_pro_rating_by_calendar_days(
    subscription: Subscription, month: Month, amount: str, name: str
) -> None:
    (line,) = subscription_lines(subscription, month, POLICY, CAL)
    assert (line.price, line.name) == (Money(amount), name)
    (planned,) = plan_billing(month, [subscription], [], POLICY, CAL).to_issue
    assert planned.total == Money(amount)


def test_full_month_billing_ignores_partial_months() -> None:
    policy = BillingPolicy(pro_rating=ProRating.FULL_MONTH)
    (line,) = subscription_lines(sub(start=date(2026, 11, 30)), NOV, policy, CAL)
    assert line.price == Money("12000.00")
    assert line.name == "Абонентское обслуживание за ноябрь 2026 г."
    paused = sub(pauses=(Pause(date(2026, 11, 1), date(2026, 11, 30)),))
    assert subscription_lines(paused, NOV, policy, CAL) == ()


def test_own_service_name_and_texts() -> None:
    mine = sub(service="Облачный сервис «Шлагбаум»", unit="усл.")
    policy = attrs.evolve(
        POLICY, texts=attrs.evolve(POLICY.texts, line="{service}: {month_genitive} {year}")
    )
    (line,) = subscription_lines(mine, Month(2026, 3), policy, CAL)
    assert (line.name, line.unit) == ("Облачный сервис «Шлагбаум»: марта 2026", "усл.")


def test_vat_follows_the_dated_table() -> None:
    december = plan_billing(Month(2025, 12), [sub()], [], POLICY, CAL).to_issue[0]
    january = plan_billing(Month(2026, 1), [sub()], [], POLICY, CAL).to_issue[0]
    assert (december.vat_rate, december.vat, december.total) == (
        Decimal(20),
        Money("2000.00"),
        Money("12000.00"),
    )
    assert (january.vat_rate, january.vat, january.total) == (
        Decimal(22),
        Money("2163.93"),
        Money("12000.00"),
    )
    on_top = plan_billing(
        Month(2026, 1), [sub()], [], BillingPolicy(vat_included=False), CAL
    ).to_issue[0]
    assert (on_top.vat, on_top.total) == (Money("2640.00"), Money("14640.00"))
    # the rate in force on the issue date, even when that is before the month
    early = plan_billing(Month(2026, 1), [sub()], [], POLICY, CAL, issue_date=date(2025, 12, 30))
    assert early.to_issue[0].vat_rate == Decimal(20)
    assert early.due_date == date(2026, 1, 12)  # 4 January is off, so is the rest to the 11th


def test_without_vat() -> None:
    from clientops.billing import VatRate

    policy = BillingPolicy(vat_rates=(VatRate(date.min, None),))
    (planned,) = plan_billing(NOV, [sub(fee="999.99")], [], policy, CAL).to_issue
    assert planned.vat_rate is None
    assert planned.vat is None
    assert planned.total == Money("999.99")


def test_payer_inn_comes_from_the_subscription_or_the_mapping() -> None:
    subs = [sub("s1", "c1", payer_inn="7707083893"), sub("s2", "c2")]
    plan = plan_billing(NOV, subs, [], POLICY, CAL, payer_inns={ClientId("c2"): "500100732259"})
    assert [i.payer_inn for i in plan.to_issue] == ["7707083893", "500100732259"]


def test_several_subscriptions_of_one_client_get_an_invoice_each() -> None:
    subs = [sub("s1", "c1"), sub("s2", "c1", fee="500", service="Доп. точка проезда")]
    plan = plan_billing(NOV, subs, [], POLICY, CAL)
    assert [(i.subscription_id, i.total) for i in plan.to_issue] == [
        ("s1", Money("12000.00")),
        ("s2", Money("500.00")),
    ]


def test_plan_refuses_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        plan_billing("2026-11", [], [], POLICY, CAL)  # type: ignore[arg-type]
    assert caught.value.paths == ("month",)
    with pytest.raises(ValidationError) as caught:
        plan_billing(NOV, [sub(), "s2"], [], POLICY, CAL)  # type: ignore[list-item]
    assert caught.value.paths == ("subscriptions[1]",)
    with pytest.raises(ValidationError) as caught:
        plan_billing(NOV, [sub(), sub()], [], POLICY, CAL)
    assert caught.value.paths == ("subscriptions[1].id",)
    with pytest.raises(ValidationError) as caught:
        plan_billing(NOV, [], [None], POLICY, CAL)  # type: ignore[list-item]
    assert caught.value.paths == ("existing_invoices[0]",)
    with pytest.raises(ValidationError) as caught:
        plan_billing(NOV, [], [], POLICY, CAL, issue_date="2026-11-13")  # type: ignore[arg-type]
    assert caught.value.paths == ("issue_date",)
    with pytest.raises(ValidationError) as caught:
        plan_billing(NOV, sub(), [], POLICY, CAL)  # type: ignore[arg-type]
    assert caught.value.paths == ("subscriptions",)


# --------------------------------------------------------------------------- one-off invoices


def test_a_client_without_a_subscription_gets_a_one_off_invoice() -> None:
    existing = list(plan_billing(NOV, five(), [], POLICY, CAL).to_issue)
    lines = (InvoiceLine("Шлагбаум", "шт.", 1, Money("85000")),)
    made = one_off_invoice(
        id=InvoiceId("o1"),
        client_id=ClientId("c77"),
        lines=lines,
        issue_date=date(2026, 11, 24),
        existing=existing,
        policy=POLICY,
        calendar=CAL,
    )
    assert made.number == "2026-00006"
    assert made.subscription_id is None
    assert made.period == NOV
    assert made.due_date == date(2026, 11, 30)
    assert made.vat_rate == Decimal(22)
    # planning the month again is not disturbed by it
    assert plan_billing(NOV, five(), [*existing, made], POLICY, CAL).to_issue == ()
    with pytest.raises(DuplicateError):
        one_off_invoice(
            id=InvoiceId("o1"),
            client_id=ClientId("c77"),
            lines=lines,
            issue_date=date(2026, 11, 24),
            existing=[made],
            policy=POLICY,
            calendar=CAL,
        )
    with pytest.raises(DuplicateError):
        one_off_invoice(
            id=InvoiceId("o2"),
            client_id=ClientId("c77"),
            lines=lines,
            number="2026-6",
            issue_date=date(2026, 11, 24),
            existing=[made],
            policy=POLICY,
            calendar=CAL,
        )
    with pytest.raises(ValidationError) as caught:
        one_off_invoice(
            id=InvoiceId("o2"),
            client_id=ClientId("c77"),
            lines=(),
            issue_date=date(2026, 11, 24),
            existing=[],
            policy=POLICY,
            calendar=CAL,
        )
    assert caught.value.paths == ("lines",)
    with pytest.raises(ValidationError) as caught:
        one_off_invoice(
            id=InvoiceId("o2"),
            client_id=ClientId("c77"),
            lines=[Money("1")],  # type: ignore[list-item]
            issue_date=date(2026, 11, 24),
            existing=[],
            policy=POLICY,
            calendar=CAL,
        )
    assert caught.value.paths == ("lines[0]",)


# --------------------------------------------------------------------------- corrections


def test_a_fee_changed_later_in_the_month_applies_from_the_next_month() -> None:
    issued = list(plan_billing(NOV, [sub()], [], POLICY, CAL).to_issue)
    changed = sub().change_fee(date(2026, 11, 20), Money("15000"))
    again = plan_billing(NOV, [changed], issued, POLICY, CAL)
    assert again.to_issue == ()
    assert again.corrections == ()
    assert again.skipped[0].reason is SkipReason.ALREADY_ISSUED
    december = plan_billing(Month(2026, 12), [changed], issued, POLICY, CAL)
    assert december.to_issue[0].total == Money("15000.00")
    assert december.to_issue[0].number == "2026-00002"


def test_a_fee_changed_back_in_time_asks_for_a_correction_never_edits() -> None:
    (original,) = plan_billing(NOV, [sub()], [], POLICY, CAL).to_issue
    changed = sub().change_fee(date(2026, 11, 13), Money("15000"))  # on the billing day
    plan = plan_billing(NOV, [changed], [original], POLICY, CAL)
    assert plan.to_issue == ()
    (needed,) = plan.corrections
    assert needed.original == original
    assert needed.expected == Money("15000.00")
    assert plan.skipped[0].reason is SkipReason.NEEDS_CORRECTION
    assert "нужен исправленный счёт" in plan.skipped[0].message

    done = correct_invoice(
        original,
        lines=needed.lines,
        on=date(2026, 11, 20),
        existing=[original],
        policy=POLICY,
        calendar=CAL,
    )
    fixed, replaced = done.correction, done.original
    assert replaced.status is InvoiceStatus.CORRECTED
    assert replaced.corrected_by == fixed.id
    assert replaced.total == Money("12000.00")  # the original is kept as it was
    assert fixed.id == "inv-s1-2026-11-corr"
    assert fixed.number == "2026-00002"
    assert (fixed.corrects, fixed.corrects_number) == (original.id, "2026-00001")
    assert (fixed.subscription_id, fixed.period, fixed.client_id) == ("s1", NOV, "c1")
    assert fixed.issue_date == date(2026, 11, 20)
    assert fixed.due_date == date(2026, 11, 25)
    assert fixed.total == Money("15000.00")
    assert fixed.status is InvoiceStatus.ISSUED
    assert done.credit is None
    settled = plan_billing(NOV, [changed], [replaced, fixed], POLICY, CAL)
    assert settled.to_issue == ()
    assert settled.corrections == ()
    assert settled.skipped[0].invoice_number == "2026-00002"


def test_a_subscription_ended_back_in_time_asks_to_drop_the_invoice() -> None:
    (original,) = plan_billing(NOV, [sub()], [], POLICY, CAL).to_issue
    ended = sub(end=date(2026, 10, 31))
    (needed,) = plan_billing(NOV, [ended], [original], POLICY, CAL).corrections
    assert needed.lines == ()
    assert needed.expected == Money(0)
    assert cancel_invoice(original).status is InvoiceStatus.CANCELLED
    after = plan_billing(NOV, [sub()], [cancel_invoice(original)], POLICY, CAL)
    assert after.to_issue == ()
    assert after.skipped[0].reason is SkipReason.CANCELLED


def test_correcting_a_paid_invoice_carries_the_payment_and_keeps_the_excess_as_credit() -> None:
    partly = invoice(status=InvoiceStatus.PARTLY_PAID, paid=Money("5000"))
    done = correct_invoice(
        partly,
        fee=Money("3000"),
        on=date(2026, 11, 20),
        existing=[partly],
        policy=POLICY,
        calendar=CAL,
    )
    assert done.correction.lines[0].name == "Абонентское обслуживание"
    assert done.correction.status is InvoiceStatus.PAID
    assert done.correction.paid == Money("3000")
    assert done.credit is not None
    assert (done.credit.amount, done.credit.client_id, done.credit.invoice_id) == (
        Money("2000"),
        "c1",
        "i1",
    )
    up = correct_invoice(
        partly,
        fee=Money("20000"),
        on=date(2026, 11, 20),
        existing=[partly],
        policy=POLICY,
        calendar=CAL,
        number="К-1",
    )
    assert up.correction.number == "К-1"
    assert up.correction.status is InvoiceStatus.PARTLY_PAID
    assert up.correction.outstanding == Money("15000.00")
    assert up.credit is None


def test_corrections_that_cannot_be() -> None:
    original = invoice()
    kw: dict[str, Any] = {
        "on": date(2026, 11, 20),
        "existing": [original],
        "policy": POLICY,
        "calendar": CAL,
    }
    with pytest.raises(ValidationError) as caught:
        correct_invoice(original, lines=original.lines, **kw)
    assert caught.value.paths == ("lines",)
    with pytest.raises(ValidationError) as caught:
        correct_invoice(original, **kw)
    assert caught.value.paths == ("lines",)
    with pytest.raises(ValidationError) as caught:
        correct_invoice(original, fee=Money("1"), lines=original.lines, **kw)
    assert caught.value.paths == ("lines",)
    with pytest.raises(ValidationError) as caught:
        correct_invoice(original, fee=Money("0"), **kw)
    assert caught.value.paths == ("fee",)
    two = attrs.evolve(original, lines=original.lines * 2)
    with pytest.raises(ValidationError) as caught:
        correct_invoice(two, fee=Money("1"), **kw)
    assert caught.value.paths == ("fee",)
    with pytest.raises(ValidationError) as caught:
        correct_invoice(original, fee=Money("1"), **{**kw, "on": date(2026, 11, 1)})
    assert caught.value.paths == ("on",)
    with pytest.raises(TransitionError) as refused:
        correct_invoice(cancel_invoice(original), fee=Money("1"), **kw)
    assert refused.value.current == "cancelled"
    assert refused.value.allowed == ()
    done = correct_invoice(original, fee=Money("1"), **kw)
    with pytest.raises(TransitionError):
        correct_invoice(done.original, fee=Money("2"), **kw)
    with pytest.raises(DuplicateError):
        correct_invoice(original, fee=Money("2"), **{**kw, "existing": [done.correction]})


def test_only_an_unpaid_invoice_is_cancelled() -> None:
    with pytest.raises(TransitionError) as caught:
        cancel_invoice(invoice(status=InvoiceStatus.PARTLY_PAID, paid=Money("1")))
    assert caught.value.allowed == ("allocate_payment", "correct", "send_duplicate")
    with pytest.raises(ValidationError):
        cancel_invoice("i1")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- duplicates


def test_a_lost_invoice_is_sent_again_as_a_duplicate() -> None:
    original = invoice()
    at = datetime(2026, 11, 23, 11, 0, tzinfo=MSK)
    once = duplicate_invoice(original, at=at, to="buh@romashka.ru", by=EmployeeId("anna"))
    twice = duplicate_invoice(once, at=at.replace(hour=15))
    assert (twice.number, twice.total, twice.issue_date) == (
        original.number,
        original.total,
        original.issue_date,
    )
    assert twice.duplicate_count == 2
    assert twice.duplicates[0].to == "buh@romashka.ru"
    assert twice.duplicates[0].by == "anna"
    assert POLICY.texts.duplicate_mark == "Дубликат"
    paid = duplicate_invoice(invoice(status=InvoiceStatus.PAID, paid=Money("12000")), at=at)
    assert paid.duplicate_count == 1
    corrected = correct_invoice(
        original, fee=Money("1"), on=date(2026, 11, 20), existing=[], policy=POLICY, calendar=CAL
    ).original
    with pytest.raises(TransitionError, match="replaced by i1-corr"):
        duplicate_invoice(corrected, at=at)
    with pytest.raises(ValidationError) as caught:
        duplicate_invoice(original, at=datetime(2026, 11, 23, 11, 0))
    assert caught.value.paths == ("at",)


# --------------------------------------------------------------------------- allocation


def test_exact_payment_pays_the_invoice() -> None:
    result = allocate_payment(payment("12000", number="2026-00001"), [invoice()], POLICY)
    (paid,) = result.invoices
    assert paid.status is InvoiceStatus.PAID
    assert paid.outstanding == Money(0)
    (allocation,) = result.allocations
    assert (allocation.invoice_id, allocation.amount, allocation.date) == (
        "i1",
        Money("12000"),
        date(2026, 11, 17),
    )
    assert result.credit is None
    assert result.allocated == Money("12000")


def test_partial_payments_leave_the_invoice_partly_paid_until_the_rest_comes() -> None:
    first = allocate_payment(payment("5000"), [invoice()], POLICY)
    (partly,) = first.invoices
    assert partly.status is InvoiceStatus.PARTLY_PAID
    assert partly.outstanding == Money("7000.00")
    second = allocate_payment(
        payment("7000", id="p2"), [partly], POLICY, allocations=first.allocations
    )
    assert second.invoices[0].status is InvoiceStatus.PAID


def test_a_payment_larger_than_the_debt_leaves_a_visible_credit() -> None:
    result = allocate_payment(payment("15000", number="2026-00001"), [invoice()], POLICY)
    assert result.invoices[0].status is InvoiceStatus.PAID
    assert result.credit == Credit(
        ClientId("c1"),
        Money("3000"),
        date(2026, 11, 17),
        payment_id=PaymentId("p1"),
        note="Переплата: аванс клиента",
    )
    nothing_open = allocate_payment(
        payment("500"), [invoice(status=InvoiceStatus.PAID, paid=Money("12000"))], POLICY
    )
    assert nothing_open.allocations == ()
    assert nothing_open.credit is not None
    assert nothing_open.credit.amount == Money("500")


def several() -> list[Invoice]:
    return [
        invoice("nov", "2026-00010"),
        invoice(
            "oct",
            "2026-00005",
            month=Month(2026, 10),
            issued=date(2026, 10, 15),
            due=date(2026, 10, 20),
        ),
        invoice("other", "2026-00011", client="c2"),
        invoice(
            "sep",
            "2026-00001",
            month=Month(2026, 9),
            status=InvoiceStatus.PAID,
            paid=Money("12000"),
            issued=date(2026, 9, 15),
            due=date(2026, 9, 21),
        ),
    ]


def test_a_payment_without_a_number_pays_the_oldest_first() -> None:
    result = allocate_payment(payment("18000"), several(), POLICY)
    assert [(a.invoice_id, a.amount) for a in result.allocations] == [
        ("oct", Money("12000")),
        ("nov", Money("6000")),
    ]
    assert [(i.id, i.status) for i in result.invoices] == [
        ("oct", InvoiceStatus.PAID),
        ("nov", InvoiceStatus.PARTLY_PAID),
    ]


def test_the_named_invoice_is_paid_first() -> None:
    result = allocate_payment(payment("18000", number="2026-10"), several(), POLICY)
    assert [(a.invoice_id, a.amount) for a in result.allocations] == [
        ("nov", Money("12000")),
        ("oct", Money("6000")),
    ]
    only = allocate_payment(
        payment("18000", number="2026-00010"),
        several(),
        BillingPolicy(overpayment_to_other_invoices=False),
    )
    assert [a.invoice_id for a in only.allocations] == ["nov"]
    assert only.credit is not None
    assert only.credit.amount == Money("6000")


def test_the_client_may_come_from_the_named_invoice() -> None:
    result = allocate_payment(payment("100", client=None, number="2026-00011"), several(), POLICY)
    assert [(a.invoice_id, a.client_id) for a in result.allocations] == [("other", "c2")]


def test_allocation_refuses_what_it_cannot_decide() -> None:
    with pytest.raises(ValidationError) as caught:
        allocate_payment(payment("100", client=None), several(), POLICY)
    assert caught.value.paths == ("client_id",)
    with pytest.raises(ValidationError) as caught:
        allocate_payment(payment("100", client=None, number="9999"), several(), POLICY)
    assert caught.value.paths == ("client_id",)
    twins = [invoice("a", "2026-00010", client="c1"), invoice("b", "2026-10", client="c2")]
    with pytest.raises(ValidationError) as caught:
        allocate_payment(payment("100", client=None, number="2026-00010"), twins, POLICY)
    assert caught.value.paths == ("invoice_number",)
    done = allocate_payment(payment("100"), several(), POLICY)
    with pytest.raises(DuplicateError):
        allocate_payment(payment("100"), several(), POLICY, allocations=done.allocations)
    dollars = attrs.evolve(payment("100"), amount=Money("100", "USD"))
    with pytest.raises(ValidationError) as caught:
        allocate_payment(dollars, several(), POLICY)
    assert caught.value.paths == ("amount",)
    with pytest.raises(ValidationError) as caught:
        allocate_payment("p1", several(), POLICY)  # type: ignore[arg-type]
    assert caught.value.paths == ("payment",)
    with pytest.raises(ValidationError) as caught:
        allocate_payment(payment("1"), several(), POLICY, allocations=[None])  # type: ignore[list-item]
    assert caught.value.paths == ("allocations[0]",)


def test_allocating_several_payments_in_date_order() -> None:
    later = attrs.evolve(payment("12000", id="p2"), date=date(2026, 11, 25))
    batch = allocate_payments([later, payment("13000", id="p1")], several(), POLICY)
    assert [r.payment.id for r in batch.results] == ["p1", "p2"]
    by_id: dict[str, Invoice] = {i.id: i for i in batch.invoices}
    assert by_id["oct"].status is InvoiceStatus.PAID
    assert by_id["nov"].status is InvoiceStatus.PAID
    assert by_id["other"].status is InvoiceStatus.ISSUED
    assert [i.id for i in batch.invoices] == [i.id for i in several()]
    assert [c.amount for c in batch.credits] == [Money("1000")]
    assert sum((a.amount for a in batch.allocations), Money(0)) == Money("24000")
    with pytest.raises(DuplicateError):
        allocate_payments([payment("1"), payment("2")], several(), POLICY)


AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@settings(max_examples=200, deadline=None)
@given(
    dues=st.lists(AMOUNTS, min_size=0, max_size=5),
    paid=st.lists(st.booleans(), min_size=5, max_size=5),
    amount=AMOUNTS,
    name=st.integers(min_value=-1, max_value=4),
)
def test_allocation_conserves_money(
    dues: list[Decimal], paid: list[bool], amount: Decimal, name: int
) -> None:
    invoices = []
    for n, due in enumerate(dues):
        inv = invoice(
            f"i{n}",
            f"2026-{n + 1:05d}",
            amount=str(due),
            issued=date(2026, 11, 1 + n),
            due=date(2026, 11, 18),
        )
        if paid[n]:
            inv = attrs.evolve(inv, status=InvoiceStatus.PAID, paid=inv.total)
        invoices.append(inv)
    number = f"2026-{name + 1:05d}" if 0 <= name < len(dues) else None
    result = allocate_payment(payment(str(amount), number=number), invoices, POLICY)
    credit = result.credit.amount if result.credit else Money(0)
    assert result.allocated + credit == Money(amount)
    owed_before = sum((i.outstanding for i in invoices), Money(0))
    assert result.allocated == min(owed_before, Money(amount), key=lambda m: m.amount)
    for after in result.invoices:
        assert Money(0) <= after.paid <= after.total
        assert after.status in (InvoiceStatus.PAID, InvoiceStatus.PARTLY_PAID)
    if result.credit is not None:
        assert all(i.status is InvoiceStatus.PAID for i in result.invoices)
        assert result.allocated == owed_before


# --------------------------------------------------------------------------- bank statements

STATEMENT = """1CClientBankExchange
ВерсияФормата=1.03
Кодировка=Windows
ДатаНачала=17.11.2026
ДатаКонца=17.11.2026
РасчСчет=40702810900000000001
СекцияДокумент=Платежное поручение
Номер=15
Дата=16.11.2026
Сумма=15000.00
ПлательщикСчет=40702810500000000002
ПлательщикИНН=7707083893
Плательщик1=ООО "Ромашка"
ПолучательСчет=40702810900000000001
ДатаПоступило=17.11.2026
НазначениеПлатежа=Оплата по счету № 2026-00001 от 13.11.2026, в т.ч. НДС
КонецДокумента
СекцияДокумент=Платежное поручение
Номер=16
Дата=16.11.2026
Сумма=1000.00
ПлательщикСчет=40702810500000000003
ПлательщикИНН=500100732259
Плательщик1=ИП Петров
ПолучательСчет=40702810900000000001
ДатаПоступило=17.11.2026
НазначениеПлатежа=Оплата за услуги
КонецДокумента
КонецФайла
"""


def test_open_invoice_is_what_matching_needs() -> None:
    partly = invoice(payer_inn="7707083893", status=InvoiceStatus.PARTLY_PAID, paid=Money("2000"))
    assert open_invoice(partly) == OpenInvoice(
        "2026-00001", ClientId("c1"), "7707083893", Money("10000.00"), date(2026, 11, 13)
    )
    with pytest.raises(ValidationError) as caught:
        open_invoice(invoice(status=InvoiceStatus.PAID, paid=Money("12000")))
    assert caught.value.paths == ("status",)
    assert open_invoices([partly, cancel_invoice(invoice("i2"))]) == (open_invoice(partly),)


def test_statement_payments_are_matched_and_allocated() -> None:
    statement = read_bank_statement(STATEMENT.encode("cp1251"))
    invoices = [invoice(payer_inn="7707083893"), invoice("i2", "2026-00002", client="c2")]
    result = match_payments(statement.payments, open_invoices(invoices))
    assert len(result.matched) == 1
    assert len(result.unmatched) == 1
    payments = payments_from_matches(result, statement_digest=statement.digest)
    (paid_by_romashka,) = payments
    assert paid_by_romashka.client_id == "c1"
    assert paid_by_romashka.invoice_number == "2026-00001"
    assert paid_by_romashka.date == date(2026, 11, 17)
    assert paid_by_romashka.source is not None
    assert paid_by_romashka.source.statement == statement.digest
    assert paid_by_romashka.source.number == "15"
    assert paid_by_romashka.source.line == 7
    batch = allocate_payments(payments, invoices, POLICY)
    assert batch.invoices[0].status is InvoiceStatus.PAID
    assert batch.invoices[1].status is InvoiceStatus.ISSUED
    assert [c.amount for c in batch.credits] == [Money("3000.00")]
    # the same statement again: the same payment ids, so the allocation is refused
    again = payments_from_matches(result, statement_digest=statement.digest)
    assert again == payments
    with pytest.raises(DuplicateError):
        allocate_payments(again, batch.invoices, POLICY, allocations=batch.allocations)
    # the unmatched one, once a person names the client
    unknown = payment_from_statement(
        result.unmatched[0].payment, statement_digest=statement.digest, client_id=ClientId("c2")
    )
    assert unknown.payer_inn == "500100732259"
    assert unknown.payer_name == "ИП Петров"
    assert allocate_payment(unknown, batch.invoices, POLICY).invoices[0].status is (
        InvoiceStatus.PARTLY_PAID
    )


# --------------------------------------------------------------------------- reminders


def remind(day: date, invoices: list[Invoice], **kw: Any) -> Any:
    managers = {ClientId("c1"): EmployeeId("anna")}
    return reminder_reactions(day, invoices, managers, POLICY, CAL, now=NOW, **kw)


def test_no_reminder_before_the_20th() -> None:
    assert remind(date(2026, 11, 19), [invoice()]).reactions == ()


def test_a_reminder_call_on_the_20th() -> None:
    found = remind(date(2026, 11, 20), [invoice()])
    (reaction,) = found.reactions
    (appeal,) = found.appeals
    assert reaction.id == reminder_reaction_id(ClientId("c1"), date(2026, 11, 20))
    assert reaction.id == "billing-reminder-c1-2026-11-20"
    assert reaction.kind is ReactionKind.OUTGOING_CALL
    assert reaction.employee_id == "anna"
    assert reaction.department_id == "client"
    assert reaction.due_at == datetime(2026, 11, 20, 10, 0, tzinfo=MSK)
    assert reaction.created_at == NOW
    assert reaction.client_id == "c1"
    assert reaction.topic == (
        f"Напомнить об оплате: счёт № 2026-00001 от 13.11.2026; к оплате 12{NBSP}000,00 руб."
    )
    assert appeal.id == reaction.appeal_id == billing_appeal_id(ClientId("c1"), NOV)
    assert appeal.id == "billing-c1-2026-11"
    assert appeal.type is AppealType.BILLING
    assert appeal.topic == "Оплата счетов за ноябрь 2026 г."


def test_none_on_a_weekend_and_one_each_working_day_after() -> None:
    open_ = [invoice()]
    assert remind(date(2026, 11, 21), open_).reactions == ()
    assert remind(date(2026, 11, 22), open_).reactions == ()
    assert [r.id for r in remind(date(2026, 11, 23), open_).reactions] == [
        "billing-reminder-c1-2026-11-23"
    ]
    assert len(remind(date(2026, 12, 14), open_).reactions) == 1  # still unpaid in December


def test_none_on_a_holiday() -> None:
    december = invoice(month=Month(2025, 12), issued=date(2025, 12, 15), due=date(2025, 12, 22))
    assert len(remind(date(2025, 12, 30), [december]).reactions) == 1
    assert remind(date(2025, 12, 31), [december]).reactions == ()  # moved day off
    assert remind(date(2026, 1, 5), [december]).reactions == ()
    (reaction,) = remind(date(2026, 1, 12), [december]).reactions
    assert reaction.appeal_id == "billing-c1-2026-01"


def test_none_once_paid_cancelled_or_corrected() -> None:
    paid = invoice(status=InvoiceStatus.PAID, paid=Money("12000"))
    assert remind(date(2026, 11, 23), [paid]).reactions == ()
    assert remind(date(2026, 11, 23), [cancel_invoice(invoice())]).reactions == ()
    done = correct_invoice(
        invoice(), fee=Money("1"), on=date(2026, 11, 25), existing=[], policy=POLICY, calendar=CAL
    )
    assert remind(date(2026, 11, 24), [done.original]).reactions == ()
    # its correction is due on 30 November: no call before that
    assert remind(date(2026, 11, 27), [done.original, done.correction]).reactions == ()
    assert len(remind(date(2026, 11, 30), [done.original, done.correction]).reactions) == 1


def test_one_call_per_client_for_all_its_unpaid_invoices() -> None:
    invoices = [
        invoice(status=InvoiceStatus.PARTLY_PAID, paid=Money("2000")),
        invoice(
            "i0",
            "2026-00000",
            month=Month(2026, 10),
            issued=date(2026, 10, 15),
            due=date(2026, 10, 20),
        ),
        invoice("i2", "2026-00002", client="c2"),
        invoice("i3", "2026-00003", client="c3", issued=date(2026, 11, 25), due=date(2026, 11, 30)),
    ]
    found = remind(date(2026, 11, 23), invoices)
    assert [r.client_id for r in found.reactions] == ["c1", "c2"]
    assert found.reactions[0].topic == (
        "Напомнить об оплате: счёт № 2026-00000 от 15.10.2026, счёт № 2026-00001 от 13.11.2026; "
        f"к оплате 22{NBSP}000,00 руб."
    )
    assert found.reactions[1].employee_id is None  # no manager: the department takes it
    assert [a.id for a in found.appeals] == ["billing-c1-2026-11", "billing-c2-2026-11"]


def test_reminders_are_idempotent() -> None:
    first = remind(date(2026, 11, 20), [invoice(), invoice("i2", "2026-00002", client="c2")])
    again = remind(date(2026, 11, 20), [invoice(), invoice("i2", "2026-00002", client="c2")])
    assert first == again
    rest = remind(
        date(2026, 11, 20),
        [invoice(), invoice("i2", "2026-00002", client="c2")],
        existing=first.reactions[:1],
    )
    assert [r.client_id for r in rest.reactions] == ["c2"]


def test_reminders_wait_for_a_later_due_date() -> None:
    late = invoice(issued=date(2026, 11, 16), due=date(2026, 11, 24))
    assert remind(date(2026, 11, 23), [late]).reactions == ()
    assert len(remind(date(2026, 11, 24), [late]).reactions) == 1
    assert remind(date(2026, 11, 10), [invoice(issued=date(2026, 11, 13))]).reactions == ()


def test_reminder_time_zone_and_policy() -> None:
    policy = BillingPolicy(reminder_day=25, reminder_time=time(15, 30))
    assert (
        reminder_reactions(date(2026, 11, 24), [invoice()], {}, policy, CAL, now=NOW).reactions
        == ()
    )
    (reaction,) = reminder_reactions(
        date(2026, 11, 25), [invoice()], {}, policy, CAL, now=NOW, tz="Asia/Omsk"
    ).reactions
    assert reaction.due_at == datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Omsk"))


def test_reminders_refuse_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        remind(date(2026, 11, 20), [invoice()], tz="Mars/Olympus")
    assert caught.value.paths == ("tz",)
    with pytest.raises(ValidationError) as caught:
        reminder_reactions(date(2026, 11, 20), [], {}, POLICY, CAL, now=datetime(2026, 11, 20))
    assert caught.value.paths == ("now",)
    with pytest.raises(ValidationError) as caught:
        reminder_reactions(date(2026, 11, 20), [], [], POLICY, CAL, now=NOW)  # type: ignore[arg-type]
    assert caught.value.paths == ("managers",)
    with pytest.raises(ValidationError) as caught:
        remind("2026-11-20", [])  # type: ignore[arg-type]
    assert caught.value.paths == ("day",)


# --------------------------------------------------------------------------- debtors


def test_debtors_of_the_day() -> None:
    invoices = [
        invoice("c1-nov", "2026-00011"),
        invoice(
            "c1-oct",
            "2026-00005",
            month=Month(2026, 10),
            issued=date(2026, 10, 15),
            due=date(2026, 10, 20),
        ),
        invoice("c2-nov", "2026-00012", client="c2", amount="24000"),
        invoice(
            "c3-nov",
            "2026-00013",
            client="c3",
            status=InvoiceStatus.PARTLY_PAID,
            paid=Money("5000"),
        ),
        invoice(
            "c4-nov", "2026-00014", client="c4", status=InvoiceStatus.PAID, paid=Money("12000")
        ),
        invoice(
            "c5-dec",
            "2026-00020",
            client="c5",
            month=Month(2026, 12),
            issued=date(2026, 12, 15),
            due=date(2026, 12, 21),
        ),
        invoice(
            "c6-nov",
            "2026-00015",
            client="c6",
            amount="500",
            issued=date(2026, 11, 24),
            due=date(2026, 11, 30),
        ),
    ]
    credits = [Credit(ClientId("c3"), Money("1000"), date(2026, 11, 20))]
    found = debtors(date(2026, 11, 25), invoices, credits=credits)
    assert [(d.client_id, d.owed, d.days_overdue) for d in found] == [
        ("c1", Money("24000.00"), 36),
        ("c2", Money("24000.00"), 7),
        ("c3", Money("7000.00"), 7),
        ("c6", Money("500.00"), 0),
    ]
    assert [i.id for i in found[0].invoices] == ["c1-oct", "c1-nov"]
    assert found[2].credit == Money("1000")
    assert found[0].credit == Money(0)
    assert found[3].overdue == Money(0)
    assert found[0].overdue == Money("24000.00")
    overdue = debtors(date(2026, 11, 25), invoices, overdue_only=True)
    assert [d.client_id for d in overdue] == ["c1", "c2", "c3"]
    assert debtors(date(2026, 11, 18), invoices)[0].days_overdue == 29
    assert debtors(date(2026, 11, 1), [invoices[0]]) == ()
    with pytest.raises(ValidationError) as caught:
        debtors(date(2026, 11, 25), invoices, credits=[Money("1")])  # type: ignore[list-item]
    assert caught.value.paths == ("credits[0]",)
    with pytest.raises(ValidationError) as caught:
        debtors(date(2026, 11, 25), invoices, overdue_only="yes")  # type: ignore[arg-type]
    assert caught.value.paths == ("overdue_only",)


# --------------------------------------------------------------------------- supplier bills


def bill(id: str, supplier: str, due: date | None, amount: str = "1000") -> SupplierBill:
    requested = request_supplier_bill(
        SupplierBillId(id), supplier=supplier, purpose="Оборудование", on=date(2026, 11, 2)
    )
    if due is None:
        return requested
    return enter_into_payment_plan(
        requested, number=f"№{id}", amount=Money(amount), due_date=due, on=date(2026, 11, 3)
    )


def test_the_payment_plan_says_what_is_owed_to_whom_and_by_when() -> None:
    bills = [
        bill("a", "Альфа", date(2026, 11, 10), "84500"),
        set_payment_task(
            bill("b", "Бета", date(2026, 11, 5)), assignee=EmployeeId("buh"), on=date(2026, 11, 3)
        ),
        bill("c", "Гамма", None),
        mark_supplier_bill_paid(bill("d", "Альфа", date(2026, 11, 4)), on=date(2026, 11, 4)),
        cancel_supplier_bill(bill("e", "Дельта", date(2026, 11, 6)), on=date(2026, 11, 4)),
        bill("f", "Альфа", date(2026, 11, 20), "500.50"),
    ]
    plan = payment_plan(bills, day=date(2026, 11, 8))
    assert [(r.bill.id, r.days_left, r.overdue) for r in plan.rows] == [
        ("b", -3, True),
        ("a", 2, False),
        ("f", 12, False),
    ]
    assert plan.by_supplier == (("Альфа", Money("85000.50")), ("Бета", Money("1000")))
    assert plan.total == Money("86000.50")
    assert [b.id for b in plan.awaiting] == ["c"]
    assert [b.id for b in plan.paid] == ["d"]
    assert [r.bill.id for r in plan.overdue] == ["b"]
    with pytest.raises(ValidationError) as caught:
        payment_plan(bills, day=None)  # type: ignore[arg-type]
    assert caught.value.paths == ("day",)
    with pytest.raises(ValidationError) as caught:
        payment_plan([*bills, "x"], day=date(2026, 11, 8))  # type: ignore[list-item]
    assert caught.value.paths == ("bills[6]",)


# --------------------------------------------------------------------------- a whole month


def test_a_month_from_the_billing_run_to_the_last_reminder() -> None:
    subs = [
        sub(f"s{n}", f"c{n}", fee="10000", payer_inn=inn)
        for n, inn in ((1, "7707083893"), (2, None))
    ]
    plan = plan_billing(NOV, subs, [], POLICY, CAL)
    invoices = list(plan.to_issue)
    paid = allocate_payment(payment("10000", number="2026-00001"), invoices, POLICY)
    invoices = [next((c for c in paid.invoices if c.id == i.id), i) for i in invoices]
    calls = [
        (day.day, [r.client_id for r in remind(day, invoices).reactions])
        for day in (date(2026, 11, d) for d in range(13, 31))
        if remind(day, invoices).reactions
    ]
    assert calls == [(d, ["c2"]) for d in (20, 23, 24, 25, 26, 27, 30)]
    assert [d.client_id for d in debtors(date(2026, 11, 30), invoices)] == ["c2"]
    assert plan_billing(NOV, subs, invoices, POLICY, CAL).to_issue == ()


# ------------------------------------------------------- the plan from billed invoices

DAYS = st.dates(min_value=date(2026, 9, 1), max_value=date(2027, 1, 31))


@st.composite
def subscriptions(draw: st.DrawFn, n: int) -> Subscription:
    start = draw(DAYS)
    end = draw(st.none() | DAYS.filter(lambda d: d >= start))
    pauses = []
    for _ in range(draw(st.integers(0, 2))):
        first = draw(DAYS)
        pauses.append(Pause(first, first + timedelta(days=draw(st.integers(0, 40)))))
    fee = draw(st.sampled_from(["4000", "6500", "12000", "0.01"]))
    return sub(f"s{n}", f"c{n % 3}", fee, start, end=end, pauses=tuple(pauses))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), pro_rating=st.sampled_from(list(ProRating)))
def test_billed_days_are_counted_as_day_by_day(data: st.DataObject, pro_rating: ProRating) -> None:
    """The lines of a month are those of its billed days counted one by one."""
    policy = attrs.evolve(POLICY, pro_rating=pro_rating)
    subscription = data.draw(subscriptions(0))
    days = [
        NOV.first_day.replace(day=n)
        for n in range(1, NOV.days + 1)
        if subscription.billable(NOV.first_day.replace(day=n))
    ]
    lines = subscription_lines(subscription, NOV, policy, CAL)
    assert len(days) == subscription.active_days(NOV)
    if not days:
        assert lines == ()
        runs = any(subscription.covers(NOV.first_day.replace(day=n)) for n in range(1, 31))
        (skip,) = plan_billing(NOV, [subscription], [], policy, CAL).skipped
        assert skip.reason is (SkipReason.PAUSED if runs else SkipReason.NOT_ACTIVE)
        return
    whole = len(days) == NOV.days or pro_rating is ProRating.FULL_MONTH
    amount = Money(Decimal(subscription.fee.amount) * (1 if whole else Decimal(len(days)) / 30))
    if amount.rounded().amount <= 0:
        assert lines == ()
        return
    (line,) = lines
    assert line.price == amount.rounded()
    texts = policy.texts
    contiguous = (days[-1] - days[0]).days + 1 == len(days)
    template = texts.line if whole else texts.partial_line if contiguous else texts.interrupted_line
    assert line.name == template.format(
        service=subscription.service,
        month="ноябрь",
        month_genitive="ноября",
        year=2026,
        from_day=days[0].day,
        to_day=days[-1].day,
        days=len(days),
        month_days=30,
        client=subscription.client_id,
        invoices="",
        amount=line.price.amount,
        count=1,
    )


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    data=st.data(),
)
def test_the_plan_from_billed_invoices_is_the_plan_from_whole_ones(
    before: list[int], data: st.DataObject
) -> None:
    """Issued from one version of the subscriptions, planned again from another: the billed
    rows give the plan the whole invoices give, once the stale ones are given whole."""
    old = [data.draw(subscriptions(n)) for n in range(len(before))]
    issued = list(plan_billing(NOV, old, [], POLICY, CAL).to_issue)
    if issued and data.draw(st.booleans()):
        issued[0] = cancel_invoice(issued[0])
    new = [data.draw(st.sampled_from([s, data.draw(subscriptions(n))])) for n, s in enumerate(old)]
    whole = plan_billing(NOV, new, issued, POLICY, CAL)
    billed = [BilledInvoice.of(i) for i in issued]
    plan, stale = plan_from_billed(NOV, new, billed, POLICY, CAL)
    assert {b.id for b in stale} == {c.original.id for c in whole.corrections}
    assert (plan.to_issue, plan.skipped) == (whole.to_issue, whole.skipped)
    by_id = {i.id: i for i in issued}
    again, left = plan_from_billed(
        NOV, new, [by_id[b.id] if b in stale else b for b in billed], POLICY, CAL
    )
    assert (again, left) == (whole, ())
