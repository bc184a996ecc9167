"""The order process (seed 003): specification, stages, guards, pricing, overdue, hand-offs,
repeat orders, and the diagram drawn from the transition table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from clientops.errors import TransitionError, ValidationError
from clientops.model import ClientId, EmployeeId, Money, Role
from clientops.orders import (
    OPEN,
    TRANSITIONS,
    AcceptQuality,
    Action,
    AddProductionStage,
    AgreeWithClient,
    ApproveRequest,
    Close,
    CompleteProductionStage,
    DirectorApproval,
    HandOff,
    IssuePrepaymentInvoice,
    NotifyClient,
    Order,
    OrderId,
    OrderPolicy,
    OrderSpecification,
    OrderStage,
    OrderStep,
    Overdue,
    OverdueKind,
    QualityOutcome,
    QueueAtSupplier,
    QueueReplacement,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    RejectQuality,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    SpecialConditions,
    StartProduction,
    StartReplacement,
    SupplierQuote,
    UpdateSpecification,
    advance,
    allowed_actions,
    check_price,
    designer_handoffs,
    director_handoffs,
    handoffs,
    is_overdue,
    margin_of,
    next_repeat_contact,
    open_order,
    overdue,
    overdue_stages,
    price_for,
    pricing,
    repeat_order,
    sales_handoffs,
    special_conditions_for,
    state_diagram,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ANNA = EmployeeId("anna")
POLICY = OrderPolicy()
S = OrderStage


# --------------------------------------------------------------------------- builders


def a_spec(**overrides: Any) -> OrderSpecification:
    fields: dict[str, Any] = {
        "product_type": "Календарь настенный",
        "quantity": 500,
        "design": "Макет «Календарь 2025»",
        "materials": "Мелованная бумага 170 г/м², краски CMYK",
        "production_deadline": date(2025, 6, 20),
        "delivery_address": "Омск, ул. Ленина, 1",
        "packaging_type": "Гофрокороб",
        "packaging_marking": "Логотип клиента, номер заказа",
        "delivery_deadline": date(2025, 6, 25),
        "delivery_format": "Курьер до двери",
        "other": ("Отдельно упаковать 10 экземпляров для директора",),
    }
    fields.update(overrides)
    return OrderSpecification(**fields)


def a_quote(cost: str = "10000", deadline: date = date(2025, 6, 18)) -> SupplierQuote:
    return SupplierQuote("Типография «Омега»", Money(cost), deadline, T0)


def an_order(**overrides: Any) -> Order:
    kwargs: dict[str, Any] = {
        "id": OrderId("o1"),
        "client_id": ClientId("c1"),
        "number": "З-101",
        "specification": a_spec(),
        "now": T0,
        "by": ANNA,
    }
    kwargs.update(overrides)
    return open_order(**kwargs)


class Clock:
    """Every call is an hour after the previous one."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(hours=1)
        return self.now


def walk(
    order: Order, *actions: Action, policy: OrderPolicy = POLICY, clock: Clock | None = None
) -> Order:
    clock = clock or Clock(order.history[-1].at)
    for action in actions:
        order = advance(order, action, now=clock(), by=ANNA, policy=policy)
    return order


TO_QUOTED: tuple[Action, ...] = (
    ApproveRequest(),
    SendToSupplier("Типография «Омега»"),
    ReceiveQuote(a_quote()),
)
TO_QUEUED: tuple[Action, ...] = (
    *TO_QUOTED,
    SetPrice(),
    AgreeWithClient(),
    SignFinalRequest(),
    QueueAtSupplier(),
    IssuePrepaymentInvoice("П-17"),
)
TO_PRODUCTION: tuple[Action, ...] = (
    *TO_QUEUED,
    AddProductionStage("печать", date(2025, 6, 10)),
    StartProduction(),
    AddProductionStage("резка", date(2025, 6, 12)),
)
TO_ACCEPTED: tuple[Action, ...] = (
    *TO_PRODUCTION,
    CompleteProductionStage("печать"),
    CompleteProductionStage("резка"),
    RecordControlSample("2 экземпляра вне упаковки заказчика", "архив, полка 3"),
    AcceptQuality(),
)
TO_SHIPPED: tuple[Action, ...] = (*TO_ACCEPTED, NotifyClient(), Ship())
TO_CLOSED: tuple[Action, ...] = (
    *TO_SHIPPED,
    SignAct(),
    ReceivePayment(),
    ReceiveOriginals(),
    Close(),
)


def closed_order(**overrides: Any) -> Order:
    return walk(an_order(**overrides), *TO_CLOSED)


def refused(order: Order, action: Action, policy: OrderPolicy = POLICY) -> TransitionError:
    now = order.history[-1].at + timedelta(minutes=5)
    with pytest.raises(TransitionError) as caught:
        advance(order, action, now=now, by=ANNA, policy=policy)
    err = caught.value
    assert err.subject == f"order {order.number}"
    assert err.current == order.stage.value
    assert err.attempted == action.name
    assert err.allowed == allowed_actions(order, policy)
    return err


# --------------------------------------------------------------------------- specification


def test_the_specification_holds_every_field_of_the_seed() -> None:
    spec = a_spec()
    assert [f.name for f in attrs.fields(OrderSpecification)] == [
        "product_type",
        "quantity",
        "design",
        "materials",
        "production_deadline",
        "delivery_address",
        "packaging_type",
        "packaging_marking",
        "delivery_deadline",
        "delivery_format",
        "other",
    ]
    assert spec.quantity == 500


def test_a_bad_specification_names_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        a_spec(
            product_type=" ",
            quantity=0,
            design="",
            materials=None,
            delivery_address="",
            packaging_type="",
            packaging_marking="\t",
            delivery_format="",
            other=("ok", " "),
        )
    assert caught.value.paths == (
        "product_type",
        "design",
        "materials",
        "delivery_address",
        "packaging_type",
        "packaging_marking",
        "delivery_format",
        "quantity",
        "other[1]",
    )
    assert caught.value.subject == "order specification"


