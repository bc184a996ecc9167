"""The credit check wired into ``ops.orders`` (seed 001: «кредитоспособность и
платёжеспособность клиентов»), on memory, a real SQLite file and PostgreSQL: a new order of a
client whose score is too low is refused with :class:`CreditRefusedError` naming
``client_id`` and nothing is stored; one over its credit limit goes to the director for
approval (or is refused, per policy); a shipment needing approval is held until the director
approved it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import clientops
from clientops import ClientOps, PluginHost, Policy
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.model import Client, EmployeeId, Money
from clientops.orders import (
    AcceptQuality,
    AddProductionStage,
    AgreeWithClient,
    ApproveRequest,
    Close,
    CompleteProductionStage,
    IssuePrepaymentInvoice,
    NotifyClient,
    OrderSpecification,
    OrderStage,
    QueueAtSupplier,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    StartProduction,
    SupplierQuote,
)
from clientops.ports import Storage
from clientops.retention import CreditDecision, CreditRefusedError, OnApproval, Retention
from clientops.testing import a_client, a_staff, an_invoice

T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)  # Monday, 10:00 in Moscow
ANNA = EmployeeId("anna")
NBSP = "\u00a0"


def a_spec() -> OrderSpecification:
    return OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design="Календарь 2026",
        materials="Мелованная бумага 170 г/м²",
        production_deadline=date(2025, 7, 20),
        delivery_address="Омск, ул. Ленина, 10",
        packaging_type="Гофрокороб",
        packaging_marking="Логотип клиента",
        delivery_deadline=date(2025, 7, 25),
        delivery_format="Курьер до двери",
    )


TO_SHIP = (
    ApproveRequest(),
    SendToSupplier("Типография «Омега»"),
    ReceiveQuote(SupplierQuote("Типография «Омега»", Money(10_000), date(2025, 7, 18), T0)),
    SetPrice(),
    AgreeWithClient(),
    SignFinalRequest(),
    QueueAtSupplier(),
    IssuePrepaymentInvoice("П-17"),
    AddProductionStage("печать", date(2025, 7, 12)),
    StartProduction(),
    CompleteProductionStage("печать"),
    RecordControlSample("2 экземпляра", "архив"),
    AcceptQuality(),
    NotifyClient(),
)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "credit.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def connect(make_storage: Callable[[], Storage]) -> Iterator[Callable[..., ClientOps]]:
    opened: list[ClientOps] = []

    def make(**credit: Any) -> ClientOps:
        base = Policy()
        policy = attrs.evolve(
            base,
            retention=attrs.evolve(
                base.retention, credit=attrs.evolve(base.retention.credit, **credit)
            ),
        )
        ops = ClientOps(
            make_storage(), policy=policy, host=PluginHost(entry_points=False), clock=lambda: T0
        )
        ops.clients.add_staff(a_staff())
        opened.append(ops)
        return ops

    yield make
    for ops in opened:
        ops.close()


def _client(ops: ClientOps, *, overdue: int = 0, open_debt: int = 0) -> Client:
    """A client with ``overdue`` invoices 30 days past due and ``open_debt`` invoices not yet
    due (12 000 руб. each)."""
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    with ops.context.storage.unit_of_work() as uow:
        for _ in range(overdue):
            uow.invoices.add(an_invoice(card, issue_date=date(2025, 5, 19)))
        for _ in range(open_debt):
            uow.invoices.add(an_invoice(card, issue_date=date(2025, 6, 22)))
    return card


def _stored(ops: ClientOps, card: Client) -> tuple[int, int, int]:
    """The client's orders, appeals and reactions as stored."""
    with ops.context.storage.unit_of_work(readonly=True) as uow:
        return (
            len(uow.orders.of_client(card.id)),
            len(uow.appeals.of_client(card.id)),
            len(uow.appeals.reactions_of(card.id)),
        )


def _director_tasks(ops: ClientOps, card: Client) -> list[str]:
    return [
        r.topic
        for r in ops.clients.reactions_of(card.id)
        if r.employee_id == "ivanov" and r.topic.startswith("Кредитный контроль")
    ]


def test_a_client_in_good_standing_orders_without_the_director(
    connect: Callable[..., ClientOps],
) -> None:
    ops = connect()
    card = _client(ops, open_debt=1)
    change = ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA)
    assert change.order.stage is OrderStage.PRELIMINARY_REQUEST
    assert _director_tasks(ops, card) == []


def test_a_bad_payment_discipline_refuses_the_order_and_stores_nothing(
    connect: Callable[..., ClientOps],
) -> None:
    # one invoice 30 days overdue: 100 - 15 = 85, below a refusal score of 90
    ops = connect(refuse_score=90, approval_score=95)
    card = _client(ops, overdue=1)
    before = _stored(ops, card)
    with pytest.raises(CreditRefusedError) as err:
        ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA)
    assert err.value.paths == ("client_id",)
    assert err.value.check.decision is CreditDecision.REFUSE
    assert "оценка платёжной дисциплины 85 из 100 (ниже 90)" in str(err.value)
    assert _stored(ops, card) == before
    assert ops.orders.find("З-101") is None
    # the director's approval does not lift a refusal
    with pytest.raises(CreditRefusedError):
        ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA, credit_approved=True)
    assert _stored(ops, card) == before


