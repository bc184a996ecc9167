"""The billing model (clientops.billing): months, subscriptions, invoices and their VAT,
payments, credits, supplier bills and the billing policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientops.billing import (
    MONTHS_GENITIVE,
    MONTHS_NOMINATIVE,
    SUPPLIER_BILL_TRANSITIONS,
    Allocation,
    BillingPolicy,
    BillingTexts,
    Credit,
    DuplicateSent,
    FeeChange,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceStatus,
    Month,
    Pause,
    Payment,
    PaymentId,
    PaymentSource,
    PaymentTerms,
    ProRating,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillId,
    SupplierBillStatus,
    VatRate,
    WeekendRule,
    cancel_supplier_bill,
    enter_into_payment_plan,
    mark_supplier_bill_paid,
    request_supplier_bill,
    set_payment_task,
    vat_amounts,
)
from clientops.errors import TransitionError, ValidationError
from clientops.model import ClientId, EmployeeId, Money
from clientops.serialization import from_json, to_json

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def a_subscription(**changes: Any) -> Subscription:
    values: dict[str, Any] = {
        "id": SubscriptionId("s1"),
        "client_id": ClientId("c1"),
        "fee": Money("12000"),
        "start": date(2025, 3, 10),
    }
    values.update(changes)
    return Subscription(**values)


def a_line(
    price: str = "12000", quantity: int | str = 1, name: str = "Абонентское обслуживание"
) -> InvoiceLine:
    return InvoiceLine(name, "мес.", quantity, Money(price))


def an_invoice(**changes: Any) -> Invoice:
    values: dict[str, Any] = {
        "id": InvoiceId("i1"),
        "number": "2026-00001",
        "client_id": ClientId("c1"),
        "period": Month(2026, 11),
        "issue_date": date(2026, 11, 13),
        "due_date": date(2026, 11, 18),
        "lines": (a_line(),),
        "vat_rate": Decimal(22),
    }
    values.update(changes)
    return Invoice(**values)


# --------------------------------------------------------------------------- Month


def test_month_parses_and_prints() -> None:
    month = Month.parse("2026-11")
    assert month == Month(2026, 11)
    assert str(month) == "2026-11"
    assert str(Month(987, 1)) == "0987-01"
    assert Month.parse(str(Month(2025, 2))) == Month(2025, 2)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"])
def test_month_refuses_bad_text(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Month.parse(text)
    assert caught.value.paths == ("month",)


def test_month_refuses_bad_values() -> None:
    with pytest.raises(ValidationError) as caught:
        Month(2026, 0)
    assert caught.value.paths == ("month",)
    with pytest.raises(ValidationError) as caught:
        Month("2026", 1)  # type: ignore[arg-type]
    assert caught.value.paths == ("year",)
    with pytest.raises(ValidationError):
        Month.parse(202611)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Month.of(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("month", "days"),
    [(Month(2026, 2), 28), (Month(2024, 2), 29), (Month(2026, 4), 30), (Month(2026, 12), 31)],
)
def test_month_days(month: Month, days: int) -> None:
    assert month.days == days
    assert month.last_day == date(month.year, month.month, days)
    assert month.first_day == date(month.year, month.month, 1)
    assert month.day(31) == month.last_day
    assert month.day(15) == date(month.year, month.month, 15)
    assert month.contains(month.last_day)
    assert not month.contains(month.next().first_day)


def test_month_steps_and_order() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 5).next().previous() == Month(2026, 5)
    assert sorted([Month(2026, 1), Month(2025, 12), Month(2025, 2)]) == [
        Month(2025, 2),
        Month(2025, 12),
        Month(2026, 1),
    ]
    assert Month.of(date(2026, 2, 27)) == Month(2026, 2)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 1)))
def test_month_of_a_day_contains_it(day: date) -> None:
    month = Month.of(day)
    assert month.first_day <= day <= month.last_day
    assert Month.parse(str(month)) == month
    assert (month.next().first_day - month.last_day).days == 1
    assert month.next().previous() == month


def test_month_names() -> None:
    policy = BillingPolicy()
    assert len(MONTHS_NOMINATIVE) == len(MONTHS_GENITIVE) == 12
    assert [policy.month_name(Month(2026, m)) for m in (1, 3, 5, 8, 11, 12)] == [
        "январь",
        "март",
        "май",
        "август",
        "ноябрь",
        "декабрь",
    ]
    assert [policy.month_name(Month(2026, m), genitive=True) for m in (1, 3, 5, 8, 11, 12)] == [
        "января",
        "марта",
        "мая",
        "августа",
        "ноября",
        "декабря",
    ]


# --------------------------------------------------------------------------- Subscription


def test_subscription_fee_on_a_day_follows_the_changes() -> None:
    sub = a_subscription().change_fee(date(2026, 11, 20), Money("15000"))
    sub = sub.change_fee(date(2026, 6, 1), Money("13000"))
    assert [c.since for c in sub.fee_changes] == [date(2026, 6, 1), date(2026, 11, 20)]
    assert sub.fee_on(date(2026, 5, 31)) == Money("12000")
    assert sub.fee_on(date(2026, 6, 1)) == Money("13000")
    assert sub.fee_on(date(2026, 11, 19)) == Money("13000")
    assert sub.fee_on(date(2026, 11, 20)) == Money("15000")
    again = sub.change_fee(date(2026, 11, 20), Money("14000"))
    assert len(again.fee_changes) == 2
    assert again.fee_on(date(2027, 1, 1)) == Money("14000")
    assert sub.fee == Money("12000")  # the past is kept


def test_subscription_active_days() -> None:
    sub = a_subscription(
        start=date(2026, 11, 10),
        end=date(2027, 2, 10),
        pauses=(
            Pause(date(2026, 12, 1), date(2026, 12, 31)),
            Pause(date(2027, 1, 5), date(2027, 1, 14)),
        ),
    )
    assert sub.active_days(Month(2026, 10)) == 0
    assert sub.active_days(Month(2026, 11)) == 21
    assert sub.active_days(Month(2026, 12)) == 0
    assert sub.active_days(Month(2027, 1)) == 21
    assert sub.active_days(Month(2027, 2)) == 10
    assert sub.covers(date(2026, 12, 5))
    assert sub.paused(date(2026, 12, 5))
    assert not sub.billable(date(2026, 12, 5))
    assert not sub.covers(date(2027, 2, 11))


def test_subscription_reports_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Subscription(
            SubscriptionId(""),
            ClientId(" "),
            12000,  # type: ignore[arg-type]
            date(2026, 5, 1),
            end=date(2026, 4, 1),
            pauses=[Pause(date(2026, 5, 1), date(2026, 5, 2))],  # type: ignore[arg-type]
            service="",
            payer_inn="123",
            version=-1,
        )
    assert caught.value.paths == (
        "id",
        "client_id",
        "fee",
        "end",
        "pauses",
        "service",
        "payer_inn",
        "version",
    )


def test_subscription_refuses_unordered_or_foreign_fee_changes() -> None:
    with pytest.raises(ValidationError) as caught:
        a_subscription(
            fee_changes=(
                FeeChange(date(2026, 6, 1), Money("1")),
                FeeChange(date(2026, 5, 1), Money("2")),
            )
        )
    assert caught.value.paths == ("fee_changes",)
    with pytest.raises(ValidationError) as caught:
        a_subscription(fee_changes=(FeeChange(date(2026, 6, 1), Money("1", "USD")),))
    assert caught.value.paths == ("fee_changes[0].fee",)


def test_pause_and_fee_change_check_themselves() -> None:
    with pytest.raises(ValidationError) as caught:
        Pause(date(2026, 5, 2), date(2026, 5, 1))
    assert caught.value.paths == ("end",)
    with pytest.raises(ValidationError) as caught:
        FeeChange(datetime(2026, 5, 2), Money("-1"))
    assert caught.value.paths == ("since", "fee")
    with pytest.raises(ValidationError) as caught:
        FeeChange(date(2026, 5, 2), Money("10.005"))
    assert "kopeck" in str(caught.value)


# --------------------------------------------------------------------------- VAT and totals


@pytest.mark.parametrize(
    ("amount", "rate", "included", "net", "vat", "total"),
    [
        ("12000", 22, True, "9836.07", "2163.93", "12000.00"),
        ("12000", 20, True, "10000.00", "2000.00", "12000.00"),
        ("1000", 22, False, "1000.00", "220.00", "1220.00"),
        ("100.01", 20, True, "83.34", "16.67", "100.01"),  # 16.668… → 16.67
        ("0.05", 22, False, "0.05", "0.01", "0.06"),  # 0.011 → 0.01
        ("0.25", 20, False, "0.25", "0.05", "0.30"),  # 0.05 exactly
        ("2.5", 10, False, "2.50", "0.25", "2.75"),
        ("6100", 22, True, "5000.00", "1100.00", "6100.00"),
        ("10", 0, True, "10.00", "0.00", "10.00"),
    ],
)
def test_vat_amounts(
    amount: str, rate: int, included: bool, net: str, vat: str, total: str
) -> None:
    assert vat_amounts(Money(amount), Decimal(rate), included=included) == (
        Money(net),
        Money(vat),
        Money(total),
    )


def test_vat_rounds_half_up() -> None:
    # 0.0250 * 20 / 100 = 0.005 → 0.01 half-up (banker's rounding would give 0.00)
    assert vat_amounts(Money("0.025"), Decimal(20), included=False)[1] == Money("0.01")
    # 1.05 * 20 / 120 = 0.175 → 0.18
    assert vat_amounts(Money("1.05"), Decimal(20), included=True)[1] == Money("0.18")


def test_without_vat() -> None:
    assert vat_amounts(Money("1000"), None, included=False) == (Money("1000"), None, Money("1000"))


def test_vat_refuses_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        vat_amounts(1000, Decimal(120), included=True)  # type: ignore[arg-type]
    assert caught.value.paths == ("rate", "subtotal")
    with pytest.raises(ValidationError):
        vat_amounts(Money(1), 0.2, included=True)  # type: ignore[arg-type]


@given(
    kopecks=st.integers(min_value=1, max_value=10**12),
    rate=st.sampled_from([Decimal(0), Decimal(10), Decimal(20), Decimal(22), Decimal("7.5")]),
    included=st.booleans(),
)
def test_net_and_vat_add_up_to_the_total(kopecks: int, rate: Decimal, included: bool) -> None:
    amount = Money(Decimal(kopecks) / 100)
    net, vat, total = vat_amounts(amount, rate, included=included)
    assert vat is not None
    assert net + vat == total
    assert (total if included else net) == amount
    for money in (net, vat, total):
        assert money.amount == money.amount.quantize(Decimal("0.01"))


def test_invoice_totals() -> None:
    invoice = an_invoice(lines=(a_line("12000"), a_line("150.50", 3, "Доп. точка")))
    assert invoice.subtotal == Money("12451.50")
    assert invoice.total == Money("12451.50")
    assert invoice.vat == Money("2245.35")  # 12451.50 × 22 / 122 = 2245.3524…
    on_top = attrs.evolve(invoice, vat_included=False)
    assert on_top.vat == Money("2739.33")  # 12451.50 × 0.22 = 2739.33
    assert on_top.total == Money("15190.83")
    free = attrs.evolve(invoice, vat_rate=None)
    assert free.vat is None
    assert free.total == Money("12451.50")
    assert invoice.outstanding == invoice.total
    assert invoice.currency == "RUB"


def test_invoice_statuses_follow_the_paid_amount() -> None:
    partly = an_invoice(status=InvoiceStatus.PARTLY_PAID, paid=Money("2000"))
    assert partly.outstanding == Money("10000.00")
    assert partly.is_open
    paid = an_invoice(status=InvoiceStatus.PAID, paid=Money("12000"))
    assert paid.outstanding == Money(0)
    assert not paid.is_open
    cancelled = an_invoice(status=InvoiceStatus.CANCELLED)
    assert cancelled.outstanding == Money(0)
    assert InvoiceStatus.PARTLY_PAID.label == "оплачен частично"
    assert [s for s in InvoiceStatus if s.open] == [InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID]


@pytest.mark.parametrize(
    ("status", "paid"),
    [
        (InvoiceStatus.ISSUED, "1"),
        (InvoiceStatus.PARTLY_PAID, "0"),
        (InvoiceStatus.PARTLY_PAID, "12000"),
        (InvoiceStatus.PAID, "11999.99"),
        (InvoiceStatus.CANCELLED, "12000.01"),
    ],
)
def test_invoice_refuses_a_paid_amount_that_does_not_fit_the_status(
    status: InvoiceStatus, paid: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        an_invoice(status=status, paid=Money(paid))
    assert caught.value.paths == ("paid",)


def test_invoice_reports_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        an_invoice(
            number="",
            period="2026-11",
            due_date=date(2026, 11, 12),
            lines=(),
            vat_rate=0.2,
            payer_inn="77",
            corrects=InvoiceId("i0"),
            status=InvoiceStatus.CORRECTED,
        )
    assert caught.value.paths == (
        "number",
        "period",
        "due_date",
        "lines",
        "vat_rate",
        "payer_inn",
        "corrects_number",
        "corrected_by",
    )
    with pytest.raises(ValidationError) as caught:
        an_invoice(lines=[a_line()])
    assert caught.value.paths == ("lines",)
    with pytest.raises(ValidationError) as caught:
        an_invoice(lines=(a_line(), "x"))
    assert caught.value.paths == ("lines[1]",)


def test_invoice_days_overdue_and_duplicates() -> None:
    invoice = an_invoice(duplicates=(DuplicateSent(AT, "buh@romashka.ru"),))
    assert invoice.duplicate_count == 1
    assert invoice.days_overdue(date(2026, 11, 18)) == 0
    assert invoice.days_overdue(date(2026, 11, 21)) == 3
    assert (
        an_invoice(status=InvoiceStatus.PAID, paid=Money("12000")).days_overdue(date(2026, 12, 31))
        == 0
    )
    with pytest.raises(ValidationError) as caught:
        DuplicateSent(datetime(2026, 11, 23, 9, 30))
    assert caught.value.paths == ("at",)


# --------------------------------------------------------------------------- payments


def test_payment_checks_itself() -> None:
    payment = Payment(
        PaymentId("p1"),
        date(2026, 11, 17),
        Money("12000"),
        payer_inn="7707083893",
        source=PaymentSource("ab" * 32, 7, "15"),
        client_id=ClientId("c1"),
    )
    assert payment.source is not None
    assert payment.source.line == 7
    with pytest.raises(ValidationError) as caught:
        Payment(PaymentId("p1"), date(2026, 11, 17), Money("0"), payer_inn="1")
    assert caught.value.paths == ("amount", "payer_inn")
    with pytest.raises(ValidationError) as caught:
        Payment(PaymentId("p1"), "2026-11-17", 12000.0)  # type: ignore[arg-type]
    assert caught.value.paths == ("date", "amount")
    with pytest.raises(ValidationError) as caught:
        PaymentSource("", 0)
    assert caught.value.paths == ("statement", "line")
    with pytest.raises(ValidationError, match="never a float"):
        Money(12000.0)


def test_allocation_and_credit_check_themselves() -> None:
    Allocation(PaymentId("p"), InvoiceId("i"), "1", ClientId("c"), Money("1"), date(2026, 1, 1))
    with pytest.raises(ValidationError) as caught:
        Allocation(PaymentId("p"), InvoiceId(""), "1", ClientId("c"), Money("0"), date(2026, 1, 1))
    assert caught.value.paths == ("invoice_id", "amount")
    credit = Credit(ClientId("c"), Money("5"), date(2026, 1, 1), payment_id=PaymentId("p"))
    assert credit.invoice_id is None
    with pytest.raises(ValidationError) as caught:
        Credit(ClientId("c"), Money("-5"), date(2026, 1, 1))
    assert caught.value.paths == ("amount",)


# --------------------------------------------------------------------------- supplier bills


def a_bill() -> SupplierBill:
    return request_supplier_bill(
        SupplierBillId("b1"),
        supplier="ООО «Шлагбаум-Сервис»",
        purpose="Шлагбаум для ООО «Ромашка»",
        on=date(2026, 11, 2),
        expected_amount=Money("85000"),
    )


def test_supplier_bill_runs_the_process() -> None:
    bill = a_bill()
    assert bill.status is SupplierBillStatus.REQUESTED
    assert bill.is_open
    assert bill.allowed_actions() == ("enter_into_payment_plan", "cancel")
    bill = enter_into_payment_plan(
        bill,
        number="СЧ-441",
        amount=Money("84500"),
        due_date=date(2026, 11, 10),
        on=date(2026, 11, 3),
    )
    assert (bill.status, bill.amount, bill.planned_on) == (
        SupplierBillStatus.PLANNED,
        Money("84500"),
        date(2026, 11, 3),
    )
    bill = set_payment_task(bill, assignee=EmployeeId("buh"), on=date(2026, 11, 3))
    assert bill.status is SupplierBillStatus.TASK_SET
    assert bill.assignee == "buh"
    bill = mark_supplier_bill_paid(bill, on=date(2026, 11, 9))
    assert bill.status is SupplierBillStatus.PAID
    assert not bill.is_open
    assert bill.status.label == "оплачен"
    with pytest.raises(TransitionError) as caught:
        cancel_supplier_bill(bill, on=date(2026, 11, 10))
    assert caught.value.current == "paid"
    assert caught.value.allowed == ()


def test_supplier_bill_steps_out_of_order_are_refused() -> None:
    with pytest.raises(TransitionError) as caught:
        set_payment_task(a_bill(), assignee=EmployeeId("buh"), on=date(2026, 11, 3))
    assert caught.value.attempted == "set_payment_task"
    assert caught.value.allowed == ("enter_into_payment_plan", "cancel")
    with pytest.raises(TransitionError):
        mark_supplier_bill_paid(a_bill(), on=date(2026, 11, 3))
    cancelled = cancel_supplier_bill(a_bill(), on=date(2026, 11, 4), note="взяли у другого")
    assert cancelled.status is SupplierBillStatus.CANCELLED
    assert cancelled.note == "взяли у другого"
    with pytest.raises(ValidationError):
        enter_into_payment_plan(
            "b1",  # type: ignore[arg-type]
            number="1",
            amount=Money("1"),
            due_date=date(2026, 11, 10),
            on=date(2026, 11, 3),
        )
    assert set(SUPPLIER_BILL_TRANSITIONS) == {
        "enter_into_payment_plan",
        "set_payment_task",
        "mark_paid",
        "cancel",
    }


def test_supplier_bill_needs_what_its_status_needs() -> None:
    with pytest.raises(ValidationError) as caught:
        SupplierBill(
            SupplierBillId("b"), "X", "Y", date(2026, 1, 1), status=SupplierBillStatus.PLANNED
        )
    assert caught.value.paths == ("amount", "due_date", "planned_on")
    with pytest.raises(ValidationError) as caught:
        enter_into_payment_plan(
            a_bill(),
            number="1",
            amount=Money("0"),
            due_date=date(2026, 11, 10),
            on=date(2026, 11, 3),
        )
    assert caught.value.paths == ("amount",)


# --------------------------------------------------------------------------- the policy


def test_policy_defaults() -> None:
    policy = BillingPolicy()
    assert policy.billing_day == 15
    assert policy.reminder_day == 20
    assert policy.weekend_rule is WeekendRule.PREVIOUS_WORKING_DAY
    assert policy.pro_rating is ProRating.CALENDAR_DAYS
    assert policy.payment_terms is PaymentTerms.CALENDAR_DAYS
    assert policy.vat_included
    assert policy.reminder_time == time(10, 0)
    assert policy.vat_rate_on(date(2019, 1, 1)) == Decimal(20)
    assert policy.vat_rate_on(date(2025, 12, 31)) == Decimal(20)
    assert policy.vat_rate_on(date(2026, 1, 1)) == Decimal(22)
    assert policy.vat_rate_on(date(2030, 1, 1)) == Decimal(22)
    with pytest.raises(ValidationError) as caught:
        policy.vat_rate_on(date(2018, 12, 31))
    assert caught.value.paths == ("vat_rates",)


def test_vat_table_is_the_users() -> None:
    policy = BillingPolicy(
        vat_rates=(VatRate(date.min, None), VatRate(date(2026, 1, 1), Decimal(5)))
    )
    assert policy.vat_rate_on(date(2025, 6, 1)) is None
    assert policy.vat_rate_on(date(2026, 6, 1)) == Decimal(5)


def test_invoice_numbers_are_written_and_read_back() -> None:
    policy = BillingPolicy()
    assert policy.format_number(12, date(2026, 11, 13)) == "2026-00012"
    assert policy.number_sequence("2026-00012", 2026) == 12
    assert policy.number_sequence("2025-00012", 2026) is None
    assert policy.number_sequence("С-77", 2026) is None
    own = BillingPolicy(number_format="АБ/{seq}/{month:02d}.{year}")
    assert own.format_number(7, date(2026, 3, 5)) == "АБ/7/03.2026"
    assert own.number_sequence("АБ/7/03.2026", 2026) == 7
    plain = BillingPolicy(number_format="{year}{seq:04d}")
    assert plain.format_number(41, date(2026, 1, 9)) == "20260041"
    assert plain.number_sequence("20260041", 2026) == 41
    assert plain.parse_number("202612345") == (2026, 12345)


@pytest.mark.parametrize(
    ("changes", "paths"),
    [
        ({"billing_day": 29}, ("billing_day",)),
        ({"reminder_day": 0, "payment_days": -1}, ("reminder_day", "payment_days")),
        ({"weekend_rule": "previous"}, ("weekend_rule",)),
        ({"vat_rates": ()}, ("vat_rates",)),
        (
            {"vat_rates": (VatRate(date(2026, 1, 1), None), VatRate(date(2025, 1, 1), None))},
            ("vat_rates",),
        ),
        ({"vat_rates": [VatRate(date(2026, 1, 1), None)]}, ("vat_rates",)),
        ({"number_format": "{year}"}, ("number_format",)),
        ({"number_format": "{seq}-{client}"}, ("number_format",)),
        ({"number_format": "{seq}-{seq}"}, ("number_format",)),
        # the sequence starts again each year: without the year, numbers repeat
        ({"number_format": "{seq}"}, ("number_format",)),
        ({"number_format": "2026-{seq:05d}"}, ("number_format",)),
        ({"number_format": "СО-{month:02d}-{seq}"}, ("number_format",)),
        # numbers that do not read back as the year and number they were written from
        ({"number_format": "{year}-{seq:,}"}, ("number_format",)),
        ({"number_format": "{year}-{seq:x}"}, ("number_format",)),
        ({"vat_included": 1, "reminder_time": "10:00"}, ("vat_included", "reminder_time")),
        ({"department": ""}, ("department",)),
    ],
)
def test_policy_refuses_bad_values(changes: dict[str, Any], paths: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        BillingPolicy(**changes)
    assert caught.value.paths == paths


def test_vat_rate_refuses_bad_rates() -> None:
    with pytest.raises(ValidationError) as caught:
        VatRate(date(2026, 1, 1), Decimal(100))
    assert caught.value.paths == ("rate",)
    with pytest.raises(ValidationError):
        VatRate(date(2026, 1, 1), 22)  # type: ignore[arg-type]


def test_texts_are_checked_templates() -> None:
    with pytest.raises(ValueError, match="placeholders"):
        BillingTexts(line="{service} за {monthh}")
    texts = BillingTexts(reminder_topic="Call {client}: {amount}")
    assert texts.reminder_topic == "Call {client}: {amount}"


# --------------------------------------------------------------------------- serialization


@pytest.mark.parametrize(
    "value",
    [
        BillingPolicy(),
        BillingPolicy(
            weekend_rule=WeekendRule.NEXT_WORKING_DAY,
            vat_rates=(VatRate(date.min, None),),
            reminder_time=time(11, 30),
        ),
        a_subscription(
            pauses=(Pause(date(2026, 7, 1), date(2026, 7, 31), "лето"),),
            fee_changes=(FeeChange(date(2026, 1, 1), Money("13000")),),
            payer_inn="7707083893",
        ),
        an_invoice(
            status=InvoiceStatus.PARTLY_PAID,
            paid=Money("100.50"),
            duplicates=(DuplicateSent(AT, "a@b.ru", EmployeeId("anna")),),
            lines=(a_line("12000"), a_line("0.10", "2.5", "Доп.")),
        ),
        an_invoice(
            corrects=InvoiceId("i0"),
            corrects_number="2026-00001",
            subscription_id=SubscriptionId("s1"),
        ),
        Payment(
            PaymentId("p1"),
            date(2026, 11, 17),
            Money("12000"),
            source=PaymentSource("ab" * 32, 7, "15"),
        ),
        Credit(ClientId("c"), Money("5"), date(2026, 1, 1), payment_id=PaymentId("p")),
        set_payment_task(
            enter_into_payment_plan(
                a_bill(),
                number="1",
                amount=Money("5"),
                due_date=date(2026, 11, 9),
                on=date(2026, 11, 3),
            ),
            assignee=EmployeeId("buh"),
            on=date(2026, 11, 3),
        ),
    ],
    ids=lambda v: type(v).__name__,
)
def test_round_trip_through_json(value: object) -> None:
    text = to_json(value)
    assert from_json(text, type(value)) == value


def test_bad_json_names_the_field() -> None:
    text = to_json(an_invoice()).replace('"2026-11-18"', '"2026-11-01"')
    with pytest.raises(ValidationError):
        from_json(text, Invoice)
    bad = to_json(BillingPolicy()).replace('"billing_day":15', '"billing_day":"15"')
    with pytest.raises(ValidationError) as caught:
        from_json(bad, BillingPolicy)
    assert caught.value.paths == ("$.billing_day",)