@pytest.mark.parametrize("quantity", [0, -5, True, 2.0, "500"])
def test_the_print_run_is_a_positive_int(quantity: object) -> None:
    with pytest.raises(ValidationError) as caught:
        a_spec(quantity=quantity)
    assert caught.value.paths == ("quantity",)


def test_delivery_cannot_be_before_production() -> None:
    with pytest.raises(ValidationError) as caught:
        a_spec(production_deadline=date(2025, 6, 20), delivery_deadline=date(2025, 6, 19))
    assert caught.value.paths == ("delivery_deadline",)
    assert a_spec(delivery_deadline=date(2025, 6, 20)).delivery_deadline == date(2025, 6, 20)


def test_deadlines_are_dates() -> None:
    with pytest.raises(ValidationError) as caught:
        a_spec(production_deadline=None, delivery_deadline=T0)
    assert caught.value.paths == ("production_deadline", "delivery_deadline")


# --------------------------------------------------------------------------- quote


def test_a_quote_needs_a_positive_cost() -> None:
    for cost in ("-1", "0"):
        with pytest.raises(ValidationError) as caught:
            a_quote(cost=cost)
        assert caught.value.paths == ("cost",)


def test_a_quote_needs_a_deadline() -> None:
    with pytest.raises(ValidationError) as caught:
        SupplierQuote("Омега", Money("-5"), None, T0)  # type: ignore[arg-type]
    assert caught.value.paths == ("cost", "deadline")
    assert "required" in str(caught.value)


def test_a_quote_names_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        SupplierQuote(" ", 100, "завтра", datetime(2025, 6, 2))  # type: ignore[arg-type]
    assert caught.value.paths == ("supplier", "cost", "deadline", "received_at")


# --------------------------------------------------------------------------- the happy path


def test_an_order_goes_from_the_preliminary_request_to_closed() -> None:
    order = an_order()
    assert order.stage is S.PRELIMINARY_REQUEST
    assert order.history == (OrderStep(S.PRELIMINARY_REQUEST, T0, ANNA, OPEN),)
    stages: list[OrderStage] = [order.stage]
    for action in TO_CLOSED:
        order = walk(order, action)
        stages.append(order.stage)
    assert list(dict.fromkeys(stages)) == [
        S.PRELIMINARY_REQUEST,
        S.APPROVED_BY_CLIENT,
        S.SENT_TO_SUPPLIER,
        S.SUPPLIER_QUOTED,
        S.PRICED,
        S.AGREED_WITH_CLIENT,
        S.FINAL_REQUEST_SIGNED,
        S.QUEUED_AT_SUPPLIER,
        S.IN_PRODUCTION,
        S.QUALITY_ACCEPTED,
        S.CLIENT_NOTIFIED,
        S.SHIPPED,
        S.ACT_SIGNED,
        S.PAYMENT_RECEIVED,
        S.ORIGINALS_RECEIVED,
        S.CLOSED,
    ]
    assert [e.action for e in order.history] == [OPEN, *(a.name for a in TO_CLOSED)]
    assert order.price == Money("13000.00")
    assert order.margin == Decimal("0.3")
    assert order.supplier == "Типография «Омега»"
    assert order.prepayment_invoice == "П-17"
    assert [s.name for s in order.production_stages] == ["печать", "резка"]
    assert all(s.done for s in order.production_stages)
    assert order.quality is QualityOutcome.ACCEPTED
    assert len(order.control_samples) == 1
    assert order.closed_at == order.history[-1].at
    assert order.created_at == T0
    assert order.replacements == 0
    assert order.version == 0
    assert allowed_actions(order) == ()


def test_every_stage_has_a_russian_label() -> None:
    labels = [stage.label for stage in OrderStage]
    assert len(set(labels)) == len(labels)
    assert S.PRELIMINARY_REQUEST.label == "Предварительная заявка на заказ"
    assert S.CLOSED.label == "Заказ закрыт"
    assert all(any("а" <= ch <= "я" for ch in label.lower()) for label in labels)


def test_allowed_actions_follow_the_stage() -> None:
    order = an_order()
    assert allowed_actions(order) == ("update_specification", "approve_request")
    quoted = walk(order, *TO_QUOTED)
    assert allowed_actions(quoted) == (
        "update_specification",
        "receive_quote",
        "director_approval",
        "set_price",
    )
    queued = walk(order, *TO_QUEUED[:-1])
    assert allowed_actions(queued) == ("issue_prepayment_invoice", "add_production_stage")
    assert "start_production" in allowed_actions(walk(queued, IssuePrepaymentInvoice("П-1")))


def test_advance_changes_nothing_it_is_given() -> None:
    order = an_order()
    before = attrs.asdict(order, recurse=False)
    after = walk(order, ApproveRequest("клиент согласовал по почте"))
    assert attrs.asdict(order, recurse=False) == before
    assert after.history[-1].note == "клиент согласовал по почте"
    assert after.history[-1].by == ANNA


def test_the_employee_and_the_time_are_checked() -> None:
    order = an_order()
    with pytest.raises(ValidationError) as caught:
        advance(
            order, ApproveRequest(), now=datetime(2025, 6, 3), by=EmployeeId(" "), policy=POLICY
        )
    assert caught.value.paths == ("now", "by")
    with pytest.raises(ValidationError) as caught:
        advance(order, ApproveRequest(), now=T0 - timedelta(seconds=1), by=ANNA, policy=POLICY)
    assert caught.value.paths == ("now",)
    with pytest.raises(TypeError):
        advance(order, "approve_request", now=T0, by=ANNA, policy=POLICY)  # type: ignore[arg-type]