def test_a_client_over_its_limit_gets_the_order_with_a_task_to_the_director(
    connect: Callable[..., ClientOps],
) -> None:
    ops = connect()
    card = _client(ops, open_debt=2)
    Retention(ops).set_credit_limit(card.id, Money(20_000), by=ANNA)
    change = ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA)
    assert [r.employee_id for r in change.reactions].count("ivanov") == 1
    assert _director_tasks(ops, card) == [
        "Кредитный контроль: согласовать заказ № З-101 клиента ООО «Ромашка» "
        f"(долг 24{NBSP}000,00{NBSP}руб. больше кредитного лимита 20{NBSP}000,00{NBSP}руб.)"
    ]
    # approved already: no task
    again = ops.orders.open(card.id, a_spec(), number="З-102", by=ANNA, credit_approved=True)
    assert "ivanov" not in [r.employee_id for r in again.reactions]
    assert len(_director_tasks(ops, card)) == 1


def test_the_policy_may_refuse_an_order_that_needs_the_approval(
    connect: Callable[..., ClientOps],
) -> None:
    ops = connect(on_approval=OnApproval.REFUSE)
    card = _client(ops, open_debt=2)
    Retention(ops).set_credit_limit(card.id, Money(20_000), by=ANNA)
    before = _stored(ops, card)
    with pytest.raises(CreditRefusedError) as err:
        ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA)
    assert err.value.paths == ("client_id",)
    assert err.value.check.decision is CreditDecision.APPROVAL
    assert _stored(ops, card) == before
    assert ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA, credit_approved=True)


def test_a_shipment_over_the_limit_is_held_until_the_director_approves(
    connect: Callable[..., ClientOps],
) -> None:
    ops = connect()
    card = _client(ops)
    order = ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA).order
    for action in TO_SHIP:
        ops.orders.advance(order.id, action, by=ANNA)
    # the client's debt grows past its limit before the shipment
    with ops.context.storage.unit_of_work() as uow:
        uow.invoices.add(an_invoice(card, issue_date=date(2025, 6, 22)))
    Retention(ops).set_credit_limit(card.id, Money(10_000), by=ANNA)
    with pytest.raises(CreditRefusedError) as err:
        ops.orders.advance(order.id, Ship(), by=ANNA)
    assert err.value.paths == ("client_id",)
    assert "shipment" in str(err.value)
    assert ops.orders.get(order.id).stage is OrderStage.CLIENT_NOTIFIED
    shipped = ops.orders.advance(order.id, Ship(), by=ANNA, credit_approved=True)
    assert shipped.order.stage is OrderStage.SHIPPED


def test_the_check_can_be_switched_off(connect: Callable[..., ClientOps]) -> None:
    ops = connect(check_orders=False, refuse_score=90, approval_score=95)
    card = _client(ops, overdue=1)
    change = ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA)
    assert change.order.number == "З-101"
    assert _director_tasks(ops, card) == []


def test_a_repeat_order_is_checked_too(connect: Callable[..., ClientOps]) -> None:
    ops = connect(refuse_score=90, approval_score=95)
    card = _client(ops)
    first = ops.orders.open(card.id, a_spec(), number="З-101", by=ANNA).order
    for action in (*TO_SHIP, Ship(), SignAct(), ReceivePayment(), ReceiveOriginals(), Close()):
        ops.orders.advance(first.id, action, by=ANNA)
    with ops.context.storage.unit_of_work() as uow:
        uow.invoices.add(an_invoice(card, issue_date=date(2025, 5, 19)))
    before = _stored(ops, card)
    with pytest.raises(CreditRefusedError):
        ops.orders.repeat(first.id, number="З-102", by=ANNA)
    assert _stored(ops, card) == before


def test_an_equipment_shipment_over_the_limit_is_held_until_the_director_approves(
    connect: Callable[..., ClientOps],
) -> None:
    # the supply area's shipment is checked as an order's shipment is (seed 001: «отгрузки»)
    from clientops.supply import ShipmentLine, StockLevel, Supply

    ops = connect()
    card = _client(ops, open_debt=2)
    Retention(ops).set_credit_limit(card.id, Money(20_000), by=ANNA)
    supply = Supply(ops)
    warehouse = ops.policy.supply.warehouses[0]
    supply.add_stock(warehouse, "Турникет T-3", 2)
    line = ShipmentLine("Турникет T-3", 1, warehouse)
    with pytest.raises(CreditRefusedError) as err:
        supply.plan_shipment(
            card.id, reason="Оборудование", city="Омск", address="ул. Ленина, 10", lines=(line,)
        )
    assert err.value.paths == ("client_id",)
    assert supply.shipments_of(card.id) == ()
    assert [s.reserved for s in supply.stock() if isinstance(s, StockLevel)] == [0]
    shipment = supply.plan_shipment(
        card.id,
        reason="Оборудование",
        city="Омск",
        address="ул. Ленина, 10",
        lines=(line,),
        credit_approved=True,
    )
    assert supply.shipments_of(card.id) == (shipment,)