def test_an_order_keeps_its_stage_and_history_in_step() -> None:
    order = an_order()
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(order, stage=S.CLOSED)
    assert caught.value.paths == ("stage",)
    with pytest.raises(ValidationError):
        attrs.evolve(order, history=())
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(order, special_conditions=SpecialConditions(Decimal("0.05")))
    assert caught.value.paths == ("special_conditions",)


def test_action_values_are_checked_when_built() -> None:
    with pytest.raises(ValidationError):
        SendToSupplier(" ")
    with pytest.raises(ValidationError):
        RejectQuality("")
    with pytest.raises(ValidationError):
        AddProductionStage("", date(2025, 6, 1))
    with pytest.raises(TypeError):
        SetPrice(100)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- guards


def _at(actions: tuple[Action, ...]) -> Order:
    return walk(an_order(), *actions)


GUARDS: list[tuple[str, tuple[Action, ...], Action, str]] = [
    ("no pricing without a quote", TO_QUOTED[:2], SetPrice(), "no supplier quote yet"),
    ("no pricing before the request", (), SetPrice(Money(1)), "no supplier quote yet"),
    (
        "no quote before the request is sent",
        TO_QUOTED[:1],
        ReceiveQuote(a_quote()),
        "receive_quote is done only at sent_to_supplier, supplier_quoted, priced",
    ),
    ("no approval twice", TO_QUOTED[:1], ApproveRequest(), "approve_request is done only at"),
    (
        "no queue before signing",
        TO_QUEUED[:5],
        QueueAtSupplier(),
        "queue_at_supplier is done only at final_request_signed",
    ),
    (
        "no production without a prepayment invoice",
        TO_QUEUED[:-1],
        StartProduction(),
        "no prepayment invoice issued yet",
    ),
    (
        "one prepayment invoice",
        TO_QUEUED,
        IssuePrepaymentInvoice("П-18"),
        "prepayment invoice П-17 already issued",
    ),
    (
        "no acceptance with a stage open",
        TO_PRODUCTION,
        AcceptQuality(),
        "production stages not done: печать, резка",
    ),
    ("nothing to complete", TO_QUEUED, CompleteProductionStage("печать"), "is done only at"),
    ("no notification before acceptance", TO_PRODUCTION, NotifyClient(), "quality not accepted"),
    ("no shipping before acceptance", TO_PRODUCTION, Ship(), "quality not accepted yet"),
    ("no shipping before notification", TO_ACCEPTED, Ship(), "ship is done only at"),
    (
        "no closing before the documents",
        TO_SHIPPED,
        Close(),
        "the act is not signed; payment is not received; the original documents are not received",
    ),
    (
        "no closing without payment and originals",
        (*TO_SHIPPED, SignAct()),
        Close(),
        "payment is not received; the original documents are not received",
    ),
    (
        "no closing without originals",
        (*TO_SHIPPED, SignAct(), ReceivePayment()),
        Close(),
        "the original documents are not received",
    ),
    (
        "no originals before the act",
        (*TO_SHIPPED, ReceivePayment()),
        ReceiveOriginals(),
        "the act is not signed yet",
    ),
    ("one act", (*TO_SHIPPED, SignAct(), ReceivePayment()), SignAct(), "act signed already"),
    (
        "one payment",
        (*TO_SHIPPED, ReceivePayment(), SignAct(), ReceiveOriginals()),
        ReceivePayment(),
        "payment received already",
    ),
    ("one director approval", (*TO_QUOTED, DirectorApproval()), DirectorApproval(), "already"),
    ("no specification change after signing", TO_QUEUED, UpdateSpecification(a_spec()), "only"),
    ("no replacement without a rejection", TO_ACCEPTED, StartReplacement(), "only at"),
    ("nothing after closing", TO_CLOSED, ApproveRequest(), "the order is closed"),
]


@pytest.mark.parametrize(
    ("setup", "action", "reason"), [g[1:] for g in GUARDS], ids=[g[0] for g in GUARDS]
)
def test_each_guard_refuses_naming_the_stage_and_the_allowed_steps(
    setup: tuple[Action, ...], action: Action, reason: str
) -> None:
    order = _at(setup)
    err = refused(order, action)
    assert reason in err.reason
    assert action.name not in err.allowed
    assert f"cannot {action.name} at {order.stage.value}" in str(err)


def test_a_closed_order_allows_nothing() -> None:
    err = refused(closed_order(), Close())
    assert err.current == "closed"
    assert err.allowed == ()
    assert str(err).endswith("allowed next: nothing")


def test_pricing_is_refused_at_the_approved_request_with_the_next_step() -> None:
    err = refused(_at(TO_QUOTED[:1]), SetPrice())
    assert (err.current, err.allowed) == (
        "approved_by_client",
        ("update_specification", "send_to_supplier"),
    )


def test_shipping_needs_a_control_sample_of_the_run_by_policy() -> None:
    no_sample = tuple(a for a in TO_ACCEPTED if not isinstance(a, RecordControlSample))
    order = _at((*no_sample, NotifyClient()))
    err = refused(order, Ship())
    assert err.reason == "no control sample kept yet"
    assert err.allowed == ("record_control_sample",)
    shipped = walk(order, RecordControlSample("образец", "архив"), Ship())
    assert shipped.stage is S.SHIPPED
    lenient = attrs.evolve(POLICY, control_sample_before_shipping=False)
    assert walk(order, Ship(), policy=lenient).stage is S.SHIPPED


def test_production_without_prepayment_when_the_policy_allows() -> None:
    lenient = attrs.evolve(POLICY, prepayment_before_production=False)
    order = walk(an_order(), *TO_QUEUED[:-1], StartProduction(), policy=lenient)
    assert order.stage is S.IN_PRODUCTION
    assert order.prepayment_invoice is None
    order = walk(order, IssuePrepaymentInvoice("П-3"), policy=lenient)
    assert (order.stage, order.prepayment_invoice) == (S.IN_PRODUCTION, "П-3")


def test_the_supplier_deadline_must_fit_the_production_deadline() -> None:
    late = (*TO_QUOTED[:2], ReceiveQuote(a_quote(deadline=date(2025, 6, 22))), SetPrice())
    order = _at(late)
    err = refused(order, AgreeWithClient())
    assert "the supplier needs until 2025-06-22" in err.reason
    # agreeing stays allowed: with a new production deadline it goes through
    assert err.allowed == (
        "update_specification",
        "receive_quote",
        "director_approval",
        "set_price",
        "agree_with_client",
    )
    with pytest.raises(ValidationError) as caught:
        walk(order, AgreeWithClient(production_deadline=date(2025, 6, 26)))
    assert caught.value.paths == ("delivery_deadline",)
    agreed = walk(
        order,
        AgreeWithClient(production_deadline=date(2025, 6, 22), delivery_deadline=date(2025, 6, 27)),
    )
    assert agreed.stage is S.AGREED_WITH_CLIENT
    assert agreed.specification.production_deadline == date(2025, 6, 22)
    assert agreed.specification.delivery_deadline == date(2025, 6, 27)


def test_production_stages_are_named_once_per_run() -> None:
    order = _at(TO_PRODUCTION)
    with pytest.raises(ValidationError) as caught:
        walk(order, AddProductionStage("печать", date(2025, 6, 11)))
    assert caught.value.paths == ("stage_name",)
    with pytest.raises(ValidationError) as caught:
        walk(order, CompleteProductionStage("ламинация"))
    assert "печать, резка" in str(caught.value)
    done = walk(order, CompleteProductionStage("печать"))
    assert done.production_stages[0].done_at == done.history[-1].at
    err = refused(done, CompleteProductionStage("печать"))
    assert err.reason == "'печать' is already done"


def test_updating_the_request_starts_the_approval_again() -> None:
    priced = _at((*TO_QUOTED, DirectorApproval(), SetPrice()))
    assert priced.director_approved
    bigger = a_spec(quantity=1000)
    order = walk(priced, UpdateSpecification(bigger, note="тираж 1000"))
    assert order.stage is S.PRELIMINARY_REQUEST
    assert order.specification == bigger
    assert (order.quote, order.price, order.supplier, order.director_approved) == (
        None,
        None,
        None,
        False,
    )
    assert walk(order, ApproveRequest()).stage is S.APPROVED_BY_CLIENT


def test_a_new_quote_drops_the_price_and_the_approval() -> None:
    priced = _at((*TO_QUOTED, DirectorApproval(), SetPrice()))
    order = walk(priced, ReceiveQuote(a_quote(cost="12000")))
    assert (order.stage, order.price, order.director_approved) == (S.SUPPLIER_QUOTED, None, False)
    assert walk(order, SetPrice()).price == Money("15600.00")


# --------------------------------------------------------------------------- pricing


def test_the_price_is_cost_plus_the_margin_rounded_half_up() -> None:
    assert price_for(a_quote("10000"), POLICY, repeat_of=None) == Money("13000.00")
    assert price_for(a_quote("0.05"), POLICY, repeat_of=None) == Money("0.07")  # 0.065 → 0.07
    policy = OrderPolicy(default_margin=Decimal("0.25"), minimum_margin=Decimal("0.1"))
    assert price_for(a_quote("99.99"), policy, repeat_of=None) == Money("124.99")  # 124.9875
    assert margin_of(Money("130"), Money("100")) == Decimal("0.3")


def test_a_price_below_the_minimum_margin_needs_the_director() -> None:
    quoted = _at(TO_QUOTED)
    err = refused(quoted, SetPrice(Money("11000")))
    assert err.current == "supplier_quoted"
    assert "the margin 10.0% is below the minimum 15.0%" in err.reason
    assert "director_approval" in err.allowed
    approved = walk(quoted, DirectorApproval("директор согласовал"))
    assert approved.stage is S.SUPPLIER_QUOTED
    priced = walk(approved, SetPrice(Money("11000")))
    assert (priced.stage, priced.price) == (S.PRICED, Money("11000"))
    assert priced.history[-2].action == "director_approval"


def test_a_price_below_cost_needs_the_director() -> None:
    quoted = _at(TO_QUOTED)
    err = refused(quoted, SetPrice(Money("9000")))
    assert "below the supplier's cost" in err.reason
    assert walk(quoted, DirectorApproval(), SetPrice(Money("9000"))).price == Money("9000")


def test_the_minimum_margin_check_can_be_switched_off() -> None:
    policy = attrs.evolve(POLICY, director_approves_below_minimum=False)
    order = walk(an_order(), *TO_QUOTED, SetPrice(Money("9000")), policy=policy)
    assert order.price == Money("9000")


def test_check_price_is_a_decision() -> None:
    quote = a_quote()
    assert check_price(Money("11500"), quote, director_approved=False, policy=POLICY).ok
    low = check_price(Money("11000"), quote, director_approved=False, policy=POLICY)
    assert low.codes() == ("margin_below_minimum",)
    below = check_price(Money("1"), quote, director_approved=False, policy=POLICY)
    assert below.codes() == ("price_below_cost",)
    assert check_price(Money("1"), quote, director_approved=True, policy=POLICY).ok


def test_a_price_in_another_currency_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        walk(_at(TO_QUOTED), SetPrice(Money("200", "USD")))
    assert caught.value.paths == ("price",)


def test_repricing_before_the_client_agrees() -> None:
    priced = _at((*TO_QUOTED, SetPrice()))
    repriced = walk(priced, SetPrice(Money("12500")))
    assert (repriced.stage, repriced.price) == (S.PRICED, Money("12500"))


# --------------------------------------------------------------------------- quality


def test_a_rejection_sends_the_order_to_a_replacement_run() -> None:
    order = _at((*TO_PRODUCTION, CompleteProductionStage("печать")))
    rejected = walk(order, RejectQuality("смещение печати на 3 мм"))
    assert rejected.stage is S.QUALITY_REJECTED
    assert rejected.quality is QualityOutcome.REJECTED
    assert rejected.quality_checks[-1].note == "смещение печати на 3 мм"
    assert allowed_actions(rejected) == ("queue_replacement", "start_replacement")
    refused(rejected, Ship())
    refused(rejected, NotifyClient())

    requeued = walk(rejected, QueueReplacement())
    assert (requeued.stage, requeued.replacements) == (S.QUEUED_AT_SUPPLIER, 1)
    assert requeued.quality is None  # the new run is not checked yet
    assert requeued.run_stages == ()
    replacement = walk(
        requeued,
        AddProductionStage("печать", date(2025, 6, 15)),
        StartProduction(),
        CompleteProductionStage("печать"),
    )
    # the sample of the rejected run does not count for the replacement
    old_sample = walk(order, RecordControlSample("брак", "архив")).control_samples
    assert old_sample[0].run == 0
    accepted = walk(replacement, AcceptQuality(), NotifyClient())
    assert refused(accepted, Ship()).reason == "no control sample kept yet"
    shipped = walk(accepted, RecordControlSample("2 экз.", "архив"), Ship())
    assert shipped.stage is S.SHIPPED
    assert [s.run for s in shipped.production_stages] == [0, 0, 1]
    assert [(c.run, c.outcome) for c in shipped.quality_checks] == [
        (0, QualityOutcome.REJECTED),
        (1, QualityOutcome.ACCEPTED),
    ]


def test_a_replacement_can_start_at_once_and_counts() -> None:
    order = _at((*TO_PRODUCTION, RejectQuality("брак"), StartReplacement()))
    assert (order.stage, order.replacements) == (S.IN_PRODUCTION, 1)
    order = walk(order, RejectQuality("опять брак"), StartReplacement())
    assert order.replacements == 2
    assert walk(order, AcceptQuality()).quality_accepted


# --------------------------------------------------------------------------- overdue


def test_overdue_production_stages() -> None:
    order = _at((*TO_PRODUCTION, CompleteProductionStage("печать")))
    assert overdue_stages(order, date(2025, 6, 12)) == ()
    (late,) = overdue_stages(order, date(2025, 6, 13))
    assert late.name == "резка"
    tolerant = attrs.evolve(POLICY, overdue_tolerance=timedelta(days=2))
    assert overdue_stages(order, date(2025, 6, 14), policy=tolerant) == ()
    assert overdue_stages(order, date(2025, 6, 15), policy=tolerant) == (late,)
    assert overdue(order, date(2025, 6, 13)) == (
        Overdue(OverdueKind.PRODUCTION_STAGE, date(2025, 6, 12), 1, "резка"),
    )
    assert is_overdue(order, date(2025, 6, 13))
    assert not is_overdue(order, date(2025, 6, 12))


def test_overdue_supplier_production_and_delivery_deadlines() -> None:
    order = _at(TO_QUEUED)
    assert overdue(order, date(2025, 6, 26)) == (
        Overdue(OverdueKind.SUPPLIER_DEADLINE, date(2025, 6, 18), 8),
        Overdue(OverdueKind.PRODUCTION_DEADLINE, date(2025, 6, 20), 6),
        Overdue(OverdueKind.DELIVERY_DEADLINE, date(2025, 6, 25), 1),
    )
    # before the supplier is involved, the specification's deadlines still count
    assert [o.kind for o in overdue(an_order(), date(2025, 6, 21))] == [
        OverdueKind.PRODUCTION_DEADLINE
    ]
    accepted = _at((*TO_ACCEPTED, NotifyClient()))
    assert [o.kind for o in overdue(accepted, date(2025, 6, 26))] == [OverdueKind.DELIVERY_DEADLINE]
    assert overdue(_at(TO_SHIPPED), date(2025, 12, 31)) == ()
    assert not is_overdue(closed_order(), date(2030, 1, 1))


def test_done_stages_and_older_runs_are_never_overdue() -> None:
    order = _at((*TO_PRODUCTION, RejectQuality("брак"), StartReplacement()))
    assert overdue_stages(order, date(2025, 6, 19)) == ()


# --------------------------------------------------------------------------- hand-offs


def test_the_designer_makes_a_missing_layout() -> None:
    order = an_order()
    assert designer_handoffs(order, existing_layouts={"Макет «Календарь 2025»"}) == ()
    assert designer_handoffs(order, existing_layouts=()) == (
        HandOff(Role.DESIGNER, "new_layout", "order З-101: make layout 'Макет «Календарь 2025»'"),
    )
    assert designer_handoffs(_at(TO_PRODUCTION), existing_layouts=()) == ()


def test_a_repeat_order_checks_its_layout_exists() -> None:
    again = repeat_order(
        closed_order(),
        new_id=OrderId("o2"),
        number="З-150",
        now=datetime(2025, 7, 1, tzinfo=UTC),
        by=ANNA,
        policy=POLICY,
        changes={"production_deadline": date(2025, 7, 20), "delivery_deadline": date(2025, 7, 25)},
    )
    (handoff,) = designer_handoffs(again, existing_layouts={"Другой макет"})
    assert (handoff.role, handoff.topic) == (Role.DESIGNER, "repeat_layout_missing")
    assert designer_handoffs(again, existing_layouts={"Макет «Календарь 2025»"}) == ()


def test_the_director_sees_vip_conflicts_rejections_and_low_prices() -> None:
    order = an_order(vip=True)
    assert [h.topic for h in director_handoffs(order, policy=POLICY)] == ["vip_order"]
    assert director_handoffs(an_order(), policy=POLICY) == ()
    assert [h.topic for h in director_handoffs(an_order(), policy=POLICY, client_vip=True)] == [
        "vip_order"
    ]
    (conflict,) = director_handoffs(an_order(), policy=POLICY, conflict=" клиент требует скидку ")
    assert (conflict.role, conflict.topic, conflict.reason) == (
        Role.DIRECTOR,
        "conflict",
        "клиент требует скидку",
    )
    twice = _at((*TO_PRODUCTION, RejectQuality("брак"), StartReplacement(), RejectQuality("брак")))
    assert director_handoffs(twice, policy=POLICY) == ()
    twice = walk(twice, StartReplacement())
    assert [h.topic for h in director_handoffs(twice, policy=POLICY)] == ["repeated_rejections"]
    thin = OrderPolicy(default_margin=Decimal("0.10"), minimum_margin=Decimal("0.10"))
    conditions = SpecialConditions(Decimal("0.05"))
    quoted = attrs.evolve(
        walk(an_order(), *TO_QUOTED), repeat_of=OrderId("o0"), special_conditions=conditions
    )
    (approval,) = director_handoffs(quoted, policy=thin)
    assert approval.topic == "price_approval"
    assert director_handoffs(walk(quoted, DirectorApproval(), policy=thin), policy=thin) == ()
    assert director_handoffs(closed_order(vip=True), policy=POLICY) == ()


def test_the_sales_manager_gets_upsells_and_problem_clients() -> None:
    found = sales_handoffs(an_order(), upsells=("настольные календари", " "), problem="грубит")
    assert found == (
        HandOff(Role.SALES_MANAGER, "upsell", "order З-101: настольные календари"),
        HandOff(Role.SALES_MANAGER, "problem_client", "order З-101: грубит"),
    )
    assert sales_handoffs(an_order()) == ()


def test_all_hand_offs_at_once() -> None:
    found = handoffs(an_order(vip=True), policy=POLICY, upsells=("блокноты",))
    assert [(h.role, h.topic) for h in found] == [
        (Role.DESIGNER, "new_layout"),
        (Role.DIRECTOR, "vip_order"),
        (Role.SALES_MANAGER, "upsell"),
    ]


# --------------------------------------------------------------------------- repeat sales

JULY = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NEW_DATES: dict[str, Any] = {
    "production_deadline": date(2025, 7, 20),
    "delivery_deadline": date(2025, 7, 25),
}


def test_a_repeat_order_copies_the_request_with_changes() -> None:
    previous = closed_order(vip=True)
    again = repeat_order(
        previous,
        new_id=OrderId("o2"),
        number="З-150",
        now=JULY,
        by=ANNA,
        policy=POLICY,
        changes={**NEW_DATES, "quantity": 800},
        note="повторный заказ по звонку",
    )
    assert again.stage is S.PRELIMINARY_REQUEST
    assert (again.id, again.number, again.client_id) == ("o2", "З-150", "c1")
    assert again.repeat_of == previous.id
    assert again.vip
    assert again.specification == attrs.evolve(previous.specification, quantity=800, **NEW_DATES)
    assert again.history == (
        OrderStep(S.PRELIMINARY_REQUEST, JULY, ANNA, OPEN, "повторный заказ по звонку"),
    )
    assert again.special_conditions == SpecialConditions(
        discount=Decimal("0.05"),
        keep_previous_price=True,
        previous_price=Money("13000.00"),
        previous_cost=Money("10000"),
    )


def test_a_repeat_order_can_take_a_new_request() -> None:
    fresh = a_spec(product_type="Блокнот", **NEW_DATES)
    again = repeat_order(
        closed_order(),
        new_id=OrderId("o2"),
        number="З-151",
        now=JULY,
        by=ANNA,
        policy=POLICY,
        copy_specification=False,
        specification=fresh,
    )
    assert again.specification == fresh
    with pytest.raises(ValidationError):
        repeat_order(
            closed_order(),
            new_id=OrderId("o2"),
            number="З-151",
            now=JULY,
            by=ANNA,
            policy=POLICY,
            copy_specification=False,
        )
    with pytest.raises(ValidationError):
        repeat_order(
            closed_order(),
            new_id=OrderId("o2"),
            number="З-151",
            now=JULY,
            by=ANNA,
            policy=POLICY,
            specification=fresh,
        )


def test_a_copied_request_must_be_brought_up_to_date() -> None:
    def repeat(**changes: Any) -> Order:
        return repeat_order(
            closed_order(),
            new_id=OrderId("o2"),
            number="З-150",
            now=JULY,
            by=ANNA,
            policy=POLICY,
            changes=changes,
        )

    with pytest.raises(ValidationError) as caught:
        repeat()
    assert caught.value.paths == ("production_deadline", "delivery_deadline")
    assert "copied from order З-101" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        repeat(tirazh=5, colour="red", **NEW_DATES)
    assert caught.value.paths == ("tirazh", "colour")
    with pytest.raises(ValidationError) as caught:
        repeat(quantity=0, **NEW_DATES)
    assert caught.value.paths == ("quantity",)


def test_only_a_closed_order_is_repeated() -> None:
    shipped = _at(TO_SHIPPED)
    with pytest.raises(TransitionError) as caught:
        repeat_order(shipped, new_id=OrderId("o2"), number="З-2", now=JULY, by=ANNA, policy=POLICY)
    assert caught.value.current == "shipped"
    assert caught.value.allowed == allowed_actions(shipped)


def _repeat_quoted(previous: Order, cost: str) -> Order:
    again = repeat_order(
        previous,
        new_id=OrderId("o2"),
        number="З-150",
        now=JULY,
        by=ANNA,
        policy=POLICY,
        changes=NEW_DATES,
    )
    quote = SupplierQuote("Типография «Омега»", Money(cost), date(2025, 7, 18), JULY)
    return walk(again, ApproveRequest(), SendToSupplier("Типография «Омега»"), ReceiveQuote(quote))


def test_repeat_order_pricing() -> None:
    previous = closed_order()
    # cost unchanged: 10000 × 1.3 × 0.95 = 12350, below the previous 13000
    assert walk(_repeat_quoted(previous, "10000"), SetPrice()).price == Money("12350.00")
    assert price_for(a_quote("10000"), POLICY, repeat_of=previous) == Money("12350.00")
    # cost fell: the computed price is lower still
    assert price_for(a_quote("9000"), POLICY, repeat_of=previous) == Money("11115.00")
    # cost grew: the price follows the cost
    assert price_for(a_quote("11000"), POLICY, repeat_of=previous) == Money("13585.00")
    no_discount = attrs.evolve(POLICY, repeat_discount=Decimal(0))
    assert price_for(a_quote("10000"), no_discount, repeat_of=previous) == Money("13000.00")


def test_a_repeat_keeps_the_previous_price_while_the_cost_has_not_grown() -> None:
    # the previous order was sold cheaply (director's approval); the cost has not grown
    cheap = walk(
        an_order(), *TO_QUOTED, DirectorApproval(), SetPrice(Money("11000")), *TO_CLOSED[4:]
    )
    assert cheap.stage is S.CLOSED
    conditions = special_conditions_for(cheap, POLICY)
    kept = pricing(Money("10000"), POLICY, conditions)
    assert kept.price == Money("11000")
    assert kept.applied == ("margin", "repeat_discount", "previous_price_kept")
    grown = pricing(Money("10001"), POLICY, conditions)
    assert grown.applied == ("margin", "repeat_discount")
    no_keep = attrs.evolve(POLICY, keep_previous_price=False)
    assert pricing(Money("10000"), no_keep, special_conditions_for(cheap, no_keep)).price == Money(
        "12350.00"
    )
    # the kept price is below the minimum margin: the director is asked again
    quoted = _repeat_quoted(cheap, "10000")
    err = refused(quoted, SetPrice())
    assert "margin 10.0%" in err.reason
    assert [h.topic for h in director_handoffs(quoted, policy=POLICY)] == ["price_approval"]


def test_next_repeat_contact() -> None:
    order = closed_order()
    closed_day = order.history[-1].at.date()
    assert next_repeat_contact(order, POLICY) == closed_day + timedelta(days=30)
    weekly = attrs.evolve(POLICY, repeat_contact_interval=timedelta(days=7))
    assert next_repeat_contact(order, weekly) == closed_day + timedelta(days=7)
    with pytest.raises(TransitionError) as caught:
        next_repeat_contact(_at(TO_SHIPPED), POLICY)
    assert caught.value.reason == "the order is not closed yet"


# --------------------------------------------------------------------------- policy


def test_the_policy_defaults() -> None:
    assert POLICY.default_margin == Decimal("0.30")
    assert POLICY.minimum_margin == Decimal("0.15")
    assert POLICY.repeat_discount == Decimal("0.05")
    assert OrderPolicy(default_margin="0.4").default_margin == Decimal("0.4")


def test_a_bad_policy_names_every_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        OrderPolicy(
            default_margin=Decimal("0.1"),
            minimum_margin=Decimal("0.2"),
            repeat_discount=Decimal("1"),
            keep_previous_price="yes",  # type: ignore[arg-type]
            overdue_tolerance=timedelta(hours=5),
            repeat_contact_interval=timedelta(0),
            director_after_replacements=0,
        )
    assert caught.value.paths == (
        "minimum_margin",
        "repeat_discount",
        "keep_previous_price",
        "overdue_tolerance",
        "repeat_contact_interval",
        "director_after_replacements",
    )
    with pytest.raises(TypeError):
        OrderPolicy(default_margin=0.3)


# --------------------------------------------------------------------------- the diagram


def test_the_diagram_is_drawn_from_the_table() -> None:
    diagram = state_diagram()
    lines = diagram.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> preliminary_request" in lines
    assert "    closed --> [*]" in lines
    for stage in OrderStage:
        assert f'    state "{stage.label}" as {stage.value}' in lines
    arrows = [line for line in lines if " : " in line]
    assert len(arrows) == sum(len(t.sources) for t in TRANSITIONS)
    for transition in TRANSITIONS:
        for source in transition.sources:
            target = transition.leads_to(source)
            assert f"    {source.value} --> {target.value} : {transition.action}" in lines
    # the quality-rejected loop
    assert "    in_production --> quality_rejected : reject_quality" in lines
    assert "    quality_rejected --> queued_at_supplier : queue_replacement" in lines
    assert "    quality_rejected --> in_production : start_replacement" in lines


def test_every_stage_is_reachable_and_closed_is_final() -> None:
    reached = {S.PRELIMINARY_REQUEST}
    frontier = [S.PRELIMINARY_REQUEST]
    while frontier:
        stage = frontier.pop()
        for t in TRANSITIONS:
            if stage in t.sources and t.leads_to(stage) not in reached:
                reached.add(t.leads_to(stage))
                frontier.append(t.leads_to(stage))
    assert reached == set(OrderStage)
    assert not any(S.CLOSED in t.sources for t in TRANSITIONS)
    assert len({t.action for t in TRANSITIONS}) == len(TRANSITIONS)


def test_the_docs_page_shows_the_diagram_of_the_code() -> None:
    text = (DOCS / "orders.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{state_diagram()}```" in text
    for stage in OrderStage:
        assert stage.label in text, stage


# --------------------------------------------------------------------------- random walks

DESIGNS = ("Макет «Календарь 2025»", "Новый макет")
STAGE_NAMES = ("печать", "резка", "упаковка")
DAYS = st.dates(date(2025, 6, 5), date(2025, 7, 5))

Builder = Callable[[st.DataObject, Order], Action]


def _spec(data: st.DataObject, _: Order) -> Action:
    production = data.draw(DAYS)
    return UpdateSpecification(
        a_spec(
            quantity=data.draw(st.integers(1, 5000)),
            design=data.draw(st.sampled_from(DESIGNS)),
            production_deadline=production,
            delivery_deadline=production + timedelta(days=data.draw(st.integers(0, 10))),
        )
    )


def _quote(data: st.DataObject, _: Order) -> Action:
    cost = Money(data.draw(st.integers(1, 100_000)))
    return ReceiveQuote(SupplierQuote("Омега", cost, data.draw(DAYS), T0))


def _price(data: st.DataObject, _: Order) -> Action:
    return SetPrice(data.draw(st.none() | st.integers(1, 200_000).map(Money)))


def _agree(data: st.DataObject, _: Order) -> Action:
    return AgreeWithClient(data.draw(st.none() | DAYS), data.draw(st.none() | DAYS))


def _add_stage(data: st.DataObject, _: Order) -> Action:
    return AddProductionStage(data.draw(st.sampled_from(STAGE_NAMES)), data.draw(DAYS))


def _complete(data: st.DataObject, order: Order) -> Action:
    names = [s.name for s in order.run_stages if not s.done] or list(STAGE_NAMES)
    return CompleteProductionStage(data.draw(st.sampled_from(names)))


BUILDERS: dict[str, Builder] = {
    "update_specification": _spec,
    "approve_request": lambda d, o: ApproveRequest(),
    "send_to_supplier": lambda d, o: SendToSupplier(d.draw(st.sampled_from(("Омега", "Альфа")))),
    "receive_quote": _quote,
    "director_approval": lambda d, o: DirectorApproval(),
    "set_price": _price,
    "agree_with_client": _agree,
    "sign_final_request": lambda d, o: SignFinalRequest(),
    "queue_at_supplier": lambda d, o: QueueAtSupplier(),
    "issue_prepayment_invoice": lambda d, o: IssuePrepaymentInvoice("П-1"),
    "start_production": lambda d, o: StartProduction(),
    "add_production_stage": _add_stage,
    "complete_production_stage": _complete,
    "record_control_sample": lambda d, o: RecordControlSample("образец", "архив"),
    "accept_quality": lambda d, o: AcceptQuality(),
    "reject_quality": lambda d, o: RejectQuality("брак"),
    "queue_replacement": lambda d, o: QueueReplacement(),
    "start_replacement": lambda d, o: StartReplacement(),
    "notify_client": lambda d, o: NotifyClient(),
    "ship": lambda d, o: Ship(),
    "sign_act": lambda d, o: SignAct(),
    "receive_payment": lambda d, o: ReceivePayment(),
    "receive_originals": lambda d, o: ReceiveOriginals(),
    "close": lambda d, o: Close(),
}
#: Actions that may still be refused for their own values when the order allows them.
VALUE_GUARDED = {"set_price", "agree_with_client", "complete_production_stage"}


def test_every_action_has_a_builder() -> None:
    assert set(BUILDERS) == {t.action for t in TRANSITIONS}


def assert_consistent(order: Order) -> None:
    """The order's stage follows from its history through the table, and the history keeps
    the rules of the process."""
    table = {t.action: t for t in TRANSITIONS}
    first, *rest = order.history
    assert (first.action, first.stage) == (OPEN, S.PRELIMINARY_REQUEST)
    stage, at = first.stage, first.at
    for step in rest:
        transition = table[step.action]
        assert stage in transition.sources, (stage, step.action)
        stage = transition.leads_to(stage)
        assert step.stage is stage
        assert step.at >= at
        at = step.at
    assert stage is order.stage
    actions = [e.action for e in order.history]
    if order.stage is S.CLOSED:
        assert {"sign_act", "receive_payment", "receive_originals"} <= set(actions)
        assert actions[-1] == "close"
    for i, action in enumerate(actions):
        if action in ("notify_client", "ship"):
            checks = [a for a in actions[:i] if a in ("accept_quality", "reject_quality")]
            assert checks
            assert checks[-1] == "accept_quality"
    for once in ("sign_act", "receive_payment", "receive_originals", "close"):
        assert actions.count(once) <= 1
    assert order.replacements == sum(
        a in ("queue_replacement", "start_replacement") for a in actions
    )
    assert len(order.quality_checks) == sum(
        a in ("accept_quality", "reject_quality") for a in actions
    )


def _attempt(
    order: Order, action: Action, *, now: datetime, policy: OrderPolicy
) -> Order | TransitionError | ValidationError:
    try:
        return advance(order, action, now=now, by=ANNA, policy=policy)
    except (TransitionError, ValidationError) as err:
        return err


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_actions_keep_the_process_consistent(data: st.DataObject) -> None:
    policy = data.draw(
        st.builds(
            OrderPolicy,
            prepayment_before_production=st.booleans(),
            control_sample_before_shipping=st.booleans(),
        )
    )
    order = an_order()
    now = T0
    names = list(BUILDERS)
    for _ in range(data.draw(st.integers(1, 80))):
        allowed = allowed_actions(order, policy)
        # mostly an allowed step (going back to the request only now and then), sometimes any
        roll = data.draw(st.integers(0, 19))
        forward = [a for a in allowed if a != "update_specification"] or list(allowed)
        choices = forward if roll < 17 else allowed if roll < 18 else names
        name = data.draw(st.sampled_from(choices or names))
        action = BUILDERS[name](data, order)
        now += timedelta(minutes=data.draw(st.integers(0, 600)))
        after = _attempt(order, action, now=now, policy=policy)
        if isinstance(after, TransitionError):
            assert after.current == order.stage.value
            assert after.allowed == allowed
            assert name not in allowed or name in VALUE_GUARDED
            continue
        if isinstance(after, ValidationError):
            assert name in {
                "agree_with_client",
                "add_production_stage",
                "complete_production_stage",
            }
            continue
        assert name in allowed
        assert after.history[:-1] == order.history
        assert after.history[-1] == OrderStep(after.stage, now, ANNA, name)
        order = after
        assert_consistent(order)
    event(f"reached {order.stage.value}")
    if order.stage is S.CLOSED:
        assert next_repeat_contact(order, policy) > order.created_at.date()
